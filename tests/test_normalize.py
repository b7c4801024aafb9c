"""Normalization and language detection, as tables."""

import pytest

from bot.nlu.language import detect
from bot.nlu.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        pytest.param("エクソソーム", "えくそそむ", id="katakana-to-hiragana-and-long-vowel"),
        pytest.param("ｴｸｿｿｰﾑ", "えくそそむ", id="half-width-katakana"),
        pytest.param("ＥＸＯＳＯＭＥ", "exosome", id="full-width-latin"),
        pytest.param("Side  Effects?", "side effects?", id="case-and-spaces"),
        pytest.param("費用は？", "費用は?", id="full-width-punctuation"),
        pytest.param("ﾋﾞﾀﾐﾝ", "びたみん", id="half-width-voiced-mark"),
    ],
)
def test_normalize_folds_variants(raw: str, folded: str) -> None:
    """Width, kana, long vowels and case are folded to one form."""
    assert normalize(raw) == folded


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        pytest.param("副作用はありますか", "ja", id="japanese"),
        pytest.param("ふくさようがしんぱいです", "ja", id="hiragana-only"),
        pytest.param("Are there side effects?", "en", id="english"),
        pytest.param("exosomeの費用は?", "ja", id="japanese-with-english-word"),
        pytest.param("Is エクソソーム safe?", "en", id="english-with-katakana-word"),
        pytest.param("How much is 点滴?", "en", id="english-with-kanji-word"),
        pytest.param("エクソソーム 費用", "ja", id="japanese-nouns-only"),
        pytest.param("👍", None, id="no-letters"),
        pytest.param("12345", None, id="digits-only"),
    ],
)
def test_detect_main_language(text: str, lang: str | None) -> None:
    """A message goes by the language its sentence is written in."""
    assert detect(text) == lang
