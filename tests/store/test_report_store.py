"""Contract: `Store.unanswered` feeds the unanswered-questions report (SQLite and PostgreSQL).

It returns fallbacks and clarifications of a period, marks the misses that brought staff in,
and never returns anything of a patient who opted out of storage or erased their data; the
report built over it counts text the retention erased without showing it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.knowledge import Knowledge
from bot.report import SLACK, last_days, markdown, to_csv, unanswered_report
from bot.store import AuditEntry, Conversation, Store
from bot.store.rows import iso
from tests.store.builders import LEASE, NOW, FakeClock, event
from tests.store.conftest import Backend

OPTED_OUT = "MARKER-opted-out-parking"
ERASED = "MARKER-erased-parking"


async def _patient(store: Store, user: str) -> Conversation:
    """A patient's conversation, as the first LINE event creates it."""
    await store.enqueue([event(f"first-{user}", user)])
    claimed = await store.claim(NOW, LEASE)
    assert claimed is not None and claimed.conversation is not None
    await store.finish(claimed.id, NOW)
    return claimed.conversation


def _entry(
    conv: Conversation | None,
    kind: str,
    *,
    topic: str | None = None,
    text: str | None = "駐車場はありますか",
    at: datetime = NOW,
) -> AuditEntry:
    return AuditEntry(
        at=at,
        conversation_id=conv.id if conv else None,
        user_key=conv.user_key if conv else None,
        topic=kind if topic is None else topic,
        content_hash=None,
        lang="ja",
        method="reply",
        result="ok",
        text=text,
        kind=kind,
    )


def _owner(conv: Conversation, reason: str, at: datetime = NOW) -> AuditEntry:
    """The audit row of a hand-off opening, as the worker writes it before the reply's."""
    return replace(
        _entry(conv, "owner:bot->waiting", topic=reason, text=None, at=at),
        method="line",
        result="fallback",
    )


async def test_unanswered_returns_fallbacks_and_clarifications_of_the_period(
    store: Store,
) -> None:
    """Answers, stickers, hand-off and privacy rows are no unanswered question; the period is
    [start, end); rows come oldest first, with what the report needs and no user id."""
    conv = await _patient(store, "U-alice")
    hour = timedelta(hours=1)
    for entry in [
        _entry(conv, "fallback", at=NOW - 2 * hour, text="first miss"),
        _entry(conv, "clarify", topic="cost", at=NOW - hour, text="値段は"),
        _entry(conv, "answer", topic="cost"),
        _entry(conv, "fallback", topic="media", text=None),
        _entry(conv, "privacy:notice", text=None),
        _entry(conv, "emergency", topic="emergency:chest_pain"),
        _entry(conv, "fallback", at=NOW + hour, text="after the end"),
        _entry(conv, "fallback", at=NOW - 3 * hour, text="before the start"),
    ]:
        await store.audit(entry)

    rows = await store.unanswered(NOW - 2 * hour, NOW + hour)

    assert [(r.kind, r.topic, r.text) for r in rows] == [
        ("fallback", "fallback", "first miss"),
        ("clarify", "cost", "値段は"),
    ]
    assert rows[0].at == NOW - 2 * hour and rows[0].conversation_id == conv.id
    assert rows[1].lang == "ja" and not rows[1].handed_off
    assert not hasattr(rows[0], "user_key")


async def test_a_miss_right_after_an_unanswered_handoff_is_marked(store: Store) -> None:
    """The second miss in a row opens a hand-off ("unanswered"): its row follows the owner
    change. A miss after a hand-off for another reason, or later on, is not marked."""
    conv = await _patient(store, "U-alice")
    other = await _patient(store, "U-bob")
    for entry in [
        _entry(conv, "fallback", text="one"),
        _owner(conv, "unanswered"),
        _entry(other, "fallback", text="bob in between"),  # another patient's row
        _entry(conv, "fallback", text="two"),
        _entry(conv, "fallback", text="three"),
        _owner(other, "asked"),
        _entry(other, "fallback", text="bob after asking"),
    ]:
        await store.audit(entry)

    rows = await store.unanswered(NOW - LEASE, NOW + LEASE)

    assert {(r.text, r.handed_off) for r in rows} == {
        ("one", False),
        ("bob in between", False),
        ("two", True),
        ("three", False),
        ("bob after asking", False),
    }


async def test_nothing_of_a_patient_who_opted_out(
    store: Store, backend: Backend, clock: FakeClock, knowledge: Knowledge
) -> None:
    """An opted-out patient's rows are skipped whole: not counted, and not shown even if a row
    still held text (written here behind the store's back)."""
    kept = await _patient(store, "U-kept")
    opted = await _patient(store, "U-opted")
    await store.audit(_entry(kept, "fallback"))
    await store.audit(_entry(opted, "fallback", text=OPTED_OUT))  # before the opt-out
    saved = await store.commit(replace(opted, opted_out_at=clock.now), [], None)
    assert saved is not None
    await store.audit(_entry(opted, "clarify", text=OPTED_OUT))  # stored without text
    await backend.execute(
        "INSERT INTO audit (at, conversation_id, user_key, topic, text, kind) VALUES"
        f" ('{iso(NOW)}', '{opted.id}', 'U-opted', 'fallback', '{OPTED_OUT}', 'fallback')"
    )

    rows = await store.unanswered(NOW - LEASE, NOW + LEASE)
    clock.now = NOW + timedelta(hours=1)
    report = await unanswered_report(store, knowledge, last_days(clock.now))

    assert [r.conversation_id for r in rows] == [kept.id]
    assert (report.total.messages, report.total.patients, report.erased.messages) == (1, 1, 0)
    for output in (markdown(report), markdown(report, SLACK), to_csv(report)):
        assert OPTED_OUT not in output


async def test_nothing_of_a_patient_who_erased_their_data(store: Store) -> None:
    """Erasure anonymises audit rows (no conversation): they no longer count as anyone's."""
    gone = await _patient(store, "U-gone")
    await store.audit(_entry(gone, "fallback", text=ERASED))

    await store.forget("U-gone", by="patient")

    assert await store.unanswered(NOW - LEASE, NOW + LEASE) == []


async def test_report_over_a_seeded_store(
    store: Store, clock: FakeClock, knowledge: Knowledge
) -> None:
    """Three patients asked about parking this week and one the week before, one more
    question was asked; text older than the retention is counted, not shown."""
    patients = [await _patient(store, f"U-{n}") for n in range(5)]
    day = timedelta(days=1)
    for entry in [
        _entry(patients[0], "fallback", text="駐車場はありますか", at=NOW - day),
        _entry(patients[1], "fallback", text="駐車場ありますか？", at=NOW - 2 * day),
        _owner(patients[1], "unanswered", at=NOW - 2 * day),
        _entry(patients[1], "fallback", text="ちゅうしゃじょうある？", at=NOW - 2 * day),
        _entry(patients[2], "clarify", topic="cost", text="駐車場の料金は", at=NOW - 3 * day),
        _entry(patients[3], "fallback", text="駐車場はありますか", at=NOW - 8 * day),
        _entry(patients[4], "fallback", text="do you take credit cards", at=NOW - day),
        _entry(patients[4], "fallback", text=ERASED, at=NOW - 9 * day),
    ]:
        await store.audit(entry)
    await store.prune(NOW, timedelta(days=8, hours=12))  # erases the 9-day-old text

    report = await unanswered_report(store, knowledge, last_days(NOW))
    text = markdown(report)

    parking = report.groups[0]
    assert parking.wording == "駐車場はありますか"
    assert (parking.messages, parking.patients, parking.previous, parking.handoffs) == (4, 3, 1, 1)
    assert (report.total.messages, report.total.patients) == (5, 4)
    assert (report.total.previous_messages, report.erased.previous_messages) == (2, 1)
    assert "do you take credit cards" in text
    assert ERASED not in text and "counted above but not shown" in text
    assert not any(p.id in text or p.user_key in text for p in patients)
