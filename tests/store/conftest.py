"""Fixtures for the store contract: every test runs on SQLite and, when configured, PostgreSQL.

PostgreSQL runs only when TEST_DATABASE_URL is set (e.g. postgresql://postgres@127.0.0.1/test);
otherwise those cases are skipped with a visible reason. Each PostgreSQL test gets a fresh schema
(`?schema=` on the store URL) that is dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import pytest

from bot.store import Store, open_store
from tests.store.builders import FakeClock

PG_SKIP = "TEST_DATABASE_URL not set; PostgreSQL contract tests skipped"


@dataclass(frozen=True)
class Backend:
    """Where one test's store lives, and a raw look at every stored value."""

    name: str
    url: str
    raw_url: str = ""
    schema: str = ""

    async def execute(self, *statements: str) -> None:
        """Run raw SQL on the backend's tables (to age a store back to an older schema)."""
        if self.name == "sqlite":
            path = self.url.removeprefix("sqlite:///")
            with contextlib.closing(sqlite3.connect(path)) as conn, conn:
                for statement in statements:
                    conn.execute(statement)
            return
        conn = await asyncpg.connect(self.raw_url, server_settings={"search_path": self.schema})
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def values(self) -> list[tuple[str, str, str]]:
        """Every non-null value in every table, as (table, column, text)."""
        if self.name == "sqlite":
            return await _sqlite_values(self.url.removeprefix("sqlite:///"))
        return await _postgres_values(self.raw_url, self.schema)


async def _sqlite_values(path: str) -> list[tuple[str, str, str]]:
    found = []
    with contextlib.closing(sqlite3.connect(path)) as conn:
        tables = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        for (table,) in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                found += [(table, c, str(v)) for c, v in zip(columns, row, strict=True)]
    return [item for item in found if item[2] != "None"]


async def _postgres_values(raw_url: str, schema: str) -> list[tuple[str, str, str]]:
    found = []
    conn = await asyncpg.connect(raw_url)
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
        )
        for record in tables:
            for row in await conn.fetch(f'SELECT * FROM "{schema}"."{record["table_name"]}"'):
                found += [(record["table_name"], c, str(v)) for c, v in row.items()]
    finally:
        await conn.close()
    return [item for item in found if item[2] != "None"]


def with_schema(url: str, schema: str) -> str:
    """`url` with `?schema=` set, keeping any other query parameters."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "schema"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("schema", schema)])))


@pytest.fixture(name="backend", params=["sqlite", "postgres"])
async def _backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("store") / "nested" / "bot.db"
        yield Backend(name="sqlite", url=f"sqlite:///{path}")
        return
    raw_url = os.environ.get("TEST_DATABASE_URL")
    if not raw_url:
        pytest.skip(PG_SKIP)
    schema = f"test_store_{uuid.uuid4().hex[:12]}"
    yield Backend("postgres", with_schema(raw_url, schema), raw_url, schema)
    conn = await asyncpg.connect(raw_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="store")
async def _store(backend: Backend, clock: FakeClock) -> AsyncIterator[Store]:
    store = await open_store(backend.url, clock=clock)
    yield store
    await store.close()
