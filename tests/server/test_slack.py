"""Staff on Slack, over real HTTP: hand-off card, thread replies to LINE, buttons, deadlines."""

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import RUNTIME
from bot.pipeline.outbox import retry_key
from bot.pipeline.scheduler import due_events
from tests.server import events
from tests.server.conftest import Bot, StartBot, slack_env
from tests.standins import slack_requests as sr
from tests.standins.line_api import Forced
from tests.standins.slack_api import SlackStandin
from tests.store import peek


class Clock:
    """Wall-clock time plus an offset the test moves forward."""

    def __init__(self, start: datetime | None = None) -> None:
        self.offset = (start - datetime.now(UTC)) if start else timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


# Tuesday 1 December 2026, 11:00 in Tokyo: the clinic is open.
OPEN = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
# Sunday 29 November 2026, 15:00 in Tokyo: closed.
CLOSED = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


@pytest.fixture(name="desk")
async def _desk(start_bot: StartBot, slack_standin: SlackStandin) -> Any:
    async def start(clock: Clock | None = None) -> Bot:
        return await start_bot(clock=clock or Clock(OPEN), **slack_env(slack_standin.base_url))

    return start


async def _hand_off(bot: Bot, text: str = "スタッフと話したい") -> str:
    """Ask for a person and return the hand-off card's ts (the thread)."""
    await bot.send(events.text(text))
    await bot.settle()
    conv = await _conversation(bot)
    assert conv.data.handoff is not None
    return str(conv.data.handoff.thread_ts)


async def _staff_reply(
    bot: Bot,
    text: str,
    thread: str,
    event_id: str = "Ev1",
    retry: int | None = None,
    ts: str = sr.REPLY_TS,
) -> int:
    raw = sr.event_callback(sr.thread_reply(text, thread_ts=thread, ts=ts), event_id)
    status = (await bot.slack(raw, retry=retry)).status
    await bot.settle()
    return status


async def _press(
    bot: Bot, action: str, conversation: str, action_ts: str = "1700000400.000500"
) -> int:
    status = (await bot.slack(sr.block_action(action, conversation, action_ts=action_ts))).status
    await bot.settle()
    return status


def _to_patient(bot: Bot) -> list[Any]:
    """Every message sent to the patient, reply or push, in order.

    The tests' clock is set to clinic hours, days away from the events' own timestamps, so
    answers to patient messages go by push (an old reply token would have expired).
    """
    paths = ("/v2/bot/message/reply", "/v2/bot/message/push")
    return [r for r in bot.line.requests if r.path in paths]


async def _conversation(bot: Bot) -> Any:
    return await peek.conversation_for_user(bot.store, events.PATIENT)


async def test_round_trip_patient_staff_close_bot(desk: Any, slack_standin: SlackStandin) -> None:
    """Ask for a person → card → staff reply pushed to LINE → Close → the bot answers again."""
    bot = await desk()
    thread = await _hand_off(bot)
    (notice,) = _to_patient(bot)
    assert "スタッフ" in notice.messages[-1]["text"]
    (card,) = slack_standin.calls("chat.postMessage")
    conv = await _conversation(bot)
    assert card.body["channel"] == sr.STAFF_CHANNEL
    assert card.body["metadata"]["event_payload"]["conversation"] == conv.id
    assert events.PATIENT not in json.dumps(slack_standin.requests[-1].body)
    assert conv.owner.value == "waiting"

    assert await _staff_reply(bot, "明日10時はいかがですか?", thread, event_id="EvReply1") == 200
    push = _to_patient(bot)[-1]
    assert push.body["to"] == events.PATIENT
    assert push.messages[0]["text"].endswith("明日10時はいかがですか?")
    assert push.messages[0]["text"].startswith("【クリニックスタッフ】")  # the staff label
    assert push.headers["X-Line-Retry-Key"] == retry_key("slack", "EvReply1", 0)
    (reaction,) = slack_standin.calls("reactions.add")
    assert reaction.body["timestamp"] == sr.REPLY_TS
    assert (await _conversation(bot)).owner.value == "staff"

    assert await _press(bot, "handoff_close", conv.id) == 200
    closing = _to_patient(bot)[-1]
    assert "クローズ" in closing.messages[0]["text"] or "終了" in closing.messages[0]["text"]
    update = slack_standin.calls("chat.update")[-1]
    assert update.body["ts"] == thread
    assert sr.STAFF_USER_ID in json.dumps(update.body["blocks"])
    assert (await _conversation(bot)).owner.value == "bot"

    await bot.send(events.text("副作用はありますか"))
    await bot.settle()
    answer = _to_patient(bot)[-1]
    assert "副作用" in answer.messages[0]["text"]


async def test_slack_retry_of_same_event_pushes_once(desk: Any) -> None:
    """Slack's retries of one event (X-Slack-Retry-Num) are deduplicated, not dropped."""
    bot = await desk()
    thread = await _hand_off(bot)
    for retry in (None, 1, 2):
        assert (
            await _staff_reply(bot, "承知しました", thread, event_id="EvSame", retry=retry) == 200
        )
    assert len(_to_patient(bot)) == 2  # the hand-off notice, then the staff reply once


async def test_retry_is_the_only_copy_when_first_was_lost(desk: Any) -> None:
    """A retry whose first attempt never arrived is still relayed."""
    bot = await desk()
    thread = await _hand_off(bot)
    assert await _staff_reply(bot, "お待たせしました", thread, event_id="EvLost", retry=1) == 200
    assert len(_to_patient(bot)) == 2


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(lambda t: sr.thread_reply("note: 折り返し電話します", thread_ts=t), id="note"),
        pytest.param(lambda t: sr.bot_message("automatic", thread_ts=t), id="bot-message"),
        pytest.param(lambda t: sr.message_changed("edited", "original", thread_ts=t), id="edit"),
        pytest.param(lambda t: sr.message_deleted("original", thread_ts=t), id="deletion"),
        pytest.param(lambda t: sr.channel_message("top-level chatter"), id="not-in-thread"),
    ],
)
async def test_messages_that_never_reach_the_patient(desk: Any, event: Any) -> None:
    """Internal notes, bots, edits, deletions and top-level messages are not relayed."""
    bot = await desk()
    thread = await _hand_off(bot)
    status = (await bot.slack(sr.event_callback(event(thread), "EvIgnored"))).status
    await bot.settle()
    assert status == 200
    assert len(_to_patient(bot)) == 1  # only the hand-off notice


async def test_bad_or_stale_signature_is_401(desk: Any) -> None:
    """Bolt rejects a wrong signature and a timestamp older than five minutes."""
    bot = await desk()
    raw = sr.event_callback(sr.thread_reply("x"), "EvBad")
    assert (await bot.slack(raw, secret="wrong")).status == 401
    assert (await bot.slack(raw, at=int(time.time()) - 360)).status == 401


async def test_emergency_while_staff_own_the_conversation(
    desk: Any, slack_standin: SlackStandin
) -> None:
    """An emergency always gets the 119 message and an urgent ping in the thread."""
    bot = await desk()
    thread = await _hand_off(bot)
    await _staff_reply(bot, "どうされましたか", thread)
    await bot.send(events.text("胸が痛くて息が苦しいです"))
    await bot.settle()
    assert "119" in _to_patient(bot)[-1].messages[0]["text"]
    ping = slack_standin.calls("chat.postMessage")[-1]
    assert ping.body["thread_ts"] == thread and "<!channel>" in ping.body["text"]


async def test_patient_messages_while_waiting_go_to_the_thread_masked(
    desk: Any, slack_standin: SlackStandin
) -> None:
    """While staff are awaited the bot stays quiet; the thread gets the text, PII masked."""
    bot = await desk()
    thread = await _hand_off(bot)
    await bot.send(events.text("電話番号は090-1234-5678です。副作用も心配です"))
    await bot.settle()
    assert len(_to_patient(bot)) == 1  # only the hand-off notice
    relay = slack_standin.calls("chat.postMessage")[-1]
    assert relay.body["thread_ts"] == thread
    assert "090-1234-5678" not in relay.body["text"] and "副作用も心配です" in relay.body["text"]


async def test_out_of_hours_handoff_names_the_next_opening(desk: Any) -> None:
    """Outside business hours the patient is told when staff will answer."""
    bot = await desk(Clock(CLOSED))
    await bot.send(events.text("スタッフと話したい"))
    await bot.settle()
    (sent,) = _to_patient(bot)
    assert "2026年11月30日(月) 9:00" in sent.messages[-1]["text"]


async def test_unanswered_twice_opens_a_card(desk: Any, slack_standin: SlackStandin) -> None:
    """Two misses in a row hand the conversation to staff with that reason."""
    bot = await desk()
    await bot.send(events.text("おすすめの焼肉屋を教えて"))
    await bot.settle()
    await bot.send(events.text("ボトックスの料金"))
    await bot.settle()
    (card,) = slack_standin.calls("chat.postMessage")
    assert (
        "2" in json.dumps(card.body["blocks"], ensure_ascii=False) or "twice" in card.body["text"]
    )
    handoff = (await _conversation(bot)).data.handoff
    assert handoff is not None and handoff.reason == "unanswered"


async def test_unanswered_card_is_reannounced(desk: Any, slack_standin: SlackStandin) -> None:
    """No staff reply within 15 business minutes re-announces the hand-off in the channel."""
    clock = Clock(OPEN)
    bot = await desk(clock)
    thread = await _hand_off(bot)
    policy = bot.app[RUNTIME].policy
    assert await due_events(bot.store, policy, clock) == 0
    clock.offset += timedelta(minutes=16)
    assert await due_events(bot.store, policy, clock) == 1
    assert await due_events(bot.store, policy, clock) == 0  # one event per deadline
    await bot.settle()
    again = slack_standin.calls("chat.postMessage")[-1]
    assert again.body["thread_ts"] == thread and again.body.get("reply_broadcast") is True


async def test_take_over_button_updates_card_once(desk: Any, slack_standin: SlackStandin) -> None:
    """Take over shows who took it; a double click does nothing more."""
    bot = await desk()
    await _hand_off(bot)
    conv = await _conversation(bot)
    await _press(bot, "handoff_take", conv.id, action_ts="1.1")
    await _press(bot, "handoff_take", conv.id, action_ts="1.2")
    assert len(slack_standin.calls("chat.update")) == 1
    assert (await _conversation(bot)).owner.value == "staff"


async def test_failed_delivery_is_noted_in_the_thread(
    desk: Any, slack_standin: SlackStandin
) -> None:
    """When LINE refuses the push (e.g. the patient blocked the bot), staff see why."""
    bot = await desk()
    thread = await _hand_off(bot)
    bot.line.script("/v2/bot/message/push", Forced(status=403, body={"message": "blocked"}))
    await _staff_reply(bot, "ご連絡ください", thread)
    note = slack_standin.calls("chat.postMessage")[-1]
    assert note.body["thread_ts"] == thread and "⚠" in note.body["text"]
    assert slack_standin.calls("reactions.add") == []


async def test_event_given_up_alerts_staff(
    start_bot: StartBot, slack_standin: SlackStandin, caplog: pytest.LogCaptureFixture
) -> None:
    """An event that fails on its last attempt reaches a person: @here in the staff channel."""
    bot = await start_bot(WORKER_MAX_ATTEMPTS="1", **slack_env(slack_standin.base_url))
    bot.line.script("/v2/bot/message/reply", Forced(status=200, body="garbled"))
    event = events.text("副作用はありますか")
    with caplog.at_level(logging.ERROR):
        await bot.send(event)
        await bot.settle()

    conv = await _conversation(bot)
    [alert] = slack_standin.calls("chat.postMessage")
    assert alert.body["channel"] == sr.STAFF_CHANNEL
    assert "<!here>" in alert.body["text"] and "ValidationError" in alert.body["text"]
    assert conv.id in alert.body["text"]
    assert "副作用" not in alert.body["text"]  # the patient's words stay out of the alert
    assert await peek.inbox_status(bot.store, "line", event["webhookEventId"]) == "failed"
    assert any("ALERT" in r.getMessage() for r in caplog.records)


async def test_faq_command_shows_both_languages(desk: Any) -> None:
    """/faq answers the asker alone with the matched topic in Japanese and English."""
    bot = await desk()
    resp = await bot.slack(sr.slash_command("/faq", "副作用はありますか"))
    body = json.loads(resp.body_text)  # type: ignore[attr-defined]
    assert resp.status == 200
    assert "side_effects" in body["text"] and "日本語" in body["text"] and "English" in body["text"]
    assert body.get("response_type", "ephemeral") == "ephemeral"


async def test_faq_stats_counts_today(desk: Any) -> None:
    """/faq-stats reports today's messages, answers, fallbacks and open hand-offs."""
    bot = await desk()
    await bot.send(events.text("副作用はありますか"))
    await bot.settle()
    await _hand_off(bot)
    resp = await bot.slack(sr.slash_command("/faq-stats", ""))
    text = json.loads(resp.body_text)["text"]  # type: ignore[attr-defined]
    assert "2 messages" in text and "1 answered" in text and "1 hand-offs open" in text


async def test_without_slack_patients_are_told_to_call(start_bot: StartBot) -> None:
    """With no staff desk configured, a hand-off tells the patient to call the clinic."""
    bot = await start_bot()
    await bot.send(events.text("スタッフと話したい"))
    await bot.settle()
    (reply,) = bot.line.calls("/v2/bot/message/reply")
    assert "お電話" in reply.messages[-1]["text"] or "電話" in reply.messages[-1]["text"]
    assert (await _conversation(bot)).owner.value == "bot"


async def test_card_shows_display_name_not_user_id(desk: Any, slack_standin: SlackStandin) -> None:
    """The card names the patient by LINE display name; the LINE user id never reaches Slack."""
    bot = await desk()
    await _hand_off(bot)
    card = slack_standin.calls("chat.postMessage")[0]
    blocks = json.dumps(card.body["blocks"], ensure_ascii=False)
    assert f"Patient {events.PATIENT[-4:]}" in blocks  # the stand-in's display name
    assert all(events.PATIENT not in json.dumps(r.body) for r in slack_standin.requests)


async def test_every_transition_is_audited(desk: Any) -> None:
    """bot → waiting → staff → bot each leave an audit entry."""
    bot = await desk()
    thread = await _hand_off(bot)
    await _staff_reply(bot, "こんにちは", thread)
    conv = await _conversation(bot)
    await _press(bot, "handoff_close", conv.id)
    kinds = [e.kind for e in await bot.store.audit_entries(conv.id) if e.kind.startswith("owner:")]
    assert kinds == ["owner:bot->waiting", "owner:waiting->staff", "owner:staff->bot"]


async def test_mention_answers_in_thread(desk: Any, slack_standin: SlackStandin) -> None:
    """Mentioning the bot with a question answers it in a thread, both languages."""
    bot = await desk()
    raw = sr.event_callback(sr.app_mention("<@U0BOTUSER> 費用はいくら?"), "EvMention")
    assert (await bot.slack(raw)).status == 200
    posted = slack_standin.calls("chat.postMessage")[-1]
    assert posted.body["thread_ts"] and "cost" in posted.body["text"]
