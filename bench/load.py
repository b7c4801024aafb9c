"""The load generator: signed LINE webhooks sent open loop, and what came back, as dataclasses.

Used by `bench/webhook_load.py` (the benchmark) and `bench/profile_ours.py`; `free_port` and
`pct` also by `bench/faults.py`. Nothing here starts a server or knows about a scenario:

- `Factory` builds webhook bodies shaped like LINE's (one text event each, a unique
  `webhookEventId` and reply token, one of `PATIENTS` patients, real patient questions from
  `tests/eval/*.tsv`), signed with the channel secret, with the builders of the code under test;
- `fire` sends them open loop: request i goes out at start + i/rate whatever the responses;
- `ack_stats` summarises the acknowledgements, `answer_stats` what `bench/line_sink.py`
  recorded (end-to-end latency, exactly once), read through `SinkClient`.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import random
import socket
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import aiohttp

PATIENTS = 50
LINE_TIMEOUT = 2.0  # LINE counts a request_timeout after 2 s (platform notes 1.2)


# Ordinary FAQ questions, answered by the bot without a hand-off: what the fault runs and the
# leak probe send, so that any staff alert is a false one.
ORDINARY_QUESTIONS = (
    "費用はいくらですか",
    "副作用はありますか",
    "ダウンタイムはありますか",
    "予約の方法を教えてください",
    "how much does it cost",
    "is there downtime",
    "what are exosomes",
)


def free_port() -> int:
    """A free loopback port (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class Helpers:
    """What the generator borrows from the code under test: body builders and retry keys."""

    events: ModuleType  # tests/server/events.py: text(), body(), sign()
    retry_key: Callable[[str, int], str]  # (event_id, seq) -> the push X-Line-Retry-Key
    texts: list[str]


def helpers(code: Path) -> Helpers:
    """Import the builders from `code` (before anything else imported `bot`)."""
    sys.path.insert(0, str(code))
    events = importlib.import_module("tests.server.events")
    for module in (
        "bot.pipeline.outbox",
        "bot.outbox",
        "bot.conversation",
    ):  # where retry_key lives moved over time
        # (checked on disk: the editable install would find a missing module in the checkout)
        if not (code / (module.replace(".", "/") + ".py")).exists():
            continue
        found = getattr(importlib.import_module(module), "retry_key", None)
        if found is None:
            continue
        if next(iter(inspect.signature(found).parameters)) == "source":
            return Helpers(events, functools.partial(found, "line"), load_texts(code))
        return Helpers(events, found, load_texts(code))
    msg = f"no retry_key in {code}/bot"
    raise RuntimeError(msg)


def load_texts(code: Path) -> list[str]:
    """Real patient questions (Japanese and English) from the evaluation sets."""
    texts = []
    for name in ("messages.tsv", "holdout.tsv"):
        for line in (code / "tests" / "eval" / name).read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) >= 3 and parts[2].strip():
                texts.append(parts[2].strip())
    return texts


@dataclass
class Shot:
    """One webhook request: what was sent, when, and how it was answered."""

    event_id: str
    token: str
    key: str  # the push retry key our bot derives for this event
    raw: bytes
    signature: str
    scheduled: float = 0.0
    t0: float = 0.0  # monotonic, just before the request
    t1: float = 0.0  # monotonic, response read
    status: int = 0
    error: str | None = None


class Factory:
    """Builds signed webhook bodies shaped like LINE's (via tests/server/events.py)."""

    def __init__(self, helpers: Helpers, secret: str, seed: int = 7) -> None:
        self._rng = random.Random(seed)
        self._h = helpers
        self._secret = secret
        self._users = [
            "U" + uuid.uuid5(uuid.NAMESPACE_URL, f"bench-patient-{n}").hex for n in range(PATIENTS)
        ]
        self._run = uuid.uuid4().hex[:6].upper()
        self._seq = 0

    def shots(self, count: int, rate: float) -> list[Shot]:
        """`count` fresh events, their `timestamp` spread as they will be sent."""
        start_ms = time.time() * 1000
        built = []
        for i in range(count):
            self._seq += 1
            eid = f"01JBENCH{self._run}{self._seq:012d}"
            token = uuid.uuid4().hex
            event = self._h.events.text(
                self._rng.choice(self._h.texts),
                user=self._rng.choice(self._users),
                eid=eid,
                token=token,
            )
            event["timestamp"] = int(start_ms + 1000 * i / rate)
            raw = self._h.events.body(event)
            key = self._h.retry_key(eid, 0)
            built.append(Shot(eid, token, key, raw, self._h.events.sign(self._secret, raw)))
        return built


# --------------------------------------------------------------------------- sending


async def post(http: aiohttp.ClientSession, url: str, shot: Shot) -> None:
    """Send one shot as LINE would, recording its times and outcome on it."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "LineBotWebhook/2.0",
        "X-Line-Signature": shot.signature,
    }
    shot.t0 = time.monotonic()
    try:
        async with http.post(url, data=shot.raw, headers=headers) as resp:
            await resp.read()
            shot.status = resp.status
    except TimeoutError:
        shot.error = "timeout"
    except aiohttp.ClientError as exc:
        shot.error = type(exc).__name__
    shot.t1 = time.monotonic()


async def fire(http: aiohttp.ClientSession, url: str, shots: list[Shot], rate: float) -> None:
    """Open loop: request i goes out at start + i/rate, whether or not earlier ones returned."""
    running: set[asyncio.Task[None]] = set()
    start = time.monotonic() + 0.05
    for i, shot in enumerate(shots):
        shot.scheduled = start + i / rate
        delay = shot.scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(post(http, url, shot))
        running.add(task)
        task.add_done_callback(running.discard)
    if running:  # every request has the client timeout; this bound is a second guard
        await asyncio.wait(running, timeout=LINE_TIMEOUT + 5)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class AckStats:
    """Ack latency and errors of one batch of shots, as the load generator saw them."""

    target_rate: float
    sent: int
    achieved_rate: float | None  # requests per second actually sent
    ack_p50_ms: float | None
    ack_p99_ms: float | None
    ack_max_ms: float | None
    ok: int  # answered 200
    errors: dict[str, int]  # "timeout", "http_503", a client error's class name -> count
    generator_lag_p99_ms: float | None  # how late the generator sent against its schedule
    ack_rate: float  # 200s per second, first send to last response


def ack_stats(shots: list[Shot], rate: float) -> AckStats:
    """Summarise the acknowledgements of `shots`, sent at `rate`."""
    answered = [s for s in shots if s.error is None]
    latencies = [(s.t1 - s.t0) * 1000 for s in answered]
    lags = [(s.t0 - s.scheduled) * 1000 for s in shots]
    span = max(s.t0 for s in shots) - min(s.t0 for s in shots)
    non200 = sum(1 for s in answered if s.status != 200)
    errors: dict[str, int] = {}
    for s in shots:
        if s.error is not None or s.status != 200:
            reason = s.error or f"http_{s.status}"
            errors[reason] = errors.get(reason, 0) + 1
    return AckStats(
        target_rate=rate,
        sent=len(shots),
        achieved_rate=round((len(shots) - 1) / span, 1) if span > 0 else None,
        ack_p50_ms=pct(latencies, 50),
        ack_p99_ms=pct(latencies, 99),
        ack_max_ms=max(latencies, default=None),
        ok=len(answered) - non200,
        errors=errors,
        generator_lag_p99_ms=pct(lags, 99),
        ack_rate=round((len(answered) - non200) / (max(s.t1 for s in shots) - shots[0].t0), 1),
    )


@dataclass(frozen=True)
class SinkStats:
    """What bench/line_sink.py received; the times only when asked for in full."""

    replies: int
    pushes: int
    rejected_replies: int
    push_conflicts: int
    bad_requests: int
    loading: int
    profiles: int
    # reply token / push retry key -> [monotonic, wall] of every accepted answer
    reply_times: dict[str, list[list[float]]] = field(default_factory=dict)
    push_times: dict[str, list[list[float]]] = field(default_factory=dict)


class SinkClient:
    """Talks to bench/line_sink.py."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base

    async def stats(self, *, full: bool = False) -> SinkStats:
        """Totals, or with `full` every answer's times."""
        url = f"{self.base}/_stats" + ("?full=1" if full else "")
        async with self.http.get(url, timeout=aiohttp.ClientTimeout(total=30)) as resp:
            return SinkStats(**await resp.json())

    async def reset(self) -> None:
        """Forget everything received."""
        async with self.http.post(f"{self.base}/_reset") as resp:
            await resp.read()

    async def wait_answers(self, expected: int, deadline: float) -> bool:
        """Poll every 0.2 s until `expected` answers arrived or `deadline` (monotonic) passed."""
        while True:
            st = await self.stats()
            if st.replies + st.pushes >= expected:
                await asyncio.sleep(0.3)  # room for a late duplicate to show up
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.2)


@dataclass(frozen=True)
class AnswerStats:
    """Exactly once and end-to-end latency (webhook sent -> answer at the sink) of a batch."""

    answered: int
    lost: int
    answered_twice: int
    by_push: int
    rejected_replies: int
    push_conflicts: int
    bad_requests: int
    loading_calls: int
    stray: int  # answers to tokens or keys this batch never sent
    e2e_p50_ms: float | None
    e2e_p99_ms: float | None
    e2e_max_ms: float | None
    answer_rate: float | None  # answered / (last first-answer - first send)


def answer_stats(shots: list[Shot], record: SinkStats) -> AnswerStats:
    """Match every shot to its answers in the sink's full record."""
    replies, pushes = record.reply_times, record.push_times
    lost = twice = by_push = 0
    e2e: list[float] = []
    first_answers: list[float] = []
    for shot in shots:
        times = replies.get(shot.token, []) + pushes.get(shot.key, [])
        if not times:
            lost += 1
            continue
        if len(times) > 1:
            twice += 1
        if shot.key in pushes:
            by_push += 1
        first = min(t[0] for t in times)
        first_answers.append(first)
        e2e.append((first - shot.t0) * 1000)
    tokens = {s.token for s in shots}
    keys = {s.key for s in shots}
    stray = sum(1 for t in replies if t not in tokens) + sum(1 for k in pushes if k not in keys)
    start = min(s.t0 for s in shots)
    answered = len(shots) - lost
    span = max(first_answers) - start if first_answers else 0.0
    return AnswerStats(
        answered=answered,
        lost=lost,
        answered_twice=twice,
        by_push=by_push,
        rejected_replies=record.rejected_replies,
        push_conflicts=record.push_conflicts,
        bad_requests=record.bad_requests,
        loading_calls=record.loading,
        stray=stray,
        e2e_p50_ms=pct(e2e, 50),
        e2e_p99_ms=pct(e2e, 99),
        e2e_max_ms=max(e2e, default=None),
        answer_rate=round(answered / span, 1) if span > 0 else None,
    )
