"""Turn hand-off deadlines into inbox events, so the worker acts on them like on any event.

Every few seconds, the conversations waiting for or owned by staff are checked; a due deadline
becomes an event keyed `timeout:<conversation>:<deadline>`, so however many processes look, only
one event exists per deadline, and it queues in the patient's order.
"""

import asyncio
import json
import logging
from collections.abc import Callable

from bot.core.handoff import Policy, next_deadline
from bot.store import Clock, NewEvent, Store, log_failed_round

logger = logging.getLogger(__name__)

CHECK_EVERY = 15.0  # seconds; deadlines are minutes apart


async def due_events(store: Store, policy: Policy, clock: Clock) -> int:
    """Enqueue an event for each due deadline; returns how many were new."""
    now = clock()
    events = []
    for conv in await store.conversations_owned_by_staff():
        deadline = next_deadline(conv.owner, conv.data.handoff, policy)
        if deadline is not None and deadline <= now:
            key = f"timeout:{conv.id}:{deadline.isoformat()}"
            events.append(
                NewEvent(
                    "timer", key, None, json.dumps({"kind": "tick"}), now, conversation_id=conv.id
                )
            )
    return sum(await store.enqueue(events)) if events else 0


async def watch_deadlines(
    store: Store,
    policy: Callable[[], Policy],
    clock: Clock,
    wake: Callable[[], None],
    every: float = CHECK_EVERY,
) -> None:
    """Check for due deadlines forever (a task owned by the app's cleanup context); the
    policy is read each round, so an edited hours.toml applies without a restart."""
    while True:
        try:
            if await due_events(store, policy(), clock):
                wake()
        except Exception as exc:
            log_failed_round(logger, "deadline check", exc)
        await asyncio.sleep(every)
