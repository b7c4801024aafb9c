"""Pytest fixtures for LINE (the in-process stand-in, an SDK client, Prism) and the Slack stand-in.

Import these names into a conftest (`from tests.standins.fixtures import line_api, ...`).
The SDK client is built inside the running loop and closed afterwards, because aiohttp's connector
needs a running loop and an unclosed session warns (platform notes 1.10).
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

import pytest
from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration

from tests.standins.line_api import LineStandin
from tests.standins.slack_api import BOT_TOKEN, SlackStandin

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / ".bin" / "prism"
MESSAGING_SPEC = ROOT / "tests" / "contracts" / "line" / "messaging-api.yml"
PRISM_START_TIMEOUT = 30.0
TEST_TOKEN = "test-token"


@pytest.fixture(name="line_standin")
async def _line_standin() -> AsyncIterator[LineStandin]:
    """A started LINE stand-in; its `base_url` has no trailing slash."""
    standin = LineStandin(token=TEST_TOKEN)
    await standin.start()
    yield standin
    await standin.close()


@pytest.fixture(name="line_api")
async def _line_api(line_standin: LineStandin) -> AsyncIterator[AsyncMessagingApi]:
    """The real async SDK client, talking to the stand-in over loopback."""
    async with client_for(line_standin.base_url) as api:
        yield api


@asynccontextmanager
async def client_for(host: str, token: str = TEST_TOKEN) -> AsyncIterator[AsyncMessagingApi]:
    """An `AsyncMessagingApi` for `host` (no trailing slash), closed on exit."""
    client = AsyncApiClient(Configuration(access_token=token, host=host))
    try:
        yield AsyncMessagingApi(client)
    finally:
        await client.close()


@pytest.fixture(name="prism", scope="session")
def _prism() -> Iterator[str]:
    """Prism serving LINE's `messaging-api.yml` with --errors; yields the base URL."""
    if not PRISM.exists() or shutil.which("node") is None:
        reason = f"{PRISM.relative_to(ROOT)} (or node) missing: run `npm install` in {ROOT}"
        if os.environ.get("CI"):
            pytest.fail(f"Prism is required in CI: {reason}")
        pytest.skip(reason)
    port = _free_port()
    with tempfile.TemporaryFile() as log:
        # A log file, not a pipe: Prism logs every request and would block on a full pipe.
        process = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), "--errors", MESSAGING_SPEC],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_port(process, port, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _free_port() -> int:
    """Ask the OS for a free loopback port (Prism needs a number up front)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(process: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
    """Block until Prism accepts connections; fail with its output if it dies or takes too long."""
    deadline = time.monotonic() + PRISM_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Prism exited with {process.returncode}:\n{_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    process.terminate()
    pytest.fail(f"Prism did not listen within {PRISM_START_TIMEOUT:.0f} s:\n{_tail(log)}")


def _tail(log: IO[bytes], size: int = 4000) -> str:
    """The end of Prism's output, for failure messages."""
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-size:]


@pytest.fixture(name="slack_standin")
async def _slack_standin() -> AsyncIterator[SlackStandin]:
    """A started Slack Web API stand-in accepting `BOT_TOKEN`; its `base_url` ends in `/api/`."""
    standin = SlackStandin(token=BOT_TOKEN)
    await standin.start()
    yield standin
    await standin.close()
