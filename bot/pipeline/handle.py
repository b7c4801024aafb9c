"""One inbound event, start to finish: plan, save, send, audit.

Events come from LINE (a patient), Slack (staff) or the deadline timer. The plan (new state and
the messages it produces) is saved in one transaction before anything is sent, so a crash never
decides twice; then each message is sent and marked. How a LINE message is sent (the reply
token while fresh, then push with its `X-Line-Retry-Key`) is `bot.pipeline.delivery`. A message
LINE or Slack cannot take yet (5xx, timeout, rate limit, unreachable) stays in the outbox and
the event waits (`RetryLaterError`, backoff with jitter) until it is delivered, refused, or its
deadline (`DELIVERY_DEADLINE_MINUTES`) passes, when staff are alerted once. The patient's later
events wait behind it, so their order holds. The monthly-quota 429 hands the patient to staff.

A patient's confirmed "delete my data" is the one event whose plan is not committed: the store
erases the patient (`Store.forget`) and saves, in the same transaction, the two messages that
are left to send (the patient's confirmation, a note in an open hand-off's thread).
"""

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.channels.line_events import LineEvent, translate
from bot.channels.line_send import Delivery, LineSender, Outgoing
from bot.channels.slack_desk import DeskResult, SlackDesk
from bot.core import handoff, texts
from bot.core.decision import Owner
from bot.core.knowledge import Knowledge
from bot.logs import PatientTag, fields
from bot.pipeline.delivery import deliver_line
from bot.pipeline.outbox import (
    LineMessage,
    Payload,
    SlackCard,
    SlackOp,
    Unreadable,
    decode,
    encode,
    readable,
    retry_key,
)
from bot.pipeline.plan_line import Context, Profile, Sources, bilingual, plan_line_event
from bot.pipeline.plan_staff import Plan, plan_staff_event, read_staff_event
from bot.pipeline.worker import RetryLaterError
from bot.store import (
    AuditEntry,
    Claimed,
    Clock,
    Conversation,
    OutgoingRow,
    OutgoingStatus,
    Store,
    Undelivered,
)

logger = logging.getLogger(__name__)

# LINE keeps a reply token usable for about a minute; older events go by push.
REPLY_TOKEN_AGE = timedelta(seconds=50)
# Events a patient waits on, and so may see LINE's loading animation for.
WAITED_ON = frozenset({"text", "postback", "media", "follow"})
NOTICE = "privacy:notice"  # the audit kind of a delivered privacy notice
# Waits between delivery attempts: 1, 2, 4 ... s up to a minute, each scaled by a random 0.5-1
# (jitter: processes retrying after the same outage do not hit LINE together).
RETRY_BASE_S = 1.0
RETRY_CAP_S = 60.0


class ConflictError(Exception):
    """The conversation changed under us; the worker retries the event."""


@dataclass(frozen=True)
class Services:
    """What handling an event needs, passed in (never looked up globally)."""

    store: Store
    knowledge: Callable[[], Knowledge]
    sender: LineSender
    profile: Profile
    clock: Clock
    tag: PatientTag
    desk: SlackDesk | None = None
    policy: Callable[[], handoff.Policy] = handoff.Policy  # read per event: hours reload live
    mask_pii: bool = True
    staff_labels: dict[str, str] | None = None
    retention_days: int = 30  # AUDIT_RETENTION_DAYS, stated in the privacy notice
    # How long an undelivered message is retried after its event arrived (then staff are
    # alerted). LINE keeps a retry key for 24 hours after the first request
    # (developers.line.biz/en/docs/messaging-api/retrying-api-request/), so it must stay under.
    delivery_deadline: timedelta = timedelta(hours=1)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


async def handle(claimed: Claimed, services: Services) -> bool:
    """Run one claimed event (the worker's handler); True when it marked the event done."""
    started = services.clock()
    if claimed.source == "line":
        return await _line(claimed, services, started)
    conv = claimed.conversation
    if conv is None:
        return False
    rows = await services.store.outgoing(claimed.id)
    if not rows:
        plan = plan_staff_event(
            read_staff_event(claimed.payload),
            claimed.event_id,
            conv,
            services.knowledge(),
            services.policy(),
            services.clock(),
            services.staff_labels or {},
        )
        rows = await _save(claimed, conv, plan, services)
    _, finished = await _deliver(claimed, None, conv, rows, services)
    logger.info(
        "staff event handled",
        extra=fields(
            event_id=claimed.event_id,
            source=claimed.source,
            owner=conv.owner.value,
            latency_ms=round((services.clock() - started).total_seconds() * 1000, 1),
        ),
    )
    return finished


async def _line(claimed: Claimed, services: Services, started: datetime) -> bool:
    event = translate(json.loads(claimed.payload))
    if event.kind == "unknown":
        logger.warning(
            "line event of unsupported type ignored",
            extra=fields(event_id=event.event_id, type=event.type_name),
        )
        return False
    if event.kind == "group":
        await _group_note(event, services)
        return False
    if event.kind == "unfollow":
        await services.store.reset_conversation(event.user_id or "")
        _log_done(event, services, started, ("unfollow", None), "forgotten")
        return False
    conv = claimed.conversation
    # Only an event tried before (a crash, a retry) can already have saved messages.
    rows = await services.store.outgoing(claimed.id) if claimed.attempts > 1 else []
    keeps_text = conv is None or conv.keeps_text
    if conv is not None and not rows:
        plan, _ = await plan_line_event(
            event,
            conv,
            _context(services),
            Sources(services.profile, services.store.audit_entries),
            _reply_allowed(claimed, event, services),
        )
        if plan.erase:  # "Yes, delete": erased with what is left to send, nothing else saved
            outgoing = [encode(message) for message in plan.outgoing]
            await services.store.forget(
                conv.user_key, by="patient", event=claimed.id, outgoing=outgoing
            )
            conv, rows = None, await services.store.outgoing(claimed.id)
        else:
            keeps_text = plan.conv.keeps_text
            rows = await _save(claimed, conv, plan, services)
    if conv is None:
        if rows:  # this event erased its patient (maybe before a crash): tell them and staff
            await _deliver_erased(claimed, rows, services)
            _log_done(event, services, started, ("privacy", "deleted"), "erased")
            return False
        # forgotten meanwhile (`python -m bot forget`, "delete my data"): nothing to answer to
        logger.info(
            "line event for a forgotten patient dropped", extra=fields(event_id=event.event_id)
        )
        return False
    outcome, finished = await _deliver(claimed, event, conv, rows, services, keeps_text)
    _log_done(event, services, started, _logged_kind(rows), outcome)
    return finished


def _context(services: Services) -> Context:
    return Context(
        knowledge=services.knowledge(),
        now=services.clock(),
        policy=services.policy(),
        desk=services.desk is not None,
        mask_pii=services.mask_pii,
        retention_days=services.retention_days,
    )


def _logged_kind(rows: list[OutgoingRow]) -> tuple[str, str | None]:
    """The kind and topic of the event's first LINE message, for its log line."""
    for row in rows:
        payload = decode(row.channel, row.payload) if row.payload else None
        if isinstance(payload, LineMessage):
            return payload.kind, payload.topic
    return "relay", None


def _read(row: OutgoingRow) -> Payload:
    """An unsent row's payload; one this version cannot read fails the event (retried, then
    surfaced to staff as any failed event), logged with its row id and reason, no text."""
    payload = decode(row.channel, row.payload or "")
    if isinstance(payload, Unreadable):
        logger.warning(
            "outbox row unreadable", extra=fields(outgoing_id=row.id, reason=payload.reason)
        )
    return readable(payload)


def _reply_allowed(claimed: Claimed, event: LineEvent, services: Services) -> bool:
    now = services.clock()
    allowed = not event.redelivery and now - claimed.received_at < REPLY_TOKEN_AGE
    if event.timestamp_ms:  # LINE's own timestamp is the token's birth
        sent = datetime.fromtimestamp(event.timestamp_ms / 1000, now.tzinfo)
        allowed = allowed and now - sent < REPLY_TOKEN_AGE
    return allowed


async def _save(
    claimed: Claimed, conv: Conversation, plan: Plan, services: Services
) -> list[OutgoingRow]:
    outgoing = [encode(message) for message in plan.outgoing]
    saved = await services.store.commit(plan.conv, outgoing, claimed.id, plan.audit)
    if saved is None:
        raise ConflictError
    if saved.owner is not conv.owner:  # every hand-off transition is audited
        reason = saved.data.handoff.reason if saved.data.handoff is not None else None
        await services.store.audit(
            AuditEntry(
                at=services.clock(),
                conversation_id=conv.id,
                user_key=conv.user_key,
                topic=reason,
                content_hash=None,
                lang=saved.lang,
                method=claimed.source,
                result=plan.kind,
                text=None,
                kind=f"owner:{conv.owner.value}->{saved.owner.value}",
            )
        )
    return await services.store.outgoing(claimed.id)


async def _deliver(
    claimed: Claimed,
    event: LineEvent | None,
    conv: Conversation,
    rows: list[OutgoingRow],
    services: Services,
    keeps_text: bool = True,
) -> tuple[str, bool]:
    """Send every unsent row in order: the outcome of the patient-facing one, for the log, and
    whether the event was marked done with the last row (when nothing can fail after it).

    Each LINE message is audited with the patient's text only while `keeps_text`; one that
    carries the privacy notice is audited as the notice shown too."""
    outcome, finished = "none", False
    for row in _unsent(rows):
        body = _read(row)
        if not isinstance(body, LineMessage):
            await _deliver_slack(claimed, row, body, conv, services)
            continue
        # Nothing follows a delivered last message but logging, so it may finish the event.
        last = row is rows[-1] and not body.confirm
        audited = AuditEntry(
            at=services.clock(),
            conversation_id=conv.id,
            user_key=conv.user_key,
            topic=body.topic,
            content_hash=body.content_hash,
            lang=body.lang,
            method=None,
            result="",
            text=event.text if event and keeps_text else None,
            kind=body.kind,
        )
        delivery = await _deliver_line(claimed, row, body, services, conv, audited, last)
        finished = delivery.ok and last
        if body.confirm is not None and services.desk is not None:
            confirm = body.confirm
            await services.desk.confirm(confirm.ts, confirm.thread, delivery.ok, delivery.error)
        if not delivery.ok:
            await _undelivered(conv, row, delivery, services)
        outcome = delivery.method if delivery.ok else f"failed:{delivery.error}"
    return outcome, finished


async def _deliver_erased(claimed: Claimed, rows: list[OutgoingRow], services: Services) -> None:
    """Send what an erasure left: the patient's confirmation and the note to staff.

    The patient is gone from the store, so nothing is audited per message (the erasure has
    its own audit entry) and the rows' payloads are emptied as they are marked.
    """
    for row in _unsent(rows):
        body = _read(row)
        if not isinstance(body, LineMessage):
            await _deliver_slack(claimed, row, body, None, services)
            continue
        delivery = await _deliver_line(claimed, row, body, services)
        if not delivery.ok:
            logger.warning(
                "line deletion confirmation undelivered", extra=fields(error=delivery.error)
            )


def _unsent(rows: list[OutgoingRow]) -> list[OutgoingRow]:
    return [row for row in rows if row.status not in ("sent", "failed") and row.payload is not None]


async def _deliver_line(
    claimed: Claimed,
    row: OutgoingRow,
    body: LineMessage,
    services: Services,
    conv: Conversation | None = None,
    audited: AuditEntry | None = None,
    finishes: bool = False,
) -> Delivery:
    """Send one LINE row and mark it, with its audit entry (`audited`, completed with the
    outcome) and the event's finish when it `finishes` it. An undelivered row is held for a
    later attempt (raises `RetryLaterError`) until its deadline, then staff are alerted."""
    delivery = await _send_line(claimed, row, body, services)
    if delivery.retryable:
        await _hold(claimed, row, delivery, services)
        if conv is not None:
            await _alert(claimed, conv, f"undelivered_past_deadline:{delivery.error}", services)
    elif delivery.error == "quota_exceeded" and conv is not None:
        await _quota_reached(claimed, conv, services)
    audits: list[AuditEntry] = []
    if audited is not None:
        entry = replace(
            audited, at=services.clock(), method=delivery.method, result=delivery.error or "ok"
        )
        audits.append(entry)
        if body.notice:
            audits.append(replace(entry, topic=None, content_hash=None, text=None, kind=NOTICE))
    await services.store.mark_outgoing(
        row.id,
        "sent" if delivery.ok else "failed",
        delivery.method,
        delivery.error or delivery.note,  # note: the counted ambiguous case
        services.clock(),
        audit=audits,
        finish=claimed.id if delivery.ok and finishes else None,
    )
    return delivery


async def _deliver_slack(
    claimed: Claimed,
    row: OutgoingRow,
    body: SlackOp,
    conv: Conversation | None,
    services: Services,
) -> None:
    """Carry out one saved Slack operation and mark it. A row already `sending` was tried
    before with an unknown outcome, so the desk looks for the post before making it again."""
    store, unsure = services.store, row.status == "sending"
    await store.mark_outgoing(row.id, "sending", "slack", row.result, services.clock())
    if services.desk is None:
        await store.mark_outgoing(row.id, "failed", "slack", "not_configured", services.clock())
        return
    current = (await store.conversation(conv.id) or conv) if conv is not None else None
    result = await services.desk.send(current, body, key=row.retry_key, unsure=unsure)
    if result.retryable:
        await _hold(claimed, row, result, services)
        logger.error(
            "ALERT: slack message undelivered past its deadline",
            extra=fields(conversation=conv.id if conv else None, error=result.error),
        )
    status: OutgoingStatus = "sent" if result.ok else "failed"
    await store.mark_outgoing(row.id, status, "slack", result.error, services.clock())


async def _send_line(
    claimed: Claimed, row: OutgoingRow, body: LineMessage, services: Services
) -> Delivery:
    """One delivery attempt by `bot.pipeline.delivery`'s rules, minding an attempt a crash or
    timeout left unfinished (the row is still `sending`, with the method it was trying)."""
    out = Outgoing(
        user_id=body.user_id,
        texts=body.texts,
        choices=body.choices,
        reply_token=body.reply_token,
        retry_key=row.retry_key,
    )
    previous = None
    if row.status == "sending":
        replied = bool(body.reply_allowed and out.reply_token)
        previous = row.method if row.method in ("reply", "push") else "reply" if replied else "push"

    async def mark(method: str) -> None:
        await services.store.mark_outgoing(row.id, "sending", method, None, services.clock())

    return await deliver_line(
        services.sender,
        out,
        reply_allowed=body.reply_allowed,
        born=_token_born(claimed),
        previous=previous,
        clock=services.clock,
        mark=mark,
        sleep=services.sleep,
    )


def _token_born(claimed: Claimed) -> datetime:
    """When the event's reply token was issued: LINE's event timestamp, else our receipt."""
    if claimed.source != "line":
        return claimed.received_at
    event = translate(json.loads(claimed.payload))
    if not event.timestamp_ms:
        return claimed.received_at
    sent = datetime.fromtimestamp(event.timestamp_ms / 1000, claimed.received_at.tzinfo)
    return min(sent, claimed.received_at)


async def _hold(
    claimed: Claimed, row: OutgoingRow, failed: Delivery | DeskResult, services: Services
) -> None:
    """Keep an undelivered row for a later attempt of its event (raises `RetryLaterError`), or
    return when the delivery deadline has passed (the caller marks it failed and alerts).

    The row stays `sending` with the method tried, so the next attempt reuses its retry key
    (a push) or knows a reply may have got through."""
    now = services.clock()
    left = claimed.received_at + services.delivery_deadline - now
    if left <= timedelta(0):
        return
    method = failed.method if isinstance(failed, Delivery) else "slack"
    await services.store.mark_outgoing(row.id, "sending", method, failed.error, now)
    wait = backoff(claimed.attempts, failed.retry_after, left)
    raise RetryLaterError(wait, failed.error or "undelivered")


def backoff(attempt: int, retry_after: float | None, left: timedelta) -> timedelta:
    """The wait before delivery attempt `attempt + 1`: exponential with jitter, at least what
    the platform asked for, and never past the deadline (so a last attempt is made there)."""
    base = min(RETRY_CAP_S, RETRY_BASE_S * 2 ** max(0, attempt - 1))
    wait = base * random.uniform(0.5, 1.0)  # jitter, not cryptography
    if retry_after is not None:
        wait = max(wait, retry_after)
    return min(timedelta(seconds=max(wait, 0.2)), left)


async def _alert(claimed: Claimed, conv: Conversation, error: str, services: Services) -> None:
    """Staff hear of a message that could not be delivered in time: once, as it is given up."""
    logger.error(
        "ALERT: line message undelivered past its deadline",
        extra=fields(event_id=claimed.event_id, conversation=conv.id, error=error),
    )
    if services.desk is not None:
        result = await services.desk.alert_failed(conv, "line", error)
        if not result.ok:
            logger.error("ALERT could not reach Slack: %s", result.error)


async def _quota_reached(claimed: Claimed, conv: Conversation, services: Services) -> None:
    """LINE's monthly message quota is spent: only a person can help (raise the plan, or call
    the patient). The patient's conversation goes to staff (a card) with an alert, once: a
    conversation already with staff is left as it is."""
    logger.error(
        "ALERT: LINE monthly message quota reached; patient handed to staff",
        extra=fields(event_id=claimed.event_id, conversation=conv.id),
    )
    current = await services.store.conversation(conv.id)
    if current is None or services.desk is None or current.owner is not Owner.BOT:
        return
    step = handoff.open_handoff(
        current.owner, None, "line_quota", True, services.clock(), services.policy()
    )
    data = replace(current.data, handoff=step.handoff)
    saved = await services.store.commit(replace(current, owner=step.owner, data=data), [], None)
    if saved is None:
        return
    card = await services.desk.send(saved, SlackCard())
    latest = await services.store.conversation(conv.id) or saved
    alerted = await services.desk.alert_failed(latest, "line", "quota_exceeded")
    if not (card.ok and alerted.ok):
        logger.error("ALERT could not reach Slack: %s", card.error or alerted.error)


async def retrying(claimed: Claimed, delay: timedelta, services: Services) -> None:
    """A patient's event failed and waits `delay` for its retry: show the loading animation.

    That wait is the one a patient can notice (seconds, growing with each attempt); LINE shows the
    animation only while the chat is open and ends it when our answer arrives. Shown just before an
    answer instead, it would last a millisecond, so an event that merely queued gets none.
    """
    if claimed.source != "line":
        return
    event = translate(json.loads(claimed.payload))
    if event.kind in WAITED_ON and event.user_id:
        await services.sender.show_loading(event.user_id, round(delay.total_seconds()) + 5)


async def failed_for_good(claimed: Claimed, error: str, services: Services) -> None:
    """An event the worker gave up on must reach a person: an alert line, and staff on Slack.

    The Slack note goes to the patient's hand-off thread when there is one, else to the channel;
    it names the error type and the opaque conversation id, never the patient's words.
    """
    logger.error(
        "ALERT: event needs a person: failed repeatedly",
        extra=fields(event_id=claimed.event_id, source=claimed.source, error=error),
    )
    if services.desk is None:
        return
    result = await services.desk.alert_failed(claimed.conversation, claimed.source, error)
    if not result.ok:
        logger.error("ALERT could not reach Slack: %s", result.error)


async def _undelivered(
    conv: Conversation, row: OutgoingRow, delivery: Delivery, services: Services
) -> None:
    """Record the undelivered message in the conversation so staff can follow it up."""
    current = await services.store.conversation(conv.id)
    if current is None:
        return
    note = Undelivered(row.id, delivery.error, services.clock())
    data = replace(current.data, undelivered=(*current.data.undelivered, note)[-20:])
    await services.store.commit(replace(current, data=data), [], None)
    log = logger.error if delivery.alert else logger.warning
    log(
        "line message undelivered",
        extra=fields(outgoing_id=row.id, error=delivery.error, alert=delivery.alert),
    )


async def _group_note(event: LineEvent, services: Services) -> None:
    """Groups and rooms get one short bilingual note, by reply only (never a paid push)."""
    if not event.reply_token or event.redelivery:
        return
    k = services.knowledge()
    out = Outgoing(
        user_id="",
        texts=(bilingual(k, texts.group_note),),
        reply_token=event.reply_token,
        retry_key=retry_key("line", event.event_id, 0),
    )
    delivery = await services.sender.send(out, push_fallback=False)
    _log_done(event, services, services.clock(), ("group", None), delivery.method)


def _log_done(
    event: LineEvent,
    services: Services,
    started: datetime,
    kind: tuple[str, str | None],
    outcome: str,
) -> None:
    latency = (services.clock() - started).total_seconds() * 1000
    logger.info(
        "line event handled",
        extra=fields(
            event_id=event.event_id,
            event=event.kind,
            kind=kind[0],
            topic=kind[1],
            latency_ms=round(latency, 1),
            outcome=outcome,
            patient=services.tag(event.user_id),
        ),
    )
