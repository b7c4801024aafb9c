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
        except TimeoutError:
            return Delivery("reply", ok=False, status=None, error="timeout")
        except aiohttp.ClientError:
            return Delivery("reply", ok=False, status=None, error="connection_error")
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
    """Map an HTTP error to a `Delivery`; a 429 is logged at ERROR and raises the alert flag."""
    status = exc.status if isinstance(exc.status, int) else None
    if status == 429:
        error = "quota_exceeded" if _is_quota(exc.body) else "rate_limited"
        logger.error("line %s refused with 429 (%s); operator must act", method, error)
        return Delivery(method, ok=False, status=429, error=error, alert=True)
    if method == "reply" and status == 400:
        error = "invalid_reply_token"
    elif status is not None and status >= 500:
        error = "server_error"
    else:
        error = _REASONS.get(status or 0, f"http_{status}")
    return Delivery(method, ok=False, status=status, error=error)


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
    """LINE's 429 body says "You have reached your monthly limit." when the plan's quota ran out.

    (Quoted by a LINE maintainer in line-bot-sdk-java#426; the rate limit has another message.)
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    return "monthly limit" in text.lower()
