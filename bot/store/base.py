"""The seam every shared query is written against: connections, a clock, two lock clauses.

`SqlBase` is what `queue`, `conversations` and `privacy` need from a backend; `sql.SqlStore`
combines them, and `sqlite` and `postgres` fill in the connections. SQL is written once with
`$1` parameters in the dialect SQLite (>= 3.35) and PostgreSQL share; the SQLite backend
rewrites the parameters to `?1`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from typing import ClassVar

from bot.store import Clock
from bot.store.rows import Session

# Inbox statuses that still hold a patient's place in the queue.
LIVE = "('pending', 'working')"


class SqlBase(ABC):
    """Connections and clock shared by the query mixins."""

    # PostgreSQL: lets several processes claim without waiting on each other's rows.
    skip_locked: ClassVar[str] = ""
    # PostgreSQL: serialise writers of one row; SQLite's BEGIN IMMEDIATE already does.
    for_update: ClassVar[str] = ""
    # PostgreSQL: a query answering `got` true when this transaction may run a once-at-a-time
    # job (pruning) and false when another process is at it; SQLite has one process.
    only_one: ClassVar[str] = ""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    @abstractmethod
    def _read(self) -> AbstractAsyncContextManager[Session]:
        """A connection for reads (no transaction needed)."""

    @abstractmethod
    def _write(self) -> AbstractAsyncContextManager[Session]:
        """A connection in a transaction that commits on exit and rolls back on error."""
