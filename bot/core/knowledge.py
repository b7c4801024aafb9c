"""Everything the core consults, built once per FAQ version: topics, search index, texts.

Building the index costs milliseconds per topic and loading the kana dictionary ~0.4 s, so a
`Knowledge` is made at start-up (and again when the FAQ changes) and then only read. Its FAQ
has the clinic's values filled into the answers (`{phone}` → its number), so every reply and
the staff's `/faq` lookup show real text; matching reads the answers without placeholders.

The semantic stage (`Semantic`: the sentence encoder, the FAQ's vectors and the learned fusion
weights) is built here too, so `decide` reads no file: loading the encoder costs ~0.7 s, the
FAQ's vectors come from the shipped seed and the `VAR_DIR/cache` file (docs/matching.md).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from bot.clinic import Clinic
from bot.faq.lint import without_placeholders
from bot.faq.model import Faq, fill_answers
from bot.faq.rules import OUT_OF_SCOPE
from bot.i18n import Catalogs
from bot.lang import LANGS
from bot.nlu import alarm as alarm_weights
from bot.nlu import concepts
from bot.nlu import fusion as fusion_weights
from bot.nlu.alarm import Alarm
from bot.nlu.concepts import Lexicon
from bot.nlu.features import Reader, Weights
from bot.nlu.fusion import Fusion
from bot.nlu.matcher import Index, build
from bot.nlu.reading import build_reader
from bot.nlu.semantic import CACHE_NAME, Encoder, Signals, Space, build_space, load_encoder


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
class Semantic:
    """The semantic stage: the encoder (loaded), the FAQ's vectors, the fusion weights."""

    encoder: Encoder
    space: Space
    fusion: Fusion
    # Per out-of-scope example (rows of `space.out_of_scope`): the not-covered subject it
    # belongs to, "" for one of `out_of_scope.toml` (the plain fallback reply).
    owners: tuple[str, ...] = ()
    lexicon: Lexicon = field(default_factory=Lexicon)  # domain concepts (`nlu/concepts.py`)
    alarm: Alarm | None = None  # triage's second net (`nlu/alarm.py`)

    def subject(self, signals: Signals) -> str:
        """The subject of the out-of-scope example nearest to the message ("" for none)."""
        i = signals.nearest_out_of_scope
        return self.owners[i] if 0 <= i < len(self.owners) else ""


@dataclass(frozen=True)
class Knowledge:
    """The FAQ, its search index, the UI catalogs and the clinic's facts, as one value;
    `semantic` is None for the lexical matcher alone."""

    faq: Faq
    index: Index
    catalogs: Catalogs
    thresholds: Thresholds = field(default_factory=Thresholds)
    clinic: Clinic = field(default_factory=Clinic)
    semantic: Semantic | None = None


def _examples(faq: Faq) -> Iterator[tuple[str, str]]:
    for topic in faq.topics.values():
        for lang in LANGS:
            for question in topic.entry(lang).questions:
                yield topic.id, question
    for _, question in out_of_scope_examples(faq):
        yield OUT_OF_SCOPE, question


def out_of_scope_examples(faq: Faq) -> Iterator[tuple[str, str]]:
    """(subject id, example) for every message the FAQ must not answer: those of
    `out_of_scope.toml` with "" as their subject, then each listed subject's."""
    for lang in LANGS:
        for question in faq.out_of_scope.get(lang, ()):
            yield "", question
    for subject in faq.subjects.values():
        for lang in LANGS:
            for question in subject.questions.get(lang, ()):
                yield subject.id, question


def cold_start(faq: Faq) -> Faq:
    """`faq` as a new clinic would first write it: each topic keeps its label, its answer and
    only its first example question per language (out-of-scope examples likewise).

    `python -m bot eval --cold-start FILE` measures how much the matcher gets from so little."""
    topics = {
        topic_id: replace(
            topic,
            ja=replace(topic.ja, questions=topic.ja.questions[:1]),
            en=replace(topic.en, questions=topic.en.questions[:1]),
        )
        for topic_id, topic in faq.topics.items()
    }
    out_of_scope = {lang: questions[:1] for lang, questions in faq.out_of_scope.items()}
    subjects = {
        subject_id: replace(
            subject,
            questions=MappingProxyType({k: v[:1] for k, v in subject.questions.items()}),
        )
        for subject_id, subject in faq.subjects.items()
    }
    return replace(
        faq,
        topics=MappingProxyType(topics),
        out_of_scope=MappingProxyType(out_of_scope),
        subjects=MappingProxyType(subjects),
    )


def _vocabulary_texts(faq: Faq) -> Iterator[str]:
    for topic in faq.topics.values():
        for lang in LANGS:
            entry = topic.entry(lang)
            yield entry.label
            yield without_placeholders(entry.answer)
            yield from entry.questions


_SENTENCE_END = re.compile(r"(?<=[。!?！？])|(?<=[.!?])\s+|\n+")
_BULLET = re.compile(r"^\s*(?:[-・*※]|\d+[.)])\s*")


def _sentences(answer: str) -> list[str]:
    """The sentences and list items of an answer, placeholders blanked, bullets cut."""
    parts = (_BULLET.sub("", part).strip() for part in _SENTENCE_END.split(answer))
    return [part for part in parts if part]


def _documents(faq: Faq) -> Iterator[tuple[str, str]]:
    """One text per topic, its labels and answer sentences, matched as a weaker example of
    the topic (`Weights.document`). A sentence found in more than one answer (the disclosure,
    "call 119 if …") or one that points to another topic ("see "Side effects"") says nothing
    about which topic is meant, and is left out."""
    per_topic = {
        topic.id: {
            lang: _sentences(without_placeholders(topic.entry(lang).answer)) for lang in LANGS
        }
        for topic in faq.topics.values()
    }
    seen: dict[str, set[str]] = {}
    for topic_id, by_lang in per_topic.items():
        for sentences in by_lang.values():
            for sentence in sentences:
                seen.setdefault(sentence, set()).add(topic_id)
    for topic in faq.topics.values():
        kept = []
        for lang in LANGS:
            others = [
                other.entry(lang).label for other in faq.topics.values() if other is not topic
            ]
            kept.append(topic.entry(lang).label)
            for sentence in per_topic[topic.id][lang]:
                points_elsewhere = any(
                    f"「{other}」" in sentence or f'"{other}"' in sentence for other in others
                )
                if len(seen[sentence]) == 1 and not points_elsewhere:
                    kept.append(sentence)
        yield topic.id, "\n".join(kept)


def semantic_parts(
    faq: Faq,
) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    """What the semantic stage embeds: topic ids, (topic, example question) pairs, (topic,
    label or answer sentence) pairs, and the out-of-scope examples."""
    topics = list(faq.topics)
    examples = [(t, q) for t, q in _examples(faq) if t != OUT_OF_SCOPE]
    documents = [(t, line) for t, text in _documents(faq) for line in text.split("\n")]
    out_of_scope = [q for _, q in out_of_scope_examples(faq)]
    return topics, examples, documents, out_of_scope


def semantic_texts(faq: Faq) -> Iterator[str]:
    """Every text the semantic stage embeds (the content of `bot/nlu/vectors.npz`)."""
    _, examples, documents, out_of_scope = semantic_parts(faq)
    yield from (t for _, t in examples)
    yield from (t for _, t in documents)
    yield from out_of_scope


def build_semantic(faq: Faq, encoder: Encoder | None = None, cache: Path | None = None) -> Semantic:
    """The semantic stage for `faq`; `encoder` defaults to loading the shipped one. Raises
    OSError or ValueError when the shipped fusion weights are missing or do not fit."""
    encoder = encoder or load_encoder()
    space = build_space(*semantic_parts(faq), encoder, cache)
    owners = tuple(subject for subject, _ in out_of_scope_examples(faq))
    return Semantic(
        encoder, space, fusion_weights.load(), owners, concepts.load(), alarm_weights.load()
    )


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
    weights: Weights | None = None,
    *,
    semantic: bool = True,
    encoder: Encoder | None = None,
    vector_cache: Path | None = None,
) -> Knowledge:
    """Index `faq` for matching and fill the clinic's values into its answers; `reader`
    defaults to readings of the FAQ's own kanji words, kept in `reading_cache` between runs.
    With `semantic` the semantic stage is built too: `encoder` (default: load the shipped
    one; pass a running one to share it) and the FAQ's vectors, kept in `vector_cache`
    (default: `vectors.npz` beside `reading_cache`).

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
        weights=weights,
        negative=frozenset({OUT_OF_SCOPE}),
        documents=_documents(faq),
    )
    stage = None
    if semantic:
        if vector_cache is None and reading_cache is not None:
            vector_cache = reading_cache.with_name(CACHE_NAME)
        stage = build_semantic(faq, encoder, vector_cache)
    return Knowledge(filled, index, catalogs, thresholds or Thresholds(), clinic, stage)
