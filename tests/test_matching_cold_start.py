"""`eval --cold-start`: the shipped FAQ cut to what a new clinic writes first."""

import subprocess
import sys
from pathlib import Path

from bot import i18n
from bot.core.knowledge import build_knowledge, cold_start
from bot.evaluation import read_cases, run, summarize
from bot.faq import model as faq

ROOT = Path(__file__).resolve().parents[1]


def test_cold_start_keeps_one_question_per_language_label_and_answer() -> None:
    full = faq.load_or_raise(ROOT / "faq")
    cut = cold_start(full)
    assert list(cut.topics) == list(full.topics)
    for topic_id, topic in cut.topics.items():
        for lang in ("ja", "en"):
            entry, original = topic.entry(lang), full.topics[topic_id].entry(lang)
            assert entry.questions == original.questions[:1]
            assert entry.label == original.label
            assert entry.answer == original.answer
    for lang, questions in cut.out_of_scope.items():
        assert questions == full.out_of_scope[lang][:1]
    assert len(full.topics["cost"].ja.questions) > 1  # the cut is real


def test_cold_start_still_finds_the_first_questions() -> None:
    """Each topic's kept question is answered with that topic."""
    knowledge = build_knowledge(
        cold_start(faq.load_or_raise(ROOT / "faq")), i18n.load(ROOT / "locales")
    )
    for topic in knowledge.faq.topics.values():
        for lang in ("ja", "en"):
            best = knowledge.index.rank(topic.entry(lang).questions[0]).best
            assert best is not None
            assert best[0] == topic.id


def test_eval_cold_start_reports_the_same_summary(tmp_path: Path) -> None:
    tsv = tmp_path / "set.tsv"
    tsv.write_text(
        "cost\tja\t費用はいくらですか\n"
        "side_effects\ten\tAre there any side effects?\n"
        "fallback\tja\tボトックスの値段はいくらですか\n"
        "emergency:breathing\tja\t息ができない\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "eval", "--cold-start", str(tsv)],
        check=False,
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode in (0, 1), result.stderr
    assert result.stdout.startswith("cold start:")
    knowledge = build_knowledge(
        cold_start(faq.load_or_raise(ROOT / "faq")), i18n.load(ROOT / "locales")
    )
    summary = summarize(run(read_cases(tsv), knowledge))
    c, t = summary.in_scope["ja"]
    assert f"in-scope accuracy ja: {c}/{t}" in result.stdout
    c, t = summary.out_of_scope
    assert f"out-of-scope -> fallback: {c}/{t}" in result.stdout
    assert "targets" in result.stdout
    full = subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(tsv)],
        check=False,
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert not full.stdout.startswith("cold start:")
