"""The tables, and how a database gets to them: created whole, or upgraded one version at a time.

The DDL is written once for both backends; only the column types differ. SQLite keeps
timestamps as fixed-width ISO-8601 UTC text (so text order is time order) and JSON as text;
PostgreSQL uses timestamptz and jsonb.

Why steps and not "create what is missing" on every start: on PostgreSQL, `CREATE INDEX IF NOT
EXISTS` takes a table lock even when the index exists, so every process start deadlocked now
and then against other processes' pruning and finishing transactions; and "if missing" cannot
express a change to an existing table. So:

- A database whose recorded version is current is only read (two small SELECTs, no lock, no DDL).
- An empty database gets `_LATEST` and the current version in one transaction.
- An older one runs `STEPS` in order, each `v -> v+1` in its own transaction that also records
  `v+1`, taken under the backend's migration lock (an advisory lock on PostgreSQL, an exclusive
  transaction on SQLite) after reading the version again. A step therefore runs exactly once and
  need not be idempotent; a failed step leaves the database at `v`.

To change the schema: edit `_LATEST`, append a `Step` that takes a `SCHEMA_VERSION` database to
the new one (with per-dialect SQL where the two differ), and bump `SCHEMA_VERSION`.
tests/store/test_migrations.py checks that a database upgraded from version 1 has exactly the
schema of a fresh one, on both backends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Literal

from bot.store.rows import Session

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 4

Dialect = Literal["sqlite", "postgres"]

# The schema at SCHEMA_VERSION, for an empty database. No IF NOT EXISTS: it runs only where
# schema_version is missing, and a table found there is a mistake worth an error.
_LATEST = """
CREATE TABLE schema_version (
    version INTEGER NOT NULL
);
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    user_key TEXT NOT NULL UNIQUE,
    lang TEXT CHECK (lang IN ('ja', 'en')),
    misses INTEGER NOT NULL DEFAULT 0,
    owner TEXT NOT NULL DEFAULT 'bot' CHECK (owner IN ('bot', 'waiting', 'staff')),
    version INTEGER NOT NULL DEFAULT 1,
    data {json} NOT NULL,
    created_at {timestamp} NOT NULL,
    updated_at {timestamp} NOT NULL,
    notice_at {timestamp},
    opted_out_at {timestamp}
);
CREATE TABLE inbox (
    id {serial},
    source TEXT NOT NULL CHECK (source IN ('line', 'slack', 'timer')),
    event_id TEXT NOT NULL,
    conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    payload TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'working', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before {timestamp} NOT NULL,
    lease_until {timestamp},
    last_error TEXT,
    received_at {timestamp} NOT NULL,
    decided_at {timestamp},
    finished_at {timestamp},
    UNIQUE (source, event_id)
);
CREATE INDEX inbox_runnable ON inbox (id)
    WHERE status IN ('pending', 'working');
CREATE INDEX inbox_queue ON inbox (conversation_id, id)
    WHERE status IN ('pending', 'working');
CREATE INDEX inbox_conversation ON inbox (conversation_id);
CREATE INDEX inbox_finished_at ON inbox (finished_at)
    WHERE finished_at IS NOT NULL;
CREATE TABLE outbox (
    id {serial},
    inbox_id BIGINT REFERENCES inbox (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    conversation_id TEXT REFERENCES conversations (id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('line', 'slack')),
    payload TEXT,
    retry_key TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    method TEXT,
    result TEXT,
    updated_at {timestamp} NOT NULL,
    UNIQUE (inbox_id, seq)
);
CREATE INDEX outbox_conversation ON outbox (conversation_id);
CREATE TABLE audit (
    id {serial},
    at {timestamp} NOT NULL,
    conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    user_key TEXT,
    topic TEXT,
    content_hash TEXT,
    lang TEXT,
    method TEXT,
    result TEXT,
    text TEXT,
    kind TEXT NOT NULL
);
CREATE INDEX audit_conversation ON audit (conversation_id, id);
CREATE INDEX audit_user ON audit (user_key);
CREATE INDEX audit_at ON audit (at);
CREATE TABLE threads (
    thread_ts TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    created_at {timestamp} NOT NULL
);
CREATE INDEX conversations_owner ON conversations (owner)
    WHERE owner <> 'bot'
"""


@dataclass(frozen=True)
class ColumnTypes:
    """How one backend spells the column types that differ, and finds the version table."""

    dialect: Dialect
    timestamp: str
    serial: str
    json: str
    has_versions: str  # a query with a row when the schema_version table exists


SQLITE_TYPES = ColumnTypes(
    dialect="sqlite",
    timestamp="TEXT",
    # AUTOINCREMENT: ids give the inbox its order, so never reuse one after pruning.
    serial="INTEGER PRIMARY KEY AUTOINCREMENT",
    json="TEXT",
    has_versions="SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
)
POSTGRES_TYPES = ColumnTypes(
    dialect="postgres",
    timestamp="TIMESTAMPTZ",
    serial="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    json="JSONB",
    # current_schema() is NULL while the search_path schema does not exist yet.
    has_versions="SELECT 1 FROM pg_catalog.pg_tables"
    " WHERE schemaname = current_schema() AND tablename = 'schema_version'",
)


@dataclass(frozen=True)
class Step:
    """Takes a database from `version - 1` to `version`: `sql` on both backends (with the
    `{timestamp}`, `{serial}`, `{json}` types filled in), then the backend's own `only` SQL."""

    version: int
    why: str
    sql: tuple[str, ...] = ()
    only: Mapping[Dialect, tuple[str, ...]] = field(default_factory=dict)

    def statements(self, types: ColumnTypes) -> list[str]:
        """The step's SQL for one backend, in order."""
        return [_fill(s, types) for s in (*self.sql, *self.only.get(types.dialect, ()))]


STEPS: tuple[Step, ...] = (
    Step(
        2,
        "staff thread links, and the conversations staff own",
        sql=(
            "CREATE TABLE threads ("
            " thread_ts TEXT PRIMARY KEY,"
            " conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
            " created_at {timestamp} NOT NULL)",
            "CREATE INDEX conversations_owner ON conversations (owner) WHERE owner <> 'bot'",
        ),
    ),
    Step(
        3,
        "two indexes every event paid for twice: the outbox is pruned through its events, and"
        " the finished_at index leaves out events still in the queue",
        sql=(
            "DROP INDEX outbox_updated",
            "DROP INDEX inbox_finished",
            "CREATE INDEX inbox_finished_at ON inbox (finished_at) WHERE finished_at IS NOT NULL",
        ),
    ),
    Step(
        4,
        "when the privacy notice was shown, and when the patient opted out of text storage",
        sql=(
            "ALTER TABLE conversations ADD COLUMN notice_at {timestamp}",
            "ALTER TABLE conversations ADD COLUMN opted_out_at {timestamp}",
        ),
    ),
)
_STEP_TO = {step.version: step for step in STEPS}
# A step blocked by other processes' locks (PostgreSQL: a deadlock, or lock_timeout) is rolled
# back and tried again this many times, after a short pause, instead of failing the start.
STEP_ATTEMPTS = 10
STEP_PAUSE_S = 0.2


def _fill(template: str, types: ColumnTypes) -> str:
    return template.format(timestamp=types.timestamp, serial=types.serial, json=types.json)


def statements(types: ColumnTypes) -> list[str]:
    """The DDL of an empty database at SCHEMA_VERSION for one backend, one statement per item."""
    text = _fill(_LATEST, types)
    return [part.strip() for part in text.split(";") if part.strip()]


async def read_version(session: Session, types: ColumnTypes) -> int | None:
    """The recorded schema version; None for an empty database (no schema_version table)."""
    if not await session.fetch(types.has_versions):
        return None
    rows = await session.fetch("SELECT MAX(version) AS version FROM schema_version")
    found = rows[0]["version"] if rows else None
    if found is None:
        msg = "table schema_version is empty: this database was not made by this code"
        raise RuntimeError(msg)
    return int(found)


def needs_upgrade(found: int | None) -> bool:
    """Whether a database at `found` must be created or upgraded; refuses a newer one."""
    if found is not None and found > SCHEMA_VERSION:
        msg = f"database schema version {found} is newer than this code ({SCHEMA_VERSION})"
        raise RuntimeError(msg)
    return found != SCHEMA_VERSION


Locked = Callable[[], AbstractAsyncContextManager[Session]]


async def upgrade(
    locked: Locked, types: ColumnTypes, retry_on: tuple[type[BaseException], ...] = ()
) -> list[int]:
    """Bring the database to SCHEMA_VERSION; returns the versions written, in order.

    `locked()` opens one transaction holding the backend's migration lock; each version runs
    in its own, after reading the version again (another process may have done the work while
    this one waited). Errors in `retry_on` (lock conflicts) roll the step back and try again.
    """
    written: list[int] = []
    attempts = 0
    while True:
        try:
            async with locked() as session:
                found = await read_version(session, types)
                if not needs_upgrade(found):
                    return written
                target = await _apply(session, types, found)
        except retry_on as err:
            attempts += 1
            if attempts >= STEP_ATTEMPTS:
                raise
            logger.warning("schema upgrade step rolled back (%s); trying again", type(err).__name__)
            await asyncio.sleep(min(STEP_PAUSE_S * attempts, 2.0))
            continue
        written.append(target)
        if found is None:
            logger.info("created the store's tables at schema version %d", target)
        else:
            logger.info(
                "upgraded the store's schema from version %d to %d: %s",
                found,
                target,
                _STEP_TO[target].why,
            )


async def _apply(session: Session, types: ColumnTypes, found: int | None) -> int:
    """One transaction's work: the whole schema, or the next step. Returns the version written."""
    if found is None:
        for statement in statements(types):
            await session.execute(statement)
        await session.execute("INSERT INTO schema_version (version) VALUES ($1)", SCHEMA_VERSION)
        return SCHEMA_VERSION
    step = _STEP_TO.get(found + 1)
    if step is None:  # a version before the first step (there is none) or a gap
        msg = f"no upgrade from schema version {found}; upgrade through an older release first"
        raise RuntimeError(msg)
    for statement in step.statements(types):
        await session.execute(statement)
    await session.execute("UPDATE schema_version SET version = $1", step.version)
    return step.version
