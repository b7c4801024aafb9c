"""The privacy side of the core as tables: which words ask for what, when the notice goes out,
and that safety triage still comes first."""

from datetime import UTC, datetime

import pytest

from bot import i18n
from bot.channels.line_render import render
from bot.clinic import Clinic
from bot.core import decide, privacy, texts
from bot.core.decision import Choice, Decision, Kind, Owner, PrivacyAction, State
from bot.core.knowledge import Knowledge
from bot.lang import Lang
from tests.conftest import ROOT

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
STOP = "privacy=stop"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("メッセージを保存しないで", privacy.Request.STOP, id="ja-dont-save"),
        pytest.param("記録を残さないで", privacy.Request.STOP, id="ja-dont-leave-records"),
        pytest.param("会話を保存しないでほしいです", privacy.Request.STOP, id="ja-polite"),
        pytest.param("保存しないでください", privacy.Request.STOP, id="ja-bare-verb"),
        pytest.param("トークの履歴は残さないでね", privacy.Request.STOP, id="ja-casual"),
        pytest.param("don't keep my messages", privacy.Request.STOP, id="en-dont-keep"),
        pytest.param("Don’t store my data please", privacy.Request.STOP, id="en-curly-quote"),
        pytest.param("stop storing", privacy.Request.STOP, id="en-stop-storing"),
        pytest.param("データを削除", privacy.Request.DELETE, id="ja-delete-data"),
        pytest.param("個人情報を全部消してください", privacy.Request.DELETE, id="ja-erase-all"),
        pytest.param("delete my data", privacy.Request.DELETE, id="en-delete"),
        pytest.param("Please erase all my messages", privacy.Request.DELETE, id="en-erase"),
        pytest.param("forget me", privacy.Request.DELETE, id="en-forget-me"),
        pytest.param("個人情報の扱いは大丈夫ですか", privacy.Request.SHOW, id="ja-question"),
        pytest.param("where is your privacy policy?", privacy.Request.SHOW, id="en-policy"),
    ],
)
def test_privacy_requests_in_words(text: str, expected: privacy.Request) -> None:
    """Patients ask in their own words; deleting wins over stopping, stopping over asking."""
    assert privacy.request(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("is one treatment enough or do I need to keep coming back", id="keep-coming"),
        pytest.param("my mom keeps forgetting things", id="keeps-forgetting"),
        pytest.param("安全性のデータってどのくらいあるの", id="ja-safety-data"),
        pytest.param("冷蔵保存しなくていいですか", id="ja-product-storage"),
        pytest.param("シミを消したいです", id="ja-erase-spots"),
        pytest.param("can I delete my booking?", id="en-booking"),
        pytest.param("does it remove amyloid beta", id="en-remove"),
    ],
)
def test_ordinary_questions_are_not_privacy_requests(text: str) -> None:
    """Words like keep, data, remove or 保存 in a question about the treatment ask nothing."""
    assert privacy.request(text) is None


@pytest.mark.parametrize(
    ("text", "action"),
    [
        pytest.param("メッセージを保存しないで", PrivacyAction.STOP, id="stop"),
        pytest.param("データを削除", PrivacyAction.ASK_DELETE, id="delete-asks-first"),
        pytest.param("privacy", PrivacyAction.SHOW, id="show"),
    ],
)
@pytest.mark.parametrize("owner", [Owner.BOT, Owner.WAITING, Owner.STAFF])
def test_privacy_requests_work_in_every_state(
    text: str, action: PrivacyAction, owner: Owner, knowledge: Knowledge
) -> None:
    """While staff answer, the bot still handles a privacy request (it is never just relayed)."""
    decision = decide(text, State(lang="ja", owner=owner), NOW, knowledge)
    assert (decision.kind, decision.privacy) == (Kind.PRIVACY, action)
    assert not decision.needs_staff


def test_stop_switches_storage_off(knowledge: Knowledge) -> None:
    """ "Don't keep my messages" keeps the bot answering, with text storage off."""
    decision = decide("don't keep my messages", State(lang="en"), NOW, knowledge)
    after = decide("how much does it cost", decision.state, NOW, knowledge)
    assert not decision.state.keeps_text
    assert [c.data for c in decision.choices] == ["privacy=delete", "menu=1"]
    assert (after.kind, after.intent, after.state.keeps_text) == (Kind.ANSWER, "cost", False)


def test_deletion_is_only_done_after_yes(knowledge: Knowledge) -> None:
    """Asking offers Yes / Cancel; only the "Yes" postback erases, Cancel erases nothing."""
    asked = decide("delete my data", State(lang="en"), NOW, knowledge)
    datas = [c.data for c in asked.choices]
    yes = privacy.postback("delete_yes", "en", asked.state, knowledge, staff_saw=False)
    no = privacy.postback("delete_no", "en", asked.state, knowledge, staff_saw=False)
    assert datas == ["privacy=delete_yes", "privacy=delete_no"]
    assert (yes.privacy, no.privacy) == (PrivacyAction.DELETE, PrivacyAction.KEEP)
    assert yes.state == State(lang="en")  # a patient erased starts again from nothing


@pytest.mark.parametrize("owner", [Owner.BOT, Owner.STAFF])
def test_emergency_comes_before_a_privacy_request(owner: Owner, knowledge: Knowledge) -> None:
    """Triage runs first: an emergency in the same message is never taken for a request."""
    decision = decide("データを削除して、息が苦しい", State(lang="ja", owner=owner), NOW, knowledge)
    assert decision.kind is Kind.EMERGENCY


def test_first_answer_carries_the_notice_once(knowledge: Knowledge) -> None:
    """The first reply gets the notice and the "don't keep" quick reply; the next one not."""
    first = privacy.with_notice(decide("副作用はありますか", State(), NOW, knowledge), knowledge)
    second = privacy.with_notice(
        decide("費用はいくらですか", first.state, NOW, knowledge), knowledge
    )
    assert first.notice and first.state.notice_seen and first.intent == "side_effects"
    assert first.choices[-1].data == STOP
    assert not second.notice and STOP not in [c.data for c in second.choices]


def test_emergency_first_message_gets_the_notice_without_buttons(knowledge: Knowledge) -> None:
    """An emergency reply keeps no quick replies, and its notice goes after it (`triaged`)."""
    decision = privacy.with_notice(decide("息が苦しい", State(), NOW, knowledge), knowledge)
    assert decision.kind is Kind.EMERGENCY and decision.notice and decision.triaged
    assert decision.choices == ()


def test_notice_waits_while_nothing_is_said(knowledge: Knowledge) -> None:
    """A relay to staff says nothing to the patient, so the notice waits for the next reply."""
    relay = decide("副作用はありますか", State(lang="ja", owner=Owner.STAFF), NOW, knowledge)
    assert not privacy.with_notice(relay, knowledge).notice


def test_follow_always_gets_the_notice(knowledge: Knowledge) -> None:
    """Following again (after a block) shows the notice again."""
    greeting = decide("こんにちは", State(lang="ja", notice_seen=True), NOW, knowledge)
    assert privacy.with_notice(greeting, knowledge, always=True).notice


def test_no_stop_button_for_a_patient_already_opted_out(knowledge: Knowledge) -> None:
    """An opted-out patient is not offered to opt out again."""
    greeting = decide("こんにちは", State(lang="ja", keeps_text=False), NOW, knowledge)
    decision = privacy.with_notice(greeting, knowledge, always=True)
    assert decision.notice and STOP not in [c.data for c in decision.choices]


def test_stop_button_fits_within_lines_thirteen(knowledge: Knowledge) -> None:
    """With a full menu the "don't keep" button replaces the last one: never 14."""
    full = tuple(Choice(f"topic {i}", f"topic=t{i}") for i in range(13))
    decision = Decision(Kind.GREETING, "greeting", "ja", "hi", full)
    with_notice = privacy.with_notice(decision, knowledge)
    assert len(with_notice.choices) == 13 and with_notice.choices[-1].data == STOP


def test_deleted_patient_gets_no_notice(knowledge: Knowledge) -> None:
    """The last words to an erased patient carry no notice; the next message will."""
    deleted = privacy.postback("delete_yes", "ja", State(), knowledge, staff_saw=True)
    assert not privacy.with_notice(deleted, knowledge).notice
    assert "スタッフ" in deleted.text  # what stays with staff is said when staff were involved


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_notice_says_what_the_bot_is_what_is_stored_and_how_to_stop(lang: Lang) -> None:
    """Not medical advice, 119, N days, staff, the policy link, how to stop and delete."""
    catalogs = i18n.load(ROOT / "locales")
    _ = catalogs[lang].gettext
    clinic = Clinic(privacy_policy_url="https://clinic.test/privacy")
    kept = texts.privacy_notice(_, clinic, 14, keeps_text=True)
    not_kept = texts.privacy_notice(_, clinic, 14, keeps_text=False)
    words = {
        "ja": ("医学的な助言ではありません", "14日間", "メッセージを保存しないで", "データを削除"),
        "en": ("not medical advice", "14 days", "Don't keep messages", "delete my data"),
    }[lang]
    assert all(word in kept for word in words)
    assert "119" in kept and "https://clinic.test/privacy" in kept
    assert "14" not in not_kept and words[3] in not_kept and clinic.privacy_policy_url in not_kept


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_privacy_buttons_fit_lines_label_limit(lang: Lang) -> None:
    """LINE cuts quick-reply labels over 20 characters."""
    _ = i18n.load(ROOT / "locales")[lang].gettext
    for choice in (
        texts.stop_choice(_),
        texts.delete_choice(_),
        texts.delete_yes_choice(_),
        texts.delete_no_choice(_),
    ):
        assert 0 < len(choice.label) <= 20


@pytest.mark.parametrize("notice_first", [True, False], ids=["notice-then-answer", "safety-first"])
def test_notice_and_a_long_reply_stay_within_five_messages(notice_first: bool) -> None:
    """LINE takes 5 messages per reply; `render` counts every bubble after splitting texts over
    5,000 UTF-16 units, and packs them when there are more. The notice and a reply that needs
    five bubbles of its own still make at most 5, in order, the quick replies on the last."""
    notice = texts.privacy_notice(
        i18n.load(ROOT / "locales")["en"].gettext, Clinic(), 30, keeps_text=True
    )
    long_reply = "\n\n".join(f"Paragraph {i}. " + "x" * 1500 for i in range(12))  # 4+ bubbles
    bubbles = [notice, long_reply] if notice_first else [long_reply, notice]
    messages = render(bubbles, (Choice("Topics", "menu=1"),))
    assert len(messages) <= 5
    assert messages[0].text.startswith("About this chat" if notice_first else "Paragraph 0")
    assert messages[-1].quick_reply is not None and all(
        m.quick_reply is None for m in messages[:-1]
    )
