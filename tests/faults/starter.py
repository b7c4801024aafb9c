"""Start pairs of store processes against an empty PostgreSQL schema, round after round.

Run as `python -m tests.faults.starter DATABASE_URL ROUNDS`; prints one JSON line with every
failure. The parent imports the store once and forks two children per round (a real process
each: its own event loop, pool and connections), released together. Each child opens the
store, then works as a running server does (enqueue, claim, finish, commit, prune) while it
opens the store a second time, as a process starting next to running ones does. Starting used
to run CREATE ... IF NOT EXISTS under the advisory lock on every start, which deadlocked now and
then against the other process's pruning and finishing.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import traceback
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

from bot.store import NewEvent, NewOutgoing, Store, open_store

WORK_ROUNDS = 6  # of enqueue, claim, commit, finish, prune per store


def with_schema(url: str, schema: str) -> str:
    """`url` with `?schema=` set, keeping any other query parameters, and commits that do not
    wait for the disk (asyncpg passes unknown parameters on as server settings): locks are
    under test here, not durability, and each commit's fsync was most of a round's time."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in {"schema", "synchronous_commit"}]
    query += [("schema", schema), ("synchronous_commit", "off")]
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _work(store: Store, who: str) -> None:
    """What a running server does to the tables, in small transactions."""
    for i in range(WORK_ROUNDS):
        now = datetime.now(UTC)
        user = f"U-{who}-{i % 3}"
        await store.enqueue([NewEvent("line", f"{who}-{i}", user, '{"type":"message"}', now)])
        claimed = await store.claim(now + timedelta(seconds=1), timedelta(seconds=30))
        if claimed is not None and claimed.conversation is not None:
            conv = replace(claimed.conversation, misses=i)
            await store.commit(conv, [NewOutgoing("line", '{"text":"hi"}')], claimed.id)
            await store.finish(claimed.id, now)
        elif claimed is not None:
            await store.finish(claimed.id, now)
        await store.prune(now, timedelta(days=30))  # as `_prune_forever` does


async def _life(url: str, who: str) -> None:
    store = await open_store(url)
    try:

        async def restart() -> None:
            await asyncio.sleep(0.01)
            again = await open_store(url)
            await _work(again, who + "b")
            await again.close()

        await asyncio.gather(_work(store, who + "a"), restart())
    finally:
        await store.close()


def _child(url: str, who: str, go: int) -> None:
    """The forked process: wait for the start signal, live, exit 0 or 1 with the error."""
    os.read(go, 1)
    try:
        asyncio.run(_life(url, who))
    except BaseException as err:
        last = traceback.format_exception_only(err)[-1].strip()
        os.write(2, f"{who}: {last}\n".encode())
        os._exit(1)
    os._exit(0)


async def _drop(raw_url: str, schemas: list[str]) -> None:
    if not schemas:
        return
    conn = await asyncpg.connect(raw_url)
    try:
        names = ", ".join(f'"{schema}"' for schema in schemas)
        await conn.execute(f"DROP SCHEMA IF EXISTS {names} CASCADE")
    finally:
        await conn.close()


def main(raw_url: str, rounds: int) -> dict[str, object]:
    """Run the rounds; the summary lists each failed child's last error line."""
    failures: list[str] = []
    schemas: list[str] = []
    started = time.monotonic()
    for n in range(rounds):
        schema = f"faults_{uuid.uuid4().hex[:10]}"
        schemas.append(schema)
        url = with_schema(raw_url, schema)
        go_read, go_write = os.pipe()
        errors_read, errors_write = os.pipe()
        pids = []
        for who in ("p1", "p2"):
            pid = os.fork()
            if pid == 0:
                os.dup2(errors_write, 2)
                _child(url, who, go_read)
            pids.append(pid)
        os.close(errors_write)
        os.write(go_write, b"gg")  # both start at once
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
        with os.fdopen(errors_read) as errors:
            said = errors.read().strip()
        os.close(go_read)
        os.close(go_write)
        if any(codes):
            failures.append(f"round {n}: exit {codes}: {said}")
    asyncio.run(_drop(raw_url, schemas))
    return {
        "rounds": rounds,
        "failures": failures,
        "seconds": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
