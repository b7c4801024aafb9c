"""A reload of the FAQ reuses the running sentence encoder instead of loading a second copy."""

from pathlib import Path

import pytest

from bot import app as app_module
from bot.core import knowledge as knowledge_module
from bot.settings import Settings
from tests.test_semantic import CountingEncoder

ROOT = Path(__file__).resolve().parents[1]


def _settings(tmp_path: Path) -> Settings:
    env = {
        "LINE_CHANNEL_SECRET": "s",
        "LINE_CHANNEL_ACCESS_TOKEN": "t",
        "VAR_DIR": str(tmp_path / "var"),
        "CONFIG_DIR": str(ROOT / "config"),
        "HOURS_FILE": str(ROOT / "config" / "hours.toml"),
    }
    return Settings.from_env(env, faq_dir=ROOT / "faq")


def test_a_reload_shares_the_running_encoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    encoder = CountingEncoder()
    runtime = app_module.Runtime(app_module.load_knowledge(settings, encoder))
    assert runtime.knowledge.semantic is not None
    assert runtime.knowledge.semantic.encoder is encoder

    def no_second_encoder() -> None:
        raise AssertionError("a reload loaded another encoder")

    monkeypatch.setattr(knowledge_module, "load_encoder", no_second_encoder)
    encoder.calls.clear()
    loaded = app_module.reloader(settings, runtime)()

    assert loaded.knowledge.semantic is not None
    assert loaded.knowledge.semantic.encoder is encoder
    assert encoder.calls == []  # nothing changed: every vector from the cache


def test_a_lexical_runtime_reloads_without_an_encoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    running = app_module.load_knowledge(settings, CountingEncoder())
    lexical = app_module.Runtime(
        knowledge_module.Knowledge(running.faq, running.index, running.catalogs)
    )
    passed: list[object] = []
    monkeypatch.setattr(app_module, "load_all", lambda _settings, encoder: passed.append(encoder))
    app_module.reloader(settings, lexical)()
    assert passed == [None]
