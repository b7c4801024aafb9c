"""The pure middle stays pure: core, nlu and faq import no I/O library and nothing of the
event pipeline, the store or the channels."""

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
PURE = [
    *sorted((BOT / "core").glob("*.py")),
    *sorted((BOT / "nlu").glob("*.py")),
    *sorted((BOT / "faq").glob("*.py")),
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
    "bot.pipeline",
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


PIPELINE = sorted((BOT / "pipeline").glob("*.py"))
PLATFORMS = {"aiohttp", "linebot", "slack_bolt", "slack_sdk", "sqlite3", "asyncpg"}


@pytest.mark.parametrize("path", PIPELINE, ids=[str(p.relative_to(BOT)) for p in PIPELINE])
def test_the_pipeline_knows_no_platform(path: Path) -> None:
    """The event pipeline reaches LINE, Slack and the database only through the adapters in
    `bot.channels` and the `Store` protocol: no SDK, web framework or driver of its own."""
    bad = {
        name
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in PLATFORMS)
    }
    assert bad == set()


DOC = BOT.parent / "docs" / "architecture.md"
PACKAGES = ("core", "nlu", "faq", "pipeline", "store", "channels", "cli")
_NAMED = re.compile(r"`((?:bot[./])?(?:" + "|".join(PACKAGES) + r")[./][A-Za-z_][\w./]*)`")


def _module_and_rest(name: str) -> tuple[str, list[str]]:
    """`pipeline/handle.handle` -> ("bot.pipeline.handle", ["handle"])."""
    parts = [p for p in re.split(r"[./]", name.removesuffix(".py")) if p and p != "py"]
    if parts[0] == "bot":
        parts = parts[1:]
    for size in range(len(parts), 0, -1):
        module = "bot." + ".".join(parts[:size])
        try:
            found = importlib.util.find_spec(module)
        except ModuleNotFoundError:  # a parent is a module, not a package
            continue
        if found is not None:
            return module, parts[size:]
    return "", parts


def test_every_module_the_architecture_page_names_exists() -> None:
    """docs/architecture.md names modules, classes and functions (`pipeline/handle._deliver`,
    `core.handoff.Handoff`): each must be in the code as it is."""
    text = DOC.read_text(encoding="utf-8")
    missing = []
    for name in sorted(set(_NAMED.findall(text))):
        module, rest = _module_and_rest(name)
        if not module:
            missing.append(name)
            continue
        target: object = importlib.import_module(module)
        for attribute in rest[:1]:  # a class's methods may be named too: check the first level
            if not hasattr(target, attribute):
                missing.append(name)
    assert missing == []


def test_the_module_map_lists_every_module() -> None:
    """The map's code block and the package folders agree, both ways."""
    text = DOC.read_text(encoding="utf-8")
    block = text.split("## Module map", 1)[1].split("```", 2)[1]
    listed: set[str] = set()
    folder = ""
    for line in block.splitlines():
        head = re.match(r"\s{2}(\w+)/\s", line)
        if head:
            folder = head.group(1) + "/"
        elif re.match(r"\s{2}\S", line):
            folder = ""
        listed |= {folder + name for name in re.findall(r"([\w]+\.py)", line)}
    actual = {
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        if "_shipped" not in path.parts and path.name != "__init__.py"
    }
    listed = {name for name in listed if not name.endswith("__init__.py")}
    assert listed == actual
