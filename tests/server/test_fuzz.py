"""Fuzzing the two endpoints with signed requests: never a 5xx, never a traceback.

Every body here carries a valid signature, so nothing is turned away at the door for that: it
must be classified. Hypothesis draws raw bytes, arbitrary JSON, and LINE and Slack bodies shaped
like the real ones whose fields are, at random, of the right type or any JSON value, with text
from all of Unicode (NUL and lone surrogates included, escaped as a JSON encoder writes them).
The webhook must answer 200 or a 4xx with a JSON reason, and every LINE event it accepted must
then be handled once: done, or stored as unprocessable, never retried (an event that fails once
holds up its patient's next message for seconds).

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (which refuses NUL in text).
"""

import hashlib
import hmac
import json
import os
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.faults.conftest import Rows, _database
from tests.server import events
from tests.server.conftest import SECRET, Bot, StartBot, slack_env
from tests.standins import slack_requests as sr
from tests.standins.slack_api import SlackStandin

# Examples per property, per backend (each is one HTTP request; LINE's also waits for the worker).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # one example may wait for the worker
    database=None,  # no .hypothesis/ folder in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DEEP = [1, 31, 33, 200, 999, 1000, 5000]  # nesting around our limit and the decoder's

# Text from every code point: NUL, controls, lone surrogates, emoji, kanji.
TEXT = st.text(st.characters(codec=None, categories=None), max_size=40)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def either(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field as LINE or Slack writes it, or, one time in four, any JSON value at all."""
    return st.one_of(good, good, good, JSON)


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def sign_line(raw: bytes) -> dict[str, str]:
    return {"X-Line-Signature": events.sign(SECRET, raw), "Content-Type": "application/json"}


def sign_slack(raw: bytes, content_type: str) -> dict[str, str]:
    at = str(int(time.time()))
    base = b"v0:" + at.encode() + b":" + raw
    digest = hmac.new(sr.SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Signature": f"v0={digest}",
        "X-Slack-Request-Timestamp": at,
        "Content-Type": content_type,
    }


@st.composite
def line_event(draw: st.DrawFn) -> dict[str, Any]:
    """One event shaped like LINE's, each field well typed or not, some fields left out."""
    user = draw(either(st.sampled_from([events.PATIENT, "U" + "b" * 32, "U" + "c" * 32])))
    kind = draw(either(st.sampled_from(["message", "follow", "unfollow", "postback", "other"])))
    event: dict[str, Any] = {
        "type": kind,
        "mode": draw(either(st.just("active"))),
        "timestamp": draw(either(st.integers(0, 2**45))),
        "source": draw(
            either(st.fixed_dictionaries({"type": st.just("user"), "userId": st.just(user)}))
        ),
        "webhookEventId": events.event_id(),
        "deliveryContext": draw(either(st.fixed_dictionaries({"isRedelivery": st.booleans()}))),
        "replyToken": draw(either(st.text("0123456789abcdef", min_size=32, max_size=32))),
        "message": draw(
            either(
                st.fixed_dictionaries(
                    {"type": either(st.sampled_from(["text", "sticker"])), "id": st.just("1")},
                    optional={"text": either(TEXT)},
                )
            )
        ),
        "postback": draw(either(st.fixed_dictionaries({"data": either(TEXT)}))),
    }
    dropped = draw(st.sets(st.sampled_from(sorted(set(event) - {"webhookEventId"}))))
    return {k: v for k, v in event.items() if k not in dropped}


@st.composite
def slack_body(draw: st.DrawFn) -> tuple[bytes, str]:
    """An Events API envelope, a button press or a slash command, fields well typed or not."""
    shape = draw(st.sampled_from(["event", "action", "command"]))
    if shape == "event":
        event = draw(
            st.fixed_dictionaries(
                {"type": either(st.sampled_from(["message", "app_mention", "reaction_added"]))},
                optional={
                    "channel": either(st.just(sr.STAFF_CHANNEL)),
                    "user": either(st.just(sr.STAFF_USER_ID)),
                    "text": either(TEXT),
                    "ts": either(st.just(sr.REPLY_TS)),
                    "thread_ts": either(st.just(sr.PARENT_TS)),
                    "subtype": either(st.sampled_from(["thread_broadcast", "message_changed"])),
                    "bot_id": either(st.just(sr.OTHER_BOT_ID)),
                },
            )
        )
        envelope = {
            "type": draw(either(st.just("event_callback"))),
            "event_id": draw(either(st.just(f"Ev{uuid.uuid4().hex[:10]}"))),
            "team_id": draw(either(st.just("T0CLINIC1"))),
            "event": draw(either(st.just(event))),
            "authorizations": draw(either(st.just([{"team_id": "T0CLINIC1"}]))),
        }
        return json.dumps(envelope).encode(), "application/json"
    if shape == "action":
        action = draw(
            st.fixed_dictionaries(
                {"action_id": either(st.sampled_from(["handoff_take", "handoff_close", "x"]))},
                optional={"value": either(TEXT), "action_ts": either(st.just("1700000000.1"))},
            )
        )
        payload = {
            "type": draw(either(st.just("block_actions"))),
            "user": draw(either(st.fixed_dictionaries({"id": either(st.just("U222STAFF"))}))),
            "actions": draw(either(st.lists(st.just(action), max_size=2))),
            "team": draw(either(st.fixed_dictionaries({"id": st.just("T0CLINIC1")}))),
        }
        return urlencode({"payload": json.dumps(payload)}).encode(), (
            "application/x-www-form-urlencoded"
        )
    text = draw(TEXT).encode("utf-8", "surrogatepass")  # a command's text is whatever was typed
    command = draw(st.sampled_from([b"/faq", b"/faq-stats", b"/other"]))
    form = b"command=" + command + b"&text=" + text.replace(b"&", b"%26") + b"&user_id=U1"
    return form, "application/x-www-form-urlencoded"


__all__ = ["_database"]  # the `database` fixture: SQLite, and PostgreSQL when configured


@pytest.fixture(name="fuzzed")
async def _fuzzed(
    database: tuple[str, Rows], start_bot: StartBot, slack_standin: SlackStandin
) -> tuple[Bot, Rows]:
    """The server, with Slack, on the backend."""
    url, rows = database
    return await start_bot(url, **slack_env(slack_standin.base_url)), rows


async def _post(bot: Bot, path: str, raw: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with bot.http.post(bot.url + path, data=raw, headers=headers) as resp:
        return resp.status, await resp.text()


def _classified(status: int, text: str) -> None:
    """The property: a 2xx, or a 4xx with a JSON reason; never a 5xx, never a traceback."""
    assert status < 500, text[:300]
    assert "Traceback" not in text and 'File "' not in text
    if status in (400, 408, 413) and text:
        assert "error" in json.loads(text) or status == 413


async def _handled_once(bot: Bot, rows: Rows) -> None:
    """Every stored event was handled at its first attempt, or stored as unprocessable."""
    await bot.settle()
    for status, attempts, error in await rows():
        unprocessable = status == "failed" and str(error).startswith("unprocessable:")
        assert status == "done" or unprocessable, (status, attempts, error)
        assert attempts <= 1, (status, attempts, error)


@FUZZ
@given(raw=st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode()))
@example(raw=b'{"destination": "x", "events": ' + deep(1000).encode() + b"}")
@example(raw=deep(5000).encode())
@example(raw=b"\xff\xfe")
@example(raw=b'{"events": [{"webhookEventId": ""}]}')
async def test_line_webhook_classifies_any_signed_body(
    fuzzed: tuple[Bot, Rows], raw: bytes
) -> None:
    """Bytes and JSON that are rarely envelopes: 400 with a reason (200 for a valid one)."""
    bot, _ = fuzzed
    _classified(*await _post(bot, "/line/webhook", raw, sign_line(raw)))


@FUZZ
@given(batch=st.lists(line_event(), min_size=1, max_size=3))
@example(batch=[events.text("NUL \u0000 here")])
@example(batch=[events.text("lone \ud800 surrogate")])
@example(batch=[{**events.text("cost?"), "timestamp": "abc"}])
@example(batch=[{**events.text("cost?"), "deliveryContext": "yes"}])
@example(batch=[{**events.text("cost?"), "timestamp": 10**30}])
async def test_line_events_are_handled_once_or_stored_as_unprocessable(
    fuzzed: tuple[Bot, Rows], batch: list[dict[str, Any]]
) -> None:
    """Envelopes of LINE-shaped events with any text and mistyped fields: 200, then each event
    handled at its first attempt or stored as unprocessable; nothing retried."""
    bot, rows = fuzzed
    raw = json.dumps({"destination": events.DESTINATION, "events": batch}).encode()
    status, text = await _post(bot, "/line/webhook", raw, sign_line(raw))
    _classified(status, text)
    assert status == 200, text
    await _handled_once(bot, rows)


@pytest.mark.parametrize("depth", DEEP)
async def test_line_webhook_refuses_deep_nesting_with_400(
    fuzzed: tuple[Bot, Rows], depth: int
) -> None:
    """An event nested past the limit is a 400 (it was a 500 from the JSON codec's recursion)."""
    bot, _ = fuzzed
    event = {**events.text("x"), "extra": json.loads(deep(min(depth, 900)))}
    raw = json.dumps({"events": [event]}).encode() if depth < 900 else deep(depth).encode()
    status, text = await _post(bot, "/line/webhook", raw, sign_line(raw))
    _classified(status, text)
    assert status == (200 if depth < 31 else 400)


@FUZZ
@given(body=slack_body() | st.tuples(st.binary(max_size=200), st.just("application/json")))
@example(body=(deep(1000).encode(), "application/json"))
@example(body=(urlencode({"payload": deep(3000)}).encode(), "application/x-www-form-urlencoded"))
@example(body=(b'{"type": "event_callback", "event": [1]}', "application/json"))
async def test_slack_endpoint_classifies_any_signed_body(
    fuzzed: tuple[Bot, Rows], body: tuple[bytes, str]
) -> None:
    """Events, button presses, commands and junk, all signed: never a 5xx or a traceback."""
    bot, _ = fuzzed
    raw, content_type = body
    _classified(*await _post(bot, "/slack/events", raw, sign_slack(raw, content_type)))
