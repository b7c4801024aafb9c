"""Turn hand-off transitions into saved messages, and plan the events staff and timers cause.

`effects` is the one place where a `handoff` effect becomes an outbox row: a notice to the
patient on LINE (by push: these come minutes after the patient's last message) or a Slack
operation. Slack events (a staff reply, a button) and deadline ticks are planned here.
"""

import json
from dataclasses import dataclass, replace
from typing import Any

from bot import handoff
from bot.core import texts
from bot.core.decision import Owner
from bot.core.knowledge import Knowledge
from bot.hours import format_opening
from bot.lang import DEFAULT_LANG, Lang
from bot.outbox import line_message, retry_key, slack_op
from bot.store import AuditEntry, Claimed, Conversation, NewOutgoing

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
    outgoing: list[NewOutgoing]
    kind: str
    topic: str | None = None
    audit: tuple[AuditEntry, ...] = ()
    erase: bool = False


def lang_of(conv: Conversation) -> Lang:
    return conv.lang or DEFAULT_LANG


def effects(
    step: handoff.Step,
    conv: Conversation,
    k: Knowledge,
    *,
    source: str,
    event_id: str,
    first_seq: int,
) -> tuple[Conversation, list[NewOutgoing], list[str]]:
    """The conversation after `step`, the rows its effects need, and lines for the patient
    to append to a reply already being sent (after-hours notice)."""
    lang = lang_of(conv)
    _ = texts.texts_for(k.catalogs, lang)
    rows: list[NewOutgoing] = []
    appended: list[str] = []
    for effect in step.effects:
        if isinstance(effect, handoff.TellPatient):
            if effect.notice == "after_hours" and effect.opening is not None:
                appended.append(texts.after_hours(_, format_opening(effect.opening, lang)))
                if step.handoff and str(step.handoff.get("reason", "")).startswith(TRIAGED):
                    appended.append(texts.after_hours_safety(_, k.clinic))
            elif effect.notice in _NOTICES:
                key = retry_key(source, event_id, first_seq + len(rows))
                rows.append(
                    line_message(
                        key=key,
                        user_id=conv.user_key,
                        texts=[_NOTICES[effect.notice](_)],
                        kind="notice",
                        topic=effect.notice,
                        lang=lang,
                    )
                )
        elif isinstance(effect, handoff.PostCard):
            rows.append(slack_op("card"))
        elif isinstance(effect, handoff.PostInThread):
            rows.append(slack_op("thread", what=effect.what, text=effect.text))
        elif isinstance(effect, handoff.UpdateCard):
            rows.append(slack_op("update", status=effect.status, by=effect.by))
    data: dict[str, Any] = {**conv.data, "handoff": step.handoff}
    return replace(conv, owner=step.owner, data=data), rows, appended


def plan_staff_event(
    claimed: Claimed,
    conv: Conversation,
    k: Knowledge,
    policy: handoff.Policy,
    now: Any,
    labels: dict[str, str],
) -> Plan:
    """A staff reply, a card button or a deadline tick for one conversation."""
    payload = json.loads(claimed.payload)
    current = conv.data.get("handoff")
    kind = payload.get("kind")
    if kind == "staff_reply":
        step = handoff.staff_replied(conv.owner, current or {}, payload["user"], now)
        lang = lang_of(conv)
        label = labels.get(lang) or texts.staff_label(texts.texts_for(k.catalogs, lang))
        reply = line_message(
            key=retry_key("slack", claimed.event_id, 0),
            user_id=conv.user_key,
            texts=[f"{label}\n{payload['text']}"],
            kind="staff",
            topic=None,
            lang=lang,
            confirm={"ts": payload["ts"], "thread": payload["thread_ts"]},
        )
        new, rows, _ = effects(
            step, conv, k, source="slack", event_id=claimed.event_id, first_seq=1
        )
        return Plan(new, [reply, *rows], "staff_reply")
    if kind == "action":
        step = handoff.pressed(conv.owner, current, payload["action"], payload["user"], now)
        new, rows, _ = effects(
            step, conv, k, source="slack", event_id=claimed.event_id, first_seq=0
        )
        return Plan(new, rows, f"action:{payload['action']}")
    step = handoff.tick(conv.owner, current, now, policy)
    if step.handoff == current and step.owner is conv.owner:
        return Plan(conv, [], "tick")
    new, rows, _ = effects(step, conv, k, source="timer", event_id=claimed.event_id, first_seq=0)
    return Plan(new, rows, "tick")


def is_open(conv: Conversation) -> bool:
    """Whether staff own or are awaited in this conversation."""
    return conv.owner is not Owner.BOT
