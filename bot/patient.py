"""Plan the answer to one LINE event of a one-to-one chat: decision, hand-off, messages.

The core decides; when the decision needs staff, or staff already own the conversation, the
hand-off state machine decides what Slack sees. The result is a `Plan`: the conversation to
save and the messages to save with it, all before anything is sent.

Privacy is planned here too: the notice goes out as a message of its own with the first reply
(after a safety reply, before anything else), an opt-out is saved with its audit entry, and a
confirmed deletion becomes an erasing plan whose only messages are the patient's confirmation
and, when a hand-off is open, a note to staff (neither quotes the patient).
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from bot import core, handoff
from bot.channels.line_events import LineEvent
from bot.core import privacy, texts
from bot.core.decision import Decision, Kind, Owner, PrivacyAction, State
from bot.core.knowledge import Knowledge
from bot.lang import DEFAULT_LANG, Lang
from bot.masking import mask
from bot.outbox import line_message, retry_key, slack_op
from bot.staff import Plan, effects
from bot.store import AuditEntry, Conversation, NewOutgoing

Profile = Callable[[str], Awaitable[tuple[str | None, str | None]]]  # -> (name, language)

RECENT = 4  # earlier exchanges shown on the staff card
NOT_KEPT = "-"  # stands for a message on the staff card of a patient who opted out


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
    retention_days: int = 30  # AUDIT_RETENTION_DAYS, which the privacy notice states


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
    """The core's decision for the event, with the privacy notice when it is due (always on
    follow), and any data learnt on the way (display name)."""
    decision, learnt = await _decide(event, conv, ctx)
    return privacy.with_notice(decision, ctx.knowledge, always=event.kind == "follow"), learnt


async def _decide(
    event: LineEvent, conv: Conversation, ctx: Context
) -> tuple[Decision, dict[str, Any]]:
    k, state = ctx.knowledge, _state(conv)
    lang = state.lang or DEFAULT_LANG
    if event.kind == "text":
        return core.decide(event.text or "", state, ctx.now, k), {}
    key, _sep, _value = (event.postback or "").partition("=")
    if event.kind == "postback" and key == "privacy":  # in every state, like typed requests
        staff_saw = conv.data.get("handoff") is not None
        return decide_postback(event.postback or "", lang, state, k, staff_saw=staff_saw), {}
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
        return decide_postback(event.postback or "", lang, state, k), {}
    _ = texts.texts_for(k.catalogs, lang)  # stickers, images, audio, location...
    return Decision(
        Kind.FALLBACK,
        "media",
        lang,
        bilingual(k, texts.text_only),
        texts.menu(k.faq, lang, _),
        state=state,
    ), {}


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
    history = await ctx.history(conv.id)
    exchanges = [e for e in history if not e.kind.startswith(("owner:", "privacy:"))]
    for entry in exchanges[-RECENT:]:
        said = mask(entry.text or "") if ctx.mask_pii else entry.text or ""
        said = said if conv.keeps_text else NOT_KEPT
        recent.append(f"{said} → {entry.kind}: {entry.topic or '-'}")
    said = _what_patient_sent(event, ctx) if conv.keeps_text else NOT_KEPT
    recent.append(f"{said} → {decision.kind.value}")
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
    if decision.privacy is PrivacyAction.DELETE:
        return _erasing(event, conv, decision, reply_allowed), decision
    new, audit = _privacy_state(
        replace(
            conv,
            lang=decision.state.lang,
            misses=decision.state.misses,
            data={**conv.data, **learnt},
        ),
        conv,
        decision,
        ctx,
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
        opened = step.handoff is not None and step.handoff is not current
        if opened and step.handoff is not None:
            step = replace(
                step, handoff={**step.handoff, "card": await _card(new, decision, event, ctx)}
            )
        new, rows, appended = effects(
            step, new, k, source="line", event_id=event.event_id, first_seq=1
        )
        if opened and not new.keeps_text:
            # The card quotes nothing of an opted-out patient, so the message that brought
            # staff in goes to the thread: Slack has it, and its outbox row is emptied once sent.
            rows.append(slack_op("thread", what="patient", text=_what_patient_sent(event, ctx)))
        replies += appended
    outgoing = rows
    bubbles = ["\n\n".join(replies)] if replies else []
    if decision.notice:
        notice = texts.privacy_notice(
            _, k.clinic, ctx.retention_days, keeps_text=decision.state.keeps_text
        )
        # A safety reply is never delayed by the notice, and a welcome comes before it;
        # anything else (the first answer) follows it.
        after = decision.triaged or decision.intent == "welcome"
        bubbles = [*bubbles, notice] if after else [notice, *bubbles]
    if bubbles:
        topic = k.faq.topics.get(decision.intent)
        content_hash = topic.content_hash() if topic and decision.kind is Kind.ANSWER else None
        message = line_message(
            key=retry_key("line", event.event_id, 0),
            user_id=event.user_id or "",
            texts=bubbles,
            choices=decision.choices,
            reply_token=event.reply_token,
            reply_allowed=reply_allowed,
            kind=decision.kind.value,
            topic=decision.audit_topic,
            lang=decision.lang,
            content_hash=content_hash,
            notice=decision.notice,
        )
        outgoing = [message, *rows]
    return Plan(new, outgoing, decision.kind.value, decision.intent, audit=audit), decision


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


def _unquoted(data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` with the patient's words taken off the hand-off card, outcomes kept."""
    handoff_data = data.get("handoff")
    card = handoff_data.get("card") if isinstance(handoff_data, dict) else None
    if not isinstance(handoff_data, dict) or not isinstance(card, dict):
        return dict(data)
    recent = [f"{NOT_KEPT} → {line.rpartition(' → ')[2]}" for line in card.get("recent", [])]
    return {**data, "handoff": {**handoff_data, "card": {**card, "recent": recent}}}


def _erasing(event: LineEvent, conv: Conversation, decision: Decision, reply_allowed: bool) -> Plan:
    """A confirmed deletion: the patient is told what was erased; staff, when a hand-off is
    open, that the patient deleted their data (without anything the patient wrote)."""
    told = line_message(
        key=retry_key("line", event.event_id, 0),
        user_id=event.user_id or "",
        texts=[decision.text],
        reply_token=event.reply_token,
        reply_allowed=reply_allowed,
        kind=decision.kind.value,
        topic=decision.audit_topic,
        lang=decision.lang,
    )
    outgoing = [told]
    thread = (conv.data.get("handoff") or {}).get("thread_ts")
    if conv.owner is not Owner.BOT and thread:
        outgoing.append(slack_op("erased", thread=thread))
    return Plan(conv, outgoing, decision.kind.value, decision.intent, erase=True)
