"""The background worker: claims inbox events and runs them, one patient strictly in order.

Events are claimed from the store (which never hands out a patient's event while an earlier
one of theirs is unfinished), run concurrently across patients up to a limit, retried with
backoff when they fail, and marked failed after a few attempts, at which point the operator is
alerted. A handler that cannot deliver yet (LINE or Slack down, rate-limited) raises
`RetryLaterError`: the event waits as long as it says, without using up its attempts (the handler
owns that deadline). A database outage (`StoreUnavailableError`) uses up no attempt either.

Leases are short and renewed on a heartbeat while an event runs, so a process killed mid-event
is noticed within one lease (`WORKER_LEASE_SECONDS`, 10 s) and another takes the event over
while its reply token is still fresh. Before, a fixed 60 s lease outlived the token. A lease
is renewed only by the claim that took it (its `attempts` number), so a process that stalled
past its lease learns it lost the event and stops working on it.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

from bot.store import Claimed, Clock, Store, StoreUnavailableError, log_failed_round

logger = logging.getLogger(__name__)

# A handler returns True when its own last write already marked the event done (saving a
# transaction per event), False when the worker should.
Handler = Callable[[Claimed], Awaitable[bool]]
FailedHook = Callable[[Claimed, str], Awaitable[None]]
RetryHook = Callable[[Claimed, timedelta], Awaitable[None]]

POLL_SECONDS = 1.0  # without a wake-up (another process enqueued), look again this often
MAX_BACKOFF = timedelta(minutes=5)
HANDLER_TIMEOUT = 120.0  # seconds one attempt may take (a reply retried while its token is fresh)
NO_LIMIT = 1_000_000  # attempts: a deferred delivery is bounded by its deadline, not a count


class RetryLaterError(Exception):
    """Nothing is wrong with the event, but a platform cannot take its message yet: run it
    again after `delay` (its outbox rows keep their reply token state and retry keys)."""

    def __init__(self, delay: timedelta, error: str) -> None:
        super().__init__(error)
        self.delay = delay
        self.error = error


class Worker:
    """Runs `handle` for every claimed event; start with `start()`, stop with `stop()`."""

    def __init__(
        self,
        store: Store,
        handle: Handler,
        *,
        clock: Clock,
        concurrency: int = 8,
        lease: timedelta = timedelta(seconds=10),
        max_attempts: int = 5,
        handler_timeout: float = HANDLER_TIMEOUT,
        on_failed: FailedHook | None = None,
        on_retry: RetryHook | None = None,
    ) -> None:
        """`on_retry` hears of each event put back to wait (with how long); `on_failed` of each
        given up on. Neither may raise into the worker: their errors are logged."""
        self._store = store
        self._handle = handle
        self._clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._lease = lease
        self._handler_timeout = handler_timeout
        self._max_attempts = max_attempts
        self._on_failed = on_failed
        self._on_retry = on_retry
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._held: dict[int, tuple[Claimed, asyncio.Task[None]]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._beat_task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Look for work now (called right after the webhook stored new events)."""
        self._wake.set()

    async def start(self) -> None:
        """Hand back work a crashed process held, then start claiming."""
        recovered = await self._store.recover(self._clock())
        if recovered:
            logger.warning("worker recovered %d unfinished events", recovered)
        self._loop_task = asyncio.create_task(self._loop(), name="inbox-worker")
        self._beat_task = asyncio.create_task(self._heartbeat(), name="inbox-heartbeat")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop claiming, give running events `grace` seconds, then cancel the rest.

        A cancelled event stays `working` in the store and is recovered at the next start.
        """
        self._stopping.set()
        self._wake.set()
        if self._loop_task:
            await self._loop_task
        if self._running:
            await self._finish_running(grace)
        if self._beat_task:
            self._beat_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat_task

    async def _finish_running(self, grace: float) -> None:
        if self._running:
            _, pending = await asyncio.wait(self._running, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                logger.warning("worker stopped with %d events unfinished", len(pending))
                await asyncio.gather(*pending, return_exceptions=True)

    async def drain(self, within: float = 10.0) -> None:
        """Wait until nothing is runnable and nothing runs (tests and benchmarks)."""
        async with asyncio.timeout(within):
            while True:
                counts = await self._store.counts(self._clock())
                if not self._running and not counts.get("pending") and not counts.get("working"):
                    return
                self.wake()
                await asyncio.sleep(0.01)

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            await self._slots.acquire()
            try:
                claimed = await self._store.claim(self._clock(), self._lease)
            except Exception as exc:
                self._slots.release()
                log_failed_round(logger, "claiming an event", exc)
                await self._idle()
                continue
            if claimed is None:
                self._slots.release()
                await self._idle()
                continue
            task = asyncio.create_task(self._run(claimed), name=f"event-{claimed.id}")
            self._running.add(task)
            self._held[claimed.id] = (claimed, task)
            task.add_done_callback(self._running.discard)
            task.add_done_callback(partial(self._release, claimed.id))

    def _release(self, inbox_id: int, _: "asyncio.Task[None]") -> None:
        self._held.pop(inbox_id, None)

    async def _heartbeat(self) -> None:
        """Renew the leases of running events every third of a lease; an event whose lease
        another process took (this one stalled) is cancelled here, not finished twice."""
        every = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            held = dict(self._held)
            if not held:
                continue
            try:
                kept = await self._store.renew(
                    [(i, c.attempts) for i, (c, _) in held.items()], self._clock() + self._lease
                )
            except Exception as exc:  # the store is down: the next beat tries again
                logger.warning("worker could not renew leases: %s", type(exc).__name__)
                continue
            for inbox_id, (claimed, task) in held.items():
                if inbox_id not in kept and not task.done():
                    logger.error(
                        "event %s lease lost to another process; stopped here", claimed.event_id
                    )
                    task.cancel()

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(POLL_SECONDS):
                await self._wake.wait()
        self._wake.clear()

    async def _run(self, claimed: Claimed) -> None:
        try:
            try:
                async with asyncio.timeout(self._handler_timeout):
                    finished = await self._handle(claimed)
            except RetryLaterError as later:
                await self._later(claimed, later)
            except StoreUnavailableError as exc:
                await self._outage(claimed, exc)
            except Exception as exc:  # any failure: retried or surfaced, never swallowed
                await self._failed(claimed, exc)
            else:
                if not finished:
                    await self._store.finish(claimed.id, self._clock())
        finally:
            self._slots.release()
            self.wake()  # the patient's next event may be runnable now

    async def _later(self, claimed: Claimed, later: RetryLaterError) -> None:
        logger.warning(
            "event %s (%s) waits %.1f s to deliver (%s; attempt %d)",
            claimed.event_id,
            claimed.source,
            later.delay.total_seconds(),
            later.error,
            claimed.attempts,
        )
        not_before = self._clock() + later.delay
        await self._store.retry_later(claimed.id, later.error, not_before, NO_LIMIT)

    async def _outage(self, claimed: Claimed, exc: StoreUnavailableError) -> None:
        """The database went away mid-event: not the event's fault, so it uses up no attempt
        (a long outage must not fail events for good and alert staff). If the store is back
        it is put off for a while; if not, its lease runs out and a claim takes it again."""
        delay = _backoff(claimed.attempts)
        logger.warning(
            "event %s (%s) interrupted: database unavailable (%s); again in %.0f s",
            claimed.event_id,
            claimed.source,
            exc,
            delay.total_seconds(),
        )
        with contextlib.suppress(StoreUnavailableError):
            await self._store.retry_later(claimed.id, str(exc), self._clock() + delay, NO_LIMIT)

    async def _failed(self, claimed: Claimed, exc: Exception) -> None:
        error = type(exc).__name__  # never str(exc): it may quote patient text
        logger.warning(
            "event %s (%s) failed on attempt %d: %s",
            claimed.event_id,
            claimed.source,
            claimed.attempts,
            error,
            exc_info=logger.isEnabledFor(logging.DEBUG),
        )
        delay = _backoff(claimed.attempts)
        now: datetime = self._clock()
        retried = await self._store.retry_later(claimed.id, error, now + delay, self._max_attempts)
        if retried and self._on_retry is not None:
            await _hook("retry", self._on_retry(claimed, delay))
        if not retried:
            logger.error(
                "event %s (%s) failed for good after %d attempts; staff alerted",
                claimed.event_id,
                claimed.source,
                claimed.attempts,
            )
            if self._on_failed is not None:
                await _hook("failed", self._on_failed(claimed, error))


def _backoff(attempts: int) -> timedelta:
    """The wait before an event that failed on attempt `attempts` runs again: 2, 4, 8 ... s,
    at most MAX_BACKOFF."""
    return min(timedelta(seconds=2**attempts), MAX_BACKOFF)


async def _hook(name: str, call: Awaitable[None]) -> None:
    """Run a hook; its failure is logged, never allowed to stop the worker."""
    try:
        await call
    except Exception as exc:
        logger.error("worker %s hook failed: %s", name, type(exc).__name__)
