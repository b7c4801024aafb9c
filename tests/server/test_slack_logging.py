"""What Slack's libraries log: never a request body (patient text) at INFO or above, and no
false warning at every start."""

import logging
import time

import pytest

from bot.channels.slack import BOLT_LOGGER, WITHHELD
from tests.server.conftest import StartBot, slack_env
from tests.standins import slack_requests as sr
from tests.standins.slack_api import BOT_TOKEN, SlackStandin

PATIENT_WORDS = "PATIENT-WORDS-胸が痛い-42"


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG], ids=["info", "debug"])
async def test_a_bad_signature_logs_no_body(
    start_bot: StartBot,
    slack_standin: SlackStandin,
    caplog: pytest.LogCaptureFixture,
    level: int,
) -> None:
    """A request with a bad signature is refused, and nothing logged at INFO or above quotes
    its body, whatever the root level was when the app was built."""
    caplog.set_level(level)
    bot = await start_bot(**slack_env(slack_standin.base_url))
    raw = sr.event_callback(sr.thread_reply(PATIENT_WORDS), "EvBad")

    assert (await bot.slack(raw, secret="wrong")).status == 401
    assert (await bot.slack(raw, at=int(time.time()) - 360)).status == 401

    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert [message for message in loud if PATIENT_WORDS in message] == []


async def test_no_token_warning_when_the_token_is_in_the_environment(
    start_bot: StartBot,
    slack_standin: SlackStandin,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deployed, SLACK_BOT_TOKEN is in the environment, where Bolt looks it up by itself: the
    app still starts without Bolt's "`token` will be unused" warning."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    caplog.set_level(logging.INFO)

    bot = await start_bot(**slack_env(slack_standin.base_url))

    assert (await bot.slack(sr.url_verification("c"))).status == 200
    assert [r.getMessage() for r in caplog.records if "will be unused" in r.getMessage()] == []


def test_bolt_warnings_keep_their_gist_without_the_body(caplog: pytest.LogCaptureFixture) -> None:
    """A Bolt warning that would quote a body (a middleware that skipped `next()`) is kept,
    cut before the body."""
    from bot.channels.slack import bolt_logger  # noqa: PLC0415

    body = {"event": {"text": PATIENT_WORDS}}
    bolt_logger().warning(
        f"A global middleware (m) skipped calling either `next()` or `next_()` without "
        f"providing a response for the request ({body})"
    )

    (record,) = [r for r in caplog.records if r.name == BOLT_LOGGER]
    assert record.getMessage() == (
        "A global middleware (m) skipped calling either `next()` or `next_()` without "
        f"providing a response {WITHHELD}"
    )
