"""Plan the answer to one LINE event of a one-to-one chat: decision, hand-off, messages.

The core decides; when the decision needs staff, or staff already own the conversation, the
hand-off state machine decides what Slack sees. The result is a `Plan`: the conversation to
save and the messages to save with it, all before anything is sent.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from bot import core, handoff
from bot.channels.line_events import LineEvent
from bot.core import texts
from bot.core.decision import Decision, Kind, Owner, State
from bot.core.knowledge import Knowledge
from bot.lang import DEFAULT_LANG, Lang
from bot.masking import mask
from bot.outbox import line_message, retry_key
from bot.staff import Plan, effects
from bot.store import AuditEntry, Conversation, NewOutgoing

Profile = Callable[[str], Awaitable[tuple[str | None, str | None]]]  # -> (name, language)

RECENT = 4  # earlier exchanges shown on the staff card


@dataclass(frozen=True)
class Context:
    """What planning needs besides the event and the conversation."""

    knowledge: Knowledge
    now: datetime
    policy: handoff.Policy
    desk: bool  # whether staff can be reached on Slack
    mask_pii: bool
    profile: Profile
    history: Callable[[str], Awaitable[list[AuditEntry]]]


def _state(conv: Conversation) -> State:
    return State(lang=conv.lang, misses=conv.misses, owner=conv.owner)


def bilingual(k: Knowledge, text: Callable[[texts.Gettext], str]) -> str:
    """One text in both languages, for patients whose language we do not know yet."""
    return "\n\n".join(text(k.catalogs[lang].gettext) for lang in ("ja", "en"))


async def _profile(ctx: Context, user_id: str) -> tuple[str | None, Lang]:
    """The LINE display name and app language when shared; Japanese otherwise."""
    try:
        name, tag = await ctx.profile(user_id)
    except Exception:  # a profile is a nicety: blocked users have none
        return None, DEFAULT_LANG
    lang: Lang = "en" if isinstance(tag, str) and tag.lower().startswith("en") else DEFAULT_LANG
    return name, lang


async def decide_event(
    event: LineEvent, conv: Conversation, ctx: Context
) -> tuple[Decision, dict[str, Any]]:
    """The core's decision for the event, and any data learnt on the way (display name)."""
    k, state = ctx.knowledge, _state(conv)
    lang = state.lang or DEFAULT_LANG
    if event.kind == "text":
        return core.decide(event.text or "", state, ctx.now, k), {}
    if event.kind == "follow":
        name, lang = await _profile(ctx, event.user_id or "")
        _ = texts.texts_for(k.catalogs, lang)
        choices = (texts.switch_language_choice(lang), *texts.menu(k.faq, lang, _, staff=False))
        welcome = Decision(
            Kind.GREETING,
            "welcome",
            lang,
            texts.welcome(_),
            texts.limited(choices),
            state=replace(state, lang=lang),
        )
        return welcome, {"name": name} if name else {}
    if state.owner is not Owner.BOT:  # postbacks and stickers while staff answer: pass them on
        return Decision(Kind.RELAY, "relay", lang, "", needs_staff=True, state=state), {}
    if event.kind == "postback":
        return _postback(event.postback or "", lang, state, k), {}
    _ = texts.texts_for(k.catalogs, lang)  # stickers, images, audio, location...
    return Decision(
        Kind.FALLBACK,
        "media",
        lang,
        bilingual(k, texts.text_only),
        texts.menu(k.faq, lang, _),
        state=state,
    ), {}


def _postback(data: str, lang: Lang, state: State, k: Knowledge) -> Decision:
    key, _, value = data.partition("=")
    if key == "topic" and value in k.faq.topics:
        return core.choose(value, lang, state, k)
    if key == "lang" and value in ("ja", "en"):
        return core.switch_language(cast("Lang", value), state, k)
    if key == "staff":
        return core.request_staff(lang, state, k, reason=value or "asked")
    return core.show_menu(lang, state, k)


def _what_patient_sent(event: LineEvent, ctx: Context) -> str:
    text = (
        event.text
        if event.kind == "text"
        else f"({event.type_name}: {event.postback or event.kind})"
    )
    return mask(text or "") if ctx.mask_pii else text or ""


async def _card(
    conv: Conversation, decision: Decision, event: LineEvent, ctx: Context
) -> dict[str, Any]:
    """What the staff card shows: reason, urgency, language, name, the last exchanges."""
    recent = []
    exchanges = [e for e in await ctx.history(conv.id) if not e.kind.startswith("owner:")]
    for entry in exchanges[-RECENT:]:
        said = mask(entry.text or "") if ctx.mask_pii else entry.text or ""
        recent.append(f"{said} → {entry.kind}: {entry.topic or '-'}")
    recent.append(f"{_what_patient_sent(event, ctx)} → {decision.kind.value}")
    name = conv.data.get("name")
    if name is None and event.user_id:  # the card shows the LINE display name, never the id
        name, _lang = await _profile(ctx, event.user_id)
    return {
        "reason": decision.reason or "asked",
        "urgent": decision.urgent,
        "lang": decision.lang,
        "name": name,
        "recent": recent,
    }


async def plan_line_event(
    event: LineEvent, conv: Conversation, ctx: Context, reply_allowed: bool
) -> tuple[Plan, Decision]:
    """Decide, run the hand-off when staff are involved, and lay out the messages."""
    k = ctx.knowledge
    decision, learnt = await decide_event(event, conv, ctx)
    new = replace(
        conv, lang=decision.state.lang, misses=decision.state.misses, data={**conv.data, **learnt}
    )
    replies = [decision.text] if decision.text else []
    rows: list[NewOutgoing] = []
    current = new.data.get("handoff")
    _ = texts.texts_for(k.catalogs, decision.lang)
    if decision.kind is Kind.RELAY and current is not None:
        step = handoff.patient_wrote(new.owner, current, _what_patient_sent(event, ctx), ctx.now)
        new, rows, _appended = effects(
            step, new, k, source="line", event_id=event.event_id, first_seq=1
        )
    elif decision.needs_staff and not ctx.desk:
        replies.append(texts.unreachable(_))
    elif decision.needs_staff:
        step = handoff.open_handoff(
            new.owner, current, decision.reason or "asked", decision.urgent, ctx.now, ctx.policy
        )
        if step.handoff is not None and step.handoff is not current:
            step = replace(
                step, handoff={**step.handoff, "card": await _card(new, decision, event, ctx)}
            )
        new, rows, appended = effects(
            step, new, k, source="line", event_id=event.event_id, first_seq=1
        )
        replies += appended
    outgoing = rows
    if replies:
        topic = k.faq.topics.get(decision.intent)
        content_hash = topic.content_hash() if topic and decision.kind is Kind.ANSWER else None
        message = line_message(
            key=retry_key("line", event.event_id, 0),
            user_id=event.user_id or "",
            texts=["\n\n".join(replies)],
            choices=decision.choices,
            reply_token=event.reply_token,
            reply_allowed=reply_allowed,
            kind=decision.kind.value,
            topic=decision.audit_topic,
            lang=decision.lang,
            content_hash=content_hash,
        )
        outgoing = [message, *rows]
    return Plan(new, outgoing, decision.kind.value, decision.intent), decision
