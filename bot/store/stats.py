"""Counts for staff (`/faq-stats`): what the bot did in a period, and what is open now."""

from __future__ import annotations

from datetime import datetime

from bot.store.base import SqlBase


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
