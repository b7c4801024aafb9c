"""Rank FAQ topics by how close a message is to their example questions.

TF-IDF weighted cosine over the character features of `features`, scored per example and
kept as the best example per topic (nearest neighbour): a topic is as close as its closest
way of asking. An inverted index keeps a query to the examples that share a feature with it,
so the cost grows with the overlap, not with the size of the FAQ.
"""

import heapq
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.nlu.features import Reader, Weights, extract
from bot.nlu.spelling import Speller
from bot.nlu.vocabulary import Vocabulary, content_words


@dataclass(frozen=True)
class Ranking:
    """Topics ranked best first, with what the message held that the FAQ does not know."""

    scores: tuple[tuple[str, float], ...]
    unknown_words: int
    content_words: int
    foreign_words: int = 0  # unknown words that out-of-scope examples use ("botox")
    foreign_share: float = 0.0  # share of the message's weight only out-of-scope examples have
    # Every topic the message shares a feature with, not only the best `limit`: the semantic
    # stage also reads the lexical score of topics that only the vectors put forward.
    every: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def best(self) -> tuple[str, float] | None:
        return self.scores[0] if self.scores else None


class Index:
    """An immutable search index over (topic id, example question) pairs."""

    def __init__(
        self,
        examples: Sequence[tuple[str, str]],
        reader: Reader,
        vocabulary: Vocabulary,
        *,
        weights: Weights | None = None,
        negative: frozenset[str] = frozenset(),
        foreign: Vocabulary | None = None,
        documents: Sequence[tuple[str, str]] = (),
    ) -> None:
        weights = weights or Weights()
        self._reader = reader
        self._weights = weights
        self._vocabulary = vocabulary
        self._foreign = foreign
        self._topics = [topic for topic, _ in examples]
        bags = [extract(text, reader, weights) for _, text in examples]
        self._speller = Speller(key[2:] for bag in bags for key in bag if key.startswith("w:"))
        # Labels and answers: a weaker example of their topic (`Weights.document`), so a
        # topic with one example question is still found by the words of its answer.
        docs = [(topic, extract(text, reader, weights)) for topic, text in documents]
        docs = [(topic, bag) for topic, bag in docs if bag] if weights.document else []
        bags = _set_apart(self._topics, bags, negative)
        # Features only out-of-scope examples have (ゃじ of ちゅうしゃじょう): evidence that a
        # message, even one in hiragana that no word list can split, is about something else.
        self._negative_only = frozenset(
            key
            for topic, bag in zip(self._topics, bags, strict=True)
            if topic in negative
            for key in bag
        )
        self._idf, self._unseen_idf = _idf(bags, weights.idf_power)
        self._postings, sums = self._example_postings(bags)
        self._doc_topics = [topic for topic, _ in docs]
        self._doc_postings = self._document_postings(docs, sums, weights.document_centroid)
        self._centroids = _centroids(sums)

    def _example_postings(
        self, bags: Sequence[Mapping[str, float]]
    ) -> tuple[dict[str, list[tuple[int, float]]], dict[str, dict[str, float]]]:
        """Each feature's (example, weight) list, and per topic the sum of its examples'
        normalised vectors (the centroid before its own normalising)."""
        postings: dict[str, list[tuple[int, float]]] = {}
        sums: dict[str, dict[str, float]] = {}
        for i, bag in enumerate(bags):
            vec = {key: tf * self._idf[key] for key, tf in bag.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            total = sums.setdefault(self._topics[i], {})
            for key, value in vec.items():
                postings.setdefault(key, []).append((i, value / norm))
                total[key] = total.get(key, 0.0) + value / norm
        return postings, sums

    def _document_postings(
        self,
        docs: Sequence[tuple[str, Mapping[str, float]]],
        sums: dict[str, dict[str, float]],
        centroid_share: float,
    ) -> dict[str, list[tuple[int, float]]]:
        """Document postings (IDF of the questions; a feature only answers have gets the
        unseen weight). The document also joins its topic's centroid in `sums`: with hundreds
        of questions it changes little, with one or two it says what the topic is about."""
        postings: dict[str, list[tuple[int, float]]] = {}
        for i, (topic, bag) in enumerate(docs):
            vec = {key: tf * self._idf.get(key, self._unseen_idf) for key, tf in bag.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            centroid = sums.get(topic) if centroid_share else None
            for key, value in vec.items():
                postings.setdefault(key, []).append((i, value / norm))
                if centroid is not None:
                    centroid[key] = centroid.get(key, 0.0) + centroid_share * value / norm
        return postings

    def _unknown(self, text: str) -> tuple[int, int, int]:
        """(unknown, content, foreign) word counts: foreign ones are known out-of-scope."""
        words = content_words(text)
        unknown = [(kind, w) for kind, w in words if not self._vocabulary.knows(kind, w)]
        foreign = sum(1 for kind, w in unknown if self._foreign and self._foreign.knows(kind, w))
        return len(unknown), len(words), foreign

    def _document_scores(self, query: dict[str, float], norm: float) -> Iterator[tuple[str, float]]:
        """Each topic document's score for `query` (see `Weights.document`)."""
        dots: dict[int, float] = {}
        held: dict[int, float] = {}
        for key, qv in query.items():
            for i, ev in self._doc_postings.get(key, ()):
                dots[i] = dots.get(i, 0.0) + qv * ev
                held[i] = held.get(i, 0.0) + qv * qv
        cover = self._weights.document_coverage
        for i, dot in dots.items():
            cosine, share = dot / norm, held[i] / (norm * norm)
            yield self._doc_topics[i], self._weights.document * cosine ** (1 - cover) * share**cover

    def rank(self, text: str, limit: int = 5) -> Ranking:
        """The `limit` closest topics to `text`, with cosine scores in [0, 1]."""
        bag = extract(text, self._reader, self._weights, self._speller)
        unknown, content, foreign = self._unknown(text)
        query = {key: tf * self._idf.get(key, self._unseen_idf) for key, tf in bag.items()}
        norm = math.sqrt(sum(v * v for v in query.values()))
        if not norm:
            return Ranking((), unknown, content, foreign)
        foreign_share = sum(v for k, v in query.items() if k in self._negative_only) / sum(
            query.values()
        )
        dots: dict[int, float] = {}
        for key, qv in query.items():
            for i, ev in self._postings.get(key, ()):
                dots[i] = dots.get(i, 0.0) + qv * ev
        # Nearest example per topic, plus a little for a second close example of the same
        # topic: two ways of asking that both fit are better evidence than one.
        top: dict[str, list[float]] = {}
        for i, dot in dots.items():
            _keep_best(top, self._topics[i], dot / norm)
        for topic, score in self._document_scores(query, norm):
            _keep_best(top, topic, score)
        central: dict[str, float] = {}
        for key, qv in query.items():
            for topic, cv in self._centroids.get(key, ()):
                central[topic] = central.get(topic, 0.0) + qv * cv / norm
        mix = self._weights.centroid
        best = {
            t: (1 - mix) * (a + self._weights.second * b) + mix * central.get(t, 0.0)
            for t, (a, b) in top.items()
        }
        ranked = heapq.nlargest(limit, best.items(), key=lambda item: item[1])
        return Ranking(
            tuple(ranked), unknown, content, foreign, foreign_share, MappingProxyType(best)
        )


def _keep_best(top: dict[str, list[float]], topic: str, score: float) -> None:
    """Keep the two best scores of `topic` in `top`."""
    pair = top.setdefault(topic, [0.0, 0.0])
    if score > pair[0]:
        pair[0], pair[1] = score, pair[0]
    elif score > pair[1]:
        pair[1] = score


def build(
    examples: Iterable[tuple[str, str]],
    reader: Reader,
    vocabulary_texts: Iterable[str],
    weights: Weights | None = None,
    negative: frozenset[str] = frozenset(),
    documents: Iterable[tuple[str, str]] = (),
) -> Index:
    """An index over the examples; the vocabulary comes from all FAQ text, answers included.

    Examples of a `negative` topic also teach the words of what the FAQ does not cover.
    """
    examples = list(examples)
    foreign = Vocabulary(text for topic, text in examples if topic in negative)
    return Index(
        examples,
        reader,
        Vocabulary(vocabulary_texts, reader),
        weights=weights,
        negative=negative,
        foreign=foreign,
        documents=list(documents),
    )


def _set_apart(
    topics: Sequence[str], bags: Sequence[dict[str, float]], negative: frozenset[str]
) -> list[dict[str, float]]:
    """A negative example ("ボトックスの料金") votes only with what sets it apart from the FAQ
    (ボトックス), never with what it shares with a real topic (料金)."""
    positive = {
        key for topic, bag in zip(topics, bags, strict=True) if topic not in negative for key in bag
    }
    return [
        {k: v for k, v in bag.items() if k not in positive} if topic in negative else bag
        for topic, bag in zip(topics, bags, strict=True)
    ]


def _idf(bags: Sequence[Mapping[str, float]], power: float) -> tuple[dict[str, float], float]:
    """Each feature's IDF over the example questions (answers do not count: their words would
    outweigh the questions'), and the weight of a feature no question has."""
    df: dict[str, int] = {}
    for bag in bags:
        for key in bag:
            df[key] = df.get(key, 0) + 1
    n = len(bags)
    idf = {key: (math.log((n + 1) / (count + 1)) + 1.0) ** power for key, count in df.items()}
    return idf, (math.log(n + 1) + 1.0) ** power


def _centroids(sums: Mapping[str, Mapping[str, float]]) -> dict[str, list[tuple[str, float]]]:
    """Each topic's centroid: what its ways of asking have in common, as feature postings."""
    centroids: dict[str, list[tuple[str, float]]] = {}
    for topic, total in sums.items():
        norm = math.sqrt(sum(v * v for v in total.values())) or 1.0
        for key, value in total.items():
            centroids.setdefault(key, []).append((topic, value / norm))
    return centroids
