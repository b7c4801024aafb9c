"""The pure middle stays pure: core, nlu, handoff, hours and masking import no I/O library."""

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
PURE = [
    *sorted((BOT / "core").glob("*.py")),
    *sorted((BOT / "nlu").glob("*.py")),
    BOT / "handoff.py",
    BOT / "hours.py",
    BOT / "masking.py",
    BOT / "faq.py",
]
FORBIDDEN = {
    "aiohttp",
    "linebot",
    "slack_bolt",
    "slack_sdk",
    "sqlite3",
    "asyncpg",
    "asyncio",
    "bot.store",
    "bot.channels",
    "bot.app",
    "bot.conversation",
    "bot.worker",
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", PURE, ids=[str(p.relative_to(BOT)) for p in PURE])
def test_pure_modules_import_no_io(path: Path) -> None:
    """A pure module imports no web framework, platform SDK, database driver or asyncio."""
    bad = {
        name
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert bad == set()
