"""Live reload: an admin's valid edit reaches patients without a restart, a broken one is
refused with its `file:line` (log and staff channel) while the running version stays, and two
processes reading the same files converge on the same version."""

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app import RUNTIME, create_app
from bot.settings import Settings
from tests.server import events
from tests.server.conftest import ROOT, SECRET, slack_env
from tests.standins.line_api import LineStandin
from tests.standins.slack_api import SlackStandin

CHECK_EVERY = 0.1  # seconds between the reloader's looks at the files in these tests
OLD_ANSWER = "高額になる傾向があります"  # a phrase of the shipped cost answer
NEW_ANSWER = "ADMIN-EDIT-2026"  # what the admin writes in its place


@pytest.fixture(name="clinic_dir")
def _clinic_dir(tmp_path: Path) -> Path:
    """A copy of the shipped faq/ and config/ that the test edits, like an admin would."""
    root = tmp_path / "clinic"
    shutil.copytree(ROOT / "faq", root / "faq")
    shutil.copytree(ROOT / "config", root / "config")
    return root


@pytest.fixture(name="start")
async def _start(
    clinic_dir: Path, line_standin: LineStandin, slack_standin: SlackStandin, tmp_path: Path
) -> AsyncIterator[Callable[[str], object]]:
    servers: list[TestServer] = []

    async def start(name: str) -> TestServer:
        env = {
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "test-token",
            "LINE_API_BASE": line_standin.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / name}.db",
            "CONFIG_DIR": str(clinic_dir / "config"),
            "HOURS_FILE": str(clinic_dir / "config" / "hours.toml"),
            **slack_env(slack_standin.base_url),
        }
        settings = Settings.from_env(env, faq_dir=clinic_dir / "faq")
        app = create_app(replace(settings, reload_seconds=CHECK_EVERY))
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def _until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait until `check()` holds (the reloader runs in the background)."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not reloaded in time")


def _cost_answer(server: TestServer) -> str:
    return server.app[RUNTIME].knowledge.faq.topics["cost"].ja.answer


async def test_a_valid_edit_reaches_patients_without_a_restart(
    start: Callable[[str], object], clinic_dir: Path, line_standin: LineStandin
) -> None:
    server = await start("a")  # type: ignore[misc]
    assert OLD_ANSWER in _cost_answer(server)

    _edit(clinic_dir / "faq" / "cost.toml", OLD_ANSWER, NEW_ANSWER)
    await _until(lambda: NEW_ANSWER in _cost_answer(server))

    body = events.body(events.text("費用はいくらですか"))
    headers = {"X-Line-Signature": events.sign(SECRET, body)}
    async with aiohttp.ClientSession() as http:
        url = str(server.make_url("/line/webhook"))
        async with http.post(url, data=body, headers=headers) as resp:
            assert resp.status == 200
    await server.app[RUNTIME].worker.drain()  # type: ignore[union-attr]
    said = " ".join(
        m.get("text", "") for call in line_standin.requests if call.body for m in call.messages
    )
    assert NEW_ANSWER in said


async def test_a_broken_edit_is_refused_with_its_line_and_the_bot_keeps_answering(
    start: Callable[[str], object],
    clinic_dir: Path,
    slack_standin: SlackStandin,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = await start("a")  # type: ignore[misc]
    before = server.app[RUNTIME].knowledge
    cost = clinic_dir / "faq" / "cost.toml"
    lines = cost.read_text(encoding="utf-8").splitlines()
    lines[2] = "offer_staff = fals"  # a typo an admin might make
    caplog.set_level(logging.WARNING, logger="bot.reload")

    cost.write_text("\n".join(lines) + "\n", encoding="utf-8")
    await _until(lambda: any("cost.toml:3" in r.getMessage() for r in caplog.records))

    def posted() -> str:
        return " ".join(
            call.body.get("text", "") for call in slack_standin.calls("chat.postMessage")
        )

    # The staff alert goes out after the warning is logged: wait for it too (a loaded
    # machine can take longer than the first check).
    await _until(lambda: "cost.toml:3" in posted())
    assert server.app[RUNTIME].knowledge is before  # the running version stays
    assert "invalid TOML" in posted()
    # Once the admin fixes it, the fixed version is loaded.
    lines[2] = "offer_staff = false"
    cost.write_text("\n".join(lines).replace(OLD_ANSWER, NEW_ANSWER, 1) + "\n", encoding="utf-8")
    await _until(lambda: NEW_ANSWER in _cost_answer(server))


async def test_two_processes_converge_on_the_edited_version(
    start: Callable[[str], object], clinic_dir: Path
) -> None:
    first, second = await start("a"), await start("b")  # type: ignore[misc]

    _edit(clinic_dir / "faq" / "cost.toml", OLD_ANSWER, NEW_ANSWER)

    await _until(lambda: NEW_ANSWER in _cost_answer(first) and NEW_ANSWER in _cost_answer(second))


async def test_an_hours_edit_applies_to_hand_offs(
    start: Callable[[str], object], clinic_dir: Path
) -> None:
    server = await start("a")  # type: ignore[misc]
    hours_file = clinic_dir / "config" / "hours.toml"
    policy = server.app[RUNTIME].policy
    assert policy.hours is not None

    text = hours_file.read_text(encoding="utf-8")
    hours_file.write_text(text.replace("closed = [", 'closed = ["2031-02-03", ', 1), "utf-8")

    await _until(lambda: server.app[RUNTIME].policy is not policy)
    new_hours = server.app[RUNTIME].policy.hours
    assert new_hours is not None
    assert "2031-02-03" in {day.isoformat() for day in new_hours.closed}
