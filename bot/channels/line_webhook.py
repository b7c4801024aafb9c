"""`POST /line/webhook`: verify, store, answer 200, all well inside LINE's 2 seconds.

Nothing is decided here. The raw body's signature is checked with line-bot-sdk's validator
(over the exact bytes: re-serialised JSON would not match), each event is written to the inbox
under its `webhookEventId` (so a redelivery is recognised and handled once), the worker is woken
and LINE gets its 200. Bad requests get a precise status and a short JSON reason, never a trace.

Every signed body is classified here, so that nothing LINE (or anyone holding the secret) can
send makes a 500 or an event that fails five times: a body that is not an envelope is a 400
with the reason; inside an envelope, text is made storable (`line_events.cleaned`), and an
event with a mistyped field is stored as unprocessable (failed, with the field's name), logged
once, and never retried. When the database cannot be reached the body is answered 503, one
WARNING line and no traceback: nothing was stored, and LINE's redelivery (when switched on)
brings the events back.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from linebot.v3.webhook import SignatureValidator

from bot.channels.line_events import TooDeepError, cleaned, unprocessable, user_of
from bot.logs import fields
from bot.store import Clock, NewEvent, Store, StoreUnavailableError

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


def _envelope(body: str) -> list[dict[str, Any]] | str:  # noqa: PLR0911 - a reason each
    """The body's events, storable, when it is a LINE webhook envelope; else why not."""
    try:
        data = json.loads(body)
    except RecursionError:  # the C decoder's own limit, near 1,000 levels
        return "JSON nested too deeply"
    except ValueError:
        return "malformed JSON"
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        return "expected an object with an events array"
    if not isinstance(data.get("destination", ""), str):
        return "destination is not a string"
    try:
        events = cleaned(data["events"])
    except TooDeepError:
        return "JSON nested too deeply"
    for event in events:
        if not isinstance(event, dict):
            return "every event must be an object"
        if not isinstance(event.get("webhookEventId"), str) or not event["webhookEventId"]:
            return "every event needs a webhookEventId"
    return list(events)


def _signed(validator: SignatureValidator, body: str, signature: str) -> bool:
    """Whether `signature` is the body's; a header that is not even text (aiohttp keeps bytes
    that are not UTF-8 as surrogates, which the SDK cannot encode) is simply not."""
    try:
        return bool(signature) and bool(validator.validate(body, signature))
    except (UnicodeError, ValueError):
        return False


async def line_webhook(request: web.Request) -> web.Response:
    """Store the events of one signed webhook request; 200 once they are durable."""
    inbound = request.app[INBOUND]
    raw = await request.read()  # raises 413 over client_max_size
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "body is not UTF-8")
    if not _signed(inbound.validator, body, request.headers.get("X-Line-Signature", "")):
        logger.warning("line webhook rejected: bad signature")
        return _error(400, "invalid signature")
    events = _envelope(body)
    if isinstance(events, str):
        logger.warning("line webhook rejected: %s", events)
        return _error(400, f"not a LINE webhook body: {events}")
    if not events:  # the console's Verify button posts an empty events list
        return web.json_response({})
    now = inbound.clock()
    reasons = [unprocessable(e) for e in events]
    batch = [
        NewEvent(
            "line",
            e["webhookEventId"],
            user_of(e),
            json.dumps(e, ensure_ascii=False),
            now,
            unprocessable=reason,
        )
        for e, reason in zip(events, reasons, strict=True)
    ]
    try:
        fresh = await inbound.store.enqueue(batch)
    except StoreUnavailableError as exc:  # nothing stored: LINE's redelivery brings it back
        logger.warning("line webhook not stored, answered 503: database unavailable (%s)", exc)
        return _error(503, "events not stored: the database is unavailable; deliver again")
    inbound.wake()
    for event, reason, new in zip(events, reasons, fresh, strict=True):
        kind = event["type"][:40] if isinstance(event.get("type"), str) else None
        if reason is not None and new:  # once: its duplicates are only duplicates
            logger.warning(
                "line event unprocessable: stored as failed, not handled",
                extra=fields(event_id=event["webhookEventId"], type=kind, reason=reason),
            )
            continue
        # One INFO line per event is written when it is handled; a duplicate is worth one too.
        logger.log(
            logging.DEBUG if new else logging.INFO,
            "line event stored" if new else "line event duplicate ignored",
            extra=fields(event_id=event["webhookEventId"], type=kind),
        )
    return web.json_response({})
