"""The hand-off card and thread lines staff see in Slack, as Block Kit (pure, no I/O).

Staff texts come from the gettext catalogs in the staff's language. The card carries the
conversation's opaque id in its buttons and message metadata, never the LINE user id.
"""

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from bot.core.hours import CLINIC_TIMEZONE
from bot.core.texts import Gettext
from bot.core.triage import EMERGENCY_CATEGORIES

ACTIONS = {"take_over": "handoff_take", "return": "handoff_return", "close": "handoff_close"}
METADATA_TYPE = "clinic_handoff"
LINE_METADATA_TYPE = "clinic_handoff_line"

Blocks = list[dict[str, Any]]


def reason_label(reason: str, _: Gettext) -> str:
    """Why staff are needed, in words."""
    labels = {
        "asked": _("Asked for a person"),
        "emergency": _("Possible emergency"),
        "unanswered": _("The bot could not answer twice"),
        "consultation": _("Wants to consult or book"),
        "line_quota": _(
            "LINE's monthly message limit is reached: no answer reaches this patient on LINE "
            "until the plan's limit is raised (LINE Official Account Manager)"
        ),
    }
    if reason in labels:
        return labels[reason]
    kind, _sep, category = reason.partition(":")
    if reason == "self_harm":
        return _("Possible self-harm: crisis lines sent")
    if reason in EMERGENCY_CATEGORIES:
        return _("Possible emergency: {category}").format(category=reason)
    if kind == "symptom":
        return _("Symptom report after treatment: {category}").format(category=category)
    if kind == "medical":
        return _("Medical situation for a doctor: {category}").format(category=category)
    return _("Asked for staff after the answer on: {topic}").format(topic=reason)


def status_line(status: str, by: str | None, _: Gettext) -> str:
    """Who did what, shown at the bottom of the card."""
    who = f"<@{by}>" if by else ""
    lines = {
        "waiting": _("Waiting for staff"),
        "taken": _("Taken over by {who}").format(who=who),
        "returned": _("Returned to the bot by {who}").format(who=who),
        "closed": _("Closed by {who}").format(who=who),
        "idle": _("Returned to the bot: no messages for a long time"),
    }
    return lines[status]


def card(
    *,
    conversation: str,
    reason: str,
    urgent: bool,
    lang: str,
    name: str | None,
    recent: Sequence[str],
    opened: datetime | None,
    status: str,
    by: str | None,
    _: Gettext,
    zone: tzinfo = CLINIC_TIMEZONE,
) -> tuple[str, Blocks]:
    """The card's notification text and blocks; buttons vanish once the hand-off is closed.
    `opened` is None only for a hand-off saved without its opening time (shown as "-"); it is
    shown in the clinic's time `zone`."""
    title = _("Possible emergency") if urgent else _("A patient needs staff")
    text = f"<!channel> 🚨 {title}" if urgent else f"🙋 {title}"
    language = "日本語" if lang == "ja" else "English"
    when = f"{opened.astimezone(zone):%Y-%m-%d %H:%M}" if opened else "-"
    reason_title, language_title, patient_title, opened_title = (
        _("Reason"),
        _("Language"),
        _("Patient"),
        _("Opened"),
    )
    fields = [
        f"*{reason_title}*\n{reason_label(reason, _)}",
        f"*{language_title}*\n{language}",
        f"*{patient_title}*\n{name or '-'}",
        f"*{opened_title}*\n{when}",
    ]
    blocks: Blocks = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": ("🚨 " if urgent else "") + title},
        },
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    if recent:
        history = "\n".join(f"> {line}" for line in recent)
        recent_title = _("Recent messages")
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{recent_title}*\n{history}"},
            }
        )
    if status not in ("closed", "idle"):
        blocks.append(
            {
                "type": "actions",
                "block_id": "handoff",
                "elements": [
                    _button(_("Take over"), ACTIONS["take_over"], conversation, "primary"),
                    _button(_("Return to bot"), ACTIONS["return"], conversation, None),
                    _button(_("Close"), ACTIONS["close"], conversation, "danger"),
                ],
            }
        )
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": status_line(status, by, _)}]}
    )
    return text, blocks


def _button(label: str, action_id: str, value: str, style: str | None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": label},
    }
    if style:
        button["style"] = style
    return button


def metadata(conversation: str, handoff: str) -> dict[str, Any]:
    """Slack message metadata: a second, durable record of whose thread this is."""
    return {
        "event_type": METADATA_TYPE,
        "event_payload": {"conversation": conversation, "handoff": handoff},
    }


def line_metadata(key: str) -> dict[str, Any]:
    """Slack message metadata on a line the bot posts in a thread: its outbox row's retry key,
    so that a post whose answer was lost is found in the thread instead of posted again."""
    return {"event_type": LINE_METADATA_TYPE, "event_payload": {"key": key}}


def thread_line(what: str, text: str, _: Gettext) -> str:
    """A line posted in the hand-off thread."""
    lines = {
        "patient": _("Patient: {text}").format(text=text),
        "reannounce": _("<!here> Still waiting for a staff member to answer this patient."),
        "emergency": _(
            "<!channel> 🚨 The patient describes a possible emergency. They were told to call 119."
        ),
        "delivery_failed": _("⚠️ Not delivered to the patient on LINE: {text}").format(text=text),
        "unreachable": _("⚠️ The patient could not be reached: {text}").format(text=text),
        "erased": _(
            "🗑️ The patient deleted their data from LINE. The bot no longer holds this "
            "conversation, and replies in this thread no longer reach the patient."
        ),
    }
    return lines[what]
