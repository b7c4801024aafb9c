"""A bilingual lexicon of domain concepts: which FAQ topic a condition or a worry belongs to.

Patients name their own condition or worry (rosacea, 眉毛が薄い, ぼったくり, a news story about
the ministry) in words no example question uses and the sentence encoder places far from the
topic that answers it, and a new clinic's FAQ has too few examples to hold such words at all.
`concepts.toml` groups such words by concept and names the topics each concept belongs to; the
fusion gets, per topic, how many of the message's concepts point at it, and weighs that like any
other signal (`bot/nlu/fusion.py`). The lexicon holds general domain knowledge, written from the
FAQ's topics, not from evaluation messages (docs/matching.md, "Round 3").
"""

import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

LEXICON = Path(__file__).with_name("concepts.toml")
NOT_COVERED = "out_of_scope"  # the pseudo-topic of subjects the FAQ does not cover


def fold(text: str) -> str:
    """Width and case folded; katakana stays katakana (しみ is in 楽しみ, シミ is not)."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True)
class Concept:
    """One concept: its id, the topics it belongs to and its words in either language."""

    id: str
    topics: tuple[str, ...]
    terms: tuple[str, ...]


def _by_first(terms: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Terms by their first character, longest first: a scan looks up only the terms that can
    start where it stands (one regex of a thousand alternatives tries them all everywhere)."""
    first: dict[str, list[str]] = {}
    for term in sorted(set(terms), key=len, reverse=True):
        first.setdefault(term[0], []).append(term)
    return {ch: tuple(terms) for ch, terms in first.items()}


def _word_start(text: str, i: int) -> bool:
    return i == 0 or not (text[i - 1].isascii() and text[i - 1].isalnum())


@dataclass(frozen=True)
class Lexicon:
    """Concepts by the words that name them (folded)."""

    concepts: tuple[Concept, ...] = ()
    _owners: Mapping[str, tuple[int, ...]] = field(
        default_factory=lambda: MappingProxyType({}), repr=False
    )
    _first: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}), repr=False
    )

    @classmethod
    def of(cls, concepts: Iterable[Concept]) -> "Lexicon":
        concepts = tuple(concepts)
        owners: dict[str, list[int]] = {}
        for i, concept in enumerate(concepts):
            for term in concept.terms:
                owners.setdefault(term, []).append(i)
        frozen = MappingProxyType({term: tuple(ids) for term, ids in owners.items()})
        return cls(concepts, frozen, MappingProxyType(_by_first(owners)))

    def found(self, text: str) -> list[Concept]:
        """The concepts `text` names, each once, in order of first mention. The longest term
        starting at a place wins; an ASCII term must start a word ("pain" is not in "spain"),
        a Japanese one may start anywhere (Japanese has no spaces)."""
        folded, seen, i = fold(text), dict[int, None](), 0
        while i < len(folded):
            step = 1
            for term in self._first.get(folded[i], ()):
                if folded.startswith(term, i) and (not term.isascii() or _word_start(folded, i)):
                    seen.update(dict.fromkeys(self._owners[term]))
                    step = len(term)
                    break
            i += step
        return [self.concepts[i] for i in seen]

    def topics(self, text: str) -> dict[str, float]:
        """Per topic, how many of the concepts `text` names belong to it (`NOT_COVERED` for
        subjects the FAQ does not cover)."""
        counts: dict[str, float] = {}
        for concept in self.found(text):
            for topic in concept.topics:
                counts[topic] = counts.get(topic, 0.0) + 1.0
        return counts


def parse(text: str) -> Lexicon:
    """The lexicon of a `concepts.toml` text (raises ValueError when it is malformed)."""
    try:
        data = tomllib.loads(text)
        concepts = [
            Concept(
                str(entry["id"]),
                tuple(map(str, entry["topics"])),
                tuple(fold(str(t)) for lang in ("ja", "en") for t in entry.get(lang, ())),
            )
            for entry in data.get("concept", ())
        ]
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"concept lexicon: {exc}") from exc
    return Lexicon.of(c for c in concepts if c.terms)


def load(path: Path = LEXICON) -> Lexicon:
    """The shipped lexicon (raises OSError or ValueError when it is missing or malformed)."""
    return parse(path.read_text(encoding="utf-8"))
