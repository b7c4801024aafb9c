"""Counts for staff (`/faq-stats`): what the bot did in a period, and what is open now."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from bot.lang import Lang
from bot.store import Unanswered
from bot.store.base import SqlBase
from bot.store.rows import read_time


class Stats(SqlBase):
    """Read-only counts over the inbox, the audit trail and conversations."""

    async def daily_stats(self, start: datetime, end: datetime) -> dict[str, int]:
        """Messages received, answers, fallbacks in [start, end); hand-offs open now."""
        async with self._read() as session:
            received = await session.fetch(
                "SELECT COUNT(*) AS n FROM inbox WHERE source = 'line'"
                " AND received_at >= $1 AND received_at < $2",
                start,
                end,
            )
            kinds = await session.fetch(
                "SELECT kind, COUNT(*) AS n FROM audit WHERE at >= $1 AND at < $2 GROUP BY kind",
                start,
                end,
            )
            open_now = await session.fetch(
                "SELECT COUNT(*) AS n FROM conversations WHERE owner <> 'bot'"
            )
        by_kind = {row["kind"]: int(row["n"]) for row in kinds}
        return {
            "messages": int(received[0]["n"]),
            "answered": by_kind.get("answer", 0),
            "fallbacks": by_kind.get("fallback", 0),
            "handoffs_open": int(open_now[0]["n"]),
        }

    async def unanswered(self, start: datetime, end: datetime) -> list[Unanswered]:
        """Fallbacks and clarifications in [start, end), oldest first, for the report.

        Only patients still stored and storing text: the join drops rows anonymised by an
        erasure (no conversation) and every row of a patient who opted out, whatever text a
        row may hold. Media fallbacks (a sticker, a photo) are no question and are left out.
        """
        async with self._read() as session:
            rows = await session.fetch(_UNANSWERED, start, end)
        return [
            Unanswered(
                at=read_time(row["at"]),
                conversation_id=row["conversation_id"],
                kind=row["kind"],
                topic=row["topic"],
                lang=cast("Lang | None", row["lang"]),
                text=row["text"],
                handed_off=bool(row["handed_off"]),
            )
            for row in rows
        ]


# A miss brought staff in when the conversation's audit row just before it is the hand-off
# "unanswered" (the worker audits the owner change, then the reply as it is delivered).
_UNANSWERED = """
SELECT a.at, a.conversation_id, a.kind, a.topic, a.lang, a.text,
    EXISTS (SELECT 1 FROM audit AS o
            WHERE o.id = (SELECT MAX(p.id) FROM audit AS p
                          WHERE p.conversation_id = a.conversation_id AND p.id < a.id)
              AND o.kind LIKE 'owner:bot->%' AND o.topic = 'unanswered') AS handed_off
FROM audit AS a JOIN conversations AS c ON c.id = a.conversation_id
WHERE a.at >= $1 AND a.at < $2 AND c.opted_out_at IS NULL
  AND (a.kind = 'clarify' OR (a.kind = 'fallback' AND a.topic = 'fallback'))
ORDER BY a.at, a.id
"""
