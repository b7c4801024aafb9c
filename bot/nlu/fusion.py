"""Learned fusion of the lexical and the semantic signals: which topic, or none.

Two logistic regressions, trained by `bench/train_fusion.py` on development data (leave-fold-out
FAQ examples and the labelled development files; never the blind sets) and shipped as plain
numbers in `fusion.json`, applied here with numpy:

- **topic**: one row per (message, topic) with the topic's lexical score, its best sentence-vector
  cosine to the topic's examples and to its label and answer sentences, how many of the
  message's domain concepts point at it (`concepts.py`), each one's gap to the message's best
  topic, and the vector cosines damped by the topic's number of examples (a thin topic's
  answer sentences say more than its one example). The probability that this topic is meant.
- **not covered**: one row per message: the topic model's best probability and margin, the best
  lexical and vector scores, the closeness to the nearest out-of-scope example, the lexical
  index's unknown-word evidence, the best concept count and the concepts of subjects the FAQ
  does not cover, and the FAQ's examples per topic. The probability that the FAQ does not cover
  the message.

Every feature is relative to the message or to one topic, never to a topic's identity, so the
same weights serve an edited FAQ, a new clinic's, or one of 2,000 topics.

`fast` holds the lexical fast path, also learned: a message whose lexical best score and lead
over the runner-up pass both limits is answered without the encoder (most well-worded questions).
"""

import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

WEIGHTS = Path(__file__).with_name("fusion.json")

Floats = npt.NDArray[np.float64]

PAIR_FEATURES = (
    "lexical",
    "lexical_gap",
    "vector",
    "vector_gap",
    "document",
    "document_gap",
    "concept",
    "concept_gap",
    "vector_sparse",
    "document_sparse",
)
MESSAGE_FEATURES = (
    "top_probability",
    "top_margin",
    "lexical_best",
    "lexical_out_of_scope",
    "vector_best",
    "vector_out_of_scope",
    "vector_out_of_scope_lead",
    "document_best",
    "unknown_share",
    "foreign_word",
    "foreign_share",
    "kana_share",
    "concept_best",
    "concept_out_of_scope",
    "examples_per_topic",
)


@dataclass(frozen=True)
class Logistic:
    """A standardised logistic regression: P = σ(((x − mean) / scale) · coef + intercept)."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def probability(self, x: Floats) -> Floats:
        """P(positive) for each row of `x` (or for one vector)."""
        z = ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef)
        return np.asarray(1.0 / (1.0 + np.exp(-(z + self.intercept))))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Logistic":
        return cls(
            tuple(map(float, data["mean"])),
            tuple(map(float, data["scale"])),
            tuple(map(float, data["coef"])),
            float(data["intercept"]),
        )


@dataclass(frozen=True)
class FastPath:
    """Answer from the lexical index alone when its best score and lead pass these."""

    score: float
    lead: float


@dataclass(frozen=True)
class Inputs:
    """One message's signals, every array in the same topic order."""

    lexical: Floats  # per topic: the lexical index's score after its unknown-word factor
    lexical_out_of_scope: float  # the out-of-scope pseudo-topic's lexical score
    vector: Floats  # per topic: best cosine to its example questions
    document: Floats  # per topic: best cosine to its label and answer sentences
    vector_out_of_scope: float  # best cosine to an out-of-scope example
    unknown_share: float  # share of the message's content words the FAQ never uses
    foreign_word: float  # 1 when one of them is a known out-of-scope word ("botox")
    foreign_share: float  # share of the message's weight only out-of-scope examples have
    kana_share: float = 0.0  # share of the message's letters that are kana (`kana_share`)
    # per topic: how many of the message's lexicon concepts belong to it (`nlu/concepts.py`)
    concept: Floats | None = None
    concept_out_of_scope: float = 0.0  # how many name a subject the FAQ does not cover
    examples: Floats | None = None  # per topic: how many example questions it has


def _per_topic(values: Floats | None, like: Floats) -> Floats:
    return np.zeros_like(like) if values is None else values


def pair_features(x: Inputs) -> Floats:
    """One row per topic, columns as `PAIR_FEATURES`. The `_sparse` columns are the vector
    closeness damped by how many examples the topic has, so the model can learn to trust the
    answer sentences more, and the nearest example less, for a topic with few examples."""
    lex, vec, doc = x.lexical, x.vector, x.document
    concept = _per_topic(x.concept, lex)
    sparse = 1.0 / np.log(np.e + _per_topic(x.examples, lex))
    return np.stack(
        [
            lex,
            lex.max() - lex,
            vec,
            vec.max() - vec,
            doc,
            doc.max() - doc,
            concept,
            concept.max() - concept,
            vec * sparse,
            doc * sparse,
        ],
        axis=1,
    ).astype(np.float64)


def message_features(x: Inputs, probabilities: Floats) -> Floats:
    """The message's row, columns as `MESSAGE_FEATURES`."""
    top = np.sort(probabilities)[::-1]
    second = top[1] if len(top) > 1 else 0.0
    best_vec = float(x.vector.max()) if len(x.vector) else 0.0
    return np.array(
        [
            top[0] if len(top) else 0.0,
            (top[0] - second) if len(top) else 0.0,
            float(x.lexical.max()) if len(x.lexical) else 0.0,
            x.lexical_out_of_scope,
            best_vec,
            x.vector_out_of_scope,
            x.vector_out_of_scope - best_vec,
            float(x.document.max()) if len(x.document) else 0.0,
            x.unknown_share,
            x.foreign_word,
            x.foreign_share,
            x.kana_share,
            float(x.concept.max()) if x.concept is not None and len(x.concept) else 0.0,
            x.concept_out_of_scope,
            float(np.log1p(x.examples.mean()))
            if x.examples is not None and len(x.examples)
            else 0.0,
        ],
        dtype=np.float64,
    )


def kana_share(text: str) -> float:
    """The share of `text`'s letters that are kana. A question written in kana alone
    (しみしわにきく, ﾌｸｻﾖｳ) has no kanji for the lexical index to anchor on and reads to the
    sentence encoder unlike the written examples, so its other signals weigh differently."""
    letters = [ch for ch in unicodedata.normalize("NFKC", text) if ch.isalpha()]
    kana = sum(1 for ch in letters if "\u3041" <= ch <= "\u30ff")
    return kana / len(letters) if letters else 0.0


@dataclass(frozen=True)
class Verdict:
    """The fusion's reading of one message: topic probabilities (topic order) and P(not
    covered)."""

    probabilities: Floats
    not_covered: float


@dataclass(frozen=True)
class Fusion:
    """The learned weights; `trained_on` says on what (for the docs and the bench)."""

    topic: Logistic
    not_covered: Logistic
    fast: FastPath
    threshold: float = 0.5  # P(not covered) from which the message falls back
    trained_on: str = ""

    def verdict(self, x: Inputs) -> Verdict:
        if not len(x.lexical):
            return Verdict(np.zeros(0), 1.0)
        probs = self.topic.probability(pair_features(x))
        row = message_features(x, probs)
        return Verdict(probs, float(self.not_covered.probability(row)))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Fusion":
        data = json.loads(text)
        return cls(
            Logistic.from_dict(data["topic"]),
            Logistic.from_dict(data["not_covered"]),
            FastPath(float(data["fast"]["score"]), float(data["fast"]["lead"])),
            float(data.get("threshold", 0.5)),
            str(data.get("trained_on", "")),
        )


def load(path: Path = WEIGHTS) -> Fusion:
    """The shipped weights (raises OSError or ValueError when the file is missing or bad)."""
    fusion = Fusion.from_json(path.read_text(encoding="utf-8"))
    if len(fusion.topic.coef) != len(PAIR_FEATURES) or len(fusion.not_covered.coef) != len(
        MESSAGE_FEATURES
    ):
        raise ValueError(f"{path}: weights do not match this version's features")
    return fusion


def ranked(topics: Sequence[str], verdict: Verdict) -> list[tuple[str, float]]:
    """Topics by probability, best first, with the probability rounded for display."""
    order = np.argsort(-verdict.probabilities, kind="stable")
    return [(topics[i], round(float(verdict.probabilities[i]), 4)) for i in order]
