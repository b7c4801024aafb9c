"""Rules that run after safety triage and before FAQ matching: requests for a person, a
language switch, greetings and thanks (`triage` owns emergencies and medical hand-offs).
"""

import re

from bot.lang import Lang
from bot.nlu.normalize import normalize

_HANDOFF_VERB = r"(お話|おはなし|話(し|せ|す|さ)|はな(し|せ|す|さ)|つな(い|げ|ぐ)|繋|代わ|かわって|変わ|替わ|連絡|れんらく|対応|たいおう|お願い|おねがい|相談|そうだん)"
_HANDOFF_JA = [
    # "スタッフと話したい", "担当者につないで": the particle is optional after these nouns...
    r"(人間|にんげん|スタッフ|すたっふ|staff|担当|たんとう|おぺれた|係の|かかりの|受付|うけつけ|誰か|だれか)"
    r"(者|しゃ|の方|のかた|さん)?(と|に|へ|で)?(直接)?" + _HANDOFF_VERB,
    # ...but after 人 it is required, or "がんの人はなぜ" would read as "人 + 話".
    r"(人|ひと)(と|に|へ)(直接)?" + _HANDOFF_VERB,
    r"(有人|ゆうじん|直接話|直接お話|ちょくせつはな|電話で話|でんわではな|お電話(いただけ|ください|もらえ|をいただ)|電話(を)?(かわ|代わ|ください|もらえ|いただけ)|折り返し)",
    r"(担当|スタッフ|すたっふ|人間|にんげん)(の方|のかた|さん)?(に|から)(返事|へんじ|回答|対応|連絡)",
    r"^(スタッフ|すたっふ|人間|にんげん|担当者|たんとうしゃ|おぺれた)(さん)?(お願い|おねがい)?[!?！？。]*$",
    # "中の人いるなら", "生身の人〜！", "先生とビデオ通話": a person by another name or channel.
    # "スタッフさーんいますか", "ｶﾝｺﾞｼｻﾝ ｲﾏｽｶ", "ボットより人がいい": asked as a question or a wish.
    r"(スタッフ|すたっふ|看護師|かんごし|先生|せんせい|受付|うけつけ|人間|にんげん|だれか|誰か)(さん|の方|のかた|のお姉さん)?[、\s]*(ひと|人)?\s*(は|って)?(今|いま|今日)?(いますか|います[?？]|いる[?？]|おられ|いらっしゃいますか)"
    r"|(ボット|ぼっと|bot|ai)より(人|ひと|人間)|(看護師|かんごし|先生|せんせい|スタッフ|すたっふ)(さん)?と(直接)?(しゃべ|やりとり|やり取り|お電話|電話)",
    r"(?<![一-龥ぁ-ん])中の人|生身の(人|ひと)|(先生|せんせい|医師|看護師|ドクター)(と|に)[^。？?]{0,6}(ビデオ|びでお|通話|つうわ|電話|でんわ)",
]
_HANDOFF_EN = [
    r"\b(talk|speak|chat)( directly)? (to|with) (a |an |the |some |your )?"
    r"(human|person|people|staff|someone|somebody|real|agent|operator|nurse|receptionist|representative|clinic)",
    r"\b(real person|human (please|agent|being)|live (agent|person|chat)|connect me|transfer me"
    r"|(staff|human|agent|operator|person) please|contact (the |your )?staff|not a bot|not a robot)",
    r"\bsome(one|body) (i can|to) (talk|speak|chat)",
    r"^(agent|human|operator|staff|representative)( pls| please)?[\W_]*$",
    r"\b(a |the )?staff member\b[^.!?]{0,20}\b(message|call|contact|text|email) me\b",
    r"\b(is there|are there|any|got) (a |an |any )?(real |actual |proper )?(nurse|doctor|human|person|staff member|one from reception|somebody from reception)\b[^.!?]{0,30}\b(chat|talk|speak|message|this chat|here|around)\b"
    r"|\b(is|are) (somebody|someone|anyone) (from (reception|the clinic)|there)\b[^.!?]{0,20}\b(around|available|to (message|talk|chat))"
    r"|\bcan a (human|person|real person) read\b|\banyone actually there\b|\bgrab a staff member\b|\bproper person\b|\bput through to\b|\bask a staff member\b|\breal nurse\b",
    r"\b(actual|real|live) (human|person)\b|\bhear(ing)? from (one of )?(the|your) (nurses?|doctors?|staff)\b",
    r"\b(call|phone|ring) me( back)?\b|\b(human|person|staff member|someone) (to )?(reply|respond|help|answer)\b"
    r"|\bis there a (human|person|real person)\b|\bhave a (human|person|staff member) (reply|call|contact)",
]
# A switch is asked for with a verb of talking or a "please" ("reply in English", "Japanese
# please"), not by naming the language: "approved by the Japanese government", "a receipt in
# English" and "Korean or Japanese brands" are questions, not requests.
_ASK_IN = (
    r"\b(speak|use|switch( back)? to|change( it)? to|go back to)( in)? {0}\b"
    r"|\b(reply|answer|respond|write|talk|chat|continue|explain|text|message|help|communicate)"
    r"\w*( (to |with )?(me|us))?( back)?( only)? in {0}\b"
    r"|\b(in )?{0},? (please|pls|plz)\b|^(in )?{0}[.!?]*$|\bis {0} (ok|okay|possible)\b"
)
_LANG_JA = re.compile(r"(日本語|にほんご)(で|に)|" + _ASK_IN.format("japanese"))
_LANG_EN = re.compile(r"(英語|えいご)(で|に)|" + _ASK_IN.format("english"))

_GREETINGS = r"(こんにちは|こんにちわ|こんばんは|こんばんわ|おはよう(ございます)?|はじめまして|初めまして|よろしく(お願い|おねがい)(します|いたします)?|もしもし|hello|hi|hey|hiya|good (morning|afternoon|evening)|nice to meet you)"
_THANKS = r"(ありがとう(ございます|ございました)?|有難う(ございます)?|どうも|助かりました|たすかりました|了解(です|しました)?|りょうかい(です|しました)?|わかりました|分かりました|さようなら|またね|失礼します|thank(s| you)( so much| very much| a lot)?|thx|ty|bye|goodbye|got it|ok(ay)?|great|perfect|cheers)"
_WORD = r"(?<![a-z]){}(?![a-z])"  # "hi" is not in "this"; Japanese needs no boundary
_LEFTOVER = re.compile(r"[\s\W_ー〜!！?？。、,.♪w笑です]+")


def _compiled(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_HANDOFF = _compiled(_HANDOFF_JA + _HANDOFF_EN)


def asks_for_person(text: str) -> bool:
    """True when the patient explicitly asks to talk to a person."""
    return bool(_HANDOFF.search(normalize(text)))


def language_request(text: str) -> Lang | None:
    """The language the patient asks us to switch to, if they ask."""
    norm = normalize(text)
    if _LANG_EN.search(norm):
        return "en"
    if _LANG_JA.search(norm):
        return "ja"
    return None


def _only(pattern: str, text: str) -> bool:
    norm = normalize(text)
    if not re.search(pattern, norm):
        return False
    rest = re.sub(pattern, " ", norm)
    return not _LEFTOVER.sub("", rest)


def is_greeting(text: str) -> bool:
    """A message that is only a greeting (a question after it goes to matching)."""
    return _only(_GREETINGS, text)


SMALL_TALK_REST = 24  # characters besides the greeting that still make a message small talk
# A question of this many other characters is a question, not small talk, whatever word of
# thanks it holds: "is sauna ok after exosome?" uses "ok" to ask, not to agree.
QUESTION_REST = 8
_QUESTION = re.compile(r"[?？]|(か|の)[。]?$")


def small_talk(text: str) -> str | None:
    """ "greeting" or "thanks" when the message is little more than one (for messages that
    match no topic: "はじめまして、友だち追加しました" is still a greeting, a long message with
    a thank-you in it is not)."""
    norm = normalize(text)
    rest = _LEFTOVER.sub("", re.sub(f"{_THANKS}|{_GREETINGS}", " ", norm))
    if len(rest) > SMALL_TALK_REST or (len(rest) >= QUESTION_REST and _QUESTION.search(norm)):
        return None
    if re.search(_WORD.format(_THANKS), norm):
        return "thanks"
    if re.search(_WORD.format(_GREETINGS), norm):
        return "greeting"
    return None


def is_thanks(text: str) -> bool:
    """A message that is only thanks or goodbye."""
    return _only(f"(?:{_THANKS}|{_GREETINGS})", text) and bool(re.search(_THANKS, normalize(text)))
