"""Translate a stored LINE webhook event into the plain value the conversation works with.

The event is read straight from its JSON (the webhook already checked the signature and the
envelope): building line-bot-sdk's pydantic models for every event cost 17% of the server's
CPU under load. Test fixtures are still parsed with the SDK's WebhookParser
(tests/channels/test_line_fixtures.py), so the shapes read here are the SDK's.

The webhook classifies each event before storing it: `cleaned` makes its text storable (NUL
and lone surrogates, legal in JSON, failed inserts) and `unprocessable` names a field of the
wrong type, which no retry can fix. `translate` is total anyway (a mistyped field reads as
absent), so an event stored before these checks cannot fail the worker either.
"""

from dataclasses import dataclass, replace
from typing import Any, Literal

from bot.store.rows import storable

# LINE's events nest a few levels (message.emojis[].index, mention.mentionees[]); a body deeper
# than this is not LINE's, and deep nesting is what overflows the JSON codec's recursion.
MAX_DEPTH = 32
# Milliseconds since the epoch up to the year 9999, what datetime can represent.
MAX_TIMESTAMP_MS = 253_402_300_799_999


class TooDeepError(ValueError):
    """A JSON value nested deeper than MAX_DEPTH."""


EventKind = Literal["text", "follow", "unfollow", "postback", "media", "group", "unknown"]


@dataclass(frozen=True)
class LineEvent:
    """What the bot needs to know about one inbound LINE event."""

    kind: EventKind
    event_id: str
    type_name: str
    user_id: str | None = None
    reply_token: str | None = None
    text: str | None = None
    postback: str | None = None
    redelivery: bool = False
    timestamp_ms: int = 0


def user_of(raw: dict[str, Any]) -> str | None:
    """The LINE user id of a one-to-one chat event; None for groups, rooms and oddities."""
    source = raw.get("source")
    if isinstance(source, dict) and source.get("type") == "user":
        user = source.get("userId")
        return user if isinstance(user, str) else None
    return None


def cleaned(value: Any, depth: int = 0) -> Any:
    """A parsed JSON value with every string (keys too) storable; raises TooDeepError past
    MAX_DEPTH levels of objects and arrays (checked before going deeper, so never recursing
    further than that)."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            raise TooDeepError(MAX_DEPTH)
        if isinstance(value, list):
            return [cleaned(item, depth + 1) for item in value]
        return {storable(key): cleaned(item, depth + 1) for key, item in value.items()}
    return value


# Fields the bot reads, and the JSON type LINE gives each (an object's own fields below).
_STRINGS = ("type", "mode", "replyToken")
_OBJECTS = {
    "source": ("type", "userId", "groupId", "roomId"),
    "message": ("type", "id", "text"),
    "postback": ("data",),
    "deliveryContext": (),
}


def unprocessable(raw: dict[str, Any]) -> str | None:
    """Why this event can never be handled (a field of the wrong type, or a part its type
    needs missing), or None. The reason names the field, never its value: it is logged and
    stored as the event's error."""
    return _mistyped(raw) or _incomplete(raw)


def _mistyped(raw: dict[str, Any]) -> str | None:  # noqa: PLR0911 - one return per rule
    if not isinstance(raw.get("type"), str):
        return "type is missing or not a string"
    for name in _STRINGS:
        if name in raw and not isinstance(raw[name], str):
            return f"{name} is not a string"
    stamp = raw.get("timestamp", 0)
    if type(stamp) is not int or not 0 <= stamp <= MAX_TIMESTAMP_MS:
        return "timestamp is not a time in milliseconds"
    for name, strings in _OBJECTS.items():
        part = raw.get(name, {})
        if not isinstance(part, dict):
            return f"{name} is not an object"
        for field in strings:
            if field in part and not isinstance(part[field], str):
                return f"{name}.{field} is not a string"
    if not isinstance(raw.get("deliveryContext", {}).get("isRedelivery", False), bool):
        return "deliveryContext.isRedelivery is not a boolean"
    return None


def _incomplete(raw: dict[str, Any]) -> str | None:
    """The parts an event's type cannot do without (types already checked)."""
    source: dict[str, Any] = raw.get("source", {})
    message: dict[str, Any] = raw.get("message", {})
    if source.get("type") == "user" and not source.get("userId"):
        return "source.userId is missing"
    if raw["type"] == "message" and "type" not in message:
        return "message is missing"
    if raw["type"] == "message" and message["type"] == "text" and "text" not in message:
        return "message.text is missing"
    if raw["type"] == "postback" and "data" not in raw.get("postback", {}):
        return "postback.data is missing"
    return None


def translate(raw: dict[str, Any]) -> LineEvent:
    """A `LineEvent` from one event object of a webhook body (a mistyped field reads as absent)."""
    event = _common(raw)
    if event.type_name not in _KNOWN or not event.event_id:
        return event
    source = _table(raw.get("source"))
    token = _text(raw.get("replyToken"))
    message = raw.get("message") if isinstance(raw.get("message"), dict) else None
    if source.get("type") in ("group", "room"):
        return replace(event, kind="group" if message is not None else "unknown", reply_token=token)
    user = _text(source.get("userId"))
    if source.get("type") != "user" or user is None:
        return event
    kind, text, postback = _what(event.type_name, raw, message)
    if kind in ("unfollow", "unknown"):
        token = None  # nothing to reply to
    return replace(event, kind=kind, user_id=user, reply_token=token, text=text, postback=postback)


def _common(raw: dict[str, Any]) -> LineEvent:
    """The fields every event has, as an event of kind `unknown`."""
    context = raw.get("deliveryContext")
    stamp = raw.get("timestamp")
    return LineEvent(
        "unknown",
        event_id=str(raw.get("webhookEventId", "")),
        type_name=raw["type"] if isinstance(raw.get("type"), str) else "?",  # logged: no dump
        redelivery=isinstance(context, dict) and context.get("isRedelivery") is True,
        timestamp_ms=stamp if type(stamp) is int and 0 <= stamp <= MAX_TIMESTAMP_MS else 0,
    )


def _what(
    type_name: str, raw: dict[str, Any], message: dict[str, Any] | None
) -> tuple[EventKind, str | None, str | None]:
    """The kind of one user's event, with its text or its postback data."""
    if type_name == "message" and message is not None:
        text = _text(message.get("text"))
        if message.get("type") == "text" and text is not None:
            return "text", text, None
        return "media", None, None
    if type_name == "follow":
        return "follow", None, None
    if type_name == "unfollow":
        return "unfollow", None, None
    data = _text(_table(raw.get("postback")).get("data"))
    if type_name == "postback" and data is not None:
        return "postback", None, data
    return "unknown", None, None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_KNOWN = frozenset({"message", "follow", "unfollow", "postback"})
