"""Shared fixtures: the real FAQ, catalogs and knowledge, built once per test session."""

from pathlib import Path

import pytest

from bot import i18n
from bot.core.knowledge import Knowledge, build_knowledge
from bot.faq import model as faq

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(name="knowledge", scope="session")
def _knowledge() -> Knowledge:
    return build_knowledge(faq.load_or_raise(ROOT / "faq"), i18n.load(ROOT / "locales"))


pytest_plugins = ["tests.standins.fixtures"]
