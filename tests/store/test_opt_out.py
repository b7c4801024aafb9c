"""Contract: a patient who opted out of text storage leaves no text once an event is handled,
an erasure asked for by the patient keeps its own event and messages, and old card quotes go
with the retention. Every check reads the raw tables (`Backend.values`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.handoff import Card, Handoff
from bot.store import AuditEntry, Conversation, ConversationData, NewOutgoing, Store
from tests.store import peek
from tests.store.builders import LEASE, NOW, FakeClock, answer, event
from tests.store.conftest import Backend

TEXT = "MARKER-opted-out-knee"
LATER = "MARKER-after-opt-out"
USER = "U-MARKER-optout"
OTHER = "OTHER-PATIENT-TEXT"


def _mentions(values: list[tuple[str, str, str]], marker: str) -> list[tuple[str, str]]:
    return [(table, column) for table, column, text in values if marker in text]


async def _handled(
    store: Store, conv: Conversation, event_id: str, text: str
) -> tuple[Conversation, int]:
    """Log, claim, decide, send and finish one event whose payload, reply and audit hold `text`;
    returns the conversation as saved and the event's inbox id."""
    await store.enqueue([event(event_id, USER, payload=f'{{"text":"{text}"}}')])
    claimed = await store.claim(NOW, LEASE)
    assert claimed is not None and claimed.event_id == event_id
    saved = await store.commit(conv, [NewOutgoing("slack", f'{{"text":"{text}"}}')], claimed.id)
    assert saved is not None
    (row,) = await store.outgoing(claimed.id)
    audit = [answer(conv.id, USER, text=text)]
    await store.mark_outgoing(row.id, "sent", "slack", None, NOW, audit=audit, finish=claimed.id)
    return saved, claimed.id


async def _conversation(store: Store) -> Conversation:
    await store.enqueue([event("first", USER)])
    claimed = await store.claim(NOW, LEASE)
    assert claimed is not None and claimed.conversation is not None
    await store.finish(claimed.id, NOW)
    return claimed.conversation


async def test_opting_out_erases_earlier_text_and_keeps_later_text_out(
    store: Store, backend: Backend, clock: FakeClock
) -> None:
    """Text stored before the opt-out goes with the commit that saves it; after it, payloads,
    sent messages and audit entries keep no text once their event is handled."""
    conv = await _conversation(store)
    conv, _ = await _handled(store, conv, "before", TEXT)
    assert _mentions(await backend.values(), TEXT)

    opted = replace(conv, opted_out_at=clock.now)
    conv, _ = await _handled(store, opted, "stop", "don't keep my messages")
    values = await backend.values()
    assert _mentions(values, TEXT) == []
    assert _mentions(values, "keep my messages") == []
    assert conv.opted_out_at == NOW and not conv.keeps_text

    await store.enqueue([event("later", USER, payload=f'{{"text":"{LATER}"}}')])
    # While its event is in the queue, the text is there: the worker needs it.
    assert _mentions(await backend.values(), LATER) == [("inbox", "payload")]
    conv, _ = await _handled_claimed(store, conv, LATER)
    await store.enqueue([event("o1", "U-other", payload=OTHER)])
    other = await store.claim(NOW, LEASE)
    assert other is not None
    await store.finish(other.id, NOW)

    values = await backend.values()
    assert _mentions(values, LATER) == []
    assert _mentions(values, OTHER) == [("inbox", "payload")]  # others keep theirs
    entries = await store.audit_entries(conv.id)
    assert [e.text for e in entries] == [None, None, None]
    assert [e.topic for e in entries] == ["hours", "hours", "hours"]  # topics and outcomes stay


async def _handled_claimed(store: Store, conv: Conversation, text: str) -> tuple[Conversation, int]:
    claimed = await store.claim(NOW, LEASE)
    assert claimed is not None
    saved = await store.commit(conv, [NewOutgoing("line", f'{{"text":"{text}"}}')], claimed.id)
    assert saved is not None
    (row,) = await store.outgoing(claimed.id)
    await store.mark_outgoing(row.id, "sending", None, None, NOW)
    assert (await store.outgoing(claimed.id))[0].payload is not None  # still needed to send
    await store.mark_outgoing(
        row.id, "sent", "reply", None, NOW, audit=[answer(conv.id, USER, text=text)]
    )
    await store.finish(claimed.id, NOW)
    return saved, claimed.id


async def test_an_opt_out_cannot_be_undone_by_a_later_save(store: Store, clock: FakeClock) -> None:
    """A save that carries no opt-out keeps it, and so does LINE's unfollow (reset)."""
    conv = await _conversation(store)
    saved = await store.commit(replace(conv, opted_out_at=clock.now), [], None)
    assert saved is not None
    clock.now = NOW + timedelta(hours=1)

    again = await store.commit(replace(saved, opted_out_at=None, misses=2), [], None)
    await store.reset_conversation(USER)
    after = await store.conversation(conv.id)

    assert again is not None and again.opted_out_at == NOW
    assert after is not None and after.opted_out_at == NOW and after.misses == 0


async def test_notice_time_is_saved(store: Store, clock: FakeClock) -> None:
    """When the notice was shown is part of the conversation, like its language."""
    conv = await _conversation(store)
    saved = await store.commit(replace(conv, notice_at=clock.now), [], None)
    assert saved is not None and saved.notice_at == NOW
    assert await store.conversation(conv.id) == saved


async def test_erasure_asked_by_the_patient_keeps_its_event_and_messages(
    store: Store, backend: Backend
) -> None:
    """`forget` for the event asking for it: the patient is gone, the event stays claimed with
    the confirmation saved for it; once sent and finished, nothing names the patient."""
    conv = await _conversation(store)
    conv, _ = await _handled(store, conv, "before", TEXT)
    await store.enqueue([event("yes", USER, payload=f'{{"userId":"{USER}"}}')])
    claimed = await store.claim(NOW, LEASE)
    assert claimed is not None
    await store.enqueue([event("queued", USER, payload=TEXT)])
    told = NewOutgoing("line", f'{{"user_id":"{USER}","texts":["deleted"]}}', "key-1")

    erased = await store.forget(USER, by="patient", event=claimed.id, outgoing=[told])

    assert erased > 0
    assert await store.conversation(conv.id) is None
    assert await peek.inbox_status(store, "line", "yes") == "working"
    assert await peek.inbox_status(store, "line", "queued") == "failed"
    (row,) = await store.outgoing(claimed.id)
    assert (row.conversation_id, row.payload, row.retry_key) == (None, told.payload, "key-1")
    await store.mark_outgoing(row.id, "sent", "reply", None, NOW)
    await store.finish(claimed.id, NOW)

    values = await backend.values()
    assert _mentions(values, USER) == []
    assert _mentions(values, TEXT) == []
    assert await peek.inbox_status(store, "line", "yes") == "done"
    assert await store.enqueue([event("yes", USER)]) == [False]


async def test_every_erasure_is_audited_without_naming_the_patient(
    store: Store, backend: Backend
) -> None:
    """`python -m bot forget` (operator) and the patient's own deletion each leave one entry."""
    conv = await _conversation(store)
    await store.audit(answer(conv.id, USER, text=TEXT))

    await store.forget(USER)
    await store.forget("U-nobody")  # nothing to erase: nothing to audit

    values = await backend.values()
    deleted = [
        (column, text) for table, column, text in values if table == "audit" and "privacy" in text
    ]
    assert deleted == [("kind", "privacy:deleted")]
    assert ("audit", "method") in [(t, c) for t, c, v in values if v == "operator"]
    assert _mentions(values, USER) == []


async def test_prune_takes_old_quotes_off_hand_off_cards(
    store: Store, backend: Backend, clock: FakeClock
) -> None:
    """A hand-off card quotes the patient; the quotes go after the retention like other text."""
    conv = await _conversation(store)
    card = Card(reason="asked", name="Hanako", recent=(f"{TEXT} → handoff",))
    handoff = Handoff(card=card, last_activity=NOW, closed=True)
    saved = await store.commit(replace(conv, data=ConversationData(handoff=handoff)), [], None)
    assert saved is not None

    await store.prune(NOW + timedelta(days=29), timedelta(days=30))
    assert _mentions(await backend.values(), TEXT) == [("conversations", "data")]
    await store.prune(NOW + timedelta(days=31), timedelta(days=30))

    after = await store.conversation(conv.id)
    assert _mentions(await backend.values(), TEXT) == []
    assert after is not None
    assert after.data.handoff is not None
    assert after.data.handoff.card == Card(reason="asked", name="Hanako")  # no `recent` left


async def test_audit_of_an_opted_out_patient_never_stores_text(store: Store) -> None:
    """Whatever the caller passes, the store drops the text of an opted-out patient's entry."""
    conv = await _conversation(store)
    saved = await store.commit(replace(conv, opted_out_at=NOW), [], None)
    assert saved is not None
    entry = AuditEntry(NOW, conv.id, USER, "cost", None, "ja", "reply", "ok", TEXT, "answer")

    await store.audit(entry)

    assert [e.text for e in await store.audit_entries(conv.id)] == [None]
