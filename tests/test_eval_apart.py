"""Evaluation messages are never FAQ examples: a message that is word for word (after width and
case folding) one of the examples the matcher learns from measures nothing and flatters every
number. Checked for every evaluation file, blind ones included; a failure names the file and
the count, never a blind message."""

import unicodedata
from pathlib import Path

import pytest

from bot.faq.model import Faq, load

ROOT = Path(__file__).resolve().parents[1]
EVAL_FILES = sorted((ROOT / "tests" / "eval").rglob("*.tsv"))


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def faq_examples(faq: Faq) -> set[str]:
    """Every example question of the FAQ: topics, out-of-scope examples, not-covered subjects."""
    found = {_folded(q) for t in faq.topics.values() for q in (*t.ja.questions, *t.en.questions)}
    found |= {_folded(q) for questions in faq.out_of_scope.values() for q in questions}
    found |= {
        _folded(q)
        for subject in faq.subjects.values()
        for questions in subject.questions.values()
        for q in questions
    }
    return found


def _messages(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[-1] for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture(name="examples", scope="module")
def _examples() -> set[str]:
    faq, problems = load(ROOT / "faq")
    assert faq is not None, problems
    return faq_examples(faq)


@pytest.mark.parametrize("path", EVAL_FILES, ids=[p.name for p in EVAL_FILES])
def test_no_evaluation_message_is_an_faq_example(path: Path, examples: set[str]) -> None:
    shared = sum(_folded(message) in examples for message in _messages(path))
    assert shared == 0, f"{path.relative_to(ROOT)}: {shared} messages are FAQ examples"
