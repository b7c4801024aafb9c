"""One inbound LINE event, start to finish: decide, save, send, audit.

The decision and the messages it produces are saved in one transaction before anything is
sent (so a crash never decides twice), then each message is sent and marked. A message found
half-sent after a crash is handled so the patient sees it once: a reply is retried with the
same single-use token (LINE refuses it if the first attempt got through), a push reuses its
`X-Line-Retry-Key` (LINE answers 409 if it got through).
"""

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot import core
from bot.channels.line_events import LineEvent, translate
from bot.channels.line_send import Delivery, LineSender, Outgoing
from bot.core import texts
from bot.core.decision import Choice, Decision, Kind, State
from bot.core.knowledge import Knowledge
from bot.lang import DEFAULT_LANG, Lang
from bot.logs import PatientTag, fields
from bot.store import AuditEntry, Claimed, Clock, Conversation, NewOutgoing, OutgoingRow, Store

logger = logging.getLogger(__name__)

# LINE keeps a reply token usable for about a minute; older events go by push.
REPLY_TOKEN_AGE = timedelta(seconds=50)
SLOW_EVENT = timedelta(seconds=2)  # past this wait, show the loading animation first
_KEYS = uuid.UUID("9d7f3c52-7d0e-4c5e-9a53-3f0f1e7c2b10")  # namespace for derived retry keys

ProfileLanguage = Callable[[str], Any]


class ConflictError(Exception):
    """The conversation changed under us; the worker retries the event."""


@dataclass(frozen=True)
class Services:
    """What handling an event needs, passed in (never looked up globally)."""

    store: Store
    knowledge: Callable[[], Knowledge]
    sender: LineSender
    profile_language: Callable[[str], Any]  # async: user id -> BCP 47 tag or None
    clock: Clock
    tag: PatientTag


def retry_key(event_id: str, seq: int) -> str:
    """The push retry key of message `seq` of an event: the same after any crash."""
    return str(uuid.uuid5(_KEYS, f"line:{event_id}:{seq}"))


def _state(conv: Conversation) -> State:
    return State(lang=conv.lang, misses=conv.misses, owner=conv.owner)


def _merge(conv: Conversation, state: State) -> Conversation:
    return replace(conv, lang=state.lang, misses=state.misses, owner=state.owner)


def _bilingual(k: Knowledge, text: Callable[[texts.Gettext], str]) -> str:
    """One text in both languages, for patients whose language we do not know yet."""
    return "\n\n".join(text(k.catalogs[lang].gettext) for lang in ("ja", "en"))


async def _language_of_profile(services: Services, user_id: str) -> Lang:
    """The LINE app's language when the patient shared it; Japanese otherwise."""
    try:
        tag = await services.profile_language(user_id)
    except Exception as exc:  # a profile is a nicety: blocked users have none
        logger.warning("line profile unavailable: %s", type(exc).__name__)
        return DEFAULT_LANG
    if isinstance(tag, str) and tag.lower().startswith("en"):
        return "en"
    return DEFAULT_LANG


async def plan(event: LineEvent, conv: Conversation, services: Services) -> Decision:
    """The decision for one event of a one-to-one chat (pure apart from the profile look-up)."""
    k, now, state = services.knowledge(), services.clock(), _state(conv)
    lang = state.lang or DEFAULT_LANG
    if event.kind == "text":
        return core.decide(event.text or "", state, now, k)
    if event.kind == "follow":
        lang = await _language_of_profile(services, event.user_id or "")
        _ = texts.texts_for(k.catalogs, lang)
        choices = (texts.switch_language_choice(lang), *texts.menu(k.faq, lang, _, staff=False))
        return Decision(
            Kind.GREETING,
            "welcome",
            lang,
            texts.welcome(_),
            texts.limited(choices),
            state=State(lang=lang),
        )
    if event.kind == "postback":
        return _postback(event.postback or "", lang, state, k)
    _ = texts.texts_for(k.catalogs, lang)  # stickers, images, audio, location...
    return Decision(
        Kind.FALLBACK,
        "media",
        lang,
        _bilingual(k, texts.text_only),
        texts.menu(k.faq, lang, _),
        state=state,
    )


def _postback(data: str, lang: Lang, state: State, k: Knowledge) -> Decision:
    key, _, value = data.partition("=")
    if key == "topic" and value in k.faq.topics:
        return core.choose(value, lang, state, k)
    if key == "lang" and value in ("ja", "en"):
        return core.switch_language(value, state, k)  # type: ignore[arg-type]
    if key == "staff":
        return core.request_staff(lang, state, k, reason=value or "asked")
    return core.show_menu(lang, state, k)


def _payload(event: LineEvent, decision: Decision, k: Knowledge, reply_allowed: bool) -> str:
    topic = k.faq.topics.get(decision.intent)
    return json.dumps(
        {
            "user_id": event.user_id,
            "texts": [decision.text],
            "choices": [[c.label, c.data] for c in decision.choices],
            "reply_token": event.reply_token,
            "reply_allowed": reply_allowed,
            "kind": decision.kind.value,
            "topic": decision.intent,
            "lang": decision.lang,
            "content_hash": topic.content_hash()
            if topic and decision.kind is Kind.ANSWER
            else None,
        },
        ensure_ascii=False,
    )


async def handle(claimed: Claimed, services: Services) -> None:
    """Run one claimed LINE event (the worker's handler)."""
    event = translate(json.loads(claimed.payload))
    started = services.clock()
    if event.kind == "unknown":
        logger.warning(
            "line event of unsupported type ignored",
            extra=fields(event_id=event.event_id, type=event.type_name),
        )
        return
    if event.kind == "group":
        await _group_note(event, services)
        return
    if event.kind == "unfollow":
        await services.store.reset_conversation(event.user_id or "")
        _log_done(event, services, started, "unfollow", None, "forgotten")
        return
    conv = await services.store.conversation(claimed.conversation_id or "")
    if conv is None:  # forgotten meanwhile (`python -m bot forget`): nothing to answer to
        logger.info(
            "line event for a forgotten patient dropped", extra=fields(event_id=event.event_id)
        )
        return
    rows = await services.store.outgoing(claimed.id)
    decision: Decision | None = None
    if not rows:
        decision = await plan(event, conv, services)
        rows = await _save(claimed, event, conv, decision, services)
    await _deliver(claimed, event, conv, rows, services, started)


async def _save(
    claimed: Claimed, event: LineEvent, conv: Conversation, decision: Decision, services: Services
) -> list[OutgoingRow]:
    now = services.clock()
    age = now - claimed.received_at
    reply_allowed = not event.redelivery and age < REPLY_TOKEN_AGE
    if event.timestamp_ms:  # LINE's own timestamp is the token's birth
        sent = datetime.fromtimestamp(event.timestamp_ms / 1000, now.tzinfo)
        reply_allowed = reply_allowed and now - sent < REPLY_TOKEN_AGE
    k = services.knowledge()
    outgoing = [
        NewOutgoing(
            "line", _payload(event, decision, k, reply_allowed), retry_key(event.event_id, 0)
        )
    ]
    saved = await services.store.commit(_merge(conv, decision.state), outgoing, claimed.id)
    if saved is None:
        raise ConflictError
    return await services.store.outgoing(claimed.id)


async def _deliver(  # noqa: PLR0917 - internal step, called once
    claimed: Claimed,
    event: LineEvent,
    conv: Conversation,
    rows: list[OutgoingRow],
    services: Services,
    started: datetime,
) -> None:
    store = services.store
    for row in rows:
        if row.status in ("sent", "failed") or row.channel != "line" or row.payload is None:
            continue
        body = json.loads(row.payload)
        out = Outgoing(
            user_id=body["user_id"],
            texts=tuple(body["texts"]),
            choices=tuple(Choice(label, data) for label, data in body["choices"]),
            reply_token=body["reply_token"],
            retry_key=row.retry_key,
        )
        in_flight = row.status == "sending"
        if services.clock() - claimed.received_at > SLOW_EVENT and not in_flight:
            await services.sender.show_loading(out.user_id)
        await store.mark_outgoing(row.id, "sending", row.method, row.result, services.clock())
        delivery = await _send(out, body["reply_allowed"], in_flight, row, services)
        status = "sent" if delivery.ok else "failed"
        await store.mark_outgoing(row.id, status, delivery.method, delivery.error, services.clock())
        await store.audit(
            AuditEntry(
                at=services.clock(),
                conversation_id=conv.id,
                user_key=conv.user_key,
                topic=body["topic"],
                content_hash=body["content_hash"],
                lang=body["lang"],
                method=delivery.method,
                result=delivery.error or "ok",
                text=event.text,
                kind=body["kind"],
            )
        )
        if delivery.alert or not delivery.ok:
            await _undelivered(conv, row, delivery, services)
        _log_done(
            event,
            services,
            started,
            body["kind"],
            body["topic"],
            delivery.method if delivery.ok else f"failed:{delivery.error}",
        )


async def _send(
    out: Outgoing, reply_allowed: bool, in_flight: bool, row: OutgoingRow, services: Services
) -> Delivery:
    """Send, minding a send that a crash interrupted (see the module docstring)."""
    if in_flight and row.method in (None, "reply") and reply_allowed and out.reply_token:
        retried = await services.sender.send(out, reply_allowed=True, push_fallback=False)
        if retried.ok or retried.error != "invalid_reply_token":
            return retried
        logger.warning(
            "line reply interrupted by a crash was already accepted; not re-sent",
            extra=fields(retry_key=row.retry_key),
        )
        return Delivery("reply", ok=True, status=400, error=None)
    return await services.sender.send(out, reply_allowed=reply_allowed and not in_flight)


async def _undelivered(
    conv: Conversation, row: OutgoingRow, delivery: Delivery, services: Services
) -> None:
    """Record the undelivered answer in the conversation so staff can follow it up."""
    current = await services.store.conversation(conv.id)
    if current is None:
        return
    note = {"outgoing_id": row.id, "error": delivery.error, "at": services.clock().isoformat()}
    data = dict(current.data)
    data["undelivered"] = [*data.get("undelivered", []), note][-20:]
    await services.store.commit(replace(current, data=data), [], None)
    log = logger.error if delivery.alert else logger.warning
    log(
        "line answer undelivered",
        extra=fields(outgoing_id=row.id, error=delivery.error, alert=delivery.alert),
    )


async def _group_note(event: LineEvent, services: Services) -> None:
    """Groups and rooms get one short bilingual note, by reply only (never a paid push)."""
    if not event.reply_token or event.redelivery:
        return
    k = services.knowledge()
    out = Outgoing(
        user_id="",
        texts=(_bilingual(k, texts.group_note),),
        reply_token=event.reply_token,
        retry_key=retry_key(event.event_id, 0),
    )
    delivery = await services.sender.send(out, push_fallback=False)
    _log_done(event, services, services.clock(), "group", None, delivery.method)


def _log_done(  # noqa: PLR0917 - one structured line, every field named
    event: LineEvent,
    services: Services,
    started: datetime,
    kind: str,
    topic: str | None,
    outcome: str,
) -> None:
    latency = (services.clock() - started).total_seconds() * 1000
    logger.info(
        "line event handled",
        extra=fields(
            event_id=event.event_id,
            event=event.kind,
            kind=kind,
            topic=topic,
            latency_ms=round(latency, 1),
            outcome=outcome,
            patient=services.tag(event.user_id),
        ),
    )
