"""The messages saved in the outbox, one frozen type per kind, and their JSON at the store edge.

A row is saved with the decision and sent afterwards, so its payload must hold everything the
sender needs: for LINE the texts, quick replies and how to deliver; for Slack the operation.
Planning builds these values (`Outbound`); `encode` turns one into the store's row as it is
saved, and `decode` reads a saved row back, so no other module sees the JSON. The store keeps
payloads as opaque text, as it keeps inbox payloads.

`decode` reads every shape earlier versions saved (a LINE message from before staff replies
has no `confirm`, one from before the privacy notice no `notice`). A payload it cannot read
(not JSON, an unknown Slack `op`, a missing or mistyped field) is `Unreadable`, naming the
field but never a value; the sender raises `UnreadablePayloadError` for it, so the event is
retried and, failing for good, staff are alerted, as any failed event is.
"""

import json
import uuid
from dataclasses import dataclass
from typing import TypeVar, cast, get_args

from bot.core.decision import Choice
from bot.core.handoff import CardStatus, ThreadLine
from bot.lang import LANGS, Lang
from bot.store import Channel, Json, NewOutgoing

_KEYS = uuid.UUID("9d7f3c52-7d0e-4c5e-9a53-3f0f1e7c2b10")  # namespace for derived retry keys


@dataclass(frozen=True)
class Confirm:
    """The staff reply in Slack (its `ts` and thread) to mark once its LINE copy is sent."""

    ts: str
    thread: str


@dataclass(frozen=True)
class LineMessage:
    """One LINE message (up to five bubbles) and what its delivery is audited as."""

    user_id: str
    texts: tuple[str, ...]
    kind: str
    topic: str | None
    lang: Lang
    choices: tuple[Choice, ...] = ()
    reply_token: str | None = None
    reply_allowed: bool = False
    content_hash: str | None = None
    confirm: Confirm | None = None
    notice: bool = False  # carries the privacy notice (audited as shown when delivered)


@dataclass(frozen=True)
class SlackCard:
    """Post the hand-off card (what it shows is the conversation's `Handoff.card`)."""


@dataclass(frozen=True)
class SlackThread:
    """A line in the hand-off thread."""

    what: ThreadLine
    text: str = ""


@dataclass(frozen=True)
class SlackUpdate:
    """Show on the card who did what."""

    status: CardStatus
    by: str | None = None


@dataclass(frozen=True)
class SlackErased:
    """Tell a hand-off's thread that its patient deleted their data (the conversation is gone,
    so the thread is named here)."""

    thread: str


SlackOp = SlackCard | SlackThread | SlackUpdate | SlackErased
Payload = LineMessage | SlackOp


@dataclass(frozen=True)
class Unreadable:
    """A saved payload this version cannot read; `reason` names the field, never a value."""

    reason: str


class UnreadablePayloadError(ValueError):
    """An unsent outbox row cannot be read: the event fails (and is retried, then surfaced to
    staff) instead of sending something half-understood."""


@dataclass(frozen=True)
class Outbound:
    """A message planned for an event, before it is saved; `retry_key` as in `NewOutgoing`."""

    payload: Payload
    retry_key: str | None = None

    @property
    def channel(self) -> Channel:
        return "line" if isinstance(self.payload, LineMessage) else "slack"


def retry_key(source: str, event_id: str, seq: int) -> str:
    """The push retry key of message `seq` of an event: the same after any crash."""
    return str(uuid.uuid5(_KEYS, f"{source}:{event_id}:{seq}"))


def slack(op: SlackOp) -> Outbound:
    """A Slack operation, to be saved (it needs no retry key of its own)."""
    return Outbound(op)


# --- encoding: the JSON the dict-based code wrote, key for key ---------------------------------


def _line_json(message: LineMessage) -> dict[str, Json]:
    confirm = message.confirm
    return {
        "user_id": message.user_id,
        "texts": list(message.texts),
        "choices": [[c.label, c.data] for c in message.choices],
        "reply_token": message.reply_token,
        "reply_allowed": message.reply_allowed,
        "kind": message.kind,
        "topic": message.topic,
        "lang": message.lang,
        "content_hash": message.content_hash,
        "confirm": {"ts": confirm.ts, "thread": confirm.thread} if confirm else None,
        "notice": message.notice,
    }


def _slack_json(op: SlackOp) -> dict[str, Json]:
    if isinstance(op, SlackCard):
        return {"op": "card"}
    if isinstance(op, SlackThread):
        return {"op": "thread", "what": op.what, "text": op.text}
    if isinstance(op, SlackUpdate):
        return {"op": "update", "status": op.status, "by": op.by}
    return {"op": "erased", "thread": op.thread}


def encode(message: Outbound) -> NewOutgoing:
    """A planned message as the store saves it."""
    payload = message.payload
    body = _line_json(payload) if isinstance(payload, LineMessage) else _slack_json(payload)
    return NewOutgoing(message.channel, json.dumps(body, ensure_ascii=False), message.retry_key)


# --- decoding ---------------------------------------------------------------------------------


_T = TypeVar("_T", bound=str)


class _MissingError(Exception):
    """A required field is absent or of the wrong type (its name is the message)."""


def _text(body: dict[str, Json], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise _MissingError(key)
    return value


def _optional_text(body: dict[str, Json], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise _MissingError(key)
    return value


def _flag(body: dict[str, Json], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise _MissingError(key)
    return value


def _one_of(body: dict[str, Json], key: str, allowed: tuple[_T, ...]) -> _T:
    value = body.get(key)
    if value not in allowed:
        raise _MissingError(key)
    return value


def _texts(body: dict[str, Json]) -> tuple[str, ...]:
    value = body.get("texts")
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise _MissingError("texts")
    return tuple(cast("list[str]", value))


def _choices(body: dict[str, Json]) -> tuple[Choice, ...]:
    value = body.get("choices", [])
    pairs = value if isinstance(value, list) else None
    if pairs is None or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs
    ):
        raise _MissingError("choices")
    return tuple(Choice(*cast("list[str]", pair)) for pair in pairs)


def _confirm(body: dict[str, Json]) -> Confirm | None:
    value = body.get("confirm")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _MissingError("confirm")
    return Confirm(_text(value, "ts"), _text(value, "thread"))


def _line(body: dict[str, Json]) -> LineMessage:
    return LineMessage(
        user_id=_text(body, "user_id"),
        texts=_texts(body),
        kind=_text(body, "kind"),
        topic=_optional_text(body, "topic"),
        lang=_one_of(body, "lang", LANGS),
        choices=_choices(body),
        reply_token=_optional_text(body, "reply_token"),
        reply_allowed=_flag(body, "reply_allowed"),
        content_hash=_optional_text(body, "content_hash"),
        confirm=_confirm(body),
        notice=_flag(body, "notice"),
    )


def _slack(body: dict[str, Json]) -> SlackOp:
    op = body.get("op")
    if op == "card":
        return SlackCard()
    if op == "thread":
        text = _optional_text(body, "text") or ""
        return SlackThread(_one_of(body, "what", get_args(ThreadLine)), text)
    if op == "update":
        return SlackUpdate(
            _one_of(body, "status", get_args(CardStatus)), _optional_text(body, "by")
        )
    if op == "erased":
        return SlackErased(_text(body, "thread"))
    raise _MissingError("op")


def decode(channel: Channel, raw: str) -> Payload | Unreadable:
    """A saved payload as a value, or `Unreadable` naming what is wrong (never a value)."""
    try:
        body = json.loads(raw)
    except ValueError:
        return Unreadable("not JSON")
    if not isinstance(body, dict):
        return Unreadable("not a JSON object")
    try:
        return _line(body) if channel == "line" else _slack(body)
    except _MissingError as missing:
        return Unreadable(f"{channel} payload: {missing.args[0]} missing or mistyped")


def readable(payload: Payload | Unreadable) -> Payload:
    """`payload`, or `UnreadablePayloadError` for one that could not be read."""
    if isinstance(payload, Unreadable):
        raise UnreadablePayloadError(payload.reason)
    return payload
