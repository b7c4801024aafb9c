"""Labels and answers count as weaker examples of their topic (`Weights.document`)."""

from pathlib import Path

from bot.core.knowledge import _documents
from bot.faq import model as faq
from bot.nlu.features import Weights
from bot.nlu.matcher import build

ROOT = Path(__file__).resolve().parents[1]


def _reader(text: str) -> str:
    return text


EXAMPLES = [
    ("cost", "How much is it?"),
    ("side_effects", "Are there side effects?"),
    ("out_of_scope", "Do you do botox?"),
]
DOCUMENTS = [
    ("cost", "Price\nThe treatment is paid privately and insurance does not cover it."),
    ("side_effects", "Side effects\nPain in the arm, bruising or infection may occur."),
]
TEXTS = [text for _, text in EXAMPLES + DOCUMENTS]


def test_a_topic_is_found_by_the_words_of_its_answer() -> None:
    index = build(
        EXAMPLES, _reader, TEXTS, negative=frozenset({"out_of_scope"}), documents=DOCUMENTS
    )
    for message, topic in (
        ("will insurance cover this", "cost"),
        ("I'm worried about bruising", "side_effects"),
    ):
        best = index.rank(message).best
        assert best is not None
        assert best[0] == topic, message


def test_without_documents_the_answer_words_find_nothing() -> None:
    index = build(
        EXAMPLES,
        _reader,
        TEXTS,
        Weights(document=0.0),
        negative=frozenset({"out_of_scope"}),
        documents=DOCUMENTS,
    )
    assert index.rank("I'm worried about bruising").best is None


def test_an_answer_counts_less_than_a_question() -> None:
    """A message that is an example question scores above one that only meets the answer."""
    documents = [("cost", "Are there side effects? Ask our staff about the price.")]
    index = build(
        EXAMPLES, _reader, TEXTS, negative=frozenset({"out_of_scope"}), documents=documents
    )
    scores = dict(index.rank("Are there side effects?").scores)
    assert scores["side_effects"] > scores["cost"]


def test_documents_leave_out_shared_sentences_and_pointers_to_other_topics() -> None:
    loaded = faq.load_or_raise(ROOT / "faq")
    docs = dict(_documents(loaded))
    assert set(docs) == set(loaded.topics)
    assert docs["cost"].startswith("費用\n")
    assert "Cost" in docs["cost"]
    shared = "万一重い副作用が起きても、国の医薬品副作用被害救済制度の対象にはなりません。"
    assert not any(shared in text for text in docs.values())
    assert "「副作用」をご覧ください" not in docs["administration"]
    assert '"Side effects"' not in docs["administration"]
    assert "{" not in "".join(docs.values())  # placeholders blanked
