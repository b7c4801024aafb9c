"""Logs carry no patient data, settings print no secrets, and real outgoing calls pass Prism."""

import json
import logging

import pytest

from bot.logs import JsonFormatter
from tests.server import events
from tests.server.conftest import SECRET, StartBot, settings_for

MARKER_TEXT = "マーカー副作用ZQXJ"
MARKER_USER = "U" + "c0ffee" * 5 + "ab"


async def test_logs_hold_no_text_or_user_id(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Every flow logs at INFO and above without the patient's text or LINE user id."""
    bot = await start_bot()
    with caplog.at_level(logging.INFO):
        await bot.send(events.text(MARKER_TEXT, user=MARKER_USER))
        await bot.send(events.text(MARKER_TEXT, user=MARKER_USER, redelivery=True))
        await bot.send(
            events.follow(user=MARKER_USER), events.postback("staff=asked", user=MARKER_USER)
        )
        await bot.send(events.text("息が苦しい " + MARKER_TEXT, user=MARKER_USER))
        await bot.settle()
    # aiohttp.access lines come from the stand-in LINE server (our `serve` turns access logs off).
    ours = [r for r in caplog.records if r.levelno >= logging.INFO and r.name != "aiohttp.access"]
    lines = [JsonFormatter().format(r) for r in ours]
    assert any("line event handled" in line for line in lines)
    leaked = [
        line for line in lines if MARKER_TEXT in line or MARKER_USER in line or SECRET in line
    ]
    assert leaked == []
    handled = [json.loads(line) for line in lines if "line event handled" in line]
    assert all(h["patient"].startswith("p_") for h in handled)


def test_settings_repr_shows_no_secret() -> None:
    """Printing or logging the settings never shows a secret."""
    settings = settings_for("http://127.0.0.1:9", "sqlite:///x.db")
    assert SECRET not in repr(settings) and "test-token" not in repr(settings)


async def test_outgoing_calls_pass_lines_official_spec(start_bot: StartBot, prism: str) -> None:
    """Replies, pushes with retry keys and profile look-ups the app makes are valid per Prism."""
    bot_prism = await start_bot(line_url=prism)
    await bot_prism.send(
        events.text("副作用はありますか"), events.follow(), events.text("費用は?", redelivery=True)
    )
    await bot_prism.settle()
    rows = await _outbox(bot_prism)
    assert [(r["status"], r["method"]) for r in rows] == [
        ("sent", "reply"),
        ("sent", "reply"),
        ("sent", "push"),
    ]


async def _outbox(bot: object) -> list[dict[str, str]]:
    store = bot.store  # type: ignore[attr-defined]
    rows = []
    for inbox_id in range(1, 10):
        rows += [{"status": r.status, "method": r.method} for r in await store.outgoing(inbox_id)]
    return rows
