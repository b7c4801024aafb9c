"""Does `serve` leak? The real app in this process, many events, tracemalloc and gc between.

    .venv/bin/python bench/leak_probe.py --db sqlite   [--events 60000] [--every 10000]
    .venv/bin/python bench/leak_probe.py --db postgres [--url postgresql://postgres@127.0.0.1:5432/leak_probe]
    .venv/bin/python bench/leak_probe.py --db sqlite --no-trace   (RSS only, full speed)

The app is built with `create_app(settings)` as `serve` builds it and served on a loopback port
with `web.AppRunner` and `runner_options` (as `web.run_app` does for `serve`; no access log,
RELOAD_SECONDS=0 and LOG_LEVEL=WARNING as in `bench/faults.py soak`). LINE is
`bench/line_sink.py` in its own process (reset at every checkpoint, so nothing it keeps is in
this process). Webhooks are signed like LINE's (`tests/server/events.py`), one event each, from
`--patients` patients, `--inflight` at a time (closed loop): ordinary FAQ questions in ja/en
(the soak's list) and a few greetings, a sticker now and then.

After `--warmup` events, and then every `--every` events, the probe waits until the worker has
handled everything, runs `gc.collect()`, and records: RSS (VmRSS) and, from glibc, the heap in
use and held (`mallinfo2`); the count of gc-tracked objects by type (the types that grew are
printed); and, unless `--no-trace`, a tracemalloc snapshot (`--frames` deep), compared with
the previous one and with the warm-up one by traceback: the top growing sites are printed.
Growth per 10k events is printed for each. The probe's own sending code allocates nothing per
event that it keeps.

Try `MALLOC_ARENA_MAX=2` in the environment to see how much of the RSS is glibc arenas.
Each run on PostgreSQL uses a fresh schema (`?schema=leak_<random>`), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from load import ORDINARY_QUESTIONS, free_port  # noqa: E402

from bot import logs  # noqa: E402
from bot.app import RUNTIME, create_app, runner_options  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.server import events  # noqa: E402
from tests.server.conftest import SECRET  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/leak_probe"
GREETINGS = ("こんにちは", "hello", "ありがとうございます", "thanks")


def rss_mib() -> float:
    """This process's VmRSS in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def malloc_mib() -> dict[str, float]:
    """glibc's view: heap in use (`uordblks` + mmapped `hblkhd`) and free but held (`fordblks`)."""
    try:
        fn = _LIBC.mallinfo2
    except AttributeError:
        return {}
    fn.restype = _MallInfo2
    info = fn()
    mib = 1024 * 1024
    return {
        "in_use": round((info.uordblks + info.hblkhd) / mib, 2),
        "free_held": round(info.fordblks / mib, 2),
        "arena": round(info.arena / mib, 2),
    }


def threads() -> int:
    """OS threads of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def object_counts() -> Counter[str]:
    """gc-tracked objects by type."""
    return Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())


def trace_filters() -> list[tracemalloc.Filter]:
    """Leave out tracemalloc's own, the import system's and this script's allocations."""
    return [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
        tracemalloc.Filter(False, "<unknown>"),
        tracemalloc.Filter(False, __file__, all_frames=True),  # the probe's own bookkeeping
        tracemalloc.Filter(False, str(ROOT / "tests" / "server" / "events.py"), all_frames=True),
    ]


class Sink:
    """`bench/line_sink.py` in its own process."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "line_sink.py"), "--port", str(self.port)],
            cwd=ROOT,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    async def up(self, http: aiohttp.ClientSession) -> None:
        for _ in range(200):
            try:
                async with http.get(self.url + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        raise RuntimeError("line_sink did not start")

    async def stats_and_reset(self, http: aiohttp.ClientSession) -> dict[str, Any]:
        async with http.get(self.url + "/_stats") as resp:
            stats: dict[str, Any] = await resp.json()
        async with http.post(self.url + "/_reset") as resp:
            await resp.read()
        return stats

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class Sender:
    """Signed webhooks, `inflight` at a time; keeps counts only."""

    def __init__(self, http: aiohttp.ClientSession, url: str, patients: int, seed: int) -> None:
        self.http, self.url = http, url + "/line/webhook"
        self.rng = random.Random(seed)
        run = uuid.uuid4().hex[:8]
        self.users = [
            "U" + uuid.uuid5(uuid.NAMESPACE_URL, f"{run}-{n}").hex for n in range(patients)
        ]
        self.statuses: Counter[str] = Counter()
        self.sent = 0

    def _event(self) -> dict[str, Any]:
        user = self.rng.choice(self.users)
        roll = self.rng.random()
        if roll < 0.01:
            return events.sticker(user=user)
        if roll < 0.06:
            return events.text(self.rng.choice(GREETINGS), user=user)
        return events.text(self.rng.choice(ORDINARY_QUESTIONS), user=user)

    async def _one(self) -> None:
        raw = events.body(self._event())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Line-Signature": events.sign(SECRET, raw),
        }
        try:
            async with self.http.post(self.url, data=raw, headers=headers) as resp:
                await resp.read()
                self.statuses[str(resp.status)] += 1
        except aiohttp.ClientError as exc:
            self.statuses[type(exc).__name__] += 1
        self.sent += 1

    async def send(self, count: int, inflight: int, rate: float = 0.0) -> None:
        """`count` events, `inflight` lanes; with `rate`, paced to that many per second."""
        left, start, index = count, time.monotonic(), 0

        async def lane() -> None:
            nonlocal left, index
            while left > 0:
                left -= 1
                if rate > 0:
                    index += 1
                    delay = start + index / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                await self._one()

        await asyncio.gather(*(lane() for _ in range(inflight)))


def top_growth(
    new: tracemalloc.Snapshot, old: tracemalloc.Snapshot, top: int, per: float
) -> list[dict[str, Any]]:
    """The `top` sites (by traceback) that grew most, with growth per 10k events."""
    rows = []
    for stat in new.compare_to(old, "traceback")[: top * 3]:
        if stat.size_diff <= 0:
            continue
        frames = [f"{f.filename.replace(str(ROOT) + '/', '')}:{f.lineno}" for f in stat.traceback]
        rows.append(
            {
                "kib_per_10k": round(stat.size_diff / 1024 / per, 1),
                "count_per_10k": round(stat.count_diff / per, 1),
                "kib_now": round(stat.size / 1024, 1),
                "frames": frames[-6:],  # innermost last
            }
        )
        if len(rows) >= top:
            break
    return rows


def print_growth(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"  {title}")
    for row in rows:
        print(
            f"    +{row['kib_per_10k']:8.1f} KiB/10k ev  +{row['count_per_10k']:8.1f} blocks/10k"
            f"  (now {row['kib_now']:.1f} KiB)"
        )
        for frame in reversed(row["frames"]):
            print(f"        {frame}")


async def probe(args: argparse.Namespace) -> dict[str, Any]:
    schema = None
    if args.db == "sqlite":
        tmp = tempfile.mkdtemp(prefix="leak_probe_")
        url = f"sqlite:///{tmp}/bot.db"
    else:
        schema = "leak_" + uuid.uuid4().hex[:8]
        url = f"{args.url}?schema={schema}"
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=args.inflight + 4), trust_env=False
    )
    sink = Sink()
    runner: web.AppRunner | None = None
    result: dict[str, Any] = {"db": args.db, "checkpoints": []}
    try:
        await sink.up(http)
        var = tempfile.mkdtemp(prefix="leak_probe_var_")
        env = {
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "token-probe",
            "LINE_API_BASE": sink.url,
            "DATABASE_URL": url,
            "RELOAD_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            "VAR_DIR": var,
        }
        settings = Settings.from_env(env, faq_dir=ROOT / "faq")
        logs.configure("WARNING")
        app = create_app(settings)
        runner = web.AppRunner(app, access_log=None, **runner_options(settings))
        await runner.setup()
        port = free_port()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        worker = app[RUNTIME].worker
        assert worker is not None
        sender = Sender(http, f"http://127.0.0.1:{port}", args.patients, args.seed)

        async def settle() -> None:
            await worker.drain(within=600.0)

        async def checkpoint(label: str, prev: dict[str, Any] | None) -> dict[str, Any]:
            await settle()
            stats = await sink.stats_and_reset(http)
            gc.collect()
            point: dict[str, Any] = {
                "label": label,
                "events": sender.sent,
                "rss_mib": round(rss_mib(), 2),
                "malloc_mib": malloc_mib(),
                "gc_objects": len(gc.get_objects()),
                "threads": threads(),
                "line": {k: stats[k] for k in ("replies", "pushes", "rejected_replies")},
                "webhooks": dict(sender.statuses),
                "at": time.monotonic(),
            }
            counts = object_counts()
            point["_counts"] = counts
            if tracemalloc.is_tracing():
                snap = tracemalloc.take_snapshot().filter_traces(trace_filters())
                point["_snap"] = snap
                point["traced_mib"] = round(
                    sum(s.size for s in snap.statistics("filename")) / 2**20, 2
                )
            print(
                f"[{label}] events={sender.sent} rss={point['rss_mib']} MiB "
                f"malloc={point['malloc_mib']} threads={point['threads']} gc_objects={point['gc_objects']} "
                f"traced={point.get('traced_mib')} MiB line={point['line']} "
                f"webhooks={point['webhooks']}",
                flush=True,
            )
            if prev is not None:
                per = (sender.sent - prev["events"]) / 10_000
                secs = point["at"] - prev["at"]
                point["rate_ev_s"] = round((sender.sent - prev["events"]) / secs, 1)
                point["rss_kib_per_10k"] = round(
                    (point["rss_mib"] - prev["rss_mib"]) * 1024 / per, 1
                )
                grew = (counts - prev["_counts"]).most_common(args.top)
                point["types_grown_per_10k"] = {k: round(v / per, 1) for k, v in grew}
                print(
                    f"  {point['rate_ev_s']} ev/s; RSS {point['rss_kib_per_10k']:+.1f} KiB/10k ev; "
                    f"gc objects {(point['gc_objects'] - prev['gc_objects']) / per:+.1f}/10k ev"
                )
                print(f"  types grown per 10k ev: {point['types_grown_per_10k']}")
                if "_snap" in point:
                    point["traced_kib_per_10k"] = round(
                        (point["traced_mib"] - prev["traced_mib"]) * 1024 / per, 1
                    )
                    print(f"  traced {point['traced_kib_per_10k']:+.1f} KiB/10k ev")
                    point["top_vs_prev"] = top_growth(point["_snap"], prev["_snap"], args.top, per)
                    print_growth("top growth since the previous checkpoint", point["top_vs_prev"])
            return point

        if args.trace:
            tracemalloc.start(args.frames)
        await sender.send(args.warmup, args.inflight, args.rate)
        warm = await checkpoint("warm-up", None)
        points = [warm]
        while sender.sent < args.warmup + args.events:
            await sender.send(
                min(args.every, args.warmup + args.events - sender.sent), args.inflight, args.rate
            )
            points.append(await checkpoint(f"+{sender.sent - args.warmup}", points[-1]))
        last = points[-1]
        per = (last["events"] - warm["events"]) / 10_000
        summary: dict[str, Any] = {
            "events_after_warmup": last["events"] - warm["events"],
            "rss_mib": [warm["rss_mib"], last["rss_mib"]],
            "rss_kib_per_10k": round((last["rss_mib"] - warm["rss_mib"]) * 1024 / per, 1),
            "gc_objects_per_10k": round((last["gc_objects"] - warm["gc_objects"]) / per, 1),
            "malloc_in_use_kib_per_10k": round(
                (last["malloc_mib"].get("in_use", 0) - warm["malloc_mib"].get("in_use", 0))
                * 1024
                / per,
                1,
            ),
        }
        print(f"SUMMARY since warm-up: {json.dumps(summary)}")
        if "_snap" in last:
            summary["traced_kib_per_10k"] = round(
                (last["traced_mib"] - warm["traced_mib"]) * 1024 / per, 1
            )
            summary["top_vs_warmup"] = top_growth(last["_snap"], warm["_snap"], args.top, per)
            print(f"  traced {summary['traced_kib_per_10k']:+.1f} KiB/10k ev")
            print_growth("top growth since warm-up", summary["top_vs_warmup"])
        before = rss_mib()
        _LIBC.malloc_trim(0)  # give glibc's free-but-held pages back: what is left is in use
        summary["rss_after_malloc_trim_mib"] = [round(before, 2), round(rss_mib(), 2)]
        print(f"  RSS {before:.2f} MiB -> {rss_mib():.2f} MiB after malloc_trim(0)")
        if args.mallocstats:
            sys._debugmallocstats()
        result["summary"] = summary
        result["checkpoints"] = [
            {k: v for k, v in p.items() if not k.startswith("_")} for p in points
        ]
        return result
    finally:
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        if runner is not None:
            await runner.cleanup()
        await http.close()
        sink.stop()
        if schema is not None:
            import asyncpg  # noqa: PLC0415

            conn = await asyncpg.connect(args.url)
            try:
                await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            finally:
                await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default=os.environ.get("LEAK_PROBE_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--warmup", type=int, default=5000, help="events before the baseline")
    parser.add_argument("--events", type=int, default=60000, help="events after the warm-up")
    parser.add_argument("--every", type=int, default=10000, help="events between checkpoints")
    parser.add_argument("--patients", type=int, default=60)
    parser.add_argument("--inflight", type=int, default=8, help="webhooks in flight")
    parser.add_argument("--rate", type=float, default=0.0, help="events/s (0: as fast as it goes)")
    parser.add_argument("--frames", type=int, default=12, help="tracemalloc traceback depth")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-trace", dest="trace", action="store_false")
    parser.add_argument("--mallocstats", action="store_true", help="sys._debugmallocstats()")
    parser.add_argument("--json", type=Path, help="write the result here too")
    args = parser.parse_args()
    result = asyncio.run(probe(args))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
