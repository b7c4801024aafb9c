"""The privacy notice, "don't keep my messages" and "delete my data" over real HTTP: signed
LINE webhooks in, the LINE and Slack stand-ins' recorded calls and the database itself out."""

import contextlib
import json
import logging
import sqlite3
from typing import Any

import pytest

from bot.app import SETTINGS
from bot.logs import JsonFormatter
from tests.server import events
from tests.server.conftest import Bot, StartBot, slack_env
from tests.server.test_slack import OPEN, Clock, _staff_reply, _to_patient
from tests.standins.slack_api import SlackStandin
from tests.store import peek

POLICY = "https://clinic.example.com/privacy"  # the embedded default of `Clinic`
NOTICE_JA = "プライバシーポリシー"
STOP = "privacy=stop"


def _texts(recorded: Any) -> list[str]:
    return [m["text"] for m in recorded.messages]


def _quick_replies(recorded: Any) -> list[str]:
    last = recorded.messages[-1]
    return [item["action"]["data"] for item in last.get("quickReply", {}).get("items", [])]


def _rows(bot: Bot, sql: str) -> list[tuple[Any, ...]]:
    """Rows straight from the bot's SQLite file, as the database holds them."""
    path = bot.app[SETTINGS].database_url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def _stored(bot: Bot) -> str:
    """Every value in every table of the bot's database, as one string to search."""
    tables = [r[0] for r in _rows(bot, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    return "\n".join(
        str(value)
        for table in tables
        for row in _rows(bot, f'SELECT * FROM "{table}"')
        for value in row
    )


def _audit_kinds(bot: Bot) -> list[str]:
    return [r[0] for r in _rows(bot, "SELECT kind FROM audit ORDER BY id")]


async def _say(bot: Bot, *evs: dict[str, Any]) -> None:
    for ev in evs:
        assert await bot.send(ev) == 200
        await bot.settle()


async def test_follow_gets_welcome_then_notice(start_bot: StartBot) -> None:
    """A new friend gets the welcome, then the notice (retention from AUDIT_RETENTION_DAYS,
    policy link, 119, how to stop and delete) with a "don't keep" quick reply; their first
    question afterwards is answered without a second notice."""
    bot = await start_bot(AUDIT_RETENTION_DAYS="14")
    await _say(bot, events.follow(), events.text("副作用はありますか"))

    welcome, answer = bot.line.calls("/v2/bot/message/reply")
    greeting, notice = _texts(welcome)
    assert "友だち追加" in greeting
    assert "14日間" in notice and POLICY in notice and "119" in notice
    assert "医学的な助言ではありません" in notice
    assert "「メッセージを保存しないで」" in notice and "「データを削除」" in notice
    assert STOP in _quick_replies(welcome) and "lang=en" in _quick_replies(welcome)
    assert len(_texts(answer)) == 1 and "副作用" in _texts(answer)[0]
    assert _audit_kinds(bot).count("privacy:notice") == 1
    conv = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert conv is not None and conv.notice_at is not None


async def test_follow_in_english_gets_english_notice(start_bot: StartBot) -> None:
    """The notice is in the patient's language (here from their LINE profile)."""
    bot = await start_bot(AUDIT_RETENTION_DAYS="14")
    bot.line.languages[events.PATIENT] = "en"
    await _say(bot, events.follow())
    (reply,) = bot.line.calls("/v2/bot/message/reply")
    notice = _texts(reply)[-1]
    assert "stored for 14 days" in notice and "not medical advice" in notice
    assert 'send "delete my data"' in notice


async def test_first_message_without_follow_gets_notice_then_answer(bot: Bot) -> None:
    """A first message (no follow event) gets two messages in one reply: the notice, then the
    answer to the question, whose quick replies stay and gain "don't keep my messages"."""
    await _say(bot, events.text("費用はいくらですか"), events.text("何回通えばいいですか"))

    first, second = bot.line.calls("/v2/bot/message/reply")
    notice, answer = _texts(first)
    assert NOTICE_JA in notice and "30日間" in notice  # AUDIT_RETENTION_DAYS defaults to 30
    assert "円" in answer or "費用" in answer
    assert "quickReply" not in first.messages[0]
    assert _quick_replies(first)[-1] == STOP and "menu=1" in _quick_replies(first)
    assert len(_texts(second)) == 1 and NOTICE_JA not in _texts(second)[0]
    assert STOP not in _quick_replies(second)
    assert _audit_kinds(bot).count("privacy:notice") == 1


async def test_emergency_first_message_gets_119_first_then_notice(
    start_bot: StartBot, slack_standin: SlackStandin
) -> None:
    """Triage first: a first message that is an emergency gets the 119 reply as the first
    message of the reply, the notice only after it, no buttons, and the urgent card."""
    bot = await start_bot(clock=Clock(OPEN), **slack_env(slack_standin.base_url))
    await _say(bot, events.text("さっきから唇と舌が腫れてきて喉が詰まる感じがあります"))

    (reply,) = _to_patient(bot)
    emergency, notice = _texts(reply)
    assert emergency.startswith("緊急の可能性があります。今すぐ119番")
    assert NOTICE_JA in notice
    assert all("quickReply" not in m for m in reply.messages)
    (card,) = slack_standin.calls("chat.postMessage")
    assert "<!channel>" in json.dumps(card.body, ensure_ascii=False)


async def test_opt_out_leaves_no_patient_text_in_the_database(
    start_bot: StartBot, slack_standin: SlackStandin
) -> None:
    """After "don't keep my messages" the bot keeps answering and hand-offs still reach staff
    (the words go to Slack), but no table holds the patient's text once each event is handled:
    not the inbox payloads, the audit log or the outbox. Topics and outcomes stay."""
    bot = await start_bot(clock=Clock(OPEN), **slack_env(slack_standin.base_url))
    await _say(bot, events.text("副作用はありますか ZQXA"))
    assert "ZQXA" in _stored(bot)

    await _say(bot, events.text("メッセージを保存しないで"))
    stopped = _to_patient(bot)[-1]
    assert "保存せず" in _texts(stopped)[0]
    assert "ZQXA" not in _stored(bot)  # what was stored before goes too

    await _say(bot, events.text("費用はいくらですか ZQXB"), events.text("スタッフと話したい ZQXC"))
    conv = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert conv is not None and conv.owner.value == "waiting"
    assert conv.data.handoff is not None
    thread = conv.data.handoff.thread_ts
    await _staff_reply(bot, "ご予約の日時を教えてください", thread, event_id="EvStaff1")
    await _say(bot, events.text("明日の10時でお願いします ZQXD"))

    to_patient = [text for r in _to_patient(bot) for text in _texts(r)]
    assert len(to_patient) >= 6  # notice, answer, stopped, answer, hand-off, staff reply
    assert "ZQXB" not in to_patient[3] and to_patient[3]  # answered as before
    slack = json.dumps([r.body for r in slack_standin.requests], ensure_ascii=False)
    card = json.dumps(slack_standin.calls("chat.postMessage")[0].body, ensure_ascii=False)
    assert "ZQXC" not in card and "ZQXC" in slack and "ZQXD" in slack  # staff see the words

    stored = _stored(bot)
    for marker in ("ZQXA", "ZQXB", "ZQXC", "ZQXD", "保存しないで", "明日の10時", "ご予約の日時"):
        assert marker not in stored, marker
    assert _rows(bot, "SELECT COUNT(*) FROM inbox WHERE payload IS NOT NULL") == [(0,)]
    assert _rows(bot, "SELECT COUNT(*) FROM outbox WHERE payload IS NOT NULL") == [(0,)]
    assert _rows(bot, "SELECT COUNT(*) FROM audit WHERE text IS NOT NULL") == [(0,)]
    topics = [r[0] for r in _rows(bot, "SELECT topic FROM audit WHERE kind = 'answer'")]
    assert "side_effects" in topics and "cost" in topics
    assert _audit_kinds(bot).count("privacy:opt_out") == 1


async def test_opt_out_by_quick_reply(bot: Bot) -> None:
    """The notice's "Don't keep messages" quick reply opts out like the words do."""
    await _say(bot, events.text("副作用はありますか ZQXE"))
    first = bot.line.calls("/v2/bot/message/reply")[0]
    assert STOP in _quick_replies(first)

    await _say(bot, events.postback(STOP), events.text("費用はいくらですか ZQXF"))

    stored = _stored(bot)
    assert "ZQXE" not in stored and "ZQXF" not in stored
    conv = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert conv is not None and not conv.keeps_text
    assert _audit_kinds(bot).count("privacy:opt_out") == 1


async def test_delete_with_confirmation_erases_and_starts_afresh(bot: Bot) -> None:
    """ "データを削除" asks first; "Yes, delete" erases as `python -m bot forget` does (no row
    names the patient or holds their words), says what was erased, and the next message is
    from a new patient: the notice comes again."""
    await _say(bot, events.text("副作用はありますか ZQXG"), events.text("データを削除"))
    old = await peek.conversation_for_user(bot.store, events.PATIENT)
    asked = bot.line.calls("/v2/bot/message/reply")[-1]
    assert "削除しますか" in _texts(asked)[0]
    assert _quick_replies(asked) == ["privacy=delete_yes", "privacy=delete_no"]

    await _say(bot, events.postback("privacy=delete_yes"))
    done = bot.line.calls("/v2/bot/message/reply")[-1]
    assert "削除しました" in _texts(done)[0] and "会話の状態" in _texts(done)[0]
    stored = _stored(bot)
    assert "ZQXG" not in stored and events.PATIENT not in stored
    assert _rows(bot, "SELECT COUNT(*) FROM conversations") == [(0,)]
    assert _rows(bot, "SELECT method FROM audit WHERE kind = 'privacy:deleted'") == [("patient",)]

    await _say(bot, events.text("費用はいくらですか"))
    again = bot.line.calls("/v2/bot/message/reply")[-1]
    assert NOTICE_JA in _texts(again)[0] and len(_texts(again)) == 2
    new = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert old is not None and new is not None and new.id != old.id


async def test_cancel_erases_nothing(bot: Bot) -> None:
    """Cancel keeps everything as it was, and says so."""
    await _say(bot, events.text("Are there side effects? ZQXH"), events.text("delete my data"))
    before = await peek.conversation_for_user(bot.store, events.PATIENT)

    await _say(bot, events.postback("privacy=delete_no"))

    (reply,) = _texts(bot.line.calls("/v2/bot/message/reply")[-1])
    after = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert reply == "OK, nothing was deleted."
    assert before is not None and after is not None and after.id == before.id
    assert "ZQXH" in _stored(bot)
    assert "privacy:deleted" not in _audit_kinds(bot)


async def test_delete_during_hand_off_tells_staff_without_the_text(
    start_bot: StartBot, slack_standin: SlackStandin
) -> None:
    """Staff own the chat: the deletion still goes through (the bot answers the request), the
    thread gets a note without anything the patient wrote, and a later staff reply there
    reaches no one."""
    bot = await start_bot(clock=Clock(OPEN), **slack_env(slack_standin.base_url))
    await _say(bot, events.text("スタッフと話したい ZQXI"))
    conv = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert conv.data.handoff is not None
    thread = conv.data.handoff.thread_ts
    await _staff_reply(bot, "どうされましたか", thread, event_id="EvStaff2")

    await _say(bot, events.text("データを削除"))
    assert "削除しますか" in _texts(_to_patient(bot)[-1])[0]
    posted = len(slack_standin.calls("chat.postMessage"))
    await _say(bot, events.postback("privacy=delete_yes"))

    note = slack_standin.calls("chat.postMessage")[-1]
    assert len(slack_standin.calls("chat.postMessage")) == posted + 1
    assert note.body["thread_ts"] == thread and "データを削除しました" in note.body["text"]
    assert "ZQXI" not in note.body["text"]
    assert "削除しました" in _texts(_to_patient(bot)[-1])[0]
    stored = _stored(bot)
    assert "ZQXI" not in stored and events.PATIENT not in stored

    sent = len(_to_patient(bot))
    await _staff_reply(
        bot, "まだいらっしゃいますか", thread, event_id="EvStaff3", ts="1700000999.1"
    )
    assert len(_to_patient(bot)) == sent


async def test_privacy_flows_log_no_text_or_user_id(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Opting out and deleting log at INFO and above without the patient's words or id."""
    user, marker = "U" + "feed" * 8, "マーカー削除ZQXJ"
    bot = await start_bot()
    with caplog.at_level(logging.INFO):
        await _say(
            bot,
            events.text("メッセージを保存しないで " + marker, user=user),
            events.text("データを削除 " + marker, user=user),
            events.postback("privacy=delete_yes", user=user),
        )
    lines = [
        JsonFormatter().format(r)
        for r in caplog.records
        if r.levelno >= logging.INFO and r.name != "aiohttp.access"
    ]
    assert any('"topic": "deleted"' in line for line in lines)
    assert [line for line in lines if marker in line or user in line] == []
