"""Deliver one event's texts and choices to one patient over the LINE Messaging API.

The sender owns LINE's delivery rules (platform notes 1.5-1.7): reply tokens first because replies
are free; push when there is no usable token, with an `X-Line-Retry-Key` that the caller persisted,
so a retry (ours, or the caller's after a crash) can never deliver twice; retry only where LINE says
a retry is safe; treat 429 as something a person must hear about.

It never logs message text, user ids or tokens; only statuses, counts and the retry key.
Rendering (sizes, splitting, quick replies) lives in `line_render`; this module does the I/O.
"""

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import aiohttp
from linebot.v3.messaging import AsyncMessagingApi, ShowLoadingAnimationRequest
from linebot.v3.messaging.exceptions import ApiException

from bot.channels.line_render import render
from bot.channels.line_requests import Prepared, PreparedPush, PreparedReply
from bot.core.decision import Choice

__all__ = ["Delivery", "LineSender", "Outgoing", "render"]

logger = logging.getLogger(__name__)

Method = Literal["reply", "push", "none"]

PREPARED_CACHE_SIZE = 256  # distinct answers kept serialized: FAQ topics x languages, and more

_REASONS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    """What to send to one patient for one event; built with keywords only.

    `retry_key` is a UUID string the caller persists with the outbound message (an outbox row),
    so that a retry after a crash reuses it and LINE answers 409 instead of sending twice.
    `choices` become quick replies on the last message.
    """

    user_id: str
    texts: tuple[str, ...]
    choices: tuple[Choice, ...] = ()
    reply_token: str | None = None
    retry_key: str


@dataclass(frozen=True)
class Delivery:
    """How a send ended: `error` is a short reason, never text; `alert` means tell a person."""

    method: Method
    ok: bool
    status: int | None
    error: str | None
    alert: bool = False
    # Seconds LINE asked us to wait before trying again (a 429's Retry-After), if it said.
    retry_after: float | None = None
    # The request may have been carried out although we got no 2xx (a timeout, a 5xx, a
    # connection lost mid-request): a reply token may now be used, a retry key accepted.
    unknown: bool = False
    # How a delivery came about when that is worth counting ("ambiguous_reply": see
    # `bot.pipeline.delivery`); None for the ordinary paths.
    note: str | None = None

    @property
    def retryable(self) -> bool:
        """Whether trying again later may succeed: LINE's retry rule (5xx, timeouts), a dropped
        connection, and a rate-limit 429 (not the monthly quota, which waits for a person)."""
        return not self.ok and self.error in RETRYABLE


# Errors worth another attempt with the same reply token or retry key.
RETRYABLE = frozenset(
    {"server_error", "timeout", "connection_error", "unreachable", "rate_limited"}
)


class LineSender:
    """Sends `Outgoing` values with the reply-then-push policy; safe to share across tasks."""

    def __init__(
        self,
        api: AsyncMessagingApi,
        *,
        timeout: float = 5.0,
        push_attempts: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Take the SDK client and the retry policy; tests inject `sleep` to skip real waits."""
        self._api = api
        # Rendering is pure, so the same texts and choices always give the same messages.
        self._prepare = lru_cache(maxsize=PREPARED_CACHE_SIZE)(_prepare)
        self._timeout = timeout
        self._push_attempts = max(1, push_attempts)
        self._backoff = backoff
        self._sleep = sleep

    async def send(
        self, out: Outgoing, *, reply_allowed: bool = True, push_fallback: bool = True
    ) -> Delivery:
        """Reply when a token is usable, otherwise (or when LINE refuses the token) push.

        `push_fallback=False` makes a reply the only attempt: for group chats (a push would be
        paid and unwanted) and for re-trying a reply a crash interrupted.
        """
        messages = self._prepare(out.texts, out.choices)
        if not messages:
            logger.warning("line send skipped: nothing to send (key=%s)", out.retry_key)
            return Delivery("none", ok=False, status=None, error="empty")
        if out.reply_token and reply_allowed:
            replied = await self._reply(out.reply_token, messages)
            if replied.ok or not _falls_back(replied) or not push_fallback:
                return replied
            logger.info(
                "line reply failed (%s, status %s); pushing instead (key=%s)",
                replied.error,
                replied.status,
                out.retry_key,
            )
        if not push_fallback:
            return Delivery("none", ok=False, status=None, error="no_reply_token")
        return await self._push(out.user_id, messages, out.retry_key)

    async def reply_once(self, out: Outgoing) -> Delivery:
        """One reply attempt with `out.reply_token`, nothing else (the caller owns the policy:
        `bot.pipeline.delivery`)."""
        messages = self._prepare(out.texts, out.choices)
        if not messages or not out.reply_token:
            return Delivery("none", ok=False, status=None, error="empty")
        return await self._reply(out.reply_token, messages)

    async def push_once(self, out: Outgoing) -> Delivery:
        """One push attempt with `out.retry_key`; a 409 (key already accepted) is a delivery."""
        messages = self._prepare(out.texts, out.choices)
        if not messages:
            return Delivery("none", ok=False, status=None, error="empty")
        request = PreparedPush.build(out.user_id, messages)
        try:
            await self._api.push_message(
                request, x_line_retry_key=out.retry_key, _request_timeout=self._timeout
            )
        except ApiException as exc:
            if exc.status == 409:  # LINE already accepted this key: the message went out
                logger.info("line push already accepted (key=%s)", out.retry_key)
                return Delivery("push", ok=True, status=409, error=None)
            return _failed("push", exc)
        except (TimeoutError, aiohttp.ClientError) as exc:
            return _lost("push", exc)
        return Delivery("push", ok=True, status=200, error=None)

    async def show_loading(self, user_id: str, seconds: int = 20) -> None:
        """Show the typing indicator; cosmetic, so failures are logged and swallowed."""
        # LINE wants a multiple of 5 in 5..60; the spec and the SDK only check the range.
        rounded = min(60, max(5, math.ceil(seconds / 5) * 5))
        request = ShowLoadingAnimationRequest(chatId=user_id, loadingSeconds=rounded)
        try:
            await self._api.show_loading_animation(request, _request_timeout=self._timeout)
        except ApiException as exc:
            logger.warning("line loading animation failed: status %s", exc.status)
        except Exception as exc:  # cosmetic: never worth failing a reply over; log the type only
            logger.warning("line loading animation failed: %s", type(exc).__name__)

    async def _reply(self, token: str, messages: Prepared) -> Delivery:
        """One reply attempt: a token works once, so a reply is never retried as a reply."""
        request = PreparedReply.build(token, messages)
        try:
            await self._api.reply_message(request, _request_timeout=self._timeout)
        except ApiException as exc:
            return _failed("reply", exc)
        except (TimeoutError, aiohttp.ClientError) as exc:
            return _lost("reply", exc)
        return Delivery("reply", ok=True, status=200, error=None)

    async def _push(self, user_id: str, messages: Prepared, key: str) -> Delivery:
        """Push with the caller's retry key, retrying on 5xx and timeouts with the same key."""
        request = PreparedPush.build(user_id, messages)
        last = Delivery("push", ok=False, status=None, error="not_sent")
        for attempt in range(self._push_attempts):
            if attempt:
                await self._sleep(self._backoff * 2 ** (attempt - 1))
            try:
                await self._api.push_message(
                    request, x_line_retry_key=key, _request_timeout=self._timeout
                )
            except ApiException as exc:
                if exc.status == 409:  # LINE already accepted this key: the message went out
                    logger.info("line push already accepted (key=%s)", key)
                    return Delivery("push", ok=True, status=409, error=None)
                last = _failed("push", exc)
                if not _retryable(exc.status):
                    return last
            except TimeoutError:
                last = Delivery("push", ok=False, status=last.status, error="timeout")
            except aiohttp.ClientError:
                # LINE's retry rule names only 5xx and timeouts; the caller's outbox may try again
                # later with the same key.
                return Delivery("push", ok=False, status=last.status, error="connection_error")
            else:
                return Delivery("push", ok=True, status=200, error=None)
            logger.warning(
                "line push attempt %d/%d failed (%s, status %s; key=%s)",
                attempt + 1,
                self._push_attempts,
                last.error,
                last.status,
                key,
            )
        logger.error("line push gave up after %d attempts (key=%s)", self._push_attempts, key)
        return last


def _prepare(texts: tuple[str, ...], choices: tuple[Choice, ...]) -> Prepared:
    """Render within LINE's limits and let the SDK serialize the messages once."""
    return Prepared.of(render(texts, choices))


def _failed(method: Method, exc: ApiException) -> Delivery:
    """Map an HTTP error to a `Delivery`. The monthly-quota 429 raises the alert flag (a person
    must act); a rate-limit 429 is retryable, after `Retry-After` when LINE sends one."""
    status = exc.status if isinstance(exc.status, int) else None
    if status == 429:
        if _is_quota(exc.body):
            logger.error("line %s refused: monthly message quota reached; staff must act", method)
            return Delivery(method, ok=False, status=429, error="quota_exceeded", alert=True)
        wait = _retry_after(exc.headers)
        logger.warning("line %s rate-limited (429; retry after %s s)", method, wait)
        return Delivery(method, ok=False, status=429, error="rate_limited", retry_after=wait)
    if method == "reply" and status == 400 and _names_reply_token(exc.body):
        error = "invalid_reply_token"
    elif status is not None and status >= 500:
        # LINE: a 5xx may have been carried out anyway (retrying-api-request).
        return Delivery(method, ok=False, status=status, error="server_error", unknown=True)
    else:
        error = _REASONS.get(status or 0, f"http_{status}")
    return Delivery(method, ok=False, status=status, error=error)


def _lost(method: Method, exc: Exception) -> Delivery:
    """No answer from LINE: a timeout or a connection dropped mid-request may have been carried
    out (`unknown`); a connection never made (`unreachable`) was not."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Delivery(method, ok=False, status=None, error="unreachable")
    error = "timeout" if isinstance(exc, TimeoutError) else "connection_error"
    return Delivery(method, ok=False, status=None, error=error, unknown=True)


def _retry_after(headers: object) -> float | None:
    """Seconds from a `Retry-After` header (a number; an HTTP date is read as absent)."""
    if not hasattr(headers, "get"):
        return None
    raw = headers.get("Retry-After")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


def _names_reply_token(body: object) -> bool:
    """Whether a reply's 400 is LINE's "Invalid reply token" (used or expired), not a refused
    message ("The request body has 1 error(s)"). A 400 without a body is read as the token."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    return not text or "reply token" in text.lower()


def _falls_back(replied: Delivery) -> bool:
    """Push after a refused token (400), and after a 5xx or timeout, where the reply likely failed.

    A reply that timed out may in rare cases have been delivered anyway; a duplicate is the lesser
    harm for a clinic than an answer that never arrives.
    """
    return replied.status == 400 or replied.error in {"server_error", "timeout"}


def _retryable(status: object) -> bool:
    """LINE's retry rule: only a 5xx (or a timeout, handled apart) may be retried."""
    return isinstance(status, int) and status >= 500


def _is_quota(body: object) -> bool:
    """Whether a 429 is a message limit that only a person can lift.

    LINE's error messages (Messaging API reference, "Error messages"; developers.line.biz/en/
    docs/messaging-api/handling-http-429-errors/): "You have reached your monthly limit." when
    the plan's free messages ran out, "You have exceeded the target limit for additional
    messages." when the admin's cap is reached. A rate limit says "The API rate limit has been
    exceeded. Try again later." and is retried (as is the concurrent-operations limit).
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    lowered = text.lower()
    return "monthly limit" in lowered or "target limit" in lowered
