"""Conversation data as stored JSON: every shape earlier versions wrote reads as a value, bad
fields read as defaults (named in a warning, never quoted), and what is written is the JSON the
dict-based code wrote, key for key."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.decision import Owner
from bot.core.handoff import Card, Handoff, Policy, next_deadline, open_handoff, tick
from bot.store import ConversationData, Undelivered
from bot.store.codec import decode_data, encode_data

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=15)
# A hand-off as 2eb6243 (the first with staff on Slack) saved it, card and all.
FIRST_HANDOFF = {
    "id": "5f1d",
    "reason": "asked",
    "urgent": False,
    "opened_at": T0.isoformat(),
    "last_activity": T0.isoformat(),
    "reannounce_at": T1.isoformat(),
    "reannounced": 0,
    "thread_ts": "1700000000.000100",
    "staff": None,
    "card": {
        "reason": "asked",
        "urgent": False,
        "lang": "ja",
        "name": None,
        "recent": ["費用は? → answer: cost"],
    },
}


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        pytest.param("{}", ConversationData(), id="empty"),
        pytest.param('{"handoff": null}', ConversationData(), id="handoff-null-after-a-tick"),
        pytest.param(
            '{"handoff": {"reason": "asked"}}',
            ConversationData(handoff=Handoff(reason="asked")),
            id="v1-reason-only",
        ),
        pytest.param(
            json.dumps({"handoff": FIRST_HANDOFF}),
            ConversationData(
                handoff=Handoff(
                    id="5f1d",
                    reason="asked",
                    opened_at=T0,
                    last_activity=T0,
                    reannounce_at=T1,
                    thread_ts="1700000000.000100",
                    card=Card(recent=("費用は? → answer: cost",)),
                )
            ),
            id="first-slack-version",
        ),
        pytest.param(
            json.dumps(
                {
                    "handoff": {
                        **FIRST_HANDOFF,
                        "closed": True,
                        "closed_by": "U1",
                        "returned_by": "U2",
                        "staff": "U1",
                        "reannounced": 2,
                    }
                }
            ),
            ConversationData(
                handoff=Handoff(
                    id="5f1d",
                    reason="asked",
                    opened_at=T0,
                    last_activity=T0,
                    reannounce_at=T1,
                    reannounced=2,
                    thread_ts="1700000000.000100",
                    staff="U1",
                    closed=True,
                    closed_by="U1",
                    returned_by="U2",
                    card=Card(recent=("費用は? → answer: cost",)),
                )
            ),
            id="closed-and-returned",
        ),
        pytest.param(
            '{"handoff": {"card": {"reason": "asked", "name": "Hanako"}, "closed": true}}',
            ConversationData(handoff=Handoff(closed=True, card=Card(name="Hanako"))),
            id="card-pruned-of-quotes",
        ),
        pytest.param(
            '{"name": "Hanako", "undelivered": [{"outgoing_id": 7, "error": "quota_exceeded",'
            ' "at": "2026-11-27T09:00:00+00:00"}]}',
            ConversationData(name="Hanako", undelivered=(Undelivered(7, "quota_exceeded", T0),)),
            id="name-and-undelivered",
        ),
        pytest.param(
            '{"menu": 1, "thread": "1.2"}',
            ConversationData(other={"menu": 1, "thread": "1.2"}),
            id="unknown-keys-kept",
        ),
    ],
)
def test_every_stored_shape_decodes(stored: str, expected: ConversationData) -> None:
    """Rows from every earlier version read as values, without a warning."""
    assert decode_data(stored, "c1") == expected


@pytest.mark.parametrize(
    ("stored", "expected", "fields"),
    [
        pytest.param("[1, 2]", ConversationData(), ["(not a JSON object)"], id="not-an-object"),
        pytest.param("{nope", ConversationData(), ["(not a JSON object)"], id="not-json"),
        pytest.param(
            '{"handoff": "SECRET"}', ConversationData(), ["handoff"], id="handoff-not-an-object"
        ),
        pytest.param(
            '{"handoff": {"urgent": "SECRET", "opened_at": "SECRET", "reannounced": "2"}}',
            ConversationData(handoff=Handoff()),
            ["handoff.opened_at", "handoff.reannounced", "handoff.urgent"],
            id="mistyped-fields",
        ),
        pytest.param(
            '{"handoff": {"card": {"lang": "ko", "recent": ["a", 2]}}, "name": 5}',
            ConversationData(handoff=Handoff(card=Card())),
            ["handoff.card.lang", "handoff.card.recent", "name"],
            id="mistyped-card",
        ),
        pytest.param(
            '{"undelivered": [{"outgoing_id": "x", "error": "e"}, "SECRET"]}',
            ConversationData(undelivered=(Undelivered(None, "e", None),)),
            ["undelivered[]", "undelivered[].outgoing_id"],
            id="mistyped-notes",
        ),
    ],
)
def test_malformed_data_reads_as_defaults_and_is_named_not_quoted(
    stored: str, expected: ConversationData, fields: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A conversation never fails to load (it would hold up its patient, and a claim that
    raises stops the worker); the warning names the fields, never their values."""
    with caplog.at_level(logging.WARNING, logger="bot.store.codec"):
        assert decode_data(stored, "c1") == expected
    (record,) = caplog.records
    assert record.fields == {"conversation": "c1", "fields": fields}  # type: ignore[attr-defined]
    assert "SECRET" not in repr(record.__dict__)


def test_naive_time_reads_as_utc() -> None:
    """Never written, but harmless to accept: a time without an offset is UTC."""
    data = decode_data('{"handoff": {"last_activity": "2026-11-27T09:00:00"}}', "c1")
    assert data.handoff == Handoff(last_activity=T0)


def test_a_new_handoff_is_written_as_the_dict_based_code_wrote_it() -> None:
    """The JSON keys and formats are unchanged, so the previous version (during a deploy) and
    the retention's pruning read new rows as before."""
    step = open_handoff(Owner.BOT, None, "asked", False, T0, Policy())
    assert step.handoff is not None
    card = Card(name="Hanako", recent=("費用は? → answer: cost",))
    handoff = replace(step.handoff, card=card)
    written = json.loads(encode_data(ConversationData(handoff=handoff, name="Hanako")))
    assert written == {
        "handoff": {
            "id": step.handoff.id,
            "reason": "asked",
            "urgent": False,
            "opened_at": T0.isoformat(),
            "last_activity": T0.isoformat(),
            "reannounce_at": T1.isoformat(),
            "reannounced": 0,
            "thread_ts": None,
            "staff": None,
            "closed": False,
            "closed_by": None,
            "returned_by": None,
            "card": {
                "reason": "asked",
                "urgent": False,
                "lang": "ja",
                "name": "Hanako",
                "recent": ["費用は? → answer: cost"],
            },
        },
        "name": "Hanako",
    }


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(ConversationData(), id="empty"),
        pytest.param(ConversationData(handoff=Handoff(reason="asked")), id="sparse-handoff"),
        pytest.param(
            ConversationData(
                handoff=Handoff(
                    id="h",
                    reason="symptom:fever",
                    urgent=True,
                    opened_at=T0,
                    last_activity=T1,
                    reannounce_at=T1,
                    reannounced=1,
                    thread_ts="1.2",
                    staff="U1",
                    closed=True,
                    closed_by="U1",
                    returned_by="U2",
                    card=Card("emergency", True, "en", "Hanako", ("- → emergency",)),
                ),
                name="Hanako",
                undelivered=(Undelivered(3, "quota_exceeded", T0),),
                other={"menu": 1, "nested": {"a": [1, None]}},
            ),
            id="everything",
        ),
        pytest.param(ConversationData(handoff=Handoff(card=Card(recent=()))), id="no-quotes-yet"),
    ],
)
def test_round_trip(data: ConversationData) -> None:
    """What is written reads back as the same value."""
    assert decode_data(encode_data(data), "c1") == data


def test_empty_data_is_written_as_a_reset_writes_it() -> None:
    assert encode_data(ConversationData()) == "{}"


def test_version_1_handoff_has_no_deadline_and_ticks_to_nothing() -> None:
    """A v1 row's hand-off (reason only) is read as it always was: no deadline is due, so
    the scheduler leaves it and a tick changes nothing."""
    handoff = decode_data('{"handoff": {"reason": "asked"}}', "c1").handoff
    assert next_deadline(Owner.WAITING, handoff, Policy()) is None
    step = tick(Owner.WAITING, handoff, T0, Policy())
    assert (step.owner, step.handoff, step.effects) == (Owner.WAITING, handoff, ())
