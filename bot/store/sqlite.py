"""The embedded store: one SQLite file, one process, one connection.

Serves `python -m bot serve` on one machine with no database server. One stdlib sqlite3
connection is shared behind an asyncio.Lock, and every write runs in `BEGIN IMMEDIATE`, so the
claim rule in `bot.store.sql` needs no SKIP LOCKED. Never point two processes at one file:
`recover` assumes every `working` row belongs to a dead process.

Statements run inline on the event loop, not in a thread: against a local WAL file each takes
tens of microseconds, while handing each one to a thread and back cost more than the work
itself (measured: 9.5 ms of lock time per event with aiosqlite, capping the server near 100
events/s; see docs/benchmarks.md). The file runs in WAL mode with synchronous=NORMAL: a commit
survives a crash of the process (the case that matters for "nothing lost" here), and only a
power loss may drop the last moments, the trade-off SQLite recommends for WAL.

Timestamps are stored as fixed-width ISO-8601 UTC text; foreign keys are on. Opening a file
whose schema is current only reads its version; an older one is upgraded step by step, each step
in a `BEGIN EXCLUSIVE` transaction (`bot.store.schema`).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from bot.store import Clock
from bot.store.rows import Row, Session, iso, storable_parameter
from bot.store.schema import SQLITE_TYPES, needs_upgrade, read_version, upgrade
from bot.store.sql import SqlStore

_PREFIX = "sqlite:///"
_BUSY_TIMEOUT_MS = 5000
_PARAMETER = re.compile(r"\$(\d+)")
# UPDATE ... RETURNING and upserts with RETURNING arrived in SQLite 3.35.
_MIN_VERSION = (3, 35, 0)


def path_of(url: str) -> str:
    """The file named by `sqlite:///relative.db` or `sqlite:////absolute.db`."""
    if not url.startswith(_PREFIX) or url == _PREFIX:
        msg = "SQLite URL must look like sqlite:///path/to/file.db"
        raise ValueError(msg)
    return url.removeprefix(_PREFIX)


def existing_file(url: str) -> Path:
    """The file of a SQLite URL that must already exist, resolved: the tools that read or
    erase (`forget`, `report`) never create an empty database in place of the one meant.
    Raises ValueError for a malformed URL, FileNotFoundError ("no database at ...") for a
    missing file; `:memory:` passes."""
    path = Path(path_of(url))
    if path.name != ":memory:" and not path.is_file():
        raise FileNotFoundError(f"no database at {path.resolve()}")
    return path.resolve()


class _Session:
    """Runs the shared `$n` SQL on sqlite3, whose numbered parameters are `?n`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        return self._run(sql, args).fetchall()

    async def execute(self, sql: str, *args: object) -> int:
        return self._run(sql, args).rowcount

    def _run(self, sql: str, args: tuple[object, ...]) -> sqlite3.Cursor:
        """Run one statement; text with NUL or lone surrogates is stored with U+FFFD instead,
        as on PostgreSQL (which cannot hold NUL), so both backends keep the same values.

        sqlite3 refuses a lone surrogate while binding, before the statement runs, so the
        statement is simply run again; waiting for that error keeps the regular expression off
        the hot path (NUL and its JSON escape are plain substring tests in `_value`).
        """
        try:
            return self._conn.execute(_sql(sql), _encode(args))
        except UnicodeEncodeError:
            cleaned = tuple(storable_parameter(a) if isinstance(a, str) else a for a in args)
            return self._conn.execute(_sql(sql), _encode(cleaned))


@lru_cache(maxsize=256)
def _sql(sql: str) -> str:
    """The shared `$n` placeholders as sqlite3's `?n` (cached: the same few queries repeat)."""
    return _PARAMETER.sub(r"?\1", sql)


def _encode(args: tuple[object, ...]) -> tuple[object, ...]:
    return tuple(_value(arg) for arg in args)


def _value(arg: object) -> object:
    if isinstance(arg, datetime):
        return iso(arg)
    if isinstance(arg, str) and ("\x00" in arg or "\\u0000" in arg):
        return storable_parameter(arg)
    return arg


class SqliteStore(SqlStore):
    """The `Store` on one SQLite file."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock) -> None:
        super().__init__(clock)
        self._conn = conn
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[Session]:
        async with self._lock:
            yield _Session(self._conn)

    def _write(self) -> AbstractAsyncContextManager[Session]:
        return self._transaction("BEGIN IMMEDIATE")

    def _exclusive(self) -> AbstractAsyncContextManager[Session]:
        """A transaction that shuts out every other writer, for schema upgrades (in WAL mode
        readers still see the last commit, never a half-upgraded schema)."""
        return self._transaction("BEGIN EXCLUSIVE")

    @asynccontextmanager
    async def _transaction(self, begin: str) -> AsyncIterator[Session]:
        async with self._lock:
            self._conn.execute(begin)
            try:
                yield _Session(self._conn)
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    async def close(self) -> None:
        """Close the connection (and its thread)."""
        async with self._lock:
            self._conn.close()

    async def ping(self) -> bool:
        """Whether the file still answers a trivial query."""
        try:
            async with self._read() as session:
                rows = await session.fetch("SELECT 1 AS ok")
        except sqlite3.Error:  # ProgrammingError once closed
            return False
        return bool(rows) and rows[0]["ok"] == 1

    async def recover(self, now: datetime) -> int:
        """At start-up, every `working` row is a dead process's: only this process uses the file."""
        del now  # leases do not matter with one process
        async with self._write() as session:
            return await session.execute(
                "UPDATE inbox SET status = 'pending', lease_until = NULL WHERE status = 'working'"
            )


async def open_sqlite(url: str, clock: Clock) -> SqliteStore:
    """Open the file (creating parent folders, and the schema or its upgrade when the file's
    version is not current) and return the store."""
    if sqlite3.sqlite_version_info < _MIN_VERSION:
        msg = f"SQLite {sqlite3.sqlite_version} is too old; the store needs 3.35 or newer"
        raise RuntimeError(msg)
    path = path_of(url)
    if path != ":memory:":
        await asyncio.to_thread(Path(path).parent.mkdir, parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        store = SqliteStore(conn, clock)
        async with store._read() as session:
            found = await read_version(session, SQLITE_TYPES)
        if needs_upgrade(found):
            await upgrade(store._exclusive, SQLITE_TYPES)
    except BaseException:
        conn.close()
        raise
    return store
