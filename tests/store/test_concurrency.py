"""Contract (PostgreSQL only): several processes share one inbox safely.

SQLite serves a single process by design, so this race runs on the shared store only.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

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
