"""What tests read back from a store that the bot itself never asks for: an event's status and a
conversation by LINE user id. Plain SQL over the store's own connection, so it works on both
backends and keeps the `Store` protocol to what the bot uses."""

from typing import Any

from bot.store import Conversation
from bot.store.rows import CONVERSATION_COLUMNS, to_conversation


async def inbox_status(store: Any, source: str, event_id: str) -> str | None:
    """The status of one logged event, None when the key is unknown."""
    async with store._read() as session:
        rows = await session.fetch(
            "SELECT status FROM inbox WHERE source = $1 AND event_id = $2", source, event_id
        )
    return str(rows[0]["status"]) if rows else None


async def conversation_for_user(store: Any, user_key: str) -> Conversation | None:
    """A conversation by LINE user id."""
    async with store._read() as session:
        rows = await session.fetch(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE user_key = $1", user_key
        )
    return to_conversation(rows[0]) if rows else None
