"""`POST /line/webhook`: verify, store, answer 200, all well inside LINE's 2 seconds.

Nothing is decided here. The raw body's signature is checked with line-bot-sdk's validator
(over the exact bytes: re-serialised JSON would not match), each event is written to the inbox
under its `webhookEventId` (so a redelivery is recognised and handled once), the worker is woken
and LINE gets its 200. Bad requests get a precise status and a short JSON reason, never a trace.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from linebot.v3.webhook import SignatureValidator

from bot.channels.line_events import user_of
from bot.logs import fields
from bot.store import Clock, NewEvent, Store

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # 1 MiB; aiohttp answers 413 past `client_max_size`


@dataclass(frozen=True)
class LineInbound:
    """The webhook's collaborators, kept under an AppKey."""

    validator: SignatureValidator
    store: Store
    wake: Callable[[], None]
    clock: Clock


INBOUND = web.AppKey("line_inbound", LineInbound)


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def _events(body: str) -> list[dict[str, Any]] | None:
    """The body's events when it is a LINE webhook envelope, else None."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list) or not all(
        isinstance(e, dict) and isinstance(e.get("webhookEventId"), str) for e in events
    ):
        return None
    return events


async def line_webhook(request: web.Request) -> web.Response:
    """Store the events of one signed webhook request; 200 once they are durable."""
    inbound = request.app[INBOUND]
    raw = await request.read()  # raises 413 over client_max_size
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "body is not UTF-8")
    signature = request.headers.get("X-Line-Signature", "")
    if not signature or not inbound.validator.validate(body, signature):
        logger.warning("line webhook rejected: bad signature")
        return _error(400, "invalid signature")
    events = _events(body)
    if events is None:
        logger.warning("line webhook rejected: malformed body")
        return _error(400, "malformed JSON: expected an object with an events array")
    if not events:  # the console's Verify button posts an empty events list
        return web.json_response({})
    now = inbound.clock()
    batch = [
        NewEvent("line", e["webhookEventId"], user_of(e), json.dumps(e, ensure_ascii=False), now)
        for e in events
    ]
    fresh = await inbound.store.enqueue(batch)
    inbound.wake()
    for event, new in zip(events, fresh, strict=True):
        # One INFO line per event is written when it is handled; a duplicate is worth one too.
        logger.log(
            logging.DEBUG if new else logging.INFO,
            "line event stored" if new else "line event duplicate ignored",
            extra=fields(event_id=event["webhookEventId"], type=event.get("type")),
        )
    return web.json_response({})
