"""Who answers the patient: the bot, or staff on Slack. A pure state machine.

    bot ──(needs staff)──► waiting ──(staff reply / Take over)──► staff
     ▲                        │                                    │
     └──(Return to bot / Close / idle too long)────────────────────┘

The hand-off lives in the conversation's data under "handoff" as plain JSON. Every function
takes the current value and `now`, and returns the new value plus the effects to carry out
(messages to the patient, posts and updates in Slack); `conversation` saves both in one
transaction and then sends. Nothing here does I/O or reads a clock, so every transition is a
table test. Transitions are idempotent: a second click of the same button changes nothing.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.core.decision import Owner
from bot.hours import BusinessHours, add_business_minutes, is_open, next_opening

Handoff = dict[str, Any]
Notice = Literal["waiting", "after_hours", "returned", "closed", "idle", "unreachable"]
Action = Literal["take_over", "return", "close"]


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

    what: Literal["patient", "reannounce", "emergency", "returned", "closed", "idle"]
    text: str = ""


@dataclass(frozen=True)
class UpdateCard:
    """Show on the card who did what."""

    status: Literal["waiting", "taken", "returned", "closed", "idle"]
    by: str | None = None


Effect = TellPatient | PostCard | PostInThread | UpdateCard


@dataclass(frozen=True)
class Step:
    """The outcome of one transition."""

    owner: Owner
    handoff: Handoff | None
    effects: tuple[Effect, ...] = field(default_factory=tuple)


def _iso(at: datetime) -> str:
    return at.isoformat()


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


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
        updated = dict(current, last_activity=_iso(now), urgent=current.get("urgent") or urgent)
        return Step(owner, updated, effects)
    handoff: Handoff = {
        "id": uuid.uuid4().hex,
        "reason": reason,
        "urgent": urgent,
        "opened_at": _iso(now),
        "last_activity": _iso(now),
        "reannounce_at": _iso(_reannounce_at(policy, now)),
        "reannounced": 0,
        "thread_ts": None,
        "staff": None,
    }
    tell = TellPatient("waiting")
    if policy.hours is not None and not is_open(policy.hours, now):
        tell = TellPatient("after_hours", next_opening(policy.hours, now))
    # An emergency's patient notice is the 119 message the core already sent.
    effects = (PostCard(reason, urgent),) if urgent else (tell, PostCard(reason, urgent))
    return Step(Owner.WAITING, handoff, effects)


def patient_wrote(owner: Owner, current: Handoff, text: str, now: datetime) -> Step:
    """A message from the patient while staff own the conversation goes to the thread."""
    return Step(owner, dict(current, last_activity=_iso(now)), (PostInThread("patient", text),))


def staff_replied(owner: Owner, current: Handoff, staff: str, now: datetime) -> Step:
    """A staff reply in the thread: staff now own the conversation (a closed one reopens)."""
    updated = dict(
        current, last_activity=_iso(now), staff=current.get("staff") or staff, closed=False
    )
    effects: tuple[Effect, ...] = () if owner is Owner.STAFF else (UpdateCard("taken", staff),)
    return Step(Owner.STAFF, updated, effects)


def pressed(
    owner: Owner, current: Handoff | None, action: Action, staff: str, now: datetime
) -> Step:
    """A button on the card. Pressing what already happened changes nothing."""
    if current is None or current.get("closed"):
        return Step(owner, current)
    if action == "take_over":
        if owner is Owner.STAFF and current.get("staff"):
            return Step(owner, current)
        updated = dict(current, staff=staff, last_activity=_iso(now))
        return Step(Owner.STAFF, updated, (UpdateCard("taken", staff),))
    if owner is Owner.BOT:
        return Step(owner, current)
    if action == "return":
        updated = dict(current, returned_by=staff, last_activity=_iso(now))
        return Step(Owner.BOT, updated, (TellPatient("returned"), UpdateCard("returned", staff)))
    updated = dict(current, closed=True, closed_by=staff, last_activity=_iso(now))
    return Step(Owner.BOT, updated, (TellPatient("closed"), UpdateCard("closed", staff)))


def tick(owner: Owner, current: Handoff | None, now: datetime, policy: Policy) -> Step:
    """Deadlines: re-announce an unanswered card; hand an idle conversation back to the bot."""
    if owner is Owner.BOT or current is None:
        return Step(owner, current)
    last = _at(current.get("last_activity")) or now
    if now - last >= policy.idle:
        updated = dict(current, closed=True, closed_by=None)
        return Step(Owner.BOT, updated, (TellPatient("idle"), UpdateCard("idle")))
    due = _at(current.get("reannounce_at"))
    count = int(current.get("reannounced", 0))
    if owner is Owner.WAITING and due is not None and now >= due and count < policy.max_reannounce:
        updated = dict(
            current, reannounced=count + 1, reannounce_at=_iso(_reannounce_at(policy, now))
        )
        return Step(owner, updated, (PostInThread("reannounce"),))
    return Step(owner, current)


def next_deadline(owner: Owner, current: Handoff | None, policy: Policy) -> datetime | None:
    """When `tick` next has something to do, for the scheduler."""
    if owner is Owner.BOT or current is None:
        return None
    last = _at(current.get("last_activity"))
    idle_at = last + policy.idle if last else None
    due = _at(current.get("reannounce_at"))
    if owner is not Owner.WAITING or int(current.get("reannounced", 0)) >= policy.max_reannounce:
        due = None
    candidates = [d for d in (idle_at, due) if d is not None]
    return min(candidates) if candidates else None
