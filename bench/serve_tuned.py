"""`python -m bot serve`, with diagnostic knobs for the webhook benchmark (bot/ is untouched).

    BENCH_SWITCH_INTERVAL=0.0005  sys.setswitchinterval (CPython's default is 0.005 s)
    BENCH_GC_FREEZE=1             gc.freeze() after start-up (the kana dictionary and the FAQ index
                                  leave the collector's generations: shorter full collections)
    BENCH_SQLITE_SYNC=NORMAL      PRAGMA synchronous for the SQLite store (ours uses FULL)
    BENCH_STORE_STATS=1           count garbage collections (time the full ones), SQL statements, transactions and aiosqlite thread round
                                  trips; time how long callers wait for the store's lock and
                                  how long they hold it (per store method), and how much of a
                                  round trip is SQLite itself; one JSON line on stderr at exit

Used by `bench/webhook_load.py --tuned` to show what limits our server; never in production.
"""

import contextvars
import functools
import gc
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite.core

from bot.__main__ import main
from bot.store import sqlite

STATS: defaultdict[str, float] = defaultdict(float)
METHOD: contextvars.ContextVar[str] = contextvars.ContextVar("method", default="?")
_PUBLIC = (
    "enqueue",
    "claim",
    "finish",
    "retry_later",
    "conversation",
    "outgoing",
    "commit",
    "mark_outgoing",
    "audit",
    "counts",
    "ping",
)


def _instrument() -> None:
    """Replace the store's `_read`/`_write` with timed copies of themselves."""
    fetch, execute = sqlite._Session.fetch, sqlite._Session.execute

    async def counted_fetch(self: Any, sql: str, *args: object) -> Any:
        STATS["statements"] += 1
        return await fetch(self, sql, *args)

    async def counted_execute(self: Any, sql: str, *args: object) -> Any:
        STATS["statements"] += 1
        return await execute(self, sql, *args)

    sqlite._Session.fetch = counted_fetch  # type: ignore[method-assign]
    sqlite._Session.execute = counted_execute  # type: ignore[method-assign]

    @asynccontextmanager
    async def _read(self: Any) -> AsyncIterator[Any]:
        asked = time.perf_counter()
        async with self._lock:
            got = time.perf_counter()
            try:
                yield sqlite._Session(self._conn)
            finally:
                _tally("read", asked, got)

    @asynccontextmanager
    async def _write(self: Any) -> AsyncIterator[Any]:
        asked = time.perf_counter()
        async with self._lock:
            got = time.perf_counter()
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                STATS["statements"] += 1
                try:
                    yield sqlite._Session(self._conn)
                    await self._conn.execute("COMMIT")
                    STATS["statements"] += 1
                except BaseException:
                    if self._conn.in_transaction:
                        await self._conn.execute("ROLLBACK")
                    raise
            finally:
                _tally("write", asked, got)

    sqlite.SqliteStore._read = _read  # type: ignore[method-assign,assignment]
    sqlite.SqliteStore._write = _write  # type: ignore[method-assign,assignment]

    for name in _PUBLIC:
        original = getattr(sqlite.SqliteStore, name, None)
        if original is not None:
            setattr(sqlite.SqliteStore, name, _named(name, original))

    round_trip = aiosqlite.core.Connection._execute

    async def timed_execute(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        spent = [0.0]

        def in_thread(*a: Any, **k: Any) -> Any:
            began = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[0] = time.perf_counter() - began

        began = time.perf_counter()
        try:
            return await round_trip(self, in_thread, *args, **kwargs)
        finally:
            STATS["round_trips"] += 1
            STATS["round_trip_s"] += time.perf_counter() - began
            STATS["sqlite_in_thread_s"] += spent[0]

    aiosqlite.core.Connection._execute = timed_execute  # type: ignore[method-assign]


def _named(name: str, method: Any) -> Any:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = METHOD.set(name)
        try:
            return await method(*args, **kwargs)
        finally:
            METHOD.reset(token)

    return wrapper


def _tally(kind: str, asked: float, got: float) -> None:
    done = time.perf_counter()
    STATS[f"{kind}s"] += 1
    STATS[f"{kind}_wait_s"] += got - asked
    STATS[f"{kind}_hold_s"] += done - got
    method = METHOD.get()
    STATS[f"hold_s.{method}"] += done - got
    STATS[f"wait_s.{method}"] += got - asked
    STATS[f"calls.{method}"] += 1
    STATS[f"max_hold_s.{method}"] = max(STATS[f"max_hold_s.{method}"], done - got)
    STATS[f"max_wait_s.{method}"] = max(STATS[f"max_wait_s.{method}"], got - asked)
    STATS["first"] = STATS["first"] or asked
    STATS["last"] = done


_GC_STARTED = [0.0]
FULL_GC_MS: list[float] = []  # every full collection, in order (start-up ones first)


def _gc_timer(phase: str, info: dict[str, int]) -> None:
    """Count garbage collections and time the full (generation 2) ones."""
    if phase == "start":
        _GC_STARTED[0] = time.perf_counter()
        return
    gen = info["generation"]
    STATS[f"gc_gen{gen}"] += 1
    if gen == 2:
        took = time.perf_counter() - _GC_STARTED[0]
        STATS["gc_full_s"] += took
        STATS["gc_full_max_s"] = max(STATS["gc_full_max_s"], took)
        FULL_GC_MS.append(round(took * 1000, 1))


def _freeze_before_serving() -> None:
    """gc.freeze() once the app (FAQ index, kana dictionary) is built, before serving."""
    from aiohttp import web  # noqa: PLC0415

    run_app = web.run_app

    def frozen_run_app(*args: Any, **kwargs: Any) -> Any:
        gc.collect()
        gc.freeze()
        return run_app(*args, **kwargs)

    web.run_app = frozen_run_app  # type: ignore[assignment]


def _synchronous(mode: str) -> None:
    opened = sqlite.open_sqlite

    async def open_sqlite(url: str, clock: Any) -> Any:
        store = await opened(url, clock)
        await store._conn.execute(f"PRAGMA synchronous = {mode}")
        return store

    sqlite.open_sqlite = open_sqlite  # type: ignore[assignment]


if __name__ == "__main__":
    if interval := os.environ.get("BENCH_SWITCH_INTERVAL"):
        sys.setswitchinterval(float(interval))
    if mode := os.environ.get("BENCH_SQLITE_SYNC"):
        _synchronous(mode)
    if os.environ.get("BENCH_STORE_STATS"):
        _instrument()
        gc.callbacks.append(_gc_timer)
    if os.environ.get("BENCH_GC_FREEZE"):
        _freeze_before_serving()
    code = main(["serve"])
    if STATS:
        busy = STATS["last"] - STATS["first"]
        held = STATS["read_hold_s"] + STATS["write_hold_s"]
        print(
            "BENCH_STORE_STATS "
            + json.dumps(
                {
                    **{k: round(v, 4) for k, v in STATS.items() if k not in ("first", "last")},
                    "lock_held_share": round(held / busy, 3) if busy else None,
                    "full_gc_ms": FULL_GC_MS,
                }
            ),
            file=sys.stderr,
        )
    sys.exit(code)
