"""The real app on a loopback port, its LINE calls going to the stand-in LINE API."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import RUNTIME, create_app
from bot.core.knowledge import Knowledge
from bot.settings import Settings
from tests.server import events
from tests.standins.line_api import LineStandin

SECRET = "test-channel-secret"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Bot:
    """A running server plus what a test needs to talk to it and inspect it."""

    url: str
    app: web.Application
    http: aiohttp.ClientSession
    line: LineStandin

    async def post(
        self, raw: bytes, *, signature: str | None = None, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        """POST a webhook body, signed correctly unless `signature` says otherwise."""
        sent = {
            "Content-Type": "application/json",
            "X-Line-Signature": events.sign(SECRET, raw) if signature is None else signature,
        }
        sent.update(headers or {})
        async with self.http.post(self.url + "/line/webhook", data=raw, headers=sent) as resp:
            await resp.read()
            return resp

    async def send(self, *evs: dict[str, Any]) -> int:
        """Deliver events in one signed webhook and return the status."""
        return (await self.post(events.body(*evs))).status

    async def settle(self) -> None:
        """Wait until every stored event has been handled."""
        worker = self.app[RUNTIME].worker
        assert worker is not None
        await worker.drain()

    @property
    def store(self) -> Any:
        return self.app[RUNTIME].store


def settings_for(line_url: str, database_url: str) -> Settings:
    env = {
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "test-token",
        "LINE_API_BASE": line_url,
        "DATABASE_URL": database_url,
    }
    return Settings.from_env(env, faq_dir=ROOT / "faq")


StartBot = Callable[..., Any]


@pytest.fixture(name="start_bot")
async def _start_bot(
    line_standin: LineStandin, knowledge: Knowledge, tmp_path: Path
) -> AsyncIterator[StartBot]:
    servers: list[TestServer] = []
    http = aiohttp.ClientSession()

    async def start(database_url: str | None = None, line_url: str | None = None) -> Bot:
        url = database_url or f"sqlite:///{tmp_path / 'bot.db'}"
        settings = settings_for(line_url or line_standin.base_url, url)
        app = create_app(settings, knowledge=knowledge)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return Bot(str(server.make_url("")).rstrip("/"), app, http, line_standin)

    yield start
    for server in servers:
        await server.close()
    await http.close()


@pytest.fixture(name="bot")
async def _bot(start_bot: StartBot) -> Bot:
    return await start_bot()
