"""Contract (PostgreSQL only): several processes share one inbox safely.

SQLite serves a single process by design, so this race runs on the shared store only.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import pytest

from bot.store import Store, open_store
from tests.store.builders import LEASE, NOW, FakeClock, event
from tests.store.conftest import Backend

EVENTS = 50
USERS = 10
TASKS_PER_STORE = 3


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_claimers_never_share_an_event_and_keep_order(
    backend: Backend, clock: FakeClock
) -> None:
    """Two stores racing over 50 events for 10 patients claim each event once, in order."""
    stores = [await open_store(backend.url, clock=clock) for _ in range(2)]
    events = [event(f"e{n:02d}", f"U-{n % USERS}") for n in range(EVENTS)]
    await stores[0].enqueue(events)
    claimed: list[str] = []
    per_user: dict[str, list[str]] = defaultdict(list)
    busy: set[str] = set()
    overlaps: list[str] = []

    async def work(store: Store) -> None:
        while len(claimed) < EVENTS:
            got = await store.claim(NOW, LEASE)
            if got is None:
                await asyncio.sleep(0.005)
                continue
            assert got.user_key is not None
            if got.user_key in busy:
                overlaps.append(got.event_id)
            busy.add(got.user_key)
            claimed.append(got.event_id)
            per_user[got.user_key].append(got.event_id)
            await asyncio.sleep(0)  # let the other claimers run while this one "works"
            busy.discard(got.user_key)  # before finish: the next event is claimable after it
            await store.finish(got.id, NOW)

    try:
        async with asyncio.timeout(60):  # a lost event would otherwise hang the suite
            await asyncio.gather(*(work(s) for s in stores for _ in range(TASKS_PER_STORE)))
    finally:
        for store in stores:
            await store.close()

    assert sorted(claimed) == sorted(e.event_id for e in events)
    assert overlaps == []
    assert per_user == {
        f"U-{u}": [e.event_id for e in events if e.user_key == f"U-{u}"] for u in range(USERS)
    }


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_processes_pruning_at_once_neither_deadlock_nor_erase_twice(
    backend: Backend, clock: FakeClock
) -> None:
    """Every process prunes when it starts, so several prune together after a deploy: each
    either prunes or finds another at it and returns at once; the rows are erased once."""
    stores = [await open_store(backend.url, clock=clock) for _ in range(4)]
    try:
        await stores[0].enqueue([event(f"e{n:03d}", f"U-{n % USERS}") for n in range(120)])
        while (got := await stores[0].claim(NOW, LEASE)) is not None:
            await stores[0].finish(got.id, NOW)
        later = NOW + timedelta(days=60)
        async with asyncio.timeout(60):
            erased = await asyncio.gather(
                *(s.prune(later, timedelta(days=30)) for s in stores for _ in range(3))
            )
    finally:
        for store in stores:
            await store.close()
    assert sum(erased) == 240  # 120 payloads emptied, 120 key rows past their grace dropped


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_a_prune_finding_another_at_work_returns_at_once(
    backend: Backend, clock: FakeClock
) -> None:
    """While another process's prune holds the job, a prune erases nothing and does not wait."""
    store = await open_store(backend.url, clock=clock)
    other = await asyncpg.connect(backend.raw_url, server_settings={"search_path": backend.schema})
    try:
        await store.enqueue([event("e1")])
        got = await store.claim(NOW, LEASE)
        assert got is not None
        await store.finish(got.id, NOW)
        later = NOW + timedelta(days=60)
        async with other.transaction():
            await other.execute(
                "SELECT pg_advisory_xact_lock(hashtext('bot.store.prune:' || current_schema()))"
            )
            async with asyncio.timeout(5):
                assert await store.prune(later, timedelta(days=30)) == 0
        assert await store.prune(later, timedelta(days=30)) == 2
    finally:
        await other.close()
        await store.close()
