"""How `open_store` reads a URL: the scheme picks the backend, the rest names the place."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from bot.store import NewEvent, open_store, utc_now
from bot.store.postgres import split_url
from bot.store.schema import SCHEMA_VERSION
from bot.store.sqlite import path_of
from tests.store import peek
from tests.store.conftest import Backend


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///var/bot.db", "var/bot.db"),
        ("sqlite:////srv/bot/bot.db", "/srv/bot/bot.db"),
        ("sqlite:///:memory:", ":memory:"),
    ],
    ids=["relative", "absolute", "memory"],
)
def test_sqlite_url_names_a_path(url: str, expected: str) -> None:
    """Three slashes start a relative path, four an absolute one (as in SQLAlchemy)."""
    assert path_of(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h/db", ("postgresql://u@h/db", "public")),
        ("postgresql://u@h/db?schema=t_1", ("postgresql://u@h/db", "t_1")),
        (
            "postgres://u@h:5433/db?sslmode=require&schema=clinic",
            ("postgres://u@h:5433/db?sslmode=require", "clinic"),
        ),
    ],
    ids=["default-public", "schema", "keeps-other-parameters"],
)
def test_postgres_url_names_a_schema(url: str, expected: tuple[str, str]) -> None:
    """`?schema=` is taken out of the DSN and names where the tables live."""
    assert split_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["mysql://u@h/db", "sqlite://", "postgresql://u@h/db?schema=Robert'); DROP"],
    ids=["unknown-scheme", "sqlite-without-path", "bad-schema-name"],
)
async def test_bad_url_is_refused(url: str) -> None:
    """A URL the store cannot use is a ValueError before any connection is made."""
    with pytest.raises(ValueError, match=r"URL|schema"):
        await open_store(url)


async def test_relative_sqlite_path_gets_its_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative SQLite path is created, parent folders included, under the working directory."""
    monkeypatch.chdir(tmp_path)

    store = await open_store("sqlite:///var/data/bot.db")
    await store.close()

    assert (tmp_path / "var" / "data" / "bot.db").is_file()


async def test_version_3_store_gets_the_privacy_columns(backend: Backend) -> None:
    """A store written by schema version 3 opens with the notice and opt-out columns added to
    its conversations, which keep their rows (no notice shown yet, no opt-out); opening it
    again changes nothing."""
    store = await open_store(backend.url)
    await store.enqueue([NewEvent("line", "e1", "U-alice", "{}", utc_now())])
    await store.close()
    await backend.execute(
        "ALTER TABLE conversations DROP COLUMN notice_at",
        "ALTER TABLE conversations DROP COLUMN opted_out_at",
        "UPDATE schema_version SET version = 3",
    )

    for _ in range(2):
        store = await open_store(backend.url)
        conv = await peek.conversation_for_user(store, "U-alice")
        await store.close()
        assert conv is not None and conv.notice_at is None and conv.keeps_text

    versions = [v for table, column, v in await backend.values() if table == "schema_version"]
    assert versions == [str(SCHEMA_VERSION)]


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """Code older than the file must not write to it."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    await (await open_store(url)).close()
    with contextlib.closing(sqlite3.connect(tmp_path / "bot.db")) as conn, conn:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))

    with pytest.raises(RuntimeError, match="newer than this code"):
        await open_store(url)
