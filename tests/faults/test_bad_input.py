"""The signed bodies that used to break the server, one test each, on SQLite and PostgreSQL.

Measured before the fix: JSON nested 1,000 deep and a lone surrogate in a text were 500s; on
PostgreSQL a text with NUL was answered but its audit row failed, so the event failed five
times, the patient's next question waited 30 s and staff got a false alert; an event with a
mistyped `timestamp` or `deliveryContext` got 200 and then failed five times the same way.
"""

import asyncio
import json
import logging
import time
from dataclasses import replace
from typing import Any

import pytest

from bot.store import ConversationData, NewEvent, open_store
from tests.faults.conftest import Rows
from tests.server import events
from tests.server.conftest import SECRET, Bot, StartBot
from tests.store import peek
from tests.store.builders import NOW, answer

MARKER = "秘密のマーカー-7Q"  # patient text that must never reach a log line


@pytest.fixture(name="served")
async def _served(database: tuple[str, Rows], start_bot: StartBot) -> tuple[Bot, Rows]:
    url, rows = database
    return await start_bot(url), rows


def _texts(bot: Bot) -> list[str]:
    sent = bot.line.calls("/v2/bot/message/reply") + bot.line.calls("/v2/bot/message/push")
    return [m["text"] for call in sent for m in call.messages]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timestamp", "abc"),
        ("timestamp", 10**30),
        ("deliveryContext", "yes"),
        ("deliveryContext", {"isRedelivery": "no"}),
        ("source", ["user"]),
        ("replyToken", 42),
    ],
    ids=["timestamp-text", "timestamp-huge", "context-text", "redelivery-text", "source", "token"],
)
async def test_mistyped_event_is_unprocessable_once_and_holds_up_nothing(
    served: tuple[Bot, Rows],
    caplog: pytest.LogCaptureFixture,
    field: str,
    value: Any,
) -> None:
    """Stored as failed with the field named, logged once without the patient's words, never
    retried, no staff alert; the patient's next message is answered at once."""
    bot, rows = served
    broken = {**events.text(f"{MARKER} 費用は?"), field: value}
    following = events.text("副作用はありますか")
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG):
        assert await bot.send(broken) == 200
        assert await bot.send(following) == 200
        await bot.settle()
    elapsed = time.monotonic() - started

    assert await peek.inbox_status(bot.store, "line", broken["webhookEventId"]) == "failed"
    assert await peek.inbox_status(bot.store, "line", following["webhookEventId"]) == "done"
    failed = [(a, e) for s, a, e in await rows() if s == "failed"]
    assert len(failed) == 1 and failed[0][0] == 0  # never claimed, never attempted
    assert failed[0][1].startswith(f"unprocessable: {field}") and MARKER not in failed[0][1]
    assert any("副作用" in text for text in _texts(bot)) and elapsed < 2.0
    said = [r for r in caplog.records if "unprocessable" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert not any(MARKER in r.getMessage() or MARKER in str(r.__dict__) for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "text",
    ["副作用は\u0000ありますか", "\ud800 how much does it cost?", "費用は?\ud83d"],
    ids=["nul", "lone-surrogate", "half-pair"],
)
async def test_unstorable_text_is_answered_and_audited_once(
    served: tuple[Bot, Rows], caplog: pytest.LogCaptureFixture, text: str
) -> None:
    """NUL and lone surrogates (legal JSON escapes) become U+FFFD at the door: the patient is
    answered once, the audit row is written, nothing fails or alerts staff."""
    bot, rows = served
    event = events.text(text)
    raw = json.dumps({"destination": events.DESTINATION, "events": [event]}).encode()
    with caplog.at_level(logging.WARNING):
        assert (await bot.post(raw)).status == 200
        await bot.settle()

    assert await rows() == [("done", 1, None)]
    assert len(_texts(bot)) >= 1
    conv = await peek.conversation_for_user(bot.store, events.PATIENT)
    audited = [a.text for a in await bot.store.audit_entries(conv.id) if a.text]
    assert audited and all("\ufffd" in t and "\x00" not in t for t in audited)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("depth", [40, 1000, 100_000])
async def test_deep_body_is_400_with_a_reason(served: tuple[Bot, Rows], depth: int) -> None:
    """Nested past 32 levels (LINE's go to about 5) is a 400 naming the problem, however deep."""
    bot, rows = served
    raw = b'{"destination": "x", "events": [' + b"[" * depth + b"]" * depth + b"]}"
    async with bot.http.post(
        bot.url + "/line/webhook", data=raw, headers={"X-Line-Signature": events.sign(SECRET, raw)}
    ) as resp:
        said = await resp.json()
    assert resp.status == 400 and "nested too deeply" in said["error"]
    assert await rows() == []


async def test_signature_header_that_is_not_utf8_is_a_400(served: tuple[Bot, Rows]) -> None:
    """A signature header of bytes that are not UTF-8 (aiohttp keeps them as surrogates, which
    the SDK's validator cannot encode) is an invalid signature: 400, not 500."""
    bot, _ = served
    raw = events.body(events.text("hi"))
    host, port = bot.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /line/webhook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        b"X-Line-Signature: \xff\xfe\r\nConnection: close\r\n"
        + f"Content-Length: {len(raw)}\r\n\r\n".encode()
        + raw
    )
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


async def test_store_keeps_unstorable_text_as_replacement_characters(
    database: tuple[str, Rows],
) -> None:
    """The store's own guard, for text that did not come through a door: NUL (raw and as a
    JSON escape, which jsonb refuses) and lone surrogates are written as U+FFFD, not refused."""
    url, _ = database
    store = await open_store(url, clock=lambda: NOW)
    try:
        (fresh,) = await store.enqueue(
            [NewEvent("line", "e-bad", "U-x\x00", '{"t": "a\\u0000 \ud800"}', NOW)]
        )
        conv = await peek.conversation_for_user(store, "U-x\ufffd")
        assert conv is not None
        data = ConversationData(name="A\x00\udfff")
        saved = await store.commit(replace(conv, data=data), [], None)
        await store.audit(answer(conv.id, conv.user_key, text="B\x00\ud83d"))
        trail = await store.audit_entries(conv.id)
    finally:
        await store.close()
    assert fresh and saved is not None and saved.data == ConversationData(name="A\ufffd\ufffd")
    assert [a.text for a in trail] == ["B\ufffd\ufffd"]
