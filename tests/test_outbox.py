"""Outbox payloads as saved JSON: every shape earlier versions saved reads as a value, a payload
that cannot be read is `Unreadable` (named, never quoted), and what is written is the JSON the
dict-based builders wrote, key for key."""

import json

import pytest

from bot.core.decision import Choice
from bot.pipeline.outbox import (
    Confirm,
    LineMessage,
    Outbound,
    Payload,
    SlackCard,
    SlackErased,
    SlackThread,
    SlackUpdate,
    Unreadable,
    UnreadablePayloadError,
    decode,
    encode,
    readable,
    retry_key,
)
from bot.store import Channel

# The LINE payload of 40dc192 (the first server): no `confirm`, no `notice`.
FIRST_LINE = {
    "user_id": "U1",
    "texts": ["費用は..."],
    "choices": [["メニュー", "menu=1"]],
    "reply_token": "rt",
    "reply_allowed": True,
    "kind": "answer",
    "topic": "cost",
    "lang": "ja",
    "content_hash": "abc",
}
# A staff reply relayed to LINE (2eb6243 on): with the Slack message to confirm.
STAFF_REPLY = {
    **FIRST_LINE,
    "texts": ["スタッフ\nどうぞ"],
    "choices": [],
    "reply_token": None,
    "reply_allowed": False,
    "kind": "staff",
    "topic": None,
    "content_hash": None,
    "confirm": {"ts": "1.3", "thread": "1.2"},
    "notice": False,
}


@pytest.mark.parametrize(
    ("channel", "stored", "expected"),
    [
        pytest.param(
            "line",
            FIRST_LINE,
            LineMessage(
                user_id="U1",
                texts=("費用は...",),
                kind="answer",
                topic="cost",
                lang="ja",
                choices=(Choice("メニュー", "menu=1"),),
                reply_token="rt",
                reply_allowed=True,
                content_hash="abc",
            ),
            id="line-before-confirm-and-notice",
        ),
        pytest.param(
            "line",
            STAFF_REPLY,
            LineMessage(
                user_id="U1",
                texts=("スタッフ\nどうぞ",),
                kind="staff",
                topic=None,
                lang="ja",
                confirm=Confirm("1.3", "1.2"),
            ),
            id="line-staff-reply",
        ),
        pytest.param("slack", {"op": "card"}, SlackCard(), id="card"),
        pytest.param(
            "slack",
            {"op": "thread", "what": "patient", "text": "まだ痛い"},
            SlackThread("patient", "まだ痛い"),
            id="thread",
        ),
        pytest.param(
            "slack", {"op": "thread", "what": "reannounce"}, SlackThread("reannounce"), id="no-text"
        ),
        pytest.param(
            "slack", {"op": "update", "status": "idle", "by": None}, SlackUpdate("idle"), id="idle"
        ),
        pytest.param(
            "slack", {"op": "update", "status": "taken"}, SlackUpdate("taken"), id="no-by"
        ),
        pytest.param("slack", {"op": "erased", "thread": "1.2"}, SlackErased("1.2"), id="erased"),
    ],
)
def test_every_saved_shape_decodes(channel: Channel, stored: object, expected: Payload) -> None:
    assert decode(channel, json.dumps(stored, ensure_ascii=False)) == expected


@pytest.mark.parametrize(
    ("channel", "stored", "reason"),
    [
        pytest.param("line", "not json", "not JSON", id="not-json"),
        pytest.param("line", "[1]", "not a JSON object", id="not-an-object"),
        pytest.param("line", '{"text": "SECRET"}', "line payload: user_id", id="test-fixture"),
        pytest.param(
            "line",
            json.dumps({**FIRST_LINE, "texts": "SECRET"}),
            "line payload: texts",
            id="texts-not-a-list",
        ),
        pytest.param(
            "line", json.dumps({**FIRST_LINE, "lang": "ko"}), "line payload: lang", id="lang"
        ),
        pytest.param(
            "line",
            json.dumps({**FIRST_LINE, "choices": [["SECRET"]]}),
            "line payload: choices",
            id="choice-not-a-pair",
        ),
        pytest.param(
            "line",
            json.dumps({**STAFF_REPLY, "confirm": {"ts": "1.3"}}),
            "line payload: thread",
            id="confirm-without-thread",
        ),
        pytest.param("slack", '{"op": "fax"}', "slack payload: op", id="unknown-op"),
        pytest.param(
            "slack", '{"op": "thread", "what": "SECRET"}', "slack payload: what", id="unknown-line"
        ),
        pytest.param("slack", '{"op": "update"}', "slack payload: status", id="no-status"),
        pytest.param("slack", '{"op": "erased"}', "slack payload: thread", id="no-thread"),
    ],
)
def test_unreadable_payloads_are_named_not_quoted(
    channel: Channel, stored: str, reason: str
) -> None:
    """The sender fails the event for such a row (retried, then surfaced to staff); the reason
    is safe to log."""
    payload = decode(channel, stored)
    assert isinstance(payload, Unreadable)
    assert payload.reason.startswith(reason) and "SECRET" not in payload.reason
    with pytest.raises(UnreadablePayloadError):
        readable(payload)


@pytest.mark.parametrize(
    ("message", "channel", "written"),
    [
        pytest.param(
            Outbound(
                LineMessage(
                    user_id="U1",
                    texts=("費用は...",),
                    kind="answer",
                    topic="cost",
                    lang="ja",
                    choices=(Choice("メニュー", "menu=1"),),
                    reply_token="rt",
                    reply_allowed=True,
                    content_hash="abc",
                ),
                "k",
            ),
            "line",
            {**FIRST_LINE, "confirm": None, "notice": False},
            id="line",
        ),
        pytest.param(Outbound(SlackCard()), "slack", {"op": "card"}, id="card"),
        pytest.param(
            Outbound(SlackThread("patient", "痛い")),
            "slack",
            {"op": "thread", "what": "patient", "text": "痛い"},
            id="thread",
        ),
        pytest.param(
            Outbound(SlackUpdate("closed", "U1")),
            "slack",
            {"op": "update", "status": "closed", "by": "U1"},
            id="update",
        ),
        pytest.param(
            Outbound(SlackErased("1.2")), "slack", {"op": "erased", "thread": "1.2"}, id="erased"
        ),
    ],
)
def test_written_as_the_dict_based_builders_wrote(
    message: Outbound, channel: Channel, written: dict[str, object]
) -> None:
    """Same keys, same values, non-ASCII kept: rows stay readable by the previous version."""
    row = encode(message)
    assert (row.channel, row.retry_key) == (channel, message.retry_key)
    assert row.payload == json.dumps(written, ensure_ascii=False)  # byte for byte
    assert decode(row.channel, row.payload) == message.payload


def test_retry_keys_are_derived_from_the_event() -> None:
    """The same message of the same event gets the same key after any crash."""
    assert retry_key("line", "e1", 0) == retry_key("line", "e1", 0) != retry_key("line", "e1", 1)
