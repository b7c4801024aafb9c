"""The patient's say over their data, as decisions: the first-contact notice, "don't keep my
messages" and "delete my data" with its confirmation.

Pure like the rest of the core: it recognises the requests and says what to answer and what the
I/O side must do (`Decision.privacy`); `patient` and the store carry it out. The notice's own
wording (retention, policy link) is rendered by the planner, which knows the settings.
"""

import re
from dataclasses import replace
from enum import StrEnum

from bot.core import texts
from bot.core.decision import Choice, Decision, Kind, PrivacyAction, State
from bot.core.knowledge import Knowledge
from bot.lang import Lang
from bot.line_limits import MAX_QUICK_REPLIES
from bot.nlu.normalize import fold_kana, normalize


class Request(StrEnum):
    """What a patient's own words ask for."""

    SHOW = "show"
    STOP = "stop"
    DELETE = "delete"


def _p(pattern: str) -> re.Pattern[str]:
    """A pattern written in natural Japanese, folded like the normalised text it reads."""
    return re.compile(fold_kana(pattern).replace("ー", ""))


# What a patient may call their messages or data ("メッセージ", "履歴", "データ"...).
_THINGS_JA = (
    "(メッセージ|トーク|会話|かいわ|やりとり|やり取り|履歴|りれき|記録|きろく|ログ|内容|チャット|"
    "文章|データ|個人情報|こじんじょうほう|私の|わたしの)"
)
_NOT_KEPT_JA = (
    "(保存|ほぞん|保管|ほかん|記録|きろく|残|のこ)(し|さ|せ)?"
    "(ないで|なくていい|なくてよい|ないように|てほしくない|てほしくありません|たくない|ないでほしい)"
)
_STOPPED_JA = (
    "(保存|ほぞん|保管|ほかん|記録|きろく)(を|は)?"
    "(やめ|止め|とめ|停止|ていし|不要|ふよう|いらない|拒否|きょひ|お断り|おことわり|オフ)"
)
_STOP_JA = _p(
    f"{_THINGS_JA}(を|は|の|も)?({_NOT_KEPT_JA}|{_STOPPED_JA})"
    f"|^({_NOT_KEPT_JA}|{_STOPPED_JA})(ください|下さい|ね)?[。!！]*$"
)
_DELETE_JA = _p(
    f"{_THINGS_JA}(を|は|も)?(全部|ぜんぶ|すべて|全て)?(を)?"
    "(削除|さくじょ|消去|しょうきょ|消し|けし|消す|けす|抹消)"
)
_SHOW_JA = _p("プライバシー|個人情報|こじんじょうほう")

_THINGS_EN = (
    r"(my |the |our |this |these |any |all |all my )?(messages?|msgs?|chats?|texts?|data|"
    r"conversations?|history|records?|information|info|logs?|personal (data|information|info))"
)
_STOP_EN = re.compile(
    r"\b(don['’]?t|do not|please do not|no longer|never) (keep|store|save|record|log|retain)"
    rf"( any)?( of)? {_THINGS_EN}\b"
    r"|\bstop (storing|saving|recording|keeping|logging|retaining)\b|\bopt[- ]?out\b"
)
_DELETE_EN = re.compile(
    rf"\b(delete|erase|remove|wipe|clear|forget)( all( of)?)? {_THINGS_EN}\b"
    r"|\b(delete|erase|wipe) everything\b|\bforget (about )?me\b"
)
_SHOW_EN = re.compile(r"\bprivacy\b|\bpersonal (data|information)\b|\bdata protection\b")


def request(text: str) -> Request | None:
    """The privacy request in `text`, if any: deleting wins over stopping, stopping over asking."""
    norm = normalize(text)
    if _DELETE_JA.search(norm) or _DELETE_EN.search(norm):
        return Request.DELETE
    if _STOP_JA.search(norm) or _STOP_EN.search(norm):
        return Request.STOP
    if _SHOW_JA.search(norm) or _SHOW_EN.search(norm):
        return Request.SHOW
    return None


def answer(found: Request, lang: Lang, state: State, k: Knowledge) -> Decision:
    """The decision for a privacy request made in words."""
    if found is Request.DELETE:
        return ask_delete(lang, state, k)
    if found is Request.STOP:
        return stop_storing(lang, state, k)
    return show(lang, state, k)


def postback(value: str, lang: Lang, state: State, k: Knowledge, *, staff_saw: bool) -> Decision:
    """The decision for a `privacy=<value>` quick reply; `staff_saw`: a hand-off ever opened."""
    if value == "stop":
        return stop_storing(lang, state, k)
    if value == "delete":
        return ask_delete(lang, state, k)
    if value == "delete_yes":
        return deleted(lang, state, k, staff_saw=staff_saw)
    if value == "delete_no":
        return _privacy(
            PrivacyAction.KEEP, "delete_cancelled", texts.delete_cancelled, lang, state, k
        )
    return show(lang, state, k)


def show(lang: Lang, state: State, k: Knowledge) -> Decision:
    """The notice again, with its two buttons, when the patient asks about privacy."""
    _ = texts.texts_for(k.catalogs, lang)
    choices = [texts.stop_choice(_)] if state.keeps_text else []
    choices += [texts.delete_choice(_), texts.menu_choice(_)]
    return Decision(
        Kind.PRIVACY,
        "privacy_notice",
        lang,
        "",
        tuple(choices),
        notice=True,
        privacy=PrivacyAction.SHOW,
        state=replace(state, lang=lang, notice_seen=True),
    )


def stop_storing(lang: Lang, state: State, k: Knowledge) -> Decision:
    """ "Don't keep my messages": from now on only topics and outcomes are stored."""
    _ = texts.texts_for(k.catalogs, lang)
    return Decision(
        Kind.PRIVACY,
        "stop_storing",
        lang,
        texts.storing_stopped(_),
        (texts.delete_choice(_), texts.menu_choice(_)),
        privacy=PrivacyAction.STOP,
        state=replace(state, lang=lang, keeps_text=False),
    )


def ask_delete(lang: Lang, state: State, k: Knowledge) -> Decision:
    """Erasing cannot be undone, so it is only done after a tap on "Yes, delete"."""
    _ = texts.texts_for(k.catalogs, lang)
    return Decision(
        Kind.PRIVACY,
        "delete_asked",
        lang,
        texts.delete_question(_),
        (texts.delete_yes_choice(_), texts.delete_no_choice(_)),
        privacy=PrivacyAction.ASK_DELETE,
        state=replace(state, lang=lang),
    )


def deleted(lang: Lang, state: State, k: Knowledge, *, staff_saw: bool) -> Decision:
    """Confirmed: the I/O side erases the patient; this is the last thing the bot tells them."""
    _ = texts.texts_for(k.catalogs, lang)
    return Decision(
        Kind.PRIVACY,
        "deleted",
        lang,
        texts.deleted(_, staff_saw=staff_saw),
        privacy=PrivacyAction.DELETE,
        state=State(lang=lang),
    )


def _privacy(
    action: PrivacyAction,
    intent: str,
    text: texts.Text,
    lang: Lang,
    state: State,
    k: Knowledge,
) -> Decision:
    _ = texts.texts_for(k.catalogs, lang)
    return Decision(
        Kind.PRIVACY,
        intent,
        lang,
        text(_),
        (texts.menu_choice(_),),
        privacy=action,
        state=replace(state, lang=lang),
    )


def with_notice(decision: Decision, k: Knowledge, *, always: bool = False) -> Decision:
    """The decision with the privacy notice attached when the patient has not seen it yet.

    The notice goes with the first reply a patient gets (or every follow, `always`), never
    instead of it: `Decision.notice` makes it a message of its own, after a safety reply and
    before anything else. Replies that say nothing (a relay to staff) wait for the next one,
    and the last words to a patient whose data was just erased carry none. The "don't keep my
    messages" quick reply comes with it, except on safety replies (no buttons there) and on
    privacy replies, which offer their own.
    """
    state = decision.state
    if decision.privacy is PrivacyAction.DELETE:
        return decision
    wanted = always or decision.notice or (not state.notice_seen and bool(decision.text))
    if not wanted:
        return decision
    choices = decision.choices
    stop = texts.stop_choice(texts.texts_for(k.catalogs, decision.lang))
    offer = not decision.triaged and decision.kind is not Kind.PRIVACY and state.keeps_text
    if offer and stop.data not in {c.data for c in choices}:
        choices = _with_stop(choices, stop)
    return replace(decision, notice=True, choices=choices, state=replace(state, notice_seen=True))


def _with_stop(choices: tuple[Choice, ...], stop: Choice) -> tuple[Choice, ...]:
    """The "don't keep my messages" quick reply, kept within LINE's 13 by dropping the last."""
    return texts.limited((*choices[: MAX_QUICK_REPLIES - 1], stop))
