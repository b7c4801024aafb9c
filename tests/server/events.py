"""Builders for LINE webhook bodies shaped like LINE's (they validate against webhook.yml)."""

import base64
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

DESTINATION = "U0123456789abcdef0123456789abcdef"
PATIENT = "U4af4980629abcdef0123456789abcdef"
_ids = itertools.count(1)


def event_id() -> str:
    """A fresh ULID-looking webhookEventId."""
    return f"01J0000000000000000000{next(_ids):04d}"


def _base(
    kind: str, user: str, *, eid: str | None, redelivery: bool, token: str | None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": eid or event_id(),
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if token is not None:
        event["replyToken"] = token
    return event


def text(
    message: str,
    *,
    user: str = PATIENT,
    eid: str | None = None,
    token: str | None = None,
    redelivery: bool = False,
) -> dict[str, Any]:
    """A text message event."""
    event = _base("message", user, eid=eid, redelivery=redelivery, token=token or _token())
    event["message"] = {
        "type": "text",
        "id": str(next(_ids)),
        "quoteToken": "q" + _token(),
        "text": message,
    }
    return event


def sticker(*, user: str = PATIENT) -> dict[str, Any]:
    """A sticker message event."""
    event = _base("message", user, eid=None, redelivery=False, token=_token())
    event["message"] = {
        "type": "sticker",
        "id": str(next(_ids)),
        "quoteToken": "q" + _token(),
        "packageId": "446",
        "stickerId": "1988",
        "stickerResourceType": "STATIC",
    }
    return event


def follow(*, user: str = PATIENT) -> dict[str, Any]:
    """A follow (friend added) event."""
    event = _base("follow", user, eid=None, redelivery=False, token=_token())
    event["follow"] = {"isUnblocked": False}
    return event


def unfollow(*, user: str = PATIENT) -> dict[str, Any]:
    """An unfollow (blocked) event: no reply token."""
    return _base("unfollow", user, eid=None, redelivery=False, token=None)


def postback(data: str, *, user: str = PATIENT) -> dict[str, Any]:
    """A postback from a quick reply."""
    event = _base("postback", user, eid=None, redelivery=False, token=_token())
    event["postback"] = {"data": data}
    return event


def group_text(message: str) -> dict[str, Any]:
    """A text message in a group chat."""
    event = text(message)
    event["source"] = {"type": "group", "groupId": "C" + "a" * 32, "userId": PATIENT}
    return event


def _token() -> str:
    return hashlib.md5(str(next(_ids)).encode()).hexdigest()


def body(*events: dict[str, Any]) -> bytes:
    """A webhook body as LINE sends it (non-ASCII escaped, as LINE does for emoji)."""
    return json.dumps({"destination": DESTINATION, "events": list(events)}).encode()


def sign(secret: str, raw: bytes) -> str:
    """LINE's X-Line-Signature: base64(HMAC-SHA256(channel secret, raw body))."""
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
