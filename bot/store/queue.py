"""The inbox as a queue: log each event once, hand it out in each patient's order.

Claiming takes the oldest runnable event that has no earlier live event of the same
conversation, so one patient's messages are processed strictly in order while different
patients run concurrently. On PostgreSQL the candidate row is taken with SKIP LOCKED.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.store import Claimed, NewEvent
from bot.store.base import LIVE, SqlBase
from bot.store.rows import CONVERSATION_COLUMNS, Session, to_claimed, to_conversation

_CLAIM = f"""
UPDATE inbox SET status = 'working', attempts = attempts + 1, lease_until = $2
WHERE id = (
    SELECT e.id FROM inbox AS e
    WHERE e.status IN {LIVE}
      AND ((e.status = 'pending' AND e.not_before <= $1)
           OR (e.status = 'working' AND e.lease_until < $1))
      AND NOT EXISTS (
          SELECT 1 FROM inbox AS o
          WHERE o.conversation_id = e.conversation_id AND o.id < e.id
            AND o.status IN {LIVE})
    ORDER BY e.id LIMIT 1{{skip_locked}})
RETURNING id, source, event_id, conversation_id, payload, attempts, received_at
"""
_FIND_OR_CREATE = f"""
INSERT INTO conversations ({CONVERSATION_COLUMNS})
VALUES ($1, $2, NULL, 0, 'bot', 1, $3, $4, $4, NULL, NULL)
ON CONFLICT (user_key) DO UPDATE SET user_key = excluded.user_key
RETURNING id
"""
_INSERT_EVENT = """
INSERT INTO inbox (source, event_id, conversation_id, payload, not_before, received_at)
VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT (source, event_id) DO NOTHING
RETURNING id
"""
# An event no attempt could handle: failed (with why) and decided from the start, so no
# worker claims it and it blocks no later event of its patient.
_INSERT_UNPROCESSABLE = """
INSERT INTO inbox (source, event_id, conversation_id, payload, not_before, received_at, status,
    last_error, decided_at, finished_at)
VALUES ($1, $2, $3, $4, $5, $5, 'failed', $6, $5, $5)
ON CONFLICT (source, event_id) DO NOTHING
RETURNING id
"""


# A handled event keeps its payload (for the retention) only when it belongs to a patient who
# lets us keep their text: an opted-out or erased patient's text goes the moment it is handled.
# Events without a conversation (groups, unknown types, an erasure) need theirs no longer either.
# (A primary-key look-up per row: the hot path must not scan conversations.)
DROP_UNKEPT_PAYLOAD = (
    "payload = CASE WHEN conversation_id IS NULL OR EXISTS (SELECT 1 FROM conversations AS c"
    " WHERE c.id = inbox.conversation_id AND c.opted_out_at IS NOT NULL)"
    " THEN NULL ELSE payload END"
)
FINISH = (
    f"UPDATE inbox SET status = 'done', finished_at = $2, lease_until = NULL, {DROP_UNKEPT_PAYLOAD}"
    f" WHERE id = $1 AND status IN {LIVE}"
)


class Queue(SqlBase):
    """Enqueue, claim, finish, retry and recover inbox events."""

    async def enqueue(self, events: Sequence[NewEvent]) -> list[bool]:
        """Log events in one transaction; True for each one not seen before (source, event_id)."""
        if not events:
            return []
        async with self._write() as session:
            owners = await self._owners(session, events)
            inserted = []
            for event in events:
                key = _owner_key(event)
                values = (
                    event.source,
                    event.event_id,
                    None if key is None else owners.get(key),
                    event.payload,
                    event.received_at,
                )
                if event.unprocessable is None:
                    rows = await session.fetch(_INSERT_EVENT, *values)
                else:
                    reason = f"unprocessable: {event.unprocessable}"
                    rows = await session.fetch(_INSERT_UNPROCESSABLE, *values, reason)
                    if rows:  # finished as it is stored: an opted-out patient's text goes now
                        await session.execute(
                            f"UPDATE inbox SET {DROP_UNKEPT_PAYLOAD} WHERE id = $1", rows[0]["id"]
                        )
                inserted.append(bool(rows))
        return inserted

    async def _logged(self, session: Session, event: NewEvent) -> bool:
        """Whether the event is already in the inbox (a redelivery creates no conversation)."""
        rows = await session.fetch(
            "SELECT 1 FROM inbox WHERE source = $1 AND event_id = $2", event.source, event.event_id
        )
        return bool(rows)

    async def _owners(
        self, session: Session, events: Sequence[NewEvent]
    ) -> dict[tuple[str, str], str | None]:
        """Find or create each event's conversation, locking it so its events queue in order.

        Rows are locked in sorted order so that two batches cannot deadlock each other. A
        conversation is created only for an event not logged before: a redelivery of a forgotten
        patient's event must not bring the patient back.
        """
        found: dict[tuple[str, str], str | None] = {}
        for kind, key in sorted({k for e in events if (k := _owner_key(e)) is not None}):
            if kind == "id":
                rows = await session.fetch(
                    f"SELECT id FROM conversations WHERE id = $1{self.for_update}", key
                )
            else:
                # Look before creating: an upsert would rewrite the row on every event.
                rows = await session.fetch(
                    f"SELECT id FROM conversations WHERE user_key = $1{self.for_update}", key
                )
                fresh = [] if rows else [e for e in events if e.user_key == key]
                fresh = [e for e in fresh if not await self._logged(session, e)]
                if fresh:
                    rows = await session.fetch(
                        _FIND_OR_CREATE, uuid.uuid4().hex, key, "{}", fresh[0].received_at
                    )
            found[kind, key] = rows[0]["id"] if rows else None
        return found

    async def claim(self, now: datetime, lease: timedelta) -> Claimed | None:
        """Take the oldest runnable event, never one queued behind its patient's earlier event."""
        async with self._write() as session:
            rows = await session.fetch(
                _CLAIM.format(skip_locked=self.skip_locked), now, now + lease
            )
            if not rows:
                return None
            owner = rows[0]["conversation_id"]
            found = (
                await session.fetch(
                    f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = $1", owner
                )
                if owner is not None
                else []
            )
        return to_claimed(rows[0], to_conversation(found[0]) if found else None)

    async def renew(self, leases: Sequence[tuple[int, int]], until: datetime) -> set[int]:
        """Extend the leases of events still held by the claims named (id, attempts); returns
        the ids kept. An event recovered and claimed again by another process has another
        `attempts`, so a stalled process cannot renew a lease it has lost."""
        kept: set[int] = set()
        async with self._write() as session:
            for inbox_id, attempts in leases:
                if await session.execute(
                    "UPDATE inbox SET lease_until = $1"
                    " WHERE id = $2 AND attempts = $3 AND status = 'working'",
                    until,
                    inbox_id,
                    attempts,
                ):
                    kept.add(inbox_id)
        return kept

    async def finish(self, inbox_id: int, now: datetime) -> None:
        """Mark a claimed event done."""
        async with self._write() as session:
            await session.execute(FINISH, inbox_id, now)

    async def retry_later(
        self, inbox_id: int, error: str, not_before: datetime, max_attempts: int
    ) -> bool:
        """Put an event back with a backoff; False when it is failed for good instead."""
        async with self._write() as session:
            failed = await session.execute(
                "UPDATE inbox SET status = 'failed', finished_at = $3, lease_until = NULL,"
                f" last_error = $2, {DROP_UNKEPT_PAYLOAD}"
                f" WHERE id = $1 AND status IN {LIVE} AND attempts >= $4",
                inbox_id,
                error,
                self._clock(),
                max_attempts,
            )
            if failed:
                return False
            again = await session.execute(
                "UPDATE inbox SET status = 'pending', not_before = $3, lease_until = NULL,"
                f" last_error = $2 WHERE id = $1 AND status IN {LIVE}",
                inbox_id,
                error,
                not_before,
            )
        return again > 0

    async def recover(self, now: datetime) -> int:
        """At start-up, put events whose lease has expired back to pending."""
        async with self._write() as session:
            return await session.execute(
                "UPDATE inbox SET status = 'pending', lease_until = NULL"
                " WHERE status = 'working' AND lease_until < $1",
                now,
            )

    async def counts(self, since: datetime) -> dict[str, int]:
        """Inbox backlog (pending, working) and outcomes finished since `since` (done, failed)."""
        async with self._read() as session:
            rows = await session.fetch(
                "SELECT status, COUNT(*) AS n FROM inbox"
                f" WHERE status IN {LIVE} OR finished_at >= $1 GROUP BY status",
                since,
            )
        counted = {"pending": 0, "working": 0, "done": 0, "failed": 0}
        counted.update({row["status"]: int(row["n"]) for row in rows})
        return counted


def _owner_key(event: NewEvent) -> tuple[str, str] | None:
    """How an event names its conversation: by opaque id, else by LINE user id."""
    if event.conversation_id is not None:
        return ("id", event.conversation_id)
    if event.user_key is not None:
        return ("user", event.user_key)
    return None
