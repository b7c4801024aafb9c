"""The hand-off state machine as tables: every transition, its effects, and idempotence."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.decision import Owner
from bot.core.handoff import (
    Handoff,
    Policy,
    PostCard,
    PostInThread,
    TellPatient,
    UpdateCard,
    next_deadline,
    open_handoff,
    patient_wrote,
    pressed,
    staff_replied,
    tick,
)

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tue 11:00 in Tokyo
ALWAYS = Policy()


def _open(reason: str = "asked", urgent: bool = False) -> Handoff:
    step = open_handoff(Owner.BOT, None, reason, urgent, NOW, ALWAYS)
    assert step.handoff is not None
    return step.handoff


@pytest.mark.parametrize(
    ("reason", "urgent", "effects"),
    [
        pytest.param(
            "asked", False, (TellPatient("waiting"), PostCard("asked", False)), id="asked"
        ),
        pytest.param(
            "unanswered",
            False,
            (TellPatient("waiting"), PostCard("unanswered", False)),
            id="unanswered-twice",
        ),
        pytest.param("emergency", True, (PostCard("emergency", True),), id="emergency-card-only"),
    ],
)
def test_opening_a_handoff(reason: str, urgent: bool, effects: tuple[object, ...]) -> None:
    """Needing staff moves the bot to waiting, tells the patient and opens a card."""
    step = open_handoff(Owner.BOT, None, reason, urgent, NOW, ALWAYS)
    assert step.owner is Owner.WAITING
    assert step.effects == effects
    assert step.handoff is not None and step.handoff.reason == reason


@pytest.mark.parametrize("owner", [Owner.WAITING, Owner.STAFF])
def test_emergency_while_with_staff_pings_the_thread(owner: Owner) -> None:
    """An emergency during a hand-off adds an urgent ping; no second card."""
    step = open_handoff(owner, _open(), "emergency", True, NOW, ALWAYS)
    assert step.owner is owner
    assert step.effects == (PostInThread("emergency"),)
    assert step.handoff is not None and step.handoff.urgent is True


def test_patient_messages_go_to_the_thread() -> None:
    """While staff own the conversation, the patient's text is relayed to the thread."""
    step = patient_wrote(Owner.STAFF, _open(), "まだ痛いです", NOW)
    assert step.effects == (PostInThread("patient", "まだ痛いです"),)


def test_first_staff_reply_takes_over() -> None:
    """A staff reply makes staff the owner and updates the card once."""
    first = staff_replied(Owner.WAITING, _open(), "U222STAFF", NOW)
    second = staff_replied(first.owner, first.handoff, "U222STAFF", NOW)
    assert first.owner is Owner.STAFF and first.effects == (UpdateCard("taken", "U222STAFF"),)
    assert second.effects == ()


@pytest.mark.parametrize(
    ("owner", "action", "new_owner", "effects"),
    [
        pytest.param(
            Owner.WAITING, "take_over", Owner.STAFF, (UpdateCard("taken", "U1"),), id="take"
        ),
        pytest.param(
            Owner.STAFF,
            "return",
            Owner.BOT,
            (TellPatient("returned"), UpdateCard("returned", "U1")),
            id="return",
        ),
        pytest.param(
            Owner.WAITING,
            "close",
            Owner.BOT,
            (TellPatient("closed"), UpdateCard("closed", "U1")),
            id="close-waiting",
        ),
        pytest.param(
            Owner.STAFF,
            "close",
            Owner.BOT,
            (TellPatient("closed"), UpdateCard("closed", "U1")),
            id="close-staff",
        ),
        pytest.param(Owner.BOT, "return", Owner.BOT, (), id="return-when-bot-is-noop"),
    ],
)
def test_buttons(owner: Owner, action: str, new_owner: Owner, effects: tuple[object, ...]) -> None:
    """Take over, Return to bot and Close move ownership and say so."""
    step = pressed(owner, _open(), action, "U1", NOW)  # type: ignore[arg-type]
    assert (step.owner, step.effects) == (new_owner, effects)


def test_buttons_are_idempotent() -> None:
    """A second click of Close (or Take over) changes nothing and says nothing."""
    closed = pressed(Owner.STAFF, _open(), "close", "U1", NOW)
    again = pressed(closed.owner, closed.handoff, "close", "U1", NOW)
    taken = pressed(Owner.WAITING, _open(), "take_over", "U1", NOW)
    taken_again = pressed(taken.owner, taken.handoff, "take_over", "U2", NOW)
    assert again.effects == () and again.owner is Owner.BOT
    assert taken_again.effects == () and taken_again.handoff == taken.handoff


def test_unanswered_card_is_reannounced_then_stops() -> None:
    """No staff reply within the wait re-announces the card, at most `max_reannounce` times."""
    policy = Policy(wait_minutes=15, max_reannounce=2)
    handoff = open_handoff(Owner.BOT, None, "asked", False, NOW, policy).handoff
    early = tick(Owner.WAITING, handoff, NOW + timedelta(minutes=14), policy)
    first = tick(Owner.WAITING, handoff, NOW + timedelta(minutes=15), policy)
    second = tick(Owner.WAITING, first.handoff, NOW + timedelta(minutes=30), policy)
    third = tick(Owner.WAITING, second.handoff, NOW + timedelta(minutes=45), policy)
    assert early.effects == ()
    assert first.effects == second.effects == (PostInThread("reannounce"),)
    assert third.effects == ()
    assert next_deadline(Owner.WAITING, third.handoff, policy) == NOW + timedelta(hours=24)


def test_idle_conversation_returns_to_the_bot() -> None:
    """A staff conversation silent for the idle time goes back to the bot with a notice."""
    taken = pressed(Owner.WAITING, _open(), "take_over", "U1", NOW)
    step = tick(Owner.STAFF, taken.handoff, NOW + timedelta(hours=24), ALWAYS)
    assert step.owner is Owner.BOT
    assert step.effects == (TellPatient("idle"), UpdateCard("idle"))


def test_no_deadline_when_the_bot_answers() -> None:
    """A conversation the bot owns has nothing to watch."""
    assert next_deadline(Owner.BOT, _open(), ALWAYS) is None


def test_staff_reply_after_close_reopens_and_can_be_closed_again() -> None:
    """Staff writing in a closed thread take the patient back; Close works again after."""
    closed = pressed(Owner.STAFF, _open(), "close", "U1", NOW)
    reopened = staff_replied(closed.owner, closed.handoff, "U1", NOW)
    again = pressed(reopened.owner, reopened.handoff, "close", "U1", NOW)
    assert reopened.owner is Owner.STAFF
    assert again.owner is Owner.BOT and again.effects == (
        TellPatient("closed"),
        UpdateCard("closed", "U1"),
    )
