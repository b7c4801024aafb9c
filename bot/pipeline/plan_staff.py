"""Turn hand-off transitions into saved messages, and plan the events staff and timers cause.

`effects` is the one place where a `handoff` effect becomes an outbox message: a notice to the
patient on LINE (by push: these come minutes after the patient's last message) or a Slack
operation. Slack events (a staff reply, a button) and deadline ticks are planned here, purely:
`read_staff_event` reads the stored event, and `plan_staff_event` needs nothing else but the
conversation, the knowledge, the policy and the time.
"""

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import cast, get_args

from bot.core import handoff, texts
from bot.core.hours import format_opening
from bot.core.knowledge import Knowledge
from bot.lang import DEFAULT_LANG, Lang
from bot.pipeline.outbox import (
    Confirm,
    LineMessage,
    Outbound,
    SlackCard,
    SlackThread,
    SlackUpdate,
    retry_key,
    slack,
)
from bot.store import AuditEntry, Conversation

TRIAGED = (
    "symptom:",
    "medical:",
)  # hand-off reasons from triage: after hours, say when to call 119

_NOTICES = {
    "returned": texts.returned,
    "closed": texts.closed,
    "idle": texts.idle,
    "unreachable": texts.unreachable,
}


@dataclass(frozen=True)
class Plan:
    """The new conversation and the messages (and audit entries) to save with it.

    With `erase`, the patient asked to delete their data: nothing of `conv` is saved; the
    store erases the patient and keeps only `outgoing` (what the patient and staff are told).
    """

    conv: Conversation
    outgoing: list[Outbound]
    kind: str
    topic: str | None = None
    audit: tuple[AuditEntry, ...] = ()
    erase: bool = False


@dataclass(frozen=True)
class StaffReply:
    """A staff member wrote in a hand-off thread (`channels.slack` stored it)."""

    user: str | None  # Slack user id; Slack may leave it out
    text: str
    ts: str
    thread_ts: str


@dataclass(frozen=True)
class Pressed:
    """A button on a hand-off card."""

    action: handoff.Action
    user: str


@dataclass(frozen=True)
class Tick:
    """A hand-off deadline came (`scheduler`); any other stored kind is read as one too."""


StaffEvent = StaffReply | Pressed | Tick


class UnreadableStaffEventError(ValueError):
    """A stored Slack event lacks a field it needs (named, never its value)."""


def _field(body: dict[str, object], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise UnreadableStaffEventError(key)
    return value


def read_staff_event(payload: str) -> StaffEvent:
    """The inbox payload of a Slack or timer event as a value."""
    body = json.loads(payload)
    if not isinstance(body, dict):
        raise UnreadableStaffEventError("payload")
    kind = body.get("kind")
    if kind == "staff_reply":
        user = body.get("user")
        return StaffReply(
            user if isinstance(user, str) else None,
            _field(body, "text"),
            _field(body, "ts"),
            _field(body, "thread_ts"),
        )
    if kind == "action":
        action = body.get("action")
        if action not in get_args(handoff.Action):
            raise UnreadableStaffEventError("action")
        return Pressed(cast("handoff.Action", action), _field(body, "user"))
    return Tick()


def lang_of(conv: Conversation) -> Lang:
    return conv.lang or DEFAULT_LANG


def _patient_notice(
    effect: handoff.TellPatient, step: handoff.Step, k: Knowledge, lang: Lang
) -> list[str]:
    """Lines to append to the reply being sent for an after-hours notice, else nothing."""
    if effect.notice != "after_hours" or effect.opening is None:
        return []
    _ = texts.texts_for(k.catalogs, lang)
    lines = [texts.after_hours(_, format_opening(effect.opening, lang))]
    reason = step.handoff.reason if step.handoff else None
    if (reason or "").startswith(TRIAGED):
        lines.append(texts.after_hours_safety(_, k.clinic))
    return lines


def effects(
    step: handoff.Step,
    conv: Conversation,
    k: Knowledge,
    *,
    source: str,
    event_id: str,
    first_seq: int,
) -> tuple[Conversation, list[Outbound], list[str]]:
    """The conversation after `step`, the messages its effects need, and lines for the patient
    to append to a reply already being sent (after-hours notice)."""
    lang = lang_of(conv)
    _ = texts.texts_for(k.catalogs, lang)
    rows: list[Outbound] = []
    appended: list[str] = []
    for effect in step.effects:
        if isinstance(effect, handoff.TellPatient):
            appended += _patient_notice(effect, step, k, lang)
            if effect.notice != "after_hours" and effect.notice in _NOTICES:
                message = LineMessage(
                    user_id=conv.user_key,
                    texts=(_NOTICES[effect.notice](_),),
                    kind="notice",
                    topic=effect.notice,
                    lang=lang,
                )
                rows.append(Outbound(message, retry_key(source, event_id, first_seq + len(rows))))
        elif isinstance(effect, handoff.PostCard):
            rows.append(slack(SlackCard()))
        elif isinstance(effect, handoff.PostInThread):
            rows.append(slack(SlackThread(effect.what, effect.text)))
        elif isinstance(effect, handoff.UpdateCard):
            rows.append(slack(SlackUpdate(effect.status, effect.by)))
    data = replace(conv.data, handoff=step.handoff)
    return replace(conv, owner=step.owner, data=data), rows, appended


def plan_staff_event(
    event: StaffEvent,
    event_id: str,
    conv: Conversation,
    k: Knowledge,
    policy: handoff.Policy,
    now: datetime,
    labels: dict[str, str],
) -> Plan:
    """A staff reply, a card button or a deadline tick for one conversation."""
    current = conv.data.handoff
    if isinstance(event, StaffReply):
        step = handoff.staff_replied(conv.owner, current, event.user, now)
        lang = lang_of(conv)
        label = labels.get(lang) or texts.staff_label(texts.texts_for(k.catalogs, lang))
        reply = LineMessage(
            user_id=conv.user_key,
            texts=(f"{label}\n{event.text}",),
            kind="staff",
            topic=None,
            lang=lang,
            confirm=Confirm(event.ts, event.thread_ts),
        )
        new, rows, _ = effects(step, conv, k, source="slack", event_id=event_id, first_seq=1)
        return Plan(new, [Outbound(reply, retry_key("slack", event_id, 0)), *rows], "staff_reply")
    if isinstance(event, Pressed):
        step = handoff.pressed(conv.owner, current, event.action, event.user, now)
        new, rows, _ = effects(step, conv, k, source="slack", event_id=event_id, first_seq=0)
        return Plan(new, rows, f"action:{event.action}")
    step = handoff.tick(conv.owner, current, now, policy)
    if step.handoff == current and step.owner is conv.owner:
        return Plan(conv, [], "tick")
    new, rows, _ = effects(step, conv, k, source="timer", event_id=event_id, first_seq=0)
    return Plan(new, rows, "tick")
