"""Subjects the FAQ does not cover, listed by admins with their own reply
(`faq/out_of_scope.<subject>.toml`): checked by `faq check`, used by matching."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clinic import Clinic
from bot.core import decide
from bot.core.decision import Kind, State
from bot.core.knowledge import Knowledge, cold_start, out_of_scope_examples
from bot.evaluation import read_cases
from bot.faq import model as faq_model
from bot.faq.model import fill_answers, load, load_or_raise
from bot.faq.rules import question_key
from tests.test_faq_loader import OUT_OF_SCOPE, REQUIRED, shown, topic, write

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
DEV_FILES = (
    "tests/eval/messages.tsv",
    "tests/eval/holdout.tsv",
    "tests/eval/patients/dev-shared.tsv",
    "tests/eval/patients/dev-ja.tsv",
    "tests/eval/patients/dev-en.tsv",
)

SUBJECT = """\
id = "out_of_scope.aftercare"

[ja]
answer = "クリニックの案内に従ってください。{phone}"
questions = ["施術後にお風呂に入っていい?"]

[en]
answer = "Please follow your clinic's instructions. {phone}"
questions = ["Can I take a bath after the treatment?"]
"""


@pytest.fixture(name="faq_dir")
def _faq_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "faq").mkdir()
    monkeypatch.chdir(tmp_path)
    return Path("faq")


def test_a_subject_file_loads_with_its_reply_and_examples(faq_dir: Path) -> None:
    write(
        faq_dir,
        {
            "a.toml": topic("a"),
            "out_of_scope.toml": OUT_OF_SCOPE,
            "out_of_scope.aftercare.toml": SUBJECT,
        },
    )
    faq, problems = load(faq_dir, required=REQUIRED)
    assert problems == []
    assert faq is not None
    assert list(faq.topics) == ["a"]  # a subject is not a topic
    subject = faq.subjects["out_of_scope.aftercare"]
    assert subject.questions["en"] == ("Can I take a bath after the treatment?",)
    filled = fill_answers(faq, Clinic())
    assert "{phone}" not in filled.subjects["out_of_scope.aftercare"].answer["ja"]
    assert Clinic().phone in filled.subjects["out_of_scope.aftercare"].answer["en"]
    # Its examples are out-of-scope examples for matching, after the plain ones.
    assert [s for s, _ in out_of_scope_examples(faq)] == ["", "", *["out_of_scope.aftercare"] * 2]
    assert cold_start(faq).subjects["out_of_scope.aftercare"].questions["ja"] == (
        "施術後にお風呂に入っていい?",
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ('answer = "クリニックの案内に従ってください。{phone}"\n', ""),
            "faq/out_of_scope.aftercare.toml:3: [ja] is missing answer",
        ),
        (
            ('id = "out_of_scope.aftercare"', 'id = "out_of_scope.after"'),
            "faq/out_of_scope.aftercare.toml:1: id 'out_of_scope.after' does not match the file"
            " name (expected out_of_scope.after.toml)",
        ),
        (
            ("[en]\n", '[en]\nlabel = "Aftercare"\n'),
            "faq/out_of_scope.aftercare.toml:8: unknown key 'en.label'",
        ),
        (
            ('{phone}"\nquestions', '{phon}"\nquestions'),
            "faq/out_of_scope.aftercare.toml:4:",
        ),
        (
            ("施術後にお風呂に入っていい?", "ほかの治療は?"),
            "faq/out_of_scope.aftercare.toml:5: ja.questions[0] 'ほかの治療は?' is also a question",
        ),
    ],
)
def test_faq_check_reports_a_broken_subject_at_its_line(
    faq_dir: Path, edit: tuple[str, str], expected: str
) -> None:
    old, new = edit
    assert old in SUBJECT
    write(
        faq_dir,
        {
            "a.toml": topic("a"),
            "out_of_scope.toml": OUT_OF_SCOPE,
            "out_of_scope.aftercare.toml": SUBJECT.replace(old, new),
        },
    )
    faq, problems = load(faq_dir, required=REQUIRED)
    assert faq is None
    assert expected in shown(problems)


def test_the_shipped_subjects_examples_are_not_evaluation_messages() -> None:
    """The shipped aftercare, other-treatments and choosing-a-clinic subjects were written for
    them: none of their examples is a message of the development sets (the logistics examples
    came from out_of_scope.toml as they were)."""
    shipped = faq_model.load_or_raise(ROOT / "faq")
    examples = {
        question_key(q)
        for subject, q in out_of_scope_examples(shipped)
        if subject
        in (
            "out_of_scope.aftercare",
            "out_of_scope.other_treatments",
            "out_of_scope.choosing_a_clinic",
        )
    }
    assert examples
    for name in DEV_FILES:
        assert not [c.text for c in read_cases(ROOT / name) if question_key(c.text) in examples]


@pytest.mark.parametrize(
    ("text", "lang", "subject"),
    [
        ("Is it fine to have a long soak in the tub the night after my IV?", "en", "aftercare"),
        ("施術のあと、翌朝ジョギングしても問題ない？", "ja", "aftercare"),
        ("Where do I park my car when I come for the appointment?", "en", "logistics"),
        (
            "Would hyaluronic injections give me more for my money than exosomes?",
            "en",
            "other_treatments",
        ),
        (
            "プラセンタとエクソソームだったら、どちらを選んだほうが得ですか",
            "ja",
            "other_treatments",
        ),
        ("PRPかエクソソームか、受けるならどっちにすべきか教えてほしい", "ja", "other_treatments"),
        (
            "Is the exosome solution you inject manufactured in Japan or abroad?",
            "en",
            "choosing_a_clinic",
        ),
        ("評判のいいクリニックってどうやって探せばいいんでしょう", "ja", "choosing_a_clinic"),
        (
            "How can I tell whether a clinic offering exosomes is reputable?",
            "en",
            "choosing_a_clinic",
        ),
    ],
)
def test_a_message_nearest_a_subject_gets_its_reply_and_staff(
    knowledge: Knowledge, text: str, lang: str, subject: str
) -> None:
    d = decide(text, State(), NOW, knowledge)
    subject_id = f"out_of_scope.{subject}"
    assert (d.kind, d.intent) == (Kind.FALLBACK, "fallback")
    assert d.text == knowledge.faq.subjects[subject_id].answer[lang]
    assert f"staff={subject_id}" in [c.data for c in d.choices]
    assert d.state.misses == 0  # understood: not a miss that brings in staff by itself
    assert not d.triaged


def test_a_plain_not_covered_question_keeps_the_plain_fallback(knowledge: Knowledge) -> None:
    d = decide("How much is botox?", State(), NOW, knowledge)
    assert (d.kind, d.intent) == (Kind.FALLBACK, "fallback")
    assert all(d.text != s.answer["en"] for s in knowledge.faq.subjects.values())
    assert d.state.misses == 1


def test_the_shipped_faq_lists_its_not_covered_subjects() -> None:
    shipped = load_or_raise(ROOT / "faq")
    assert set(shipped.subjects) == {
        "out_of_scope.aftercare",
        "out_of_scope.logistics",
        "out_of_scope.other_treatments",
        "out_of_scope.choosing_a_clinic",
    }
