"""LINE misbehaving as measured: nothing lost, nothing twice, order kept, no false alert.

Measured before (several serve processes on PostgreSQL): a 5 s burst of 500s lost 16 of 58
answers (four quick pushes, then "done"); one rate-limit 429 lost the answer (15 lost); a reply
whose 200 came after the timeout was pushed again (19 doubled). Each scenario runs on SQLite and
PostgreSQL with the stand-in LINE (tokens single-use, 409 on a repeated retry key) and Slack.
"""

from collections import Counter
from typing import Any

import pytest

from bot.app import RUNTIME
from bot.core.decision import Owner
from tests.faults.conftest import Rows
from tests.server import events
from tests.server.conftest import Bot, StartBot, slack_env
from tests.standins.line_api import PUSH, REPLY, Forced
from tests.standins.slack_api import SlackStandin
from tests.store import peek

RATE_LIMIT = {"message": "The API rate limit has been exceeded. Try again later."}
MONTHLY = {"message": "You have reached your monthly limit."}
ALERT = "<!here>"  # the failure alert's mention (its words follow STAFF_LANG)


@pytest.fixture(name="served")
async def _served(
    database: tuple[str, Rows], start_bot: StartBot, slack_standin: SlackStandin
) -> Bot:
    url, _ = database
    bot: Bot = await start_bot(url, LINE_TIMEOUT_SECONDS="1", **slack_env(slack_standin.base_url))
    return bot


def _patients(n: int) -> list[str]:
    return [f"U{i:032x}" for i in range(1, n + 1)]


async def _send_all(bot: Bot, sent: list[dict[str, Any]]) -> None:
    for ev in sent:
        bot.line.issue(ev["replyToken"])
        assert await bot.send(ev) == 200


async def _settle(bot: Bot, within: float = 40.0) -> None:
    worker = bot.app[RUNTIME].worker
    assert worker is not None
    await worker.drain(within=within)


def _outcome(bot: Bot, sent: list[dict[str, Any]]) -> tuple[int, int, bool]:
    """(lost, answered twice, order kept) over the events sent, from what LINE delivered.

    Every event is answered with one LINE request (a reply to its token, or a push to its
    patient); replies show their event, so their order per patient is checked too."""
    by_token = {ev["replyToken"]: ev for ev in sent}
    got: Counter[str] = Counter()
    replied: dict[str, list[str]] = {}
    for d in bot.line.delivered:
        ev = by_token.get(d.to) if d.via == "reply" else None
        user = ev["source"]["userId"] if ev else d.to
        got[user] += 1
        if ev:
            replied.setdefault(user, []).append(ev["webhookEventId"])
    wanted = Counter(ev["source"]["userId"] for ev in sent)
    lost = sum(max(0, n - got[user]) for user, n in wanted.items())
    twice = sum(max(0, got[user] - n) for user, n in wanted.items())
    kept = all(
        order == [ev["webhookEventId"] for ev in sent if ev["webhookEventId"] in order]
        for order in replied.values()
    )
    return lost, twice, kept


def _alerts(slack: SlackStandin) -> list[Any]:
    return [m for m in slack.posted() if ALERT in str(m.get("text", ""))]


async def test_a_burst_of_500s_delays_answers_but_loses_none(
    served: Bot, slack_standin: SlackStandin
) -> None:
    """3 s of 500s on reply and push; 8 patients, 2 messages each, a third redelivered (push)."""
    bot = served
    sent = [
        events.text(q, user=u, redelivery=(i % 3 == 0))
        for i, u in enumerate(_patients(8))
        for q in ("副作用はありますか", "費用はいくらですか")
    ]
    bot.line.outage(REPLY, 3.0, Forced(500))
    bot.line.outage(PUSH, 3.0, Forced(500))
    await _send_all(bot, sent)
    await _settle(bot)
    lost, twice, kept = _outcome(bot, sent)
    assert (lost, twice, kept) == (0, 0, True)
    assert any(r.status == 500 for r in bot.line.requests)
    assert _alerts(slack_standin) == []


@pytest.mark.parametrize("retry_after", [None, "2"], ids=["no-retry-after", "retry-after-2s"])
async def test_rate_limit_429_is_retried(
    served: Bot, slack_standin: SlackStandin, retry_after: str | None
) -> None:
    """One rate-limit 429 on each of a reply and a push: both answered once, after the wait."""
    bot = served
    headers = {"Retry-After": retry_after} if retry_after else None
    bot.line.script(REPLY, Forced(429, body=RATE_LIMIT, headers=headers))
    bot.line.script(PUSH, Forced(429, body=RATE_LIMIT, headers=headers))
    users = _patients(2)
    sent = [
        events.text("費用はいくらですか", user=users[0]),
        events.text("副作用はありますか", user=users[1], redelivery=True),
    ]
    await _send_all(bot, sent)
    await _settle(bot)
    assert _outcome(bot, sent) == (0, 0, True)
    statuses = [r.status for r in bot.line.requests if r.path in (REPLY, PUSH)]
    assert statuses.count(429) == 2
    assert _alerts(slack_standin) == []


async def test_monthly_quota_429_hands_the_patient_to_staff_once(
    served: Bot, slack_standin: SlackStandin
) -> None:
    """The quota 429 is not retried: staff get a card and one alert; the patient is theirs."""
    bot = served
    bot.line.script(PUSH, Forced(429, body=MONTHLY))
    ev = events.text("副作用はありますか", redelivery=True)
    await _send_all(bot, [ev])
    await _settle(bot)
    assert len(bot.line.calls(PUSH)) == 1
    conv = await peek.conversation_for_user(bot.store, events.PATIENT)
    assert conv.owner is Owner.WAITING
    assert len(_alerts(slack_standin)) == 1
    assert "quota_exceeded" in str(_alerts(slack_standin)[0]["text"])
    assert conv.id in str(_alerts(slack_standin)[0]["text"])


async def test_a_slow_200_after_the_timeout_is_not_sent_twice(
    served: Bot, slack_standin: SlackStandin
) -> None:
    """LINE delivers the reply but answers after the 1 s timeout: the same token is tried
    again, LINE refuses it as used, and nothing is pushed."""
    bot = served
    users = _patients(4)
    sent = [events.text("費用はいくらですか", user=u) for u in users]
    bot.line.script(REPLY, *[Forced(delay=2.0) for _ in users])
    await _send_all(bot, sent)
    await _settle(bot)
    assert _outcome(bot, sent) == (0, 0, True)
    assert bot.line.calls(PUSH) == []
    assert _alerts(slack_standin) == []
