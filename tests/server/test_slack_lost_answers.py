"""A Slack post whose answer is lost is not posted twice (issue #12: "Slack posts get the same
treatment, idempotent where Slack allows").

Slack has no idempotency key for chat.postMessage. Before, a card or thread line that Slack
posted but answered after the client's timeout was posted again by the event's retry. The
stand-in holds its answer back (`Forced(delay=...)`) after storing the message, as a slow Slack
would, and the client gives up after SLACK_TIMEOUT_SECONDS.
"""

from typing import Any

import pytest

from bot.channels.slack_cards import LINE_METADATA_TYPE, METADATA_TYPE
from tests.server import events
from tests.server.conftest import Bot, StartBot, slack_env
from tests.standins.slack_api import Forced, SlackStandin
from tests.standins.slack_requests import STAFF_CHANNEL
from tests.store import peek

LATE = Forced(delay=1.6)  # posted, but answered after the bot's 1 s timeout


@pytest.fixture(name="bot")
async def _bot(start_bot: StartBot, slack_standin: SlackStandin) -> Bot:
    bot: Bot = await start_bot(SLACK_TIMEOUT_SECONDS="1", **slack_env(slack_standin.base_url))
    return bot


def _posted(slack_standin: SlackStandin, event_type: str) -> list[dict[str, Any]]:
    """Messages in the staff channel (threads included) carrying our metadata type."""
    return [
        m
        for m in slack_standin.messages[STAFF_CHANNEL]
        if (m.get("metadata") or {}).get("event_type") == event_type
    ]


async def test_a_card_whose_answer_was_lost_is_found_not_posted_again(
    bot: Bot, slack_standin: SlackStandin
) -> None:
    slack_standin.script("chat.postMessage", LATE)
    await bot.send(events.text("スタッフと話したい"))
    await bot.settle()

    (card,) = _posted(slack_standin, METADATA_TYPE)
    conv = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert conv.data.handoff.thread_ts == card["ts"]  # the found card is the thread
    assert await bot.store.conversation_for_thread(card["ts"]) is not None
    assert slack_standin.calls("conversations.history")  # it looked before posting again
    assert len(bot.line.delivered) == 1  # the patient was told once


async def test_a_thread_line_whose_answer_was_lost_is_found_not_posted_again(
    bot: Bot, slack_standin: SlackStandin
) -> None:
    await bot.send(events.text("スタッフと話したい"))
    await bot.settle()
    slack_standin.script("chat.postMessage", LATE)
    await bot.send(events.text("予約の変更もお願いしたいです"))
    await bot.settle()

    lines = _posted(slack_standin, LINE_METADATA_TYPE)
    assert len(lines) == 1
    assert "予約の変更" in lines[0]["text"]
    assert slack_standin.calls("conversations.replies")


async def test_a_refused_look_up_still_posts(bot: Bot, slack_standin: SlackStandin) -> None:
    """A look-up Slack refuses for good (a missing scope) must not lose the card: better a
    card twice than none."""
    slack_standin.script("chat.postMessage", LATE)
    slack_standin.script("conversations.history", "missing_scope")
    await bot.send(events.text("スタッフと話したい"))
    await bot.settle()

    cards = _posted(slack_standin, METADATA_TYPE)
    assert len(cards) == 2
    conv = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert conv.data.handoff.thread_ts == cards[-1]["ts"]
