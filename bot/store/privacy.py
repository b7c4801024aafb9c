"""The audit trail and what the store forgets: patient text after the retention, or a patient.

Dedupe keys (inbox source and event id) outlive payloads, so a platform's late redelivery is
still recognised after the text is gone. A patient who opted out of text storage is handled as
their events go (`queue.FINISH`, `conversations`); this module prunes everyone else's text and
erases a patient on request.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.store import AuditEntry, NewOutgoing
from bot.store.base import LIVE, SqlBase
from bot.store.conversations import INSERT_AUDIT, INSERT_OUTGOING
from bot.store.rows import AUDIT_COLUMNS, Session, audit_values, dump_json, read_time, to_audit

# Dedupe keys outlive payloads by this much, so late redeliveries still hit the unique key.
KEY_GRACE = timedelta(days=7)

_FORGET_INBOX = f"""
UPDATE inbox SET payload = NULL, conversation_id = NULL, lease_until = NULL,
    last_error = CASE WHEN status IN {LIVE} THEN 'forgotten' ELSE NULL END,
    status = CASE WHEN status IN {LIVE} THEN 'failed' ELSE status END,
    finished_at = COALESCE(finished_at, $2)
WHERE conversation_id = $1 AND id <> COALESCE($3, 0)
"""
# The event asking for the erasure stays claimed (its answer is still to be sent), decided, and
# without a conversation, so its payload goes when it finishes.
_DETACH_EVENT = (
    "UPDATE inbox SET conversation_id = NULL, decided_at = COALESCE(decided_at, $2) WHERE id = $1"
)
# Hand-off cards quote the patient's last messages (`data.handoff.card.recent`); a closed
# hand-off's quotes go with the rest of the text after the retention.
_CARDS_WITH_TEXT = (
    "SELECT id, version, data FROM conversations"
    " WHERE owner = 'bot' AND CAST(data AS TEXT) LIKE '%\"recent\"%'"
)


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

        Every process prunes at start and hourly, so after a deploy several start together:
        one prunes, the others find it busy (a transaction-scoped advisory lock on PostgreSQL)
        and return 0 at once instead of updating the same rows in another order and deadlocking.
        """
        cutoff = now - retention
        async with self._write() as session:
            if self.only_one and not (await session.fetch(self.only_one))[0]["got"]:
                return 0
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
            erased += await _prune_cards(session, cutoff)
        return erased

    async def forget(
        self,
        user_key: str,
        *,
        by: str = "operator",
        event: int | None = None,
        outgoing: Sequence[NewOutgoing] = (),
    ) -> int:
        """Erase a patient: conversation, payloads, outbox, thread links; anonymise audit.

        Inbox key rows stay (without payload or conversation) so redeliveries are still
        recognised; the patient's unfinished events become failed, except `event`, the one
        asking for the erasure, which stays claimed with `outgoing` saved for it. The erasure
        itself is audited without anything that names the patient. Returns rows erased.
        """
        now = self._clock()
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
                erased += await session.execute(_FORGET_INBOX, conversation_id, now, event)
                erased += await session.execute(
                    "DELETE FROM conversations WHERE id = $1", conversation_id
                )
            if event is not None:
                await session.execute(_DETACH_EVENT, event, now)
                for seq, message in enumerate(outgoing):
                    key = message.retry_key or str(uuid.uuid4())
                    await session.execute(
                        INSERT_OUTGOING,
                        event,
                        seq,
                        None,
                        message.channel,
                        message.payload,
                        key,
                        now,
                    )
            if erased or event is not None:
                await session.execute(INSERT_AUDIT, *audit_values(_erasure(now, by, erased)))
        return erased


def _erasure(now: datetime, by: str, erased: int) -> AuditEntry:
    """The audit entry of an erasure: who asked and how much went, never whose."""
    return AuditEntry(
        at=now,
        conversation_id=None,
        user_key=None,
        topic=None,
        content_hash=None,
        lang=None,
        method=by,
        result=f"{erased} rows",
        text=None,
        kind="privacy:deleted",
    )


async def _prune_cards(session: Session, cutoff: datetime) -> int:
    """Drop the quoted messages of hand-off cards whose last activity is older than `cutoff`.

    Only conversations back with the bot are touched (an open hand-off is at most a day old:
    `HANDOFF_IDLE_HOURS`); a conversation saved meanwhile keeps its quotes until the next run.
    """
    erased = 0
    for row in await session.fetch(_CARDS_WITH_TEXT):
        data = row["data"]
        data = json.loads(data) if isinstance(data, str) else dict(data)
        handoff = data.get("handoff")
        card = handoff.get("card") if isinstance(handoff, dict) else None
        last = handoff.get("last_activity") if isinstance(handoff, dict) else None
        if not isinstance(card, dict) or "recent" not in card or not last:
            continue
        if read_time(str(last)) >= cutoff:
            continue
        card.pop("recent")
        erased += await session.execute(
            "UPDATE conversations SET data = $3, version = version + 1"
            " WHERE id = $1 AND version = $2",
            row["id"],
            row["version"],
            dump_json(data),
        )
    return erased
