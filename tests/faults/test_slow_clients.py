"""Idle and slow clients are dropped within the configured times; normal keep-alive still works.

The server runs as `serve` runs it (`bot.app.runner_options` on an AppRunner), with both limits
at 1 s. Fifty connections misbehave at once: some never send a byte, some send a request head a
byte at a time (slowloris), some send a head and then a body a byte at a time, some go quiet
after a complete request. Each must be closed by the server within its limit (plus scheduling
slack), while an ordinary client is still served.
"""

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.app import LINGER_S, create_app, runner_options
from bot.core.knowledge import Knowledge
from tests.server.conftest import settings_for
from tests.standins.line_api import LineStandin

LIMIT_S = 1  # HTTP_KEEPALIVE_TIMEOUT and HTTP_BODY_TIMEOUT in these tests
SLACK_S = 1.0  # event-loop scheduling on a busy CI machine
DRIP_S = 0.2  # a slow client's pace: one byte this often
HEAD = b"POST /line/webhook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"


@dataclass
class Served:
    port: int
    url: str


@pytest.fixture(name="served")
async def _served(
    line_standin: LineStandin, knowledge: Knowledge, tmp_path: Path
) -> AsyncIterator[Served]:
    settings = settings_for(
        line_standin.base_url,
        f"sqlite:///{tmp_path / 'bot.db'}",
        HTTP_KEEPALIVE_TIMEOUT=str(LIMIT_S),
        HTTP_BODY_TIMEOUT=str(LIMIT_S),
    )
    runner = web.AppRunner(create_app(settings, knowledge=knowledge), **runner_options(settings))
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    await web.SockSite(runner, sock).start()
    yield Served(port, f"http://127.0.0.1:{port}")
    await runner.cleanup()


async def _closed_after(port: int, opening: bytes, drip: bytes) -> tuple[float, bytes]:
    """Connect, send `opening`, then `drip` a byte at a time until the server closes; returns
    how long that took and what the server said."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    said = b""
    try:
        if opening:
            writer.write(opening)
        for byte in [drip[i : i + 1] for i in range(len(drip))] or [b""]:
            try:
                chunk = await asyncio.wait_for(reader.read(4096), DRIP_S)
            except TimeoutError:
                if byte:
                    writer.write(byte)
                continue
            said += chunk
            if not chunk:
                break
        while chunk := await asyncio.wait_for(reader.read(4096), 10):  # the rest, until EOF
            said += chunk
    except (ConnectionError, TimeoutError):
        pass
    finally:
        elapsed = time.monotonic() - started
        writer.close()
    return elapsed, said


async def test_fifty_idle_and_slow_connections_are_closed_in_time(served: Served) -> None:
    """Idle, dribbled heads, dribbled bodies and quiet keep-alive connections: all closed by
    the server within their limit, slow bodies with a 408; meanwhile /healthz answers."""
    body_head = HEAD + b"Content-Length: 4096\r\n\r\n{"
    after_request = b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n"
    clients = (
        [_closed_after(served.port, b"", b"") for _ in range(15)]  # connect, say nothing
        + [_closed_after(served.port, b"POST /line", b"x" * 200) for _ in range(15)]
        + [_closed_after(served.port, body_head, b" " * 200) for _ in range(15)]
        + [_closed_after(served.port, after_request, b"") for _ in range(5)]
    )
    closing = asyncio.gather(*clients)
    await asyncio.sleep(0.3)
    async with aiohttp.ClientSession() as http, http.get(served.url + "/healthz") as resp:
        healthy = resp.status
    results = await closing

    idle, heads, bodies, quiet = results[:15], results[15:30], results[30:45], results[45:]
    assert len(results) == 50 and healthy == 200
    for elapsed, said in idle + heads:
        assert elapsed < LIMIT_S + SLACK_S and said == b""
    for elapsed, said in bodies:
        assert elapsed < LIMIT_S + LINGER_S + SLACK_S
        assert said.startswith(b"HTTP/1.1 408")
    for elapsed, said in quiet:
        assert elapsed < LIMIT_S + SLACK_S and said.startswith(b"HTTP/1.1 200")


async def test_a_kept_alive_connection_serves_requests_until_it_idles_out(served: Served) -> None:
    """An ordinary client (a proxy's pooled connection) sends request after request on one
    connection, each within the limit of the last answer; the timer is per idle spell."""
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as http:
        for _ in range(4):
            async with http.get(served.url + "/healthz") as resp:
                assert resp.status == 200
                await resp.read()
            await asyncio.sleep(LIMIT_S * 0.6)  # 2.4 s in all: longer than one limit
        assert len(connector._conns) == 1  # one connection, reused throughout
