"""Contract: conversation state and outgoing messages are saved together, once per event."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.decision import Owner
from bot.core.handoff import Card, Handoff
from bot.store import Claimed, Conversation, ConversationData, NewOutgoing, Store
from tests.store import peek
from tests.store.builders import LEASE, NOW, FakeClock, event

HELLO = NewOutgoing("line", '{"text":"hello"}', retry_key="2f1c8c0e-0000-4000-8000-000000000001")
CARD = NewOutgoing("slack", '{"card":"handoff"}')


async def _claimed(store: Store, event_id: str = "e1") -> tuple[Conversation, Claimed]:
    """Log and claim one event from Alice; return her conversation and the claim."""
    await store.enqueue([event(event_id)])
    claimed = await store.claim(NOW, LEASE)
    assert claimed is not None
    assert claimed.conversation_id is not None
    conv = await store.conversation(claimed.conversation_id)
    assert conv is not None
    return conv, claimed


async def test_commit_saves_state_and_messages(store: Store, clock: FakeClock) -> None:
    """A commit bumps the version, stores the new state, and numbers the messages in order."""
    conv, claimed = await _claimed(store)
    clock.now = NOW + timedelta(seconds=1)
    handoff = Handoff(
        id="h1",
        reason="asked",
        opened_at=NOW,
        thread_ts="1.2",
        card=Card(name="Alice", recent=("いくら? → fallback",)),
    )
    data = ConversationData(handoff=handoff, name="Alice")
    changed = replace(conv, lang="en", misses=1, owner=Owner.WAITING, data=data)

    saved = await store.commit(changed, [HELLO, CARD], claimed.id)
    rows = await store.outgoing(claimed.id)

    assert saved == replace(changed, version=conv.version + 1, updated_at=clock.now)
    assert await store.conversation(conv.id) == saved
    assert [(r.seq, r.channel, r.payload, r.status) for r in rows] == [
        (0, "line", HELLO.payload, "pending"),
        (1, "slack", CARD.payload, "pending"),
    ]
    assert rows[0].retry_key == HELLO.retry_key
    assert rows[1].retry_key  # assigned by the store
    assert {r.conversation_id for r in rows} == {conv.id}


async def test_commit_with_stale_version_saves_nothing(store: Store) -> None:
    """Two decisions from the same version: the second gets None and its messages are dropped."""
    conv, claimed = await _claimed(store)
    await store.enqueue([event("e2")])

    first = await store.commit(replace(conv, misses=1), [HELLO], claimed.id)
    second = await store.commit(replace(conv, misses=7), [CARD], claimed.id + 1)

    assert first is not None
    assert second is None
    assert await store.conversation(conv.id) == first
    assert await store.outgoing(claimed.id + 1) == []


async def test_stale_commit_leaves_the_event_undecided(store: Store) -> None:
    """A commit refused for a stale version rolls back whole: the event can still be decided."""
    conv, claimed = await _claimed(store)
    newer = await store.commit(replace(conv, misses=1), [], None)
    assert newer is not None

    stale = await store.commit(replace(conv, misses=5), [CARD], claimed.id)
    retried = await store.commit(replace(newer, misses=2), [HELLO], claimed.id)

    assert stale is None
    assert retried is not None
    assert retried.misses == 2
    assert [r.payload for r in await store.outgoing(claimed.id)] == [HELLO.payload]


async def test_commit_is_idempotent_per_event(store: Store) -> None:
    """Deciding a recovered event again writes nothing and returns the state already saved."""
    conv, claimed = await _claimed(store)
    first = await store.commit(replace(conv, misses=1), [HELLO, CARD], claimed.id)
    assert first is not None

    again = await store.commit(replace(first, misses=2), [CARD], claimed.id)
    rows = await store.outgoing(claimed.id)

    assert again == first
    assert [(r.seq, r.payload) for r in rows] == [(0, HELLO.payload), (1, CARD.payload)]


async def test_commit_without_event_only_saves_state(store: Store) -> None:
    """A state change not caused by an event (inbox id None) still uses compare-and-set."""
    conv, _ = await _claimed(store)

    saved = await store.commit(replace(conv, owner=Owner.STAFF), [], None)
    stale = await store.commit(replace(conv, owner=Owner.BOT), [], None)

    assert saved is not None
    assert saved.owner is Owner.STAFF
    assert stale is None


async def test_last_mark_can_finish_its_event(store: Store, clock: FakeClock) -> None:
    """`finish` marks the event done with the send it records; a plain mark leaves it working."""
    conv, claimed = await _claimed(store)
    await store.commit(conv, [HELLO, CARD], claimed.id)
    hello, card = await store.outgoing(claimed.id)

    await store.mark_outgoing(hello.id, "sent", "reply", None, NOW)
    status_between = await peek.inbox_status(store, "line", claimed.event_id)
    await store.mark_outgoing(card.id, "sent", "slack", None, NOW, finish=claimed.id)

    assert status_between == "working"
    assert await peek.inbox_status(store, "line", claimed.event_id) == "done"
    assert await store.claim(NOW, LEASE) is None
    assert (await store.counts(NOW))["done"] == 1


async def test_mark_outgoing_records_delivery(store: Store) -> None:
    """Marking a message stores its status, method, result and time."""
    conv, claimed = await _claimed(store)
    await store.commit(conv, [HELLO, CARD], claimed.id)
    hello, card = await store.outgoing(claimed.id)
    later = NOW + timedelta(seconds=2)

    await store.mark_outgoing(hello.id, "sent", "reply", "200", later)
    await store.mark_outgoing(card.id, "failed", None, "channel_not_found", later)
    rows = await store.outgoing(claimed.id)

    assert [(r.status, r.method, r.result, r.updated_at) for r in rows] == [
        ("sent", "reply", "200", later),
        ("failed", None, "channel_not_found", later),
    ]


async def test_reset_conversation_keeps_only_the_id(store: Store) -> None:
    """Unfollow forgets language, misses, owner and data but keeps the opaque id."""
    conv, claimed = await _claimed(store)
    saved = await store.commit(
        replace(conv, lang="ja", misses=2, owner=Owner.STAFF, data=ConversationData(name="Alice")),
        [],
        claimed.id,
    )
    assert saved is not None

    await store.reset_conversation("U-alice")
    reset = await peek.conversation_for_user(store, "U-alice")

    assert reset is not None
    assert (reset.id, reset.lang, reset.misses, reset.owner, reset.data) == (
        conv.id,
        None,
        0,
        Owner.BOT,
        ConversationData(),
    )
    assert reset.version > saved.version
    assert await store.commit(replace(saved, misses=3), [], None) is None


async def test_unknown_conversation_is_none(store: Store) -> None:
    """Looking up an id or user that was never seen gives None."""
    assert await store.conversation("nope") is None
    assert await peek.conversation_for_user(store, "U-nobody") is None


async def test_threads_map_to_their_conversation(store: Store) -> None:
    """A staff thread finds its patient's conversation; linking twice changes nothing."""
    conv, _ = await _claimed(store)
    await store.link_thread("1700000000.000100", conv.id)
    await store.link_thread("1700000000.000100", conv.id)
    found = await store.conversation_for_thread("1700000000.000100")
    assert found is not None and found.id == conv.id
    assert await store.conversation_for_thread("1700000000.999999") is None


async def test_staff_owned_conversations_are_listed(store: Store) -> None:
    """Only conversations waiting for or owned by staff are listed for deadline checks."""
    conv, claimed = await _claimed(store)
    assert await store.conversations_owned_by_staff() == []
    saved = await store.commit(replace(conv, owner=Owner.WAITING), [], claimed.id)
    listed = await store.conversations_owned_by_staff()
    assert saved is not None and [c.id for c in listed] == [conv.id]


async def test_forget_removes_thread_links(store: Store) -> None:
    """Forgetting a patient also forgets which staff thread was theirs."""
    conv, _ = await _claimed(store)
    await store.link_thread("1700000000.000100", conv.id)
    await store.forget(conv.user_key)
    assert await store.conversation_for_thread("1700000000.000100") is None
