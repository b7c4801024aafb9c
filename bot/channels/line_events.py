"""Translate a stored LINE webhook event into the plain value the conversation works with.

Parsing goes through line-bot-sdk's models (so a malformed event is caught the same way the
SDK would catch it); what comes out knows nothing about the SDK.
"""

from dataclasses import dataclass
from typing import Any, Literal

from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    GroupSource,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

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

    try:
        event = Event.from_dict(raw)
    except (ValueError, TypeError, KeyError):
        return make("unknown")
    source = getattr(event, "source", None)
    token = getattr(event, "reply_token", None)
    if isinstance(source, GroupSource | RoomSource):
        kind: EventKind = "group" if isinstance(event, MessageEvent) else "unknown"
        return make(kind, reply_token=token)
    if not isinstance(source, UserSource):
        return make("unknown")
    user = source.user_id
    if isinstance(event, MessageEvent):
        if isinstance(event.message, TextMessageContent):
            return make("text", user_id=user, reply_token=token, text=event.message.text)
        return make("media", user_id=user, reply_token=token)
    if isinstance(event, FollowEvent):
        return make("follow", user_id=user, reply_token=token)
    if isinstance(event, UnfollowEvent):
        return make("unfollow", user_id=user)
    if isinstance(event, PostbackEvent):
        return make("postback", user_id=user, reply_token=token, postback=event.postback.data)
    return make("unknown", user_id=user)
