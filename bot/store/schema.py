"""The tables, written once for both backends; only the column types differ.

SQLite keeps timestamps as fixed-width ISO-8601 UTC text (so text order is time order) and
JSON as text; PostgreSQL uses timestamptz and jsonb. Bump `SCHEMA_VERSION` with any change and
add the upgrade step to `create_schema`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.rows import Session

SCHEMA_VERSION = 4

_TABLES = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
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
CREATE TABLE IF NOT EXISTS inbox (
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
CREATE INDEX IF NOT EXISTS inbox_runnable ON inbox (id)
    WHERE status IN ('pending', 'working');
CREATE INDEX IF NOT EXISTS inbox_queue ON inbox (conversation_id, id)
    WHERE status IN ('pending', 'working');
CREATE INDEX IF NOT EXISTS inbox_conversation ON inbox (conversation_id);
CREATE INDEX IF NOT EXISTS inbox_finished_at ON inbox (finished_at)
    WHERE finished_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS outbox (
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
CREATE INDEX IF NOT EXISTS outbox_conversation ON outbox (conversation_id);
CREATE TABLE IF NOT EXISTS audit (
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
CREATE INDEX IF NOT EXISTS audit_conversation ON audit (conversation_id, id);
CREATE INDEX IF NOT EXISTS audit_user ON audit (user_key);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE TABLE IF NOT EXISTS threads (
    thread_ts TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    created_at {timestamp} NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations (owner)
    WHERE owner <> 'bot'
"""


# Version 3: two indexes every event paid for twice, dropped. The outbox is pruned through its
# events (`inbox_finished_at`), and that index now leaves out events still in the queue.
_DROPPED = ("DROP INDEX IF EXISTS outbox_updated", "DROP INDEX IF EXISTS inbox_finished")
# Version 4: when the privacy notice was shown, and when the patient opted out of text storage.
_ADDED = {"conversations": ("notice_at", "opted_out_at")}


@dataclass(frozen=True)
class ColumnTypes:
    """How one backend spells the three column types that differ."""

    timestamp: str
    serial: str
    json: str
    columns: str  # a query for a table's column names (`name`), the table as $1


SQLITE_TYPES = ColumnTypes(
    timestamp="TEXT",
    # AUTOINCREMENT: ids give the inbox its order, so never reuse one after pruning.
    serial="INTEGER PRIMARY KEY AUTOINCREMENT",
    json="TEXT",
    columns="SELECT name FROM pragma_table_info($1)",
)
POSTGRES_TYPES = ColumnTypes(
    timestamp="TIMESTAMPTZ",
    serial="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    json="JSONB",
    columns="SELECT column_name AS name FROM information_schema.columns"
    " WHERE table_schema = current_schema() AND table_name = $1",
)


def statements(types: ColumnTypes) -> list[str]:
    """The DDL for one backend, one statement per item."""
    text = _TABLES.format(timestamp=types.timestamp, serial=types.serial, json=types.json)
    return [part.strip() for part in text.split(";") if part.strip()]


async def create_schema(session: Session, types: ColumnTypes) -> None:
    """Create missing tables and record the version; refuse a database newer than the code."""
    for statement in statements(types):
        await session.execute(statement)
    rows = await session.fetch("SELECT MAX(version) AS version FROM schema_version")
    found = rows[0]["version"] if rows else None
    if found is None:
        await session.execute("INSERT INTO schema_version (version) VALUES ($1)", SCHEMA_VERSION)
    elif found < SCHEMA_VERSION:  # tables and indexes were added above; drop what went
        for statement in _DROPPED:
            await session.execute(statement)
        await _add_columns(session, types)
        await session.execute("UPDATE schema_version SET version = $1", SCHEMA_VERSION)
    elif found > SCHEMA_VERSION:
        msg = f"database schema version {found} is newer than this code ({SCHEMA_VERSION})"
        raise RuntimeError(msg)


async def _add_columns(session: Session, types: ColumnTypes) -> None:
    """Add the columns newer versions gave existing tables (CREATE TABLE IF NOT EXISTS skips
    an existing table); each is looked for first, so an upgrade can be run again."""
    for table, columns in _ADDED.items():
        present = {row["name"] for row in await session.fetch(types.columns, table)}
        for column in columns:
            if column not in present:
                await session.execute(f"ALTER TABLE {table} ADD COLUMN {column} {types.timestamp}")
