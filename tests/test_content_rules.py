"""The content rules of `faq check`, by table: each problem class found at its file and line.

The rules come from a content review of the answers (docs/content-review.md): talk about the
source text, promises, hedges the English drops, placeholders the bot cannot fill, and texts
some topics must carry (the caution line, the safety status, when to call 119, the disclosure).
"""

import io
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.faq import lint
from bot.faq.model import check, load
from bot.faq.rules import PLACEHOLDERS, REQUIREMENTS

# A valid topic with the given id and answers; one-line answers keep line numbers fixed:
# ja.answer is on line 5, en.answer on line 10.
TOPIC = """\
id = "{id}"

[ja]
label = "ラベル"
answer = {ja}
questions = ["{id}の質問"]

[en]
label = "Label"
answer = {en}
questions = ["question about {id}"]
"""


def topic(topic_id: str, ja: str = '"回答です。"', en: str = '"An answer."') -> str:
    """TOPIC with raw TOML values for the two answers."""
    return TOPIC.replace("{id}", topic_id).replace("{ja}", ja).replace("{en}", en)


@pytest.fixture(name="faq_dir")
def _faq_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty faq/ folder, relative to the working directory, so paths print as in `faq check`."""
    (tmp_path / "faq").mkdir()
    monkeypatch.chdir(tmp_path)
    return Path("faq")


def problems_of(faq_dir: Path, files: Mapping[str, str]) -> list[str]:
    for name, text in files.items():
        (faq_dir / name).write_text(text, encoding="utf-8")
    required = tuple(name.removesuffix(".toml") for name in files)
    _, problems = load(faq_dir, required=required)
    return [str(problem) for problem in problems]


FLAGGED = [
    pytest.param(
        topic("a", ja='"このコラムには料金の記載はありません。"'),
        "faq/a.toml:5:13: warning: ja.answer: 'コラム' talks about the source text",
        id="meta-ja-column",
    ),
    pytest.param(
        topic("a", ja='"この情報には記載がありません。"'),
        "faq/a.toml:5:11: warning: ja.answer: 'この情報' talks about the source text",
        id="meta-ja-this-information",
    ),
    pytest.param(
        topic("a", en='"The column gives no price."'),
        "faq/a.toml:10:11: warning: en.answer: 'The column' talks about the source text",
        id="meta-en-column",
    ),
    pytest.param(
        topic("a", en='"""\nAs this\narticle says, it helps."""'),
        "faq/a.toml:11:4: warning: en.answer: 'this\\narticle' talks about the source text",
        id="meta-en-across-lines",
    ),
    pytest.param(
        topic("a", ja='"シワが改善します。"'),
        "faq/a.toml:5:14: warning: ja.answer: '改善します' promises a result",
        id="promise-ja-improves",
    ),
    pytest.param(
        topic("a", ja='"薄毛が治ります。"'),
        "faq/a.toml:5:14: warning: ja.answer: '治ります' promises a result",
        id="promise-ja-heals",
    ),
    pytest.param(
        topic("a", en='"It will improve your skin."'),
        "faq/a.toml:10:14: warning: en.answer: 'will improve' promises a result",
        id="promise-en-will-improve",
    ),
    pytest.param(
        topic("a", en='"It is effective for hair loss."'),
        "faq/a.toml:10:14: warning: en.answer: 'is effective' promises a result",
        id="promise-en-is-effective",
    ),
    pytest.param(
        topic("a", ja='"効果が期待されています。"', en='"It has an effect."'),
        "faq/a.toml:5:14: warning: ja.answer: hedge '期待' is missing from en.answer;"
        ' keep it in English ("is expected")',
        id="hedge-expected-dropped",
    ),
    pytest.param(
        topic("a", ja='"役立つ可能性があります。"', en='"It helps."'),
        "faq/a.toml:5:14: warning: ja.answer: hedge '可能性' is missing from en.answer",
        id="hedge-may-dropped",
    ),
    pytest.param(
        topic("a", ja='"持続するとされています。"', en='"It lasts a week."'),
        "faq/a.toml:5:15: warning: ja.answer: hedge 'とされて' is missing from en.answer",
        id="hedge-said-dropped",
    ),
    pytest.param(
        topic("a", ja='"効果には個人差があります。"', en='"Results differ."'),
        "faq/a.toml:5:15: warning: ja.answer: hedge '個人差' is missing from en.answer",
        id="hedge-varies-dropped",
    ),
    pytest.param(
        topic(
            "a",
            ja='"""\n効果が期待されています。\n\n二段落目です。"""',
            en='"""\nIt is not fully understood.\n\nIt is expected to help."""',
        ),
        "faq/a.toml:6:4: warning: ja.answer: hedge '期待' is missing from en.answer paragraph 1",
        id="hedge-paragraph-by-paragraph",
    ),
    pytest.param(
        topic("a", ja='"電話は{phon}です。"'),
        "faq/a.toml:5:14: ja.answer: unknown placeholder {phon}; the known ones are {name},",
        id="placeholder-unknown",
    ),
    pytest.param(
        topic("a", en='"Call {PHONE}."'),
        "faq/a.toml:10:16: en.answer: unknown placeholder {PHONE}",
        id="placeholder-case-matters",
    ),
    pytest.param(
        topic("a", ja='"電話は{phone です。"'),
        "faq/a.toml:5:14: ja.answer: a lone '{'; write {{ for a literal brace",
        id="placeholder-lone-open",
    ),
    pytest.param(
        topic("a", en='"Smile :}"'),
        "faq/a.toml:10:18: en.answer: a lone '}'; write }} for a literal brace",
        id="placeholder-lone-close",
    ),
    pytest.param(
        topic(
            "effects.x",
            en='"Note: not if pregnant, breastfeeding, in fertility treatment or with cancer."',
        ),
        "faq/effects.x.toml:5: ja.answer: missing the caution line (pregnancy, breastfeeding,"
        " fertility treatment, cancer); it needs '妊娠'; '授乳'; '不妊'; 'がん'",
        id="effects-caution-missing-ja",
    ),
    pytest.param(
        topic(
            "effects.x",
            ja='"妊娠中・授乳中・不妊治療中の方、がんの方は受けられない場合があります。"',
            en='"People who are pregnant or breastfeeding may not receive it."',
        ),
        "faq/effects.x.toml:10: en.answer: missing the caution line (pregnancy, breastfeeding,"
        " fertility treatment, cancer); it needs 'fertility'; 'cancer'",
        id="effects-caution-incomplete-en",
    ),
    pytest.param(
        topic(
            "safety",
            ja='"""\n体内に自然にある成分です。\n\n未承認で、安全性は確立されていません。'
            '再生医療等安全性確保法の対象外です。"""',
            en='"""\nIt is not approved in Japan; safety has not been established; it falls'
            ' outside the Act on the Safety of Regenerative Medicine."""',
        ),
        "faq/safety.toml:5: ja.answer: missing the plain status first (not approved in Japan,"
        " safety not established, outside the Act on the Safety of Regenerative Medicine);"
        " its first paragraph needs '未承認' or '承認されていません'",
        id="safety-status-not-first",
    ),
    pytest.param(
        topic(
            "side_effects",
            ja='"胸が痛い、高い熱、血が止まらないときは119番へ。{medical_advice_line}、{phone}。"',
            en='"Call 119 for chest pain or a fever. Or call {medical_advice_line} or {phone}."',
        ),
        "faq/side_effects.toml:10: en.answer: missing when to call 119 (chest pain, fever,"
        " bleeding …), the advice line and the clinic; it needs 'bleeding'",
        id="side-effects-bleeding-missing",
    ),
    pytest.param(
        topic(
            "a",
            ja='"未承認の自由診療です。入手経路: {product_source}。{approved_equivalent}。'
            '{foreign_safety}。医薬品副作用被害救済制度の対象外です。"',
            en='"Self-paid care with products not approved in Japan. {product_source}."',
        ),
        "faq/a.toml:10: en.answer: missing the unapproved-product disclosure (unapproved, how it"
        " is obtained, approved equivalents, safety abroad, no relief system); it needs"
        " '{approved_equivalent}'; '{foreign_safety}'; 'relief system'",
        id="disclosure-incomplete",
    ),
]


@pytest.mark.parametrize(("text", "expected"), FLAGGED)
def test_content_problem_is_reported_at_its_line(faq_dir: Path, text: str, expected: str) -> None:
    """Each content rule reports one problem, at the file and line an admin has to fix."""
    name = text.split('"')[1] + ".toml"

    found = problems_of(faq_dir, {name: text})

    assert len(found) == 1, found
    assert found[0].startswith(expected), found[0]


NOT_FLAGGED = [
    pytest.param(topic("a", ja='"料金はスタッフがご案内します。"'), id="no-meta"),
    pytest.param(
        topic("a", ja='"効果が期待されています。"', en='"An effect is expected."'), id="hedge-kept"
    ),
    pytest.param(
        topic("a", ja='"役立つ可能性があります。"', en='"It might help."'), id="hedge-might"
    ),
    pytest.param(
        topic(
            "a",
            ja='"""\n効果が期待されています。\n\n二段落目。\n\n三段落目。"""',
            en='"""\nOne paragraph that is expected to say it all."""',
        ),
        id="hedge-anywhere-when-paragraphs-differ",
    ),
    pytest.param(
        topic("a", ja='"効果が期待されています。"', en='"It helps."').replace(
            "\n\n[en]", '\nreviewed = ["効果が期待されています"]\n\n[en]'
        ),
        id="hedge-reviewed",
    ),
    pytest.param(topic("a", ja='"お電話は{phone}まで。"', en='"Call {phone}."'), id="known"),
    pytest.param(topic("a", en='"Write {{phone}} to show braces."'), id="escaped-braces"),
    pytest.param(
        topic("a", ja='"""\n{product_source}\n{approved_equivalent}\n{foreign_safety}"""'),
        id="disclosure-placeholders",
    ),
    pytest.param(
        topic("cost", ja='"費用は高額になる傾向があります。"', en='"It tends to be costly."'),
        id="no-trigger",
    ),
]


@pytest.mark.parametrize("text", NOT_FLAGGED)
def test_careful_answers_pass(faq_dir: Path, text: str) -> None:
    """Kept hedges, known or escaped placeholders and reviewed phrases raise nothing."""
    name = text.split('"')[1] + ".toml"

    assert problems_of(faq_dir, {name: text}) == []


def test_question_wording_is_not_an_answer(faq_dir: Path) -> None:
    """Patients' own questions may say anything: only answers and labels are checked."""
    text = topic("a").replace('"aの質問"', '"このコラムの{phone}で治りますか"')

    assert problems_of(faq_dir, {"a.toml": text}) == []


def test_every_requirement_applies_to_a_shipped_topic() -> None:
    """No requirement is dead: each names at least one topic of faq-topics.md."""
    from bot.faq.model import REQUIRED_TOPICS  # noqa: PLC0415

    for requirement in REQUIREMENTS:
        assert any(requirement.topics.fullmatch(topic_id) for topic_id in REQUIRED_TOPICS)


FILLED = [
    pytest.param("{phone}です", {"phone": "03-1234-5678"}, "03-1234-5678です", id="value"),
    pytest.param("{{phone}}", {"phone": "x"}, "{phone}", id="escaped"),
    pytest.param("{a}{b}", {"a": "1", "b": "2"}, "12", id="adjacent"),
    pytest.param("{{ {a} }}", {"a": "1"}, "{ 1 }", id="mixed"),
    pytest.param("no braces", {}, "no braces", id="plain"),
]


@pytest.mark.parametrize(("text", "values", "expected"), FILLED)
def test_fill_replaces_placeholders_and_unescapes_braces(
    text: str, values: dict[str, str], expected: str
) -> None:
    """`{name}` becomes its value; `{{` and `}}` become one brace."""
    assert lint.fill(text, values) == expected


@pytest.mark.parametrize(("text", "error"), [("{x}", KeyError), ("a } b", ValueError)])
def test_fill_refuses_what_check_reports(text: str, error: type[Exception]) -> None:
    """An unknown name or a lone brace never reaches a patient silently."""
    with pytest.raises(error):
        lint.fill(text, {})


def test_answer_too_long_once_filled_is_an_error_of_check(faq_dir: Path, tmp_path: Path) -> None:
    """A template within LINE's limit that the clinic's values push over it fails `faq check`."""
    answer = "あ" * 4990 + "{name}"
    (faq_dir / "a.toml").write_text(topic("a", ja=f'"{answer}"'), encoding="utf-8")
    clinic_file = tmp_path / "clinic.toml"
    clinic_file.write_text(
        (Path(__file__).parents[1] / "config" / "clinic.toml")
        .read_text(encoding="utf-8")
        .replace('name = "PLACEHOLDER Clinic"', 'name = "Aoba Clinic of Regenerative Care"'),
        encoding="utf-8",
    )
    out = io.StringIO()

    result = check(faq_dir, out, required=("a",), clinic_file=clinic_file)

    assert result == 1
    assert out.getvalue().splitlines()[0] == (
        "faq/a.toml:5: ja.answer is 5,022 characters once the clinic's values are filled in"
        " (config/clinic.toml); LINE allows 5,000"
    )


def test_placeholders_are_the_clinic_fields_the_brief_names() -> None:
    """The placeholder list is the contract of docs/faq-format.md."""
    assert PLACEHOLDERS == (
        "name",
        "phone",
        "after_hours_phone",
        "medical_advice_line",
        "privacy_policy_url",
        "booking_url",
        "product_source",
        "approved_equivalent",
        "foreign_safety",
    )
