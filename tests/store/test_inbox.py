"""Contract: the inbox logs each event once and hands it out in each patient's order."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from bot.core.decision import Owner
from bot.store import ConversationData, NewEvent, Store, open_store
from tests.store import peek
from tests.store.builders import LEASE, NOW, FakeClock, event
from tests.store.conftest import Backend

SECOND = LEASE / 30


@pytest.mark.parametrize(
    ("batches", "expected"),
    [
        ([[event("e1")], [event("e1")]], [[True], [False]]),
        ([[event("e1"), event("e1")]], [[True, False]]),
        ([[event("e1"), event("e2")]], [[True, True]]),
        ([[event("e1", source="line"), event("e1", source="slack")]], [[True, True]]),
        ([[]], [[]]),
    ],
    ids=["redelivered", "twice-in-one-batch", "two-events", "same-id-other-source", "empty"],
)
async def test_enqueue_dedupes_on_source_and_event_id(
    store: Store, batches: list[list[NewEvent]], expected: list[list[bool]]
) -> None:
    """Only the first copy of a (source, event id) is inserted, across and within batches."""
    results = [await store.enqueue(batch) for batch in batches]

    assert results == expected


async def test_enqueue_creates_one_conversation_per_user(store: Store) -> None:
    """Each LINE user gets exactly one fresh conversation, however many events arrive."""
    await store.enqueue([event("a1", "U-alice"), event("b1", "U-bob")])
    await store.enqueue([event("a2", "U-alice")])

    alice = await peek.conversation_for_user(store, "U-alice")
    bob = await peek.conversation_for_user(store, "U-bob")
    claimed = [await store.claim(NOW, LEASE) for _ in range(2)]

    assert alice is not None
    assert bob is not None
    assert alice.id != bob.id
    assert (alice.lang, alice.misses, alice.owner, alice.data) == (
        None,
        0,
        Owner.BOT,
        ConversationData(),
    )
    assert [c.conversation_id for c in claimed if c] == [alice.id, bob.id]
    assert [c.user_key for c in claimed if c] == ["U-alice", "U-bob"]
    assert [c.conversation for c in claimed if c] == [alice, bob]
    assert await store.conversation(alice.id) == alice


async def test_event_without_user_has_no_conversation(store: Store) -> None:
    """An event tied to no patient is stored and claimed with no conversation."""
    await store.enqueue([event("t1", None, source="timer")])

    claimed = await store.claim(NOW, LEASE)

    assert claimed is not None
    assert (claimed.conversation_id, claimed.user_key, claimed.conversation) == (None, None, None)


async def test_claim_reads_the_conversation_as_saved_last(store: Store) -> None:
    """The conversation handed out with an event is the latest saved state, not the first."""
    await store.enqueue([event("a1", "U-alice"), event("a2", "U-alice")])
    first = await store.claim(NOW, LEASE)
    assert first is not None and first.conversation is not None
    saved = await store.commit(replace(first.conversation, lang="en", misses=1), [], first.id)
    await store.finish(first.id, NOW)

    second = await store.claim(NOW, LEASE)

    assert second is not None
    assert second.conversation == saved
    assert second.conversation is not None and second.conversation.version == 2


async def test_event_for_a_conversation_queues_behind_the_patient(store: Store) -> None:
    """A staff reply naming a conversation waits for that patient's earlier event."""
    await store.enqueue([event("a1", "U-alice")])
    alice = await peek.conversation_for_user(store, "U-alice")
    assert alice is not None
    await store.enqueue([event("s1", None, source="slack", conversation_id=alice.id)])

    first = await store.claim(NOW, LEASE)
    blocked = await store.claim(NOW, LEASE)
    assert first is not None
    await store.finish(first.id, NOW)
    second = await store.claim(NOW, LEASE)

    assert blocked is None
    assert second is not None
    assert (second.event_id, second.conversation_id, second.user_key) == (
        "s1",
        alice.id,
        "U-alice",
    )


async def test_claim_keeps_each_patient_in_order(store: Store) -> None:
    """Bob's second event waits while his first is working; Alice's event does not."""
    await store.enqueue([event("b1", "U-bob"), event("b2", "U-bob"), event("a1", "U-alice")])

    first = await store.claim(NOW, LEASE)
    second = await store.claim(NOW, LEASE)
    nothing = await store.claim(NOW, LEASE)
    assert first is not None
    await store.finish(first.id, NOW)
    third = await store.claim(NOW, LEASE)

    assert [c.event_id if c else None for c in (first, second, nothing, third)] == [
        "b1",
        "a1",
        None,
        "b2",
    ]
    assert await peek.inbox_status(store, "line", "b1") == "done"
    assert await peek.inbox_status(store, "line", "b2") == "working"
    assert await peek.inbox_status(store, "line", "unknown") is None


async def test_expired_lease_lets_another_worker_claim(store: Store) -> None:
    """A claimed event is invisible until its lease ends, then it is claimed again."""
    await store.enqueue([event("e1")])
    first = await store.claim(NOW, LEASE)

    during = await store.claim(NOW + LEASE - SECOND, LEASE)
    after = await store.claim(NOW + LEASE + SECOND, LEASE)

    assert first is not None
    assert during is None
    assert after is not None
    assert (after.id, after.attempts) == (first.id, 2)


@pytest.mark.parametrize(
    ("recover_at", "expected"),
    [
        (NOW + LEASE + SECOND, {"sqlite": 1, "postgres": 1}),
        (NOW + SECOND, {"sqlite": 1, "postgres": 0}),
    ],
    ids=["lease-expired", "lease-live"],
)
async def test_recover_releases_working_events(
    store: Store, backend: Backend, recover_at: datetime, expected: dict[str, int]
) -> None:
    """Recovery frees expired leases; SQLite (one process) frees every working event."""
    await store.enqueue([event("e1"), event("e2", "U-bob")])
    await store.claim(NOW, LEASE)

    recovered = await store.recover(recover_at)

    assert recovered == expected[backend.name]
    assert await peek.inbox_status(store, "line", "e1") == ("pending" if recovered else "working")


async def test_retry_later_backs_off_then_fails(store: Store) -> None:
    """A failing event waits out each backoff, fails after max attempts, then unblocks the next."""
    await store.enqueue([event("e1"), event("e2")])
    outcomes, attempts, early = [], [], []
    at = NOW
    for _ in range(3):
        claimed = await store.claim(at, LEASE)
        assert claimed is not None
        attempts.append((claimed.event_id, claimed.attempts))
        at += 10 * SECOND
        outcomes.append(await store.retry_later(claimed.id, "boom", at, max_attempts=3))
        early.append(await store.claim(at - SECOND, LEASE))

    assert attempts == [("e1", 1), ("e1", 2), ("e1", 3)]
    assert outcomes == [True, True, False]
    assert [c.event_id if c else None for c in early] == [None, None, "e2"]
    assert await peek.inbox_status(store, "line", "e1") == "failed"


async def test_counts_report_backlog_and_outcomes(store: Store) -> None:
    """Counts show the live backlog and what finished since the given time."""
    await store.enqueue([event("e1"), event("e2", "U-bob"), event("e3", "U-carol")])
    done = await store.claim(NOW, LEASE)
    failed = await store.claim(NOW, LEASE)
    assert done is not None
    assert failed is not None
    await store.finish(done.id, NOW)
    await store.retry_later(failed.id, "boom", NOW, max_attempts=1)

    counts = await store.counts(NOW - SECOND)

    assert counts == {"pending": 1, "working": 0, "done": 1, "failed": 1}


async def test_ping_answers_until_closed(backend: Backend, clock: FakeClock) -> None:
    """A live store answers ping; a closed one says False instead of raising."""
    store = await open_store(backend.url, clock=clock)
    alive = await store.ping()
    await store.close()

    assert alive is True
    assert await store.ping() is False


async def test_crash_mid_event_is_recovered_exactly_once(
    backend: Backend, clock: FakeClock
) -> None:
    """An event claimed by a process that dies is claimed once more after restart, then never."""
    first = await open_store(backend.url, clock=clock)
    await first.enqueue([event("e1")])
    before = await first.claim(NOW, LEASE)
    await first.close()  # the crash: no finish, no retry_later

    restarted = await open_store(backend.url, clock=clock)
    try:
        later = NOW + 2 * LEASE
        recovered = await restarted.recover(later)
        again = await restarted.claim(later, LEASE)
        assert again is not None
        await restarted.finish(again.id, later)
        once_more = await restarted.claim(later + 10 * LEASE, LEASE)
    finally:
        await restarted.close()

    assert before is not None
    assert recovered == 1
    assert (again.id, again.event_id, again.attempts) == (before.id, "e1", 2)
    assert once_more is None
