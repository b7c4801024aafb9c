"""The audit trail and what the store forgets: patient text after the retention, or a patient.

Dedupe keys (inbox source and event id) outlive payloads, so a platform's late redelivery is
still recognised after the text is gone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store import AuditEntry
from bot.store.base import LIVE, SqlBase
from bot.store.conversations import INSERT_AUDIT
from bot.store.rows import AUDIT_COLUMNS, audit_values, to_audit

# Dedupe keys outlive payloads by this much, so late redeliveries still hit the unique key.
KEY_GRACE = timedelta(days=7)

_FORGET_INBOX = f"""
UPDATE inbox SET payload = NULL, conversation_id = NULL, lease_until = NULL,
    last_error = CASE WHEN status IN {LIVE} THEN 'forgotten' ELSE NULL END,
    status = CASE WHEN status IN {LIVE} THEN 'failed' ELSE status END,
    finished_at = COALESCE(finished_at, $2)
WHERE conversation_id = $1
"""


class Privacy(SqlBase):
    """Write and read the audit trail; prune old text; forget a patient."""

    async def audit(self, entry: AuditEntry) -> None:
        """Record one answer sent."""
        async with self._write() as session:
            await session.execute(INSERT_AUDIT, *audit_values(entry))

    async def audit_entries(self, conversation_id: str) -> list[AuditEntry]:
        """A conversation's audit trail, oldest first."""
        async with self._read() as session:
            rows = await session.fetch(
                f"SELECT {AUDIT_COLUMNS} FROM audit WHERE conversation_id = $1 ORDER BY id",
                conversation_id,
            )
        return [to_audit(row) for row in rows]

    async def prune(self, now: datetime, retention: timedelta) -> int:
        """Erase patient text older than `retention`; drop key rows KEY_GRACE after that.

        Outgoing messages go with their event's text, whatever their own state: a message that
        could not be delivered for that long never will be, and it may quote the patient.
        """
        cutoff = now - retention
        async with self._write() as session:
            erased = await session.execute(
                "UPDATE audit SET text = NULL WHERE text IS NOT NULL AND at < $1", cutoff
            )
            erased += await session.execute(
                "UPDATE inbox SET payload = NULL, last_error = NULL"
                " WHERE status IN ('done', 'failed') AND finished_at < $1"
                " AND (payload IS NOT NULL OR last_error IS NOT NULL)",
                cutoff,
            )
            erased += await session.execute(
                "DELETE FROM outbox WHERE inbox_id IN (SELECT id FROM inbox"
                " WHERE status IN ('done', 'failed') AND finished_at < $1)",
                cutoff,
            )
            erased += await session.execute(
                "DELETE FROM inbox WHERE status IN ('done', 'failed') AND finished_at < $1",
                cutoff - KEY_GRACE,
            )
        return erased

    async def forget(self, user_key: str) -> int:
        """Erase a patient: conversation, payloads, outbox; anonymise audit. Returns rows.

        Inbox key rows stay (without payload or conversation) so redeliveries are still
        recognised; the patient's unfinished events become failed.
        """
        async with self._write() as session:
            rows = await session.fetch(
                f"SELECT id FROM conversations WHERE user_key = $1{self.for_update}", user_key
            )
            conversation_id = rows[0]["id"] if rows else None
            erased = await session.execute(
                "UPDATE audit SET user_key = NULL, conversation_id = NULL, text = NULL"
                " WHERE user_key = $1 OR conversation_id = $2",
                user_key,
                conversation_id,
            )
            if conversation_id is not None:
                erased += await session.execute(
                    "DELETE FROM outbox WHERE conversation_id = $1", conversation_id
                )
                erased += await session.execute(_FORGET_INBOX, conversation_id, self._clock())
                erased += await session.execute(
                    "DELETE FROM conversations WHERE id = $1", conversation_id
                )
        return erased
