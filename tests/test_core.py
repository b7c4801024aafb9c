"""The conversation core as tables: safety first, then requests, then matching, with state."""

from datetime import UTC, datetime

import pytest

from bot.core import decide
from bot.core.decision import Kind, Owner, State
from bot.core.knowledge import Knowledge

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("胸が痛くて息が苦しいです", id="ja-chest-and-breath"),
        pytest.param("点滴のあとから息がくるしい", id="ja-breath-after-drip"),
        pytest.param("いきができない", id="ja-hiragana-breath"),
        pytest.param("いきが できない くるしい", id="ja-hiragana-with-spaces"),
        pytest.param("母が倒れて意識がありません", id="ja-collapse"),
        pytest.param("顔がパンパンに腫れてじんましんが全身に出ています", id="ja-allergy"),
        pytest.param("40度の熱があって意識がもうろうとしています", id="ja-fever-confusion"),
        pytest.param("注射したところから血が止まらない", id="ja-bleeding"),
        pytest.param("けいれんしている", id="ja-seizure"),
        pytest.param("I can't breathe after the IV", id="en-breath-after-iv"),
        pytest.param("my chest hurts really bad", id="en-chest"),
        pytest.param("She fainted and won't wake up", id="en-fainted"),
        pytest.param("my throat is swelling and I have hives all over", id="en-allergy"),
        pytest.param("high fever and he seems confused", id="en-fever-confusion"),
        pytest.param("the bleeding won't stop", id="en-bleeding"),
    ],
)
def test_emergency_is_never_answered_with_faq(text: str, knowledge: Knowledge) -> None:
    """Red-flag symptoms get the 119 message and an urgent hand-off, whatever the wording."""
    decision = decide(text, State(), NOW, knowledge)
    assert decision.kind is Kind.EMERGENCY
    assert decision.needs_staff and decision.urgent
    assert "119" in decision.text


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("点滴のあと腕が痛い", id="ja-sore-arm"),
        pytest.param("注射したところが青あざになりました", id="ja-bruise"),
        pytest.param("there's a small bruise where the needle went in", id="en-bruise"),
        pytest.param("my arm is a bit sore after the drip", id="en-sore-arm"),
    ],
)
def test_ordinary_after_effects_are_not_emergencies(text: str, knowledge: Knowledge) -> None:
    """Mild after-effects are side-effect questions, not alarms."""
    decision = decide(text, State(), NOW, knowledge)
    assert decision.kind is not Kind.EMERGENCY
    assert decision.intent == "side_effects"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("does it travel through the blood everywhere?", id="en-blood-not-bleeding"),
        pytest.param("血管にいいって本当?", id="ja-blood-vessels"),
        pytest.param("息子が受けたいと言っています", id="ja-musuko-not-iki"),
        pytest.param("ガンの人はなぜ受けられないのですか", id="ja-cancer-question"),
    ],
)
def test_questions_mentioning_body_words_are_not_alarms(text: str, knowledge: Knowledge) -> None:
    """Words like blood or breath in an ordinary question do not raise an emergency."""
    decision = decide(text, State(), NOW, knowledge)
    assert decision.kind not in (Kind.EMERGENCY, Kind.HANDOFF)


@pytest.mark.parametrize(
    ("text", "topic", "lang"),
    [
        pytest.param("副作用はありますか?", "side_effects", "ja", id="ja-polite"),
        pytest.param("ふくさようがしんぱいです", "side_effects", "ja", id="ja-hiragana-only"),
        pytest.param("sied effects?", "side_effects", "en", id="en-typo"),
        pytest.param("費用はいくらくらいかかりますか", "cost", "ja", id="ja-cost"),
        pytest.param("how much does it cost", "cost", "en", id="en-cost"),
        pytest.param("妊娠中の人は受けられますか", "contraindications", "ja", id="ja-pregnant"),
        pytest.param("何回くらい通えばいいですか", "sessions", "ja", id="ja-sessions"),
        pytest.param("エクソソームってなに", "about", "ja", id="ja-casual-about"),
    ],
)
def test_clear_questions_are_answered(
    text: str, topic: str, lang: str, knowledge: Knowledge
) -> None:
    """A clear question gets its topic's answer in the patient's language."""
    decision = decide(text, State(), NOW, knowledge)
    assert (decision.kind, decision.intent, decision.lang) == (Kind.ANSWER, topic, lang)
    assert decision.text == knowledge.faq.topics[topic].entry(decision.lang).answer


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("How much is botox?", id="en-other-treatment-price"),
        pytest.param("ボトックスの料金", id="ja-other-treatment-price"),
        pytest.param("駐車場はありますか", id="ja-logistics"),
        pytest.param("what's the weather tomorrow", id="en-small-talk"),
    ],
)
def test_out_of_scope_falls_back(text: str, knowledge: Knowledge) -> None:
    """Questions the FAQ does not cover get the fallback, never an unrelated answer."""
    decision = decide(text, State(), NOW, knowledge)
    assert decision.kind is Kind.FALLBACK
    assert any(c.data.startswith("staff=") for c in decision.choices)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param("スタッフと話したい", Kind.HANDOFF, id="ja-staff"),
        pytest.param("人間と話せますか", Kind.HANDOFF, id="ja-human"),
        pytest.param("担当の方とお話しできますか", Kind.HANDOFF, id="ja-honorific"),
        pytest.param("can I talk to a real person?", Kind.HANDOFF, id="en-person"),
        pytest.param("こんにちは", Kind.GREETING, id="ja-hello"),
        pytest.param("hello!", Kind.GREETING, id="en-hello"),
        pytest.param("ありがとうございました", Kind.THANKS, id="ja-thanks"),
        pytest.param("thanks a lot", Kind.THANKS, id="en-thanks"),
    ],
)
def test_conversation_intents(text: str, kind: Kind, knowledge: Knowledge) -> None:
    """Requests for a person, greetings and thanks have their own intents."""
    decision = decide(text, State(), NOW, knowledge)
    assert decision.kind is kind
    assert decision.needs_staff == (kind is Kind.HANDOFF)


def test_two_consecutive_misses_bring_in_staff(knowledge: Knowledge) -> None:
    """The second miss in a row asks staff to help without being asked."""
    first = decide("ヒアルロン酸注射はやっていますか", State(lang="ja"), NOW, knowledge)
    second = decide("ボトックスの料金", first.state, NOW, knowledge)
    assert (first.kind, first.needs_staff, first.state.misses) == (Kind.FALLBACK, False, 1)
    assert (second.kind, second.needs_staff, second.reason) == (Kind.FALLBACK, True, "unanswered")
    assert second.state.misses == 0


def test_an_answer_resets_the_miss_count(knowledge: Knowledge) -> None:
    """Misses must be consecutive: an answered question starts the count again."""
    missed = decide("ヒアルロン酸注射はやっていますか", State(lang="ja"), NOW, knowledge)
    answered = decide("副作用はありますか", missed.state, NOW, knowledge)
    again = decide("ボトックスの料金", answered.state, NOW, knowledge)
    assert again.kind is Kind.FALLBACK and not again.needs_staff


@pytest.mark.parametrize(
    ("state_lang", "text", "expected"),
    [
        pytest.param(None, "副作用はありますか", "ja", id="first-message-japanese"),
        pytest.param("ja", "What about side effects?", "en", id="switches-on-english-sentence"),
        pytest.param("en", "副作用はありますか", "ja", id="switches-on-japanese-sentence"),
        pytest.param("en", "ok", "en", id="short-latin-keeps-english"),
        pytest.param("ja", "ok", "ja", id="short-latin-keeps-japanese"),
        pytest.param("en", "👍", "en", id="emoji-keeps-language"),
        pytest.param("ja", "英語でお願いします", "en", id="asks-for-english"),
        pytest.param("en", "Japanese please", "ja", id="asks-for-japanese"),
    ],
)
def test_language_sticks_and_switches(
    state_lang: str | None, text: str, expected: str, knowledge: Knowledge
) -> None:
    """The patient's language sticks once known and switches when they clearly change."""
    decision = decide(text, State(lang=state_lang), NOW, knowledge)  # type: ignore[arg-type]
    assert decision.lang == expected
    assert decision.state.lang == expected


@pytest.mark.parametrize("owner", [Owner.WAITING, Owner.STAFF])
def test_staff_owned_conversation_is_relayed(owner: Owner, knowledge: Knowledge) -> None:
    """While staff own the conversation the bot says nothing and passes the message on."""
    decision = decide("副作用はありますか", State(lang="ja", owner=owner), NOW, knowledge)
    assert decision.kind is Kind.RELAY and decision.text == ""


@pytest.mark.parametrize("owner", [Owner.BOT, Owner.WAITING, Owner.STAFF])
def test_emergency_wins_in_every_state(owner: Owner, knowledge: Knowledge) -> None:
    """An emergency always gets the 119 message, even while staff own the conversation."""
    decision = decide("息が苦しい", State(lang="ja", owner=owner), NOW, knowledge)
    assert decision.kind is Kind.EMERGENCY


def test_close_candidates_are_clarified(knowledge: Knowledge) -> None:
    """Two close topics are offered as quick replies rather than guessing."""
    decision = decide("効果", State(lang="ja"), NOW, knowledge)
    if decision.kind is Kind.CLARIFY:
        assert len([c for c in decision.choices if c.data.startswith("topic=")]) >= 1
    assert decision.kind in (Kind.CLARIFY, Kind.ANSWER)


def test_quick_replies_respect_line_limits(knowledge: Knowledge) -> None:
    """Every decision offers at most 13 quick replies with labels of at most 20 characters."""
    for text in ["こんにちは", "駐車場", "副作用", "費用", "hello", "cost"]:
        decision = decide(text, State(), NOW, knowledge)
        assert len(decision.choices) <= 13
        assert all(len(c.label) <= 20 for c in decision.choices)
