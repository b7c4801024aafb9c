"""Schema upgrades: real older databases, with data, reach the current schema on both backends.

The older schemas are the ones the code shipped (`git log -p bot/store/schema.py`): version 1 as
commit 0bf197e created it, version 2 (e38effa) adding thread links, version 3 (3e9cb65) swapping
two indexes. An upgraded database must have exactly the schema of a fresh one, keep its rows and
work as a store; a current database is only read at start; a failed step leaves the version it
started from; a step blocked by busy tables on PostgreSQL waits its turn instead of failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import pytest

from bot.core.decision import Owner
from bot.core.handoff import Handoff
from bot.store import ConversationData, open_store, schema
from bot.store import postgres as pg_backend
from bot.store.schema import POSTGRES_TYPES, SCHEMA_VERSION, SQLITE_TYPES, STEPS, ColumnTypes
from tests.store import peek
from tests.store.builders import LEASE, NOW
from tests.store.conftest import PG_SKIP, Backend, with_schema

# Version 1, verbatim from 0bf197e:bot/store/schema.py.
V1 = """
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
    updated_at {timestamp} NOT NULL
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
CREATE INDEX IF NOT EXISTS inbox_finished ON inbox (finished_at);
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
CREATE INDEX IF NOT EXISTS outbox_updated ON outbox (updated_at);
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
CREATE INDEX IF NOT EXISTS audit_at ON audit (at)
"""
# What e38effa (version 2) added to _TABLES.
V2_ADDED = """
CREATE TABLE IF NOT EXISTS threads (
    thread_ts TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    created_at {timestamp} NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations (owner)
    WHERE owner <> 'bot'
"""
# What 3e9cb65 (version 3) changed: the upgrade it shipped, and the index it created.
V3_CHANGED = """
DROP INDEX IF EXISTS outbox_updated;
DROP INDEX IF EXISTS inbox_finished;
CREATE INDEX IF NOT EXISTS inbox_finished_at ON inbox (finished_at)
    WHERE finished_at IS NOT NULL
"""

T0 = "2026-11-01T09:00:00.000000+00:00"
T1 = "2026-11-01T09:00:05.000000+00:00"
ALICE, BOB = "U-alice-v1", "U-bob-v1"
# Rows a version-1 store could hold: a patient answered, one waiting for staff, a queue.
V1_ROWS = (
    "INSERT INTO conversations (id, user_key, lang, misses, owner, version, data, created_at,"
    f" updated_at) VALUES ('c-alice', '{ALICE}', 'ja', 1, 'bot', 3, '{{\"menu\": 1}}', '{T0}',"
    f" '{T1}')",
    "INSERT INTO conversations (id, user_key, lang, misses, owner, version, data, created_at,"
    f" updated_at) VALUES ('c-bob', '{BOB}', 'en', 0, 'waiting', 1,"
    f" '{{\"handoff\": {{\"reason\": \"asked\"}}}}', '{T0}', '{T1}')",
    "INSERT INTO inbox (source, event_id, conversation_id, payload, status, attempts,"
    " not_before, received_at, decided_at, finished_at) VALUES ('line', 'e-done', 'c-alice',"
    f" '{{\"type\": \"message\"}}', 'done', 1, '{T0}', '{T0}', '{T0}', '{T1}')",
    "INSERT INTO inbox (source, event_id, conversation_id, payload, status, attempts,"
    " not_before, received_at, last_error, finished_at) VALUES ('line', 'e-failed', 'c-bob',"
    f" '{{\"type\": \"message\"}}', 'failed', 5, '{T0}', '{T0}', 'TimeoutError', '{T1}')",
    "INSERT INTO inbox (source, event_id, conversation_id, payload, not_before, received_at)"
    f" VALUES ('line', 'e-pending', 'c-alice', '{{\"type\": \"message\"}}', '{T0}', '{T1}')",
    "INSERT INTO outbox (inbox_id, seq, conversation_id, channel, payload, retry_key, status,"
    " method, result, updated_at) SELECT id, 0, 'c-alice', 'line', '{\"text\": \"hi\"}',"
    f" 'rk-1', 'sent', 'reply', 'ok', '{T1}' FROM inbox WHERE event_id = 'e-done'",
    "INSERT INTO audit (at, conversation_id, user_key, topic, lang, method, result, text, kind)"
    f" VALUES ('{T1}', 'c-alice', '{ALICE}', 'cost', 'ja', 'reply', 'ok', 'いくら?', 'answer')",
)


def ddl(text: str, types: ColumnTypes) -> list[str]:
    """A historical schema's statements for one backend."""
    filled = text.format(timestamp=types.timestamp, serial=types.serial, json=types.json)
    return [part.strip() for part in filled.split(";") if part.strip()]


def history(version: int, types: ColumnTypes) -> list[str]:
    """The statements that made a store of `version` (1 to 3), with its version row."""
    statements = ddl(V1, types)
    if version >= 2:
        statements += ddl(V2_ADDED, types)
    if version >= 3:
        statements += ddl(V3_CHANGED, types)
    return [*statements, f"INSERT INTO schema_version (version) VALUES ({version})"]


def types_of(backend: Backend) -> ColumnTypes:
    return SQLITE_TYPES if backend.name == "sqlite" else POSTGRES_TYPES


async def build(backend: Backend, version: int) -> None:
    """An older store, with rows in it, where `backend` points."""
    if backend.name == "sqlite":
        Path(backend.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    else:
        conn = await asyncpg.connect(backend.raw_url)
        try:
            await conn.execute(f'CREATE SCHEMA "{backend.schema}"')
        finally:
            await conn.close()
    await backend.execute(*history(version, types_of(backend)), *V1_ROWS)


async def catalog(backend: Backend) -> dict[str, list[tuple[Any, ...]]]:
    """Tables, columns, constraints and indexes, in a form two stores can be compared by."""
    if backend.name == "sqlite":
        return _sqlite_catalog(backend.url.removeprefix("sqlite:///"))
    conn = await asyncpg.connect(backend.raw_url)
    try:
        columns = await conn.fetch(
            "SELECT table_name, column_name, data_type, is_nullable, column_default,"
            " is_identity FROM information_schema.columns WHERE table_schema = $1"
            " ORDER BY table_name, column_name",
            backend.schema,
        )
        constraints = await conn.fetch(
            "SELECT (SELECT relname FROM pg_class WHERE oid = c.conrelid) AS tbl, c.conname,"
            " c.contype, replace(pg_get_constraintdef(c.oid), $1 || '.', '') AS definition"
            " FROM pg_constraint AS c"
            " JOIN pg_namespace AS n ON n.oid = c.connamespace WHERE n.nspname = $1"
            " ORDER BY 1, 2",
            backend.schema,
        )
        indexes = await conn.fetch(
            "SELECT indexname, replace(indexdef, $1 || '.', '') AS definition FROM pg_indexes"
            " WHERE schemaname = $1 ORDER BY indexname",
            backend.schema,
        )
    finally:
        await conn.close()
    return {
        "columns": [tuple(r) for r in columns],
        "constraints": [tuple(r) for r in constraints],
        "indexes": [tuple(r) for r in indexes],
    }


def _sqlite_catalog(path: str) -> dict[str, list[tuple[Any, ...]]]:
    def squeeze(sql: str | None) -> str:
        return re.sub(r"\s+", "", (sql or "").lower())

    found: dict[str, list[tuple[Any, ...]]] = {"columns": [], "keys": [], "objects": []}
    with contextlib.closing(sqlite3.connect(path)) as conn:
        objects = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            " ORDER BY type, name"
        ).fetchall()
        for kind, name, table, sql in objects:
            found["objects"].append((kind, name, table, squeeze(sql)))
            if kind != "table":
                continue
            found["columns"] += [(name, *row) for row in conn.execute(f"PRAGMA table_info({name})")]
            found["keys"] += [
                (name, *row[2:]) for row in conn.execute(f"PRAGMA foreign_key_list({name})")
            ]
    found["columns"].sort(key=lambda row: (row[0], row[2]))  # by table, then column name
    return found


@pytest.fixture(name="fresh")
async def _fresh(backend: Backend, tmp_path: Path) -> AsyncIterator[Backend]:
    """A second, empty place on the same backend, for a store created from nothing."""
    if backend.name == "sqlite":
        yield Backend("sqlite", f"sqlite:///{tmp_path / 'fresh.db'}")
        return
    name = f"test_fresh_{uuid.uuid4().hex[:12]}"
    yield Backend("postgres", with_schema(backend.raw_url, name), backend.raw_url, name)
    conn = await asyncpg.connect(backend.raw_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        await conn.close()


@pytest.mark.parametrize("version", [1, 2, 3], ids=["from-v1", "from-v2", "from-v3"])
async def test_old_store_upgrades_to_exactly_the_fresh_schema(
    backend: Backend, fresh: Backend, version: int
) -> None:
    """An older store with rows reaches SCHEMA_VERSION with the same tables, columns, keys,
    checks and indexes as a store created today."""
    await build(backend, version)

    await (await open_store(backend.url)).close()
    await (await open_store(fresh.url)).close()

    assert await catalog(backend) == await catalog(fresh)
    versions = [v for table, _, v in await backend.values() if table == "schema_version"]
    assert versions == [str(SCHEMA_VERSION)]


async def test_version_1_store_keeps_its_rows_and_works(backend: Backend) -> None:
    """After the upgrade every row is there and the store does everything with them: the queued
    event is claimed with its conversation, the waiting patient is staff's, sent messages and
    the audit trail read back, threads link, the patient can be erased."""
    await build(backend, 1)

    store = await open_store(backend.url, clock=lambda: NOW)
    try:
        alice = await peek.conversation_for_user(store, ALICE)
        claimed = await store.claim(datetime.fromisoformat(T1) + timedelta(days=1), LEASE)
        staff = await store.conversations_owned_by_staff()
        statuses = [await peek.inbox_status(store, "line", e) for e in ("e-done", "e-failed")]
        done_id = claimed.id - 2 if claimed is not None else 0
        sent = await store.outgoing(done_id)
        trail = await store.audit_entries("c-alice")
        await store.link_thread("1700000000.000100", "c-bob")
        thread = await store.conversation_for_thread("1700000000.000100")
        erased = await store.forget(ALICE)
    finally:
        await store.close()

    assert alice is not None and alice.lang == "ja" and alice.version == 3
    assert alice.data == ConversationData(other={"menu": 1})  # a key this version does not know
    assert alice.notice_at is None and alice.keeps_text
    assert claimed is not None and claimed.event_id == "e-pending"
    assert claimed.conversation is not None and claimed.conversation.id == "c-alice"
    assert [c.id for c in staff] == ["c-bob"] and staff[0].owner is Owner.WAITING
    assert staff[0].data == ConversationData(handoff=Handoff(reason="asked"))  # v1's hand-off
    assert statuses == ["done", "failed"]
    assert [(r.retry_key, r.status) for r in sent] == [("rk-1", "sent")]
    assert [(a.topic, a.text) for a in trail] == [("cost", "いくら?")]
    assert thread is not None and thread.id == "c-bob"
    assert erased > 0


async def _traced_open(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], Callable[[], Any]]:
    """Statements the store sends while opening, from a connection-level trace."""
    seen: list[str] = []
    if backend.name == "sqlite":
        connect = sqlite3.connect

        def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            conn = connect(*args, **kwargs)
            conn.set_trace_callback(seen.append)
            return conn

        monkeypatch.setattr(sqlite3, "connect", traced)
    else:
        create_pool = asyncpg.create_pool

        async def init(conn: Any) -> None:
            conn.add_query_logger(lambda record: seen.append(record.query))

        def pool(*args: Any, **kwargs: Any) -> Any:
            return create_pool(*args, init=init, **kwargs)

        monkeypatch.setattr(pg_backend.asyncpg, "create_pool", pool)
    return seen, monkeypatch.undo


async def test_current_store_is_only_read_at_start(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start against a current schema takes no lock and runs no DDL: only reads its version
    (every start used to run CREATE ... IF NOT EXISTS, which deadlocked with running work)."""
    await (await open_store(backend.url)).close()
    seen, undo = await _traced_open(backend, monkeypatch)

    await (await open_store(backend.url)).close()
    undo()

    # asyncpg's pool sends its reset (unlock_all, RESET ALL...) as it takes a connection back.
    seen = [s for s in seen if not s.startswith("SELECT pg_advisory_unlock_all();")]
    written = [s for s in seen if not re.match(r"\s*(SELECT|PRAGMA)\b", s, re.IGNORECASE)]
    assert written == []
    assert not [s for s in seen if "advisory" in s]
    assert any("schema_version" in s for s in seen)


async def test_failed_step_leaves_its_version_and_can_run_again(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step is one transaction with its version: when its second statement fails, its first
    is undone too, the store stays at the older version, and the next start does the step."""
    await build(backend, 3)
    good = schema._STEP_TO[4]
    broken = schema.Step(4, "broken", sql=(good.sql[0], "ALTER TABLE nowhere ADD COLUMN x TEXT"))
    monkeypatch.setitem(schema._STEP_TO, 4, broken)

    with pytest.raises(Exception, match="nowhere"):
        await open_store(backend.url)
    columns = {c for t, c, _ in await backend.values() if t == "conversations"}
    versions = [v for t, _, v in await backend.values() if t == "schema_version"]
    monkeypatch.setitem(schema._STEP_TO, 4, good)
    store = await open_store(backend.url)
    conv = await peek.conversation_for_user(store, ALICE)
    await store.close()

    assert versions == ["3"] and "notice_at" not in columns
    assert conv is not None and conv.notice_at is None


async def test_upgrade_waits_for_busy_tables_instead_of_failing(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL: while another process holds conversations (here: a long transaction), the
    step's ALTER gives up after LOCK_TIMEOUT_MS instead of queueing every query behind it, is
    rolled back and tried again, and succeeds once the table is free."""
    if backend.name != "postgres":
        pytest.skip("advisory locks and lock_timeout are PostgreSQL's")
    await build(backend, 3)
    monkeypatch.setattr(pg_backend, "LOCK_TIMEOUT_MS", 100)
    monkeypatch.setattr(schema, "STEP_PAUSE_S", 0.05)
    holder = await asyncpg.connect(backend.raw_url, server_settings={"search_path": backend.schema})
    busy = holder.transaction()
    await busy.start()
    await holder.execute("SELECT count(*) FROM conversations")  # holds ACCESS SHARE till the end

    async def release_later() -> None:
        await asyncio.sleep(0.6)
        await busy.rollback()

    try:
        with caplog.at_level(logging.WARNING, logger="bot.store.schema"):
            _, store = await asyncio.gather(release_later(), open_store(backend.url))
        await store.close()
    finally:
        await holder.close()

    assert any("trying again" in r.getMessage() for r in caplog.records)
    assert "opted_out_at" in {c for t, c, _ in await _columns(backend)}


async def _columns(backend: Backend) -> list[tuple[str, str, str]]:
    conn = await asyncpg.connect(backend.raw_url)
    try:
        rows = await conn.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = $1",
            backend.schema,
        )
    finally:
        await conn.close()
    return [tuple(r) for r in rows]


async def test_two_starts_on_an_empty_postgres_create_the_schema_once() -> None:
    """Several processes starting together on an empty schema: one creates it, the others wait
    for the advisory lock and find it current (tests/faults runs this with real processes)."""
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        pytest.skip(PG_SKIP)
    name = f"test_race_{uuid.uuid4().hex[:12]}"
    try:
        stores = await asyncio.gather(*(open_store(with_schema(raw, name)) for _ in range(4)))
        for store in stores:
            await store.close()
    finally:
        conn = await asyncpg.connect(raw)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        finally:
            await conn.close()


def test_steps_lead_from_version_1_to_the_current_one() -> None:
    """One step per version, in order, none hiding a mistake behind IF [NOT] EXISTS (a step
    runs exactly once, in the transaction that records its version)."""
    assert [step.version for step in STEPS] == list(range(2, SCHEMA_VERSION + 1))
    for step in STEPS:
        for types in (SQLITE_TYPES, POSTGRES_TYPES):
            for statement in step.statements(types):
                assert not re.search(r"\bIF (NOT )?EXISTS\b", statement, re.IGNORECASE)
    assert not re.search(r"\bIF NOT EXISTS\b", "".join(schema.statements(SQLITE_TYPES)))
