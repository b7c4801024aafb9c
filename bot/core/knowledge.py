"""Everything the core consults, built once per FAQ version: topics, search index, texts.

Building the index costs milliseconds per topic and loading the kana dictionary ~0.4 s, so a
`Knowledge` is made at start-up (and again when the FAQ changes) and then only read. Its FAQ
has the clinic's values filled into the answers (`{phone}` → its number), so every reply and
the staff's `/faq` lookup show real text; matching reads the answers without placeholders.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.clinic import Clinic
from bot.faq import Faq, fill_answers
from bot.faq_lint import without_placeholders
from bot.i18n import Catalogs
from bot.lang import LANGS
from bot.nlu.features import Reader
from bot.nlu.matcher import Index, build
from bot.nlu.reading import build_reader

OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Thresholds:
    """Score limits for the decision, calibrated with `python -m bot eval` (docs/matching.md)."""

    answer: float = 0.42  # a best score under this is never answered outright
    floor: float = 0.16  # under this nothing is close: fallback
    margin: float = 0.06  # a runner-up within this of the best makes the answer ambiguous
    lead: float = 0.15  # a best this far ahead of the runner-up is answered even if under `answer`
    unknown_penalty: float = 0.6  # share of the score lost when every content word is unknown
    foreign_feature_penalty: float = 1.0  # times the share of out-of-scope-only features
    foreign_penalty: float = 0.8  # further share lost when a word is a known out-of-scope one


@dataclass(frozen=True)
class Knowledge:
    """The FAQ, its search index, the UI catalogs and the clinic's facts, as one value."""

    faq: Faq
    index: Index
    catalogs: Catalogs
    thresholds: Thresholds = field(default_factory=Thresholds)
    clinic: Clinic = field(default_factory=Clinic)


def _examples(faq: Faq) -> Iterator[tuple[str, str]]:
    for topic in faq.topics.values():
        for lang in LANGS:
            for question in topic.entry(lang).questions:
                yield topic.id, question
    for lang in LANGS:
        for question in faq.out_of_scope.get(lang, ()):
            yield OUT_OF_SCOPE, question


def _vocabulary_texts(faq: Faq) -> Iterator[str]:
    for topic in faq.topics.values():
        for lang in LANGS:
            entry = topic.entry(lang)
            yield entry.label
            yield without_placeholders(entry.answer)
            yield from entry.questions


def faq_texts(faq: Faq) -> list[str]:
    """Every FAQ text the matcher reads: labels, answers and example questions."""
    return [*_vocabulary_texts(faq), *(text for _, text in _examples(faq))]


def build_knowledge(
    faq: Faq,
    catalogs: Catalogs,
    reader: Reader | None = None,
    thresholds: Thresholds | None = None,
    reading_cache: Path | None = None,
    clinic: Clinic | None = None,
) -> Knowledge:
    """Index `faq` for matching and fill the clinic's values into its answers; `reader`
    defaults to readings of the FAQ's own kanji words, kept in `reading_cache` between runs.

    Raises `FaqError` when a filled answer is over LINE's limit."""
    clinic = clinic or Clinic()
    filled = fill_answers(faq, clinic)
    examples = list(_examples(faq))
    if reader is None:
        reader = build_reader(faq_texts(faq), reading_cache)
    index = build(
        examples,
        reader,
        _vocabulary_texts(faq),
        negative=frozenset({OUT_OF_SCOPE}),
    )
    return Knowledge(filled, index, catalogs, thresholds or Thresholds(), clinic)
