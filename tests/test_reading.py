"""Kana readings: the seed shipped with the code covers the shipped FAQ; first starts are fast."""

import json
from pathlib import Path

from bot.core.knowledge import faq_texts
from bot.faq import model as faq
from bot.nlu.reading import SEED, build_reader, seed_readings

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_seed_is_exactly_what_the_shipped_faq_needs() -> None:
    """Out of date after an FAQ edit: run `make readings` (pykakasi's readings, regenerated)."""
    texts = faq_texts(faq.load_or_raise(ROOT / "faq"))

    assert json.loads(SEED.read_text(encoding="utf-8")) == seed_readings(texts)


def test_new_words_are_read_and_cached_beside_the_seed(tmp_path: Path) -> None:
    """A word the seed lacks is read with pykakasi once and kept in the cache, not the seed."""
    seed, cache = tmp_path / "seed.json", tmp_path / "cache" / "readings.json"
    seeded = {"効果": "こうか", "効": "こう", "果": "か"}
    seed.write_text(json.dumps(seeded), encoding="utf-8")

    reader = build_reader(["効果と副作用"], cache, seed)

    assert reader("副作用の効果") == "ふくさようのこうか"
    cached = json.loads(cache.read_text(encoding="utf-8"))
    assert cached["副作用"] == "ふくさよう"
    assert json.loads(seed.read_text(encoding="utf-8")) == seeded


def test_seed_and_cache_need_no_dictionary(tmp_path: Path) -> None:
    """When the seed has every word, no cache file is written (pykakasi was not needed)."""
    seed, cache = tmp_path / "seed.json", tmp_path / "readings.json"
    seed.write_text(json.dumps({"効果": "こうか", "効": "こう", "果": "か"}), encoding="utf-8")

    reader = build_reader(["効果"], cache, seed)

    assert reader("効果") == "こうか"
    assert not cache.exists()
