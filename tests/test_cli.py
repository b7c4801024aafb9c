"""The command line as an admin uses it: real processes, real files."""

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import NewEvent, open_store
from tests.store import peek

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
    result = run("chat", stdin="ヒアルロン酸注射はやっていますか\nボトックスの料金\n")
    assert result.returncode == 0
    assert result.stdout.count("(staff would be notified here)") == 1


def test_faq_check_passes_on_shipped_files() -> None:
    """The shipped FAQ has no errors."""
    result = run("faq", "check")
    assert result.returncode == 0, result.stdout
    assert "0 errors" in result.stdout


def test_faq_readings_rewrites_the_seed_it_checks_against() -> None:
    """`faq readings` writes the seed `faq check` compares with; for the shipped FAQ (whose
    seed a test keeps current) it writes the same file again."""
    seed = ROOT / "bot" / "nlu" / "readings.json"
    before = seed.read_text(encoding="utf-8")
    result = run("faq", "readings")
    assert result.returncode == 0, result.stderr
    assert "readings" in result.stdout
    assert seed.read_text(encoding="utf-8") == before
    assert "out of date" not in run("faq", "check").stdout


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
        assert f"serving on port {port}" in stderr
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
            return await peek.conversation_for_user(store, user)
        finally:
            await store.close()

    asyncio.run(seed())
    env = dict(os.environ, LINE_CHANNEL_SECRET="s", LINE_CHANNEL_ACCESS_TOKEN="t", DATABASE_URL=url)
    result = run("forget", user, env=env)
    assert result.returncode == 0, result.stderr
    assert "forgot the patient" in result.stdout
    assert asyncio.run(remaining()) is None


def _env_without_platforms(**extra: str) -> dict[str, str]:
    """The environment with no LINE or Slack setting at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "SLACK_"))}
    env.pop("DATABASE_URL", None)
    return {**env, **extra}


def _seed(url: str, user: str) -> None:
    async def seed() -> None:
        store = await open_store(url)
        await store.enqueue([NewEvent("line", "ev1", user, "{}", datetime.now(UTC))])
        await store.close()

    asyncio.run(seed())


def test_forget_needs_only_the_database_and_names_it(tmp_path: Path) -> None:
    """`forget` runs without LINE or Slack secrets and says which database it erased from."""
    db = tmp_path / "bot.db"
    url, user = f"sqlite:///{db}", "U" + "1" * 32
    _seed(url, user)

    result = run("forget", user, env=_env_without_platforms(DATABASE_URL=url))

    assert result.returncode == 0, result.stderr
    assert f"database: {url} ({db})" in result.stdout
    assert "forgot the patient" in result.stdout
    assert result.stderr == ""


def test_forget_never_creates_a_missing_sqlite_file(tmp_path: Path) -> None:
    """A DATABASE_URL naming no file (a typo, another folder) ends in one line, creating
    neither the file nor its folder: an empty new database would report "0 rows" as if the
    patient had been forgotten."""
    db = tmp_path / "elsewhere" / "bot.db"

    result = run("forget", "U1", env=_env_without_platforms(DATABASE_URL=f"sqlite:///{db}"))

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"forget: no database at {db} (DATABASE_URL=sqlite:///{db})"
    ]
    assert not db.parent.exists()


def test_forget_uses_the_default_database_relative_to_the_working_folder(tmp_path: Path) -> None:
    """Without DATABASE_URL the default sqlite:///var/bot.db is looked for where the command
    runs, reported with its full path, and not created there."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "forget", "U1"],
        check=False,
        cwd=tmp_path,
        text=True,
        capture_output=True,
        env=_env_without_platforms(PYTHONPATH=str(ROOT)),
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"forget: no database at {tmp_path / 'var' / 'bot.db'} (DATABASE_URL=sqlite:///var/bot.db)"
    ]
    assert list(tmp_path.iterdir()) == []


def test_forget_warns_when_nothing_matched(tmp_path: Path) -> None:
    """An id with nothing stored (a typo, or already forgotten) is a warning, not a success."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    _seed(url, "U" + "1" * 32)

    result = run("forget", "U-nobody", env=_env_without_platforms(DATABASE_URL=url))

    assert result.returncode == 0
    assert "forgot the patient" not in result.stdout
    assert result.stderr.splitlines() == [
        "warning: nothing stored about U-nobody in this database: check the user id and "
        "DATABASE_URL (nothing was erased)"
    ]


def test_forget_names_a_postgres_database_without_its_password() -> None:
    """An unreachable PostgreSQL server is one line naming the database, password left out."""
    url = "postgresql://bot:hunter2@127.0.0.1:1/clinic?schema=desk"

    result = run("forget", "U1", env=_env_without_platforms(DATABASE_URL=url))

    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("forget: cannot open postgresql://bot@127.0.0.1:1/clinic?schema=desk:")
    assert "hunter2" not in result.stdout + result.stderr


def test_chat_quits_quietly_on_ctrl_c() -> None:
    """Ctrl-C in `chat` ends it without a traceback (exit 130, as shells expect)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("menu\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip()  # the bot is up and waiting for the next line
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()

    assert proc.returncode == 130
    assert stderr == ""


@pytest.mark.parametrize("word", ["quit", "exit", "終了", "EXIT", " quit "])
def test_chat_quits_quietly_on_a_quit_word(word: str) -> None:
    """A quit word ends `chat` at once: nothing after it is answered, nothing is printed."""
    result = run("chat", stdin=f"{word}\n副作用はありますか\n")

    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr == ""


def test_chat_ends_quietly_at_end_of_input() -> None:
    """Ctrl-D (end of input) ends `chat` after the last answer, without a traceback."""
    result = run("chat", stdin="副作用はありますか\n")

    assert result.returncode == 0
    assert result.stdout.strip()
    assert result.stderr == ""


def _serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return dict(
        _env_without_platforms(),
        LINE_CHANNEL_SECRET="s",
        LINE_CHANNEL_ACCESS_TOKEN="t",
        LINE_API_BASE="http://127.0.0.1:9",
        DATABASE_URL=f"sqlite:///{tmp_path}/bot.db",
        PORT=str(_free_port()),
        **extra,
    )


def test_serve_reports_a_bad_hours_file_in_one_line_before_serving(tmp_path: Path) -> None:
    """A mistake in hours.toml stops `serve` before it listens, as `file:line: message`."""
    hours = tmp_path / "hours.toml"
    text = (ROOT / "config" / "hours.toml").read_text(encoding="utf-8")
    hours.write_text(text.replace('sat = ["09:00-13:00"]', 'sat = ["09:00-25:00"]'), "utf-8")
    line = 1 + text.splitlines().index('sat = ["09:00-13:00"]')

    result = run("serve", env=_serve_env(tmp_path, HOURS_FILE=str(hours)))

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{hours}:{line}: weekly.sat[0]: 25:00 is not a time of day"
    ]
    assert not (tmp_path / "bot.db").exists()  # failed before opening anything


def test_serve_reports_a_busy_port_in_one_line(tmp_path: Path) -> None:
    """A port another process holds is one line naming it, and "serving" is never logged."""
    env = _serve_env(tmp_path)
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", int(env["PORT"])))
        taken.listen()
        result = run("serve", env=env)

    assert result.returncode == 1
    plain = [line for line in result.stderr.splitlines() if not line.startswith("{")]
    assert plain == [f"cannot listen on port {env['PORT']} (PORT): already in use"]
    assert "Traceback" not in result.stderr
    assert "serving on port" not in result.stderr


def test_serve_with_another_faq_folder_uses_the_repositorys_locales(tmp_path: Path) -> None:
    """`--faq DIR` names content only: the catalogs come from the repository, not DIR/../locales."""
    from bot.app import load_knowledge  # noqa: PLC0415
    from bot.settings import Settings  # noqa: PLC0415

    shutil.copytree(ROOT / "faq", tmp_path / "faq")
    env = {
        "LINE_CHANNEL_SECRET": "s",
        "LINE_CHANNEL_ACCESS_TOKEN": "t",
        "HOURS_FILE": str(ROOT / "config" / "hours.toml"),
    }
    settings = Settings.from_env(env, faq_dir=tmp_path / "faq")

    knowledge = load_knowledge(settings)

    assert not (tmp_path / "locales").exists()
    assert knowledge.catalogs["en"].gettext("Talk to staff") == "Talk to staff"
    assert knowledge.catalogs["ja"].gettext("Talk to staff") != "Talk to staff"


def test_forget_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    """A DATABASE_URL naming some other file is one line, and the file is left as it was."""
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database", encoding="utf-8")
    url = f"sqlite:///{junk}"

    result = run("forget", "U1", env=_env_without_platforms(DATABASE_URL=url))

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"forget: cannot open {url} ({junk}): file is not a database"
    ]
    assert junk.read_text(encoding="utf-8") == "not a database"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        pytest.param(
            "postgresql://bot:s3cr%40t@db.example:5432/clinic?schema=desk",
            "postgresql://bot@db.example:5432/clinic?schema=desk",
            id="password-in-the-user-part",
        ),
        pytest.param(
            "postgres://bot@db/clinic?password=s3cr%40t&schema=desk",
            "postgres://bot@db/clinic?schema=desk",
            id="password-as-a-parameter",
        ),
        pytest.param("postgresql://:s3cr%40t@[::1]/x", "postgresql://[::1]/x", id="ipv6-no-user"),
        pytest.param("postgresql://bot@db/clinic", "postgresql://bot@db/clinic", id="none"),
        pytest.param("sqlite:///var/bot.db", "sqlite:///var/bot.db", id="sqlite-relative"),
        pytest.param("sqlite:////srv/bot.db", "sqlite:////srv/bot.db", id="sqlite-absolute"),
    ],
)
def test_database_urls_are_shown_without_their_password(url: str, shown: str) -> None:
    """What `forget` prints about a database never includes a password."""
    from bot.settings import without_password  # noqa: PLC0415

    assert without_password(url) == shown
    assert "s3cr" not in without_password(url)
