"""Carry out Slack operations saved in the outbox: open the card, post in its thread, update it.

The card's `ts` becomes the thread id: it is linked to the conversation in the store (so staff
replies find their patient) and kept in the hand-off's data (so later lines go to the thread).
Slack's Web API reports most errors as `{"ok": false}`; slack_sdk raises them, and they are
returned as a short reason, never raised past the worker's retry logic.

Slack has no idempotency key for `chat.postMessage`, so a post whose answer is lost (a timeout,
a process killed mid-call) would be posted twice by the next attempt. Every post carries
message metadata instead (the card: its conversation and hand-off; a thread line: its outbox
row's retry key), and when an earlier attempt's outcome is unknown the desk looks for it
(`conversations.history` / `conversations.replies` with `include_all_metadata`) before posting.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels import slack_cards
from bot.core.handoff import Card, CardStatus, Handoff
from bot.core.hours import CLINIC_TIMEZONE
from bot.core.texts import Gettext
from bot.pipeline.outbox import SlackCard, SlackErased, SlackOp, SlackThread, SlackUpdate
from bot.store import Conversation, Store

logger = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass(frozen=True)
class DeskResult:
    """How one Slack operation went."""

    ok: bool
    error: str | None = None
    retry_after: float | None = None  # Slack's Retry-After on `ratelimited`

    @property
    def retryable(self) -> bool:
        """Whether Slack may take it later: rate limits, Slack's own faults, no connection."""
        return not self.ok and self.error in SLACK_RETRYABLE


# Slack Web API errors that say "not now" rather than "never" (api.slack.com/methods: common
# errors), plus our own names for a timeout and a failed connection.
SLACK_RETRYABLE = frozenset(
    {
        "ratelimited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "timeout",
        "connection_error",
    }
)


class SlackDesk:
    """The staff channel, as the worker sees it."""

    def __init__(
        self,
        client: AsyncWebClient,
        channel: str,
        store: Store,
        staff_text: Gettext,
        zone: Callable[[], tzinfo] = lambda: CLINIC_TIMEZONE,
    ) -> None:
        self._client = client
        self._channel = channel
        self._store = store
        self._ = staff_text
        self._zone = zone  # the clinic's time zone as configured now (hours.toml, reloaded)

    async def send(
        self, conv: Conversation | None, op: SlackOp, *, key: str = "", unsure: bool = False
    ) -> DeskResult:
        """Run one saved operation for `conv`; a timeout or lost connection is a retryable
        result, not an exception (the caller keeps the row for a later attempt). `key` marks a
        thread line (its outbox row's retry key); `unsure` says an earlier attempt's outcome is
        unknown, so a post is looked for before it is made again."""
        try:
            return await self._send(conv, op, key, unsure)
        except TimeoutError:
            return DeskResult(ok=False, error="timeout")
        except aiohttp.ClientError:
            return DeskResult(ok=False, error="connection_error")

    async def _send(
        self, conv: Conversation | None, op: SlackOp, key: str, unsure: bool
    ) -> DeskResult:
        if isinstance(op, SlackErased):  # planned only with an erasure, which has no `conv`
            return await self.erased(op.thread, key=key, unsure=unsure)
        if conv is None:
            return DeskResult(ok=False, error="no_conversation")
        try:
            return await self._carry_out(conv, op, key, unsure)
        except SlackApiError as exc:
            failure = _failure(exc)
            logger.warning("slack %s failed: %s", _op_name(op), failure.error)
            return failure

    async def _carry_out(
        self, conv: Conversation, op: SlackCard | SlackThread | SlackUpdate, key: str, unsure: bool
    ) -> DeskResult:
        handoff = conv.data.handoff or Handoff()
        if isinstance(op, SlackCard):
            return await self._card(conv, handoff, unsure)
        thread = handoff.thread_ts
        if not thread:
            return DeskResult(ok=False, error="no_thread")
        if isinstance(op, SlackThread):
            text = slack_cards.thread_line(op.what, op.text, self._)
            broadcast = op.what in ("reannounce", "emergency")
            await self._line(thread, text, key, unsure, broadcast=broadcast)
            return DeskResult(ok=True)
        text, blocks = self._render(conv, handoff, op.status, op.by)
        await self._client.chat_update(channel=self._channel, ts=thread, text=text, blocks=blocks)
        return DeskResult(ok=True)

    def _render(
        self, conv: Conversation, handoff: Handoff, status: CardStatus, by: str | None
    ) -> tuple[str, slack_cards.Blocks]:
        card = handoff.card or Card()
        return slack_cards.card(
            conversation=conv.id,
            reason=card.reason,
            urgent=card.urgent,
            lang=card.lang,
            name=card.name,
            recent=card.recent or (),
            opened=handoff.opened_at,
            status=status,
            by=by,
            _=self._,
            zone=self._zone(),
        )

    async def _card(self, conv: Conversation, handoff: Handoff, unsure: bool) -> DeskResult:
        if handoff.thread_ts:  # already posted (a retry after a crash): do not post twice
            return DeskResult(ok=True)
        found = await self._looked_up(lambda: self._posted_card(conv, handoff)) if unsure else None
        if found is None:
            text, blocks = self._render(conv, handoff, "waiting", None)
            response = await self._client.chat_postMessage(
                channel=self._channel,
                text=text,
                blocks=blocks,
                metadata=slack_cards.metadata(conv.id, handoff.id),
            )
            found = str(response["ts"])
        thread = found
        await self._store.link_thread(thread, conv.id)
        await self._remember_thread(conv.id, thread)
        return DeskResult(ok=True)

    async def _line(
        self, thread: str, text: str, key: str, unsure: bool, *, broadcast: bool = False
    ) -> None:
        """Post one line in a thread, unless an attempt whose answer was lost posted it."""
        if unsure and key and await self._looked_up(lambda: self._posted_line(thread, key)):
            return
        await self._client.chat_postMessage(
            channel=self._channel,
            thread_ts=thread,
            text=text,
            reply_broadcast=broadcast,
            metadata=slack_cards.line_metadata(key) if key else None,
        )

    async def _looked_up(self, look: Callable[[], Awaitable[_T | None]]) -> _T | None:
        """Run a look-up for an earlier post. Slack saying "not now" is raised (the row waits);
        any other refusal (a missing scope) is logged and taken as "not found": a post twice
        is better than none."""
        try:
            return await look()
        except SlackApiError as exc:
            failure = _failure(exc)
            if failure.retryable:
                raise
            logger.warning("slack look-up for an earlier post failed: %s; posting", failure.error)
            return None

    async def _posted_card(self, conv: Conversation, handoff: Handoff) -> str | None:
        """The ts of this hand-off's card if an earlier attempt posted it (its metadata), among
        the channel's latest messages (newest first: a card whose answer was lost is recent)."""
        found = await self._first(
            lambda cursor: self._client.conversations_history(
                channel=self._channel, include_all_metadata=True, limit=_PAGE, cursor=cursor
            ),
            slack_cards.METADATA_TYPE,
            lambda p: p.get("handoff") == handoff.id and p.get("conversation") == conv.id,
        )
        return str(found["ts"]) if found is not None else None

    async def _posted_line(self, thread: str, key: str) -> bool | None:
        """Whether an earlier attempt posted the line with `key` in `thread` (None: no)."""
        found = await self._first(
            lambda cursor: self._client.conversations_replies(
                channel=self._channel,
                ts=thread,
                include_all_metadata=True,
                limit=_PAGE,
                cursor=cursor,
            ),
            slack_cards.LINE_METADATA_TYPE,
            lambda p: p.get("key") == key,
        )
        return True if found is not None else None

    async def _first(
        self,
        listing: Callable[[str | None], Awaitable[Any]],
        event_type: str,
        wanted: Callable[[Mapping[str, Any]], bool],
    ) -> Mapping[str, Any] | None:
        """The first message of a cursor-paginated listing (up to `_MAX_PAGES` pages) whose
        metadata has `event_type` and a payload that is `wanted`."""
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            page = await listing(cursor)
            for message in page.get("messages") or []:
                payload = _payload(message, event_type)
                if payload and wanted(payload):
                    return dict(message)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    async def _remember_thread(self, conversation_id: str, thread: str) -> None:
        for _ in range(5):  # compare-and-set: another event of this patient may save meanwhile
            current = await self._store.conversation(conversation_id)
            if current is None:
                return
            handoff = replace(current.data.handoff or Handoff(), thread_ts=thread)
            if await self._store.commit(
                replace(current, data=replace(current.data, handoff=handoff)), [], None
            ):
                return
        logger.error("could not record the Slack thread of a hand-off")

    async def alert_failed(self, conv: Conversation | None, source: str, error: str) -> DeskResult:
        """Tell staff an event could not be handled: in the patient's thread, else the channel."""
        handoff = conv.data.handoff if conv is not None else None
        thread = handoff.thread_ts if handoff is not None else None
        text = self._(
            "<!here> ⚠️ A {source} message could not be handled after several attempts"
            " ({error}). The patient may be waiting for an answer; please check on them."
            " Conversation: {conversation}"
        ).format(source=source, error=error, conversation=conv.id if conv else "-")
        try:
            if thread:
                await self._client.chat_postMessage(
                    channel=self._channel, text=text, thread_ts=thread, reply_broadcast=True
                )
            else:
                await self._client.chat_postMessage(channel=self._channel, text=text)
        except SlackApiError as exc:
            return DeskResult(ok=False, error=str(exc.response.get("error", "slack_error")))
        return DeskResult(ok=True)

    async def erased(self, thread: str, *, key: str = "", unsure: bool = False) -> DeskResult:
        """Tell staff in a hand-off's thread that the patient deleted their data from LINE
        (the conversation is gone, so replies there reach nobody); never what they wrote."""
        try:
            await self._line(thread, slack_cards.thread_line("erased", "", self._), key, unsure)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "slack_error"))
            logger.warning("slack erased note failed: %s", error)
            return DeskResult(ok=False, error=error)
        return DeskResult(ok=True)

    async def confirm(self, ts: str, thread: str, delivered: bool, error: str | None) -> None:
        """Mark a staff reply: a reaction when it reached the patient, a thread note when not."""
        try:
            if delivered:
                await self._client.reactions_add(
                    channel=self._channel, timestamp=ts, name="white_check_mark"
                )
            else:
                text = slack_cards.thread_line("delivery_failed", error or "unknown", self._)
                await self._client.chat_postMessage(
                    channel=self._channel, thread_ts=thread, text=text
                )
        except SlackApiError as exc:
            if exc.response.get("error") != "already_reacted":
                logger.warning("slack confirmation failed: %s", exc.response.get("error"))


# How many messages one look-up page lists (Slack recommends at most 200) and how many pages
# are read before an earlier post is taken as never made.
_PAGE = 200
_MAX_PAGES = 5


def _payload(message: Mapping[str, Any], event_type: str) -> Mapping[str, Any]:
    """The metadata payload of a listed message when it has our `event_type`, else empty."""
    metadata = message.get("metadata") or {}
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != event_type:
        return {}
    payload = metadata.get("event_payload") or {}
    return payload if isinstance(payload, Mapping) else {}


def _op_name(op: SlackOp) -> str:
    """The operation's name for a log line (as saved: card, thread, update)."""
    if isinstance(op, SlackCard):
        return "card"
    return "thread" if isinstance(op, SlackThread) else "update"


def _failure(exc: SlackApiError) -> DeskResult:
    """What Slack's refusal means: its error code (any 5xx is `internal_error`, to be retried)
    and the wait it asked for."""
    error = str(exc.response.get("error", "slack_error"))
    if exc.response.status_code >= 500:
        error = "internal_error"
    return DeskResult(ok=False, error=error, retry_after=_retry_after(exc))


def _retry_after(exc: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait (`Retry-After` on a 429), if it said."""
    raw = (exc.response.headers or {}).get("Retry-After") or (exc.response.headers or {}).get(
        "retry-after"
    )
    try:
        return float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
