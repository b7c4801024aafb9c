"""Rank FAQ topics by how close a message is to their example questions.

TF-IDF weighted cosine over the character features of `features`, scored per example and
kept as the best example per topic (nearest neighbour): a topic is as close as its closest
way of asking. An inverted index keeps a query to the examples that share a feature with it,
so the cost grows with the overlap, not with the size of the FAQ.
"""

import heapq
import math
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from bot.nlu.features import Reader, Weights, extract
from bot.nlu.spelling import Speller
from bot.nlu.vocabulary import Vocabulary, content_words

Floats = npt.NDArray[np.float64]


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


@dataclass(frozen=True)
class Rows:
    """Sparse rows (feature ids, weights), each topic's rows side by side. The postings walk
    of `Index.rank` costs as much as every example sharing a feature with the message; these
    let `Index.rank_among` read the rows of a few candidate topics only (a clause's scores)."""

    ids: npt.NDArray[np.int32]
    values: npt.NDArray[np.float64]
    cuts: npt.NDArray[np.intp]  # row r is [cuts[r], cuts[r + 1]) of `ids` and `values`
    spans: Mapping[str, tuple[int, int]]  # each topic's rows [first, end)

    def dots(
        self, query: npt.NDArray[np.float64], topics: Iterable[str]
    ) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """For each row of `topics`: its topic, its dot product with the dense `query`, and
        the sum of the squared query weights of the features it holds (`_document_scores`)."""
        owners: list[str] = []
        pieces: list[slice] = []
        lengths: list[npt.NDArray[np.intp]] = []
        for topic in topics:
            first, end = self.spans.get(topic, (0, 0))
            if end > first:
                owners.extend([topic] * (end - first))
                pieces.append(slice(self.cuts[first], self.cuts[end]))
                lengths.append(np.diff(self.cuts[first : end + 1]))
        if not owners:
            empty = np.zeros(0, np.float64)
            return owners, empty, empty
        ids = np.concatenate([self.ids[p] for p in pieces])
        weights = query[ids]
        counts = np.concatenate(lengths)
        row = np.repeat(np.arange(len(owners)), counts)  # each feature's row, for bincount
        values = np.concatenate([self.values[p] for p in pieces])
        dots = np.bincount(row, weights * values, minlength=len(owners))
        held = np.bincount(row, weights * weights, minlength=len(owners))
        return owners, dots.astype(np.float64), held.astype(np.float64)


def _rows(
    postings: Mapping[str, Sequence[tuple[int, float]]],
    owners: Sequence[str],
    feature_id: Mapping[str, int],
) -> Rows:
    """The postings turned around: one sparse row per entry of `owners` (its topic), rows of
    one topic side by side. Built with numpy, not per posting, as it adds to every start-up."""
    lengths = [len(posted) for posted in postings.values()]
    total = sum(lengths)
    keys = np.fromiter((feature_id[key] for key in postings), np.int32, len(postings))
    row = np.fromiter((i for posted in postings.values() for i, _ in posted), np.intp, total)
    values = np.fromiter((v for posted in postings.values() for _, v in posted), np.float64, total)
    names = sorted(set(owners))
    topic = np.searchsorted(np.array(names), np.array(owners)) if owners else np.zeros(0, np.intp)
    position = np.empty(len(owners), np.intp)  # each row's place once grouped by topic
    position[np.argsort(topic, kind="stable")] = np.arange(len(owners))
    order = np.argsort(position[row], kind="stable")
    cuts = np.zeros(len(owners) + 1, np.intp)
    cuts[1:] = np.cumsum(np.bincount(position[row], minlength=len(owners)))
    ends = np.cumsum(np.bincount(topic, minlength=len(names)))
    spans = {
        name: (int(end - count), int(end))
        for name, end, count in zip(
            names, ends, np.bincount(topic, minlength=len(names)), strict=True
        )
    }
    return Rows(np.repeat(keys, lengths)[order], values[order], cuts, MappingProxyType(spans))


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
        self._feature_id = {
            key: i for i, key in enumerate({**self._postings, **self._doc_postings})
        }
        self._example_rows = _rows(self._postings, self._topics, self._feature_id)
        self._doc_rows = _rows(self._doc_postings, self._doc_topics, self._feature_id)
        self._centroid_rows = _centroid_rows(self._centroids, self._feature_id)

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

    def _query(self, text: str) -> tuple[dict[str, float], float, Ranking]:
        """The weighted features of `text`, their norm, and a `Ranking` without scores that
        holds what the message has that the FAQ does not know."""
        bag = extract(text, self._reader, self._weights, self._speller)
        unknown, content, foreign = self._unknown(text)
        query = {key: tf * self._idf.get(key, self._unseen_idf) for key, tf in bag.items()}
        norm = math.sqrt(sum(v * v for v in query.values()))
        if not norm:
            return query, norm, Ranking((), unknown, content, foreign)
        foreign_share = sum(v for k, v in query.items() if k in self._negative_only) / sum(
            query.values()
        )
        return query, norm, Ranking((), unknown, content, foreign, foreign_share)

    def rank(self, text: str, limit: int = 5) -> Ranking:
        """The `limit` closest topics to `text`, with cosine scores in [0, 1]."""
        query, norm, empty = self._query(text)
        if not norm:
            return empty
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
        return self._ranked(top, central, limit, empty)

    def rank_among(self, text: str, topics: Collection[str], limit: int = 5) -> Ranking:
        """`rank` over `topics` only, each scored as `rank` scores it (up to rounding), from
        the rows of those topics: the cost grows with their examples, not with the FAQ. For
        scoring a message's clauses among the topics already chosen for the whole message."""
        query, norm, empty = self._query(text)
        if not norm:
            return empty
        dense = np.zeros(len(self._feature_id), np.float64)
        for key, qv in query.items():
            at = self._feature_id.get(key)
            if at is not None:
                dense[at] = qv
        top: dict[str, list[float]] = {}
        owners, dots, _ = self._example_rows.dots(dense, topics)
        self._keep_positive(top, owners, dots / norm)
        owners, dots, held = self._doc_rows.dots(dense, topics)
        cover = self._weights.document_coverage
        share = held / (norm * norm)
        scores = self._weights.document * (dots / norm) ** (1 - cover) * share**cover
        self._keep_positive(top, owners, scores)
        owners, dots, _ = self._centroid_rows.dots(dense, topics)
        central = dict(zip(owners, (dots / norm).tolist(), strict=True))
        return self._ranked(top, central, limit, empty)

    @staticmethod
    def _keep_positive(top: dict[str, list[float]], owners: Sequence[str], scores: Floats) -> None:
        """`_keep_best` for each row that shares a feature with the message (`rank` sees no
        other)."""
        for topic, score in zip(owners, scores.tolist(), strict=True):
            if score > 0.0:
                _keep_best(top, topic, score)

    def _ranked(
        self,
        top: Mapping[str, list[float]],
        central: Mapping[str, float],
        limit: int,
        empty: Ranking,
    ) -> Ranking:
        """Each topic's score from its two best rows and its centroid, the best `limit`
        first, with `empty`'s word counts."""
        mix = self._weights.centroid
        best = {
            t: (1 - mix) * (a + self._weights.second * b) + mix * central.get(t, 0.0)
            for t, (a, b) in top.items()
        }
        ranked = heapq.nlargest(limit, best.items(), key=lambda item: item[1])
        return replace(empty, scores=tuple(ranked), every=MappingProxyType(best))


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


def _centroid_rows(
    centroids: Mapping[str, Sequence[tuple[str, float]]], feature_id: Mapping[str, int]
) -> Rows:
    """The centroids as rows, one per topic (`Rows`)."""
    topics = sorted({topic for posted in centroids.values() for topic, _ in posted})
    at = {topic: i for i, topic in enumerate(topics)}
    postings = {key: [(at[t], v) for t, v in posted] for key, posted in centroids.items()}
    return _rows(postings, topics, feature_id)


def _centroids(sums: Mapping[str, Mapping[str, float]]) -> dict[str, list[tuple[str, float]]]:
    """Each topic's centroid: what its ways of asking have in common, as feature postings."""
    centroids: dict[str, list[tuple[str, float]]] = {}
    for topic, total in sums.items():
        norm = math.sqrt(sum(v * v for v in total.values())) or 1.0
        for key, value in total.items():
            centroids.setdefault(key, []).append((topic, value / norm))
    return centroids
