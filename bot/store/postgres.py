"""The shared store: PostgreSQL through an asyncpg pool, for one or many `serve` processes.

Claims use `FOR UPDATE SKIP LOCKED`, so any number of processes can share the inbox without
taking the same event; row locks on the conversation keep one patient's events in order.

The URL is an ordinary libpq/asyncpg DSN with one extra query parameter, `schema`:
`postgresql://user@host:5432/db?schema=clinic` keeps every table in schema `clinic` (created if
missing) by setting each connection's search_path. Tests give each run a throwaway schema this
way; without it the tables live in `public`.

Opening a store whose schema is current only reads its version: no lock, no DDL, so a process
can start while others prune and finish events. Creating or upgrading the schema runs one step
per transaction under a transaction-scoped advisory lock (one per schema), with a short
`lock_timeout` so that a step waiting for busy tables neither stalls every query queued behind
it nor deadlocks: it is rolled back and tried again (`bot.store.schema`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from bot.store import Clock, StoreUnavailableError
from bot.store.rows import Row, Session, aware, storable_parameter
from bot.store.schema import POSTGRES_TYPES, needs_upgrade, read_version, upgrade
from bot.store.sql import SqlStore

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_PING_TIMEOUT_S = 5.0
# How long one upgrade statement may wait for other processes' table locks before its step is
# rolled back and tried again (its waiting ALTER would otherwise hold up every query behind it).
LOCK_TIMEOUT_MS = 2000
# What a lost or refused connection raises: the socket's own errors, a timeout, a connection
# closed under a query, and the server refusing or ending sessions (SQLSTATE 08, 57).
_UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,  # ConnectionDoesNotExistError among them
    asyncpg.OperatorInterventionError,
)


def split_url(url: str) -> tuple[str, str]:
    """The DSN for asyncpg and the schema named by `?schema=` (default `public`)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for key, value in query if key == "schema"]
    schema = schemas[-1] if schemas else "public"
    if not _SCHEMA_NAME.fullmatch(schema):
        msg = f"schema must be a lower-case SQL identifier, got {schema!r}"
        raise ValueError(msg)
    rest = urlencode([(key, value) for key, value in query if key != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


class _Session:
    """Runs the shared SQL on one asyncpg connection."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        rows: list[Row] = await self._conn.fetch(sql, *_encode(args))
        return rows

    async def execute(self, sql: str, *args: object) -> int:
        status: str = await self._conn.execute(sql, *_encode(args))
        # asyncpg returns the command tag, e.g. "UPDATE 3" or "INSERT 0 1".
        count = status.rpartition(" ")[2]
        return int(count) if count.isdigit() else 0


def _encode(args: tuple[object, ...]) -> tuple[object, ...]:
    return tuple(_value(arg) for arg in args)


def _value(arg: object) -> object:
    """A parameter as PostgreSQL takes it: aware datetimes; text without NUL or lone
    surrogates, which would fail the whole transaction (an audit row losing its event)."""
    if isinstance(arg, datetime):
        return aware(arg)
    if isinstance(arg, str):
        return storable_parameter(arg)
    return arg


class PostgresStore(SqlStore):
    """The `Store` on a PostgreSQL database shared by every process."""

    skip_locked = " FOR UPDATE SKIP LOCKED"
    for_update = " FOR UPDATE"
    only_one = (
        "SELECT pg_try_advisory_xact_lock(hashtext('bot.store.prune:' || current_schema())) AS got"
    )

    def __init__(self, pool: Any, clock: Clock) -> None:
        super().__init__(clock)
        self._pool = pool

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[Session]:
        with _reachable():
            async with self._pool.acquire() as conn:
                yield _Session(conn)

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[Session]:
        with _reachable():
            async with self._pool.acquire() as conn, conn.transaction():
                yield _Session(conn)

    async def close(self) -> None:
        """Close the pool, waiting for connections in use to be released."""
        await self._pool.close()

    async def ping(self) -> bool:
        """Whether the database answers a trivial query within a few seconds."""
        try:
            async with self._pool.acquire(timeout=_PING_TIMEOUT_S) as conn:
                value = await conn.fetchval("SELECT 1", timeout=_PING_TIMEOUT_S)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False
        return bool(value == 1)


@contextmanager
def _reachable() -> Iterator[None]:
    """Raise a lost or refused connection as `StoreUnavailableError`; every other error (a
    constraint, a bug) stays what it is."""
    try:
        yield
    except _UNREACHABLE as exc:
        raise StoreUnavailableError(type(exc).__name__) from exc


async def open_postgres(url: str, clock: Clock) -> PostgresStore:
    """Connect a pool, create or upgrade the schema if its version is not current, and return
    the store."""
    dsn, schema = split_url(url)
    # min_size=0: a pool with a floor reconnects on its own during an outage and logs each
    # failure with a traceback; without one, connections are opened when a query needs them.
    pool = await asyncpg.create_pool(
        dsn, min_size=0, max_size=10, server_settings={"search_path": schema}
    )
    try:
        async with pool.acquire() as conn:
            found = await read_version(_Session(conn), POSTGRES_TYPES)
        if needs_upgrade(found):
            await upgrade(
                partial(_migrating, pool, schema),
                POSTGRES_TYPES,
                retry_on=(asyncpg.DeadlockDetectedError, asyncpg.LockNotAvailableError),
            )
    except BaseException:
        await pool.close()
        raise
    return PostgresStore(pool, clock)


@asynccontextmanager
async def _migrating(pool: Any, schema: str) -> AsyncIterator[Session]:
    """One transaction holding the schema's advisory lock (two processes starting together
    must not both create tables: the catalog's unique index fails one of them)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"bot.store:{schema}")
        await conn.execute(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}")
        # Look first: CREATE SCHEMA checks the CREATE privilege even when the schema exists,
        # and managed databases often deny it on `public`.
        if not await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", schema):
            await conn.execute(f'CREATE SCHEMA "{schema}"')
        yield _Session(conn)
