"""Planning as tables: what each LINE event needs fetched, and what a plan saves given the
facts, for patients (`bot.pipeline.plan_line`) and staff (`bot.pipeline.plan_staff`). No event
loop, no store."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.line_events import LineEvent
from bot.core import handoff
from bot.core.decision import Kind, Owner
from bot.core.knowledge import Knowledge
from bot.pipeline.outbox import (
    Confirm,
    LineMessage,
    SlackCard,
    SlackErased,
    SlackThread,
    SlackUpdate,
    retry_key,
)
from bot.pipeline.plan_line import (
    Context,
    Facts,
    Shared,
    Wanted,
    decide_event,
    facts_to_decide,
    facts_to_plan,
    plan_decided,
)
from bot.pipeline.plan_staff import (
    Pressed,
    StaffReply,
    Tick,
    UnreadableStaffEventError,
    plan_staff_event,
    read_staff_event,
)
from bot.store import AuditEntry, Conversation, ConversationData

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tue 11:00 in Tokyo
ASK_STAFF = "スタッフと話したい"
OPEN = handoff.Handoff(id="h1", reason="asked", opened_at=NOW, last_activity=NOW, thread_ts="1.2")


def conv(
    owner: Owner = Owner.BOT,
    data: ConversationData | None = None,
    *,
    opted_out: bool = False,
) -> Conversation:
    return Conversation(
        id="c1",
        user_key="U1",
        lang="ja",
        misses=0,
        owner=owner,
        version=1,
        data=data or ConversationData(),
        created_at=NOW,
        updated_at=NOW,
        notice_at=NOW,  # the privacy notice was shown: only the event itself is planned
        opted_out_at=NOW if opted_out else None,
    )


def text(words: str, user_id: str | None = "U1") -> LineEvent:
    return LineEvent("text", "ev1", "message", user_id=user_id, reply_token="rt", text=words)


def tap(data: str) -> LineEvent:
    return LineEvent("postback", "ev1", "postback", user_id="U1", reply_token="rt", postback=data)


FOLLOW = LineEvent("follow", "ev1", "follow", user_id="U1", reply_token="rt")
STAFF_OWN = ConversationData(handoff=OPEN)


def context(k: Knowledge, *, desk: bool = True) -> Context:
    return Context(knowledge=k, now=NOW, policy=handoff.Policy(), desk=desk, mask_pii=True)


@pytest.mark.parametrize(
    ("event", "wanted"),
    [
        pytest.param(FOLLOW, Wanted(profile=True), id="follow-welcomes-in-the-app-language"),
        pytest.param(text("費用はいくらですか"), Wanted(), id="text"),
        pytest.param(tap("topic=cost"), Wanted(), id="postback"),
        pytest.param(LineEvent("media", "ev1", "sticker", user_id="U1"), Wanted(), id="sticker"),
    ],
)
def test_facts_to_decide(event: LineEvent, wanted: Wanted) -> None:
    """Only a follow needs anything before the decision: the patient's LINE profile."""
    assert facts_to_decide(event) == wanted


@pytest.mark.parametrize(
    ("event", "conversation", "desk", "wanted"),
    [
        pytest.param(text("費用はいくらですか"), conv(), True, Wanted(), id="answer"),
        pytest.param(
            text(ASK_STAFF), conv(), True, Wanted(profile=True, history=True), id="card-no-name"
        ),
        pytest.param(
            text(ASK_STAFF),
            conv(data=ConversationData(name="Hanako")),
            True,
            Wanted(history=True),
            id="card-name-known",
        ),
        pytest.param(
            text(ASK_STAFF, user_id=None), conv(), True, Wanted(history=True), id="card-no-user"
        ),
        pytest.param(text(ASK_STAFF), conv(), False, Wanted(), id="no-desk"),
        pytest.param(
            text("まだ痛いです"), conv(Owner.STAFF, STAFF_OWN), True, Wanted(), id="relay"
        ),
        pytest.param(
            tap("privacy=delete_yes"), conv(Owner.STAFF, STAFF_OWN), True, Wanted(), id="erasure"
        ),
        pytest.param(FOLLOW, conv(), True, Wanted(), id="follow"),
    ],
)
def test_facts_to_plan(
    knowledge: Knowledge, event: LineEvent, conversation: Conversation, desk: bool, wanted: Wanted
) -> None:
    """Only a new staff card reads anything: the history, and the profile when no name is
    known yet."""
    decision = decide_event(event, conversation, knowledge, NOW)
    assert facts_to_plan(event, conversation, decision, context(knowledge, desk=desk)) == wanted


@pytest.mark.parametrize(
    ("profile", "lang", "name"),
    [
        pytest.param(Shared("Hanako", "en"), "en", "Hanako", id="english-app"),
        pytest.param(Shared("花子", "ja"), "ja", "花子", id="japanese-app"),
        pytest.param(None, "ja", None, id="nothing-shared"),
    ],
)
def test_follow_is_welcomed_in_the_app_language(
    knowledge: Knowledge, profile: Shared | None, lang: str, name: str | None
) -> None:
    """The welcome's language comes from the profile; the display name is kept for cards."""
    start = replace(conv(), lang=None)
    decision = decide_event(FOLLOW, start, knowledge, NOW, profile)
    plan = plan_decided(FOLLOW, start, decision, Facts(profile), context(knowledge), True)
    assert (decision.intent, decision.lang) == ("welcome", lang)
    assert (plan.conv.lang, plan.conv.data.name) == (lang, name)


def test_asking_for_staff_opens_a_card_from_the_facts(knowledge: Knowledge) -> None:
    """The card shows the fetched history (without hand-off and privacy entries), the message
    that brought staff in, and the profile's display name."""
    event, start = text(ASK_STAFF), conv()
    decision = decide_event(event, start, knowledge, NOW)
    history = (
        AuditEntry(NOW, "c1", "U1", "cost", None, "ja", "reply", "ok", "費用は?", "answer"),
        AuditEntry(NOW, "c1", "U1", None, None, "ja", "line", "ok", None, "owner:bot->waiting"),
    )
    facts = Facts(Shared("Hanako"), history)
    plan = plan_decided(event, start, decision, facts, context(knowledge), True)

    assert plan.conv.owner is Owner.WAITING and plan.conv.data.handoff is not None
    assert plan.conv.data.handoff.card == handoff.Card(
        reason="asked",
        urgent=False,
        lang="ja",
        name="Hanako",
        recent=("費用は? → answer: cost", f"{ASK_STAFF} → {Kind.HANDOFF.value}"),
    )
    reply, card = plan.outgoing
    assert isinstance(reply.payload, LineMessage) and reply.payload.reply_allowed
    assert reply.retry_key == retry_key("line", "ev1", 0)
    assert card.payload == SlackCard()


def test_an_opted_out_patients_card_quotes_nothing(knowledge: Knowledge) -> None:
    """Their words go to the thread (emptied from the outbox once sent), not on the card."""
    event, start = text(ASK_STAFF), conv(opted_out=True)
    decision = decide_event(event, start, knowledge, NOW)
    plan = plan_decided(event, start, decision, Facts(Shared()), context(knowledge), True)
    assert plan.conv.data.handoff is not None and plan.conv.data.handoff.card is not None
    assert plan.conv.data.handoff.card.recent == (f"- → {Kind.HANDOFF.value}",)
    assert [o.payload for o in plan.outgoing[1:]] == [
        SlackCard(),
        SlackThread("patient", ASK_STAFF),
    ]


def test_without_a_desk_the_patient_is_told_nobody_can_be_reached(knowledge: Knowledge) -> None:
    event, start = text(ASK_STAFF), conv()
    decision = decide_event(event, start, knowledge, NOW)
    plan = plan_decided(event, start, decision, Facts(), context(knowledge, desk=False), True)
    (reply,) = plan.outgoing
    assert plan.conv.owner is Owner.BOT and plan.conv.data.handoff is None
    assert isinstance(reply.payload, LineMessage) and len(reply.payload.texts) == 1
    assert reply.payload.texts[0].startswith(decision.text + "\n\n")


def test_a_message_while_staff_own_the_conversation_is_relayed(knowledge: Knowledge) -> None:
    """Nothing for the patient; the masked message goes to the thread."""
    event, start = text("まだ痛いです 090-1234-5678"), conv(Owner.STAFF, STAFF_OWN)
    decision = decide_event(event, start, knowledge, NOW)
    plan = plan_decided(event, start, decision, Facts(), context(knowledge), True)
    (relay,) = plan.outgoing
    assert isinstance(relay.payload, SlackThread) and relay.payload.what == "patient"
    assert "1234" not in relay.payload.text
    assert plan.conv.data.handoff == replace(OPEN, last_activity=NOW)


def test_a_confirmed_deletion_erases_and_tells_the_thread(knowledge: Knowledge) -> None:
    event, start = tap("privacy=delete_yes"), conv(Owner.STAFF, STAFF_OWN)
    decision = decide_event(event, start, knowledge, NOW)
    plan = plan_decided(event, start, decision, Facts(), context(knowledge), True)
    told, staff = plan.outgoing
    assert plan.erase and plan.conv == start
    assert isinstance(told.payload, LineMessage) and told.payload.reply_token == "rt"
    assert staff.payload == SlackErased("1.2")


@pytest.mark.parametrize(
    ("payload", "event"),
    [
        pytest.param(
            '{"kind": "staff_reply", "user": "U9", "text": "どうぞ", "ts": "1.3",'
            ' "thread_ts": "1.2"}',
            StaffReply("U9", "どうぞ", "1.3", "1.2"),
            id="reply",
        ),
        pytest.param(
            '{"kind": "staff_reply", "user": null, "text": "x", "ts": "1.3", "thread_ts": "1.2"}',
            StaffReply(None, "x", "1.3", "1.2"),
            id="reply-without-user",
        ),
        pytest.param(
            '{"kind": "action", "action": "close", "user": "U9"}',
            Pressed("close", "U9"),
            id="button",
        ),
        pytest.param('{"kind": "tick"}', Tick(), id="tick"),
        pytest.param('{"kind": "later"}', Tick(), id="unknown-kind-ticks-as-before"),
    ],
)
def test_read_staff_event(payload: str, event: object) -> None:
    assert read_staff_event(payload) == event


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param('{"kind": "action", "action": "explode", "user": "U9"}', id="action"),
        pytest.param(
            '{"kind": "staff_reply", "user": "U9", "ts": "1", "thread_ts": "1"}', id="text"
        ),
        pytest.param("[]", id="not-an-object"),
    ],
)
def test_unreadable_staff_event_fails_the_event(payload: str) -> None:
    """The worker retries it and then alerts staff, as for any failed event."""
    with pytest.raises(UnreadableStaffEventError):
        read_staff_event(payload)


def test_a_staff_reply_takes_over_and_is_relayed(knowledge: Knowledge) -> None:
    reply = StaffReply("U9", "ご予約の日時を教えてください", "1.3", "1.2")
    start = conv(Owner.WAITING, STAFF_OWN)
    plan = plan_staff_event(reply, "Ev1", start, knowledge, handoff.Policy(), NOW, {"ja": "担当"})
    line, update = plan.outgoing
    assert plan.conv.owner is Owner.STAFF and plan.kind == "staff_reply"
    assert line.payload == LineMessage(
        user_id="U1",
        texts=("担当\nご予約の日時を教えてください",),
        kind="staff",
        topic=None,
        lang="ja",
        confirm=Confirm("1.3", "1.2"),
    )
    assert line.retry_key == retry_key("slack", "Ev1", 0)
    assert update.payload == SlackUpdate("taken", "U9")


def test_close_tells_the_patient_and_the_card(knowledge: Knowledge) -> None:
    start = conv(Owner.STAFF, STAFF_OWN)
    plan = plan_staff_event(
        Pressed("close", "U9"), "Ev2", start, knowledge, handoff.Policy(), NOW, {}
    )
    notice, update = plan.outgoing
    assert plan.conv.owner is Owner.BOT and plan.kind == "action:close"
    assert isinstance(notice.payload, LineMessage) and notice.payload.topic == "closed"
    assert update.payload == SlackUpdate("closed", "U9")


def test_a_tick_with_nothing_due_saves_nothing(knowledge: Knowledge) -> None:
    start = conv(Owner.STAFF, STAFF_OWN)
    plan = plan_staff_event(Tick(), "t1", start, knowledge, handoff.Policy(), NOW, {})
    later = plan_staff_event(
        Tick(), "t2", start, knowledge, handoff.Policy(), NOW + timedelta(hours=24), {}
    )
    assert (plan.conv, plan.outgoing, plan.kind) == (start, [], "tick")
    assert later.conv.owner is Owner.BOT
    assert [o.payload for o in later.outgoing][1:] == [SlackUpdate("idle")]
