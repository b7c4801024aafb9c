"""Safety triage over real HTTP: one message of each outcome, from the signed LINE webhook to
the LINE reply (stand-in) and the Slack card (stand-in) with its urgency."""

import json

import pytest

from tests.server import events
from tests.server.conftest import StartBot, slack_env
from tests.server.test_slack import CLOSED, OPEN, Clock, _to_patient
from tests.standins.slack_api import SlackStandin
from tests.store import peek

REASONS = {
    "anaphylaxis": "anaphylaxis",
    "自傷": "self_harm",
    "fever": "symptom:fever",
    "anticoagulant": "medical:anticoagulant",
}


@pytest.mark.parametrize(
    ("text", "reply_starts", "reply_has", "urgent", "card_says"),
    [
        pytest.param(
            "さっきから唇と舌が腫れてきて喉が詰まる感じがあります",
            "緊急の可能性があります。今すぐ119番",
            "横になって",
            True,
            "anaphylaxis",
            id="emergency",
        ),
        pytest.param(
            "もう消えてしまいたいです", "つらい気持ち", "0120-279-338", True, "自傷", id="self-harm"
        ),
        pytest.param(
            "昨日の点滴のあとから38度の熱があります",
            "お知らせいただきありがとうございます",
            "#7119",
            False,
            "fever",
            id="symptom",
        ),
        pytest.param(
            "ワーファリンを飲んでいますが、予約しても大丈夫でしょうか",
            "お知らせいただきありがとうございます",
            "主治医に相談せずに",
            False,
            "anticoagulant",
            id="medical",
        ),
    ],
)
async def test_each_outcome_reaches_line_and_slack(
    start_bot: StartBot,
    slack_standin: SlackStandin,
    text: str,
    reply_starts: str,
    reply_has: str,
    urgent: bool,
    card_says: str,
) -> None:
    bot = await start_bot(clock=Clock(OPEN), **slack_env(slack_standin.base_url))
    assert await bot.send(events.text(text)) == 200
    await bot.settle()
    (reply,) = _to_patient(bot)
    said = reply.messages[0]["text"]
    assert said.startswith(reply_starts) and reply_has in said
    assert "quickReply" not in reply.messages[0]  # never a menu
    (card,) = slack_standin.calls("chat.postMessage")
    card_text = json.dumps(card.body, ensure_ascii=False)
    assert ("<!channel>" in card_text) is urgent
    assert card_says in card_text
    conv = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert conv is not None
    assert conv.data.handoff is not None
    assert conv.data.handoff.reason == REASONS[card_says]


async def test_after_hours_symptom_report_says_when_to_call_119(
    start_bot: StartBot, slack_standin: SlackStandin
) -> None:
    """Outside opening hours the card is posted at once and the patient is told when staff
    will answer and when to call 119 or #7119."""
    bot = await start_bot(clock=Clock(CLOSED), **slack_env(slack_standin.base_url))
    await bot.send(events.text("注射したところの腫れが昨日より大きくなってきています"))
    await bot.settle()
    said = "\n".join(m["text"] for r in _to_patient(bot) for m in r.messages)
    assert "119番へ" in said and "#7119" in said
    assert len(slack_standin.calls("chat.postMessage")) == 1
