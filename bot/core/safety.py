"""Rules that run before any FAQ matching: emergencies, requests for a person, small talk.

An emergency is not retrievable by similarity ("胸が痛くて息が苦しい" is closest to nothing in
an FAQ), so red flags are explicit patterns, checked first, in both languages, on normalized
text (hiragana, lower case, no long-vowel marks). Patterns are written for recall: a false
alarm costs a staff member a minute, a missed emergency can cost far more. Ordinary
after-effects ("点滴のあと腕が痛い", a bruise) deliberately match none of them.
"""

import re

from bot.lang import Lang
from bot.nlu.normalize import normalize

# Japanese stems are listed in kanji and in hiragana (patients type either).
_BREATH = r"(息|いき|呼吸|こきゅう)"
_EMERGENCY_JA = [
    # Breathing trouble.
    _BREATH + r"(が|も|を|は)?(すごく|とても|少し|すこし|ちょっと)?"
    r"(苦し|くるし|でき(な|ませ)|しづら|しずら|しにく|つら|辛|止ま|とま|荒|あら|ぜい|ひゅ|詰ま|つま)",
    r"(息苦し|いきぐるし|窒息|ちっそく|呼吸困難|こきゅうこんなん)",
    # Chest pain.
    r"(胸|むね)(が|の|も)?(すごく|とても|急に|きゅうに|少し|すこし|ちょっと)?"
    r"(痛|いた|苦し|くるし|締め付け|しめつけ|圧迫|あっぱく|ぎゅ)",
    # Fainting, loss of consciousness, collapse.
    r"(意識|いしき)(が|を)?(ない|なく|もうろう|朦朧|ぼんやり|おかし|遠の|とおの|薄|うす|失|うしな|不明|ふめい)",
    r"(気を失|きをうしな|気をうしな|失神|気絶|きぜつ|倒れ|たおれ|卒倒)",
    r"(反応が(ない|なく)|はんのうが(ない|なく)|呼びかけに|よびかけに|目を覚まさ|めをさまさ)",
    # Seizure.
    r"(痙攣|けいれん|ひきつけ|引きつけ|引き付け)",
    # Severe allergic reaction.
    r"(あなふぃらきし|アナフィラキシー)",
    r"(顔|かお|唇|くちびる|まぶた|瞼|舌|のど|喉|首)(全体)?(が|も|の)?(急に|きゅうに|すごく|ひどく|パンパンに)?"
    r"(腫れ|はれ|腫れあが|むく|ぱんぱん)",
    r"(喉|のど)(が|の)?(詰ま|つま|閉ま|しま|締め|しめ|苦し|くるし|ひゅ)",
    r"(全身|ぜんしん)(に|が|の)?(じんましん|蕁麻疹|発疹|ほっしん|ぶつぶつ)",
    # High fever with confusion.
    r"(熱|ねつ|発熱|はつねつ|\d\d(\.\d)?度).*(朦朧|もうろう|混乱|こんらん|錯乱|うわごと|わけのわからな|意味のわからな|意味不明|いみふめい|ぼうっと|ぼーっと|ぼっと|話が通じ|はなしがつうじ|会話にならな|かいわにならな|呼びかけ|よびかけ)",
    r"(朦朧|もうろう|混乱|こんらん|錯乱|うわごと).*(熱|ねつ|発熱|はつねつ)",
    # A high fever with "something is odd" about what the person says or how they are.
    r"(高熱|こうねつ|(39|40|41|42)(\.\d)?度|熱が(39|40|41|42)).*((言っ|いっ|話し|はなし)て(い)?る(こと)?が?(おかし|へん|変)|言動|げんどう|様子が(おかし|へん|変)|ようすが(おかし|へん)|反応が(おかし|鈍|にぶ))",
    # Heavy bleeding.
    r"(血|出血|しゅっけつ|ちが).{0,12}(止まらな|とまらな|止まりませ|とまりませ|止まらず|とまらず)",
    r"(大量|たいりょう)(に|の)?(出血|しゅっけつ|血|ち)",
    r"(出血|しゅっけつ)(が)?(ひど|多|おお|すご)",
    # Stroke signs, calling an ambulance, life-threatening words.
    r"(ろれつ|呂律)|(救急車|きゅうきゅうしゃ)|(死にそう|しにそう|死にたい|しにたい|自殺|じさつ)",
]
_EMERGENCY_EN = [
    r"\b(can ?not|can't|cant|couldn't|unable to|trouble|difficulty|hard to|struggling to|not)"
    r" (breath|breathing|breathe)",
    r"\b(short(ness)? of breath|out of breath|breathless|stopped breathing|wheez|chok(e|ing)|gasping)",
    r"\b(chest (pain|hurts|is hurting|tight|pressure|feels tight)|pain in (my|the|his|her) chest"
    r"|heart attack)",
    r"\b(faint(ed|ing)?|passed out|pass(ing)? out|black(ed)? out|collaps|unconscious|unresponsive"
    r"|not responding|won't wake|wont wake|lost consciousness|losing consciousness)",
    r"\b(seizure|convuls|fitting)",
    r"\b(anaphyla|allergic shock)",
    r"\b(throat|tongue|lips?|face|mouth|eyelids?)( is| are| has| have| got| getting| started)?"
    r" (swell|swollen|puff|closing|tight)",
    r"\bswell(ing|ed)? (of|in|on) (my|the|his|her) (face|throat|lips?|tongue|mouth)",
    r"\bhives (all over|everywhere)|\bhives\b.*\bbreath",
    r"\b(fever|temperature)\b.*\b(confus|delirious|delirium|disorient|not making sense|incoherent|talking nonsense|nonsense)",
    r"\b(confus|delirious|disorient)\w*\b.*\b(fever|temperature)\b",
    r"\b(bleeding (heavily|a lot|badly|won't stop|wont stop|that won't stop|nonstop|everywhere)"
    r"|heavy bleeding|won't stop bleeding|wont stop bleeding|can't stop (the )?bleeding"
    r"|lots of blood|(there is|there's|theres) blood everywhere|blood all over|bleeding profusely)",
    r"\b(slurred speech|stroke|ambulance|dying|suicid|kill myself|want to die)",
]
_HANDOFF_VERB = r"(お話|おはなし|話(し|せ|す|さ)|はな(し|せ|す|さ)|つな(い|げ|ぐ)|繋|代わ|かわって|変わ|替わ|連絡|れんらく|対応|たいおう|お願い|おねがい|相談|そうだん)"
_HANDOFF_JA = [
    # "スタッフと話したい", "担当者につないで": the particle is optional after these nouns...
    r"(人間|にんげん|スタッフ|すたっふ|担当|たんとう|おぺれた|係の|かかりの|受付|うけつけ|誰か|だれか)"
    r"(者|しゃ|の方|のかた|さん)?(と|に|へ|で)?(直接)?" + _HANDOFF_VERB,
    # ...but after 人 it is required, or "がんの人はなぜ" would read as "人 + 話".
    r"(人|ひと)(と|に|へ)(直接)?" + _HANDOFF_VERB,
    r"(有人|ゆうじん|直接話|ちょくせつはな|電話で話|でんわではな)",
    r"^(スタッフ|すたっふ|人間|にんげん|担当者|たんとうしゃ|おぺれた)(さん)?(お願い|おねがい)?[!?！？。]*$",
]
_HANDOFF_EN = [
    r"\b(talk|speak|chat)( directly)? (to|with) (a |an |the |some |your )?"
    r"(human|person|people|staff|someone|somebody|real|agent|operator|nurse|receptionist|representative|clinic)",
    r"\b(real person|human (please|agent|being)|live (agent|person|chat)|connect me|transfer me"
    r"|(staff|human|agent|operator|person) please|contact (the |your )?staff|not a bot|not a robot)",
    r"\bsome(one|body) (i can|to) (talk|speak|chat)",
    r"^(agent|human|operator|staff|representative)[.!?]*$",
]
_LANG_JA = re.compile(r"(日本語|にほんご)(で|に)|japanese")
_LANG_EN = re.compile(
    r"(英語|えいご)(で|に)|\b(in|speak|use|switch to) english\b|^english( please)?$"
)

_GREETINGS = r"(こんにちは|こんにちわ|こんばんは|こんばんわ|おはよう(ございます)?|はじめまして|初めまして|よろしく(お願い|おねがい)(します|いたします)?|もしもし|hello|hi|hey|hiya|good (morning|afternoon|evening)|nice to meet you)"
_THANKS = r"(ありがとう(ございます|ございました)?|有難う(ございます)?|どうも|助かりました|たすかりました|了解(です|しました)?|りょうかい(です|しました)?|わかりました|分かりました|さようなら|またね|失礼します|thank(s| you)( so much| very much| a lot)?|thx|ty|bye|goodbye|got it|ok(ay)?|great|perfect|cheers)"
_WORD = r"(?<![a-z]){}(?![a-z])"  # "hi" is not in "this"; Japanese needs no boundary
_LEFTOVER = re.compile(r"[\s\W_ー〜!！?？。、,.♪w笑です]+")


def _compiled(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_JA_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
_EMERGENCY = _compiled(_EMERGENCY_JA + _EMERGENCY_EN)
_HANDOFF = _compiled(_HANDOFF_JA + _HANDOFF_EN)


def _forms(text: str) -> tuple[str, ...]:
    """The normalized text, and the same without spaces between Japanese words
    ("いきが できない" is written with spaces by some patients)."""
    norm = normalize(text)
    joined = _JA_SPACE.sub("", norm)
    return (norm,) if joined == norm else (norm, joined)


def is_emergency(text: str) -> bool:
    """True when `text` may describe an emergency (any language)."""
    return any(_EMERGENCY.search(form) for form in _forms(text))


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


def small_talk(text: str) -> str | None:
    """ "greeting" or "thanks" when the message contains one, anywhere (for messages that
    match no topic: "はじめまして、友だち追加しました" is still a greeting)."""
    norm = normalize(text)
    if re.search(_WORD.format(_THANKS), norm):
        return "thanks"
    if re.search(_WORD.format(_GREETINGS), norm):
        return "greeting"
    return None


def is_thanks(text: str) -> bool:
    """A message that is only thanks or goodbye."""
    return _only(f"(?:{_THANKS}|{_GREETINGS})", text) and bool(re.search(_THANKS, normalize(text)))
