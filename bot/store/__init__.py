"""The persistent store: one async protocol, two implementations, chosen by URL.

Everything the bot must remember between events lives behind `Store`: conversations (with a
version for compare-and-set), the inbox of inbound events (the durable log that is written
before a platform gets its 200), the outbox of messages decided for an event (saved in the same
transaction as the new conversation state, so a crash after deciding never decides twice) and
the audit trail. `sqlite:///path.db` is the embedded single-process store; `postgresql://...` is
the shared store that several `serve` processes can claim from at once.

All datetimes going in and out are timezone-aware UTC. Time is an argument wherever the caller
owns it; the few writes that take no `now` (commit, reset, forget) read the injectable `clock`.
This package imports no web framework and no platform SDK.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from bot.core.decision import Owner
from bot.core.handoff import Handoff
from bot.lang import Lang

Source = Literal["line", "slack", "timer"]
InboxStatus = Literal["pending", "working", "done", "failed"]
Channel = Literal["line", "slack"]
OutgoingStatus = Literal["pending", "sending", "sent", "failed"]
Clock = Callable[[], datetime]


class StoreUnavailableError(Exception):
    """The database cannot be reached or answer just now (connection refused, reset or timed
    out; a server shutting down). Nothing was written; the same call may succeed later, so the
    door answers 503 (the platform redelivers) and the worker leaves the event for later,
    without a traceback: an outage is an operating condition, not a bug."""


def log_failed_round(logger: logging.Logger, what: str, exc: Exception) -> None:
    """Log a background round (claiming, a deadline check, pruning) that failed and will be tried
    again: a database outage as one WARNING line without a traceback, anything else as the bug
    it is, with its traceback."""
    if isinstance(exc, StoreUnavailableError):
        logger.warning("%s skipped: database unavailable (%s)", what, exc)
    else:
        logger.error("%s failed; will try again", what, exc_info=exc)


def utc_now() -> datetime:
    """The default clock: the wall clock in UTC."""
    return datetime.now(UTC)


# A JSON value as `json.loads` returns it: what the store keeps of data it does not know.
Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]


@dataclass(frozen=True)
class Undelivered:
    """A message LINE would not take, noted in the conversation for staff to follow up."""

    outgoing_id: int | None
    error: str | None
    at: datetime | None


@dataclass(frozen=True)
class ConversationData:
    """What other modules keep per conversation besides its columns.

    Stored as one JSON object (`bot.store.codec` is the only code that reads or writes that
    JSON). `other` keeps keys this version does not know, as stored, so a row written by
    another version loses nothing when this one saves it.
    """

    handoff: Handoff | None = None
    name: str | None = None  # the LINE display name, shown on the staff card
    undelivered: tuple[Undelivered, ...] = ()  # the last 20
    other: Mapping[str, Json] = field(default_factory=dict)


@dataclass(frozen=True)
class Conversation:
    """One patient's conversation; `version` guards every write (compare and set).

    `data` holds what other modules keep per conversation (the hand-off with its Slack
    thread and deadlines, undelivered messages, display name). Change fields with
    `dataclasses.replace` and hand the result to `Store.commit`.

    `notice_at` is when the privacy notice was last shown; `opted_out_at` when the patient
    said "don't keep my messages". From then on the store keeps none of their text (see
    `bot.store.privacy`), and no commit can clear it: only erasing the patient does.
    """

    id: str
    user_key: str
    lang: Lang | None
    misses: int
    owner: Owner
    version: int
    data: ConversationData
    created_at: datetime
    updated_at: datetime
    notice_at: datetime | None = None
    opted_out_at: datetime | None = None

    @property
    def keeps_text(self) -> bool:
        """Whether the patient's message text may be stored (they have not opted out)."""
        return self.opted_out_at is None


@dataclass(frozen=True)
class NewEvent:
    """An inbound event to log before the platform gets its answer.

    `user_key` (the LINE user id) finds or creates the patient's conversation. Events that are
    not from the patient but belong to a conversation (a staff reply in its Slack thread, a
    hand-off deadline) pass `conversation_id` instead, so they queue in that patient's order.

    `unprocessable` says why no attempt could ever handle the event (a mistyped field): it is
    stored already failed with that reason, never claimed, so it is not retried and holds up
    none of the patient's later events; its payload follows the patient's retention.
    """

    source: Source
    event_id: str
    user_key: str | None
    payload: str
    received_at: datetime
    conversation_id: str | None = None
    unprocessable: str | None = None


@dataclass(frozen=True)
class Claimed:
    """An inbox event this worker now holds until `lease_until` (or finish/retry_later).

    `conversation` is the event's conversation as it was when claimed, read in the same
    transaction (None for an event without one, or whose conversation was forgotten).
    """

    id: int
    source: Source
    event_id: str
    conversation_id: str | None
    payload: str
    attempts: int
    received_at: datetime
    conversation: Conversation | None = None

    @property
    def user_key(self) -> str | None:
        """The patient's LINE user id, from the conversation (None without one)."""
        return None if self.conversation is None else self.conversation.user_key


@dataclass(frozen=True)
class NewOutgoing:
    """A message decided for an event; saved with the conversation state, sent afterwards.

    `retry_key` becomes LINE's `X-Line-Retry-Key` for a push; when None the store assigns a
    random UUID, which is stable from then on because the row is only ever inserted once.
    """

    channel: Channel
    payload: str
    retry_key: str | None = None


@dataclass(frozen=True)
class OutgoingRow:
    """A saved outgoing message and how far its delivery got."""

    id: int
    inbox_id: int | None
    seq: int
    conversation_id: str | None
    channel: Channel
    payload: str | None
    retry_key: str
    status: OutgoingStatus
    method: str | None
    result: str | None
    updated_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One answer sent, a hand-off transition or a privacy event (`kind` "privacy:notice",
    "privacy:opt_out", "privacy:deleted"). `text` is the patient's message: erased after the
    retention, and never stored for a patient who opted out."""

    at: datetime
    conversation_id: str | None
    user_key: str | None
    topic: str | None
    content_hash: str | None
    lang: Lang | None
    method: str | None
    result: str | None
    text: str | None
    kind: str


class Store(Protocol):
    """What the bot needs from persistence; both backends pass the same contract suite."""

    async def close(self) -> None:
        """Release connections; the store cannot be used afterwards."""

    async def ping(self) -> bool:
        """Whether the database answers a trivial query (for /healthz)."""

    async def enqueue(self, events: Sequence[NewEvent]) -> list[bool]:
        """Log events in one transaction; True for each one not seen before (source, event_id)."""

    async def claim(self, now: datetime, lease: timedelta) -> Claimed | None:
        """Take the oldest runnable event, never one queued behind its patient's earlier event."""

    async def renew(self, leases: Sequence[tuple[int, int]], until: datetime) -> set[int]:
        """Extend the leases of events still held by these claims (id, attempts) to `until`
        (the worker's heartbeat); returns the ids whose lease was extended."""

    async def finish(self, inbox_id: int, now: datetime) -> None:
        """Mark a claimed event done."""

    async def retry_later(
        self, inbox_id: int, error: str, not_before: datetime, max_attempts: int
    ) -> bool:
        """Put an event back with a backoff; False when it is failed for good instead."""

    async def recover(self, now: datetime) -> int:
        """At start-up, release work a crashed process held; returns how many events."""

    async def counts(self, since: datetime) -> dict[str, int]:
        """Inbox backlog (pending, working) and outcomes finished since `since` (done, failed)."""

    async def conversation(self, conversation_id: str) -> Conversation | None:
        """Load a conversation by its opaque id."""

    async def commit(
        self,
        conv: Conversation,
        outgoing: Sequence[NewOutgoing],
        inbox_id: int | None,
        audit: Sequence[AuditEntry] = (),
    ) -> Conversation | None:
        """Save state, outgoing messages and `audit` atomically; None when `conv.version` is
        stale.

        When `inbox_id` was already decided (a recovered event decided again), nothing is
        written and the conversation as saved by that first decision is returned, so the
        caller just sends `outgoing(inbox_id)`. Saving an opted-out conversation erases any
        of the patient's text still stored from before.
        """

    async def outgoing(self, inbox_id: int) -> list[OutgoingRow]:
        """The messages decided for an event, in order."""

    async def mark_outgoing(
        self,
        outgoing_id: int,
        status: OutgoingStatus,
        method: str | None,
        result: str | None,
        now: datetime,
        audit: Sequence[AuditEntry] = (),
        finish: int | None = None,
    ) -> None:
        """Record how a send went, with its audit entries in the same transaction.

        `finish` names an inbox event to mark done in that transaction too: the caller's last
        write for the event, so the event needs no transaction of its own to finish. A message
        done with (sent or failed) keeps no payload when its patient opted out or was erased.
        """

    async def reset_conversation(self, user_key: str) -> None:
        """Forget language, misses, owner and data (LINE unfollow); the id, the notice and
        an opt-out stay."""

    async def daily_stats(self, start: datetime, end: datetime) -> dict[str, int]:
        """Messages received, answers, fallbacks in [start, end); hand-offs open now."""

    async def conversations_owned_by_staff(self) -> list[Conversation]:
        """Conversations waiting for or owned by staff (their deadlines need watching)."""

    async def link_thread(self, thread_ts: str, conversation_id: str) -> None:
        """Remember which conversation a staff thread belongs to (idempotent)."""

    async def conversation_for_thread(self, thread_ts: str) -> Conversation | None:
        """The conversation a staff thread belongs to, if any."""

    async def audit(self, entry: AuditEntry) -> None:
        """Record one answer sent."""

    async def audit_entries(self, conversation_id: str) -> list[AuditEntry]:
        """A conversation's audit trail, oldest first."""

    async def prune(self, now: datetime, retention: timedelta) -> int:
        """Erase patient text older than `retention`; drop key rows a week after that."""

    async def forget(
        self,
        user_key: str,
        *,
        by: str = "operator",
        event: int | None = None,
        outgoing: Sequence[NewOutgoing] = (),
    ) -> int:
        """Erase a patient: conversation, payloads, outbox, thread links; anonymise audit;
        audit the erasure (`by`: "operator" or "patient"). Returns rows erased.

        `event` is the inbox event asking for it (the patient's "Yes, delete"): it stays
        claimed, is marked decided, and gets `outgoing` (saved without a conversation), so the
        caller can still tell the patient and staff, then finish it.
        """

    async def unanswered(self, start: datetime, end: datetime) -> list[Unanswered]:
        """Messages in [start, end) the bot could not answer (fallbacks and clarifications),
        oldest first, never from a patient who opted out of storage or erased their data."""


async def open_store(url: str, *, clock: Clock = utc_now) -> Store:
    """Open (and create the schema of) the store named by `url`.

    `sqlite:///relative/path.db`, `sqlite:////absolute/path.db` or `sqlite:///:memory:`;
    `postgresql://user@host:port/db[?schema=name]` (also `postgres://`).
    """
    scheme = url.partition(":")[0].lower()
    if scheme == "sqlite":
        from bot.store import sqlite  # noqa: PLC0415 - load only the driver this URL needs

        return await sqlite.open_sqlite(url, clock)
    if scheme in {"postgresql", "postgres"}:
        from bot.store import postgres  # noqa: PLC0415 - load only the driver this URL needs

        return await postgres.open_postgres(url, clock)
    msg = f"unsupported store URL scheme {scheme!r}; use sqlite:/// or postgresql://"
    raise ValueError(msg)


@dataclass(frozen=True)
class Unanswered:
    """One message the bot could not answer, as the unanswered-questions report reads it.

    A fallback (`kind` "fallback") or a question asked back (`kind` "clarify", `topic` the
    closest topic offered). `text` is the patient's words as stored: None once the retention
    erased them. `handed_off` says the miss brought staff in (the second in a row). There is
    no user id: the opaque `conversation_id` is enough to count patients.
    """

    at: datetime
    conversation_id: str
    kind: str
    topic: str | None
    lang: Lang | None
    text: str | None
    handed_off: bool
