"""The store's share of one LINE text event, measured alone: what `bench/webhook_load.py` can't split.

    .venv/bin/python bench/store_ops.py [--events 6000] [--url sqlite:///path.db] [--rounds 3]

Runs the store calls the server makes for one answered text event (enqueue, claim with its
conversation, commit of state and one LINE message, read of the outgoing rows, mark sending,
mark sent with audit and finish), `--events` times over 50 patients, on a fresh SQLite file
(or `--url`, e.g. a PostgreSQL schema). Prints wall time per call, process CPU per event and,
on SQLite, WAL bytes written per event (checkpoints off for the count). Numbers vary by some
10% between runs on a shared VM; compare medians of `--rounds`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.store import AuditEntry, ConversationData, NewEvent, NewOutgoing, open_store, utc_now

PAYLOAD = json.dumps(
    {
        "type": "message",
        "message": {"type": "text", "text": "副作用はありますか" * 3},
        "replyToken": "x" * 32,
        "source": {"type": "user", "userId": "U" + "a" * 32},
    },
    ensure_ascii=False,
)
MESSAGE = json.dumps(
    {"kind": "answer", "topic": "side_effects", "texts": ["あ" * 400], "choices": [["x", "y"]] * 8},
    ensure_ascii=False,
)


async def one_round(url: str, events: int) -> dict[str, float]:
    """Per-call wall ms, CPU ms per event and WAL bytes per event for one fresh store."""
    store = await open_store(url, clock=utc_now)
    wall: collections.Counter[str] = collections.Counter()
    cpu_started = time.process_time()
    for n in range(events):
        mark = time.perf_counter()

        def took(name: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            wall[name] += now - mark
            mark = now

        at = utc_now()
        await store.enqueue([NewEvent("line", f"ev{n}", f"U{n % 50:032d}", PAYLOAD, at)])
        took("enqueue")
        claimed = await store.claim(at, timedelta(seconds=60))
        assert claimed is not None and claimed.conversation is not None
        took("claim")
        conv = replace(claimed.conversation, misses=0, data=ConversationData(other={"lang": "ja"}))
        await store.commit(conv, [NewOutgoing("line", MESSAGE)], claimed.id)
        took("commit")
        [row] = await store.outgoing(claimed.id)
        took("outgoing")
        await store.mark_outgoing(row.id, "sending", None, None, utc_now())
        took("mark sending")
        audit = AuditEntry(
            utc_now(),
            conv.id,
            conv.user_key,
            "side_effects",
            "h",
            "ja",
            "reply",
            "ok",
            "?",
            "answer",
        )
        await store.mark_outgoing(
            row.id, "sent", "reply", None, utc_now(), audit=[audit], finish=claimed.id
        )
        took("mark sent + finish")
    result = {name: 1000 * seconds / events for name, seconds in wall.items()}
    result["cpu per event"] = 1000 * (time.process_time() - cpu_started) / events
    # Read before closing: the last connection to close removes the file.
    result["wal bytes"] = _size(url.removeprefix("sqlite:///") + "-wal") / events
    await store.close()
    return result


def _size(path: str) -> int:
    return os.path.getsize(path) if os.path.exists(path) else 0


def wal_bytes(url: str, events: int) -> float | None:
    """WAL bytes per event with checkpoints off (SQLite only)."""
    if not url.startswith("sqlite:///"):
        return None
    connect = sqlite3.connect

    def no_checkpoints(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)  # type: ignore[arg-type]
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        return conn

    sqlite3.connect = no_checkpoints  # type: ignore[assignment]
    try:
        return asyncio.run(one_round(url, events))["wal bytes"]
    finally:
        sqlite3.connect = connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--url", help="store URL (default: a fresh SQLite file per round)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="store_ops-"))
    rounds = []
    for n in range(args.rounds):
        url = args.url or f"sqlite:///{work / f'round-{n}.db'}"
        rounds.append(asyncio.run(one_round(url, args.events)))
    print(f"{args.events} events x {args.rounds} rounds; median ms per event")
    for name in (k for k in rounds[0] if k != "wal bytes"):
        values = [r[name] for r in rounds]
        print(f"  {name:20s} {statistics.median(values):6.3f}   (rounds: {values})")
    total = [
        sum(v for k, v in r.items() if k not in ("cpu per event", "wal bytes")) for r in rounds
    ]
    print(f"  {'all calls (wall)':20s} {statistics.median(total):6.3f}")
    if not args.url:
        per_event = wal_bytes(f"sqlite:///{work / 'wal.db'}", args.events)
        print(f"  WAL written per event: {(per_event or 0) / 1024:.1f} KiB (checkpoints off)")


if __name__ == "__main__":
    main()
