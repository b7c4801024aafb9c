"""`kill -9` of a real `serve` process while its answer is on the wire: answered once, in order.

Two `python -m bot serve` processes share one store (a SQLite file, or PostgreSQL) and the
stand-in LINE, each with its own access token so the stand-in tells which one sent a request.
The process holding the reply (or push) is killed while LINE holds the answer back. Measured
before: after the 60 s lease the reply token had expired, the 400 was read as "already
delivered" and the answer dropped (2-5 lost a run). Now the lease (5 s here, 10 s by default)
is renewed on a heartbeat, the other process takes the event over while the token is fresh,
and the patient is answered exactly once, well within 15 s.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.faults.conftest import Rows
from tests.server import events
from tests.server.conftest import SECRET
from tests.standins.line_api import PUSH, REPLY, Forced, LineStandin

ROOT = Path(__file__).resolve().parents[2]
TOKENS = ("token-process-a", "token-process-b")
LEASE_S = 5
HOLD_S = 8.0  # LINE holds the killed process's request this long


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Serve:
    """One `serve` subprocess."""

    def __init__(self, token: str, line_url: str, database_url: str, log: Path) -> None:
        self.token, self.port = token, _free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("LINE_", "SLACK_", "DATABASE_", "WORKER_"))
        }
        env.update(
            LINE_CHANNEL_SECRET=SECRET,
            LINE_CHANNEL_ACCESS_TOKEN=token,
            LINE_API_BASE=line_url,
            DATABASE_URL=database_url,
            PORT=str(self.port),
            WORKER_LEASE_SECONDS=str(LEASE_S),
            RELOAD_SECONDS="0",
        )
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


@pytest.fixture(name="pair")
async def _pair(
    database: tuple[str, Rows], tmp_path: Path
) -> AsyncIterator[tuple[LineStandin, list[Serve]]]:
    url, _ = database
    line = LineStandin(tokens=set(TOKENS))
    await line.start()
    servers = [Serve(t, line.base_url, url, tmp_path / f"{t}.log") for t in TOKENS]
    try:
        async with aiohttp.ClientSession() as http:
            for server in servers:
                await _until_up(http, server)
        yield line, servers
    finally:
        for server in servers:
            server.stop()
        await line.close()


async def _until_up(http: aiohttp.ClientSession, server: Serve, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            async with http.get(server.url + "/healthz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"serve did not start: {server.log.name}")


async def _post(server: Serve, *evs: dict[str, object]) -> None:
    raw = events.body(*evs)
    headers = {"Content-Type": "application/json", "X-Line-Signature": events.sign(SECRET, raw)}
    async with (
        aiohttp.ClientSession() as http,
        http.post(server.url + "/line/webhook", data=raw, headers=headers) as resp,
    ):
        assert resp.status == 200


async def _holder(line: LineStandin, path: str, within: float = 10.0) -> str:
    """The access token of the first request to `path` (which process sent it)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for arrived, auth in line.arrivals:
            if arrived == path:
                return auth.removeprefix("Bearer ")
        await asyncio.sleep(0.05)
    raise AssertionError(f"no request to {path}")


async def _until(check: object, within: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if check():  # type: ignore[operator]
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError("not answered in time")


@pytest.mark.parametrize("held", ["delivered", "not-delivered"])
async def test_kill_mid_reply_answers_once_within_15_s(
    pair: tuple[LineStandin, list[Serve]], held: str
) -> None:
    """The reply is in flight (LINE delivered it and holds the 200, or holds the request
    unprocessed) when its process is killed; the other process answers it, and the patient's
    next message after it, each once, with the same token (no push)."""
    line, servers = pair
    hold = Forced(delay=HOLD_S) if held == "delivered" else Forced(before=HOLD_S)
    line.script(REPLY, hold)
    first, second = events.text("費用はいくらですか"), events.text("副作用はありますか")
    for ev in (first, second):
        line.issue(str(ev["replyToken"]))
    await _post(servers[0], first)
    holder = await _holder(line, REPLY)
    victim = next(s for s in servers if s.token == holder)
    await _post(servers[0] if victim is servers[1] else servers[1], second)
    victim.kill()
    tokens = (first["replyToken"], second["replyToken"])

    def answered() -> bool:
        return {d.to for d in line.delivered} >= set(tokens)

    took = await _until(answered, 15.0)
    await asyncio.sleep(HOLD_S)  # the held request ends: still nothing twice
    delivered = [d.to for d in line.delivered]
    assert delivered.count(tokens[0]) == 1
    assert delivered.count(tokens[1]) == 1
    assert delivered.index(tokens[0]) < delivered.index(tokens[1])  # order kept
    assert line.calls(PUSH) == []
    assert took < 15.0


async def test_kill_mid_push_answers_once_within_15_s(
    pair: tuple[LineStandin, list[Serve]],
) -> None:
    """A push (redelivered event: no reply token) delivered but unanswered when its process
    dies is pushed again with the same retry key: LINE's 409, nothing twice."""
    line, servers = pair
    line.script(PUSH, Forced(delay=HOLD_S))
    ev = events.text("費用はいくらですか", redelivery=True)
    await _post(servers[0], ev)
    holder = await _holder(line, PUSH)
    victim = next(s for s in servers if s.token == holder)
    victim.kill()
    pushes = line.calls

    def settled() -> bool:
        return any(r.status == 409 for r in pushes(PUSH))

    took = await _until(settled, 15.0)
    keys = {r.headers["X-Line-Retry-Key"] for r in pushes(PUSH)}
    assert len(keys) == 1
    assert len([d for d in line.delivered if d.via == "push"]) == 1
    assert took < 15.0
