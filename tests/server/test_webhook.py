"""The LINE webhook over real HTTP: what LINE's platform sees, and what the patient gets."""

import json

from tests.server import events
from tests.server.conftest import Bot
from tests.store import peek


def _texts(recorded: object) -> list[str]:
    return [m["text"] for m in recorded.messages]  # type: ignore[attr-defined]


async def test_text_question_is_answered_once_by_reply(bot: Bot) -> None:
    """A Japanese question is acknowledged, then answered by reply in Japanese."""
    ev = events.text("副作用はありますか?")
    assert await bot.send(ev) == 200
    await bot.settle()
    replies = bot.line.calls("/v2/bot/message/reply")
    assert len(replies) == 1
    assert replies[0].body["replyToken"] == ev["replyToken"]  # type: ignore[index]
    notice, answer = _texts(replies[0])  # a first message: the privacy notice, then the answer
    assert "プライバシーポリシー" in notice and "副作用" in answer
    assert bot.line.calls("/v2/bot/message/push") == []


async def test_english_question_gets_english_answer_with_quick_replies(bot: Bot) -> None:
    """Language follows the patient, and follow-up topics come as quick replies."""
    await bot.send(events.text("Are there any side effects?"))
    await bot.settle()
    (reply,) = bot.line.calls("/v2/bot/message/reply")
    last = reply.messages[-1]
    assert "side effect" in _texts(reply)[-1].lower()
    items = last["quickReply"]["items"]
    assert 1 <= len(items) <= 13
    assert all(len(i["action"]["label"]) <= 20 for i in items)


async def test_redelivery_and_duplicate_are_answered_once(bot: Bot) -> None:
    """The same webhookEventId twice (duplicate, then redelivery) yields exactly one answer."""
    ev = events.text("費用はいくらですか")
    again = dict(ev, deliveryContext={"isRedelivery": True})
    assert await bot.send(ev) == 200
    assert await bot.send(ev) == 200
    assert await bot.send(again) == 200
    await bot.settle()
    sent = bot.line.calls("/v2/bot/message/reply") + bot.line.calls("/v2/bot/message/push")
    assert len(sent) == 1


async def test_redelivered_event_goes_by_push_with_retry_key(bot: Bot) -> None:
    """A redelivered event's reply token may be stale, so its answer is pushed with a key."""
    ev = events.text("何回通えばいいですか", redelivery=True)
    await bot.send(ev)
    await bot.settle()
    assert bot.line.calls("/v2/bot/message/reply") == []
    (push,) = bot.line.calls("/v2/bot/message/push")
    assert push.body["to"] == events.PATIENT  # type: ignore[index]
    assert push.headers.get("X-Line-Retry-Key")


async def test_expired_reply_token_falls_back_to_push(bot: Bot) -> None:
    """When LINE refuses the reply token, the answer is pushed with an X-Line-Retry-Key."""
    ev = events.text("副作用が心配です")
    bot.line.expired.add(ev["replyToken"])
    await bot.send(ev)
    await bot.settle()
    assert len(bot.line.calls("/v2/bot/message/reply")) == 1
    (push,) = bot.line.calls("/v2/bot/message/push")
    assert "副作用" in _texts(push)[-1]
    assert len(push.headers["X-Line-Retry-Key"]) == 36


async def test_follow_welcomes_in_profile_language(bot: Bot) -> None:
    """A new friend is welcomed in their LINE language, with the menu and a language switch."""
    bot.line.languages[events.PATIENT] = "en"
    await bot.send(events.follow())
    await bot.settle()
    (reply,) = bot.line.calls("/v2/bot/message/reply")
    assert _texts(reply)[0].startswith("Thank you for adding us")
    labels = [i["action"]["label"] for i in reply.messages[-1]["quickReply"]["items"]]
    assert "日本語" in labels


async def test_follow_without_profile_language_is_japanese(bot: Bot) -> None:
    """Without a shared language the welcome is Japanese, with an English switch."""
    await bot.send(events.follow())
    await bot.settle()
    (reply,) = bot.line.calls("/v2/bot/message/reply")
    assert "友だち追加" in _texts(reply)[0]
    datas = [i["action"]["data"] for i in reply.messages[-1]["quickReply"]["items"]]
    assert "lang=en" in datas


async def test_postback_topic_and_language_switch(bot: Bot) -> None:
    """Quick-reply postbacks pick a topic and switch the language."""
    await bot.send(events.postback("lang=en"))
    await bot.settle()
    await bot.send(events.postback("topic=cost"))
    await bot.settle()
    first, second = bot.line.calls("/v2/bot/message/reply")
    assert _texts(first)[-1].startswith("OK, I will answer in English")
    assert "cost" in _texts(second)[0].lower()


async def test_sticker_gets_bilingual_please_type(bot: Bot) -> None:
    """A sticker gets a polite bilingual note asking for text, with the menu."""
    await bot.send(events.sticker())
    await bot.settle()
    (reply,) = bot.line.calls("/v2/bot/message/reply")
    text = _texts(reply)[-1]
    assert "文字" in text and "type your question" in text
    assert reply.messages[-1]["quickReply"]["items"]


async def test_group_message_gets_one_to_one_note(bot: Bot) -> None:
    """In a group the bot only says it answers in one-to-one chats, and never pushes."""
    await bot.send(events.group_text("副作用は?"))
    await bot.settle()
    (reply,) = bot.line.calls("/v2/bot/message/reply")
    assert "1対1" in _texts(reply)[0]
    assert bot.line.calls("/v2/bot/message/push") == []


async def test_unfollow_forgets_state(bot: Bot) -> None:
    """After unfollow the patient's language and misses are forgotten."""
    await bot.send(events.text("Hello, what is this?"))
    await bot.settle()
    await bot.send(events.unfollow())
    await bot.settle()
    conv = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert conv is not None and conv.lang is None and conv.misses == 0


async def test_unknown_event_type_is_acknowledged_and_ignored(bot: Bot) -> None:
    """An event type the SDK does not know gets 200 and no message."""
    ev = {
        "type": "futureEvent",
        "mode": "active",
        "timestamp": 1,
        "webhookEventId": events.event_id(),
        "deliveryContext": {"isRedelivery": False},
        "source": {"type": "user", "userId": events.PATIENT},
    }
    assert await bot.send(ev) == 200
    await bot.settle()
    assert bot.line.requests == []


async def test_empty_events_is_ok(bot: Bot) -> None:
    """LINE's Verify button posts an empty events list: 200."""
    assert await bot.send() == 200


async def test_bad_signature_is_rejected_and_nothing_stored(bot: Bot) -> None:
    """A wrong or missing signature gets 400 and nothing is stored or sent."""
    ev = events.text("副作用は?")
    raw = events.body(ev)
    assert (await bot.post(raw, signature="AAAA")).status == 400
    assert (await bot.post(raw, signature="")).status == 400
    assert await peek.inbox_status(bot.store, "line", ev["webhookEventId"]) is None
    assert bot.line.requests == []


async def test_malformed_json_is_400(bot: Bot) -> None:
    """A signed body that is not a webhook envelope gets 400 with a reason."""
    for raw in (b"{not json", b'{"events": "nope"}', b"[]"):
        resp = await bot.post(raw)
        assert resp.status == 400


async def test_oversize_body_is_413(bot: Bot) -> None:
    """A body over 1 MiB is refused with 413 before any work."""
    raw = b'{"events": [], "pad": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    assert (await bot.post(raw)).status == 413


async def test_healthz_reports_store_and_faq(bot: Bot) -> None:
    """/healthz says the store answers and the FAQ is loaded."""
    async with bot.http.get(bot.url + "/healthz") as resp:
        body = json.loads(await resp.text())
    assert resp.status == 200
    assert body["store"] is True and body["faq_topics"] >= 20
