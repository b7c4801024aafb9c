"""Stored JSON the code cannot read, on a real store: a conversation still loads and its
patient is still served; an unsent outbox row fails its event, which is retried and then
surfaced to staff like any failed event, and nothing of the patient's words is logged."""

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta
from functools import partial

import pytest

from bot.core.handoff import Handoff
from bot.core.knowledge import Knowledge
from bot.logs import PatientTag
from bot.pipeline import handle as pipeline
from bot.pipeline.worker import Worker
from bot.store import Claimed, ConversationData, NewOutgoing, Store
from tests.store import peek
from tests.store.builders import LEASE, NOW, FakeClock, event
from tests.store.conftest import Backend

SECRET = "SECRET-WORDS-ZQX"


def services(store: Store, knowledge: Knowledge, clock: FakeClock) -> pipeline.Services:
    """Enough of the services for events that never reach LINE."""

    async def no_profile(_: str) -> tuple[None, None]:
        return None, None

    return pipeline.Services(
        store=store,
        knowledge=lambda: knowledge,
        sender=None,  # type: ignore[arg-type]  # never reached: nothing is sent to LINE
        profile=no_profile,
        clock=clock,
        tag=PatientTag(b"k"),
    )


async def test_malformed_data_still_loads_and_is_claimed(
    store: Store, backend: Backend, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A hand-off of the wrong shape reads as none; the patient's event is claimed as usual."""
    await store.enqueue([event("e1")])
    await backend.execute(
        f'UPDATE conversations SET data = \'{{"handoff": "{SECRET}", "name": "Hanako"}}\''
    )
    with caplog.at_level(logging.WARNING):
        claimed = await store.claim(NOW, LEASE)
    assert claimed is not None and claimed.conversation is not None
    assert claimed.conversation.data == ConversationData(name="Hanako")
    assert SECRET not in caplog.text


async def test_unreadable_outbox_row_fails_the_event_and_reaches_staff(
    store: Store, knowledge: Knowledge, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The row is not sent half-understood: the event is retried, then given up and
    surfaced (`on_failed`, which alerts staff in the server) with the error's type only."""
    await store.enqueue([event("e0")])
    patient = await store.claim(NOW, LEASE)
    assert patient is not None and patient.conversation is not None
    conv = patient.conversation
    data = ConversationData(handoff=Handoff(reason="asked", thread_ts="1.2"))
    await store.finish(patient.id, NOW)
    await store.enqueue(
        [event("t1", None, source="timer", payload='{"kind":"tick"}', conversation_id=conv.id)]
    )
    timer = await store.claim(NOW, LEASE)
    assert timer is not None
    bad = NewOutgoing("slack", f'{{"op":"fax","text":"{SECRET}"}}')
    assert await store.commit(replace(conv, data=data), [bad], timer.id)
    await store.retry_later(timer.id, "crashed", NOW, 5)  # as if a process died here

    failed: list[str] = []
    gave_up = asyncio.Event()

    async def on_retry(_: Claimed, delay: timedelta) -> None:
        clock.now += delay

    async def on_failed(_: Claimed, error: str) -> None:
        failed.append(error)
        gave_up.set()

    handle = partial(pipeline.handle, services=services(store, knowledge, clock))
    worker = Worker(
        store, handle, clock=clock, max_attempts=2, on_retry=on_retry, on_failed=on_failed
    )
    with caplog.at_level(logging.DEBUG, logger="bot"):
        await worker.start()
        try:
            async with asyncio.timeout(5):
                await gave_up.wait()
        finally:
            await worker.stop(grace=1)

    assert failed == ["UnreadablePayloadError"]
    assert await peek.inbox_status(store, "timer", "t1") == "failed"
    assert "slack payload: op missing or mistyped" in caplog.text
    assert SECRET not in caplog.text
