"""The shipped answers, read as a content reviewer would (docs/content-review.md).

No claim stronger than the source article, the cautions and disclosures where they belong, the
same hedges in English as in Japanese, the safety status first, emergency numbers in the
side-effects answer, and real clinic values in every reply.
"""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import i18n
from bot.clinic import Clinic, Disclosure
from bot.core import decide
from bot.core.decision import State
from bot.core.knowledge import Knowledge, build_knowledge
from bot.faq import lint
from bot.faq.model import Faq, load
from bot.lang import LANGS, Lang
from bot.line_limits import utf16_length

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

# A clinic whose every value is recognisable, and long enough to test LINE's limit.
CLINIC = Clinic(
    name="あおば再生クリニック",
    phone="03-1234-5678",
    after_hours_phone="03-1234-9999",
    prefecture="東京都",
    medical_advice_line="#7119",
    privacy_policy_url="https://aoba-clinic.jp/privacy",
    booking_url="https://aoba-clinic.jp/booking",
    unapproved=(
        Disclosure(
            "ja",
            product_source="JA-SOURCE 国内の製造元から医師の判断で購入しています" * 3,
            approved_equivalent="JA-EQUIVALENT 国内で承認されたエクソソーム製剤はありません" * 3,
            foreign_safety="JA-FOREIGN 欧米でも承認された製剤はなく、未知のリスクがありえます" * 3,
        ),
        Disclosure(
            "en",
            product_source="EN-SOURCE bought from a manufacturer in Japan on a doctor's order" * 3,
            approved_equivalent="EN-EQUIVALENT no exosome product is licensed in Japan" * 3,
            foreign_safety="EN-FOREIGN none is licensed in the US or EU; risks may be unknown" * 3,
        ),
    ),
)

# Promises the article never makes: it only ever "expects" (期待) or says "may" (可能性).
PROMISES = {
    "ja": re.compile(
        r"治ります|治る|治せ|改善します|改善できます|効きます|効果があります|確実|必ず効|若返ります"
        r"|予防できます|回復します|生えてきます"
    ),
    "en": re.compile(
        r"\bwill\s+(?:improve|cure|heal|restore|regrow|reverse|prevent|work)\b|\bcures?\b"
        r"|\bguarantee|\bproven\b|\bis\s+effective\b|\bworks\s+for\b",
        re.IGNORECASE,
    ),
}
CAUTION = {
    "ja": ("妊娠中", "授乳中", "不妊治療中", "がん", "受けられない場合があります"),
    "en": ("pregnant", "breastfeeding", "fertility treatment", "cancer", "may not be able"),
}
# Conditions and people the article does not cover; an effects topic must not invite them.
UNCOVERED_QUESTIONS = re.compile(
    r"子供(?!の頃)|子ども(?!の頃)|息子|娘|アレルギ|あれるぎ|動脈硬化|ﾄﾞｳﾐｬｸ|冷え|ひえしょう|ゴースト血管"
    r"|\bkids?\b|\bchild(?:ren)?\b|\ballerg|arterioscl|stiff arteries|cold hands",
    re.IGNORECASE,
)
RELIEF = {"ja": "医薬品副作用被害救済制度", "en": "relief system for adverse drug reactions"}


@pytest.fixture(name="faq", scope="module")
def _faq() -> Faq:
    faq, problems = load(ROOT / "faq")
    assert faq is not None, problems
    return faq


@pytest.fixture(name="filled", scope="module")
def _filled(faq: Faq) -> Knowledge:
    return build_knowledge(faq, i18n.load(ROOT / "locales"), clinic=CLINIC)


def effects_ids(faq: Faq) -> list[str]:
    return [t for t in faq.topics if t == "effects" or t.startswith("effects.")]


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]


def test_real_faq_has_no_warning_at_all() -> None:
    """No advertising, meta, promise or dropped-hedge warning is left in the shipped files."""
    _, problems = load(ROOT / "faq")

    assert [str(p) for p in problems] == []


@pytest.mark.parametrize("lang", LANGS)
def test_no_answer_promises_a_result(faq: Faq, lang: Lang) -> None:
    """No answer says "will improve", "cures", 治る or 改善します: the article only hopes."""
    found = {
        topic.id: PROMISES[lang].findall(topic.entry(lang).answer)
        for topic in faq.topics.values()
        if PROMISES[lang].search(topic.entry(lang).answer)
    }

    assert found == {}


@pytest.mark.parametrize("lang", LANGS)
def test_every_effects_answer_carries_the_caution_line(faq: Faq, lang: Lang) -> None:
    """Pregnancy, breastfeeding, fertility treatment and cancer: in every effects answer."""
    missing = {
        topic_id: [
            word for word in CAUTION[lang] if word not in faq.topics[topic_id].entry(lang).answer
        ]
        for topic_id in [*effects_ids(faq), "recommended_for"]
    }

    assert len(missing) == 8
    assert {topic_id: words for topic_id, words in missing.items() if words} == {}


def test_english_keeps_every_japanese_hedge(faq: Faq) -> None:
    """Each hedge pair of the lint table holds paragraph by paragraph in every topic."""
    dropped = []
    for topic in faq.topics.values():
        ja, en = paragraphs(topic.ja.answer), paragraphs(topic.en.answer)
        pairs = (
            zip(ja, en, strict=True) if len(ja) == len(en) else [(topic.ja.answer, topic.en.answer)]
        )
        for ja_part, en_part in pairs:
            for hedge in lint.HEDGES:
                if hedge.ja.search(ja_part) and not hedge.en.search(en_part):
                    dropped.append((topic.id, hedge.ja.pattern, en_part[:40]))

    assert dropped == []


HEDGED = [
    pytest.param("sessions", "といわれて", "is said to last", id="sessions-said"),
    pytest.param("sessions", "必要とされて", "are said to be needed", id="sessions-needed"),
    pytest.param("effects.dementia", "とされています", "is said to be taken in", id="dementia"),
    pytest.param("effects.immune", "可能性が期待", "expected that this may", id="immune"),
    pytest.param("effects.vascular", "導くことが期待", "is expected to promote", id="vascular"),
]


@pytest.mark.parametrize(("topic_id", "ja", "en"), HEDGED)
def test_hedges_the_review_found_dropped_are_back(
    faq: Faq, topic_id: str, ja: str, en: str
) -> None:
    """The English answers that used to state as fact what the Japanese hedges now hedge too."""
    topic = faq.topics[topic_id]

    assert ja in topic.ja.answer
    assert en in topic.en.answer


SAFETY_FIRST = {
    "ja": ("承認", "再生医療等安全性確保法"),
    "en": ("not approved", "Regenerative Medicine"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_safety_leads_with_not_approved(faq: Faq, lang: Lang) -> None:
    """The first sentence says "not approved"; reassurance never comes before the status."""
    first = paragraphs(faq.topics["safety"].entry(lang).answer)[0]
    sentence = re.split(r"(?<=。)|(?<=\.)\s", first)[0]

    assert SAFETY_FIRST[lang][0] in sentence
    assert SAFETY_FIRST[lang][1] in first
    assert "2024" in first
    assert "懸念" not in first
    assert "concern" not in first


@pytest.mark.parametrize("lang", LANGS)
def test_side_effects_names_119_the_advice_line_and_the_clinic(
    filled: Knowledge, lang: Lang
) -> None:
    """119 and its red flags, #7119 and the clinic's own number, filled in the reply."""
    answer = filled.faq.topics["side_effects"].entry(lang).answer
    flags = {
        "ja": ("胸が痛い", "高い熱", "寒気", "うみ", "血が止まらない", "唇"),
        "en": ("Chest pain", "high fever", "chills", "pus", "Bleeding that will not stop", "lips"),
    }

    assert "119" in answer
    assert "#7119" in answer
    assert "03-1234-5678" in answer
    assert RELIEF[lang] in answer
    assert [flag for flag in flags[lang] if flag not in answer] == []


def test_side_effects_infection_is_not_narrowed_to_the_site(faq: Faq) -> None:
    """Infection is a risk in general, as in the article, not only "at the injection site"."""
    for topic in faq.topics.values():
        assert "infection at the injection" not in topic.en.answer
        assert "部位の痛み、内出血、感染症" not in topic.ja.answer


@pytest.mark.parametrize("lang", LANGS)
def test_every_reply_shows_real_values(filled: Knowledge, lang: Lang) -> None:
    """No placeholder is left, and the disclosure is the clinic's text in the answer's language."""
    other = "en" if lang == "ja" else "ja"
    for topic in filled.faq.topics.values():
        answer = topic.entry(lang).answer
        assert not re.search(r"\{[a-z_]+\}", answer), topic.id
        assert f"{other.upper()}-SOURCE" not in answer, topic.id
        assert utf16_length(answer) <= 5000, topic.id


DISCLOSED = ["cost", "safety", "products", "recommended_for"]


@pytest.mark.parametrize("lang", LANGS)
def test_self_paid_answers_carry_the_whole_disclosure(
    faq: Faq, filled: Knowledge, lang: Lang
) -> None:
    """Unapproved, how obtained, approved equivalents, safety abroad, no relief: all of it."""
    tag = lang.upper()
    for topic_id in [*DISCLOSED, *effects_ids(faq)]:
        answer = filled.faq.topics[topic_id].entry(lang).answer
        for part in (f"{tag}-SOURCE", f"{tag}-EQUIVALENT", f"{tag}-FOREIGN", RELIEF[lang]):
            assert part in answer, (topic_id, part)


META = re.compile(
    r"コラム|この記事|この情報|\bthis article\b|\bthe column\b|\bthis information\b", re.I
)


def test_no_answer_talks_about_its_source_text(faq: Faq) -> None:
    """Patients never read "this column does not say"; only `supervision` names the source."""
    found = [
        (topic.id, lang)
        for topic in faq.topics.values()
        for lang in LANGS
        if META.search(topic.entry(lang).answer)
    ]

    assert found == []


def test_effects_questions_invite_no_uncovered_claim(faq: Faq) -> None:
    """No effects example question is about children, allergies or arteriosclerosis."""
    found = [
        (topic_id, question)
        for topic_id in effects_ids(faq)
        for lang in LANGS
        for question in faq.topics[topic_id].entry(lang).questions
        if UNCOVERED_QUESTIONS.search(question)
    ]

    assert found == []


@pytest.mark.parametrize(
    ("question", "lang", "needs"),
    [
        pytest.param(
            "何歳から受けられますか", "ja", ("医師が一人ひとり判断", "18歳未満", "スタッフ")
        ),
        pytest.param(
            "minimum age", "en", ("decided by a doctor for each person", "under 18", "staff")
        ),
    ],
)
def test_age_questions_get_a_doctor_decision_not_no_limit(
    knowledge: Knowledge, question: str, lang: str, needs: tuple[str, ...]
) -> None:
    """An age question is answered "a doctor decides; minors talk to staff", with staff offered."""
    decision = decide(question, State(), NOW, knowledge)

    assert decision.intent == "contraindications"
    assert all(part in decision.text for part in needs)
    assert "制限はありません" not in decision.text
    assert "no age limit" not in decision.text.lower()
    assert any(choice.data.startswith("staff=") for choice in decision.choices)


@pytest.mark.parametrize(
    ("question", "lang", "says"),
    [
        pytest.param("幹細胞治療と同じものですか", "ja", "幹細胞治療と同じものではありません"),
        pytest.param(
            "is this the same as stem cell therapy?", "en", "not the same as stem cell therapy"
        ),
    ],
)
def test_stem_cell_question_is_answered(
    knowledge: Knowledge, question: str, lang: str, says: str
) -> None:
    """ "Is it stem-cell therapy?" gets a plain no, without borrowing iPS transplants' record."""
    decision = decide(question, State(), NOW, knowledge)

    assert decision.intent == "about"
    assert says in decision.text
    assert "2014" not in decision.text


@pytest.mark.parametrize("topic_id", ["effects.hair", "cancer"])
def test_hair_and_cancer_answers_name_the_cancer_caution(faq: Faq, topic_id: str) -> None:
    """Postpartum or chemotherapy hair loss and past cancer reach a caution, in both languages."""
    topic = faq.topics[topic_id]

    assert "治療歴" in topic.ja.answer or "がんの治療に伴う" in topic.ja.answer
    assert "cancer" in topic.en.answer
    assert "医師" in topic.ja.answer and "doctor" in topic.en.answer
