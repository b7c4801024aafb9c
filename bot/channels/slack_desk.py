"""Carry out Slack operations saved in the outbox: open the card, post in its thread, update it.

The card's `ts` becomes the thread id: it is linked to the conversation in the store (so staff
replies find their patient) and kept in the hand-off's data (so later lines go to the thread).
Slack's Web API reports most errors as `{"ok": false}`; slack_sdk raises them, and they are
returned as a short reason, never raised past the worker's retry logic.
"""

import logging
from dataclasses import dataclass, replace

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels import slack_cards
from bot.core.handoff import Card, CardStatus, Handoff
from bot.core.texts import Gettext
from bot.pipeline.outbox import SlackCard, SlackErased, SlackOp, SlackThread
from bot.store import Conversation, Store

logger = logging.getLogger(__name__)


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
        self, client: AsyncWebClient, channel: str, store: Store, staff_text: Gettext
    ) -> None:
        self._client = client
        self._channel = channel
        self._store = store
        self._ = staff_text

    async def send(self, conv: Conversation, op: SlackOp) -> DeskResult:
        """Run one saved operation for `conv`; a timeout or lost connection is a retryable
        result, not an exception (the caller keeps the row for a later attempt)."""
        try:
            return await self._send(conv, op)
        except TimeoutError:
            return DeskResult(ok=False, error="timeout")
        except aiohttp.ClientError:
            return DeskResult(ok=False, error="connection_error")

    async def _send(self, conv: Conversation, op: SlackOp) -> DeskResult:
        if isinstance(op, SlackErased):  # planned only with an erasure, which has no `conv`
            return await self.erased(op.thread)
        try:
            handoff = conv.data.handoff or Handoff()
            if isinstance(op, SlackCard):
                return await self._card(conv, handoff)
            thread = handoff.thread_ts
            if not thread:
                return DeskResult(ok=False, error="no_thread")
            if isinstance(op, SlackThread):
                text = slack_cards.thread_line(op.what, op.text, self._)
                await self._client.chat_postMessage(
                    channel=self._channel,
                    thread_ts=thread,
                    text=text,
                    reply_broadcast=op.what in ("reannounce", "emergency"),
                )
                return DeskResult(ok=True)
            text, blocks = self._render(conv, handoff, op.status, op.by)
            await self._client.chat_update(
                channel=self._channel, ts=thread, text=text, blocks=blocks
            )
            return DeskResult(ok=True)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "slack_error"))
            if exc.response.status_code >= 500:
                error = "internal_error"
            logger.warning("slack %s failed: %s", _op_name(op), error)
            return DeskResult(ok=False, error=error, retry_after=_retry_after(exc))

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
        )

    async def _card(self, conv: Conversation, handoff: Handoff) -> DeskResult:
        if handoff.thread_ts:  # already posted (a retry after a crash): do not post twice
            return DeskResult(ok=True)
        text, blocks = self._render(conv, handoff, "waiting", None)
        response = await self._client.chat_postMessage(
            channel=self._channel,
            text=text,
            blocks=blocks,
            metadata=slack_cards.metadata(conv.id, handoff.id),
        )
        thread = str(response["ts"])
        await self._store.link_thread(thread, conv.id)
        await self._remember_thread(conv.id, thread)
        return DeskResult(ok=True)

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

    async def erased(self, thread: str) -> DeskResult:
        """Tell staff in a hand-off's thread that the patient deleted their data from LINE
        (the conversation is gone, so replies there reach nobody); never what they wrote."""
        try:
            await self._client.chat_postMessage(
                channel=self._channel,
                thread_ts=thread,
                text=slack_cards.thread_line("erased", "", self._),
            )
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


def _op_name(op: SlackOp) -> str:
    """The operation's name for a log line (as saved: card, thread, update)."""
    if isinstance(op, SlackCard):
        return "card"
    return "thread" if isinstance(op, SlackThread) else "update"


def _retry_after(exc: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait (`Retry-After` on a 429), if it said."""
    raw = (exc.response.headers or {}).get("Retry-After") or (exc.response.headers or {}).get(
        "retry-after"
    )
    try:
        return float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
