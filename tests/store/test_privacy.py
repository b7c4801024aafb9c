"""Contract: patient text is kept only for the retention, and a patient can be forgotten."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.decision import Owner
from bot.store import AuditEntry, ConversationData, NewOutgoing, Store
from tests.store import peek
from tests.store.builders import LEASE, NOW, answer, event
from tests.store.conftest import Backend

RETENTION = timedelta(days=30)
TEXT = "MARKER-my-knee-hurts"
USER = "U-MARKER-4f1d2c"


def _mentions(values: list[tuple[str, str, str]], marker: str) -> list[tuple[str, str]]:
    """The (table, column) pairs whose stored text contains `marker`."""
    return [(table, column) for table, column, text in values if marker in text]


async def test_audit_keeps_each_answer_in_order(store: Store) -> None:
    """Audit entries come back as written, oldest first."""
    await store.enqueue([event("e1")])
    conv = await peek.conversation_for_user(store, "U-alice")
    assert conv is not None
    entries = [answer(conv.id, "U-alice"), answer(conv.id, "U-alice", at=NOW + LEASE, text=None)]

    for entry in entries:
        await store.audit(entry)

    assert await store.audit_entries(conv.id) == entries


@pytest.mark.parametrize(
    ("age", "text_kept", "key_kept"),
    [
        (timedelta(days=29), True, True),
        (timedelta(days=31), False, True),
        (timedelta(days=38), False, False),
    ],
    ids=["within-retention", "after-retention", "after-key-grace"],
)
async def test_prune_erases_text_but_keeps_dedupe_keys(
    store: Store,
    backend: Backend,
    age: timedelta,
    text_kept: bool,
    key_kept: bool,
) -> None:
    """Old text goes after the retention; the key stays a week longer to catch redeliveries."""
    await store.enqueue([event("e1", payload=TEXT), event("b1", "U-bob", payload="BOB-PENDING")])
    claimed = await store.claim(NOW, LEASE)
    assert claimed is not None
    conv = await peek.conversation_for_user(store, "U-alice")
    assert conv is not None
    await store.commit(replace(conv, misses=1), [NewOutgoing("slack", TEXT)], claimed.id)
    await store.finish(claimed.id, NOW)
    await store.audit(answer(conv.id, "U-alice", text=TEXT))

    await store.prune(NOW + age, RETENTION)
    values = await backend.values()
    redelivered = await store.enqueue([event("e1", payload=TEXT)])

    assert bool(_mentions(values, TEXT)) is text_kept
    assert [e.text for e in await store.audit_entries(conv.id)] == [TEXT if text_kept else None]
    assert redelivered == [not key_kept]
    assert _mentions(values, "BOB-PENDING") == [("inbox", "payload")]  # unfinished: untouched


async def test_forget_erases_the_patient_everywhere(store: Store, backend: Backend) -> None:
    """After forget no table holds the patient's text or LINE id; other patients are untouched."""
    payload = f'{{"source":{{"userId":"{USER}"}},"text":"{TEXT}"}}'
    await store.enqueue([event("e1", USER, payload=payload), event("b1", "U-bob", payload="BOB")])
    claimed = await store.claim(NOW, LEASE)
    assert claimed is not None
    assert claimed.user_key == USER
    conv = await peek.conversation_for_user(store, USER)
    assert conv is not None
    relay = NewOutgoing("slack", f'{{"text":"{TEXT}"}}')
    saved = await store.commit(replace(conv, data=ConversationData(name=TEXT)), [relay], claimed.id)
    assert saved is not None
    await store.audit(answer(conv.id, USER, text=TEXT))
    await store.enqueue([event("e2", USER, payload=payload)])  # still pending when forgotten
    assert _mentions(await backend.values(), USER)

    erased = await store.forget(USER)
    values = await backend.values()

    assert erased > 0
    assert _mentions(values, USER) == []
    assert _mentions(values, TEXT) == []
    assert _mentions(values, "BOB") == [("inbox", "payload")]
    assert await peek.conversation_for_user(store, USER) is None
    assert await peek.inbox_status(store, "line", "e2") == "failed"
    assert await store.enqueue([event("e1", USER)]) == [False]
    assert await peek.conversation_for_user(store, USER) is None  # a redelivery brings nothing back


async def test_forget_unknown_user_changes_nothing(store: Store) -> None:
    """Forgetting someone the store never saw affects no rows."""
    await store.enqueue([event("e1")])

    assert await store.forget("U-nobody") == 0


async def test_daily_stats_count_messages_answers_and_open_handoffs(store: Store) -> None:
    """Staff statistics count the day's messages and answers, and hand-offs open now."""
    await store.enqueue([event("s1"), event("s2")])
    claimed = await store.claim(NOW, LEASE)
    assert claimed is not None and claimed.conversation_id is not None
    conv = await store.conversation(claimed.conversation_id)
    assert conv is not None
    await store.commit(replace(conv, owner=Owner.WAITING), [], claimed.id)
    for kind in ("answer", "answer", "fallback"):
        await store.audit(
            AuditEntry(NOW, conv.id, conv.user_key, None, None, "ja", "reply", "ok", None, kind)
        )
    stats = await store.daily_stats(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert stats == {"messages": 2, "answered": 2, "fallbacks": 1, "handoffs_open": 1}
