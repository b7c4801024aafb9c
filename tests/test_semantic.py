"""The semantic stage: vector cache, grouping, learned fusion, and how `decide` uses them."""

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from bot import i18n
from bot.core import decide
from bot.core.decision import Kind, State
from bot.core.knowledge import Knowledge, build_knowledge, semantic_texts
from bot.faq import model as faq
from bot.nlu import fusion as F  # noqa: N812 - F.Fusion, F.Inputs read better
from bot.nlu import semantic
from bot.nlu.semantic import DIM, embed, group, key, seed_is_stale

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


class CountingEncoder:
    """A stand-in encoder: a deterministic unit vector per text, and a record of what it
    was asked to encode."""

    def __init__(self, version: str = "fake-1") -> None:
        self.version = version
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> semantic.Vectors:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), DIM), np.float32)
        for i, text in enumerate(texts):
            rng = np.random.default_rng(sum(map(ord, text)) + len(text))
            v = rng.standard_normal(DIM).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out


def test_vectors_are_cached_by_text_and_only_changed_texts_are_encoded(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "vectors.npz"
    enc = CountingEncoder()
    first = embed(["費用は?", "side effects", "費用は?"], enc, cache, seed=None)
    assert sorted(enc.calls[0]) == sorted(["費用は?", "side effects"])  # each text once
    assert len(enc.calls) == 1
    assert first.shape == (3, DIM)
    assert np.array_equal(first[0], first[2])
    enc.calls.clear()
    again = embed(["費用は?", "side effects"], enc, cache, seed=None)
    assert enc.calls == []  # everything from the cache file
    assert np.array_equal(again, first[:2])
    embed(["費用は?", "how much is it"], enc, cache, seed=None)
    assert enc.calls == [["how much is it"]]  # only the changed text
    other = CountingEncoder("fake-2")
    embed(["費用は?"], other, cache, seed=None)
    assert other.calls == [["費用は?"]]  # a new model version re-encodes


def test_a_seed_spares_the_encoder_and_the_cache_keeps_only_the_rest(tmp_path: Path) -> None:
    seed, cache = tmp_path / "seed.npz", tmp_path / "cache.npz"
    enc = CountingEncoder()
    semantic.write_seed(["a question", "an answer."], enc, seed)
    enc.calls.clear()
    vectors = embed(["a question", "a new question"], enc, cache, seed)
    assert enc.calls == [["a new question"]]
    assert vectors.shape == (2, DIM)
    with np.load(cache) as data:
        assert data["keys"].tolist() == [key("fake-1", "a new question")]
    assert not seed_is_stale(["an answer.", "a question"], "fake-1", seed)
    assert seed_is_stale(["a question"], "fake-1", seed)


def test_an_unreadable_cache_is_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "vectors.npz"
    cache.write_bytes(b"not an npz")
    enc = CountingEncoder()
    embed(["one"], enc, cache, seed=None)
    assert enc.calls == [["one"]]
    enc.calls.clear()
    embed(["one"], enc, cache, seed=None)
    assert enc.calls == []


def test_the_shipped_seed_holds_exactly_the_shipped_faqs_vectors() -> None:
    """`python -m bot.nlu.semantic` after an FAQ edit keeps the first start free of encoding."""
    texts = list(semantic_texts(faq.load_or_raise(ROOT / "faq")))
    assert not seed_is_stale(texts, semantic.model_version())


def test_group_best_is_the_maximum_per_topic_and_minus_one_for_none() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((5, DIM)).astype(np.float32)
    rows = [("b", 0), ("a", 1), ("b", 2), ("d", 3), ("a", 4)]
    g = group(["a", "b", "c", "d"], rows, vectors)
    sims = rng.standard_normal((2, 5)).astype(np.float32)
    # columns of `sims` follow the grouped order: a a b b d
    best = g.best(sims)
    assert best.shape == (2, 4)
    assert np.allclose(best[:, 0], sims[:, :2].max(axis=1))
    assert np.allclose(best[:, 1], sims[:, 2:4].max(axis=1))
    assert np.all(best[:, 2] == -1.0)
    assert np.allclose(best[:, 3], sims[:, 4])
    assert np.array_equal(g.vectors[0], vectors[1])


def test_shipped_weights_fit_the_features_and_give_probabilities() -> None:
    fusion = F.load()
    assert len(fusion.topic.coef) == len(F.PAIR_FEATURES)
    assert "FAQ examples" in fusion.trained_on
    assert "blind" not in fusion.trained_on
    x = F.Inputs(
        lexical=np.array([0.9, 0.1, 0.0]),
        lexical_out_of_scope=0.0,
        vector=np.array([0.8, 0.4, 0.3]),
        document=np.array([0.5, 0.3, 0.2]),
        vector_out_of_scope=0.3,
        unknown_share=0.0,
        foreign_word=0.0,
        foreign_share=0.0,
    )
    verdict = fusion.verdict(x)
    assert verdict.probabilities.argmax() == 0
    assert 0.0 <= verdict.not_covered <= 1.0
    # The same message, far from every topic and close to an out-of-scope example.
    far = F.Inputs(
        np.array([0.05, 0.04, 0.0]),
        0.6,
        np.array([0.3, 0.3, 0.3]),
        np.array([0.2, 0.2, 0.2]),
        0.9,
        0.8,
        1.0,
        0.5,
    )
    assert fusion.verdict(far).not_covered > verdict.not_covered


def test_weights_round_trip_through_json() -> None:
    fusion = F.load()
    assert F.Fusion.from_json(fusion.to_json()) == fusion


def test_weights_of_another_feature_set_are_refused(tmp_path: Path) -> None:
    fusion = F.load()
    short = F.Fusion(F.Logistic((0.0,), (1.0,), (1.0,), 0.0), fusion.not_covered, fusion.fast)
    path = tmp_path / "fusion.json"
    path.write_text(short.to_json(), encoding="utf-8")
    with pytest.raises(ValueError, match="features"):
        F.load(path)


@pytest.fixture(name="counted", scope="module")
def _counted() -> tuple[Knowledge, CountingEncoder]:
    """The shipped FAQ with a stand-in encoder (vectors from its own cache, not the seed)."""
    enc = CountingEncoder()
    k = build_knowledge(faq.load_or_raise(ROOT / "faq"), i18n.load(ROOT / "locales"), encoder=enc)
    return k, enc


def test_decide_reads_only_the_knowledge_and_encodes_one_message(
    counted: tuple[Knowledge, CountingEncoder],
) -> None:
    k, enc = counted
    enc.calls.clear()
    decide("そもそも体の中でどんなふうに働くものなの", State(), NOW, k)
    assert enc.calls == [["そもそも体の中でどんなふうに働くものなの"]]


def test_a_confident_lexical_answer_takes_the_fast_path(
    counted: tuple[Knowledge, CountingEncoder],
) -> None:
    k, enc = counted
    assert k.semantic is not None
    question = k.faq.topics["cost"].ja.questions[0]
    enc.calls.clear()
    d = decide(question, State(), NOW, k)
    assert (d.kind, d.intent) == (Kind.ANSWER, "cost")
    assert enc.calls == []


def test_rule_layers_stay_first(counted: tuple[Knowledge, CountingEncoder]) -> None:
    k, enc = counted
    enc.calls.clear()
    assert decide("胸が痛くて息が苦しい", State(), NOW, k).kind is Kind.EMERGENCY
    assert decide("ありがとうございました", State(), NOW, k).kind is Kind.THANKS
    assert decide("English please", State(), NOW, k).kind is Kind.LANGUAGE
    assert enc.calls == []


def test_without_the_semantic_stage_the_lexical_matcher_decides() -> None:
    k = build_knowledge(
        faq.load_or_raise(ROOT / "faq"), i18n.load(ROOT / "locales"), semantic=False
    )
    assert k.semantic is None
    assert decide("副作用はありますか", State(), NOW, k).intent == "side_effects"


# With the real encoder (the session's knowledge): what the stage is for.
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("副作用はありますか", "side_effects"),
        ("How long do the results last?", "sessions"),
        ("It costs a fortune, doesn't it?", "cost"),
        # not covered: aftercare, logistics, product quality, choosing a clinic
        ("Is it OK to drink alcohol after the IV?", "fallback"),
        ("点滴のあとお風呂に入っていいですか", "fallback"),
        ("What are your opening hours?", "fallback"),
        ("How do I choose a good clinic?", "fallback"),
        ("Is the product quality checked?", "fallback"),
    ],
)
def test_the_semantic_stage_on_the_shipped_faq(
    knowledge: Knowledge, text: str, intent: str
) -> None:
    assert knowledge.semantic is not None
    assert decide(text, State(), NOW, knowledge).intent == intent


def test_a_not_covered_question_offers_staff_not_a_topic(knowledge: Knowledge) -> None:
    d = decide("Can I fly the day after the treatment?", State(), NOW, knowledge)
    assert d.kind is Kind.FALLBACK
    assert any(c.data.startswith("staff=") for c in d.choices) or "staff" in d.text
