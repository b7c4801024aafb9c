"""Long fault runs: real `serve` processes on one PostgreSQL, the LINE stand-in, and a fault each.

    .venv/bin/python bench/faults.py redelivery  [--events 600] [--patients 60]
    .venv/bin/python bench/faults.py line-500    [--events 60]
    .venv/bin/python bench/faults.py db-cut      [--seconds 5]
    .venv/bin/python bench/faults.py db-stall    [--seconds 5]
    .venv/bin/python bench/faults.py db          (a cut, then a stall)
    .venv/bin/python bench/faults.py soak        [--minutes 30] [--rate 50] [--processes 1]

Common options: `--database postgresql://postgres@127.0.0.1:5432/test_soak` (default: the
variable `SOAK_DATABASE_URL`, else that URL; each run uses a fresh schema, dropped afterwards),
`--json FILE` (the result as JSON as well).

Everything runs on 127.0.0.1. This process hosts `tests/standins/line_api.py` (the LINE
stand-in: single-use reply tokens, push retry keys, `outage()`), starts `python -m bot serve`
processes (each with its own access token) and sends them signed webhooks built with
`tests/server/events.py`, open loop at a fixed rate, each patient's texts taken from a list of
ordinary FAQ questions (no triage hand-off, so any staff alert is a false one). A webhook that
gets no 200 (a 5xx, a timeout after LINE's 2 s, a refused connection) is sent again as LINE
redelivers it: the same `webhookEventId` and reply token, `isRedelivery: true`, to a random
process, after 1, 2, 4 ... s (at most 8 s apart) until it gets a 200.

Scenarios:

- `redelivery`: 3 processes, 600 events from 60 patients; 20% are also redelivered (same
  `webhookEventId`, `isRedelivery` true) to a random process 0.2-3 s after their 200.
- `line-500`: 3 processes, a 60-event burst at 10 ev/s; LINE answers 500 to every reply and
  push for 5 s from the burst's 2nd second.
- `db-cut`, `db-stall`, `db`: 3 processes reach PostgreSQL through a TCP proxy in this script.
  Events arrive at 10 ev/s for 25 s; from the 5th second the proxy is cut (every connection
  closed, new ones accepted and closed at once) and/or stalled (connections accepted, nothing
  forwarded either way) for `--seconds`. `/healthz` of every process is probed every 0.5 s (10 s timeout); the
  result counts webhook answers and `/healthz` answers per phase.
- `soak`: 1 or 2 processes at `--rate` ev/s for `--minutes`; RSS (VmRSS) and open file
  descriptors of each process are read from /proc every 10 s; the growth is the median of the
  last minute over the median of the first minute after a 2-minute warm-up (target < 5%).

Each run prints one `RESULT` line: sent, answered once, lost (no answer after the drain), answered
twice (more than one delivered reply or push per event), order violations (an event answered
before one of the same patient whose webhook had got its 200 before this one was first sent), false
staff alerts (log lines of the `serve` processes that alert staff), and answer latency p50/p99
(first webhook sent -> first delivery at LINE). Exit status 1 when any is lost, twice or out of
order. Every process it starts is stopped by its own pid.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
import asyncpg
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from load import ORDINARY_QUESTIONS, free_port, pct  # noqa: E402

from bot.pipeline.outbox import retry_key  # noqa: E402
from tests.server import events  # noqa: E402
from tests.server.conftest import SECRET  # noqa: E402
from tests.standins.db_proxy import DbProxy  # noqa: E402
from tests.standins.line_api import PUSH, REPLY, Forced, LineStandin  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/test_soak"
LINE_TIMEOUT = 2.0  # LINE gives a webhook 2 s
LEASE_S = 5
HEALTHZ_TIMEOUT = 10.0  # a load balancer's probe timeout; the store's own ping gives up first
ALERT = re.compile(r"staff alerted|ALERT|\"alert\": ?true|undelivered_past_deadline", re.I)


def with_schema(url: str, schema: str) -> str:
    """`url` with `?schema=` set (and any host/port replaced by the caller)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "schema"] + [("schema", schema)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def via_port(url: str, port: int) -> str:
    """`url` pointed at 127.0.0.1:`port` (the proxy)."""
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    netloc = (user + "@" if user else "") + f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


# --------------------------------------------------------------------------- LINE


@dataclass
class Answer:
    """One delivered reply or push, as LINE accepted it."""

    at: float
    event: str
    via: str
    process: str


class RecordingLine(LineStandin):
    """The stand-in, recording which event each delivered reply or push answered, and when."""

    answers: list[Answer]
    by_token: dict[str, str]
    by_key: dict[str, str]

    def setup(self) -> None:
        """Empty maps (a dataclass subclass without its own fields keeps the parent's init)."""
        self.answers, self.by_token, self.by_key = [], {}, {}

    def expect(self, event_id: str, token: str) -> None:
        """Map the event's reply token and its push retry keys back to it."""
        self.by_token[token] = event_id
        for seq in range(4):
            self.by_key[retry_key("line", event_id, seq)] = event_id

    async def _reply(self, request: web.Request) -> web.Response:
        response = await super()._reply(request)
        if response.status == 200:
            body = json.loads(await request.read())
            event = self.by_token.get(str(body.get("replyToken")), "?")
            self._record(event, "reply", request)
        return response

    async def _push(self, request: web.Request) -> web.Response:
        response = await super()._push(request)
        if response.status == 200:
            event = self.by_key.get(request.headers.get("X-Line-Retry-Key", ""), "?")
            self._record(event, "push", request)
        return response

    def _record(self, event: str, via: str, request: web.Request) -> None:
        auth = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.answers.append(Answer(time.monotonic(), event, via, auth))

    def trim(self) -> None:
        """Drop the stand-in's own request logs (a soak would hold every body)."""
        self.requests.clear()
        self.arrivals.clear()
        self.delivered.clear()


# --------------------------------------------------------------------------- processes


class Serve:
    """One `python -m bot serve` subprocess with its own access token and log."""

    def __init__(self, name: str, line_url: str, database_url: str, logdir: Path) -> None:
        self.name, self.token, self.port = name, f"token-{name}", free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("LINE_", "SLACK_", "DATABASE_", "WORKER_"))
        }
        env.update(
            LINE_CHANNEL_SECRET=SECRET,
            LINE_CHANNEL_ACCESS_TOKEN=self.token,
            LINE_API_BASE=line_url,
            DATABASE_URL=database_url,
            PORT=str(self.port),
            WORKER_LEASE_SECONDS=str(LEASE_S),
            RELOAD_SECONDS="0",
            LOG_LEVEL="WARNING",
        )
        self.log = logdir / f"{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    async def until_up(self, http: aiohttp.ClientSession, within: float = 60.0) -> None:
        """Poll /healthz until 200."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(self.url + "/healthz") as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start; see {self.log}")

    def stop(self) -> None:
        """SIGTERM, SIGKILL after 15 s; this process only."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def alerts(self) -> int:
        """Log lines that alert staff."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return sum(1 for line in text.splitlines() if ALERT.search(line))

    def sample(self) -> tuple[float, int]:
        """RSS in MiB and open file descriptors, from /proc."""
        rss = 0.0
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
        return rss, len(os.listdir(f"/proc/{self.process.pid}/fd"))


# --------------------------------------------------------------------------- the DB proxy


# --------------------------------------------------------------------------- load


@dataclass
class Event:
    """One patient message and what happened to its webhooks."""

    eid: str
    token: str
    user: str
    text: str
    first_sent: float = 0.0
    accepted_sent: float = 0.0  # start of the request that got the 200
    acked: float = 0.0  # when that 200 came back
    statuses: list[str] = field(default_factory=list)  # every webhook attempt's outcome

    def body(self, redelivery: bool) -> tuple[bytes, str]:
        """A signed LINE webhook body for this event."""
        ev = events.text(
            self.text, user=self.user, eid=self.eid, token=self.token, redelivery=redelivery
        )
        raw = events.body(ev)
        return raw, events.sign(SECRET, raw)


class Load:
    """Sends events to the processes, redelivering as LINE does until each got a 200."""

    def __init__(
        self, http: aiohttp.ClientSession, servers: list[Serve], line: RecordingLine, seed: int = 7
    ) -> None:
        self.http, self.servers, self.line = http, servers, line
        self.rng = random.Random(seed)
        self.events: list[Event] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.run = uuid.uuid4().hex[:8].upper()

    def users(self, count: int) -> list[str]:
        """Patient user ids."""
        return ["U" + uuid.uuid5(uuid.NAMESPACE_URL, f"{self.run}-{n}").hex for n in range(count)]

    def new(self, user: str) -> Event:
        """A fresh event for `user`, registered with the stand-in."""
        n = len(self.events)
        event = Event(
            f"01JFAULT{self.run}{n:010d}",
            uuid.uuid4().hex,
            user,
            self.rng.choice(ORDINARY_QUESTIONS),
        )
        self.line.expect(event.eid, event.token)
        self.line.issue(event.token)
        self.events.append(event)
        return event

    async def post(self, server: Serve, event: Event, redelivery: bool) -> str:
        """One webhook request; returns "200", "503", "timeout", "refused" ..."""
        raw, signature = event.body(redelivery)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Line-Signature": signature,
        }
        started = time.monotonic()
        if not event.first_sent:
            event.first_sent = started
        try:
            async with self.http.post(
                server.url + "/line/webhook",
                data=raw,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=LINE_TIMEOUT),
            ) as resp:
                await resp.read()
                outcome = str(resp.status)
        except TimeoutError:
            outcome = "timeout"
        except aiohttp.ClientError as exc:
            outcome = type(exc).__name__
        event.statuses.append(outcome)
        if outcome == "200" and not event.acked:
            event.accepted_sent, event.acked = started, time.monotonic()
        return outcome

    async def deliver(self, event: Event, server: Serve | None = None) -> None:
        """Send until a 200, as LINE redelivers a webhook that failed."""
        redelivery, backoff = False, 1.0
        for _ in range(60):
            target = server or self.rng.choice(self.servers)
            if await self.post(target, event, redelivery) == "200":
                return
            redelivery, server = True, None
            await asyncio.sleep(backoff)
            backoff = min(8.0, backoff * 2)

    def spawn(self, job: Awaitable[None]) -> None:
        """Run `job` in the background, kept until done."""
        task = asyncio.ensure_future(job)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def open_loop(
        self,
        count: int,
        rate: float,
        users: list[str],
        after: Callable[[Event], Awaitable[None]] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        """Event i at start + i/rate, to a random process, whatever earlier ones got."""
        start = time.monotonic() + 0.05
        for i in range(count):
            if stop is not None and stop():
                break
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            event = self.new(self.rng.choice(users))

            async def one(event: Event = event) -> None:
                await self.deliver(event, self.rng.choice(self.servers))
                if after is not None:
                    await after(event)

            self.spawn(one())

    async def settle(self, within: float) -> float:
        """Wait for the senders, then until every event is answered (or `within` s)."""
        started = time.monotonic()
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=within)
        while time.monotonic() - started < within:
            answered = {a.event for a in self.line.answers}
            if all(e.eid in answered for e in self.events):
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(3.0)  # anything late (a double) still shows
        return time.monotonic() - started


def tally(load: Load, servers: list[Serve]) -> dict[str, Any]:
    """The counts every scenario reports."""
    firsts: dict[str, float] = {}
    counts: dict[str, int] = {}
    pushes = 0
    for answer in load.line.answers:
        counts[answer.event] = counts.get(answer.event, 0) + 1
        firsts.setdefault(answer.event, answer.at)
        pushes += answer.via == "push"
    sent = len(load.events)
    once = sum(1 for e in load.events if counts.get(e.eid, 0) == 1)
    lost = sum(1 for e in load.events if counts.get(e.eid, 0) == 0)
    twice = sum(1 for e in load.events if counts.get(e.eid, 0) > 1)
    latencies = [(firsts[e.eid] - e.first_sent) * 1000 for e in load.events if e.eid in firsts]
    examples: list[dict[str, Any]] = []
    result: dict[str, Any] = {
        "sent": sent,
        "answered_once": once,
        "lost": lost,
        "answered_twice": twice,
        "order_violations": order_violations(load.events, firsts, examples),
        "false_staff_alerts": sum(s.alerts() for s in servers),
        "p50_ms": _round(pct(latencies, 50)),
        "p99_ms": _round(pct(latencies, 99)),
        "max_ms": _round(max(latencies, default=None)),
        "pushes": pushes,
        "unknown_answers": counts.get("?", 0),
        "webhook_attempts": _outcomes(load.events),
    }
    if examples:
        result["order_examples"] = examples
    return result


def _example(first: Event, later: Event, answered: dict[str, float]) -> dict[str, Any]:
    """One order violation, times relative to the first event's first webhook (ms)."""
    zero = first.first_sent

    def ms(t: float) -> float:
        return round((t - zero) * 1000, 1)

    return {
        name: {
            "eid": e.eid,
            "attempts": e.statuses,
            "first_sent": ms(e.first_sent),
            "accepted_sent": ms(e.accepted_sent),
            "acked": ms(e.acked),
            "answered": ms(answered[e.eid]),
        }
        for name, e in (("earlier", first), ("later", later))
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _outcomes(evs: list[Event]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in evs:
        for s in e.statuses:
            out[s] = out.get(s, 0) + 1
    return out


def order_violations(
    evs: list[Event], answered: dict[str, float], examples: list[dict[str, Any]] | None = None
) -> int:
    """Events answered before an earlier event of the same patient: one whose webhook had got
    its 200 before this event's first webhook was sent (up to 5 go to `examples`). Not the
    webhook that got the 200: one that timed out may still have stored the event."""
    by_user: dict[str, list[Event]] = {}
    for e in evs:
        if e.acked and e.eid in answered:
            by_user.setdefault(e.user, []).append(e)
    bad = 0
    for mine in by_user.values():
        acks = sorted(mine, key=lambda e: e.acked)
        latest, i, before = 0.0, 0, None
        for e in sorted(mine, key=lambda e: e.first_sent):
            while i < len(acks) and acks[i].acked < e.first_sent:
                if answered[acks[i].eid] > latest:
                    latest, before = answered[acks[i].eid], acks[i]
                i += 1
            if answered[e.eid] < latest:
                bad += 1
                if examples is not None and before is not None and len(examples) < 5:
                    examples.append(_example(before, e, answered))
    return bad


# --------------------------------------------------------------------------- scenarios


@dataclass
class Rig:
    """What a scenario runs against."""

    http: aiohttp.ClientSession
    line: RecordingLine
    servers: list[Serve]
    load: Load
    proxy: DbProxy | None


async def scenario_redelivery(rig: Rig, args: argparse.Namespace) -> dict[str, Any]:
    """20% of the events redelivered to a random process after their 200."""
    load = rig.load
    chosen = 0

    async def maybe_redeliver(event: Event) -> None:
        nonlocal chosen
        if load.rng.random() < args.share:
            chosen += 1
            await asyncio.sleep(load.rng.uniform(0.2, 3.0))
            await load.post(load.rng.choice(rig.servers), event, redelivery=True)

    await load.open_loop(args.events, args.rate, load.users(args.patients), maybe_redeliver)
    drained = await load.settle(120.0)
    return {"redelivered": chosen, "drain_s": round(drained, 1)}


async def scenario_line_500(rig: Rig, args: argparse.Namespace) -> dict[str, Any]:
    """LINE answers 500 to replies and pushes for 5 s in the middle of the burst."""
    load = rig.load

    async def outage() -> None:
        await asyncio.sleep(args.outage_at)
        for path in (REPLY, PUSH):
            rig.line.outage(path, args.seconds, Forced(status=500))

    load.spawn(outage())
    await load.open_loop(args.events, args.rate, load.users(args.patients))
    drained = await load.settle(150.0)
    refused = sum(1 for r in rig.line.requests if r.status == 500)
    return {"line_500s": refused, "drain_s": round(drained, 1)}


async def scenario_db(rig: Rig, args: argparse.Namespace, faults: list[str]) -> dict[str, Any]:
    """The proxy to PostgreSQL cut and/or stalled while events arrive."""
    load, proxy = rig.load, rig.proxy
    assert proxy is not None
    phase = "before"
    health: dict[str, dict[str, int]] = {}
    health_ms: dict[str, int] = {}  # the slowest /healthz answer per phase
    webhooks: dict[str, dict[str, int]] = {}
    done = False

    async def probe(server: Serve) -> None:
        at, began = phase, time.monotonic()  # counted in the phase the probe started in
        try:
            async with rig.http.get(
                server.url + "/healthz", timeout=aiohttp.ClientTimeout(total=HEALTHZ_TIMEOUT)
            ) as resp:
                outcome = str(resp.status)
        except TimeoutError:
            outcome = "timeout"
        except aiohttp.ClientError as exc:
            outcome = type(exc).__name__
        bucket = health.setdefault(at, {})
        bucket[outcome] = bucket.get(outcome, 0) + 1
        took = round((time.monotonic() - began) * 1000)
        health_ms[at] = max(health_ms.get(at, 0), took)

    async def watch() -> None:
        probes: set[asyncio.Task[None]] = set()
        while not done:
            for server in rig.servers:
                task = asyncio.ensure_future(probe(server))
                probes.add(task)
                task.add_done_callback(probes.discard)
            await asyncio.sleep(0.5)
        if probes:
            await asyncio.wait(set(probes))

    async def faults_in_turn() -> None:
        nonlocal phase
        await asyncio.sleep(args.fault_at)
        for fault in faults:
            phase = fault
            proxy.cut() if fault == "cut" else proxy.stall()
            await asyncio.sleep(args.seconds)
            proxy.heal()
            phase = f"after-{fault}"
            await asyncio.sleep(args.gap)

    original_post = load.post

    async def counted(server: Serve, event: Event, redelivery: bool) -> str:
        at = phase
        outcome = await original_post(server, event, redelivery)
        bucket = webhooks.setdefault(at, {})
        bucket[outcome] = bucket.get(outcome, 0) + 1
        return outcome

    load.post = counted  # type: ignore[method-assign]
    watcher = asyncio.ensure_future(watch())
    load.spawn(faults_in_turn())
    await load.open_loop(int(args.rate * args.duration), args.rate, load.users(args.patients))
    drained = await load.settle(180.0)
    done = True
    await watcher
    return {
        "webhooks_by_phase": webhooks,
        "healthz_by_phase": health,
        "healthz_max_ms_by_phase": health_ms,
        "drain_s": round(drained, 1),
    }


async def scenario_soak(rig: Rig, args: argparse.Namespace) -> dict[str, Any]:
    """Steady load for `--minutes`; RSS and fds sampled every 10 s."""
    load = rig.load
    samples: list[dict[str, Any]] = []
    started = time.monotonic()
    until = started + args.minutes * 60
    stopping = False

    async def sampler() -> None:
        while not stopping:
            row: dict[str, Any] = {"t": round(time.monotonic() - started, 1)}
            for server in rig.servers:
                rss, fds = server.sample()
                row[server.name] = {"rss_mb": round(rss, 1), "fds": fds}
            row["answered"] = len(rig.line.answers)
            samples.append(row)
            print(f"sample {json.dumps(row)}", flush=True)
            rig.line.trim()
            await asyncio.sleep(10.0)

    task = asyncio.ensure_future(sampler())
    count = int(args.rate * args.minutes * 60)
    await load.open_loop(
        count, args.rate, load.users(args.patients), stop=lambda: time.monotonic() > until
    )
    sent_for = time.monotonic() - started
    drained = await load.settle(120.0)
    stopping = True
    await task
    growth: dict[str, Any] = {}
    warm = args.warmup * 60
    for server in rig.servers:
        early = [s[server.name] for s in samples if warm <= s["t"] < warm + 60]
        late = [s[server.name] for s in samples if s["t"] >= samples[-1]["t"] - 60]
        if not early or not late or samples[-1]["t"] < warm + 120:
            growth[server.name] = "run too short for a growth figure"
            continue
        growth[server.name] = {
            key: {
                "after_warmup": statistics.median(e[key] for e in early),
                "end": statistics.median(e[key] for e in late),
                "growth_pct": round(
                    100
                    * (
                        statistics.median(e[key] for e in late)
                        / statistics.median(e[key] for e in early)
                        - 1
                    ),
                    1,
                ),
            }
            for key in ("rss_mb", "fds")
        }
    return {
        "minutes_sending": round(sent_for / 60, 2),
        "achieved_rate": round(len(load.events) / sent_for, 1),
        "growth": growth,
        "samples": samples,
        "drain_s": round(drained, 1),
    }


SCENARIOS: dict[str, tuple[int, Callable[[Rig, argparse.Namespace], Awaitable[dict[str, Any]]]]] = {
    "redelivery": (3, scenario_redelivery),
    "line-500": (3, scenario_line_500),
    "db-cut": (3, lambda rig, args: scenario_db(rig, args, ["cut"])),
    "db-stall": (3, lambda rig, args: scenario_db(rig, args, ["stall"])),
    "db": (3, lambda rig, args: scenario_db(rig, args, ["cut", "stall"])),
    "soak": (0, scenario_soak),
}


async def run(args: argparse.Namespace) -> int:
    """Set up, run one scenario, tally, tear down."""
    processes, scenario = SCENARIOS[args.scenario]
    processes = processes or args.processes
    logdir = Path(tempfile.mkdtemp(prefix=f"faults-{args.scenario}-"))
    schema = f"faults_{uuid.uuid4().hex[:10]}"
    proxy: DbProxy | None = None
    database = with_schema(args.database, schema)
    if args.scenario.startswith("db"):
        parts = urlsplit(args.database)
        proxy = DbProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
        await proxy.start()
        database = via_port(database, proxy.port)
    line = RecordingLine(tokens={f"token-p{n}" for n in range(processes)})
    line.setup()
    await line.start()
    servers: list[Serve] = []
    started = datetime.now(UTC)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000)) as http:
            servers = [Serve(f"p{n}", line.base_url, database, logdir) for n in range(processes)]
            for server in servers:
                await server.until_up(http)
            load = Load(http, servers, line)
            rig = Rig(http, line, servers, load, proxy)
            extra = await scenario(rig, args)
            result = tally(load, servers)
    finally:
        for server in servers:
            server.stop()
        await line.close()
        if proxy is not None:
            await proxy.close()
        conn = await asyncpg.connect(args.database)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()
    result |= {k: v for k, v in extra.items() if k != "samples"}
    head = " ".join(
        f"{k}={result[k]}"
        for k in (
            "sent",
            "answered_once",
            "lost",
            "answered_twice",
            "order_violations",
            "false_staff_alerts",
            "p50_ms",
            "p99_ms",
        )
    )
    print(f"RESULT {args.scenario} processes={processes} {head}")
    print(json.dumps({k: v for k, v in result.items() if k not in ("sent",)}, ensure_ascii=False))
    print(f"logs: {logdir}")
    if args.json:
        meta = {
            "scenario": args.scenario,
            "date": started.strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": os.cpu_count(),
            "processes": processes,
            "argv": sys.argv[1:],
        }
        text = json.dumps({"meta": meta, "result": result, "extra": extra}, indent=1)
        await asyncio.to_thread(Path(args.json).write_text, text)
    bad = result["lost"] or result["answered_twice"] or result["order_violations"]
    return 1 if bad else 0


def main() -> int:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument(
        "--database", default=os.environ.get("SOAK_DATABASE_URL", DEFAULT_DB), help="PostgreSQL"
    )
    parser.add_argument("--events", type=int, default=None, help="events to send")
    parser.add_argument("--patients", type=int, default=60)
    parser.add_argument("--rate", type=float, default=None, help="events per second")
    parser.add_argument("--share", type=float, default=0.2, help="redelivery: share redelivered")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each fault")
    parser.add_argument("--outage-at", type=float, default=2.0, help="line-500: start (s)")
    parser.add_argument("--fault-at", type=float, default=5.0, help="db-*: first fault (s)")
    parser.add_argument("--gap", type=float, default=5.0, help="db: seconds between faults")
    parser.add_argument("--duration", type=float, default=25.0, help="db-*: seconds of load")
    parser.add_argument("--minutes", type=float, default=30.0, help="soak: minutes of load")
    parser.add_argument("--warmup", type=float, default=2.0, help="soak: warm-up minutes")
    parser.add_argument("--processes", type=int, default=1, choices=(1, 2), help="soak")
    parser.add_argument("--json", help="write the result here as JSON as well")
    args = parser.parse_args()
    defaults = {
        "redelivery": (600, 40.0),
        "line-500": (60, 10.0),
        "soak": (0, 50.0),
    }.get(args.scenario, (0, 10.0))
    args.events = args.events if args.events is not None else defaults[0]
    args.rate = args.rate if args.rate is not None else defaults[1]
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
