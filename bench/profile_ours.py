"""Profile our server under webhook load with py-spy (a helper of bench/webhook_load.py).

    .venv/bin/python bench/profile_ours.py [--rate 200] [--seconds 15] [--py-spy PATH]

Starts bench/line_sink.py and `python -m bot serve` (SQLite in a temporary folder), sends
`--rate` webhooks/s for `--seconds` s, and meanwhile records the server with py-spy twice over:
on-CPU samples of every thread, and wall-clock samples including idle (`--idle`), both in
py-spy's collapsed ("raw") format. It then prints the top frames of each and where the files are.
py-spy is not a project dependency: `pip install --target /tmp/tools py-spy` and pass
`--py-spy /tmp/tools/bin/py-spy`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load
import webhook_load as wl


def top(path: Path, n: int = 25) -> list[tuple[float, str]]:
    """Self and inclusive shares of the hottest frames in a collapsed-stack file."""
    inclusive: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = stack.split(";")
        leaf[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    print(f"\n{path.name}: {total} samples; hottest by inclusive share")
    for frame, samples in inclusive.most_common(n):
        print(f"  {100 * samples / total:5.1f}%  {frame}")
    print("hottest leaves (self time)")
    for frame, samples in leaf.most_common(12):
        print(f"  {100 * samples / total:5.1f}%  {frame}")
    return [(samples / total, frame) for frame, samples in inclusive.most_common(n)]


async def main(args: argparse.Namespace) -> None:
    """Sink, server, load and two py-spy recordings."""
    work = Path(tempfile.mkdtemp(prefix="profile_ours-"))
    code, described = wl.snapshot(args.code, work / "code")
    print(f"profiling {described}")
    procs = wl.Processes()
    try:
        async with aiohttp.ClientSession() as http:
            sink, sink_url = await wl.start_sink(procs, http, work / "sink.log")
            target = wl.targets_to_run("ours", sink_url, code)[0]
            port = load.free_port()
            env = {**target.env, "PORT": str(port), "DATABASE_URL": f"sqlite:///{work}/p.db"}
            server = procs.spawn(target.argv, env, work / "ours.log", cwd=code)
            await wl.wait_healthy(http, f"http://127.0.0.1:{port}/healthz", server)
            record = max(1, int(args.seconds) - 3)
            spies = [
                subprocess.Popen(  # noqa: ASYNC220 - started once, waited for below
                    [
                        args.py_spy,
                        "record",
                        "--pid",
                        str(server.pid),
                        "--duration",
                        str(record),
                        "--rate",
                        "250",
                        "--format",
                        "raw",
                        "--threads",
                        *extra,
                        "--output",
                        str(work / name),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for name, extra in (("cpu.txt", []), ("wall.txt", ["--idle"]))
            ]
            factory = load.Factory(load.helpers(code), wl.SECRET)
            shots = factory.shots(round(args.rate * args.seconds), args.rate)
            timeout = aiohttp.ClientTimeout(total=load.LINE_TIMEOUT)
            async with aiohttp.ClientSession(timeout=timeout) as traffic:
                started = time.monotonic()
                await load.fire(traffic, f"http://127.0.0.1:{port}/line/webhook", shots, args.rate)
            print(load.ack_stats(shots, args.rate), f"{time.monotonic() - started:.1f} s")
            for spy in spies:
                await asyncio.to_thread(spy.wait, record + 30)
            await procs.stop(server)
            await procs.stop(sink)
    finally:
        procs.kill_all()
    for name in ("cpu.txt", "wall.txt"):
        if (work / name).exists():
            top(work / name)
    print(f"\nfiles in {work}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--py-spy", default="py-spy")
    parser.add_argument("--code", default="HEAD", help="git revision, or 'worktree'")
    asyncio.run(main(parser.parse_args()))
