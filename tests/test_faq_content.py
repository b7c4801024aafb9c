"""The real faq/ folder: complete, valid, and carrying the disclosures the rules require."""

import re
import unicodedata
from pathlib import Path

import pytest

from bot.faq.model import REQUIRED_TOPICS, Faq, load
from bot.lang import LANGS, Lang

FAQ_DIR = Path(__file__).parents[1] / "faq"
TOPICS_DOC = Path(__file__).parents[1] / "docs" / "faq-topics.md"  # the topic contract

# Every effects answer ends with the standard note of faq-topics.md ("Disclosures").
DISCLOSURES = {
    "ja": ("未承認", "自由診療", "個人差"),
    "en": ("not approved in Japan", "self-paid", "vary from person to person"),
}
# The article gives no price, so neither may the bot: no "30万円", "3万円", "¥300,000", "$2,000".
PRICE = re.compile(
    r"[\d一二三四五六七八九十百千万数]\s*[,.\d]*\s*[百千万億]?\s*円|[¥$]\s*\d|\d\s*(?:yen|jpy|dollars?|usd)\b",
    re.IGNORECASE,
)


@pytest.fixture(name="faq", scope="module")
def _faq() -> Faq:
    faq, problems = load(FAQ_DIR)
    if faq is None:
        pytest.fail("faq/ does not load:\n" + "\n".join(str(p) for p in problems))
    return faq


def test_faq_folder_loads_without_errors() -> None:
    """`faq check` finds no error in the real folder."""
    _, problems = load(FAQ_DIR)

    assert [str(p) for p in problems if p.severity == "error"] == []


@pytest.mark.parametrize("topic_id", REQUIRED_TOPICS)
def test_required_topic_exists_in_both_languages(faq: Faq, topic_id: str) -> None:
    """Every topic id of faq-topics.md has a label, an answer and questions in ja and en."""
    topic = faq.topics[topic_id]

    for lang in LANGS:
        entry = topic.entry(lang)
        assert entry.label, lang
        assert entry.answer, lang
        assert entry.questions, lang


def test_every_effects_answer_carries_the_disclosures(faq: Faq) -> None:
    """Each effects answer says: not approved in Japan, self-paid, results vary by person."""
    effects = [t for t in faq.topics.values() if t.id == "effects" or t.id.startswith("effects.")]

    missing = [
        f"{topic.id} [{lang}]: {phrase!r}"
        for topic in effects
        for lang in LANGS
        for phrase in DISCLOSURES[lang]
        if phrase.casefold() not in topic.entry(lang).answer.casefold()
    ]

    assert len(effects) >= 7
    assert missing == []


@pytest.mark.parametrize("lang", LANGS)
def test_cost_answer_names_no_price(faq: Faq, lang: Lang) -> None:
    """The cost answer gives no amount in yen or dollars, because the article gives none."""
    answer = unicodedata.normalize("NFKC", faq.topics["cost"].entry(lang).answer)

    assert PRICE.findall(answer) == []


@pytest.mark.parametrize("topic_id", ["consultation", "cost"])
def test_topic_offers_a_person(faq: Faq, topic_id: str) -> None:
    """Booking and price questions offer a hand-off to staff."""
    assert faq.topics[topic_id].offer_staff is True


def test_required_topics_match_the_topics_doc() -> None:
    """REQUIRED_TOPICS is exactly the id column of docs/faq-topics.md, in its order."""
    rows = re.findall(r"^\| `([a-z_.]+)` \|", TOPICS_DOC.read_text(encoding="utf-8"), re.MULTILINE)
    topic_rows = rows[: rows.index("greeting")]

    assert tuple(topic_rows) == REQUIRED_TOPICS
