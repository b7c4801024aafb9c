"""Plan the answer to one LINE event of a one-to-one chat: decision, hand-off, messages.

Planning is pure on both sides, in three steps like `staff.plan_staff_event`:

1. decide: the core's decision for the event (`decide_event`); a follow event needs the
   patient's LINE profile first (`facts_to_decide`), for the welcome's language;
2. fetch only what the plan needs (`facts_to_plan`): the conversation's history and, when the
   conversation has no display name yet, the profile, both only for a new staff card;
3. plan (`plan_decided`): the hand-off state machine decides what Slack sees, and the result is
   a `Plan`: the conversation to save and the messages to save with it, before anything is sent.

Only `plan_line_event` awaits, and only in `fetch`; everything else is a table test.

Privacy is planned here too: the notice goes out as a message of its own with the first reply
(after a safety reply, before anything else), an opt-out is saved with its audit entry, and a
confirmed deletion becomes an erasing plan whose only messages are the patient's confirmation
and, when a hand-off is open, a note to staff (neither quotes the patient).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, cast

from bot import core
from bot.channels.line_events import LineEvent
from bot.core import handoff, privacy, texts
from bot.core.decision import Decision, Kind, Owner, PrivacyAction, State
from bot.core.knowledge import Knowledge
from bot.core.masking import mask
from bot.lang import DEFAULT_LANG, Lang
from bot.pipeline.outbox import LineMessage, Outbound, SlackErased, SlackThread, retry_key, slack
from bot.pipeline.plan_staff import Plan, effects
from bot.store import AuditEntry, Conversation, ConversationData

Profile = Callable[[str], Awaitable[tuple[str | None, str | None]]]  # -> (name, language)
History = Callable[[str], Awaitable[list[AuditEntry]]]  # a conversation's audit trail

RECENT = 4  # earlier exchanges shown on the staff card
NOT_KEPT = "-"  # stands for a message on the staff card of a patient who opted out


@dataclass(frozen=True)
class Context:
    """What planning needs besides the event, the conversation and the fetched facts."""

    knowledge: Knowledge
    now: datetime
    policy: handoff.Policy
    desk: bool  # whether staff can be reached on Slack
    mask_pii: bool
    retention_days: int = 30  # AUDIT_RETENTION_DAYS, which the privacy notice states


@dataclass(frozen=True)
class Sources:
    """Where the facts come from: LINE's profile API and the store's audit trail."""

    profile: Profile
    history: History


@dataclass(frozen=True)
class Shared:
    """What a patient's LINE profile shares: display name, and app language (else Japanese)."""

    name: str | None = None
    lang: Lang = DEFAULT_LANG


@dataclass(frozen=True)
class Wanted:
    """Which facts a step needs fetched."""

    profile: bool = False
    history: bool = False


@dataclass(frozen=True)
class Facts:
    """The facts fetched so far; `profile` None when not fetched."""

    profile: Shared | None = None
    history: tuple[AuditEntry, ...] = ()


def _state(conv: Conversation) -> State:
    return State(
        lang=conv.lang,
        misses=conv.misses,
        owner=conv.owner,
        notice_seen=conv.notice_at is not None,
        keeps_text=conv.keeps_text,
    )


def bilingual(k: Knowledge, text: Callable[[texts.Gettext], str]) -> str:
    """One text in both languages, for patients whose language we do not know yet."""
    return "\n\n".join(text(k.catalogs[lang].gettext) for lang in ("ja", "en"))


# --- fetching: the only I/O -------------------------------------------------------------------


async def _profile(sources: Sources, user_id: str) -> Shared:
    """The LINE display name and app language when shared; Japanese otherwise."""
    try:
        name, tag = await sources.profile(user_id)
    except Exception:  # a profile is a nicety: blocked users have none
        return Shared()
    lang: Lang = "en" if isinstance(tag, str) and tag.lower().startswith("en") else DEFAULT_LANG
    return Shared(name, lang)


async def fetch(
    wanted: Wanted, event: LineEvent, conv: Conversation, sources: Sources, facts: Facts
) -> Facts:
    """`facts` with what `wanted` asks for added (history first, as the card reads it)."""
    if wanted.history:
        facts = replace(facts, history=tuple(await sources.history(conv.id)))
    if wanted.profile:
        facts = replace(facts, profile=await _profile(sources, event.user_id or ""))
    return facts


async def plan_line_event(
    event: LineEvent, conv: Conversation, ctx: Context, sources: Sources, reply_allowed: bool
) -> tuple[Plan, Decision]:
    """Decide, fetch what the plan needs, and plan: the only async step is `fetch`."""
    facts = await fetch(facts_to_decide(event), event, conv, sources, Facts())
    decision = decide_event(event, conv, ctx.knowledge, ctx.now, facts.profile)
    facts = await fetch(facts_to_plan(event, conv, decision, ctx), event, conv, sources, facts)
    return plan_decided(event, conv, decision, facts, ctx, reply_allowed), decision


# --- step 1: decide ---------------------------------------------------------------------------


def facts_to_decide(event: LineEvent) -> Wanted:
    """A follow is welcomed in the language of the patient's LINE app."""
    return Wanted(profile=event.kind == "follow")


def decide_event(
    event: LineEvent,
    conv: Conversation,
    k: Knowledge,
    now: datetime,
    profile: Shared | None = None,
) -> Decision:
    """The core's decision for the event, with the privacy notice when it is due (always on
    follow); `profile` is what `facts_to_decide` fetched (None reads as nothing shared)."""
    decision = _decide(event, conv, k, now, profile or Shared())
    return privacy.with_notice(decision, k, always=event.kind == "follow")


def _decide(
    event: LineEvent, conv: Conversation, k: Knowledge, now: datetime, profile: Shared
) -> Decision:
    state = _state(conv)
    lang = state.lang or DEFAULT_LANG
    if event.kind == "text":
        return core.decide(event.text or "", state, now, k)
    key, _sep, _value = (event.postback or "").partition("=")
    if event.kind == "postback" and key == "privacy":  # in every state, like typed requests
        staff_saw = conv.data.handoff is not None
        return decide_postback(event.postback or "", lang, state, k, staff_saw=staff_saw)
    if event.kind == "follow":
        return _welcome(profile.lang, state, k)
    if state.owner is not Owner.BOT:  # postbacks and stickers while staff answer: pass them on
        return Decision(Kind.RELAY, "relay", lang, "", needs_staff=True, state=state)
    if event.kind == "postback":
        return decide_postback(event.postback or "", lang, state, k)
    _ = texts.texts_for(k.catalogs, lang)  # stickers, images, audio, location...
    return Decision(
        Kind.FALLBACK,
        "media",
        lang,
        bilingual(k, texts.text_only),
        texts.menu(k.faq, lang, _),
        state=state,
    )


def _welcome(lang: Lang, state: State, k: Knowledge) -> Decision:
    _ = texts.texts_for(k.catalogs, lang)
    choices = (texts.switch_language_choice(lang), *texts.menu(k.faq, lang, _, staff=False))
    return Decision(
        Kind.GREETING,
        "welcome",
        lang,
        texts.welcome(_),
        texts.limited(choices),
        state=replace(state, lang=lang),
    )


def decide_postback(
    data: str, lang: Lang, state: State, k: Knowledge, *, staff_saw: bool = False
) -> Decision:
    """A tap's decision, the one parser of postback data (`topic=`, `lang=`, `staff=`,
    `privacy=`, anything else opens the menu) for LINE and for `chat`; `staff_saw` says whether
    a deletion has a hand-off thread to tell."""
    key, _, value = data.partition("=")
    if key == "privacy":
        return privacy.postback(value, lang, state, k, staff_saw=staff_saw)
    if key == "topic" and value in k.faq.topics:
        return core.choose(value, lang, state, k)
    if key == "lang" and value in ("ja", "en"):
        return core.switch_language(cast("Lang", value), state, k)
    if key == "staff":
        return core.request_staff(lang, state, k, reason=value or "asked")
    return core.show_menu(lang, state, k)


# --- step 2: what the plan needs --------------------------------------------------------------

StaffPart = Literal["relay", "unreachable", "open"] | None


def _staff_part(decision: Decision, conv: Conversation, desk: bool) -> StaffPart:
    """What the plan does about staff: relay to an open hand-off's thread, tell the patient
    nobody can be reached, open (or add to) a hand-off, or nothing."""
    if decision.privacy is PrivacyAction.DELETE:
        return None
    if decision.kind is Kind.RELAY and conv.data.handoff is not None:
        return "relay"
    if decision.needs_staff:
        return "open" if desk else "unreachable"
    return None


def facts_to_plan(event: LineEvent, conv: Conversation, decision: Decision, ctx: Context) -> Wanted:
    """A staff card shows the last exchanges (the history) and the patient's display name
    (the profile, when the conversation has none yet); no other plan reads anything."""
    if _staff_part(decision, conv, ctx.desk) != "open":
        return Wanted()
    return Wanted(profile=conv.data.name is None and bool(event.user_id), history=True)


# --- step 3: plan -----------------------------------------------------------------------------


def _what_patient_sent(event: LineEvent, ctx: Context) -> str:
    text = (
        event.text
        if event.kind == "text"
        else f"({event.type_name}: {event.postback or event.kind})"
    )
    return mask(text or "") if ctx.mask_pii else text or ""


def _card(
    conv: Conversation, decision: Decision, event: LineEvent, ctx: Context, facts: Facts
) -> handoff.Card:
    """What the staff card shows: reason, urgency, language, name, the last exchanges."""
    recent = []
    exchanges = [e for e in facts.history if not e.kind.startswith(("owner:", "privacy:"))]
    for entry in exchanges[-RECENT:]:
        said = mask(entry.text or "") if ctx.mask_pii else entry.text or ""
        said = said if conv.keeps_text else NOT_KEPT
        recent.append(f"{said} → {entry.kind}: {entry.topic or '-'}")
    said = _what_patient_sent(event, ctx) if conv.keeps_text else NOT_KEPT
    recent.append(f"{said} → {decision.kind.value}")
    name = conv.data.name
    if name is None and event.user_id:  # the card shows the LINE display name, never the id
        name = facts.profile.name if facts.profile else None
    return handoff.Card(
        reason=decision.reason or "asked",
        urgent=decision.urgent,
        lang=decision.lang,
        name=name,
        recent=tuple(recent),
    )


def _learnt(event: LineEvent, data: ConversationData, facts: Facts) -> ConversationData:
    """The display name a follow event's profile shared, kept for the staff card."""
    if event.kind == "follow" and facts.profile is not None and facts.profile.name:
        return replace(data, name=facts.profile.name)
    return data


def plan_decided(
    event: LineEvent,
    conv: Conversation,
    decision: Decision,
    facts: Facts,
    ctx: Context,
    reply_allowed: bool,
) -> Plan:
    """Run the hand-off when staff are involved, and lay out the messages."""
    if decision.privacy is PrivacyAction.DELETE:
        return _erasing(event, conv, decision, reply_allowed)
    new, audit = _privacy_state(
        replace(
            conv,
            lang=decision.state.lang,
            misses=decision.state.misses,
            data=_learnt(event, conv.data, facts),
        ),
        conv,
        decision,
        ctx,
    )
    replies = [decision.text] if decision.text else []
    new, rows, more = _with_staff(event, new, decision, facts, ctx)
    replies += more
    bubbles = _with_notice(["\n\n".join(replies)] if replies else [], decision, ctx)
    outgoing = rows
    if bubbles:
        outgoing = [_reply(event, decision, bubbles, ctx.knowledge, reply_allowed), *rows]
    return Plan(new, outgoing, decision.kind.value, decision.intent, audit=audit)


def _with_staff(
    event: LineEvent, new: Conversation, decision: Decision, facts: Facts, ctx: Context
) -> tuple[Conversation, list[Outbound], list[str]]:
    """The conversation after the hand-off step the decision calls for, its messages, and
    lines for the patient's reply (nobody reachable, after hours)."""
    k, current = ctx.knowledge, new.data.handoff
    part = _staff_part(decision, new, ctx.desk)
    if part == "relay" and current is not None:
        step = handoff.patient_wrote(new.owner, current, _what_patient_sent(event, ctx), ctx.now)
        new, rows, _appended = effects(
            step, new, k, source="line", event_id=event.event_id, first_seq=1
        )
        return new, rows, []
    if part == "unreachable":
        return new, [], [texts.unreachable(texts.texts_for(k.catalogs, decision.lang))]
    if part is None:
        return new, [], []
    step = handoff.open_handoff(
        new.owner, current, decision.reason or "asked", decision.urgent, ctx.now, ctx.policy
    )
    # `open_handoff` returns a new hand-off value every time, so the card is built afresh
    # whenever staff are needed (also for an emergency during an open hand-off), as before.
    if step.handoff is not None:
        card = _card(new, decision, event, ctx, facts)
        step = replace(step, handoff=replace(step.handoff, card=card))
    new, rows, appended = effects(step, new, k, source="line", event_id=event.event_id, first_seq=1)
    if step.handoff is not None and not new.keeps_text:
        # The card quotes nothing of an opted-out patient, so the message that brought
        # staff in goes to the thread: Slack has it, and its outbox row is emptied once sent.
        rows.append(slack(SlackThread("patient", _what_patient_sent(event, ctx))))
    return new, rows, appended


def _with_notice(bubbles: list[str], decision: Decision, ctx: Context) -> list[str]:
    """The bubbles with the privacy notice when the decision carries it: after a safety reply
    (never delayed by it) and a welcome, before anything else (the first answer)."""
    if not decision.notice:
        return bubbles
    _ = texts.texts_for(ctx.knowledge.catalogs, decision.lang)
    notice = texts.privacy_notice(
        _, ctx.knowledge.clinic, ctx.retention_days, keeps_text=decision.state.keeps_text
    )
    after = decision.triaged or decision.intent == "welcome"
    return [*bubbles, notice] if after else [notice, *bubbles]


def _reply(
    event: LineEvent, decision: Decision, bubbles: list[str], k: Knowledge, reply_allowed: bool
) -> Outbound:
    """The patient's LINE message: the bubbles, the quick replies, how to deliver it."""
    topic = k.faq.topics.get(decision.intent)
    content_hash = topic.content_hash() if topic and decision.kind is Kind.ANSWER else None
    message = LineMessage(
        user_id=event.user_id or "",
        texts=tuple(bubbles),
        choices=decision.choices,
        reply_token=event.reply_token,
        reply_allowed=reply_allowed,
        kind=decision.kind.value,
        topic=decision.audit_topic,
        lang=decision.lang,
        content_hash=content_hash,
        notice=decision.notice,
    )
    return Outbound(message, retry_key("line", event.event_id, 0))


def _privacy_state(
    new: Conversation, old: Conversation, decision: Decision, ctx: Context
) -> tuple[Conversation, tuple[AuditEntry, ...]]:
    """The conversation's notice time and opt-out after `decision`, with the audit entry of an
    opt-out (saved with it). Opting out also takes the quotes off a hand-off card."""
    if decision.notice:
        new = replace(new, notice_at=ctx.now)
    if decision.state.keeps_text or not old.keeps_text:
        return new, ()
    entry = AuditEntry(
        at=ctx.now,
        conversation_id=old.id,
        user_key=old.user_key,
        topic="stop_storing",
        content_hash=None,
        lang=decision.lang,
        method="line",
        result="ok",
        text=None,
        kind="privacy:opt_out",
    )
    return replace(new, opted_out_at=ctx.now, data=_unquoted(new.data)), (entry,)


def _unquoted(data: ConversationData) -> ConversationData:
    """`data` with the patient's words taken off the hand-off card, outcomes kept."""
    card = data.handoff.card if data.handoff is not None else None
    if data.handoff is None or card is None:
        return data
    recent = tuple(f"{NOT_KEPT} → {line.rpartition(' → ')[2]}" for line in card.recent or ())
    return replace(data, handoff=replace(data.handoff, card=replace(card, recent=recent)))


def _erasing(event: LineEvent, conv: Conversation, decision: Decision, reply_allowed: bool) -> Plan:
    """A confirmed deletion: the patient is told what was erased; staff, when a hand-off is
    open, that the patient deleted their data (without anything the patient wrote)."""
    told = LineMessage(
        user_id=event.user_id or "",
        texts=(decision.text,),
        reply_token=event.reply_token,
        reply_allowed=reply_allowed,
        kind=decision.kind.value,
        topic=decision.audit_topic,
        lang=decision.lang,
    )
    outgoing = [Outbound(told, retry_key("line", event.event_id, 0))]
    thread = conv.data.handoff.thread_ts if conv.data.handoff is not None else None
    if conv.owner is not Owner.BOT and thread:
        outgoing.append(slack(SlackErased(thread)))
    return Plan(conv, outgoing, decision.kind.value, decision.intent, erase=True)
