"""The database goes away under a running server (PostgreSQL behind a TCP proxy that is cut).

Measured before: every webhook during a cut got a 500 and aiohttp logged the store's exception
with its traceback at ERROR, one per request (bench/faults.py `db-cut`, 110 of them).
"""

import json
import logging
import os
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import pytest

from tests.server import events
from tests.server.conftest import Bot, StartBot, slack_env
from tests.standins import slack_requests
from tests.standins.db_proxy import DbProxy
from tests.standins.slack_api import SlackStandin
from tests.store import peek

MARKER = "停電マーカー-4Z"  # patient text that must never reach a log line


@pytest.fixture(name="proxied")
async def _proxied() -> AsyncIterator[tuple[str, DbProxy]]:
    """A fresh schema on the test PostgreSQL, reached through a proxy that a test can cut."""
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        pytest.skip("TEST_DATABASE_URL not set; the outage tests need PostgreSQL")
    parts = urlsplit(raw)
    proxy = DbProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    await proxy.start()
    schema = f"outage_{uuid.uuid4().hex[:10]}"
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
    yield urlunsplit(parts._replace(netloc=netloc, query=f"schema={schema}")), proxy
    await proxy.close()
    conn = await asyncpg.connect(raw)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture(name="bot")
async def _bot(
    proxied: tuple[str, DbProxy], start_bot: StartBot, slack_standin: SlackStandin
) -> Bot:
    url, _ = proxied
    bot: Bot = await start_bot(url, **slack_env(slack_standin.base_url))
    return bot


def _serious(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_webhook_during_a_cut_is_503_without_traceback_and_answered_once_after(
    bot: Bot, proxied: tuple[str, DbProxy], caplog: pytest.LogCaptureFixture
) -> None:
    _, proxy = proxied
    event = events.text(f"{MARKER} 費用はいくらですか")
    proxy.cut()
    with caplog.at_level(logging.INFO):
        resp = await bot.post(events.body(event))
    assert resp.status == 503
    assert not _serious(caplog)
    said = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert said and all(r.levelno == logging.WARNING for r in said)
    assert not any(MARKER in r.getMessage() or MARKER in str(r.__dict__) for r in caplog.records)
    assert not bot.line.calls("/v2/bot/message/reply")

    proxy.heal()
    redelivered = {**event, "deliveryContext": {"isRedelivery": True}}
    assert await bot.send(redelivered) == 200
    await bot.settle()
    answers = bot.line.calls("/v2/bot/message/reply") + bot.line.calls("/v2/bot/message/push")
    assert len(answers) == 1
    assert await peek.inbox_status(bot.store, "line", event["webhookEventId"]) == "done"


async def test_slack_event_during_a_cut_is_503_so_slack_retries_it(
    bot: Bot, proxied: tuple[str, DbProxy], caplog: pytest.LogCaptureFixture
) -> None:
    _, proxy = proxied
    reply = slack_requests.thread_reply(f"{MARKER} staff answer")
    body = slack_requests.event_callback(reply, "Ev-outage-1")
    proxy.cut()
    with caplog.at_level(logging.INFO):
        resp = await bot.slack(body)
    assert resp.status == 503
    assert not _serious(caplog)
    assert not any(MARKER in r.getMessage() for r in caplog.records)

    proxy.heal()
    assert (await bot.slack(body, retry=1)).status == 200


async def test_health_says_503_during_a_cut_and_200_after(
    bot: Bot, proxied: tuple[str, DbProxy]
) -> None:
    _, proxy = proxied
    proxy.cut()
    async with bot.http.get(bot.url + "/healthz") as resp:
        assert resp.status == 503
        assert json.loads(await resp.text())["store"] is False
    proxy.heal()
    async with bot.http.get(bot.url + "/healthz") as resp:
        assert resp.status == 200
