"""Train the semantic stage's fusion weights (`bot/nlu/fusion.json`) and measure them honestly.

Run: `.venv/bin/pip install -e '.[bench]'` (scikit-learn) then
`.venv/bin/python bench/train_fusion.py [--write] [--cold-start-training]`.

Training data (development data only; the blind sets are never read):
- every FAQ example question (and out-of-scope example) scored against the FAQ without its
  tenth (10 folds, for both the lexical index and the vectors), labelled with its topic or
  `fallback`;
- the messages of the labelled development files that reach matching (rule layers such as
  triage, greetings or a language switch decide the others), labelled as in the file;
- with `--cold-start-training`, the same messages scored again against the cold-start FAQ
  (each topic cut to one example question per language, with its label and answer).

Report: each development file predicted by weights trained without it (leave-one-file-out; the
FAQ items always in), the full FAQ and the cold-start FAQ, through the same code `decide` uses
(`bot.core.fast_answer`, `fusion_inputs`, `Fusion.verdict`). `--write` then trains on
everything and writes the weights with the fast path's limits.
"""

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import i18n  # noqa: E402
from bot.core import _scored, decide, fast_answer, fusion_inputs  # noqa: E402
from bot.core.decision import State  # noqa: E402
from bot.core.knowledge import (  # noqa: E402
    Knowledge,
    _documents,
    _examples,
    _vocabulary_texts,
    build_knowledge,
    cold_start,
    semantic_parts,
)
from bot.evaluation import read_cases  # noqa: E402
from bot.faq import model as faq  # noqa: E402
from bot.faq.rules import OUT_OF_SCOPE  # noqa: E402
from bot.nlu import concepts  # noqa: E402
from bot.nlu import fusion as F  # noqa: E402, N812
from bot.nlu.matcher import build  # noqa: E402
from bot.nlu.semantic import Encoder, Space, build_space, embed, load_encoder  # noqa: E402

FILES = {
    "messages": ROOT / "tests/eval/messages.tsv",
    "holdout": ROOT / "tests/eval/holdout.tsv",
    "dev-shared": ROOT / "tests/eval/patients/dev-shared.tsv",
    "dev-ja": ROOT / "tests/eval/patients/dev-ja.tsv",
    "dev-en": ROOT / "tests/eval/patients/dev-en.tsv",
}
PATIENT_FILES = ("dev-shared", "dev-ja", "dev-en")
CACHE = ROOT / "var" / "cache" / "vectors.npz"
FOLDS = 10
LEXICON = concepts.load()
FALLBACK = "fallback"


@dataclass
class Item:
    text: str
    lang: str
    gold: frozenset[str]
    inputs: F.Inputs
    lexical_best: str | None  # the fast path's answer if it took the message
    scored: list[tuple[str, float]]
    source: str


def _space(k_faq: faq.Faq, encoder: Encoder) -> Space:
    return build_space(*semantic_parts(k_faq), encoder, CACHE)


def faq_items(loaded: faq.Faq, k: Knowledge, encoder: Encoder) -> list[Item]:
    """Every FAQ example scored against the FAQ without its fold."""
    examples = list(_examples(loaded))
    topics = list(loaded.topics)
    reader = k.index._reader
    documents = list(_documents(loaded))
    _, _, doc_pairs, _ = semantic_parts(loaded)
    base_texts = list(_vocabulary_texts(loaded))
    items = []
    vectors = embed([t for _, t in examples], encoder, CACHE)
    for fold in range(FOLDS):
        kept = [e for i, e in enumerate(examples) if i % FOLDS != fold]
        index = build(
            kept,
            reader,
            base_texts,
            negative=frozenset({OUT_OF_SCOPE}),
            documents=documents,
        )
        space = build_space(
            topics,
            [(t, q) for t, q in kept if t != OUT_OF_SCOPE],
            doc_pairs,
            [q for t, q in kept if t == OUT_OF_SCOPE],
            encoder,
            CACHE,
        )
        sub = Knowledge(k.faq, index, k.catalogs, k.thresholds, k.clinic)
        for i in range(fold, len(examples), FOLDS):
            topic, text = examples[i]
            gold = frozenset({FALLBACK} if topic == OUT_OF_SCOPE else {topic})
            items.append(_item(text, "", gold, sub, space, vectors[i], topics, "faq"))
    return items


def _item(
    text: str,
    lang: str,
    gold: frozenset[str],
    k: Knowledge,
    space: Space,
    vector: np.ndarray,
    topics: Sequence[str],
    source: str,
) -> Item:
    ranking = k.index.rank(text, limit=len(topics) + 1)
    scored = _scored(ranking, k)
    inputs = fusion_inputs(
        ranking,
        scored,
        space.signals(vector),
        topics,
        text=text,
        concepts=LEXICON.topics(text),
        examples=space.example_counts,
    )
    best = scored[0][0] if scored else None
    return Item(text, lang, gold, inputs, best, scored, source)


def eval_items(name: str, k: Knowledge, space: Space, encoder: Encoder) -> list[Item]:
    """The file's messages that reach matching (rules decide the rest, as in `decide`)."""
    topics = list(space.topics)
    now = datetime.now(UTC)
    cases = [c for c in read_cases(FILES[name]) if c.expected <= {*topics, FALLBACK}]
    kept = []
    for case in cases:
        d = decide(case.text, State(), now, k)
        if d.kind.value in ("answer", "clarify", "fallback") and d.lang == case.lang:
            kept.append(case)
    vectors = embed([c.text for c in kept], encoder, CACHE)
    return [
        _item(c.text, c.lang, c.expected, k, space, vectors[j], topics, name)
        for j, c in enumerate(kept)
    ]


def rule_outcomes(name: str, k: Knowledge) -> list[tuple[str, frozenset[str], bool]]:
    """(lang, gold, correct) for the file's messages that rules decide (same for any model)."""
    topics = set(k.faq.topics)
    now = datetime.now(UTC)
    out = []
    for case in read_cases(FILES[name]):
        if not case.expected <= {*topics, FALLBACK}:
            continue
        d = decide(case.text, State(), now, k)
        if d.kind.value in ("answer", "clarify", "fallback") and d.lang == case.lang:
            continue
        out.append((case.lang, case.expected, d.intent in case.expected and d.lang == case.lang))
    return out


def _logistic(x: np.ndarray, y: np.ndarray, balanced: bool) -> F.Logistic:
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    model = LogisticRegression(max_iter=5000, class_weight="balanced" if balanced else None)
    model.fit((x - scaler.mean_) / scale, y)
    return F.Logistic(
        tuple(map(float, scaler.mean_)),
        tuple(map(float, scale)),
        tuple(map(float, model.coef_[0])),
        float(model.intercept_[0]),
    )


def fit(items: list[Item], topics: Sequence[str], fast_items: list[Item]) -> F.Fusion:
    rows, labels = [], []
    for item in items:
        if FALLBACK in item.gold:
            continue
        rows.append(F.pair_features(item.inputs))
        labels.append([t in item.gold for t in topics])
    topic_model = _logistic(np.concatenate(rows), np.concatenate(labels), balanced=False)
    msg = np.stack(
        [
            F.message_features(it.inputs, topic_model.probability(F.pair_features(it.inputs)))
            for it in items
        ]
    )
    nc_model = _logistic(msg, np.array([FALLBACK in it.gold for it in items]), balanced=True)
    fusion = F.Fusion(topic_model, nc_model, F.FastPath(9.0, 9.0))
    return F.Fusion(topic_model, nc_model, learn_fast(fusion, fast_items, topics))


def learn_fast(fusion: F.Fusion, items: list[Item], topics: Sequence[str]) -> F.FastPath:
    """The loosest lexical limits under which the fast path makes no mistake on the development
    messages it takes (where the fusion makes none either): the fast path must never cost
    accuracy, only time."""
    fused = [predict(fusion, it, topics) for it in items]
    best = F.FastPath(9.0, 9.0)
    covered = 0
    for score in np.arange(0.30, 1.01, 0.02):
        for lead in np.arange(0.0, 0.61, 0.02):
            path = F.FastPath(round(float(score), 2), round(float(lead), 2))
            taken = [
                (fast_answer(it.scored, path), it, f)
                for it, f in zip(items, fused, strict=True)
                if fast_answer(it.scored, path) is not None
            ]
            fast_errors = sum(a not in it.gold for a, it, _ in taken)
            fused_errors = sum(f not in it.gold for _, it, f in taken)
            if fast_errors == 0 and fused_errors == 0 and len(taken) > covered:
                best, covered = path, len(taken)
    return best


def predict(fusion: F.Fusion, item: Item, topics: Sequence[str]) -> str:
    verdict = fusion.verdict(item.inputs)
    if verdict.not_covered >= fusion.threshold:
        return FALLBACK
    return topics[int(np.argmax(verdict.probabilities))]


def decide_item(fusion: F.Fusion, item: Item, topics: Sequence[str]) -> str:
    fast = fast_answer(item.scored, fusion.fast)
    return fast if fast is not None else predict(fusion, item, topics)


def score(rows: list[tuple[str, frozenset[str], bool]]) -> dict[str, tuple[int, int]]:
    res = {"ja": [0, 0], "en": [0, 0], FALLBACK: [0, 0]}
    for lang, gold, ok in rows:
        key = FALLBACK if gold == {FALLBACK} else lang
        res[key][0] += ok
        res[key][1] += 1
    return {k: (c, t) for k, (c, t) in res.items()}


def fmt(s: dict[str, tuple[int, int]]) -> str:
    return " | ".join(
        f"{100 * c / t:.1f} ({c}/{t})" if t else "-" for c, t in (s["ja"], s["en"], s[FALLBACK])
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="write bot/nlu/fusion.json")
    parser.add_argument(
        "--cold-start-training",
        action="store_true",
        help="also train on the development messages scored against the cold-start FAQ",
    )
    parser.add_argument("--no-faq-items", action="store_true")
    parser.add_argument("--no-fast", action="store_true", help="no lexical fast path")
    args = parser.parse_args()
    encoder = load_encoder()
    catalogs = i18n.load(ROOT / "locales")
    loaded = faq.load_or_raise(ROOT / "faq")
    topics = list(loaded.topics)
    k = build_knowledge(loaded, catalogs, semantic=False)
    space = _space(loaded, encoder)
    cold = cold_start(loaded)
    kc = build_knowledge(cold, catalogs, semantic=False)
    cold_space = _space(cold, encoder)
    base = [] if args.no_faq_items else faq_items(loaded, k, encoder)
    full = {name: eval_items(name, k, space, encoder) for name in FILES}
    coldi = {name: eval_items(name, kc, cold_space, encoder) for name in FILES}
    rules = {name: rule_outcomes(name, k) for name in FILES}
    cold_rules = {name: rule_outcomes(name, kc) for name in FILES}

    def train(excluding: str | None) -> F.Fusion:
        files = [n for n in FILES if n != excluding]
        items = base + [i for n in files for i in full[n]]
        if args.cold_start_training:
            items += [i for n in files for i in coldi[n]]
        fusion = fit(items, topics, [i for n in files for i in full[n]])
        if args.no_fast:
            fusion = F.Fusion(fusion.topic, fusion.not_covered, F.FastPath(9.0, 9.0))
        return fusion

    print("file | FAQ | in-scope ja | in-scope en | not covered -> fallback | fast path share")
    pooled: dict[str, list[tuple[str, frozenset[str], bool]]] = {"full": [], "cold": []}
    for name in FILES:
        fusion = train(name)
        for label, items, rule_rows in (
            ("full", full[name], rules[name]),
            ("cold", coldi[name], cold_rules[name]),
        ):
            rows = list(rule_rows)
            fast = 0
            for it in items:
                got = decide_item(fusion, it, topics)
                fast += fast_answer(it.scored, fusion.fast) is not None
                rows.append((it.lang, it.gold, got in it.gold))
            print(f"{name} | {label} | {fmt(score(rows))} | {fast}/{len(items)}")
            if name in PATIENT_FILES:
                pooled[label].extend(rows)
        print(f"  fast path {fusion.fast}")
    for label, rows in pooled.items():
        print(f"patient files pooled | {label} | {fmt(score(rows))}")

    if args.write:
        fusion = train(None)
        trained = "FAQ examples (10-fold) + " + ", ".join(FILES)
        if args.cold_start_training:
            trained += " (full and cold-start FAQ)"
        fusion = F.Fusion(fusion.topic, fusion.not_covered, fusion.fast, 0.5, trained)
        F.WEIGHTS.write_text(fusion.to_json(), encoding="utf-8")
        print(f"wrote {F.WEIGHTS}: fast path {fusion.fast}")


if __name__ == "__main__":
    main()
