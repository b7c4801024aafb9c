"""The worker's failure path on a real store: retried with backoff, hooks told, then given up."""

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.pipeline.worker import RetryLaterError, Worker
from bot.store import Claimed, Store
from tests.store import peek
from tests.store.builders import FakeClock, event


async def _run_until(worker: Worker, done: asyncio.Event) -> None:
    await worker.start()
    try:
        async with asyncio.timeout(5):
            await done.wait()
    finally:
        await worker.stop(grace=1)


async def test_failed_event_is_retried_and_hooks_hear_of_it(store: Store, clock: FakeClock) -> None:
    """Each failed attempt waits 2^attempts s (on_retry told); the last one goes to on_failed."""
    await store.enqueue([event("e1")])
    retries: list[timedelta] = []
    failed: list[tuple[str, str]] = []
    gave_up = asyncio.Event()

    async def handle(claimed: Claimed) -> bool:
        raise KeyError(claimed.event_id)

    async def on_retry(claimed: Claimed, delay: timedelta) -> None:
        retries.append(delay)
        clock.now += delay  # the wait passes at once

    async def on_failed(claimed: Claimed, error: str) -> None:
        failed.append((claimed.event_id, error))
        gave_up.set()

    worker = Worker(
        store, handle, clock=clock, max_attempts=3, on_retry=on_retry, on_failed=on_failed
    )
    await _run_until(worker, gave_up)

    assert retries == [timedelta(seconds=2), timedelta(seconds=4)]
    assert failed == [("e1", "KeyError")]
    assert await peek.inbox_status(store, "line", "e1") == "failed"


async def test_a_failing_hook_does_not_stop_the_worker(
    store: Store, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The hook's error is logged by type; the event still gets its retry and then succeeds."""
    await store.enqueue([event("e1")])
    attempts: list[int] = []
    succeeded = asyncio.Event()

    async def handle(claimed: Claimed) -> bool:
        attempts.append(claimed.attempts)
        if claimed.attempts == 1:
            raise RuntimeError
        succeeded.set()
        return False  # the worker marks it done

    async def on_retry(claimed: Claimed, delay: timedelta) -> None:
        clock.now += delay
        raise ConnectionError

    worker = Worker(store, handle, clock=clock, on_retry=on_retry)
    with caplog.at_level(logging.ERROR, logger="bot.pipeline.worker"):
        await _run_until(worker, succeeded)

    assert attempts == [1, 2]
    assert await peek.inbox_status(store, "line", "e1") == "done"
    assert "worker retry hook failed: ConnectionError" in caplog.text


async def test_heartbeat_renews_only_the_lease_its_claim_holds(
    store: Store, clock: FakeClock
) -> None:
    """A lease is extended only for the claim that took it (same attempts): once another
    process has taken the event over, the stalled first claimer cannot renew it."""
    await store.enqueue([event("e1")])
    lease = timedelta(seconds=10)
    first = await store.claim(clock.now, lease)
    assert first is not None
    assert await store.renew([(first.id, first.attempts)], clock.now + lease) == {first.id}
    clock.now += lease * 2  # the first claimer stalls past its lease
    second = await store.claim(clock.now, lease)
    assert second is not None
    assert second.id == first.id
    assert second.attempts == first.attempts + 1
    assert await store.renew([(first.id, first.attempts)], clock.now + lease) == set()
    assert await store.renew([(second.id, second.attempts)], clock.now + lease) == {second.id}


async def test_retry_later_defers_without_using_up_attempts(store: Store, clock: FakeClock) -> None:
    """A handler that cannot deliver yet (RetryLaterError) waits its delay, and is not given
    up after max_attempts: its deadline is the handler's own."""
    await store.enqueue([event("e1")])
    runs: list[int] = []
    done = asyncio.Event()

    async def handle(claimed: Claimed) -> bool:
        runs.append(claimed.attempts)
        if claimed.attempts < 4:
            raise RetryLaterError(timedelta(0), "server_error")  # the fake clock stands still
        done.set()
        return False

    worker = Worker(store, handle, clock=clock, max_attempts=2)
    await _run_until(worker, done)
    assert runs == [1, 2, 3, 4]
    await asyncio.sleep(0.05)
    assert await peek.inbox_status(store, "line", "e1") == "done"
