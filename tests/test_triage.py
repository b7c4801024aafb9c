"""Safety triage as tables: each outcome and category, and each context that makes a symptom
word a mere mention (negation, risk question, history, hearsay, idiom, beauty word)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core import decide
from bot.core.decision import Kind, Owner, State
from bot.core.knowledge import Knowledge
from bot.core.triage import Outcome, triage
from bot.evaluation import read_cases, run, summarize_triage

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
DEV = Path(__file__).parent / "eval" / "triage"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("のどがきゅーってなる😭くちびるもはれてる", "anaphylaxis"),
        ("thanks! btw my eyelids and lips got really puffy in the last 10 min", "anaphylaxis"),
        ("全身にじんましん、めまいもひどい", "anaphylaxis"),
        ("ｲｷｸﾞﾙｼｲ", "breathing"),
        ("my breathing feels wrong", "breathing"),
        ("cant breath", "breathing"),
        ("胸がぎゅっとする", "chest_pain"),
        ("Feels like an elephant is sitting on my chest", "chest_pain"),
        ("母が倒れて呼んでも反応がありません", "collapse"),
        ("夫がけいれんしています！！", "seizure"),
        ("my dads face is drooping on one side", "stroke"),
        ("急に左手と左足に力が入らなくなりました", "stroke"),
        ("人生で一番ひどい頭痛です。さっき急に始まりました", "headache"),
        ("39.8 fever and shaking chills since the drip", "sepsis"),
        ("注射部位から膿が出ています。熱もあります", "injection_site"),
        ("the needle site won't stop bleeding", "bleeding"),
        ("ちをはいた どうしよう", "blood_vomit"),
        ("唇が紫色になっています", "cyanosis"),
        ("施術しても何も変わらなかった。もう生きている意味がない", "self_harm"),
        ("everyone would be better off without me", "self_harm"),
        # Dialect, colloquial and contracted forms.
        ("息ができへん、たすけて", "breathing"),
        ("くちびるがでかなってきた", "anaphylaxis"),
        ("胸の奥がずーんと重くて汗が出る", "chest_pain"),
        ("お父さんの顔が片っぽ下がってる", "stroke"),
        ("急にあたまいたすぎて吐きそう", "headache"),
        ("点滴のとこの血がとまらへん", "bleeding"),
        ("呼んでも反応ない、目が上むいてる", "collapse"),
        # Pronouns at a distance from the symptom.
        ("my wife is clutching her chest and can't talk", "chest_pain"),
        ("he's covered in hives and can barely stand", "anaphylaxis"),
        ("she's burning up and so drowsy she won't answer me", "sepsis"),
        # Indirect self-harm.
        ("I keep wishing I could go to sleep and never wake up", "self_harm"),
        ("もう生きてるのがしんどい", "self_harm"),
        ("薬まとめて飲もうかと思ってる", "self_harm"),
    ],
)
def test_emergencies_by_category(text: str, category: str) -> None:
    found = triage(text)
    assert found.outcome in (Outcome.EMERGENCY, Outcome.SELF_HARM)
    assert found.category == category
    assert found.evidence  # every decision names the words it fired on


@pytest.mark.parametrize(
    ("text", "outcome", "category"),
    [
        ("昨日の点滴のあとから37.8度の熱があります", Outcome.SYMPTOM, "fever"),
        ("熱が38度あります。意識ははっきりしていて、震えもないです", Outcome.SYMPTOM, "fever"),
        ("swelling at the injection site keeps getting bigger", Outcome.SYMPTOM, "swelling"),
        ("got a rash on my arms after the treatment, breathing is fine", Outcome.SYMPTOM, "rash"),
        ("注射した側の指先がしびれています", Outcome.SYMPTOM, "numbness"),
        ("headache that won't go away, day 3 now", Outcome.SYMPTOM, "headache"),
        ("急じゃなくてじわじわした頭痛が4日続いてる", Outcome.SYMPTOM, "headache"),
        ("注射の跡のしこりが2週間消えない", Outcome.SYMPTOM, "swelling"),
        (
            "a hard lump near the injection spot is getting bigger every day",
            Outcome.SYMPTOM,
            "swelling",
        ),
        (
            "ワーファリンを飲んでいますが、予約しても大丈夫でしょうか",
            Outcome.MEDICAL,
            "anticoagulant",
        ),
        ("im on prednisone for lupus", Outcome.MEDICAL, "immunosuppressant"),
        ("currently doing chemo for colon cancer", Outcome.MEDICAL, "cancer_treatment"),
        (
            "just found out im pregnant and my appointment is on friday",
            Outcome.MEDICAL,
            "pregnancy",
        ),
        ("週3回人工透析をしています", Outcome.MEDICAL, "dialysis"),
        ("前回の点滴のあと、じんましんが出ました", Outcome.MEDICAL, "earlier_reaction"),
        ("16歳です。親の同意があれば受けられますか", Outcome.MEDICAL, "minor"),
        ("看護師さんと話せますか", Outcome.MEDICAL, "clinician"),
    ],
)
def test_reports_and_situations_for_staff(text: str, outcome: Outcome, category: str) -> None:
    found = triage(text)
    assert (found.outcome, found.category) == (outcome, category)
    assert found.reason == f"{outcome.value}:{category}"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("no fever, no trouble breathing, just a tiny bruise", id="negation-en"),
        pytest.param(
            "熱も息苦しさもありません。注射の跡が少しかゆいだけです", id="negation-ja-list"
        ),
        pytest.param("what's the chance of an allergic shock?", id="risk-en"),
        pytest.param("点滴中に気を失うことってありますか？", id="risk-ja"),
        pytest.param("もし帰ってから胸が苦しくなったら、119ですか？", id="hypothetical-ja"),
        pytest.param("what if my lips swell up after the injection?", id="hypothetical-en"),
        pytest.param("my leg swelled badly after an operation two years ago", id="history-en"),
        pytest.param(
            "I had a seizure when I was a kid, can I still get the drip?", id="history-kid"
        ),
        pytest.param("友人が別のクリニックで点滴中に気を失ったと聞きました", id="hearsay-ja"),
        pytest.param("忙しすぎて倒れそう", id="idiom-ja"),
        pytest.param("this price is killing me lol", id="idiom-en"),
        pytest.param("最近顔のむくみがひどくて…", id="beauty-ja"),
        pytest.param("my face is so puffy in the mornings ugh", id="beauty-en"),
        pytest.param("終わったあと一瞬ふらっとしましたが、座ったらすぐ治りました", id="passed"),
        pytest.param("a drop of blood came out but it stopped right away", id="mild-blood"),
        pytest.param("見積もりを見て息が止まりそうでした笑", id="idiom-price-ja"),
        pytest.param("受付の方が素敵すぎて倒れるかと思いました", id="idiom-thought-ja"),
        pytest.param("laughed so hard I couldn't breathe, your staff are great", id="idiom-laugh"),
        pytest.param("数年前に採血で気を失ったことあって", id="history-vague-ja"),
        pytest.param("むかしから胃がむかむかしやすい体質です", id="history-mukashi"),
    ],
)
def test_mentions_are_not_alarms(text: str) -> None:
    assert triage(text).outcome is Outcome.NONE


def test_long_message_with_the_symptom_buried_is_found() -> None:
    text = (
        "お疲れ様です。来週の予約を土曜に変更したいのと、駐車場は前と同じ場所でいいですか？"
        "あと、さっきから唇と舌が腫れてきて喉が詰まる感じがあります。領収書は次回で大丈夫です。"
    )
    assert triage(text).category == "anaphylaxis"
    assert triage(text * 20).category == "anaphylaxis"  # any length


@pytest.mark.parametrize("owner", list(Owner))
def test_symptom_reports_get_guidance_and_staff_never_a_menu(
    owner: Owner, knowledge: Knowledge
) -> None:
    decision = decide("昨日の点滴のあとから38度の熱があります", State(owner=owner), NOW, knowledge)
    if owner is Owner.BOT:
        assert (decision.kind, decision.needs_staff, decision.urgent) == (Kind.HANDOFF, True, False)
        assert decision.reason == "symptom:fever"
        assert "119" in decision.text and "#7119" in decision.text
        assert knowledge.clinic.phone in decision.text
        assert decision.choices == ()
    else:  # staff already own the chat: the message goes to them
        assert decision.kind is Kind.RELAY


def test_thanks_with_a_swelling_mouth_is_an_emergency_not_youre_welcome(
    knowledge: Knowledge,
) -> None:
    decision = decide("ok thanks! btw my lips are swelling up fast", State(), NOW, knowledge)
    assert decision.kind is Kind.EMERGENCY
    assert decision.text.startswith("This may be an emergency. Please call 119")
    assert decision.reason == "anaphylaxis"


def test_self_harm_gets_crisis_lines(knowledge: Knowledge) -> None:
    decision = decide("もう消えてしまいたいです", State(), NOW, knowledge)
    assert (decision.kind, decision.urgent, decision.reason) == (Kind.EMERGENCY, True, "self_harm")
    assert "119" in decision.text and "0120-279-338" in decision.text


def test_long_polite_message_with_a_thank_you_is_not_small_talk(knowledge: Knowledge) -> None:
    text = (
        "ありがとうございます。いつもお世話になっております。駐車場の場所をもう一度教えてください"
    )
    assert decide(text, State(), NOW, knowledge).kind not in (Kind.THANKS, Kind.GREETING)


@pytest.mark.parametrize(
    "name", ["dev-shared.tsv", "dev-urgent.tsv", "dev-nearmiss.tsv", "dev-hard.tsv"]
)
def test_development_sets_meet_the_targets(name: str, knowledge: Knowledge) -> None:
    """Every emergency caught, at most 2% false alarms, 95% of reports reach staff."""
    summary = summarize_triage(run(read_cases(DEV / name), knowledge))
    caught, total = summary.emergencies
    assert caught == total, summary.recall
    alarms, others = summary.false_alarms
    assert alarms <= 0.02 * others
    reached, staff = summary.staff
    assert reached >= 0.95 * staff
