"""The domain concept lexicon (`bot/nlu/concepts.py`) and the rules that keep questions that
name a language or use "ok" from being read as a language switch or as thanks."""

import pytest

from bot.core import safety
from bot.faq import model as faq
from bot.nlu import concepts
from bot.nlu.concepts import NOT_COVERED, Lexicon, parse
from tests.conftest import ROOT


def test_shipped_lexicon_names_only_existing_topics() -> None:
    """Every topic a concept points at is one of the shipped FAQ's (or the not-covered mark):
    a renamed topic would silently lose its concepts."""
    topics = set(faq.load_or_raise(ROOT / "faq").topics) | {NOT_COVERED}
    lexicon = concepts.load()
    assert lexicon.concepts
    for concept in lexicon.concepts:
        assert set(concept.topics) <= topics, concept.id


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        pytest.param("I have rosacea", "effects.immune", id="en-condition"),
        pytest.param("眉毛が薄くなってきた", "effects.hair", id="ja-body-part"),
        pytest.param("this costs a fortune", "cost", id="en-money-idiom"),
        pytest.param("料金が高すぎませんか", "cost", id="ja-money"),
        pytest.param("厚労省が注意喚起を出したらしい", "safety", id="ja-news"),
        pytest.param("how long do the results last", "sessions", id="en-duration"),
        pytest.param("ＡＧＡにも効く？", "effects.hair", id="full-width-folded"),
    ],
)
def test_lexicon_points_at_topic(text: str, topic: str) -> None:
    assert topic in concepts.load().topics(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("楽しみにしています", id="kana-term-not-inside-a-word"),
        pytest.param("I live in Spain", id="en-term-starts-a-word"),
        pytest.param("", id="empty"),
    ],
)
def test_lexicon_finds_nothing(text: str) -> None:
    assert concepts.load().topics(text) == {}


def test_longest_term_wins_and_each_concept_counts_once() -> None:
    lexicon = parse(
        """
[[concept]]
id = "a"
topics = ["x"]
ja = ["がん細胞", "がんの"]
[[concept]]
id = "b"
topics = ["y", "x"]
en = ["cell"]
ja = ["細胞"]
"""
    )
    assert lexicon.topics("がん細胞とがんの細胞") == {"x": 2.0, "y": 1.0}
    assert Lexicon().topics("がん細胞") == {}


def test_malformed_lexicon_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="concept lexicon"):
        parse("[[concept]]\nja = ['x']\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("英語でお願いします", "en", id="ja-asks-english"),
        pytest.param("Japanese please", "ja", id="en-asks-japanese"),
        pytest.param("Can you reply in English?", "en", id="reply-in"),
        pytest.param("do you speak english", "en", id="speak"),
        pytest.param("english", "en", id="bare-name"),
        pytest.param("Is it approved by the Japanese government?", None, id="adjective"),
        pytest.param("Can I get a receipt in English?", None, id="thing-in-a-language"),
        pytest.param("Do you use Korean or Japanese brands?", None, id="brands"),
    ],
)
def test_language_request_needs_a_request(text: str, expected: str | None) -> None:
    """Naming a language is not asking to switch to it."""
    assert safety.language_request(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("ok thanks!", "thanks", id="thanks"),
        pytest.param("わかりました、ありがとう", "thanks", id="ja-thanks"),
        pytest.param("is sauna ok after the drip?", None, id="ok-in-a-question"),
        pytest.param("ジムは何日後からOK？", None, id="ja-ok-in-a-question"),
        pytest.param("hello, I just added this account", "greeting", id="greeting"),
    ],
)
def test_small_talk_is_not_a_question(text: str, expected: str | None) -> None:
    assert safety.small_talk(text) == expected
