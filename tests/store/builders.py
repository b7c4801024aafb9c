"""Small builders for store tests: a settable clock and events with readable defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.store import AuditEntry, NewEvent, Source

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@dataclass
class FakeClock:
    """A clock that stands still until a test moves it."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


def event(
    event_id: str,
    user_key: str | None = "U-alice",
    *,
    source: Source = "line",
    payload: str = '{"type":"message"}',
    at: datetime = NOW,
    conversation_id: str | None = None,
) -> NewEvent:
    """An inbound event; defaults to a LINE message from one patient."""
    return NewEvent(source, event_id, user_key, payload, at, conversation_id)


def answer(
    conversation_id: str | None,
    user_key: str | None,
    *,
    at: datetime = NOW,
    text: str | None = "what time do you open?",
) -> AuditEntry:
    """An audit entry for one answer sent by reply."""
    return AuditEntry(
        at=at,
        conversation_id=conversation_id,
        user_key=user_key,
        topic="hours",
        content_hash="sha256:abc",
        lang="en",
        method="reply",
        result="ok",
        text=text,
        kind="answer",
    )
