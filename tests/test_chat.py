"""`chat` in the terminal taps quick replies and the menu exactly as LINE does."""

import io
from datetime import UTC, datetime

import pytest

from bot import core
from bot.channels.line_events import LineEvent
from bot.cli.ask import chat, postback, tapped
from bot.core.decision import Choice, Decision, Kind, Owner, State
from bot.core.knowledge import Knowledge
from bot.pipeline.plan_line import decide_event
from bot.store import Conversation, ConversationData

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def talk(knowledge: Knowledge, *lines: str) -> str:
    """What `chat` prints for these lines, as if piped in."""
    out = io.StringIO()
    chat([line + "\n" for line in lines], knowledge, out, prompt=False)
    return out.getvalue()


def shown(decision: Decision) -> str:
    """A decision as `chat` prints it."""
    choices = "".join(f"  {i}) {c.label}\n" for i, c in enumerate(decision.choices, 1))
    staff = "  (staff would be notified here)\n" if decision.needs_staff else ""
    return f"{decision.text}\n{choices}{staff}"


@pytest.mark.parametrize("word", ["menu", "メニュー", "MENU", "ﾒﾆｭｰ"])
def test_menu_word_opens_the_topic_menu(knowledge: Knowledge, word: str) -> None:
    """`menu` does what LINE's menu button does: the topic menu, numbered."""
    expected = core.show_menu("ja", State(), knowledge)

    assert talk(knowledge, word) == shown(expected)
    assert expected.choices  # the menu has topics to number


def test_a_number_taps_the_quick_reply(knowledge: Knowledge) -> None:
    """After the menu, its first reply ("talk to staff", `staff=asked`) brings in staff."""
    menu = core.show_menu("ja", State(), knowledge)
    assert menu.choices[0].data.startswith("staff=")

    printed = talk(knowledge, "menu", "1")

    assert printed.endswith("  (staff would be notified here)\n")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("lang=en", Kind.LANGUAGE, id="lang"),
        pytest.param("staff=asked", Kind.HANDOFF, id="staff"),
        pytest.param("menu=1", Kind.GREETING, id="menu"),
        pytest.param("topic=cost", Kind.ANSWER, id="topic"),
    ],
)
def test_typed_postback_data_is_a_tap(knowledge: Knowledge, line: str, expected: Kind) -> None:
    """Postback data typed as is (`lang=en`, `staff=asked`, ...) is sent as the tap, not read
    as a question."""
    out = io.StringIO()
    chat([line + "\n"], knowledge, out, prompt=False)

    decision = postback(line, State(), knowledge)
    assert decision.kind is expected
    assert out.getvalue() == shown(decision)


def test_lang_postback_switches_the_conversation(knowledge: Knowledge) -> None:
    """After `lang=en` a language-neutral message is answered in English."""
    switched = postback("lang=en", State(), knowledge)
    english = core.decide("👍", switched.state, NOW, knowledge)

    printed = talk(knowledge, "lang=en", "👍")

    assert switched.lang == "en"
    assert printed == shown(switched) + shown(english)


@pytest.mark.parametrize(
    ("text", "data"),
    [
        pytest.param("menu", "menu=1", id="menu-word"),
        pytest.param("2", "topic=b", id="number"),
        pytest.param("9", None, id="number-out-of-range"),
        pytest.param("lang=en", "lang=en", id="postback"),
        pytest.param("price=1", None, id="unknown-key"),
        pytest.param("staff = asked", None, id="spaces-make-it-a-message"),
        pytest.param("how much is it", None, id="message"),
    ],
)
def test_tapped(text: str, data: str | None) -> None:
    """Which chat lines stand for a tap, and the postback data each sends."""
    last = Decision(
        Kind.GREETING, "menu", "ja", "", (Choice("A", "topic=a"), Choice("B", "topic=b"))
    )

    assert tapped(text, last) == data


@pytest.mark.parametrize(
    "data",
    [
        "lang=en",
        "lang=ja",
        "lang=xx",
        "staff=asked",
        "menu=1",
        "topic=cost",
        "topic=nope",
        "?",
        "privacy=show",
        "privacy=delete",
        "privacy=delete_yes",
    ],
)
async def test_postbacks_decide_as_on_line(knowledge: Knowledge, data: str) -> None:
    """Each postback gives chat the decision the LINE webhook gives a patient, because both
    use the webhook's own postback handling."""
    conv = Conversation(
        id="c1",
        user_key="U1",
        lang=None,
        misses=0,
        owner=Owner.BOT,
        version=1,
        data=ConversationData(),
        created_at=NOW,
        updated_at=NOW,
        notice_at=NOW,  # the privacy notice was shown: only the tap itself is compared
    )
    event = LineEvent("postback", "ev1", "postback", user_id="U1", postback=data)
    on_line = decide_event(event, conv, knowledge, NOW)

    assert postback(data, State(notice_seen=True), knowledge) == on_line
