"""The command line as an admin uses it: real processes, real files."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bot.store import NewEvent, open_store

ROOT = Path(__file__).resolve().parents[1]


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        check=False,
        cwd=ROOT,
        input=stdin,
        text=True,
        capture_output=True,
        env=env,
        timeout=60,
    )


def test_ask_json_has_the_documented_fields() -> None:
    """`ask --json` prints intent, candidates, lang, text, handoff and kind."""
    result = run("ask", "--json", "副作用はありますか")
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["intent"] == "side_effects"
    assert decision["kind"] == "answer" and decision["lang"] == "ja"
    assert decision["handoff"] is False
    assert decision["candidates"][0]["topic"] == "side_effects"


def test_ask_reads_one_message_per_line() -> None:
    """Without TEXT, `ask` answers each stdin line with one output line."""
    result = run(
        "ask", "--json", stdin="how much does it cost\n胸が痛くて息が苦しい\n\nこんにちは\n"
    )
    intents = [json.loads(line)["intent"] for line in result.stdout.splitlines()]
    assert intents == ["cost", "emergency", "greeting"]


def test_ask_lang_sets_the_conversation_language() -> None:
    """`--lang en` answers a language-neutral message in English."""
    result = run("ask", "--json", "--lang", "en", "👍")
    assert json.loads(result.stdout)["lang"] == "en"


def test_chat_keeps_state_between_lines() -> None:
    """`chat` remembers misses: the second miss in a row brings in staff."""
    result = run("chat", stdin="駐車場はありますか\nボトックスの料金\n")
    assert result.returncode == 0
    assert result.stdout.count("(staff would be notified here)") == 1


def test_faq_check_passes_on_shipped_files() -> None:
    """The shipped FAQ has no errors."""
    result = run("faq", "check")
    assert result.returncode == 0, result.stdout
    assert "0 errors" in result.stdout


def test_faq_check_reports_a_broken_file_precisely(tmp_path: Path) -> None:
    """A TOML syntax error is reported with file, line and column, and exit 1."""
    (tmp_path / "cost.toml").write_text('id = "cost"\n[ja]\nlabel = "費用\n', encoding="utf-8")
    result = run("faq", "check", str(tmp_path))
    assert result.returncode == 1
    assert "cost.toml:3:" in result.stdout


def test_eval_reports_and_exits_by_target(tmp_path: Path) -> None:
    """`eval` prints per-intent accuracy and exits 1 when a target is missed."""
    tsv = tmp_path / "set.tsv"
    tsv.write_text(
        "side_effects\tja\t副作用はありますか\nfallback\tja\t副作用はありますか\n", "utf-8"
    )
    result = run("eval", str(tsv))
    assert "side_effects" in result.stdout and "confusions (1)" in result.stdout
    assert result.returncode == 1


def test_eval_rejects_a_malformed_line(tmp_path: Path) -> None:
    """A line without three columns is named with its line number."""
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("side_effects\tja\n", "utf-8")
    result = run("eval", str(tsv))
    assert result.returncode == 2 and "bad.tsv:1" in result.stderr


def test_serve_without_config_lists_every_problem() -> None:
    """`serve` with no LINE settings names each missing variable and exits 2."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "SLACK_"))}
    env["PORT"] = "not-a-port"
    result = run("serve", env=env)
    assert result.returncode == 2
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "PORT"):
        assert name in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_starts_answers_healthz_and_stops_on_sigterm(tmp_path: Path) -> None:
    """`serve` comes up on SQLite, reports healthy, and exits cleanly on SIGTERM."""
    port = _free_port()
    env = dict(
        os.environ,
        LINE_CHANNEL_SECRET="s",
        LINE_CHANNEL_ACCESS_TOKEN="t",
        PORT=str(port),
        LINE_API_BASE="http://127.0.0.1:9",
        DATABASE_URL=f"sqlite:///{tmp_path}/bot.db",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 20
        while body is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                    body = json.loads(resp.read())
            except OSError:
                time.sleep(0.1)
        assert body is not None and body["store"] is True
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
        assert proc.returncode == 0, stderr
        assert "Slack is not configured" in stderr
    finally:
        if proc.poll() is None:
            proc.kill()


def test_forget_erases_a_patient(tmp_path: Path) -> None:
    """`forget` erases a stored patient from the configured store."""
    url, user = f"sqlite:///{tmp_path}/bot.db", "U" + "0" * 32

    async def seed() -> None:
        store = await open_store(url)
        await store.enqueue([NewEvent("line", "ev1", user, "{}", datetime.now(UTC))])
        await store.close()

    async def remaining() -> object:
        store = await open_store(url)
        try:
            return await store.conversation_for_user(user)
        finally:
            await store.close()

    asyncio.run(seed())
    env = dict(os.environ, LINE_CHANNEL_SECRET="s", LINE_CHANNEL_ACCESS_TOKEN="t", DATABASE_URL=url)
    result = run("forget", user, env=env)
    assert result.returncode == 0, result.stderr
    assert "forgot the patient" in result.stdout
    assert asyncio.run(remaining()) is None
