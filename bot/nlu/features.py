"""Turn a message into weighted features for lexical matching.

Japanese has no spaces and patients mix kanji, kana and typos, so we match on characters:
- `j:` character bigrams of the Japanese text as written (after folding),
- `r:` bigrams of its kana reading, so ふくさよう finds 副作用 (every analyzer breaks all-hiragana
  input; readings compared by bigrams do not),
- `w:` English word stems and `c:` their character trigrams, so "sied effects" still finds
  "side effects".
Polite endings and filler ("教えていただけますか") are cut first: they say nothing about the topic.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from bot.nlu.normalize import is_japanese, is_kanji, normalize

Reader = Callable[[str], str]
"""Gives the hiragana reading of Japanese text (kanji included)."""

# Endings and filler that appear in questions of every topic (normalized: hiragana, no ー).
_JA_FILLER = sorted(
    {
        "いただけますでしょうか",
        "いただけますか",
        "いただきたいです",
        "いただけませんか",
        "おしえてください",
        "教えてください",
        "おしえて",
        "教えて",
        "知りたいです",
        "しりたいです",
        "知りたい",
        "しりたい",
        "でしょうか",
        "ですか",
        "ますか",
        "ください",
        "ですが",
        "のですが",
        "んですが",
        "なのですが",
        "なんですが",
        "なんですか",
        "なのですか",
        "について",
        "に関して",
        "にかんして",
        "すみません",
        "あの",
        "えっと",
        "ちなみに",
        "ところで",
        "です",
        "ます",
        "でしょう",
        "かな",
        "よね",
        "ってなに",
        "ってなん",
        "って何",
        "とは",
        "こんにちは",
    },
    key=len,
    reverse=True,
)
_JA_FILLER_RE = re.compile("|".join(re.escape(f) for f in _JA_FILLER))
_JA_RUN = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff々]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

_ARTICLES = frozenset({"a", "an", "the"})
EN_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "am",
        "was",
        "were",
        "be",
        "been",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "but",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "please",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "any",
        "some",
        "about",
        "with",
        "from",
        "by",
        "as",
        "if",
        "so",
        "just",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "im",
        "i'm",
        "it's",
        "what's",
        "hi",
        "tell",
        "know",
        "want",
        "like",
        "get",
    ]
)


@dataclass(frozen=True)
class Weights:
    """How much each feature family counts; tuned with `python -m bot eval`."""

    bigram: float = 1.0
    reading: float = 1.0
    reading_kana_only: float = 1.0
    word: float = 1.0
    trigram: float = 0.3
    kanji: float = 0.8
    word_pair: float = 0.5
    idf_power: float = 1.0  # >1 lets rare, telling features outweigh common domain words
    second: float = 0.1  # share of a topic's second-best example added to its score
    centroid: float = 0.5  # share of the score from the topic's centroid (vs. nearest example)
    # A topic's own words (labels and answer sentences, one document per topic) count as a
    # weaker example: `document` times cosine^(1 - coverage) * (share of the message's weight
    # the document holds)^coverage. The share is what matters for a long answer vs. a short
    # message; the cosine keeps a message that merely mentions one answer word low.
    document: float = 0.6
    document_coverage: float = 0.75
    document_centroid: float = 1.0  # its weight in its topic's centroid (a question's is 1)


def stem(word: str) -> str:
    """A light English stemmer: enough to fold plurals and -ing/-ed, nothing clever."""
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + repl
    return word


def japanese_runs(text: str) -> list[str]:
    """Normalized Japanese segments with filler removed, e.g. ['副作用', 'しんぱい']."""
    cut = _JA_FILLER_RE.sub(" ", text)
    return [run for run in _JA_RUN.findall(cut) if run]


def english_words(text: str) -> list[str]:
    """Normalized, stemmed English content words."""
    return [stem(w) for w in _LATIN_WORD.findall(text) if w not in EN_STOPWORDS]


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def extract(
    text: str, reader: Reader, weights: Weights, correct: Callable[[str], str] | None = None
) -> dict[str, float]:
    """Weighted bag of features of one message; `text` may be raw patient input.

    `correct` maps an English word to the one the examples use ("saef" -> "safe").
    """
    norm = normalize(text)
    feats: dict[str, float] = {}

    def add(key: str, weight: float) -> None:
        feats[key] = feats.get(key, 0.0) + weight

    runs = japanese_runs(norm)
    has_kanji = any(is_kanji(ch) for run in runs for ch in run)
    reading_weight = weights.reading if has_kanji else weights.reading_kana_only
    for run in runs:
        if any(is_kanji(ch) for ch in run):
            for bg in _bigrams(run):
                add("j:" + bg, weights.bigram)
            for ch in run:
                if is_kanji(ch):
                    add("k:" + ch, weights.kanji)
            reading = normalize(reader(run))
        else:  # kana only: the text is its own reading; count it once
            reading = run
        for bg in _bigrams(reading):
            if all(is_japanese(ch) for ch in bg):
                add("r:" + bg, reading_weight)
    words = english_words(norm)
    if correct is not None:
        words = [correct(w) for w in words]
    for word in words:
        add("w:" + word, weights.word)
        padded = f"#{word}#"
        grams = [padded[i : i + 3] for i in range(len(padded) - 2)]
        for gram in grams:
            add("c:" + gram, weights.trigram / len(grams) * 2)
    plain = [w for w in _LATIN_WORD.findall(norm) if w not in _ARTICLES]
    for first, second in pairwise(plain):
        add(f"b:{first}_{second}", weights.word_pair)
    return feats
