"""Fixtures for fault tests: the server (a real app on a loopback port with stand-in LINE and
Slack APIs) and a store on each backend that outlives it."""

import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import pytest

from tests.server.conftest import _bot, _start_bot

__all__ = ["_bot", "_database", "_start_bot"]

Rows = Callable[[], Any]


@pytest.fixture(name="database", params=["sqlite", "postgres"])
async def _database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, Rows]]:
    """A store URL on one backend and a look at its inbox rows; set up before the server and
    so dropped only after it has stopped."""
    if request.param == "sqlite":
        path = tmp_path / "store.db"

        async def sqlite_rows() -> list[tuple[Any, ...]]:
            with sqlite3.connect(path) as conn:
                return conn.execute("SELECT status, attempts, last_error FROM inbox").fetchall()

        yield f"sqlite:///{path}", sqlite_rows
        return
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        pytest.skip("TEST_DATABASE_URL not set; PostgreSQL fuzzing skipped")
    schema = f"fuzz_{uuid.uuid4().hex[:10]}"

    async def postgres_rows() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(raw, server_settings={"search_path": schema})
        try:
            rows = await conn.fetch("SELECT status, attempts, last_error FROM inbox")
        finally:
            await conn.close()
        return [tuple(r) for r in rows]

    yield f"{raw}?schema={schema}", postgres_rows
    conn = await asyncpg.connect(raw)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()
