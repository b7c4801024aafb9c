"""`python -m bot report` as an admin uses it: the report on stdout, the database on stderr,
only DATABASE_URL needed, and no SQLite file created where there was none."""

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cli.report import report_command
from bot.core.knowledge import Knowledge
from bot.store import AuditEntry, NewEvent, open_store
from tests.store import peek

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
USER = "U" + "7" * 32


def _seed(url: str, at: datetime, texts: list[str]) -> None:
    """One patient whose messages `texts` the bot could not answer at `at`."""

    async def seed() -> None:
        store = await open_store(url)
        try:
            await store.enqueue([NewEvent("line", "ev1", USER, "{}", at)])
            conv = await peek.conversation_for_user(store, USER)
            assert conv is not None
            for text in texts:
                await store.audit(
                    AuditEntry(
                        at, conv.id, USER, "fallback", None, "ja", "reply", "ok", text, "fallback"
                    )
                )
        finally:
            await store.close()

    asyncio.run(seed())


def _run(env: dict[str, str], knowledge: Knowledge, **options: str | None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = report_command(
        env,
        since=options.get("since"),
        fmt=options.get("fmt") or "md",
        knowledge=lambda: knowledge,
        out=out,
        err=err,
        clock=lambda: NOW,
    )
    return code, out.getvalue(), err.getvalue()


def test_report_prints_markdown_and_names_the_database(
    tmp_path: Path, knowledge: Knowledge
) -> None:
    """The last 7 days by default; stdout is the report alone, stderr names the database."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    _seed(url, NOW - timedelta(days=2), ["駐車場はありますか", "電話090-1234-5678まで"])

    code, out, err = _run({"DATABASE_URL": url}, knowledge)

    assert code == 0, err
    assert out.startswith("# Unanswered questions, 2026-11-20 10:00 – 2026-11-27 10:00")
    assert "“駐車場はありますか”" in out and "090-1234-5678" not in out
    assert err == f"database: {url}\n"


def test_report_as_csv_from_a_day(tmp_path: Path, knowledge: Knowledge) -> None:
    """`--since` starts at midnight in Tokyo of that day; `--format csv` is one row a group."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    _seed(url, NOW - timedelta(days=20), ["駐車場はありますか"])

    code, out, _ = _run({"DATABASE_URL": url}, knowledge, since="2026-11-01", fmt="csv")
    (row,) = csv.DictReader(io.StringIO(out))

    assert code == 0
    assert (row["period_start"], row["wording"], row["messages"]) == (
        "2026-11-01 00:00",
        "駐車場はありますか",
        "1",
    )


def test_report_refuses_a_bad_day_and_a_missing_file(tmp_path: Path, knowledge: Knowledge) -> None:
    """A day not written YYYY-MM-DD is a usage error; a SQLite file that is not there is not
    created (an empty report would look like good news)."""
    db = tmp_path / "elsewhere" / "bot.db"
    env = {"DATABASE_URL": f"sqlite:///{db}"}

    assert _run(env, knowledge, since="1 Nov")[0] == 2
    code, out, err = _run(env, knowledge)

    assert (code, out) == (1, "")
    assert err == f"report: no database at {db} (DATABASE_URL=sqlite:///{db})\n"
    assert not db.parent.exists()


def test_python_m_bot_report_needs_only_the_database(tmp_path: Path) -> None:
    """The registered command runs in a fresh process without LINE or Slack settings."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    _seed(url, datetime.now(UTC) - timedelta(days=1), ["do you take credit cards"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "SLACK_"))}

    result = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--format", "md"],
        check=False,
        cwd=ROOT,
        text=True,
        capture_output=True,
        env={**env, "DATABASE_URL": url},
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "“do you take credit cards”" in result.stdout
    assert result.stderr == f"database: {url}\n"
