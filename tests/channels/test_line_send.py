"""LineSender against the LINE stand-in: real SDK, real HTTP on loopback, no mocks."""

import logging
import re

import pytest
from linebot.v3.messaging import AsyncMessagingApi

from bot.channels.line_send import Delivery, LineSender, Outgoing, render
from bot.core.decision import Choice
from bot.line_limits import utf16_length
from tests.standins.line_api import LOADING, PUSH, REPLY, Forced, LineStandin

USER = "U4af4980629abcdef0123456789abcdef"
KEY = "123e4567-e89b-12d3-a456-426614174000"
OTHER_KEY = "9b2f5d1c-0e3a-4c8e-9f7b-6a5d4c3b2a10"
TOKEN = "38ef843bde154d9b91c21320ffd17a0f"
TEXT = "本日の受付は18時までです。"
MONTHLY_LIMIT = {"message": "You have reached your monthly limit."}
RATE_LIMIT = {"message": "The API rate limit has been exceeded. Try again later."}


@pytest.fixture(name="delays")
def _delays() -> list[float]:
    """The back-off delays the sender asked for, instead of sleeping them."""
    return []


@pytest.fixture(name="sender")
def _sender(line_api: AsyncMessagingApi, delays: list[float]) -> LineSender:
    """A sender with a short timeout and a sleep that only records."""

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    return LineSender(line_api, timeout=0.3, push_attempts=4, backoff=0.5, sleep=sleep)


def outgoing(
    *texts: str,
    token: str | None = None,
    key: str = KEY,
    choices: tuple[Choice, ...] = (),
) -> Outgoing:
    """An `Outgoing` for the test patient; one Japanese text unless told otherwise."""
    return Outgoing(
        user_id=USER, texts=texts or (TEXT,), choices=choices, reply_token=token, retry_key=key
    )


async def test_reply_token_is_used_once_and_free(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """A fresh reply token sends by reply, with no push and no retry key."""
    delivery = await sender.send(outgoing(token=TOKEN))

    assert delivery == Delivery("reply", ok=True, status=200, error=None)
    [reply] = line_standin.calls(REPLY)
    assert reply.body == {
        "replyToken": TOKEN,
        "messages": [{"type": "text", "text": TEXT}],
        "notificationDisabled": False,
    }
    assert "X-Line-Retry-Key" not in reply.headers
    assert line_standin.calls(PUSH) == []


async def test_used_token_falls_back_to_push_with_retry_key(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """A second send with an already-used token goes out by push, carrying its retry key."""
    await sender.send(outgoing(token=TOKEN, key=OTHER_KEY))

    delivery = await sender.send(outgoing("二通目", token=TOKEN))

    assert delivery == Delivery("push", ok=True, status=200, error=None)
    assert [r.status for r in line_standin.calls(REPLY)] == [200, 400]
    [push] = line_standin.calls(PUSH)
    assert push.headers["X-Line-Retry-Key"] == KEY
    assert push.body == {
        "to": USER,
        "messages": [{"type": "text", "text": "二通目"}],
        "notificationDisabled": False,
    }


async def test_expired_token_falls_back_to_push(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """An expired token gets 400 from LINE, and the message is pushed instead."""
    line_standin.expired.add(TOKEN)

    delivery = await sender.send(outgoing(token=TOKEN))

    assert delivery.method == "push"
    assert delivery.ok
    assert [(d.to, d.via) for d in line_standin.delivered] == [(USER, "push")]


async def test_reply_not_allowed_pushes_without_touching_the_token(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """With reply_allowed=False the token is left alone and the message is pushed."""
    delivery = await sender.send(outgoing(token=TOKEN), reply_allowed=False)

    assert delivery.method == "push"
    assert line_standin.calls(REPLY) == []


@pytest.mark.parametrize(
    "failure", [Forced(status=500), Forced(delay=1.0)], ids=["reply-5xx", "reply-timeout"]
)
async def test_reply_server_error_or_timeout_falls_back_to_push(
    sender: LineSender, line_standin: LineStandin, failure: Forced
) -> None:
    """A reply that failed on LINE's side or timed out is pushed; a late duplicate beats a loss."""
    line_standin.script(REPLY, failure)

    delivery = await sender.send(outgoing(token=TOKEN))

    assert delivery == Delivery("push", ok=True, status=200, error=None)
    assert len(line_standin.calls(PUSH)) == 1


async def test_reply_429_is_retryable_and_does_not_push(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """A rate-limited reply is not turned into a push, which would cost quota and hit 429 too;
    it is retryable (bot.pipeline.delivery tries the token again), not an alert."""
    line_standin.script(REPLY, Forced(status=429, body=RATE_LIMIT))

    delivery = await sender.send(outgoing(token=TOKEN))

    assert delivery == Delivery("reply", ok=False, status=429, error="rate_limited")
    assert delivery.retryable
    assert line_standin.calls(PUSH) == []


async def test_push_retries_5xx_with_same_key_and_backoff(
    sender: LineSender, line_standin: LineStandin, delays: list[float]
) -> None:
    """Two 500s then success: three attempts, one key, exponential back-off, one delivery."""
    line_standin.script(PUSH, 500, 500, 200)

    delivery = await sender.send(outgoing())

    assert delivery == Delivery("push", ok=True, status=200, error=None)
    pushes = line_standin.calls(PUSH)
    assert [r.status for r in pushes] == [500, 500, 200]
    assert {r.headers["X-Line-Retry-Key"] for r in pushes} == {KEY}
    assert delays == [0.5, 1.0]
    assert len(line_standin.delivered) == 1


async def test_push_gives_up_after_its_attempts(
    sender: LineSender, line_standin: LineStandin, delays: list[float]
) -> None:
    """Persistent 5xx ends in failure after push_attempts tries, reporting the last status."""
    line_standin.script(PUSH, 503, 503, 503, 503)

    delivery = await sender.send(outgoing())

    assert delivery == Delivery("push", ok=False, status=503, error="server_error", unknown=True)
    assert delivery.retryable  # the outbox tries again later (bot.pipeline.handle)
    assert len(line_standin.calls(PUSH)) == 4
    assert delays == [0.5, 1.0, 2.0]


async def test_timeout_after_acceptance_retries_and_409_counts_as_sent(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """A push that LINE accepted but answered too late is retried with the same key; 409 is ok."""
    line_standin.script(PUSH, Forced(delay=1.0))

    delivery = await sender.send(outgoing())

    assert delivery == Delivery("push", ok=True, status=409, error=None)
    pushes = line_standin.calls(PUSH)
    assert [r.status for r in pushes] == [200, 409]
    assert {r.headers["X-Line-Retry-Key"] for r in pushes} == {KEY}
    assert len(line_standin.delivered) == 1


async def test_timeout_before_acceptance_retries_and_delivers_once(
    sender: LineSender, line_standin: LineStandin, delays: list[float]
) -> None:
    """A push that timed out before LINE acted is retried with the same key and sent once."""
    line_standin.script(PUSH, Forced(status=503, delay=1.0))

    delivery = await sender.send(outgoing())

    assert delivery == Delivery("push", ok=True, status=200, error=None)
    assert len(line_standin.calls(PUSH)) == 2
    assert delays == [0.5]
    assert len(line_standin.delivered) == 1


async def test_resending_after_a_crash_gets_409_and_counts_as_sent(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """Sending the same Outgoing again (its key persisted) is answered 409 and reported ok."""
    await sender.send(outgoing())

    delivery = await sender.send(outgoing())

    assert delivery == Delivery("push", ok=True, status=409, error=None)
    assert len(line_standin.delivered) == 1


async def test_rate_limit_429_is_retryable_not_an_alert(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """A rate-limit 429 is retried later by the outbox (LINE did not process the request)."""
    line_standin.script(PUSH, Forced(status=429, body=RATE_LIMIT))

    delivery = await sender.send(outgoing())

    assert delivery == Delivery("push", ok=False, status=429, error="rate_limited")
    assert delivery.retryable


async def test_quota_429_alerts_without_retry(
    sender: LineSender, line_standin: LineStandin, caplog: pytest.LogCaptureFixture
) -> None:
    """The monthly-quota 429 is never retried, raises the alert and is logged at ERROR
    without patient data."""
    line_standin.script(PUSH, Forced(status=429, body=MONTHLY_LIMIT))

    delivery = await sender.send(outgoing())

    assert delivery == Delivery("push", ok=False, status=429, error="quota_exceeded", alert=True)
    assert not delivery.retryable
    assert len(line_standin.calls(PUSH)) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors
    assert not any(USER in message or TEXT in message for message in errors)


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, "bad_request"), (401, "unauthorized"), (403, "forbidden")],
)
async def test_other_4xx_on_push_is_not_retried(
    sender: LineSender, line_standin: LineStandin, status: int, error: str
) -> None:
    """A 4xx other than 409 and 429 fails at once with a reason."""
    line_standin.script(PUSH, status)

    delivery = await sender.send(outgoing())

    assert delivery == Delivery("push", ok=False, status=status, error=error)
    assert len(line_standin.calls(PUSH)) == 1


async def test_long_text_splits_at_paragraphs_into_at_most_five(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """A long text with emoji is cut at blank lines into ≤ 5 messages of ≤ 5,000 UTF-16 units."""
    paragraphs = [f"第{n}段落🍎𠀋" + "あ🩺" * 700 for n in range(8)]  # about 2,110 units each
    text = "\n\n".join(paragraphs)
    assert utf16_length(text) > 3 * 5000

    await sender.send(outgoing(text, token=TOKEN))

    [reply] = line_standin.calls(REPLY)
    sent = [message["text"] for message in reply.messages]
    assert 1 < len(sent) <= 5
    assert all(utf16_length(message) <= 5000 for message in sent)
    assert [p for message in sent for p in message.split("\n\n")] == paragraphs


async def test_fourteen_choices_become_thirteen_quick_replies_on_the_last_message(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """Quick replies go on the last message only, capped at LINE's 13."""
    choices = tuple(Choice(f"話題{n}", f"topic=t{n}") for n in range(14))

    await sender.send(outgoing("一通目", "二通目", token=TOKEN, choices=choices))

    first, last = line_standin.calls(REPLY)[0].messages
    assert "quickReply" not in first
    items = last["quickReply"]["items"]
    assert [item["action"]["data"] for item in items] == [f"topic=t{n}" for n in range(13)]


async def test_long_labels_are_truncated_with_an_ellipsis(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """A label over 20 characters becomes 19 plus "…", shown and displayed alike; data is kept."""
    label = "Talk to the clinic staff now"
    choice = Choice(label, "staff=1")

    await sender.send(outgoing(token=TOKEN, choices=(choice,)))

    [item] = line_standin.calls(REPLY)[0].messages[-1]["quickReply"]["items"]
    assert item == {
        "type": "action",
        "action": {
            "type": "postback",
            "label": "Talk to the clinic…",
            "data": "staff=1",
            "displayText": "Talk to the clinic…",
        },
    }


@pytest.mark.parametrize(
    ("asked", "sent"), [(7, 10), (0, 5), (99, 60), (20, 20), (-3, 5), (60, 60)]
)
async def test_loading_seconds_round_up_to_a_multiple_of_five(
    sender: LineSender, line_standin: LineStandin, asked: int, sent: int
) -> None:
    """Loading seconds are rounded up to a multiple of 5 and clamped to 5..60."""
    await sender.show_loading(USER, asked)

    [call] = line_standin.calls(LOADING)
    assert call.body == {"chatId": USER, "loadingSeconds": sent}
    assert call.status == 202


async def test_loading_failure_is_logged_not_raised(
    sender: LineSender, line_standin: LineStandin, caplog: pytest.LogCaptureFixture
) -> None:
    """A failed loading animation logs a WARNING without the user id and raises nothing."""
    line_standin.script(LOADING, 500)

    with caplog.at_level(logging.WARNING):
        await sender.show_loading(USER)

    [record] = [r for r in caplog.records if r.name.startswith("bot.")]
    assert record.levelno == logging.WARNING
    assert USER not in record.getMessage()


async def test_nothing_to_send_makes_no_request(
    sender: LineSender, line_standin: LineStandin
) -> None:
    """Blank texts send nothing and say so."""
    delivery = await sender.send(outgoing(" ", "", token=TOKEN))

    assert delivery == Delivery("none", ok=False, status=None, error="empty")
    assert line_standin.requests == []


async def test_logs_carry_no_text_user_id_or_token(
    sender: LineSender, line_standin: LineStandin, caplog: pytest.LogCaptureFixture
) -> None:
    """Across fallbacks, retries and give-ups, nothing logged at INFO or above is patient data."""
    line_standin.expired.add(TOKEN)
    line_standin.script(PUSH, 500, 500, 500, 500)
    long_text = "\n\n".join([TEXT * 200] * 12)

    with caplog.at_level(logging.DEBUG):
        await sender.send(outgoing(long_text, token=TOKEN, choices=(Choice("x" * 30, "a"),) * 14))

    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert logged
    secrets = re.compile("|".join(map(re.escape, [USER, TOKEN, TEXT[:5], "test-token"])))
    assert [message for message in logged if secrets.search(message)] == []


WOMAN_DOCTOR = "👩\u200d⚕️"  # four code points, five UTF-16 units, one visible character


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        pytest.param(["hi"], ["hi"], id="short-text-stays-whole"),
        pytest.param(["", "  ", " hi\n"], ["hi"], id="blank-texts-dropped-and-trimmed"),
        pytest.param(["a", "b", "c"], ["a", "b", "c"], id="each-text-its-own-bubble"),
        pytest.param(["a"] * 6, ["a\n\na\n\na\n\na\n\na\n\na"], id="six-texts-merge-into-one"),
        pytest.param(
            ["a" * 3000 + "\n\n" + "b" * 3000], ["a" * 3000, "b" * 3000], id="cut-at-paragraph"
        ),
        pytest.param(
            ["a" * 3000 + "\n\n" + "b" * 1000 + "\n" + "c" * 900 + "\n\n" + "d" * 1000],
            ["a" * 3000 + "\n\n" + "b" * 1000 + "\n" + "c" * 900, "d" * 1000],
            id="paragraphs-packed-greedily",
        ),
        pytest.param(["a" * 3000 + "\n" + "b" * 3000], ["a" * 3000, "b" * 3000], id="cut-at-line"),
        pytest.param(
            ["あ" * 2999 + "。" + "い" * 3000], ["あ" * 2999 + "。", "い" * 3000], id="cut-at-kuten"
        ),
        pytest.param(
            ["a" * 3000 + "! " + "b" * 3000], ["a" * 3000 + "!", "b" * 3000], id="cut-at-sentence"
        ),
        pytest.param(["x" * 5001], ["x" * 5000, "x"], id="hard-cut-as-last-resort"),
        pytest.param(["🍎" * 2500], ["🍎" * 2500], id="emoji-count-two-units-and-fit"),
        pytest.param(["🍎" * 2501], ["🍎" * 2500, "🍎"], id="emoji-never-split-in-half"),
        pytest.param(
            ["x" * 4997 + WOMAN_DOCTOR], ["x" * 4997, WOMAN_DOCTOR], id="zwj-sequence-kept-whole"
        ),
        pytest.param(
            ["y" * 5000] * 6, ["y" * 5000] * 4 + ["y" * 4999 + "…"], id="sixth-text-truncated"
        ),
    ],
)
def test_render_texts(texts: list[str], expected: list[str]) -> None:
    """Texts become at most 5 messages of at most 5,000 UTF-16 units, cut at the best boundary."""
    messages = render(texts, [])

    assert [message.text for message in messages] == expected
    assert all(utf16_length(message.text) <= 5000 for message in messages)


@pytest.mark.parametrize(
    ("labels_and_data", "expected_labels"),
    [
        pytest.param([], None, id="no-choices-no-quick-reply"),
        pytest.param([("a" * 20, "d")], ["a" * 20], id="twenty-chars-kept"),
        pytest.param([("a" * 21, "d")], ["a" * 19 + "…"], id="twenty-one-chars-cut"),
        pytest.param(
            [("予約の変更やキャンセルについて相談したいです", "d")],
            ["予約の変更やキャンセルについて相談した…"],
            id="japanese-label-cut",
        ),
        pytest.param([("ok", "d" * 301), ("fine", "d")], ["fine"], id="data-over-300-dropped"),
        pytest.param([("", "d"), ("fine", "d")], ["fine"], id="empty-label-dropped"),
        pytest.param([(str(n), "d") for n in range(20)], [str(n) for n in range(13)], id="cap-13"),
    ],
)
def test_render_quick_replies(
    labels_and_data: list[tuple[str, str]], expected_labels: list[str] | None
) -> None:
    """Choices become postback quick replies with labels of at most 20 characters."""
    choices = [Choice(label, data) for label, data in labels_and_data]

    [message] = render(["text"], choices)

    quick_reply = message.to_dict().get("quickReply")
    labels = None if quick_reply is None else [i["action"]["label"] for i in quick_reply["items"]]
    assert labels == expected_labels
