"""The FAQ loader: every problem named by file and line, warnings that can be reviewed away."""

import io
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.core.knowledge import faq_texts
from bot.faq.model import Entry, FaqError, Problem, Topic, check, load, load_or_raise
from bot.nlu.reading import write_seed

# A valid topic; the tables below edit it, so their line numbers refer to this layout.
BASE = """\
id = "{id}"
menu = true

[ja]
label = "ラベル"
answer = "回答です。"
questions = ["{id}の質問"]

[en]
label = "Label"
answer = "An answer."
questions = ["question about {id}"]
"""
# Unit tests need one topic, not the 20 of faq-topics.md.
REQUIRED = ("a",)
OUT_OF_SCOPE = """\
id = "out_of_scope"

[ja]
questions = ["ほかの治療は?"]

[en]
questions = ["Botox?"]
"""


def topic(topic_id: str, edits: dict[str, str] | None = None) -> str:
    """BASE for `topic_id`, with each `old: new` edit applied (the old text must be there)."""
    text = BASE.replace("{id}", topic_id)
    for old, new in (edits or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def only_a(edits: dict[str, str]) -> dict[str, str]:
    """A directory holding just a.toml, edited."""
    return {"a.toml": topic("a", edits)}


@pytest.fixture(name="faq_dir")
def _faq_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty faq/ folder, relative to the working directory, so paths print as in `faq check`."""
    (tmp_path / "faq").mkdir()
    monkeypatch.chdir(tmp_path)
    return Path("faq")


def write(directory: Path, files: Mapping[str, str | bytes]) -> None:
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode()
        (directory / name).write_bytes(data)


def shown(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


SAME_QUESTION = {
    "a.toml": topic("a", {"aの質問": "副作用はありますか?"}),
    "b.toml": topic("b", {"bの質問": "副作用は ありますか？"}),
}
JA_TABLE = '[ja]\nlabel = "ラベル"\nanswer = "回答です。"\nquestions = ["aの質問"]\n'

ERRORS = [
    pytest.param(
        {"a.toml": 'id = "a"\nmenu = tru\n'},
        "faq/a.toml:2:8: invalid TOML: Invalid value",
        id="toml-syntax",
    ),
    pytest.param(only_a({'id = "a"\n': "\n"}), "faq/a.toml:1: missing id", id="missing-id"),
    pytest.param(
        only_a({'id = "a"': "id = 7"}), "faq/a.toml:1: id must be a string", id="id-not-a-string"
    ),
    pytest.param(
        {"a.toml": topic("a"), "b.toml": topic("a")},
        "faq/b.toml:1: duplicate id 'a' (already used in faq/a.toml)",
        id="duplicate-id",
    ),
    pytest.param(
        {"a.toml": topic("a"), "b.toml": topic("c")},
        "faq/b.toml:1: id 'c' does not match the file name (expected c.toml)",
        id="file-not-named-after-id",
    ),
    pytest.param(
        {"a.toml": topic("a"), "Cost.toml": topic("Cost")},
        "faq/Cost.toml:1: id 'Cost' may use only a-z",
        id="id-characters",
    ),
    pytest.param(only_a({JA_TABLE: ""}), "faq/a.toml:1: missing [ja] table", id="missing-ja"),
    pytest.param(only_a({"[en]": "[en_]"}), "faq/a.toml:1: missing [en] table", id="missing-en"),
    pytest.param(
        only_a({JA_TABLE: 'ja = "日本語"\n'}),
        "faq/a.toml:4: ja must be a table",
        id="ja-not-a-table",
    ),
    pytest.param(
        only_a({'label = "ラベル"\n': ""}),
        "faq/a.toml:4: [ja] is missing label",
        id="missing-label",
    ),
    pytest.param(only_a({'"ラベル"': '"  "'}), "faq/a.toml:5: ja.label is empty", id="empty-label"),
    pytest.param(
        only_a({'answer = "An answer."\n': ""}),
        "faq/a.toml:9: [en] is missing answer",
        id="missing-answer",
    ),
    pytest.param(
        only_a({'"回答です。"': '"""\n\n"""'}),
        "faq/a.toml:6: ja.answer is empty",
        id="empty-answer",
    ),
    pytest.param(
        only_a({'questions = ["aの質問"]\n': ""}),
        "faq/a.toml:4: [ja] is missing questions",
        id="missing-questions",
    ),
    pytest.param(
        only_a({'["aの質問"]': "[]"}), "faq/a.toml:7: ja.questions is empty", id="no-questions"
    ),
    pytest.param(
        only_a({'["aの質問"]': '["aの質問", " "]'}),
        "faq/a.toml:7: ja.questions[1] is empty",
        id="blank-question",
    ),
    pytest.param(
        only_a({'["aの質問"]': '"aの質問"'}),
        "faq/a.toml:7: ja.questions must be a list of strings",
        id="questions-not-a-list",
    ),
    pytest.param(
        only_a({'"question about a"]': '"question about a",\n  42,\n]'}),
        "faq/a.toml:13: en.questions[1] must be a string",
        id="question-not-a-string",
    ),
    pytest.param(
        only_a({'"Label"': "3"}),
        "faq/a.toml:10: en.label must be a string",
        id="label-not-a-string",
    ),
    pytest.param(
        only_a({"menu = true": 'offer_staff = "yes"'}),
        "faq/a.toml:2: offer_staff must be true or false",
        id="offer-staff-not-a-bool",
    ),
    pytest.param(
        only_a({"menu = true": "menu = 1"}),
        "faq/a.toml:2: menu must be true or false",
        id="menu-not-a-bool",
    ),
    pytest.param(
        only_a({"menu = true": 'follow_ups = "a"'}),
        "faq/a.toml:2: follow_ups must be a list of strings",
        id="follow-ups-not-a-list",
    ),
    pytest.param(
        only_a({"menu = true": 'folow_ups = ["a"]'}),
        "faq/a.toml:2: unknown key 'folow_ups' (did you mean 'follow_ups'?)",
        id="unknown-key",
    ),
    pytest.param(
        only_a({'label = "Label"': 'lable = "Label"'}),
        "faq/a.toml:10: unknown key 'en.lable' (did you mean 'label'?)",
        id="unknown-key-in-table",
    ),
    pytest.param(
        {"a.toml": topic("a") + '\n[fr]\nlabel = "x"\n'},
        "faq/a.toml:14: unknown key 'fr'",
        id="unknown-table",
    ),
    pytest.param(
        only_a({"menu = true": 'follow_ups = [\n  "a",\n  "nope",\n]'}),
        "faq/a.toml:4: follow_ups[1]: unknown topic 'nope'",
        id="unknown-follow-up",
    ),
    pytest.param(
        SAME_QUESTION,
        "faq/a.toml:7: ja.questions[0] '副作用はありますか?'"
        " is also a question of 'b' (faq/b.toml:7)",
        id="same-question-first-place",
    ),
    pytest.param(
        SAME_QUESTION,
        "faq/b.toml:7: ja.questions[0] '副作用は ありますか？'"
        " is also a question of 'a' (faq/a.toml:7)",
        id="same-question-second-place",
    ),
    pytest.param(
        {
            "a.toml": topic("a", {"question about a": "Side effects?"}),
            "b.toml": topic("b", {"bの質問": "ＳＩＤＥ ＥＦＦＥＣＴＳ！"}),
        },
        "faq/a.toml:12: en.questions[0] 'Side effects?' is also a question of 'b' (faq/b.toml:7)",
        id="same-question-other-language-and-width",
    ),
    pytest.param(
        only_a({"回答です。": "😀" * 2501}),
        "faq/a.toml:6: ja.answer is 5,002 characters; LINE allows 5,000",
        id="answer-too-long-in-utf16",
    ),
    pytest.param(
        only_a({"question about a": "a" * 5001}),
        "faq/a.toml:12: en.questions[0] is 5,001 characters; LINE allows 5,000",
        id="question-too-long",
    ),
    pytest.param(
        only_a({"ラベル": "あ" * 21}),
        "faq/a.toml:5: ja.label is 21 characters; LINE allows 20",
        id="label-too-long",
    ),
    pytest.param(
        {"a.toml": topic("a")} | {f"t{n:02}.toml": topic(f"t{n:02}") for n in range(2, 14)},
        "faq/t13.toml:2: menu = true on 13 topics; at most 12 fit",
        id="too-many-menu-topics",
    ),
    pytest.param(
        {"b.toml": topic("b")},
        "faq/: missing topic 'a' (required by faq-topics.md)",
        id="missing-required-topic",
    ),
    pytest.param({}, "faq/: no FAQ files (*.toml) in this directory", id="empty-directory"),
    pytest.param(
        {"a.toml": topic("a").encode("shift_jis")}, "faq/a.toml:5: not UTF-8 text", id="not-utf8"
    ),
    pytest.param(
        only_a({'answer = "回答です。"': 'answer = "回答です。"\nreviewed = [""]'}),
        "faq/a.toml:7: ja.reviewed[0] is empty",
        id="blank-reviewed-phrase",
    ),
    pytest.param(
        {"a.toml": topic("a", {'"ラベル"': '"  "'}).replace("\n", "\r\n")},
        "faq/a.toml:5: ja.label is empty",
        id="crlf-line-endings",
    ),
    pytest.param(
        {"a.toml": topic("a"), "out_of_scope.toml": OUT_OF_SCOPE + 'label = "x"\n'},
        "faq/out_of_scope.toml:8: unknown key 'en.label'",
        id="out-of-scope-label",
    ),
    pytest.param(
        {
            "a.toml": topic("a"),
            "out_of_scope.toml": OUT_OF_SCOPE.replace('"out_of_scope"', '"other"'),
        },
        "faq/out_of_scope.toml:1: id must be 'out_of_scope'",
        id="out-of-scope-id",
    ),
    pytest.param(
        {"a.toml": topic("a", {"aの質問": "ほかの治療は？"}), "out_of_scope.toml": OUT_OF_SCOPE},
        "faq/out_of_scope.toml:4: ja.questions[0] 'ほかの治療は?'"
        " is also a question of 'a' (faq/a.toml:7)",
        id="out-of-scope-repeats-a-topic",
    ),
]


@pytest.mark.parametrize(("files", "expected"), ERRORS)
def test_error_is_reported_at_its_file_and_line(
    faq_dir: Path, files: Mapping[str, str | bytes], expected: str
) -> None:
    """Each kind of error names the file and line to fix, and no FAQ is loaded."""
    write(faq_dir, files)

    faq, problems = load(faq_dir, required=REQUIRED)

    assert faq is None
    assert any(str(p).startswith(expected) for p in problems), shown(problems)


def test_every_problem_in_every_file_is_reported_at_once(faq_dir: Path) -> None:
    """One run lists all problems of all files: files that do not parse first, then the rest
    sorted by path and line."""
    write(
        faq_dir,
        {
            "a.toml": topic("a", {'label = "Label"': 'label = ""'}),
            "b.toml": 'id = "b"\n[ja\n',
            "c.toml": topic("c", {"menu = true": "menu = true\ncolor = 1", '"ラベル"': "3"}),
        },
    )

    _, problems = load(faq_dir, required=("a", "b", "c", "d"))

    assert [str(p).split(": ")[0] for p in problems] == [
        "faq/b.toml:2:4",
        "faq/",  # missing topic 'd' (b.toml exists, so 'b' is not reported missing)
        "faq/a.toml:10",
        "faq/c.toml:3",
        "faq/c.toml:6",
    ]


def test_lines_stay_right_after_a_multiline_answer_that_looks_like_toml(faq_dir: Path) -> None:
    """Text inside a multi-line string is never mistaken for keys or tables."""
    answer = '"""\n[en]\nlabel = ""\nquestions = [\n"""'
    write(faq_dir, only_a({'"回答です。"': answer, 'label = "Label"': 'label = ""'}))

    _, problems = load(faq_dir, required=REQUIRED)

    assert [str(p) for p in problems] == ["faq/a.toml:14: en.label is empty"]


def test_dotted_keys_and_inline_tables_are_located(faq_dir: Path) -> None:
    """Problems in TOML's other spellings of a table still point at their line."""
    text = (
        'id = "a"\n'
        'ja = { label = "", answer = "x", questions = ["q"] }\n'
        'en.label = "L"\n'
        'en.answer = " "\n'
        'en.questions = ["q2"]\n'
    )
    write(faq_dir, {"a.toml": text})

    _, problems = load(faq_dir, required=REQUIRED)

    assert [str(p) for p in problems] == [
        "faq/a.toml:2: ja.label is empty",
        "faq/a.toml:4: en.answer is empty",
    ]


def test_unreadable_entry_is_reported(faq_dir: Path) -> None:
    """A directory named like a FAQ file is reported, not a crash."""
    write(faq_dir, {"a.toml": topic("a")})
    (faq_dir / "b.toml").mkdir()

    _, problems = load(faq_dir, required=REQUIRED)

    assert [str(p) for p in problems] == ["faq/b.toml:1: cannot read the file: Is a directory"]


def test_valid_directory_loads_into_the_model(faq_dir: Path) -> None:
    """A valid directory gives topics in file-name order, stripped text and default flags."""
    answer = '"""\n一段落目。\n\n二段落目。\n"""'
    follow_ups = 'menu = true\noffer_staff = true\nfollow_ups = ["b"]'
    write(
        faq_dir,
        {
            "b.toml": topic("b", {"menu = true\n": "", '"回答です。"': answer}),
            "a.toml": topic("a", {"menu = true": follow_ups}),
            "out_of_scope.toml": OUT_OF_SCOPE,
        },
    )

    faq, problems = load(faq_dir, required=("a", "b"))

    assert problems == []
    assert faq is not None
    assert list(faq.topics) == ["a", "b"]
    assert faq.topics["a"] == Topic(
        id="a",
        ja=Entry("ラベル", "回答です。", ("aの質問",)),
        en=Entry("Label", "An answer.", ("question about a",)),
        follow_ups=("b",),
        offer_staff=True,
        menu=True,
        path=faq_dir / "a.toml",
    )
    assert faq.topics["b"].entry("ja").answer == "一段落目。\n\n二段落目。"
    assert (faq.topics["b"].offer_staff, faq.topics["b"].menu) == (False, False)
    assert faq.menu() == (faq.topics["a"],)
    assert faq.out_of_scope == {"ja": ("ほかの治療は?",), "en": ("Botox?",)}


def test_out_of_scope_is_empty_without_its_file(faq_dir: Path) -> None:
    """Without out_of_scope.toml both languages have no out-of-scope questions."""
    write(faq_dir, {"a.toml": topic("a")})

    faq = load_or_raise(faq_dir, required=REQUIRED)

    assert faq.out_of_scope == {"ja": (), "en": ()}


def test_content_hash_follows_what_patients_see(faq_dir: Path) -> None:
    """The hash is 16 hex digits, changes with an answer, and ignores example questions."""
    write(
        faq_dir,
        {
            "a.toml": topic("a"),
            "b.toml": topic("b", {"bの質問": "別の質問"}),
            "c.toml": topic("c", {"An answer.": "Another answer."}),
        },
    )

    topics = load_or_raise(faq_dir, required=REQUIRED).topics

    assert len(topics["a"].content_hash()) == 16
    assert set(topics["a"].content_hash()) <= set("0123456789abcdef")
    assert topics["a"].content_hash() == topics["b"].content_hash()
    assert topics["a"].content_hash() != topics["c"].content_hash()


WARNINGS = [
    pytest.param(
        {'"回答です。"': '"効果は必ず出ます。"'},
        "faq/a.toml:6:14: warning: ja.answer: '必ず' is wording",
        id="ja-word",
    ),
    pytest.param(
        {'"回答です。"': '"""\n一行目です。\n二行目は最高です。\n"""'},
        "faq/a.toml:8:5: warning: ja.answer: '最高'",
        id="ja-word-in-multiline-answer",
    ),
    pytest.param(
        {'"ラベル"': '"ＮＯ．１"'},
        "faq/a.toml:5:10: warning: ja.label: 'ＮＯ．１'",
        id="ja-full-width-no1",
    ),
    pytest.param(
        {'"An answer."': '"Results are Guaranteed."'},
        "faq/a.toml:11:23: warning: en.answer: 'Guaranteed'",
        id="en-any-case",
    ),
    pytest.param(
        {'"An answer."': '"It is 100% safe."'},
        "faq/a.toml:11:17: warning: en.answer: '100%'",
        id="en-percent",
    ),
    pytest.param(
        {'"Label"': '"Best care"'}, "faq/a.toml:10:10: warning: en.label: 'Best'", id="en-label"
    ),
    pytest.param(
        {'"An answer."': '"""\nIt is\na cure."""'},
        "faq/a.toml:13:3: warning: en.answer: 'cure'",
        id="en-word-in-multiline-answer",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), WARNINGS)
def test_advertising_wording_is_a_warning_at_the_word(
    faq_dir: Path, edits: dict[str, str], expected: str
) -> None:
    """Forbidden advertising wording is a warning on the physical line and column of the word."""
    write(faq_dir, only_a(edits))

    faq, problems = load(faq_dir, required=REQUIRED)

    assert faq is not None
    assert len(problems) == 1, shown(problems)
    assert str(problems[0]).startswith(expected)


NOT_FLAGGED = [
    pytest.param({'"An answer."': '"It is not approved in Japan."'}, id="not-approved-disclosure"),
    pytest.param(
        {'"An answer."': '"""It is not\napproved in Japan."""'}, id="not-approved-across-lines"
    ),
    pytest.param(
        {'"An answer."': '"Many products are unproven; buy securely."'}, id="whole-words-only"
    ),
    pytest.param({"question about a": "Is it guaranteed?"}, id="en-example-question"),
    pytest.param({"aの質問": "必ず効きますか"}, id="ja-example-question"),
    pytest.param({'"An answer."': '"必ず"'}, id="ja-word-in-en-table"),
    pytest.param(
        {'"回答です。"': '"必ず医師に相談してください。"  # reviewed'}, id="reviewed-comment"
    ),
    pytest.param(
        {'"回答です。"': '"必ず医師に相談してください。"\nreviewed = ["必ず医師に相談"]'},
        id="reviewed-phrase",
    ),
    pytest.param(
        {'"An answer."': '"""\nThis is not a\ncure."""\nreviewed = ["not a cure"]'},
        id="reviewed-phrase-across-lines",
    ),
]


@pytest.mark.parametrize("edits", NOT_FLAGGED)
def test_harmless_or_reviewed_wording_is_not_flagged(faq_dir: Path, edits: dict[str, str]) -> None:
    """Disclosures, patients' own questions and reviewed wording raise no warning."""
    write(faq_dir, only_a(edits))

    _, problems = load(faq_dir, required=REQUIRED)

    assert problems == []


STILL_FLAGGED = [
    pytest.param(
        {'"回答です。"': '"必ず医師に相談。効果は必ず出ます。"\nreviewed = ["必ず医師に相談"]'},
        "faq/a.toml:6:22:",
        id="word-outside-the-reviewed-phrase",
    ),
    pytest.param(
        {'"An answer."': '"x"\nreviewed = ["必ず医師に相談"]', '"回答です。"': '"必ず医師に相談"'},
        "faq/a.toml:6:11:",
        id="phrase-reviewed-in-the-other-language",
    ),
    pytest.param(
        {'"回答です。"': '"""\n必ず出ます。\n"""  # reviewed'},
        "faq/a.toml:7:1:",
        id="reviewed-comment-on-another-line",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), STILL_FLAGGED)
def test_review_covers_only_what_it_names(
    faq_dir: Path, edits: dict[str, str], expected: str
) -> None:
    """A review mark covers its own phrase or line in its own language, nothing more."""
    write(faq_dir, only_a(edits))

    _, problems = load(faq_dir, required=REQUIRED)

    assert [str(p).split(" warning: ")[0] for p in problems] == [expected]


PROBLEM_TEXT = [
    pytest.param(Problem(Path("faq/cost.toml"), 12, "x"), "faq/cost.toml:12: x", id="line"),
    pytest.param(
        Problem(Path("faq/cost.toml"), 3, "x", column=7), "faq/cost.toml:3:7: x", id="column"
    ),
    pytest.param(
        Problem(Path("faq/a.toml"), 2, "x", "warning", 5),
        "faq/a.toml:2:5: warning: x",
        id="warning",
    ),
    pytest.param(Problem(Path("faq"), 0, "x"), "faq/: x", id="directory"),
]


@pytest.mark.parametrize(("problem", "text"), PROBLEM_TEXT)
def test_problem_reads_as_file_line_message(problem: Problem, text: str) -> None:
    """A problem prints the way compilers print them, so editors can jump to it."""
    assert str(problem) == text


def test_load_or_raise_lists_every_problem(faq_dir: Path) -> None:
    """FaqError carries the problems and prints one per line."""
    write(faq_dir, only_a({"menu = true": "menu = 1\noffer_staff = 1"}))

    with pytest.raises(FaqError) as raised:
        load_or_raise(faq_dir, required=REQUIRED)

    assert str(raised.value).splitlines() == [
        "faq/a.toml:2: menu must be true or false",
        "faq/a.toml:3: offer_staff must be true or false",
    ]
    assert [p.line for p in raised.value.problems] == [2, 3]


CHECKS = [
    pytest.param(
        {"a.toml": topic("a"), "b.toml": topic("b")},
        0,
        ["faq check: 2 files, 2 topics, 0 errors, 0 warnings"],
        id="valid",
    ),
    pytest.param(
        only_a({'"Label"': '"Best"'}),
        0,
        [
            "faq/a.toml:10:10: warning: en.label: 'Best'",
            "faq check: 1 file, 1 topic, 0 errors, 1 warning",
        ],
        id="warning-only",
    ),
    pytest.param(
        only_a({"menu = true": "menu = 1"}),
        1,
        [
            "faq/a.toml:2: menu must be true or false",
            "faq check: 1 file, 1 topic, 1 error, 0 warnings",
        ],
        id="error",
    ),
    pytest.param(
        {"a.toml": "id = 'a'\n[ja\n", "out_of_scope.toml": OUT_OF_SCOPE},
        1,
        ["faq/a.toml:2:4: invalid TOML", "faq check: 2 files, 0 topics, 1 error, 0 warnings"],
        id="syntax-error",
    ),
]


@pytest.mark.parametrize(("files", "code", "expected"), CHECKS)
def test_check_prints_problems_and_a_summary(
    faq_dir: Path, files: dict[str, str], code: int, expected: list[str]
) -> None:
    """`faq check` prints each problem, then a summary, and fails only on errors."""
    write(faq_dir, files)
    out = io.StringIO()

    result = check(faq_dir, out, required=REQUIRED)

    printed = out.getvalue().splitlines()
    assert result == code
    assert len(printed) == len(expected)
    assert all(line.startswith(start) for line, start in zip(printed, expected, strict=True))


def test_check_fails_on_a_missing_directory(faq_dir: Path) -> None:
    """A directory that does not exist is an error, not an empty FAQ."""
    out = io.StringIO()

    result = check(faq_dir / "nope", out)

    assert result == 1
    assert out.getvalue().splitlines() == [
        "faq/nope/: FAQ directory not found",
        "faq check: 0 files, 0 topics, 1 error, 0 warnings",
    ]


def test_a_broken_file_is_reported_first_and_alone(faq_dir: Path) -> None:
    """The one real error comes first; follow-ups naming the broken topic are not errors too."""
    b_follows_a = topic("b", {"menu = true": 'menu = true\nfollow_ups = ["a"]'})
    write(
        faq_dir,
        {"a.toml": "id = 'a'\n[ja\n", "b.toml": b_follows_a, "out_of_scope.toml": OUT_OF_SCOPE},
    )
    out = io.StringIO()

    result = check(faq_dir, out, required=("b",))

    printed = out.getvalue().splitlines()
    assert result == 1
    assert printed[0].startswith("faq/a.toml:2:4: invalid TOML")
    assert printed[1:] == ["faq check: 3 files, 1 topic, 1 error, 0 warnings"]


def test_check_reads_the_hours_file(faq_dir: Path, tmp_path: Path) -> None:
    """A broken hours.toml fails `faq check` with its line, like a broken FAQ file."""
    write(faq_dir, only_a({}))
    hours_file = tmp_path / "hours.toml"
    hours_file.write_text('timezone = "Asia/Tokyo"\nopening = "9-18"\n', encoding="utf-8")
    out = io.StringIO()

    result = check(faq_dir, out, required=REQUIRED, hours_file=hours_file)

    assert result == 1
    assert f"{hours_file}:2: opening: unknown key" in out.getvalue()


def test_a_stale_readings_seed_is_a_warning_with_the_command(faq_dir: Path, tmp_path: Path) -> None:
    """A new kanji word the seed lacks: warned, with the command that fixes it; then quiet."""
    write(faq_dir, only_a({"aの質問": "鰻重の値段は"}))
    seed = tmp_path / "readings.json"
    seed.write_text("{}\n", encoding="utf-8")
    out = io.StringIO()

    assert check(faq_dir, out, required=REQUIRED, seed=seed) == 0
    assert "warning: out of date for this FAQ" in out.getvalue()
    assert "python -m bot faq readings" in out.getvalue()

    faq = load_or_raise(faq_dir, REQUIRED)
    write_seed(faq_texts(faq), seed)
    quiet = io.StringIO()
    check(faq_dir, quiet, required=REQUIRED, seed=seed)
    assert "out of date" not in quiet.getvalue()


def test_check_reads_the_rich_menu_file_against_the_faq(faq_dir: Path, tmp_path: Path) -> None:
    """A rich-menu area naming a topic the FAQ lacks fails `faq check` with its line."""
    write(faq_dir, only_a({}))
    shipped = Path(__file__).resolve().parents[1] / "config" / "richmenu.toml"
    menu = tmp_path / "richmenu.toml"
    menu.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    out = io.StringIO()

    result = check(faq_dir, out, required=REQUIRED, richmenu_file=menu)

    assert result == 1
    assert f"{menu}:" in out.getvalue() and "topic" in out.getvalue()
