"""How one saved LINE message reaches the patient: the reply token while it is fresh, then push.

Why this order and these rules (measured failures, docs/architecture.md "Delivery"):

- A reply token works once and, per LINE, must be used within one minute of the webhook; after
  that its use "is not guaranteed" (Messaging API reference, `replyToken`). While it is fresh
  (`REPLY_FRESH`, a margin under that minute so a request started in time also ends in time), a
  reply that timed out, got a 5xx or was cut off by a crash is retried with the same token: if
  the first attempt got through, LINE answers 400 "Invalid reply token", which then means
  "already delivered". Pushing after such a timeout instead sent answers twice.
- Once the token is stale, or was refused on a first attempt, the message is pushed with its
  `X-Line-Retry-Key`, which LINE executes once however often it is repeated (409 after that).
- The one case left ambiguous is a reply whose outcome is unknown when the token goes stale:
  it is pushed (a possible duplicate beats a lost answer) and counted (`AMBIGUOUS`, the
  row's result). Heartbeat leases (`bot.pipeline.worker`) make it rare: a crashed process's event is
  taken over within seconds, while its token is still fresh.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.channels.line_send import Delivery, LineSender, Outgoing
from bot.store import Clock

logger = logging.getLogger(__name__)

# LINE: "The reply token must be used within one minute after receiving the webhook. Use of the
# reply token beyond one minute is not guaranteed." (Messaging API reference, send reply
# message; the lifetime was "about 30 s" in practice before 2022).
REPLY_TOKEN_LIFETIME = timedelta(seconds=60)
# Start a reply only this young: with the 5 s request timeout it ends inside the minute.
REPLY_FRESH = timedelta(seconds=50)
REPLY_PAUSES = (0.5, 1.0, 2.0, 4.0)  # between reply attempts while the token is fresh
AMBIGUOUS = "ambiguous_reply"  # the note (and outbox result) of a push after an unknown reply

Mark = Callable[[str], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


async def deliver_line(
    sender: LineSender,
    out: Outgoing,
    *,
    reply_allowed: bool,
    born: datetime,
    previous: str | None,
    clock: Clock,
    mark: Mark,
    sleep: Sleep,
) -> Delivery:
    """Deliver `out` once; the result is ok, refused (4xx, quota) or retryable (push later).

    `born` is the reply token's birth (LINE's event timestamp); `previous` the method of an
    earlier attempt whose outcome is unknown ("reply" or "push": the row was left `sending` by
    a crash or a timeout), else None. `mark(method)` records the attempt before it is made, so
    that a crash during it leaves that trace for the next attempt.
    """
    unknown = previous == "reply"
    if out.reply_token and reply_allowed and previous != "push":
        pause = 0
        while clock() - born < REPLY_FRESH:
            await mark("reply")
            replied = await sender.reply_once(out)
            if replied.ok:
                return replied
            if replied.error == "invalid_reply_token":
                if unknown:  # fresh, so refused only because our earlier attempt used it
                    logger.info("line reply had got through before; not sent again")
                    return Delivery("reply", ok=True, status=400, error=None)
                break  # never valid for us (expired early, redelivered): push
            if not replied.retryable:
                return replied  # a refused message: pushing it would be refused too
            unknown = unknown or replied.unknown
            wait = replied.retry_after or REPLY_PAUSES[min(pause, len(REPLY_PAUSES) - 1)]
            pause += 1
            if clock() + timedelta(seconds=wait) - born >= REPLY_FRESH:
                break
            await sleep(wait)
    note = None
    if unknown:
        note = AMBIGUOUS
        logger.warning("line reply outcome unknown and its token stale: pushing (may double)")
    await mark("push")
    pushed = await sender.push_once(out)
    return replace(pushed, note=note) if note else pushed
