"""The real app on a loopback port, its LINE calls going to the stand-in LINE API."""

import time
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
from bot.store import Clock, utc_now
from tests.server import events
from tests.standins import slack_requests
from tests.standins.line_api import LineStandin
from tests.standins.slack_api import BOT_TOKEN
from tests.standins.slack_requests import SIGNING_SECRET, STAFF_CHANNEL

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

    async def slack(
        self,
        raw: bytes,
        *,
        at: int | None = None,
        retry: int | None = None,
        secret: str = SIGNING_SECRET,
    ) -> aiohttp.ClientResponse:
        """POST a signed request to /slack/events, as Slack would."""
        headers = slack_requests.sign(
            secret, raw, at if at is not None else int(time.time()), retry_num=retry
        )
        async with self.http.post(self.url + "/slack/events", data=raw, headers=headers) as resp:
            resp.body_text = await resp.text()  # type: ignore[attr-defined]
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


def settings_for(line_url: str, database_url: str, **extra: str) -> Settings:
    env = {
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "test-token",
        "LINE_API_BASE": line_url,
        "DATABASE_URL": database_url,
        **extra,
    }
    return Settings.from_env(env, faq_dir=ROOT / "faq")


def slack_env(base_url: str) -> dict[str, str]:
    """Settings that point the app's Slack side at the stand-in Slack API."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_STAFF_CHANNEL": STAFF_CHANNEL,
        "SLACK_API_BASE": base_url,
    }


StartBot = Callable[..., Any]


@pytest.fixture(name="start_bot")
async def _start_bot(
    line_standin: LineStandin, knowledge: Knowledge, tmp_path: Path
) -> AsyncIterator[StartBot]:
    servers: list[TestServer] = []
    http = aiohttp.ClientSession()

    async def start(
        database_url: str | None = None,
        line_url: str | None = None,
        clock: Clock | None = None,
        **env: str,
    ) -> Bot:
        url = database_url or f"sqlite:///{tmp_path / 'bot.db'}"
        settings = settings_for(line_url or line_standin.base_url, url, **env)
        app = create_app(settings, knowledge=knowledge, clock=clock or utc_now)
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
