"""Load benchmark of the LINE webhook server against the SDK-example design and a bare floor.

    .venv/bin/python bench/webhook_load.py [--quick] [--no-docs] [--only ours,baseline,floor]
                                           [--code REV|worktree] [--render results.json]

Everything runs on 127.0.0.1, each piece in its own process:

- `bench/line_sink.py`: a stand-in LINE Messaging API that records, per reply token and per
  push retry key, when each answer arrived (so no event can go unanswered or be answered twice
  without it showing);
- the systems under test, one after the other: **ours** (`python -m bot serve` on SQLite),
  **baseline** (`bench/echo_baseline.py`: the SDK's aiohttp-echo design, replying inline before
  the 200, deciding with `bot.core`) and **floor** (`bench/floor.py`: 200 to every POST);
- the load generator (`bench/load.py`, in this process): open loop, one signed webhook (one
  text event, unique `webhookEventId` and reply token, one of 50 patients, real patient
  questions from `tests/eval/*.tsv`) sent every 1/rate seconds whatever the responses.

Per server: ack latency at 200 events/s (steady phase), then a ramp of 10 s levels until a
level fails (any non-200 or timeout, ack p99 over 500 ms, events not all answered within the
drain window, or the generator itself falling behind) or the time cap; end-to-end latency
(webhook sent -> answer at the sink) and the exactly-once check; RSS and start-up time.
The measurements (`bench/webhook_results.py`) go to `results.json` in a temporary folder; their
tables (`bench/report.py`) to stdout and (full runs) into `docs/benchmarks.md` under
"## Webhook server (LINE)" (`--quick` writes them only with `--docs`).
The code under test is `git archive HEAD` unpacked in the temporary folder, so edits made in the
checkout during a run do not change what runs. Every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import report
from load import (
    LINE_TIMEOUT,
    AckStats,
    AnswerStats,
    Factory,
    Shot,
    SinkClient,
    ack_stats,
    answer_stats,
    fire,
    free_port,
    helpers,
)
from webhook_results import (
    Cores,
    Level,
    Meta,
    Plan,
    Results,
    ServerResult,
    Settled,
    StoreCounts,
    Totals,
    best_of,
)

ROOT = Path(__file__).resolve().parents[1]  # this checkout: bench/ scripts and docs/
BENCH = ROOT / "bench"
SECRET = "bench-channel-secret"
ACCESS_TOKEN = "bench-access-token"

QUICK = Plan(
    steady_seconds=10.0, level_seconds=5.0, ramp_cap_seconds=45.0, settle_seconds=25.0, rounds=1
)


# --------------------------------------------------------------------------- processes


class Processes:
    """Every process this benchmark started, so each can be stopped by its own pid."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def spawn(
        self, argv: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT
    ) -> subprocess.Popen[bytes]:
        """Start one process, its output to `log`."""
        with log.open("ab") as out:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.running.append(proc)
        return proc

    async def stop(self, proc: subprocess.Popen[bytes], grace: float = 20.0) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds."""
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(proc.wait, grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait, 5)
        if proc in self.running:
            self.running.remove(proc)
        return proc.returncode

    def kill_all(self) -> None:
        """Last resort on the way out: our own children only, each by its pid."""
        for proc in list(self.running):
            if proc.poll() is None:
                proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(5)
            self.running.remove(proc)


def proc_memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MiB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def cpu_seconds(pid: int | None = None) -> float:
    """User plus system CPU time of a process (this one when `pid` is None)."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_healthy(
    http: aiohttp.ClientSession, url: str, proc: subprocess.Popen[bytes], limit: float = 20.0
) -> float:
    """Poll `url` every 10 ms until it answers 200; returns the monotonic time it did."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"{proc.args!r} exited with {proc.returncode} before it was healthy"
            raise RuntimeError(msg)
        try:
            async with http.get(url, timeout=aiohttp.ClientTimeout(total=1)) as resp:
                await resp.read()
                if resp.status == 200:
                    return time.monotonic()
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(0.01)
    msg = f"{url} not healthy within {limit} s"
    raise TimeoutError(msg)


# --------------------------------------------------------------------------- code under test


def snapshot(rev: str, into: Path) -> tuple[Path, str]:
    """The code under test: `git archive REV` unpacked in `into` (or the live tree for
    `worktree`), so that edits made in the checkout during a run cannot change what runs."""
    if rev == "worktree":
        return ROOT, "working tree of " + _git("rev-parse", "--short", "HEAD") + " (uncommitted)"
    commit = _git("rev-parse", rev)
    into.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True, timeout=60
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True, timeout=60)
    subject = _git("log", "-1", "--format=%s", commit)
    return into, f"{commit[:10]} ({subject[:60]})"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()


# --------------------------------------------------------------------------- one server


@dataclass
class Target:
    """A system under test and how to run it."""

    name: str
    argv: list[str]
    path: str
    answers: bool  # whether it answers through the LINE API
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Bench:
    """What every phase needs."""

    plan: Plan
    procs: Processes
    http: aiohttp.ClientSession  # health checks and the sink
    load: aiohttp.ClientSession  # the webhook traffic
    sink: SinkClient
    sink_pid: int
    factory: Factory
    workdir: Path
    code: Path


@dataclass
class Run:
    """One server being measured: its process, address and every shot fired at it."""

    target: Target
    proc: subprocess.Popen[bytes]
    url: str
    startup_s: list[float]
    idle_rss_mb: float
    db: Path | None = None  # ours: its SQLite file
    levels: list[Level] = field(default_factory=list)
    shots: list[list[Shot]] = field(default_factory=list)


async def run_level(bench: Bench, run: Run, rate: int, seconds: float) -> Level:
    """One open-loop level at `rate`, then (for answering servers) the exactly-once check."""
    pid, drain = run.proc.pid, bench.plan.drain_seconds
    shots = bench.factory.shots(round(rate * seconds), rate)
    await bench.sink.reset()
    cpu = (cpu_seconds(pid), cpu_seconds(bench.sink_pid), cpu_seconds())
    wall = time.monotonic()
    await fire(bench.load, run.url, shots, rate)
    ack = ack_stats(shots, rate)
    drained, answers = None, None
    if run.target.answers:
        last = max(s.t0 for s in shots)
        drained = await bench.sink.wait_answers(len(shots), last + drain)
        answers = answer_stats(shots, await bench.sink.stats(full=True))
    elapsed = time.monotonic() - wall
    used = (cpu_seconds(pid), cpu_seconds(bench.sink_pid), cpu_seconds())
    level = Level(
        ack=ack,
        cpu_ms_per_event=round((used[0] - cpu[0]) * 1000 / len(shots), 3),
        cores=Cores(
            server=round((used[0] - cpu[0]) / elapsed, 2),
            sink=round((used[1] - cpu[1]) / elapsed, 2),
            generator=round((used[2] - cpu[2]) / elapsed, 2),
        ),
        verdict=verdict(ack, answers, drained, bench.plan),
        answers=answers,
        drained=drained,
    )
    run.levels.append(level)
    run.shots.append(shots)
    _print_level(run.target.name, level)
    return level


def verdict(  # noqa: PLR0911 - one return per rule
    ack: AckStats, answers: AnswerStats | None, drained: bool | None, plan: Plan
) -> str | None:
    """None when the level is sustained, else why not (`answers` only for answering servers)."""
    if ack.errors:
        return "errors " + ", ".join(f"{k}={v}" for k, v in sorted(ack.errors.items()))
    if ack.ack_p99_ms is None or ack.ack_p99_ms > plan.ack_p99_limit_ms:
        return f"ack p99 {ack.ack_p99_ms:.0f} ms > {plan.ack_p99_limit_ms:.0f} ms"
    if answers is not None:
        if not drained or answers.lost:
            return (
                f"backlog: {answers.lost} events unanswered {plan.drain_seconds:.0f} s"
                " after the last"
            )
        if (answers.e2e_p99_ms or 0) > plan.e2e_p99_limit_ms:
            return (
                f"answers fall behind: e2e p99 {answers.e2e_p99_ms:.0f} ms >"
                f" {plan.e2e_p99_limit_ms:.0f}"
            )
        if answers.answered_twice:
            return f"{answers.answered_twice} events answered twice"
    if (ack.achieved_rate or 0) < 0.95 * ack.target_rate or (ack.generator_lag_p99_ms or 0) > 100:
        return "load generator could not keep the schedule (machine saturated)"
    return None


async def settle(bench: Bench, run: Run) -> None:
    """After a failed level: wait (bounded) for its backlog, then check it once more."""
    level, shots = run.levels[-1], run.shots[-1]
    if level.answers is None or not level.answers.lost:
        return
    await bench.sink.wait_answers(level.ack.sent, time.monotonic() + bench.plan.settle_seconds)
    settled = answer_stats(shots, await bench.sink.stats(full=True))
    level.after_settle = Settled(settled.answered, settled.lost, settled.answered_twice)
    print(f"[{run.target.name}] after settling: {level.after_settle}", flush=True)


async def ramp(bench: Bench, run: Run) -> tuple[Level | None, str]:
    """The steady level, then up until a level fails (or down when the first one failed)."""
    plan = bench.plan
    first = await run_level(bench, run, plan.steady_rate, plan.steady_seconds)
    if first.verdict is not None:
        await settle(bench, run)
        reason = f"{plan.steady_rate}/s failed ({first.verdict})"
        for rate in plan.ramp_down:  # find what it does sustain
            level = await run_level(bench, run, rate, plan.level_seconds)
            if level.verdict is None:
                return level, f"{reason}; {rate}/s passed"
            await settle(bench, run)
        return None, f"{reason}; no lower level passed either"
    passing, started = first, time.monotonic()
    budget = plan.level_seconds + (plan.drain_seconds if run.target.answers else 2)
    for rate in plan.ramp:
        if time.monotonic() - started + budget > plan.ramp_cap_seconds:
            return passing, f"time cap ({plan.ramp_cap_seconds:.0f} s of ramp)"
        level = await run_level(bench, run, rate, plan.level_seconds)
        if level.verdict is not None:
            await settle(bench, run)
            return passing, f"{rate}/s failed ({level.verdict})"
        passing = level
    return passing, "all levels passed"


async def start(bench: Bench, target: Target) -> Run:
    """Start the server (ours: `startup_samples` cold starts, the last one kept)."""
    log = bench.workdir / f"{target.name}.log"
    samples = bench.plan.startup_samples if target.name == "ours" else 1
    startup_s: list[float] = []
    db = None
    for n in range(samples):
        port = free_port()
        env = {**target.env, "PORT": str(port)}
        if target.name == "ours":
            # a new file per start, also across rounds: no attempt inherits another's rows
            db = bench.workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
            env["DATABASE_URL"] = f"sqlite:///{db}"
        spawned = time.monotonic()
        proc = bench.procs.spawn(target.argv, env, log, cwd=bench.code)
        healthy = await wait_healthy(bench.http, f"http://127.0.0.1:{port}/healthz", proc)
        startup_s.append(round(healthy - spawned, 3))
        if n < samples - 1:  # the extra cold starts only time the start-up
            await bench.procs.stop(proc)
    await asyncio.sleep(1.0)  # let the worker and the pruner settle into idle
    idle_rss_mb = round(proc_memory_mb(proc.pid)["VmRSS"], 1)
    print(f"[{target.name}] started in {startup_s} s, idle RSS {idle_rss_mb} MiB")
    return Run(target, proc, f"http://127.0.0.1:{port}{target.path}", startup_s, idle_rss_mb, db)


def _sustained(level: Level, answers: bool) -> float | None:
    """Answered per second (servers that answer), else acknowledged per second."""
    if answers:
        return level.answers.answer_rate if level.answers else None
    return level.ack.ack_rate


async def measure(bench: Bench, target: Target) -> ServerResult:
    """Start-up, idle RSS, the steady level, the ramp, peak RSS, shutdown."""
    run = await start(bench, target)
    passing, stop_reason = await ramp(bench, run)
    totals = None
    if target.answers:
        totals = Totals(
            events_total=sum(lv.ack.sent for lv in run.levels),
            lost_total=sum(lv.lost for lv in run.levels),
            answered_twice_total=sum(lv.answered_twice for lv in run.levels),
            by_push_total=sum(lv.answers.by_push for lv in run.levels if lv.answers),
        )
    peak_rss_mb = round(proc_memory_mb(run.proc.pid)["VmHWM"], 1)
    exit_code = await bench.procs.stop(run.proc)
    log = bench.workdir / f"{target.name}.log"
    store_stats: dict[str, object] | None = None
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("BENCH_STORE_STATS "):
            store_stats = json.loads(line.partition(" ")[2])
    if store_stats is not None:
        print(f"[{target.name}] store: {store_stats}")
    return ServerResult(
        name=target.name,
        startup_s=run.startup_s,
        idle_rss_mb=run.idle_rss_mb,
        stop_reason=stop_reason,
        steady=run.levels[0],
        ramp=run.levels[1:],
        highest_passing_rate=round(passing.ack.target_rate) if passing else None,
        sustained_eps=_sustained(passing, target.answers) if passing else None,
        # The most it ever answered (or acknowledged) per second, failed levels included.
        peak_observed_eps=max(
            (_sustained(lv, target.answers) or 0 for lv in run.levels), default=None
        ),
        peak_rss_mb=peak_rss_mb,
        exit_code=exit_code,
        log_warnings=_log_levels(log),
        totals=totals,
        store=inspect_store(run.db) if run.db is not None else None,
        store_stats=store_stats,
    )


def _print_level(name: str, lv: Level) -> None:
    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f}"

    ack, answers = lv.ack, lv.answers
    line = (
        f"[{name}] {ack.target_rate:>5.0f}/s sent {ack.sent:>5} at {f(ack.achieved_rate)}/s"
        f"  ack p50 {f(ack.ack_p50_ms)} p99 {f(ack.ack_p99_ms)} max {f(ack.ack_max_ms)} ms"
    )
    if answers is not None:
        line += (
            f"  answered {answers.answered} (lost {answers.lost}, twice {answers.answered_twice})"
            f" e2e p50 {f(answers.e2e_p50_ms)} p99 {f(answers.e2e_p99_ms)} ms"
            f" answers/s {f(answers.answer_rate)}"
        )
    line += f"  cpu {lv.cpu_ms_per_event} ms/ev  cores {lv.cores}"
    print(line + ("" if lv.verdict is None else f"  FAIL: {lv.verdict}"), flush=True)


def inspect_store(path: Path) -> StoreCounts:
    """What our server's SQLite file says happened (read after the server stopped)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        inbox = dict(conn.execute("SELECT status, COUNT(*) FROM inbox GROUP BY status"))
        retried = conn.execute("SELECT COUNT(*) FROM inbox WHERE attempts > 1").fetchone()[0]
        outbox = {
            f"{s}/{m}": n
            for s, m, n in conn.execute(
                "SELECT status, method, COUNT(*) FROM outbox GROUP BY status, method"
            )
        }
    return StoreCounts(inbox, retried, outbox)


def _log_levels(log: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    if log.exists():
        for line in log.read_text(errors="replace").splitlines():
            found = re.search(r'"level": "(WARNING|ERROR|CRITICAL)"', line)
            key = found.group(1) if found else ("traceback" if "Traceback" in line else None)
            if key:
                counts[key] = counts.get(key, 0) + 1
    return counts


# --------------------------------------------------------------------------- main


def describe_run(args: argparse.Namespace, plan: Plan, code: str) -> Meta:
    """What the numbers are measured on, and how (the duration is filled in at the end)."""
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.partition(":")[2].strip()
            break
    mem = Path("/proc/meminfo").read_text().split()[1]
    return Meta(
        nproc=os.cpu_count(),
        cpu=cpu,
        mem_gib=round(int(mem) / 1024 / 1024, 1),
        os=platform.platform(terse=True),
        python=platform.python_version(),
        loadavg=" ".join(Path("/proc/loadavg").read_text().split()[:3]),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        command=" ".join([".venv/bin/python bench/webhook_load.py", *sys.argv[1:]]),
        mode="quick" if args.quick else "full",
        code=code,
        plan=plan,
    )


def targets_to_run(
    only: str | None, sink_url: str, code: Path, tuned: list[str] | None = None
) -> list[Target]:
    """Ours, the baseline and the floor, with their environments.

    `tuned` (KEY=VALUE items) runs ours through bench/serve_tuned.py with those variables added.
    """
    base_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(code),  # `bot` (and the baseline's FAQ) from the code under test
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "LINE_API_BASE": sink_url,
        "LOG_LEVEL": "WARNING",
    }
    py = sys.executable
    all_targets = [
        Target("ours", [py, "-m", "bot", "serve"], "/line/webhook", True, base_env),
        Target(
            "ours",
            [py, str(BENCH / "serve_tuned.py")],
            "/line/webhook",
            True,
            base_env | dict(item.split("=", 1) for item in tuned or ()),
        ),
        Target("baseline", [py, str(BENCH / "echo_baseline.py")], "/callback", True, base_env),
        Target("floor", [py, str(BENCH / "floor.py")], "/line/webhook", False, base_env),
    ]
    del all_targets[1 if tuned is None else 0]
    wanted = set(only.split(",")) if only else {t.name for t in all_targets}
    return [t for t in all_targets if t.name in wanted]


async def start_sink(
    procs: Processes, http: aiohttp.ClientSession, log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """bench/line_sink.py on a free port, once healthy: its process and base URL."""
    port = free_port()
    proc = procs.spawn(
        [sys.executable, str(BENCH / "line_sink.py"), "--port", str(port)],
        {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        log,
    )
    url = f"http://127.0.0.1:{port}"
    await wait_healthy(http, url + "/healthz", proc)
    return proc, url


async def run(args: argparse.Namespace) -> int:
    """The whole benchmark; returns the exit code."""
    plan = QUICK if args.quick else Plan()
    workdir = Path(tempfile.mkdtemp(prefix="webhook_load-"))
    code, described = snapshot(args.code, workdir / "code")
    factory = Factory(helpers(code), SECRET)
    meta = describe_run(args, plan, described)
    print(f"working folder {workdir}; machine {meta}", flush=True)
    started = time.monotonic()
    procs = Processes()
    servers: dict[str, ServerResult] = {}
    limits = aiohttp.ClientTimeout(total=LINE_TIMEOUT)
    try:
        async with aiohttp.ClientSession() as http:
            sink_proc, sink_url = await start_sink(procs, http, workdir / "sink.log")
            sink = SinkClient(http, sink_url)
            attempts: dict[str, list[ServerResult]] = {}
            targets = targets_to_run(args.only, sink_url, code, args.tuned)
            for round_no in range(plan.rounds):
                for target in targets:
                    if round_no and not target.answers:
                        continue  # the floor is only a reference: once is enough
                    # a fresh client pool per server: no connection to the last one is reused
                    connector = aiohttp.TCPConnector(limit=1000)
                    async with aiohttp.ClientSession(connector=connector, timeout=limits) as load:
                        bench = Bench(
                            plan, procs, http, load, sink, sink_proc.pid, factory, workdir, code
                        )
                        attempts.setdefault(target.name, []).append(await measure(bench, target))
            servers = {name: best_of(runs) for name, runs in attempts.items()}
            await procs.stop(sink_proc)
    finally:
        procs.kill_all()
    results = Results(replace(meta, duration_s=time.monotonic() - started), servers)
    (workdir / "results.json").write_text(json.dumps(results.to_json(), indent=1))
    report.print_report(servers)
    print(f"\nraw results and logs: {workdir}  ({results.meta.duration_s:.0f} s)")
    if not args.no_docs and args.tuned is None and (not args.quick or args.docs):
        report.write_docs(results)
        print(f"wrote {report.DOCS.relative_to(ROOT)} ({report.SECTION})")
    return 0


def main() -> int:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases (about half)")
    parser.add_argument(
        "--render",
        type=Path,
        metavar="RESULTS_JSON",
        help="no run: print the report of a saved results.json and write it to the docs",
    )
    parser.add_argument("--only", help="comma-separated subset of ours,baseline,floor")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--docs", action="store_true", help="write the docs even with --quick")
    parser.add_argument(
        "--code",
        default="HEAD",
        help="git revision to benchmark (default HEAD, unpacked to a temporary folder),"
        " or 'worktree' for the checkout as it is",
    )
    parser.add_argument(
        "--tuned",
        nargs="*",
        metavar="KEY=VALUE",
        help="diagnosis: run ours via bench/serve_tuned.py with these variables (no docs)",
    )
    args = parser.parse_args()
    if args.render:
        saved = report.read_results(args.render)
        report.print_report(saved.servers)
        if not args.no_docs:
            report.write_docs(saved)
            print(f"wrote {report.DOCS.relative_to(ROOT)} ({report.SECTION})")
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
