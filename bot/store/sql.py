"""The whole `Store` in shared SQL, assembled from one mixin per concept.

A backend subclasses `SqlStore` and supplies connections (`_read`, `_write`) and the two lock
clauses of `SqlBase`; every query and rule lives once in `queue`, `conversations` and `privacy`,
so SQLite and PostgreSQL cannot drift apart.
"""

from __future__ import annotations

from bot.store.conversations import Conversations
from bot.store.privacy import Privacy
from bot.store.queue import Queue
from bot.store.stats import Stats


class SqlStore(Queue, Conversations, Privacy, Stats):
    """Everything a `Store` does, over whatever connections a backend hands out."""
