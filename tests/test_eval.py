"""The labelled sets in tests/eval/ meet the issue's targets (accuracy, safety, fallback).

messages.tsv was written first and used while developing; holdout.tsv and blind.tsv were
written later by people who saw neither the FAQ nor the code. The targets apply to all of
them together; `python -m bot eval FILE` gives each set's own numbers.
"""

from pathlib import Path

from bot.core.knowledge import Knowledge
from bot.evaluation import read_cases, run, summarize

EVAL = Path(__file__).parent / "eval"
SETS = ("messages.tsv", "holdout.tsv", "blind.tsv")


def test_labelled_sets_meet_the_targets(knowledge: Knowledge) -> None:
    """In-scope >= 95% per language, out-of-scope fallback >= 95%, every emergency caught,
    and no emergency alarm on an ordinary question."""
    cases = [case for name in SETS for case in read_cases(EVAL / name)]
    assert len(cases) >= 250
    summary = summarize(run(cases, knowledge))
    for lang, (correct, total) in summary.in_scope.items():
        assert correct / total >= 0.95, f"in-scope {lang}: {correct}/{total}"
    correct, total = summary.out_of_scope
    assert correct / total >= 0.95, f"out-of-scope: {correct}/{total}"
    assert summary.emergency_recall[0] == summary.emergency_recall[1]
    assert summary.false_alarms == 0


def test_every_topic_and_intent_is_labelled(knowledge: Knowledge) -> None:
    """The sets cover every FAQ topic and every conversation intent in both languages."""
    cases = [case for name in SETS for case in read_cases(EVAL / name)]
    seen = {(label, case.lang) for case in cases for label in case.expected}
    wanted = set(knowledge.faq.topics) | {"greeting", "thanks", "handoff", "emergency", "fallback"}
    assert {(label, lang) for label in wanted for lang in ("ja", "en")} <= seen
