"""Placeholders in answers: filled from config/clinic.toml in each answer's language."""

from dataclasses import replace
from pathlib import Path

import pytest

from bot import clinic, i18n
from bot.clinic import Clinic, Disclosure
from bot.core.knowledge import build_knowledge
from bot.faq.model import FaqError, fill_answers, load_or_raise, placeholder_values

ROOT = Path(__file__).resolve().parents[1]

TOPIC = """\
id = "a"

[ja]
label = "ラベル"
answer = "{ja}"
questions = ["aの質問"]

[en]
label = "Label"
answer = "{en}"
questions = ["question about a"]
"""


def faq_with(tmp_path: Path, ja: str, en: str) -> Path:
    directory = tmp_path / "faq"
    directory.mkdir()
    text = TOPIC.replace("{ja}", ja).replace("{en}", en)
    (directory / "a.toml").write_text(text, encoding="utf-8")
    return directory


CLINIC = Clinic(
    name="あおばクリニック",
    phone="03-1111-2222",
    after_hours_phone="",
    medical_advice_line="",
    unapproved=(
        Disclosure("ja", "国内で購入", "承認品なし", "海外情報なし"),
        Disclosure("en", "bought in Japan", "none licensed", "none known"),
    ),
)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        pytest.param(
            "ja",
            {
                "name": "あおばクリニック",
                "phone": "03-1111-2222",
                "after_hours_phone": "なし",
                "medical_advice_line": "お住まいの地域の救急相談窓口",
                "product_source": "国内で購入",
                "approved_equivalent": "承認品なし",
                "foreign_safety": "海外情報なし",
            },
            id="ja",
        ),
        pytest.param(
            "en",
            {
                "after_hours_phone": "none",
                "medical_advice_line": "your local emergency advice line",
                "product_source": "bought in Japan",
                "approved_equivalent": "none licensed",
                "foreign_safety": "none known",
            },
            id="en",
        ),
    ],
)
def test_values_come_from_the_clinic_in_the_answers_language(
    lang: str, expected: dict[str, str]
) -> None:
    """Clinic facts as they are, disclosures in the language, empty optional lines worded."""
    values = placeholder_values(CLINIC, lang)

    assert {key: values[key] for key in expected} == expected
    assert values["privacy_policy_url"] == CLINIC.privacy_policy_url


def test_knowledge_answers_are_filled_and_matching_is_not(tmp_path: Path) -> None:
    """Replies show the values; the templates still load, and `{{` shows one brace."""
    directory = faq_with(tmp_path, "お電話は{phone}へ。{{例}}", "Call {phone}; {product_source}.")
    faq = load_or_raise(directory, required=("a",))

    knowledge = build_knowledge(faq, i18n.load(ROOT / "locales"), clinic=CLINIC)

    assert knowledge.faq.topics["a"].ja.answer == "お電話は03-1111-2222へ。{例}"
    assert knowledge.faq.topics["a"].en.answer == "Call 03-1111-2222; bought in Japan."
    assert faq.topics["a"].ja.answer == "お電話は{phone}へ。{{例}}"


def test_shipped_clinic_file_fills_the_shipped_faq() -> None:
    """The real files together: every answer filled, none over LINE's limit."""
    facts = clinic.load(ROOT / "config" / "clinic.toml")

    filled = fill_answers(load_or_raise(ROOT / "faq"), facts)

    for topic in filled.topics.values():
        for entry in (topic.ja, topic.en):
            assert "{" not in entry.answer.replace("{{", ""), topic.id
    assert facts.phone in filled.topics["side_effects"].en.answer


def test_a_filled_answer_over_the_limit_is_refused(tmp_path: Path) -> None:
    """A clinic value that pushes an answer past 5,000 units stops the load, never cuts it."""
    directory = faq_with(tmp_path, "あ" * 4990 + "{name}", "x")
    faq = load_or_raise(directory, required=("a",))

    with pytest.raises(FaqError) as raised:
        fill_answers(faq, replace(CLINIC, name="とても長い名前のクリニック"))

    assert "ja.answer of 'a' is 5,003 characters" in str(raised.value)
