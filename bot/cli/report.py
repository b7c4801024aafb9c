"""`report [--since YYYY-MM-DD] [--format md|csv]`: the unanswered-questions report.

Like `forget`, it needs only DATABASE_URL (plus the FAQ, to rank the questions against it),
never creates an empty SQLite file in place of the one the operator meant, and says which
database it read on stderr, so that stdout is the report alone and can be redirected to a file.
"""

import asyncio
import sqlite3
from collections.abc import Callable, Mapping
from typing import TextIO

from bot.core.knowledge import Knowledge
from bot.faq.model import FaqError
from bot.report import (
    MARKDOWN,
    Period,
    Report,
    last_days,
    markdown,
    parse_day,
    since_day,
    to_csv,
    unanswered_report,
)
from bot.settings import SettingsError, database_url, without_password
from bot.store import Clock, open_store, utc_now

FORMATS = ("md", "csv")


def report_command(
    env: Mapping[str, str],
    *,
    since: str | None,
    fmt: str,
    knowledge: Callable[[], Knowledge],
    out: TextIO,
    err: TextIO,
    clock: Clock = utc_now,
) -> int:
    """Print the report for the last 7 days, or from `since` (a day in Asia/Tokyo) until now.

    Exit codes: 0 printed; 1 the database or the FAQ cannot be read; 2 a usage error.
    """
    try:
        url = database_url(env)
        period = since_day(parse_day(since), clock()) if since else last_days(clock())
    except (SettingsError, ValueError) as error:
        print(f"report: {error}", file=err)
        return 2
    if fmt not in FORMATS:
        print(f"report: --format must be one of {', '.join(FORMATS)}", file=err)
        return 2
    where = without_password(url)
    if url.startswith("sqlite:"):
        missing = _missing_sqlite(url)
        if missing:
            print(f"report: {missing} (DATABASE_URL={where})", file=err)
            return 1
    try:
        faq = knowledge()
    except FaqError as error:
        print(f"{error}\nThe FAQ has errors; run `python -m bot faq check`.", file=err)
        return 1
    try:
        report = asyncio.run(_read(url, faq, period))
    except (OSError, ValueError, sqlite3.DatabaseError) as error:  # no server, a bad URL...
        print(f"report: cannot read {where}: {error}", file=err)
        return 1
    print(f"database: {where}", file=err)
    out.write(markdown(report, MARKDOWN) if fmt == "md" else to_csv(report))
    return 0


def _missing_sqlite(url: str) -> str | None:
    """Why a SQLite URL cannot be reported on (malformed, no such file), or None."""
    from bot.store.sqlite import existing_file  # noqa: PLC0415 - only for SQLite URLs

    try:
        existing_file(url)
    except (ValueError, FileNotFoundError) as error:
        return str(error)
    return None


async def _read(url: str, knowledge: Knowledge, period: Period) -> Report:
    store = await open_store(url)
    try:
        return await unanswered_report(store, knowledge, period)
    finally:
        await store.close()
