"""Who answers the patient: the bot, or staff on Slack. A pure state machine.

    bot ──(needs staff)──► waiting ──(staff reply / Take over)──► staff
     ▲                        │                                    │
     └──(Return to bot / Close / idle too long)────────────────────┘

The hand-off is a frozen `Handoff` kept in the conversation's data (`ConversationData.handoff`);
the store turns it into JSON and back (`bot.store.codec`), so every reader here and in Slack is
checked by mypy. Every function takes the current value and `now`, and returns the new value plus
the effects to carry out (messages to the patient, posts and updates in Slack); `conversation`
saves both in one transaction and then sends. Nothing here does I/O or reads a clock, so every
transition is a table test. Transitions are idempotent: a second click of the same button
changes nothing.
"""

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from bot.core.decision import Owner
from bot.core.hours import BusinessHours, add_business_minutes, is_open, next_opening
from bot.lang import DEFAULT_LANG, Lang

Notice = Literal["waiting", "after_hours", "returned", "closed", "idle", "unreachable"]
Action = Literal["take_over", "return", "close"]
ThreadLine = Literal["patient", "reannounce", "emergency", "returned", "closed", "idle"]
CardStatus = Literal["waiting", "taken", "returned", "closed", "idle"]


@dataclass(frozen=True)
class Card:
    """What the staff card shows, fixed when staff are brought in.

    `recent` quotes the patient's last exchanges; None once the retention took them off
    (`Store.prune`) or for a card saved before they were shown.
    """

    reason: str = "asked"
    urgent: bool = False
    lang: Lang = DEFAULT_LANG
    name: str | None = None  # the LINE display name, never the user id
    recent: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Handoff:
    """One hand-off to staff, from the moment staff are needed until it is back with the bot.

    Every field has a default because rows saved by earlier versions may lack any of them
    (one written before the card existed holds only `reason`); the functions below read a
    missing deadline as "none due", as they always have.
    """

    id: str = ""
    reason: str | None = None
    urgent: bool = False
    opened_at: datetime | None = None
    last_activity: datetime | None = None
    reannounce_at: datetime | None = None
    reannounced: int = 0
    thread_ts: str | None = None  # the card's Slack ts, once posted
    staff: str | None = None  # who took it over (Slack user id)
    closed: bool = False
    closed_by: str | None = None
    returned_by: str | None = None
    card: Card | None = None


@dataclass(frozen=True)
class Policy:
    """The clinic's settings for hand-offs."""

    hours: BusinessHours | None = None  # None: always open
    wait_minutes: float = 15.0  # business minutes before an unanswered card is re-announced
    idle: timedelta = timedelta(hours=24)  # no message for this long returns the patient to the bot
    max_reannounce: int = 4


@dataclass(frozen=True)
class TellPatient:
    """A notice to the patient in their language; `opening` is set for after-hours notices."""

    notice: Notice
    opening: datetime | None = None


@dataclass(frozen=True)
class PostCard:
    """Open the hand-off card in the staff channel."""

    reason: str
    urgent: bool


@dataclass(frozen=True)
class PostInThread:
    """A line in the hand-off thread: a relayed patient message, a re-announcement, a ping."""

    what: ThreadLine
    text: str = ""


@dataclass(frozen=True)
class UpdateCard:
    """Show on the card who did what."""

    status: CardStatus
    by: str | None = None


Effect = TellPatient | PostCard | PostInThread | UpdateCard


@dataclass(frozen=True)
class Step:
    """The outcome of one transition."""

    owner: Owner
    handoff: Handoff | None
    effects: tuple[Effect, ...] = field(default_factory=tuple)


def _reannounce_at(policy: Policy, now: datetime) -> datetime:
    if policy.hours is None:
        return now + timedelta(minutes=policy.wait_minutes)
    return add_business_minutes(policy.hours, now, policy.wait_minutes)


def open_handoff(
    owner: Owner, current: Handoff | None, reason: str, urgent: bool, now: datetime, policy: Policy
) -> Step:
    """The patient needs staff (asked, emergency, unanswered twice, wants to consult)."""
    if owner is not Owner.BOT and current is not None:
        # Already with staff: an emergency is pinged again; anything else is just relayed.
        effects: tuple[Effect, ...] = (PostInThread("emergency"),) if urgent else ()
        updated = replace(current, last_activity=now, urgent=current.urgent or urgent)
        return Step(owner, updated, effects)
    handoff = Handoff(
        id=uuid.uuid4().hex,
        reason=reason,
        urgent=urgent,
        opened_at=now,
        last_activity=now,
        reannounce_at=_reannounce_at(policy, now),
    )
    tell = TellPatient("waiting")
    if policy.hours is not None and not is_open(policy.hours, now):
        tell = TellPatient("after_hours", next_opening(policy.hours, now))
    # An emergency's patient notice is the 119 message the core already sent.
    effects = (PostCard(reason, urgent),) if urgent else (tell, PostCard(reason, urgent))
    return Step(Owner.WAITING, handoff, effects)


def patient_wrote(owner: Owner, current: Handoff, text: str, now: datetime) -> Step:
    """A message from the patient while staff own the conversation goes to the thread."""
    return Step(owner, replace(current, last_activity=now), (PostInThread("patient", text),))


def staff_replied(owner: Owner, current: Handoff | None, staff: str | None, now: datetime) -> Step:
    """A staff reply in the thread: staff now own the conversation (a closed one reopens).

    Without a hand-off (a reply in a thread whose hand-off was lost) one is started from
    defaults, as it always was; `staff` is None when Slack left the user out."""
    current = current or Handoff()
    updated = replace(current, last_activity=now, staff=current.staff or staff, closed=False)
    effects: tuple[Effect, ...] = () if owner is Owner.STAFF else (UpdateCard("taken", staff),)
    return Step(Owner.STAFF, updated, effects)


def pressed(
    owner: Owner, current: Handoff | None, action: Action, staff: str, now: datetime
) -> Step:
    """A button on the card. Pressing what already happened changes nothing."""
    if current is None or current.closed:
        return Step(owner, current)
    if action == "take_over":
        if owner is Owner.STAFF and current.staff:
            return Step(owner, current)
        updated = replace(current, staff=staff, last_activity=now)
        return Step(Owner.STAFF, updated, (UpdateCard("taken", staff),))
    if owner is Owner.BOT:
        return Step(owner, current)
    if action == "return":
        updated = replace(current, returned_by=staff, last_activity=now)
        return Step(Owner.BOT, updated, (TellPatient("returned"), UpdateCard("returned", staff)))
    updated = replace(current, closed=True, closed_by=staff, last_activity=now)
    return Step(Owner.BOT, updated, (TellPatient("closed"), UpdateCard("closed", staff)))


def tick(owner: Owner, current: Handoff | None, now: datetime, policy: Policy) -> Step:
    """Deadlines: re-announce an unanswered card; hand an idle conversation back to the bot."""
    if owner is Owner.BOT or current is None:
        return Step(owner, current)
    last = current.last_activity or now
    if now - last >= policy.idle:
        updated = replace(current, closed=True, closed_by=None)
        return Step(Owner.BOT, updated, (TellPatient("idle"), UpdateCard("idle")))
    due = current.reannounce_at
    count = current.reannounced
    if owner is Owner.WAITING and due is not None and now >= due and count < policy.max_reannounce:
        updated = replace(current, reannounced=count + 1, reannounce_at=_reannounce_at(policy, now))
        return Step(owner, updated, (PostInThread("reannounce"),))
    return Step(owner, current)


def next_deadline(owner: Owner, current: Handoff | None, policy: Policy) -> datetime | None:
    """When `tick` next has something to do, for the scheduler."""
    if owner is Owner.BOT or current is None:
        return None
    last = current.last_activity
    idle_at = last + policy.idle if last else None
    due = current.reannounce_at
    if owner is not Owner.WAITING or current.reannounced >= policy.max_reannounce:
        due = None
    candidates = [d for d in (idle_at, due) if d is not None]
    return min(candidates) if candidates else None
