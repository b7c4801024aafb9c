"""Conversation state and the outgoing messages decided with it, saved in one transaction.

Every save is a compare-and-set on `version`, and an event's decision is saved at most once
(`inbox.decided_at`), so a worker that crashes after deciding never decides that event twice.

A patient who opted out of text storage (`opted_out_at`) is enforced here and in the inbox's
finish, whatever the caller passes: their audit entries are stored without text, their sent
messages lose their payload, and saving their conversation erases text stored before.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from bot.core.decision import Owner
from bot.store import AuditEntry, Conversation, NewOutgoing, OutgoingRow, OutgoingStatus
from bot.store.base import SqlBase
from bot.store.codec import encode_data
from bot.store.queue import FINISH
from bot.store.rows import (
    AUDIT_COLUMNS,
    CONVERSATION_COLUMNS,
    OUTGOING_COLUMNS,
    Session,
    audit_values,
    to_conversation,
    to_outgoing,
)

# An opt-out, once saved, stays until the patient is erased (COALESCE keeps the first one).
_SAVE_CONVERSATION = f"""
UPDATE conversations
SET lang = $3, misses = $4, owner = $5, data = $6, version = version + 1, updated_at = $7,
    notice_at = $8, opted_out_at = COALESCE(opted_out_at, $9)
WHERE id = $1 AND version = $2
RETURNING {CONVERSATION_COLUMNS}
"""
# The patient's text ($9) is dropped when their conversation ($2) opted out (a primary-key
# look-up, as in every opt-out check on the hot path).
INSERT_AUDIT = (
    f"INSERT INTO audit ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
    " CASE WHEN EXISTS (SELECT 1 FROM conversations WHERE id = $2 AND opted_out_at IS NOT NULL)"
    " THEN NULL ELSE $9 END, $10)"
)
# Text an opted-out patient left before opting out: erased when their conversation is saved.
_ERASE_KEPT_TEXT = (
    "UPDATE audit SET text = NULL WHERE conversation_id = $1 AND text IS NOT NULL",
    "UPDATE inbox SET payload = NULL WHERE conversation_id = $1"
    " AND status IN ('done', 'failed') AND payload IS NOT NULL",
    "UPDATE outbox SET payload = NULL WHERE conversation_id = $1"
    " AND status IN ('sent', 'failed') AND payload IS NOT NULL",
)
# A message done with loses its payload when its patient opted out or was erased.
_MARK_OUTGOING = """
UPDATE outbox SET status = $2, method = $3, result = $4, updated_at = $5,
    payload = CASE WHEN $2 IN ('sent', 'failed') AND (outbox.conversation_id IS NULL
        OR EXISTS (SELECT 1 FROM conversations AS c
                   WHERE c.id = outbox.conversation_id AND c.opted_out_at IS NOT NULL))
        THEN NULL ELSE payload END
WHERE id = $1
"""
INSERT_OUTGOING = """
INSERT INTO outbox (inbox_id, seq, conversation_id, channel, payload, retry_key, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (inbox_id, seq) DO NOTHING
"""


# Claims the decision for an event: it succeeds once per event (a row lock on PostgreSQL).
_DECIDE = "UPDATE inbox SET decided_at = $2 WHERE id = $1 AND decided_at IS NULL"


class _NotSavedError(Exception):
    """Rolls a commit back; `saved` is what the caller gets instead."""

    def __init__(self, saved: Conversation | None) -> None:
        super().__init__()
        self.saved = saved


class Conversations(SqlBase):
    """Load, save and reset conversations; list and mark their outgoing messages."""

    async def conversation(self, conversation_id: str) -> Conversation | None:
        """Load a conversation by its opaque id."""
        async with self._read() as session:
            rows = await session.fetch(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = $1", conversation_id
            )
        return to_conversation(rows[0]) if rows else None

    async def commit(
        self,
        conv: Conversation,
        outgoing: Sequence[NewOutgoing],
        inbox_id: int | None,
        audit: Sequence[AuditEntry] = (),
    ) -> Conversation | None:
        """Save state, outgoing messages and audit entries atomically; None when
        `conv.version` is stale."""
        now = self._clock()
        try:
            async with self._write() as session:
                saved = await self._commit(session, conv, outgoing, inbox_id, now)
                for entry in audit:
                    await session.execute(INSERT_AUDIT, *audit_values(entry))
                return saved
        except _NotSavedError as undone:  # rolled back; nothing of this commit was written
            return undone.saved

    async def _commit(
        self,
        session: Session,
        conv: Conversation,
        outgoing: Sequence[NewOutgoing],
        inbox_id: int | None,
        now: datetime,
    ) -> Conversation:
        """The writes of `commit`; raises `_NotSavedError` to roll them back."""
        if inbox_id is not None and not await session.execute(_DECIDE, inbox_id, now):
            # An earlier attempt decided this event: its state stands, and nothing is written.
            rows = await session.fetch(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = $1", conv.id
            )
            raise _NotSavedError(to_conversation(rows[0]) if rows else None)
        rows = await session.fetch(
            _SAVE_CONVERSATION,
            conv.id,
            conv.version,
            conv.lang,
            conv.misses,
            Owner(conv.owner).value,
            encode_data(conv.data),
            now,
            conv.notice_at,
            conv.opted_out_at,
        )
        if not rows:
            raise _NotSavedError(None)  # stale version: undo the event's decided mark too
        saved = to_conversation(rows[0])
        if not saved.keeps_text:
            for statement in _ERASE_KEPT_TEXT:
                await session.execute(statement, conv.id)
        for seq, message in enumerate(outgoing):
            retry_key = message.retry_key or str(uuid.uuid4())
            await session.execute(
                INSERT_OUTGOING,
                inbox_id,
                seq,
                conv.id,
                message.channel,
                message.payload,
                retry_key,
                now,
            )
        return saved

    async def outgoing(self, inbox_id: int) -> list[OutgoingRow]:
        """The messages decided for an event, in order."""
        async with self._read() as session:
            rows = await session.fetch(
                f"SELECT {OUTGOING_COLUMNS} FROM outbox WHERE inbox_id = $1 ORDER BY seq",
                inbox_id,
            )
        return [to_outgoing(row) for row in rows]

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
        """Record how a send went, with its audit entries (and `finish`) in one transaction."""
        async with self._write() as session:
            await session.execute(_MARK_OUTGOING, outgoing_id, status, method, result, now)
            for entry in audit:
                await session.execute(INSERT_AUDIT, *audit_values(entry))
            if finish is not None:
                await session.execute(FINISH, finish, now)

    async def conversations_owned_by_staff(self) -> list[Conversation]:
        """Conversations waiting for or owned by staff (their deadlines need watching)."""
        async with self._read() as session:
            rows = await session.fetch(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE owner <> 'bot'"
                " ORDER BY updated_at"
            )
        return [to_conversation(row) for row in rows]

    async def link_thread(self, thread_ts: str, conversation_id: str) -> None:
        """Remember which conversation a staff thread belongs to (idempotent)."""
        async with self._write() as session:
            await session.execute(
                "INSERT INTO threads (thread_ts, conversation_id, created_at) VALUES ($1, $2, $3)"
                " ON CONFLICT (thread_ts) DO NOTHING",
                thread_ts,
                conversation_id,
                self._clock(),
            )

    async def conversation_for_thread(self, thread_ts: str) -> Conversation | None:
        """The conversation a staff thread belongs to, if any."""
        async with self._read() as session:
            rows = await session.fetch(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id ="
                " (SELECT conversation_id FROM threads WHERE thread_ts = $1)",
                thread_ts,
            )
        return to_conversation(rows[0]) if rows else None

    async def reset_conversation(self, user_key: str) -> None:
        """Forget language, misses, owner and data (LINE unfollow); the id, the notice and an
        opt-out stay (following again shows the notice anyway; an opt-out is the patient's)."""
        async with self._write() as session:
            await session.execute(
                "UPDATE conversations SET lang = NULL, misses = 0, owner = 'bot', data = $2,"
                " version = version + 1, updated_at = $3 WHERE user_key = $1",
                user_key,
                "{}",
                self._clock(),
            )
