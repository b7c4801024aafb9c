"""Nothing lost, nothing twice: crashes, ordering, quota, and the store shared by processes."""

import asyncio
import logging
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import pytest

from bot.app import RUNTIME
from tests.server import events
from tests.server.conftest import Bot, StartBot
from tests.standins.line_api import Forced
from tests.store import peek
from tests.store.builders import FakeClock


def _answers(bot: Bot) -> list[Any]:
    return bot.line.calls("/v2/bot/message/reply") + bot.line.calls("/v2/bot/message/push")


async def _stop_worker(bot: Bot) -> None:
    worker = bot.app[RUNTIME].worker
    assert worker is not None
    await worker.stop()


async def test_crash_between_persist_and_reply_answers_once(start_bot: StartBot) -> None:
    """An event stored by a process that died before replying is answered once after restart."""
    first = await start_bot()
    await _stop_worker(first)  # the process "dies" right after acknowledging LINE
    ev = events.text("副作用はありますか")
    assert await first.send(ev) == 200
    assert _answers(first) == []
    second = await start_bot()  # same database: recovers the stored event
    await second.settle()
    (reply,) = _answers(second)
    assert reply.body["replyToken"] == ev["replyToken"]


async def test_crash_during_reply_is_not_answered_twice(start_bot: StartBot) -> None:
    """A reply in flight when the process died is not sent again after the restart."""
    first = await start_bot()
    ev = events.text("費用はいくらですか")
    first.line.script("/v2/bot/message/reply", Forced(delay=5.0))  # LINE accepts, answers late
    await first.send(ev)
    await asyncio.sleep(0.5)  # the reply is now in flight
    worker = first.app[RUNTIME].worker
    assert worker is not None
    await worker.stop(grace=0)  # crash: the task is cancelled mid-send
    second = await start_bot()
    await second.settle()
    delivered = [d for d in second.line.delivered if d.to == ev["replyToken"]]
    assert len(delivered) == 1
    assert second.line.calls("/v2/bot/message/push") == []


async def test_one_patient_in_order_others_concurrently(bot: Bot) -> None:
    """A patient's messages are answered in the order sent, whatever else is going on."""
    alice, bob = events.PATIENT, "U" + "b" * 32
    sent = [events.text(t, user=alice) for t in ("副作用は?", "費用は?", "何回必要?")]
    await bot.send(*sent, events.text("cost?", user=bob))
    await bot.settle()
    tokens = [r.body["replyToken"] for r in bot.line.calls("/v2/bot/message/reply")]
    alice_tokens = [t for t in tokens if t in {e["replyToken"] for e in sent}]
    assert alice_tokens == [e["replyToken"] for e in sent]
    assert len(tokens) == 4


async def test_quota_exhausted_is_alerted_and_recorded(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A 429 on push is not retried, is logged as an alert, and the state records it."""
    bot.line.script(
        "/v2/bot/message/push",
        Forced(status=429, body={"message": "You have reached your monthly limit."}),
    )
    with caplog.at_level(logging.ERROR):
        await bot.send(events.text("副作用について", redelivery=True))
        await bot.settle()
    assert len(bot.line.calls("/v2/bot/message/push")) == 1
    conv = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert conv.data.undelivered[0].error == "quota_exceeded"
    assert any(r.levelno >= logging.ERROR for r in caplog.records)


async def test_event_waiting_for_a_retry_shows_loading_then_answers_once(bot: Bot) -> None:
    """A failed attempt puts the event back for 2 s: the patient sees the loading animation.

    The reply's answer is garbled (LINE said 200, the SDK cannot read it), so the attempt fails;
    the retry re-tries the same token once and the patient gets exactly one answer.
    """
    bot.line.script("/v2/bot/message/reply", Forced(status=200, body="garbled"))
    await bot.send(events.text("副作用は?"))
    await bot.settle()

    paths = [r.path for r in bot.line.requests]
    assert paths == [
        "/v2/bot/message/reply",
        "/v2/bot/chat/loading/start",
        "/v2/bot/message/reply",
    ]
    loading = bot.line.calls("/v2/bot/chat/loading/start")[0]
    assert loading.body == {"chatId": events.PATIENT, "loadingSeconds": 10}
    assert len(bot.line.delivered) == 1


async def test_queued_event_gets_no_loading_animation(start_bot: StartBot) -> None:
    """An event that only waited in the queue is answered at once: an animation would last ms."""
    clock = FakeClock(datetime.now(UTC))
    first = await start_bot(clock=clock)
    await _stop_worker(first)
    await first.send(events.text("副作用は?"))
    clock.now += timedelta(seconds=2.1)  # queued a while (the process was down)
    second = await start_bot(clock=clock)
    await second.settle()
    assert [r.path for r in second.line.requests] == ["/v2/bot/message/reply"]


@pytest.fixture(name="pg_url")
async def _pg_url() -> Any:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL not set; PostgreSQL server tests skipped")
    schema = "srv_" + uuid.uuid4().hex[:10]
    yield f"{base}?schema={schema}"
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def test_two_servers_share_postgres_without_double_answers(
    start_bot: StartBot, pg_url: str
) -> None:
    """Two processes on one PostgreSQL store answer a burst of events exactly once each."""
    one, two = await start_bot(pg_url), await start_bot(pg_url)
    burst = [events.text(f"副作用は? {i}", user="U" + f"{i % 5:x}" * 32) for i in range(20)]
    for i, ev in enumerate(burst):
        await (one if i % 2 else two).send(ev, ev)  # each also duplicated in its body
    await one.settle()
    await two.settle()
    tokens = [r.body["replyToken"] for r in one.line.calls("/v2/bot/message/reply")]
    assert sorted(tokens) == sorted(e["replyToken"] for e in burst)
