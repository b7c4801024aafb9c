"""Translate a stored LINE webhook event into the plain value the conversation works with.

The event is read straight from its JSON (the webhook already checked the signature and the
envelope): building line-bot-sdk's pydantic models for every event cost 17% of the server's
CPU under load. Test fixtures are still parsed with the SDK's WebhookParser
(tests/channels/test_line_fixtures.py), so the shapes read here are the SDK's.
"""

from dataclasses import dataclass
from typing import Any, Literal

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


def translate(raw: dict[str, Any]) -> LineEvent:  # noqa: PLR0911 - one return per event kind
    """A `LineEvent` from one event object of a webhook body."""
    event_id = str(raw.get("webhookEventId", ""))
    type_name = str(raw.get("type", "?"))
    redelivery = bool((raw.get("deliveryContext") or {}).get("isRedelivery", False))
    timestamp_ms = int(raw.get("timestamp") or 0)

    def make(
        kind: EventKind,
        *,
        user_id: str | None = None,
        reply_token: str | None = None,
        text: str | None = None,
        postback: str | None = None,
    ) -> LineEvent:
        return LineEvent(
            kind,
            event_id=event_id,
            type_name=type_name,
            user_id=user_id,
            reply_token=reply_token,
            text=text,
            postback=postback,
            redelivery=redelivery,
            timestamp_ms=timestamp_ms,
        )

    def text_of(value: object) -> str | None:
        return value if isinstance(value, str) else None

    def table(value: object) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    source = table(raw.get("source"))
    token = text_of(raw.get("replyToken"))
    message = raw.get("message") if isinstance(raw.get("message"), dict) else None
    content = table(message)
    if type_name not in _KNOWN or not event_id:
        return make("unknown")
    if source.get("type") in ("group", "room"):
        return make("group" if message is not None else "unknown", reply_token=token)
    user = text_of(source.get("userId"))
    if source.get("type") != "user" or user is None:
        return make("unknown")
    if type_name == "message" and message is not None:
        text = text_of(content.get("text"))
        if content.get("type") == "text" and text is not None:
            return make("text", user_id=user, reply_token=token, text=text)
        return make("media", user_id=user, reply_token=token)
    if type_name == "follow":
        return make("follow", user_id=user, reply_token=token)
    if type_name == "unfollow":
        return make("unfollow", user_id=user)
    data = text_of(table(raw.get("postback")).get("data"))
    if type_name == "postback" and data is not None:
        return make("postback", user_id=user, reply_token=token, postback=data)
    return make("unknown", user_id=user)


_KNOWN = frozenset({"message", "follow", "unfollow", "postback"})
