"""`/faq-report` over real HTTP: patients' unanswered questions, as the worker audited them,
reported to the staff member who asked, masked, and without patients who opted out."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.server import events
from tests.server.conftest import Bot, StartBot, slack_env
from tests.standins import slack_requests as sr
from tests.standins.slack_api import SlackStandin
from tests.store import peek

OPEN = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Tokyo
OPTED_OUT = "U" + "5" * 32
MARKER = "MARKER-opted-out-question"


class Clock:
    """Wall-clock time moved to OPEN (the worker's leases still see time pass)."""

    def __init__(self) -> None:
        self.offset = OPEN - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def _desk(start_bot: StartBot, slack_standin: SlackStandin) -> Bot:
    bot: Bot = await start_bot(clock=Clock(), **slack_env(slack_standin.base_url))
    return bot


async def _report(bot: Bot, text: str = "", channel: str = sr.STAFF_CHANNEL) -> dict[str, Any]:
    resp = await bot.slack(sr.slash_command("/faq-report", text, channel_id=channel))
    assert resp.status == 200
    body: dict[str, Any] = json.loads(resp.body_text)  # type: ignore[attr-defined]
    return body


async def test_faq_report_lists_what_the_bot_could_not_answer(
    start_bot: StartBot, slack_standin: SlackStandin
) -> None:
    """Two misses in a row (the second brings staff in) show as one question with its counts,
    masked, to the asker alone; a patient who opted out is not in it at all."""
    bot = await _desk(start_bot, slack_standin)
    await bot.send(events.text("おすすめの映画はありますか"))
    await bot.settle()
    await bot.send(events.text("おすすめの映画ありますか？ 090-1234-5678"))
    await bot.settle()
    await bot.send(events.text("メッセージを保存しないで", user=OPTED_OUT))
    await bot.settle()
    await bot.send(events.text(f"おすすめの映画はありますか {MARKER}", user=OPTED_OUT))
    await bot.settle()

    opted = await peek.conversation_for_user(bot.store, OPTED_OUT)
    audited = [(e.kind, e.text) for e in await bot.store.audit_entries(opted.id)]
    assert ("fallback", None) in audited  # the opted-out patient's miss is audited, textless

    body = await _report(bot)
    text = body["text"]

    assert body.get("response_type") == "ephemeral"
    assert "*2 messages* from 1 patient" in text
    assert "*“おすすめの映画はありますか”*" in text
    assert "2 messages from 1 patient (new; the period before: 0)" in text
    assert "1 hand-off" in text
    assert "090-1234-5678" not in text and "電話番号/phone" in text
    assert MARKER not in text
    assert events.PATIENT not in text and OPTED_OUT not in text


async def test_faq_report_from_a_day_and_its_usage(
    start_bot: StartBot, slack_standin: SlackStandin
) -> None:
    """A day starts the report there; anything else gets the usage line; outside the staff
    channel the report is refused (it quotes patients)."""
    bot = await _desk(start_bot, slack_standin)
    day = (OPEN - timedelta(days=3)).date().isoformat()

    since = (await _report(bot, day))["text"]
    usage = (await _report(bot, "last week"))["text"]
    elsewhere = (await _report(bot, channel="C0ELSEWHERE"))["text"]

    assert since.startswith(f"*Unanswered questions, {day} 00:00 – ")
    assert "*0 messages* from 0 patients" in since
    assert "Usage: /faq-report [YYYY-MM-DD]" in usage
    assert "run it in the staff channel" in elsewhere and "Unanswered" not in elsewhere
