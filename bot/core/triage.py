"""Safety triage: the first look at every patient message, before greetings and matching.

A message gets one of five outcomes: an emergency (119 first), self-harm (crisis lines), a
symptom report or a medical situation (a person, never an FAQ answer), or none (matching goes
on). Red flags are not retrievable by similarity, so each category is a small lexicon of
symptom phrases in both languages (normalized: hiragana, lower case, no long-vowel marks),
and every hit is then read in its context before it counts:

- negation ("熱も息苦しさもありません", "no chest pain"),
- a question about risk or a hypothetical ("気を失うことってありますか", "what if my lips swell"),
- past history, decided by the time word nearest to the symptom ("I fainted years ago"),
- hearsay and news ("友人が別のクリニックで…と聞きました"),
- an ordinary after-effect that already passed ("一瞬ふらっとしましたが今は平気"),
- idioms, masked before anything is read ("this price is killing me", 忙しすぎて倒れそう).

Every decision names its category and the words that fired it (`Triage.evidence`), so staff
and admins can see why. Patterns are written for recall: a false alarm costs a staff member a
minute, a missed emergency can cost far more.
"""

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.scan import Found, Lexicons
from bot.nlu.normalize import fold_kana, normalize


class Outcome(StrEnum):
    """What triage decided; NONE lets the message go on to matching."""

    EMERGENCY = "emergency"
    SELF_HARM = "self_harm"
    SYMPTOM = "symptom"
    MEDICAL = "medical"
    NONE = "none"


# The category of an emergency raised by the second net (`bot/nlu/alarm.py`), not a lexicon.
SEMANTIC = "similar_to_emergencies"

# Emergency categories in the order they are reported when several fire.
EMERGENCY_CATEGORIES = (
    "anaphylaxis",
    "breathing",
    "chest_pain",
    "collapse",
    "seizure",
    "stroke",
    "headache",
    "sepsis",
    "injection_site",
    "bleeding",
    "blood_vomit",
    "cyanosis",
)


@dataclass(frozen=True)
class Triage:
    """The outcome, the category that fired (e.g. "chest_pain", "fever", "anticoagulant") and
    the words it fired on; `reason` is what staff, the audit log and `ask --json` show."""

    outcome: Outcome
    category: str | None = None
    evidence: str | None = None
    # A symptom phrase was read and set aside as a mention (negated, asked about, past,
    # someone else's, passed): the second net (`bot/nlu/alarm.py`) must not overrule that.
    mention: bool = False

    @property
    def reason(self) -> str | None:
        if self.outcome is Outcome.NONE:
            return None
        if self.outcome in (Outcome.EMERGENCY, Outcome.SELF_HARM):
            return self.category
        return f"{self.outcome.value}:{self.category}"


_LONG = str.maketrans("", "", "ー〜～")


_ASCII_EDGE = r"(?:(?<![a-z0-9])(?=[a-z0-9])|(?<=[a-z0-9])(?![a-z0-9]))"


def _p(pattern: str) -> re.Pattern[str]:
    """A pattern written in natural Japanese, folded like the text it is matched against;
    `\\b` is an edge of an ASCII word, so "warfarin飲んでる" still reads "warfarin"."""
    return re.compile(fold_kana(pattern).translate(_LONG).replace(r"\b", _ASCII_EDGE))


def _alt(*parts: str) -> str:
    return "(?:" + "|".join(parts) + ")"


# --- Idioms: masked before anything else is read ---------------------------------------
_IDIOMS = _p(
    _alt(
        r"死ぬほど|しぬほど|死にそう[笑wｗ!！〜…]*|しにそう|死ぬかと思|死ぬ[ー〜!！]*$|暑すぎて死",
        r"死にたいくらい|死にたいほど|しにたいくらい",
        r"(忙し|疲れ|いそがし|残業|仕事|見て|値段|鏡|ほど|くらい|位|すぎて|過ぎて)[^。！？!?]{0,6}(倒れそう|たおれそう|気絶しそう|きぜつしそう)",
        r"(倒れそう|気絶しそう)(な|に)?(くらい|ほど|なんです|で時間)",
        r"(確定申告|仕事|上司|受験|お金|支払|請求|値段|家計|宿題|子育て|人間関係|悩み|問題|調べ|考え|選|迷|費用|料金|予算|スケジュール|宿題)[^。！？!?]{0,8}(頭が痛|あたまがいた|頭がいた|頭痛の種)",
        r"頭が痛(い)?(問題|話|ところ|です(ね)?[(（]悩み)|頭痛の種|頭が痛くなるほど",
        r"胸が(痛む|いたむ)(ほど|思い|話|ニュース|ような)|胸が(張り裂け|はりさけ|いっぱい|高鳴|熱くな)|胸が締め付けられる思い|胸がしめつけられる思い",
        r"(心臓|しんぞう)(が)?(止まるかと|とまるかと|止まりそう|とまりそう|ばくばく|バクバク|どきどき|ドキドキ|が飛び出|がとびで)",
        r"(話|職場|会議|雰囲気|空気|毎日|生活|人間関係|家)[^。！？!?]{0,6}(息が詰ま|いきがつま)|息が(詰ま|つま)(る|りそう)(職場|思い|ような|毎日|ほど)",
        r"(ショック|しょっく|びっくり|驚き)[^。！？!?]{0,6}息が(止ま|とま)りそう",
        r"(?:脳みそ|のうみそ)(?:が)?(?:けいれん|痙攣)|"
        r"(?:聞いて|きいて|見て|みて|知って|しって|言われて|いわれて)[^。]{0,3}白目(?:を)?(?:むい|剥い)|"
        r"血の気が(引|ひ)|ちのけがひ|血が騒|鼻血が出そう|お腹(が)?痛い[(（]?笑|笑いすぎて",
        r"(笑|わら)(いすぎて|い過ぎて)[^。]{0,6}(死|しぬ|お腹)",
        r"\b(?:is|are|it's|its|was|were|schedule|price|prices|cost|weather|bill|job|work|commute|boss|this|that|wrinkles|skin|dull skin|it)\s+(?:is\s+|are\s+|was\s+)?killing\s+(?:me|my)\b",
        r"\bkilling (?:me|my) (?:lol|haha|confidence|wallet|budget|vibe)",
        r"\bkilling me\b(?=[^.!?]*\b(?:lol|haha|lmao)\b)",
        r"\b(?:dying|die|dying) (?:to|for)\b|\bto die for\b|\b(?:died|dying|die) laughing\b|\bdrop dead\b(?=[^.!?]*\b(?:lol|haha)\b)",
        r"\b(?:phone|battery|laptop) (?:is )?dying\b",
        r"\b(?:almost|nearly) (?:died|fainted|passed out|had a (?:heart attack|stroke)|collapsed)\b(?= (?:when|at|laughing|seeing|from|after seeing|looking))",
        r"\b(?:almost|nearly) (?:died|fainted|passed out|collapsed)\b(?=[^.!?]*\b(?:haha|lol|lmao)\b)",
        r"\b(?:almost|nearly) had a (?:stroke|heart attack)\b(?![^.!?]{0,30}\b(?:now|today|since|pain|chest)\b)|\bgave me a heart attack\b|\bheart attack (?:haha|lol|when|at)\b|\bhad a heart attack (?:when|at) (?:the|i saw)\b",
        r"\babout to collapse\b(?=[^.!?]*\b(?:work|busy|lol|tired|schedule)\b)|\b(?:work|busy|schedule)\b[^.!?]{0,30}\babout to collapse\b",
        r"\bi'?(?:ll| will) (?:faint|die|pass out) if\b|\bgoing to faint if\b",
        r"\b(?:wallet|bank account|account|money)\b[^.!?]{0,10}\bbleed(?:ing|s)?\b|\bbleeding (?:me|us) dry\b|\bbleeding money\b",
        r"\b(?:blacked out|fainted|passed out|died) (?:from|of|with) (?:joy|happiness|excitement|laughing)\b|"
        r"\bpain in the (?:neck|butt|ass)\b|\bbreathtaking\b|\btake my breath away\b|\btook my breath away\b",
        r"\bchoking on (?:all )?(?:this|the|my)? ?(?:paperwork|work|emails?|deadlines)\b",
        r"\b(?:giving|gives|gave) me a headache\b|\bheadache (?:with|from) my (?:schedule|work|kids?)\b",
        r"\bheart skipped a beat\b|\bheart (?:is )?(?:pounding|racing) (?:just )?thinking\b|\bhead (?:is )?spinning from\b",
        r"\bscreaming for help\b",
        r"(?:いけめん|かっこよ|格好よ|可愛|かわい|尊|とうと|美し|うつくし|素敵|すてき|面白|おもしろ)すぎて[^。]{0,6}(?:息|いき|死|しぬ|倒れ|たおれ|気絶|きぜつ)",
        r"(?:倒れ|たおれ|気絶|きぜつ|失神|しっしん|死ぬ|しぬ|死ん|しん)(?:る|す|だ)?かと(?:思|おも)(?:い|っ|う)",
        r"(?:値段|金額|請求|見積|料金|お会計)[^。！？!?]{0,8}(?:息(?:が)?(?:止ま|とま)|心臓(?:が)?(?:止ま|とま)|倒れ|たおれ)",
        r"\blaugh\w* so (?:hard|much) (?:that )?(?:i|we) (?:couldn'?t|could not|can'?t|cannot) breathe\b|\bthought i'?d (?:pass out|faint|die|collapse|black out)\b",
        r"(?:財布|さいふ|家計|懐|ふところ|口座)[^。]{0,4}(?:出血|血|ち)",
        r"\bwanted to die\b(?=[^.!?]*\b(?:lol|lmao|haha)\b)|\b(?:nearly |almost )?gave me a (?:stroke|heart attack)\b",
        r"目の前が(?:真っ暗|まっくら)(?=に?な(?:り|っ)[^。]{0,12}(?:シミ|しみ|肌|鏡|値段|請求|ショック)|[^。]{0,3}$)|(?:シミ|しみ|値段|請求|肌)[^。]{0,8}目の前が(?:真っ暗|まっくら)",
        # An exaggeration with a laugh in the same breath: 吐血しそう笑, 気絶するレベルw.
        r"[^。！？!?、\s]{1,8}?(?:そう|するレベル|レベル|しかけた|しかけました)[^。！？!?]{0,3}?(?:笑|w|草|😂|🤣|💀)",
        r"\b(?:literally |about to |gonna |going to |could |might |almost |nearly )+(?:die|faint|pass out|collapse|throw up blood|have a stroke|have a heart attack|stop breathing)\b[^.!?]{0,25}?(?:lol|lmao|haha|😂|🤣|💀)",
        # Feelings told as a blow or a weight: 頭を殴られたような衝撃 (news), 押しつぶされそうな不安.
        r"(?:聞いて|知って|見て|言われて|読んで|話|言葉|知らせ|結果|ニュース)[^。]{0,14}(?:殴られ|なぐられ|叩かれ|たたかれ)[^。]{0,4}(?:よう|みたい)な(?:衝撃|ショック|気分|気持ち)",
        r"(?:殴られ|なぐられ|叩かれ|たたかれ)[^。、]{0,4}(?:よう|みたい)な(?:衝撃|ショック)(?:でした|だった|を受け|をうけ)",
        r"(?:押しつぶ|おしつぶ|つぶ|潰|張り裂け|はりさけ|締め付け|しめつけ|締めつけ)(?:され|られ)?(?:そう|る)(?:ような|みたいな|な)?(?:不安|思い|気持ち|悲しみ|プレッシャー|緊張|寂しさ|さみしさ)",
        r"(?:刺さ|ささ)る(?:ような|みたいな)?(?:言葉|一言|話|歌|セリフ|台詞)",
    )
)


# --- Context ----------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"[。．!！?？\n]|(?<=[a-z0-9)])\.(?=\s|$)|…")
_CLAUSE_BREAK = re.compile(r"[、,;:]|\s-\s|\b(?:but|however|though|and then)\b|けど|けれど|でも")

_NEG_JA = _p(
    r"^[^。、]{0,10}(?:平熱|へいねつ|下がりました|下がった|さがった|わけ(?:では|じゃ)な)|^(?:じゃ|では|でわ)(?:な|ありませ)|"
    r"^(?:く|さ|け|み|い|な|の|て|で|る)?(?:は|も|とか|など|なんか|や|の方は|のほうは){0,2}"
    r"(?:(?:も|や|とか|、|と)[^。！？!?、]{1,8}?(?:も|とか|は|など|なんか))?"
    r"(?:全然|ぜんぜん|まったく|全く|特に|とくに|一切|いっさい|別に|そんなに|あまり|ほとんど)?"
    r"(?:ない|無い|なく|無く|なし|無し|ありません|ありませ|ございません|出ていない|出てない|でていない|でてない|"
    r"していない|してない|感じない|感じません|見られない|大丈夫|だいじょうぶ|平気|へいき|問題な|普通|ふつう|正常|ないです|出ない|でない|出ません|ませ|ゼロ|ぜろ|0)|"
    # "バットで殴られたみたいなのとかじゃない", "血は混じってない"
    r"^[^。、!?！？]{0,12}?(?:とか|なんか|など|みたいなの|ようなの|ってほど|感じ|かんじ|やつ)(?:じゃ|では|でも|でわ)(?:な|ありませ)|"
    r"^(?:は|も|とか|なんか|など)[ぁ-ん一-龥]{0,4}?(?:ってない|っていない|ってません|てない|ていない|てません|でない|でいない|でません|なかった|ませんでした|とらん|とらへん|ておらん|とりません|てへん|てまへん|てねぇ|てねえ)|"
    # dialect: 腫れとらん, 熱もねぇ, 広がってもなか
    r"^(?:って|っても|ても|でも|も|は)?(?:とらん|とらへん|ておらん|ちょらん|ねぇ|ねえ|ねー|なか(?![ぁ-ん])|なかよ|なかけど|あらへん|ありまへん)|"
    r"^[^。！？!?]{0,20}?(?:一個も|ひとつも|一つも|何も|なにも|少しも|すこしも)(?:なかっ|ない|なく|ありませ|出てな|でてな|出ませ)|"
    r"^[^。！？!?]{0,30}?(?:こと|事)(?:は|も)(?:一切|全く|まったく|全然|ぜんぜん|特に)?(?:ありませ|ございませ|なかった|ない|なく)|"
    r"^(?:たり|とか)(?:は|も)?(?:して(?:い)?な|しませ|しなかっ)"
)
_NEG_EN = re.compile(
    r"\b(?:no|not|never|without|nor|(?<!from )zero|none|denies|deny|free of|not any|no sign of|"
    r"don'?t (?:have|feel|think|see)|do not (?:have|feel)|doesn'?t|didn'?t|haven'?t|hasn'?t|isn'?t|aren'?t|wasn'?t|"
    r"dont|doesnt|didnt|havent|hasnt|isnt|arent|wasnt)\b(?:\s+(?!but\b|and\b)[a-z'/]+){0,4}\s*$|\bnothing\s*$"
)
_RISK_SUFFIX_JA = _p(
    r"^(?:が|は|も)(?:心配|しんぱい|不安|ふあん|怖|こわ)|"
    r"^[^。！？!?]{0,10}?(?:(?:こと|事)(?:は|って|も|が)?(?:あり|ある|ない|なく|よく|多い|少ない)|ことある|割合|頻度|た場合|る場合|場合|可能性|リスク|確率|危険性|"
    r"とき(?:は|に|って|の)|時(?:は|に|って|の)|際(?:は|に)|ような(?:こと|場合)|人(?:は|も|が|って)|ひと(?:は|も|が)|"
    r"やすい|得る|うる|か(?:心配|しんぱい|不安|ふあん|気にな|きにな)|かと(?:思|おも)(?:った|いました|う)|ませんか|ないですよね|ないよね|たらどう|ちゃったら|(?:ま|る)すか|のでしょうか|ますか)"
)
# "〜たりすることってありますか": an enumeration asked about, not one that is reported.
_TARI_QUESTION = _p(
    r"^[ぁ-ん]{0,4}?(?:(?<!べっ)(?<!ぴっ)(?<!ばっ)(?<!ぐっ)(?<!あ)(?:た|だ)り|とか|なんて|(?<!思って)(?<!思っ)(?<!ようとし)たら)[^。]{0,40}?(?:ますか|ですか|でしょうか|ある(?:ん|の)?(?:ですか|か)?[?？]|あるもん|ありえ|べき|いい(?:の|ん)|どう|[?？])"
)
_RISK_PREFIX_JA = _p(r"(?<![ぁ-ん一-龥])(?:もし(?!て|た|な|ま)|万が一|万一|仮に)")
# Said to be imagined, whatever tense follows ("hypothetically if I started wheezing",
# "say someone threw up blood (I haven't!)"): not a report even with a word for now.
_HYPOTHETICAL = _p(
    r"\b(?:if (?:i|he|she) (?:were|was) to|were i to)\b|仮に|仮の話|かりのはなし|例えば|たとえば|(?:倒れる|たおれる|気を失う|死ぬ|しぬ)かと(?:思|おも)|"
    r"\b(?:scared|afraid|worried|feared) (?:that )?(?:i|he|she)(?: would| might| was going to|'d)\b|\bthought (?:that )?i(?='d (?:feel )?(?:faint|die|pass out|throw up)| would (?:feel )?(?:faint|die|pass out|throw up)| was going to (?:faint|die|pass out|throw up))|(?:^|[.!?,]\s*)say (?=(?!so\b|that\b|hi\b|hello\b|thanks\b|sorry\b)[a-z]+\b)|\bshould (?:something|anything|it|that|this) (?:go|happen)\b|"
    r"\b(?:hypothetical(?:ly)?|theoretical(?:ly)?|in theory|say (?:someone|somebody|a (?:person|patient|friend))|let'?s say|suppose|supposing|imagine (?:if|someone|that))\b"
)
_RISK_SENTENCE = _p(
    r"割合|頻度|確率|リスク|可能性|報告|どれくらいの人|どれくれ|何%|何パーセント|\b(?:odds|chances?|risk|percentage|percent|how many (?:people|ppl)|how (?:common|likely|often|rare)|"
    r"signs of|symptoms of|what to watch|warning signs|suppose|supposing|let'?s say|say i)\b"
)
_RISK_PREFIX_EN = re.compile(
    r"\b(?:can(?!['’]?t\b|not\b| (?:you|someone|somebody|anyone|u|i get someone)\b)|could(?!n| you| someone)|would(?!n| you)|will(?! you)|might|may(?! i (?:talk|speak))|is there|are there|what if|if|in case|chances?|risks?|likely|"
    r"possible|possibility|odds|suppose|supposing|how (?:common|often|likely|rare)|what happens|signs of|symptoms of|should i worry(?! that (?:my|i|i'?m|his|her)\b)|is it (?:normal|possible|common)(?! (?:that|for) (?:my|i|i'?m|his|her|me)\b)|"
    r"ever|does (?:it|this|exosome|the treatment)|do (?:people|patients|you)|side effects? (?:like|such as)|when to|what symptoms)\b"
)
# いま as "now", not inside ございます or います; and a word for now that is not "fine now"
# (今は平気, 今はきれい): defined once for every pattern that reads the present.
_IMA = r"(?<!ござ)いま(?!す|せ|した|しょう)"
_NOW_WORD = (
    r"(?:今|" + _IMA + r"|現在)"
    r"(?!は(?:薬で|もう)?(?:平気|大丈夫|なんとも|何とも|落ち着|おちつ|治|なお|元気|げんき|きれい|綺麗))"
)
_NOW = _p(
    r"今|"
    + _IMA
    + r"|現在|さっき|先ほど|さきほど|たった今|急に|どんどん|てきた(?!ら)|てきて|ている|ています|てる|"
    r"まだ|ずっと|続いて|\bi (?:just|literally) (?:tried|did|put|found|noticed|checked|measured|took)\b|\b(?:right now|rn|now|just now|currently|since|started|starting|keeps?|still|getting worse|i'?m having|im having|is having|for the last|(?:mins?|minutes?|an hour|hours?) ago)\b"
)
# Now said in words, not only by a verb form: what overrides もし or 万が一 (急に, てくる do not).
_NOW_STRONG = _p(
    _NOW_WORD + r"|さっき|先ほど|さきほど|たった今|"
    r"\b(?:right now|rn|now|just now|currently|i'?m having|im having|is having)\b"
)
# Denied first, listed after ("出てないです、熱も震えも"): the list shares the denial.
_NEG_BEFORE_JA = _p(r"(?:ない|ません|なかった|なし)(?:です|よ|し)?[、,]\s*$")
_LISTED = re.compile(r"(?:も|とか|や)")
_CURRENT = _p(
    _alt(
        _NOW_WORD
        + r"|さっき|先ほど|さきほど|たった今|今朝|今日|きょう|昨日|きのう|今夜|急に|どんどん|突然",
        r"ずっと(?!前|昔|まえ|むかし)|まだ|施術後|点滴後|注射後|帰宅後|帰って(?:から|きて)|のあとから|(?:して|打って|受けて)から",
        r"\b(?:right now|rn|now|today|tonight|this morning|yesterday|since|just now|currently|started|starting|keeps?|"
        r"getting worse|for the last|an hour|mins?|minutes?|hours? ago|just now|just (?:got|had|started)|i'?m having|im having|i am having|is having|after (?:the|my) (?:iv|drip|session|injection|treatment|shot))\b",
    )
)
_PAST = _p(
    _alt(
        r"(?:\d+|数|何|十|一|二|三|四|五|六|七|八|九)*(?:年|ヶ月|か月|カ月|ヵ月|週間)(?:か|も|ほど|くらい|ぐらい)?前|生前|昔|(?<!むか)むかし|以前|いぜん|(?:子供|子ども|こども|小さい|ちいさい|幼い|おさない|若い|わかい|学生)の?(?:頃|ころ)|学生時代",
        r"先月(?!から|より|末から)|先々月",
        r"過去に|かこに|前に一度|一度だけ|ことがあ(?:る|り|って)|ことがございま|ことある|ことあって|ことあり|た経験|既往|持病|持ち(?:で|です|だ|な)|歴があ|去年|昨年|おととし|亡くな|家系|家族歴",
        r"(?:わらし|わらす|ちっちゃい|ちいさかった|小さかった)(?:の)?(?:頃|ころ|時|とき)|"
        r"\b(?:after|during) (?:my|his|her) (?:last|previous|first) (?:drip|iv|session|injection|treatment|visit|infusion)\b|\b(?:a )?long (?:time )?ago\b|\b(?:two|three|\d+|few|several|couple of) (?:summers|winters|springs|autumns) ago\b|\b(?:years? ago|yrs? ago|months ago|as a (?:kid|child|teen|baby)|when i was|in the past|history of|used to|once (?:had|at|in|when|after|before)|last (?:year|summer|winter|spring|fall|autumn|month)|family history|runs in (?:my|the) family|back in (?:the day|(?:high )?school|college|(?:19|20)\d\d)|in my (?:teens|20s|30s|twenties)|childhood|years back|previously|in (?:19|20)\d\d)\b",
    )
)
_HEARSAY = _p(
    _alt(
        r"ニュース|記事|報道|ネットで|ネットの|sns|口コミ|くちこみ|噂|うわさ|テレビ|ブログ",
        r"\b(?:news|article|reported|online|reddit|facebook|instagram|twitter|tiktok|youtube|forum|group chat|read (?:that|about|on)|heard (?:that|about)|saw (?:a|an|on|it on)|reviews?|someone (?:said|told|posted|wrote)|people (?:say|said))\b",
    )
)
_OTHER_PERSON_PAST = _p(
    _alt(
        r"(?:友人|友達|ともだち|知人|知り合い|姉|妹|兄|弟|母|父|叔母|おば|叔父|同僚|先輩|後輩|いとこ)[^。]{0,40}"
        r"(?:聞いた|聞きました|言って(?:た|ました)|言っとった|言うとった|ゆうとった|いっとった|らしい|そうです|だそう|って(?:言|い)って)",
        r"\b(?:friend|sister|brother|aunt|uncle|mom|mother|dad|father|coworker|colleague|cousin|neighbou?r)\b[^.!?]{0,40}\b(?:said|told me|heard)\b",
        r"\b(?:friend|sister|brother|aunt|uncle|mom|mother|dad|father|coworker|colleague|cousin|neighbou?r)\b[^.!?]{0,60}"
        r"\b(?:had|got|passed out|went)\b[^.!?]{0,60}\b(?:another|other|last (?:year|month)|years? ago|once|before)\b",
    )
)
_RESOLVED = _p(
    _alt(
        r"一瞬(?:ふら|くら|めまい|目の前)|すぐ(?:に)?(?:治|なお|おさま|収ま|良く|よく|落ち着|止ま|消え)|今は(?:薬で)?(?:平気|大丈夫|なんとも|落ち着|治|元気)|治りました|おさまりました|治まりました",
        r"消えました|おさまった|(?:数分|すぐ)で(?:落ち着|おちつ|おさま|治)|\b(?:fine now|ok now|okay now|better now|went away|gone now|for a (?:second|sec|moment|minute|min)|passed quickly|resolved|(?:it|that) passed|passed (?:after|once|when|within))\b",
    )
)


CONTEXT_REACH = 150  # characters either side of a phrase that its context is read in


@dataclass(frozen=True)
class _Reading:
    """One message prepared for triage: the masked text, where its sentences end, and the
    lexicons' matches in it (read once, on first use)."""

    text: str
    ends: tuple[int, ...]  # offset just past each sentence, ascending
    found: Found
    memo: dict[tuple[object, ...], str | None] = field(default_factory=dict, compare=False)
    dismissed: list[str] = field(default_factory=list, compare=False)  # phrases set aside

    def sentence(self, at: int) -> tuple[int, int]:
        """The sentence around offset `at`, at most `CONTEXT_REACH` characters either side."""
        i = bisect_right(self.ends, at)
        start = self.ends[i - 1] if i else 0
        end = self.ends[i] if i < len(self.ends) else len(self.text) + 1
        return max(start, at - CONTEXT_REACH), min(end, at + CONTEXT_REACH)

    def all(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        return self.found.all(pattern)

    def first(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return self.found.first(pattern)

    def within(self, pattern: re.Pattern[str], lo: int, hi: int) -> list[re.Match[str]]:
        return self.found.within(pattern, lo, hi)


def _mask(text: str) -> str:
    """Idioms blanked out, so that nothing inside them is read as a symptom."""
    parts, last = [], 0
    for m in _MASKS.scan(text).all(_IDIOMS):
        parts += [text[last : m.start()], "_" * (m.end() - m.start())]
        last = m.end()
    return "".join([*parts, text[last:]])


def _read(text: str) -> _Reading:
    masked = _mask(text)
    found = LEXICONS.scan(masked)
    ends = tuple(m.end() for m in found.all(_SENTENCE_END))
    return _Reading(masked, ends, found)


def _nearest_is_past(r: _Reading, s: int, e: int, lo: int, hi: int) -> bool:
    """Whether the time word nearest to the symptom (in its sentence) speaks of the past."""
    best: tuple[int, bool] | None = None
    for pattern, past in ((_PAST, True), (_CURRENT, False)):
        for m in r.within(pattern, lo, hi):
            distance = s - m.end() if m.end() <= s else max(0, m.start() - e)
            if best is None or distance < best[0] or (distance == best[0] and past):
                best = (distance, past)
    return best is not None and best[1]


def _counts(  # noqa: PLR0911 - one return per context that makes a phrase a mere mention
    r: _Reading,
    m: re.Match[str],
    *,
    resolvable: bool = False,
    questions: bool = True,
    history: bool = True,
) -> bool:
    """Whether a symptom phrase is a real, current report rather than a mention."""
    s, e = m.span()
    lo, hi = r.sentence(s)
    text = r.text
    after = text[e : min(hi, e + 40)]
    if _NEG_JA.match(after) or (_NEG_BEFORE_JA.search(text[lo:s]) and _LISTED.match(after)):
        return False
    clause_start = max((b.end() for b in r.within(_CLAUSE_BREAK, lo, s)), default=lo)
    if _NEG_EN.search(text[clause_start:s]):
        return False
    before = text[lo:s]
    clause = text[clause_start:s]
    _, next_end = r.sentence(hi)  # "Is it normal to have convulsions? I'm having them now"
    now_near = bool(r.within(_NOW, lo, max(hi, next_end)))
    said_now = bool(r.within(_NOW_STRONG, lo, max(hi, next_end)))
    if (
        questions
        and _RISK_SUFFIX_JA.match(text[e : min(hi, e + 14)])
        and not re.search(
            r"^[ぁ-ん]{0,2}(?:てきて|てきた|ている|てる|ています|てきとる|とる|よる|ちょる)",
            text[e : min(hi, e + 8)],
        )
    ):
        return False
    if questions and _TARI_QUESTION.match(text[e:hi]):
        return False
    if questions and (
        (_RISK_PREFIX_JA.search(before) and not said_now)
        or ((_RISK_PREFIX_EN.search(clause) or r.within(_RISK_SENTENCE, lo, hi)) and not now_near)
    ):
        return False
    if questions and r.within(_HYPOTHETICAL, lo, s):
        return False
    if history and _nearest_is_past(r, s, e, lo, hi):
        return False
    if (r.within(_HEARSAY, lo, hi) or r.within(_OTHER_PERSON_PAST, lo, hi)) and not now_near:
        return False
    return not (resolvable and r.first(_RESOLVED))


def _hits(
    r: _Reading,
    pattern: re.Pattern[str],
    *,
    resolvable: bool = False,
    questions: bool = True,
    history: bool = True,
) -> Iterator[str]:
    for m in r.all(pattern):
        if _counts(r, m, resolvable=resolvable, questions=questions, history=history):
            yield m.group()
        else:
            r.dismissed.append(m.group())


def _first(
    r: _Reading,
    pattern: re.Pattern[str],
    *,
    resolvable: bool = False,
    questions: bool = True,
    history: bool = True,
) -> str | None:
    """The first phrase of `pattern` that counts; `questions=False` keeps phrases asked about
    ("ワーファリンを飲んでいますが大丈夫ですか" is still a medical situation)."""
    key = (id(pattern), resolvable, questions, history)
    if key not in r.memo:
        hits = _hits(r, pattern, resolvable=resolvable, questions=questions, history=history)
        r.memo[key] = next(hits, None)
    return r.memo[key]


# --- Lexicons ---------------------------------------------------------------------------
_ADV = r"(?:急に|きゅうに|すごく|とても|かなり|ひどく|どんどん|みるみる|だんだん|少し|すこし|ちょっと|なんか|なんだか|うまく|全然)?"
_FACE_PART = r"(?:唇|くちびる|口びる|口唇|舌|べろ|のど|喉|咽|まぶた|瞼|顔|かお|顔面|口の(?:まわり|周り)|(?<!手)(?<!足)首|目のまわり)"
_SWELL = r"(?:腫れ|はれ|腫れあが|はれあが|腫れぼった|はれぼった|ぱんぱん|ふくれ|膨れ|膨らん|ふくらん|厚ぼった|分厚く|ぶあつ|ぶ厚|ぼってり|倍くらいに|倍に(?:な|ふく))"
_BREATH_EN = r"(?:br(?:ea|e|a|ee)(?:th|t|tth)(?:e|ing|in)?|air)"

# A colour that has always been there is not a sign ("grey in photos, always have been").
_NOT_ALWAYS = r"(?![^.!?]{0,30}\b(?:always|in (?:photos|pictures)|naturally|since (?:i was|birth|childhood)|lipstick|lip ?gloss|makeup)\b)"

_LEX: dict[str, re.Pattern[str]] = {
    "anaphylaxis": _p(
        _alt(
            _FACE_PART
            + r"(?:全体|の奥|の中|の方|と[^。、]{1,8}?)?(?:が|も|の|は)?"
            + r"(?:(?!りんぱ|リンパ|まで|ところ|とこ|打|注射|腕|手)[^。、,!?！？]){0,14}?"  # じわじわ, …みたいにぶち
            + r"(?:"
            + _SWELL
            + r"|(?:でか|おおき|大き)く?な(?:って|っと|る))",
            r"(?:喉|のど|咽)(?:っこ)?(?:の奥|の中)?(?:が|も|を|に)?"
            + _ADV
            + r"(?:締め付け|しめつけ|締めつけ|締ま|しま(?:る|って|った|り)|詰ま|つま(?:る|って|った|り)|閉じ|とじ|ふさが|塞が|苦し|くるし|ひゅ|ぜい|狭|せま|きゅ|ぎゅ|へん|変|おかし|違和感|つかえ|ひっかか|いがいがして息)|(?:喉|のど)(?:っこ)?(?:に|が)[^。、]{0,10}(?:詰ま|つま|栓|せん|巻き|まき)|(?:喉|のど)(?:も|が)?閉ま|(?:舌|した)が[^。、]{0,6}(?:もったり|ぼってり|分厚|ぶあつ|上あごにくっつ)|口の中(?:で|が)?いっぱい",
            r"(?:つば|唾|唾液|飲み物|水)[^。]{0,4}(?:飲み込|のみこ)(?:みにく|みづら|めな|めませ|めへん|まれへん|めん)|(?:飲み込|のみこ)(?:みにく|みづら|めな|めませ|めへん|まれへん|めん)",
            r"あなふぃらきし|アナフィラキシ|アレルギーショック|あれるぎしょっく",
            r"\b(?:lips?|tongue|throat|mouth|eyelids?|face)\b(?: and (?:my |his |her )?(?:lips?|tongue|throat|mouth|eyelids?|face))?"
            r"(?: (?:is|are|has|have|got|getting|started|starting|keeps?|feels?|feeling|went|seems?|look|looks))?(?: (?:all|really|so|very|kind of|kinda|a bit|super))?"
            r" (?:swell|swollen|swelling|puff(?:ing|ed)? up|closing|close up|tight|tightening|thick|blowing up|blown up|huge|enlarged|bigger)",
            r"\b(?:lips?|tongue|throat|eyelids?)\b(?: and (?:my |his |her )?(?:lips?|tongue|throat|eyelids?))?(?: (?:is|are|got|getting|went|look|looks))?(?: (?:all|really|so|very|kind of|kinda|a bit|super))?(?: \w+ and)? puffy",
            r"\b(?:face|lips?|tongue|eyelids?)\b[^.!?]{0,12}\bballoon\w*|\btongue\b[^.!?]{0,20}\b(?:too big|too thick|feels thick|pressing against|fills? my mouth|filling my mouth)\b",
            r"\bthroat\b[^.!?]{0,25}\b(?:small|smaller|narrow\w*|squeez\w*|getting tight)\b|\b(?:something|a band|a rope) (?:is )?(?:wrapped|tied|tight) (?:around|round) (?:my|his|her) (?:throat|neck)\b",
            r"\bswell(?:ing|ed)? (?:of|in|on|around) (?:my|the|his|her) (?:face|throat|lips?|tongue|mouth|eyes)",
            r"\b(?:can'?t|cannot|hard to|trouble|difficult(?:y)?) (?:to )?swallow|\bswallowing (?:feels|is) (?:weird|hard|difficult|strange|like)",
            r"\b(?:anaphyla\w*|allergic shock|allergic reaction)\b",
            r"\bthroat\b[^.!?]{0,20}\b(?:closing|tight\w*|swell\w*|swollen)\b",
            r"\beyes? (?:are |is )?(?:puffing|swelling|swollen) (?:up )?shut\b|\bthroat\b[^.!?]{0,30}\bsomething'?s? (?:is )?stuck\b",
        )
    ),
    "breathing": _p(
        _alt(
            r"(?:息|いき|呼吸|こきゅう)(?:が|も|を|は)?"
            + _ADV
            + r"(?:苦し|くるし|しんど|でき(?:な|ませ|ず|ない|へん|ひん|ん)|でけへん|しづら|しずら|しにく|吸え(?:な|ませ|ず|へん|ね|ん)|すえ(?:な|ませ|へん|ね|ん)|続かな|つづかな|続かん|つづかん|吸いにく|吸いづら|止ま(?:った|って)|荒|あら(?:い|く)|浅|あさ(?:い|く)|切れ|きれ|詰ま(?:って|る)|ぜい|ひゅ|はあはあ|はっはっ|おかし|へん|変|速|はや)",
            r"(?:息|いき|いぎ)(?:する|すん)の(?:が)?[^。、]{0,3}(?:苦し|くるし|しんど|つら|辛)|いぎ(?:が)?(?:苦し|くるし)|はぁはぁ|はあはあして|ぜぜ(?:いう|して|って)|息苦し|いきぐるし|呼吸困難|こきゅうこんなん|窒息|ちっそく|ぜいぜい|ぜえぜえ|ひゅひゅ|ひゅうひゅう|空気が(?:吸え|すえ|入ってこ|はいってこ)(?:な|ませ|ず)|酸素が足り|喘息(?:の)?発作|ぜんそく(?:の)?発作",
            r"^(?:[^。]{0,6})?(?:くるしい|苦しい)(?:です|よ|!|！|\s|たすけて|助けて|$)|(?:苦しそう|くるしそう|苦しんで|くるしんで)",
            r"\b(?:can ?not|can'?t|cant|couldn'?t|unable to|not able to|trouble|difficulty|difficult|hard(?:er)?|struggling|struggle|hardly|barely)(?: to| in)? (?:catch (?:my|his|her|their) )?"
            + _BREATH_EN,
            r"\bbreathing through a straw\b|\b(?:short(?:ness)? of breath|out of breath|breathless|stopped breathing|wheez\w*|gasping|choking|suffocat\w*|can'?t get (?:enough )?air|can'?t catch (?:my|his|her) breath|can'?t get a (?:full|deep) breath)",
            r"\b"
            + _BREATH_EN
            + r" (?:is |feels |seems |very |really |so )*(?:hard|difficult|weird|wrong|strange|funny|shallow|fast|labou?red|noisy|off|heavy|tight|short)",
            r"\b(?:my|his|her) breathing\b(?! (?:is |was |seems |feels |sounds )?(?:fine|ok|okay|normal|good|totally normal|all right|alright|totally fine))",
            # Air that does not get in, told plainly or in dialect: 息がはいってこない, 空気が足りひん.
            r"(?:息|いき|空気|くうき|酸素)(?:が|も)?(?:全然|ぜんぜん|うまく|ちゃんと|全く|まったく)?(?:入ってこ(?:な|ん|ず|へん|ひん)|はいってこ(?:な|ん|ず|へん|ひん)|入らな|はいらな|入りにく|はいりにく|入らへん|はいらへん|入らん|はいらん|吸い込めな|すいこめな|足りな|たりな|足らな|たらな|足りひん|たりひん|足りへん|たりへん|足らん|たらん|足りん|たりん)"
            r"(?!い?(?:部屋|へや|場所|ばしょ|ところ|所|空間|室|店|車))",  # not "空気が足りない部屋"
            r"(?:細い|ほそい)?ストロー[^。、]{0,8}(?:吸|す[っうい]|息|いき)[^。、]{0,6}(?:みたい|よう)",
            r"\b(?:air|breath)\b (?:just )?(?:won'?t|wont|will not|doesn'?t|does not|can'?t|cannot|isn'?t|is not) (?:go|get|come|going|getting|coming) (?:in|through|into)\b",
            r"\bwhistl\w*\b[^.!?]{0,25}\bbreath\w*|\bbreath\w*\b[^.!?]{0,25}\bwhistl\w*",
        )
    ),
    "chest_pain": _p(
        _alt(
            r"(?:胸|むね|旨|(?<!病)棟|胸部|心臓|しんぞう)(?:の真ん中|の奥|のあたり|の中央|の辺り|全体|の左)?(?:が|も|の|を|は)?"
            + _ADV
            + r"(?:痛(?!む)|いた(?!む)|苦し|くるし|重苦し|重く|おもく|押しつぶ|おしつぶ|つぶされ|締め付け|しめつけ|締めつけ|圧迫|あっぱく|押され|おされ|押さえ|おさえ|ぎゅ|きゅ|重い|おもい|ずきずき|ずきん|ぐっと|ちぎれ)",
            r"\bchest(?:が|も|の)?(?:くるし|苦し|痛|いた|締め|しめ|重)",
            r"(?:胸|むね)(?:の[^。、]{1,4})?(?:が|も)[^。、]{0,8}(?:苦し|くるし|重く|おもく|重い|おもい|痛(?!む)|いた(?:い|く|す)|締め|しめつけ|圧迫)",
            r"(?:胸|むね)(?:を|に)?(?:さす|押さえ|おさえ|かきむし|掻きむし|わしづかみ)(?:って|り|て|ながら)|(?:胸|むね)(?:ん)?(?:とこ|ところ)?(?:が)?(?:いたか|いてぇ|いでぇ|いてー)|(?:胸|むね)[^。、]{0,14}(?:めりめり|みしみし|ぎりぎり)",
            r"\bchest\b(?: (?:is|has been|feels?|got|getting|really|so|very|kind of|kinda|really been))* (?:pain|hurts?|hurt'?s|hurting|aches?|aching|tight\w*|pressure|heavy|painful|crushing|squeez\w*|burning)",
            r"\b(?:pain|pressure|weight|heaviness|tightness|squeezing|crushing) (?:on|in|across) (?:my|the|his|her) chest|\bchest pains?\b",
            r"\b(?:elephant|something|someone) (?:is )?(?:sitting|sat|standing) on (?:my|his|her) chest|\bcrushing pain\b|\bheart attack\b",
            r"\bpain (?:going|spreading|radiating|moving) (?:to|into|down) (?:my|his|her) (?:jaw|left arm|arm|neck|back)",
            r"\bchest\b[^.!?]{0,12}\b(?:tight|pain)\b",
            r"\b(?:an? |the )?(?:brick|bricks|weight|rock|stone|ton|anvil|elephant|car)\b[^.!?]{0,15}\bon (?:my|his|her|the) chest\b|\bchest\b[^.!?]{0,25}\b(?:crush\w*|compress\w*|squash\w*|in a vi[cs]e)\b|\bbehind (?:my|his|her) (?:boobs|breasts?|breastbone|ribs)\b[^.!?]{0,30}\b(?:ache|aching|pain|pressure|tight\w*|heav\w*)\b|\b(?:ache|aching|pain|pressure|tightness|heaviness)\b[^.!?]{0,10}\bbehind (?:my|his|her) (?:boobs|breasts?|breastbone|ribs)\b",
            r"\bchess (?:feels|hurts|is (?:tight|heavy|hurting|being squeezed)|pain)\b|\bchest (?:just )?clamped\b|\bhand on (?:his|her|my) chest\b|"
            r"\b(?:holding|clutching|grabbing|gripping|grabbed|clutched|clutches|holds|rubbing|rubs|rubbed) (?:his|her|my|their|at (?:his|her|my)) chest\b|\b(?:someone|something|an elephant)(?:'s| is) (?:sitting|standing) on (?:it|my|his|her)\b",
        )
    ),
    "collapse": _p(
        _alt(
            r"(?:意識|いしき)(?:が|を)?(?:ない|なく|もうろう|朦朧|ぼんやり|おかし|遠の|とおの|薄|うす|失|うしな|飛|とん|不明|ふめい|が戻らな|がもどらな)",
            r"気を失|気ぃ?失|きぃ?(?:を)?うしな|気をうしな|失神|しっしん(?:し|した)|気絶(?!しそう)|きぜつ(?!しそう)|卒倒|意識障害",
            r"倒れ(?!そう)|たおれ(?!そう)",
            r"反応が(?:ない|なく|鈍|にぶ)|はんのうが(?:ない|なく)|呼びかけ(?:に|ても)|よびかけ(?:に|ても)|呼んでも(?:起き|おき|反応|返事|へんじ|目を)(?:が|も)?(?:な(?:い|く|し)|しな(?:い|く)|ありませ)?|よんでも|返事がない|へんじがない|返事をしな",
            r"目を(?:開け|あけ|覚まさ|さまさ)(?:な|ませ)|起きない|おきない|起きません|ぐったり|目の前(?:が)?[^。、]{0,3}(?:真っ暗|まっくら|暗く|くらく|白く)",
            r"\b(?:faint(?:ed|ing|s)?(?! (?:yellow\w*|pink\w*|red\w*|mark|line|bruise|smell|taste|hint|trace|outline|scar|colou?r|glow)\b)|passed out|pass(?:ing|es)? out|black(?:ed|ing)? out|collaps\w*|unconscious|unresponsive|not responding|not waking|won'?t wake|wont wake|can'?t wake|lost consciousness|losing consciousness|went limp|keeled over|not answering)\b",
            r"\b(?:about to|going to|gonna) (?:pass out|faint|black out)|\bfeel(?:ing)? (?:like i'?m going to )?(?:faint|pass out)",
            # Trying to wake them, in dialect or family words: 揺すっても, 呼んでも目あけへん.
            r"(?:揺す|ゆす|揺さぶ|ゆさぶ|つね|叩い|たたい)っても|(?:呼んでも|よんでも)(?:目|め)|(?:目|め)(?:を)?(?:開け|あけ)(?:へん|ひん|ん|よらん)",
            r"\b(?:she|he|they|mom|mum|mother|dad|father|wife|husband|son|daughter|baby|grandma|grandpa|grandmother|grandfather|brother|sister|friend)\b[^.!?]{0,25}\b(?:not|no|doesn'?t|does not|don'?t|didn'?t|won'?t|wont|will not) (?:answer|respond|react|wake)(?!\w* (?:to )?(?:my|the|your|our) (?:calls?|phone|texts?|messages?|emails?|door|questions?|line))\w*",
            r"\bcan'?t (?:get|make) (?:her|him|them|my \w+) (?:to )?(?:respond|wake|answer|react|open (?:her|his|their) eyes)",
        )
    ),
    "seizure": _p(
        _alt(
            r"痙攣|けいれん|ひきつけ|引きつけ|引き付け|ひきつって|てんかん発作|けいれん発作|発作(?:が起き|を起こし|がおき|をおこし)|白目(?:を)?(?:むい|剥い|むく|剥く)|白目に(?:なっ|なる)|泡を吹|あわをふ|目が(?:上|うえ)(?:を)?(?:向|む)い",
            r"(?:手足|全身|体|からだ)(?:を|が)?(?:がくがく|ぴくぴく|ばたばた|突っ張|つっぱ|硬直|こうちょく|震わせ)",
            r"\b(?:siezure|seisure|seazure|seizure|seizing|convuls\w*|fitting|having a fit|eyes (?:are |were )?(?:rolled|rolling|rolls) (?:back|up)|foaming at the mouth|jerking (?:all over|uncontrollab\w*)|shaking (?:all over and not|uncontrollab\w*)|(?:body|he|she) went (?:stiff|rigid)|whole body twitching)\b",
        )
    ),
    "stroke": _p(
        _alt(
            r"ろれつ|呂律|脳卒中|のうそっちゅう|脳梗塞|のうこうそく|脳出血|くも膜下",
            r"(?:口|くち)(?:の端|のはし|の横|のよこ)?から[^。]{0,4}(?:こぼ|垂れ|たれ)",
            r"(?:顔|かお|口|くち|口元|口角)(?:の|が)?(?:右|左|片|ひだり|みぎ)?(?:側|半分|方|端|っぽう|っぽ|ほう)?(?:だけ|しか)?(?:が|も)?(?:垂れ|たれ|下が|さが|ゆが|歪|曲が|まが|動かな|麻痺|まひ)",
            r"(?:片(?:側|方)|半身|右半分|左半分|右側|左側|(?:右|左)(?:半身|半分|側))[^。]{0,8}(?:しびれ|痺れ|動かな|うごかな|力が入らな|ちからがはいらな|麻痺|まひ|感覚がな)",
            r"(?:右|左|みぎ|ひだり)(?:の)?(?:手|腕|うで|足|脚|あし)(?:と|や|も|、)?(?:(?:右|左)?(?:手|腕|足|脚))?[^。]{0,6}?(?:に|が|で)?(?:力が入らな|ちからがはいらな|動かな|うごかな|上がらな|あがらな|麻痺|まひ|持てな|持てず|もてな|もてず)",
            r"言葉(?:が|も)(?:出|で)(?:な|にく|てこな|てきま|てきにく)|言葉がうまく|ことばがでな|(?:しゃべり|喋り|話し)方が(?:おかし|変|へん|辺)|うまく(?:話せ|しゃべれ|はなせ)(?:な|ませ)|言っていることがおかしい|話がかみ合わな(?:くなっ)",
            r"(?:目|片目|視界|右目|左目|め)が(?:急に|突然|いきなり)?(?:見えな|みえな|真っ暗|暗く|見えにく)|急に(?:目が)?見えなく|二重に見え|物が二重",
            r"(?:突然|急に|いきなり)[^。]{0,8}(?:しびれ|麻痺|まひ|力が入らな)",
            r"\b(?:face|smile|mouth)\b(?:(?!\b(?:not|isn'?t|aren'?t|wasn'?t|no|never)\b)[^.!?]){0,15}\b(?:droop\w*|crooked|uneven|lopsided)(?![^.!?]{0,60}\b(?:puff\w*|swell\w*|swollen|bigger|fuller)\b)|\bsagging on one side\b|\bdrooping on one side\b",
            r"\bslurr\w*|\bwords? (?:are |is |coming out |came out )?(?:wrong|jumbled|garbled|mixed up)|\b(?:can'?t|cannot|can not) (?:talk|speak) (?:properly|right|clearly|normally)|\btrouble (?:speaking|talking)\b|\bspeech (?:is |sounds )?(?:slurred|weird|strange|off|garbled)",
            r"\b(?:can'?t|cannot|can not|couldn'?t) (?:lift|move|raise|feel|use) (?:his|her|my|their|the) (?:left|right)",
            r"\b(?:left|right) (?:arm|leg|side|hand|face)(?: and (?:arm|leg|face|hand))?\b[^.!?]{0,20}\b(?:weak|numb|limp|dead|heavy|droop\w*|paraly\w*|hanging)\b",
            r"言葉(?:が|も)?(?:変|へん|おかし|違|ちが|もつれ|めちゃくちゃ|ぐちゃぐちゃ)(?!だったら|でしたら|かも|です(?:みません|が)|でごめん|で(?:すみ|ごめ))|違う言葉(?:に|が)|ちがうことば(?:に|が)",
            r"\b(?:she|he|mom|mum|mother|dad|father|husband|wife|grandma|grandpa)\b(?: [a-z']+)? (?:talk|talks|talking|speak|speaks|speaking) (?:funny|strange|weird|wrong|slurred|drunk)\b(?! (?:when|whenever|after|if|sometimes))",
            r"\bface\b[^.!?]{0,12}\b(?:one side|on one side|one half|half) (?:is )?(?:down|droop\w*|fallen|falling|sagg\w*|hanging|lower)\b|\b(?:one side|half) of (?:the|his|her|my) face (?:is )?(?:down|droop\w*|fallen|lower|sagg\w*)\b",
            r"\b(?:say|saying|said|speak\w*|talk\w*|words?|speech|mouth|comes? out|coming out)\b[^.!?]{0,30}\bgibberish\b|\bgibberish (?:comes? out|coming out|when (?:he|she) (?:talks|speaks|tries))",
            r"\bone side of (?:my|his|her) (?:face|body)\b|\b(?:weak|numb)ness on one side\b|\b(?:lost|losing) (?:vision|sight|my vision|(?:the )?sight)\b|\bcan'?t see (?:out of|from|anything)\b|\bsuddenly (?:blind|can'?t see)\b|\bkeeps dropping things\b|\bstroke\b",
        )
    ),
    "blood_vomit": _p(
        _alt(
            r"(?:血|ち)(?:の(?:かたまり|塊|混じ(?:った|り)の?もの))?(?:を|が)?(?:吐|はい|はき|はく)|吐血|とけつ|喀血|かっけつ|血痰|けったん",
            r"(?:吐いた|吐いたら|嘔吐|もどした|はいた|吐いて)(?:もの)?[^。]{0,12}(?:血|赤い|真っ赤|黒い|ちが)",
            r"(?:咳|せき)[^。]{0,10}(?:血|ち)(?:が|の|も)?[^。]{0,6}(?:出|で|混|まじ)|(?:咳|せき)(?:を)?(?:したら|した時|すると|こんだら)[^。]{0,20}(?:真っ赤|まっか|赤い|あかい|血|ちが)",
            r"(?:コーヒー|こひ)(?:の)?(?:かす|粕)|黒いもの(?:を)?[^。]{0,4}(?:吐|はい)",
            r"\b(?:threw up|throw(?:ing)? up|vomit\w*|puk(?:ed|ing)|spit(?:ting)? up|cough(?:ed|ing|s)?(?: up)?)\b[^.!?]{0,20}\bblood|\bblood (?:in|when) (?:my|his|her|i) (?:vomit|spit|sputum|phlegm|cough)|\bbloody (?:vomit|phlegm|mucus|sputum)|\bcoffee.?grounds?\b",
        )
    ),
    "cyanosis": _p(
        _alt(
            r"(?:唇|くちびる|口びる|口唇|爪|つめ|指先|ゆびさき|指の先|ゆびのさき|舌|口の(?:周り|まわり)|口周り|くちまわり|口元|くちもと)(?:っぽ)?(?:が|も|の|と[^。]{1,8}?|の色が)?[^。]{0,14}?(?:紫|むらさき|青紫|あおむらさき|真っ青|まっさお|青く|あおく|青い|あおい|青う|あおう|青っぽ|あおっぽ|青白|あおじろ|土気色|どす黒|黒っぽ|白っぽく|青黒|あおぐろ|紫っぽ)(?!の(?:口紅|リップ|ネイル))",
            r"(?:爪|つめ|唇|くちびる)の色が(?:悪|わる|おかし|変|へん)|(?:顔|かお)(?:色)?(?:も|が)?[^。、]{0,4}(?:土みたいな色|土色|つちいろ|土気色)",
            r"(?:顔|顔色)(?:が|も)?[^。]{0,4}(?:紫|むらさき|青紫|土気色)|チアノーゼ|ちあのぜ|(?:唇|くちびる)の色が(?:悪|わる|おかし|変|へん)",
            r"\b(?:lips?|fingertips?|fingers?|(?:finger)?nails?|tongue|mouth|face)\b(?: and (?:my |his |her )?[a-z]+)?(?: area| beds?)?(?: (?:are|is|have|has|had|look|looks|turning|turned|going|gone|went|getting|got|kind of|kinda|a bit|all|really))*(?: an?)? (?:blue|purple|grey|gray|bluish|purplish|dusky|blue/grey|blue-ish)\b"
            + _NOT_ALWAYS,
            r"\b(?:blue|purple|bluish|purplish) (?:lips|face|fingertips|fingers|nails)\b|\bcyano\w*|\bsmurf\w*",
            r"\b(?:lips?|fingertips?|nails?)\b(?:(?!\b(?:lipstick|lip ?gloss|polish|colou?r(?:ed)?|dye|naturally|always|tint|not|no|never)\b|n'?t\b)[^.!?]){0,40}\b(?:blue|purple|bluish|purplish|grey|gray)\b(?! (?:lipstick|lip ?gloss|polish|tint|nail))"
            + _NOT_ALWAYS,
        )
    ),
}

# Red flags told as they look or sound rather than by their name, kept apart from `_LEX` so
# that each RE2 program stays small (one large DFA runs out of memory).
_LEX_SEEN: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "breathing",
        _p(
            _alt(
                # Air hunger as it looks and sounds: 金魚みたいに口ぱくぱく, 吸っても吸っても, 笛のような音,
                # "like a fish out of water", "gulping for air", "can't finish a sentence".
                r"(?:口|くち)(?:を)?ぱくぱく|(?:金魚|きんぎょ)みたいに(?:口|くち|ぱく|息|いき)|(?:吸っても|すっても){2}|(?:空気|くうき)が(?:薄|うす)|(?:肺|はい|胸|むね)の半分|(?:ひゅ|ぴ|ぜ)[っうい]?(?:って|と|っと)?(?:音|おと|鳴|な(?:る|って))|(?:笛|ふえ)(?:の|みたいな)(?:ような)?(?:音|おと)|"
                r"(?:会話|かいわ)(?:が|も)?(?:でき|出来)(?:な|ませ)|(?:一言|ひとこと)[^。、]{0,6}(?:たびに|ごとに)[^。、]{0,6}(?:休|やす|息|いき)|(?:息|いき)(?:が)?(?:きつ|えら)|(?:はあはあ|はぁはぁ|ぜえぜえ)[^。]{0,10}(?:治らな|なおらな|治らん|なおらん|止まらな|とまらな|ずっと|座|すわ)",
                r"(?:息|いき)が(?:吐ききれ|はききれ)|吸入[^。]{0,10}(?:楽にならな|らくにならな|効かな|きかな)|過呼吸|かこきゅう|\bhyperventilat\w*|\bstruggling to get (?:air|a breath|my breath)\b|\bstop after every (?:\w+ ){0,3}words?\b|\b(?:can'?t|cannot) get a (?:deep|full|proper) breath\b|"
                r"\bfish out of (?:the )?water\b|\b(?:gulp\w*|gasp\w*|suck\w* in|fighting|struggling|grabbing) (?:for )?(?:air|breath)\b|\b(?:can'?t|cannot|unable to|not able to|couldn'?t) (?:finish|get out|say|complete) (?:a |one |the |his |her )?(?:full |whole |single )?(?:word|sentence)s?\b|\bstopping mid-?sentence\b|\bribs? (?:pull\w*|suck\w*) in\b|\bbetween (?:his|her|my) ribs\b|\bpanting\b|\b(?:air|breath) (?:is |isn'?t |is not )?(?:not )?going down\b|\bonly (?:the )?top (?:part|half) of (?:my|his|her) lungs\b",
            )
        ),
    ),
    (
        "breathing",
        _p(
            _alt(
                r"(?:息|いき)(?:が|も)[^。、]{0,6}?(?:苦し|くるし)|(?:肩|かた)で(?:息|いき)|肩を上下させて|(?:息|いき)が(?:整わ|ととのわ)|(?:笛|ふえ)[^。、]{0,5}(?:音|おと)|(?:吸えなく|すえなく|吸いきれな|すいきれな)|(?:ぜぜ|ひゅひゅ|ぜろぜろ)[^。、]{0,6}(?:音|おと|いう|言)",
                r"\bevery breath\b[^.!?]{0,20}\b(?:creak|whistle|wheeze|rattle|squeak|noise|sound)s?\b|\b(?:stopping|stop|gasping) for (?:air|breath)\b|\bsucking (?:in |for )(?:air|breath)\b|\bbad to breathe\b"
                r"|\bnoise\b[^.!?]{0,20}\bwhen (?:he |she |i )?breathing\b|\bbreathing (?:sounds|is) like a (?:rattle|creak|whistle|cat)\b|\b(?:rattle|rattling|creak|creaking)\b[^.!?]{0,12}\bbreath(?:e|ing)?\b|\b(?:can'?t|cannot) (?:speak|say|finish) (?:the |a |one )?(?:words?|sentences?) (?:complete|completely|properly)\b",
            )
        ),
    ),
    (
        "collapse",
        _p(
            _alt(
                # Trying to wake them: 肩叩いても目ぇあけへん, ノックしても返事ない, "I can't rouse her".
                r"(?:叩いても|たたいても|叩いでも|たたいでも|ノックしても|のっくしても|揺すっても|ゆすっても|ゆすっでも|呼んでも|よんでも|名前(?:を)?呼んでも)[^。]{0,10}?(?:目|め|まぶた|返事|へんじ|反応|はんのう|起き|おき|起ぎ|おぎ|ぴくり)[^。、]{0,6}?(?:ない|なく|なし|ませ|へん|ひん|せん|ねぇ|ねえ|ねー|ね(?![ぁ-ん])|ん)",
                r"(?:呼んでも|よんでも|話しかけても|はなしかけても)[^。]{0,10}しか(?:返|かえ|言わ|いわ|答え|こたえ)|(?:起ぎね|おぎね|ぐでっと)|崩れ落ち[^。]{0,20}(?:床|ゆか|呼んでも|よんでも|動かな|うごかな|返事|へんじ)",
                r"(?:気づいたら|きづいたら|気がついたら|起きたら|思ったら)[^。]{0,8}(?:床|ゆか|地面|じめん|倒れ|たおれ)|(?:床|ゆか)で(?:寝て|ねて|倒れ|たおれ|伸び|のび)|(?:椅子|いす|ソファ|便座)から[^。]{0,8}(?:落ち|おち|崩れ|くずれ|ずり)|(?:うずくま|倒れ|たおれ)[^。]{0,6}(?:動か|うごか)(?:な|ん)",
                r"\b(?:can'?t|cannot|can not|couldn'?t|could not) (?:rouse|wake|get a response from) (?:her|him|them|my \w+)\b|\b(?:won'?t|wont|will not|doesn'?t|does not) (?:respond|wake|answer|react|rouse)\b(?! (?:to )?(?:my|the|your|our) (?:calls?|phone|texts?|messages?|emails?|door|questions?|line))",
                r"\b(?:only |just )?(?:groans|moans|mumbles) when i (?:shake|call|touch)\b|\bnot open (?:his|her|their)? ?eyes?\b|\b(?:isn'?t|is not|not) (?:waking|reacting)\b|\b(?:she'?s|he'?s|they'?re|stays?|went|gone) (?:all )?(?:floppy|limp)\b|\bcan'?t hold (?:her|his|their) head up\b|\bnodding off mid-?sentence\b|\bwon'?t open (?:her|his|their) eyes\b|\bhead'?s? flopped\b|\b(?:groan|moan|mumbl)\w* when i (?:shake|call|touch|tap|shout)\b|\bcame to on the\b|\bno idea how long i was out\b|\bwoke up on the (?:floor|ground|tiles)\b|\b(?:dropped|fell|collapsed) to the (?:ground|floor) (?:twice|again|\d+ times|several times)\b|\b(?:knees buckled|dropped to the (?:ground|floor)|hit the (?:floor|ground)|slumped (?:over|on|down)|crumpled|slid off|went down)\b[^.!?]{0,60}\b(?:won'?t|not|can'?t|no)\b",
            )
        ),
    ),
    (
        "seizure",
        _p(
            r"\b(?:had|having|has) (?:a|another) fit\b(?! (?:about|over|when|because|of))|\b(?:jerk\w*|jolt\w*|twitch\w*|shak\w*|flopp\w*)\b[^.!?]{0,40}\b(?:in a rhythm|rhythmic\w*|over and over|every second|like (?:she'?s|he'?s|being) (?:being )?shocked|like a washing machine)\b"
        ),
    ),
    (
        "stroke",
        _p(
            _alt(
                # One side: a smile that lifts on one side, a hand that is not one's own, a cup dropped.
                r"(?:片っぽ|片方|かたほう|片側|かたがわ|(?:右|左|みぎ|ひだり)(?:っかわ|側|がわ)?)(?:だけ|しか)[^。、]{0,6}(?:上が|あが|下が|さが|垂れ|たれ|動|うご|溶け|とけ)",
                r"(?:右手|左手)が(?:ついてこ|ついてい(?:か|け))|最後まで(?:言え|いえ)(?:ず|な)|別の言葉に(?:なる|なっ)|うまく(?:言え|いえ)(?:な|ませ|ず)|"
                r"(?:手|指|腕|うで|足|あし|ほっぺ|頬|ほお)(?:が|も)?[^。、]{0,6}(?:言うこと(?:を)?(?:きかな|聞かな)|いうこと(?:を)?きかな|自分の(?:じゃな|ものじゃな)|じぶんのじゃな|他人の|たにんの)|(?:持た|もた)れへん|(?:右手|左手|右の手|左の手)[^。]{0,24}(?:書けな|かけな|書けませ|かけませ|握れな|にぎれな|感覚が(?:ない|なく))",
                r"(?:足|あし)(?:を|も)?引きず|あしをひきず|(?:まっすぐ|真っ直ぐ)(?:に)?(?:立て|たて|歩け|あるけ)(?:な|ん|へん|ませ)|(?:右|左|みぎ|ひだり)に[^。]{0,6}(?:引っぱられ|ひっぱられ|引っ張られ|傾|かたむ)|(?:世界|部屋|へや|床|ゆか)が[^。、]{0,6}(?:ななめ|斜め|傾|かたむ)|(?:まっすぐ|真っ直ぐ)(?:に)?(?:歩こう|あるこう)としても|(?:右|左|みぎ|ひだり)[^。]{0,10}(?:力|ちから)が(?:入らな|はいらな|入らず|はいらず)|(?:言葉|ことば)(?:が|も)?(?:うまく)?(?:出|で)(?:な|にく)",
                # Words that come out wrong: 舌が回らない, 単語ぐちゃぐちゃ, 言いたいのに…って出てくる.
                r"(?:舌|した|口|くち)が(?:うまく)?(?:回らな|まわらな|回りませ|まわりませ|もつれ)|単語(?:が)?[^。、]{0,4}(?:ぐちゃぐちゃ|めちゃくちゃ|出てこな|でてこな)|(?:言いたい|いいたい)(?:の|ん)に[^。]{0,15}(?:出て|でて)く|(?:言って(?:い)?る|しゃべって(?:い)?る|話して(?:い)?る|話す)(?:こと|内容)(?:が)?[^。、]{0,4}(?:へんてこ|意味(?:が)?わから|めちゃくちゃ|支離滅裂)",
                # Sight lost as a curtain or a blind, or half the world dark.
                r"(?:カーテン|ブラインド|幕|まく|シャッター)[^。]{0,14}(?:見えな|みえな|暗|くら|閉|しま|下ろ|おろ)|(?:右|左|上|下)?半分(?:だけ)?[^。、]{0,12}(?:見えな|みえな|暗く|くらく|消え|きえ)|視界(?:が)?(?:半分|欠け|かけ)",
            )
        ),
    ),
    (
        "stroke",
        _p(
            _alt(
                r"\b(?:half|left half|right half|one side|part) of (?:everything|my vision|my sight|the world|what i see|my body|his body|her body)\b|\bhalf (?:my|his|her) (?:body|face)\b|\b(?:curtain|blind|shade|shadow)\b[^.!?]{0,30}\b(?:over|across|down|came|pulled|drawn)\b[^.!?]{0,30}\b(?:eye|eyes|vision|sight|everything)\b|\b(?:vision|sight|eyes?)\b[^.!?]{0,25}\b(?:went|gone|going|turned) (?:dark|black|blank|grey|gray|dim)\b|\bblurry on one side\b",
                r"\b(?:arm|leg|hand|side)\b[^.!?]{0,10}\b(?:went|is|gone|going) (?:floppy|limp|dead|numb)\b|\bwords?\b[^.!?]{0,25}\b(?:wrong order|mixed up|jumbled)\b|\barm drifts? down\b|\bspeech (?:is|sounds) (?:thick|slow|slurred|drunk)\b|\bspeech is coming out wrong\b|\bhalf (?:my|his|her) (?:vision|sight)\b|\b(?:floor|room|world)\b[^.!?]{0,20}\b(?:tilt\w*|slid\w*|sliding)\b|\bseeing double\b",
            )
        ),
    ),
    (
        "stroke",
        _p(
            _alt(
                r"\b(?:can'?t|cannot|unable to|not able to) (?:walk|stand) straight\b|\b(?:lean\w*|pull\w*|veer\w*|drift\w*|tilt\w*|fall\w*) (?:to|towards?) (?:the )?(?:left|right)\b|\b(?:walk\w*|bump\w*) into (?:the )?(?:left |right )?(?:side of the )?(?:door ?frame|wall)\b|\bdragging (?:his|her|my) (?:left |right )?(?:leg|foot)\b",
                r"\b(?:can'?t|cannot|couldn'?t) find (?:his|her|my|the) words\b|\b(?:says?|saying|using) (?:the )?wrong (?:words|ones)\b|\bcame out (?:like|as|wrong|all wrong)\b|\b(?:can'?t|cannot) understand what (?:i'?m|i am|we'?re|he'?s|she'?s) saying\b|\b(?:speaking|talking) (?:a )?(?:foreign|another|different) language\b|\blike (?:she'?s |he'?s |i'?m )?drunk but\b|\bnovocaine\b|\bmouth (?:isn'?t|is not|won'?t) work\w*|\bsmile\b[^.!?]{0,20}\b(?:only half|half|one side|lopsided|crooked)\b|\bone side (?:won'?t|doesn'?t|will not) (?:close|move|lift)\b|\b(?:left|right) hand\b[^.!?]{0,20}\b(?:let (?:it )?go|dropp\w*|won'?t grip|can'?t grip|can'?t hold)\b|\b(?:hand|arm|leg)\b[^.!?]{0,25}\b(?:won'?t (?:obey|listen)|not my own|glove full of sand|full of sand|made of (?:wet )?cement|just hanging)\b",
            )
        ),
    ),
    (
        "headache",
        _p(
            _alt(
                # The onset and the strength told as an image: 一瞬でピーク, "from nothing to a 10".
                r"(?:頭|あたま|後頭部|こうとうぶ)[^。]{0,20}(?:一瞬で|いっしゅんで|いきなりMAX|いきなりまっくす)|(?:一瞬で|いっしゅんで)[^。]{0,6}(?:ピーク|ぴく|max|まっくす|最大)|(?:生きてきて|人生で|今までで|いままでで)[^。]{0,8}(?:一番|いちばん)[^。]{0,6}(?:痛|いた|いで)",
                r"\bfrom (?:nothing|zero|0) to (?:a )?(?:10|ten|100)\b|\b(?:worst|most (?:strong|severe|intense)) pain (?:of|in) (?:my|his|her) (?:life|entire life)\b|\b(?:head|skull|brain)\b[^.!?]{0,40}\b(?:(?:trying to )?escape|burst|on fire|cracked|snap\w*|firework|kicked by a horse)\b|\b(?:like a switch flipped|outta nowhere|out of nowhere|in one second|from one second to (?:the )?next)\b[^.!?]{0,60}\b(?:head|skull|brain)\b",
            )
        ),
    ),
)

# Signs that count only together with another sign, or only in one strength.
_FEVER = _p(
    _alt(
        r"(?<!情)(?<!微)(?<!解)(?<!平)(?:熱|ねつ)(?!剤|心|中|意|湯|帯|狂|弁|唱|演|愛|烈|血|湯|を持|をもっ|っぽ|い|く|さ|燗)",
        r"発熱|はつねつ|高熱|こうねつ|微熱|びねつ|熱っぽ|ねつっぽ",
        r"(?:3[7-9]|4[0-2])(?:[.．]\d)?\s?(?:度|℃|°c?|ど\b|ど(?=\s|$|[^a-zぁ-ん]))",
        r"\b(?:3[89]|4[0-2])[.．]\d\b(?!\d|%|\s?(?:kg|cm|mm|ml|mg|yen|円|ドル|dollars?))|\b(?:at|hit|reached|of|showed|says?|is|was|over|around|about) (?:3[89]|4[0-2])\b(?![.\d]|\s?(?:kg|cm|years?|yo|歳|%|mins?|minutes?))|\btemp\w*\b[^.!?]{0,15}\b3[7-9][.．]\d\b",
        r"\b(?:3[89]|4[0-2])(?:\.\d)? temp\b|\bhot (?:like|as) (?:an? )?(?:oven|fire|furnace|stove|radiator)\b|\b(?:burning|boiling) hot\b|\bhot very much\b|\b(?:she|he)'?s? (?:is )?(?:so |very )?hot to (?:the )?touch\b",
        r"\b(?:fever\w*|burning up|temperature|high temp|temp(?: of| is)?\s?(?:3[7-9]|4[0-2]|10[0-5])|running a temp|(?:3[89]|4[0-2])(?:\.\d)?\s?(?:c|°c|degrees)\b|10[1-5](?:\.\d)?\s?(?:f|°f)\b)",
    )
)
_SEPSIS_COMPANION = _p(
    _alt(
        r"朦朧|もうろう|混乱|こんらん|錯乱|さくらん|うわごと|わけのわからな|訳のわからな|意味不明|いみふめい|ぼうっと|ぼっと|会話が(?:かみ合|噛み合|成り立|にならな)|話が(?:通じ|つうじ|かみ合)|ここがどこか|どこにいるのか|どこにいるか|おかしなことを|(?:言って(?:い)?ること|言動|話して(?:い)?ること|話す内容)が?(?:おかし|変|へん|意味不明)",
        r"うとうと|眠って(?:しま|ばかり)|起こしても|ぐったり|意識が|ぼんやり|眠り続け|傾眠|反応が(?:鈍|にぶ|おかし)|様子が(?:おかし|変|へん)",
        r"悪寒|おかん|寒気|さむけ|震え|ふるえ|がくがく|ぶるぶる|がたがた|がちがち|かちかち|戦慄|冷凍庫|考え(?:が)?まとまら|夢の中にいる|頭(?:が)?ふわふわ|(?:話|言うこと|いうこと|言うとること)が(?:変|へん|おかし)(?:に)?な",
        r"\b(?:doesn'?t|don'?t|does not|didn'?t|do not) know (?:what day|where (?:he|she|i) (?:is|am|was)|who i am)\b|\b(?:asking|asks|asked) (?:me )?(?:the same question|where)\b|\blosing track of\b|\bfoggy\b|\b(?:says?|saying) strange (?:words|things)\b|\bthoughts? (?:feel|are|is) (?:like )?(?:soup|foggy|jumbled|mush)\b|\bclack\w*|\brattl\w*|\bsleeps? (?:all the time|all day)\b|\bsleep sleep\b|\bfrozen lake\b|\b(?:confus\w*|delirious|delirium|disorient\w*|not making sense|talking nonsense|nonsense|incoherent|out of it|doesn'?t know where|drowsy|very sleepy|can'?t stay awake|hard to wake|lethargic|chills|shiver\w*|shaking|rigou?rs|teeth (?:are )?chattering|chattering)\b",
    )
)
_SITE = _p(
    _alt(
        r"注射(?:した|の|を打った|を受けた)?(?:ところ|とこ|場所|部位|跡|あと|痕)|打った(?:ところ|とこ|場所|跡|あと|部分)|刺した(?:ところ|とこ)|針(?:の)?(?:跡|あと|穴|を刺した|を抜いた|抜いた|が刺さってた)",
        r"点滴(?:の)?(?:跡|あと|したところ|の針|を刺した|の刺した)|注射部位|刺入部|打ったとこ|うったとこ|ちゅうしゃ(?:した|の)?(?:ところ|とこ|あと|ばしょ)|てんてき(?:の)?(?:あと|とこ|はり)",
        r"\b(?:injection|needle|iv|drip|shot|puncture)(?: site| spot| area| mark| hole)\b|\b(?:knee|scalp|forehead|cheek|arm|spot) (?:you|they|the doctor|the nurse) (?:injected|treated)\b|\bwhere (?:you|they|the (?:needle|iv|drip|shot)) (?:injected|went|was|went in|put|stuck|inserted|gave)|\binjected (?:area|spot)\b|\bthe spot (?:on|where)\b",
    )
)
_PUS = _p(
    r"膿|うみ(?:が|も|っぽ)|うんで(?:る|い|き)|化膿|かのう|赤い(?:線|筋|すじ)|(?:赤い|あかい|ピンク|ぴんく)[^。、]{0,12}(?:線|筋|すじ)|黄色い(?:汁|液|の)|じゅくじゅく|\b(?:pus|oozing|red (?:streaks?|lines?|tracks?)|abscess|infected|yellow (?:head|tip|spot))\b"
)
_SPREADING = _p(
    r"(?:広が|ひろが|拡が|大きくな|おおきくな|伸び|のび)|(?:熱を持|ねつをも|熱い|あつい|熱く|あつく)|"
    r"\b(?:spread\w*|getting bigger|growing|hot|warm|expanding|creep\w*|crept|all the way round)\b"
)
_RED = _p(
    r"赤|あか|ピンク|ぴんく|紫|むらさき|変色|色が濃|"
    r"\b(?:red|redness|redder|pink|pinker|purple\w*|angr(?:y|ier)|discolou?r\w*)\b"
)
_HOT = _p(r"熱を持|ねつをも|熱い|あつい|熱く|あつく|熱感|\b(?:hot|warm)\b")
_GROWS = _p(
    r"広が|ひろが|拡が|大きくな|おおきくな|伸び|のび|\b(?:spread\w*|getting bigger|growing|expanding|creep\w*|crept|all the way round|wider|past (?:the|that|my) (?:line|mark))\b"
)
_BEAUTY = _p(
    r"悩み|気にな|コンプレックス|見た目|見られ|対策|改善|むくみ|毎朝|朝起きると|塩分|"
    r"\b(?:looks thing|purely|cosmetic|appearance|puffiness|every morning|in the mornings|salty|after drinking)\b"
)
_LIMB = _p(
    r"腕|うで|手|顔|注射|点滴|針|膝|ひざ|頭皮|額|おでこ|\b(?:arm|hand|face|needle|injection|iv|drip|shot|cheek|knee|scalp|forehead)\b"
)
_HEADACHE = _p(
    r"(?:頭|あたま)(?:が)?重(?:い|く|た)|(?:頭|あたま)(?:が|の)[^。、]{0,20}?(?:痛(?!む話)|いた(?:い|く))|頭痛|ずつう|頭重|(?:頭|あたま|後頭部|こうとうぶ)(?:が|の|に)?(?:ものすごく|めちゃくちゃ|すごく|とても|急に|きゅうに|ずっと|ガーンと|がんと|ずきずき)?"
    r"(?:痛(?!む話)|いた(?:い|く|む|すぎ)|割れ(?:る|そう)|われ(?:る|そう)|激痛|げきつう|重い|おもい)|頭を殴られ|頭を(?:抱え|かかえ)(?:て|た)?[^。]{0,6}(?:うずくま|叫|さけ|倒れ|たおれ|苦し|くるし|うめ|唸|うな)|(?:突然|急に|いきなり)頭を(?:抱え|かかえ)|殴られたよう|頭が(?:がん|ずきずき)|\bhead ?ach\w*|\bhead (?:suddenly |just )?(?:hurts|pain|is pounding|is killing|is exploding|exploded|feels like it'?s exploding)\b|\bhead (?:has been|keeps|is|kept) (?:aching|hurting|pounding|throbbing)\b|\bmigraine\b|\bgrabb\w* (?:his|her|my) head|\bholding (?:his|her|my) head"
)
_SEVERE_HEADACHE = _p(
    r"突然|とつぜん|急に|きゅうに|いきなり|一気に|数秒|今までで一番|一番ひどい|ものすごく|うずくま|今まで(?:で|に)?[^。]{0,6}(?:ない|最悪)|これまでにない|人生で一番|人生最悪|経験したことのない|最悪|割れる|われる|割れそう|殴られ|なぐられ|激しい|はげしい|激痛|げきつう|耐えられない|たえられない|がんと|雷|首が(?:硬|かた|動かな)"
    r"|\b(?:worst|worse|most severe|terrible|sudden\w*|splitting|thunderclap|excruciating|unbearable|explosive|out of nowhere|hit (?:by|with)|never had anything like|never felt anything like|stiff neck(?! from (?:sleep|the pillow|my pillow))|neck is stiff(?! from (?:sleep|the pillow|my pillow))|all at once|in seconds|split|10/10|never had one this bad|worst pain)\b"
)
_HIVES_ALL_OVER = _p(
    r"(?:じんましん|蕁麻疹|発疹|ぶつぶつ|みみず(?:腫れ|ばれ))[^。]{0,12}(?:全身|体中|からだじゅう|顔じゅう|かおじゅう|足の先まで|埋め尽く)|"
    r"(?:全身|体中|からだじゅう|身体中|体じゅう|ぜんしん|あちこち|首から下|ぜんぶ|顔じゅう|かおじゅう|頭のてっぺん|埋め尽く)[^。]{0,20}(?:じんましん|蕁麻疹|発疹|ぶつぶつ|かゆ|痒|赤く|湿疹|みみずばれ|みみず腫れ|ぼこぼこ|盛り上が|もりあが|ぽつぽつ|まだら)|"
    r"(?:首|顔|耳|胸|背中)(?:とか|や|から|と)?[^。]{0,8}(?:まで|にも|に)[^。]{0,4}(?:みみず(?:腫れ|ばれ)|じんましん|蕁麻疹|ぶつぶつ)|"
    r"\b(?:hives|welts)\b[^.!?]{0,6}\bfrom (?:my |his |her )?(?:neck|head|face|chest) to\b|"
    r"\b(?:hives|welts|rash|itch\w*)\b[^.!?]{0,20}\b(?:all over|everywhere|whole body|entire body|head to toe)\b|\bcovered (?:\w+ ){0,3}in (?:\w+ )?(?:hives|welts|a rash|red blotches|bumps)\b"
)
# Blood pressure read at home, systolic under 90: shock when it comes with a reaction or a fall.
_LOW_PRESSURE = r"(?<![\d/])[4-8]\d\s?/\s?[2-6]\d(?![\d/])"
_ANAPHYLAXIS_COMPANION = _p(
    _LOW_PRESSURE
    + r"|(?:喉|のど)(?:も|が)?いがいが|まぶた(?:も|が)?(?:重|おも|腫|はれ)|目の前(?:が)?(?:ちかちか|暗|くら|白)|座って(?:ないと|いないと)|立って(?:られな|いられな)|ぐわんぐわん|"
    r"めまい|目まい|眩暈|ふらふら|ふらつ|くらくら|立ちくらみ|吐|嘔吐|もど(?:し|した)|気持ち悪|気分が悪|吐き気|はきけ|たってられな|立っていられな|声(?:が)?(?:かすれ|枯れ|かれ|出にく|でにく|出な|でな)|"
    r"\b(?:dizz\w*|lightheaded|light-headed|faint\w*|vomit\w*|threw up|thrown up|throwing up|nause\w*|pass out|hoarse|swaying|can barely stand|can'?t stand)\b"
)
_BLEEDING = _p(
    _alt(
        r"(?:血|出血|ちが|ちは|地が)[^。]{0,14}?(?:止まらな|とまらな|止まらん|とまらん|止まらへん|とまらへん|止まんな|とまんな|止まんね|とまんね|止まりませ|とまりませ|止まらず|とまらず|止まる気配|とまるけはい|止まってくれな|にじみ続け|滲み続け|出続け|でつづけ|あふれ|溢れ|どくどく|ぼたぼた|だらだら)",
        r"鼻(?:から|血)[^。]{0,20}(?:止まらな|とまらな|おさまらな|ざっと|ざー)|\bnose\b[^.!?]{0,25}\b(?:running red|bleeding|pouring)\b[^.!?]{0,25}\b(?:hour|min)",
        r"\b(?:cut|sliced|gash\w*|wound)\b[^.!?]{0,40}\b(?:pumping|gushing|pouring|not slowing)\b",
        r"(?:止まらない|とまらない|止まりません)(?:んです|の)?[、,]\s*(?:血|ち)が|(?:大量|たいりょう)(?:に|の)?(?:出血|血)|(?:出血|しゅっけつ)(?:が)?(?:ひど|多|おお|すご|止まらな)|(?:ガーゼ|がせ|タオル|たおる|包帯|絆創膏|ばんそうこう)[^。]{0,6}(?:真っ赤|まっか|血だらけ|びっしょり|ぐっしょり)|血だらけ|ちだらけ|血まみれ",
        r"(?:ティッシュ|てぃっしゅ|コットン|こっとん|綿|袖|そで)[^。]{0,6}(?:真っ赤|まっか|血だらけ|びっしょり|ぐっしょり)[^。]{0,12}(?:止まら|とまら|早すぎ|はやすぎ|何枚|なんまい|続)",
        r"\b(?:bleed\w*|blood)\b[^.!?]{0,40}\b(?:won'?t|wont|will not|doesn'?t|does not|isn'?t|is not|not|can'?t|cannot|never)\s+(?:stop\w*|going away|slow\w*)",
        r"\b(?:won'?t|wont|will not|doesn'?t|does not|can'?t|cant|cannot) stop (?:the )?(?:bleeding|oozing)|\b(?:bleed\w*|blood)\b[^.!?]{0,40}\b(?:won'?t|wont|will not|doesn'?t) quit\b|\bwon'?t quit bleeding\b|\bblood spurts?\b|\bspurt\w* (?:out )?with every (?:heart)?beat\b|\bnosebleed\w*\b[^.!?]{0,40}\b(?:hour|minutes|keeps?|won'?t|pouring|not stopping|still coming)|\bwon'?t stop,? the bleeding\b|\bsoaked \d+ (?:towels|tissues)|\bkeeps? pouring\b",
        r"\b(?:keeps?|keep|still|non-?stop) (?:bleeding|oozing blood)|\bbleeding (?:heavily|heavy|a lot|badly|nonstop|everywhere|profusely|through)|\bheavy bleeding\b|\bsoaked (?:through )?(?:the |my )?(?:bandage|gauze|towel|cotton|plaster)",
        r"\bblood (?:is |keeps )?(?:dripping|pouring|gushing|spurting|running|still coming)|\b(?:dripping|pouring|gushing) blood\b|\blots of blood\b|\bblood (?:everywhere|all over)\b|\bcan'?t (?:make it|get it to) stop\b",
    )
)
# --- Red flags told without their usual words -------------------------------------------
# Each counts only together with its companion, so that a phrase nobody listed can still be
# recognised by its shape, and its evidence names both halves.

# A sudden headache told by its signs rather than by the word: the head named, and two of
# a sudden onset, "never like this", a stiff neck, vomiting and light that hurts
# (あたま いきなり ありえないくらい いたい はいた, "came in one second ... can't bend my neck").
_HEAD_WORD = _p(
    r"頭|あたま|ずつう|後頭部|こうとうぶ|こめかみ|\b(?:head|skull|brain|hea?dache\w*|headach)\b"
)
_ONSET = _p(
    r"突然|とつぜん|いきなり|いきなし|急に|きゅうに|急にきた|一瞬|いっしゅん|"
    r"\b(?:sudden\w*|out of nowhere|outta nowhere|all at once|all of a sudden|in one second|in seconds|from one second|just (?:went|hit|exploded)|felt a (?:pop|snap|bang))\b"
)
_NEVER_LIKE = _p(
    r"今まで|いままで|人生|一番|いちばん|最悪|さいあく|初めて|はじめて|ありえない|見たことない|みたことない|経験したことない|痛がる|"
    r"\b(?:worst|unbearable|unlike anything|never (?:had|felt|been|seen)|more than anything|of (?:my|his|her) life)\b"
)
# Meningeal signs, each its own kind: a stiff or painful neck, vomiting, light that hurts.
_NECK = _p(
    r"(?:首|くび)[^。、]{0,10}?(?:痛|いた|硬|かた|固|曲げ|まげ|こわば|回らな|まわらな)|"
    r"\b(?:neck|can'?t (?:turn|move|bend) (?:my|his|her) head|chin (?:down|to (?:my |his |her )?chest))\b"
)
_SLEPT_WRONG = _p(
    r"寝違え|ねちがえ|\b(?:sleeping badly|slept (?:badly|wrong|funny|awkwardly)|pillow)\b"
)
_VOMITING = _p(
    r"吐い|はいた|吐いて|吐き(?:まし|ちゃ)|嘔吐|げえげえ|もどし|戻し|うずくま|"
    r"\b(?:vomit\w*|puk\w*|threw up|thrown up|throwing up|been sick|feel sick)\b"
)
_LIGHT = _p(
    r"まぶし|光が|"
    r"\b(?:light hurts|lights? off|to the light|can'?t (?:stand|bear|look at) (?:the )?lights?)\b"
)

# Similes: a body part, a violent or crushing image and a comparison, in one sentence
# (頭をバットで殴られたみたいな, 胸を象に踏まれてるみたい, "like someone hit my head with a hammer").
_HEAD_PART = r"(?:頭|あたま|後頭部|こうとうぶ|こめかみ)"
_CHEST_PART = r"(?:胸|むね|旨|(?<!病)棟|心臓|しんぞう|みぞおち)"
_CHEST_NEAR = r"[^。,]{0,16}?"  # one 、 may sit between the chest and how it feels
_LIKE_JA = r"(?:みたい|よう(?:な|に|だ)|感じ|かのよう)"
_SIMILE_HEAD = _p(
    _alt(
        _HEAD_PART
        + r"[^。、,]{0,14}?(?:殴|なぐ|叩|たた|どつ|破裂|はれつ|爆発|ばくはつ|雷|かみなり|バット|ハンマー|金づち|かなづち|トンカチ|斧|おの|割ら|割れ|われ|撃|打ち抜|うちぬ|殴ら|ガーン)[^。、,]{0,10}?"
        + _LIKE_JA,
        r"\b(?:like|as if|as though)\b[^.!?,]{0,40}?\b(?:hit|hits|struck|hammer(?:ed|ing)?|bat|smash(?:ed|ing)|kick(?:ed|ing)|punch(?:ed|ing)|explod(?:ed|ing|e)|split(?:ting)?|bomb|lightning|thunder|axe|stabb(?:ed|ing)|shot)\b[^.!?,]{0,30}?\b(?:head|skull)\b",
        r"\b(?:like|as if|as though)\b[^.!?,]{0,40}?\b(?:head|skull)\b[^.!?,]{0,30}?\b(?:hit|struck|hammer(?:ed|ing)?|bat|smash(?:ed|ing)|explod(?:ed|ing|e)|split(?:ting)?|bomb|lightning|axe|stabb(?:ed|ing))\b",
        r"\b(?:head|skull)\b[^.!?,]{0,20}?\b(?:like|as if)\b[^.!?,]{0,30}?\b(?:hit|struck|hammer(?:ed|ing)?|bat|smash(?:ed|ing)|explod(?:ed|ing|e)|split(?:ting)?|bomb|lightning|axe|stabb(?:ed|ing))\b",
        r"\bworst (?:my |his |her )?head\b[^.!?]{0,12}\bever\b|\bhead (?:has|had) ever (?:felt|hurt|been)\b",
    )
)
_SIMILE_CHEST = _p(
    _alt(
        _CHEST_PART
        + r"[^。、,]{0,14}?(?:踏ま|ふま|乗ら|のら|乗って|のって|押さ|おさ|押しつぶ|おしつぶ|潰さ|つぶさ|締め|しめ|絞め|握|にぎ|掴|つか(?:ま|ん)|わしづかみ|鷲掴|刺さ|さされ|刺され|焼け|やけ|焼か|鉄|万力|まんりき|石|岩|象|ぞう|重り|おもり|漬物石|巻か|まか|鉢巻|はちまき|しぼり|絞り|乗せ|のせ)[^。、,]{0,10}?"
        + _LIKE_JA,
        r"\b(?:like|as if|as though|someone|somebody|something)\b[^.!?,]{0,30}?\b(?:squeez(?:e|es|ed|ing)|crush(?:es|ed|ing)?|grip(?:s|ped|ping)?|clamp(?:s|ed|ing)?|press(?:es|ed|ing)?|stabb(?:ed|ing)|stamp(?:s|ed|ing)?|sitting|standing|sat|stood|burn(?:s|ed|ing)?|fist|belt|band|rope|vise|vice|tight(?:ening|ened)?|weight|elephant|bricks|parked)\b[^.!?,]{0,20}?\b(?:my|his|her|the) (?:chest|heart|breastbone|sternum)\b",
        r"\b(?:chest|heart|breastbone|sternum)\b[^.!?,]{0,30}?\b(?:like|as if|as though|someone|something)\b[^.!?,]{0,30}?\b(?:vise|vice|fist|clamp|elephant|weight|brick|bricks|ton|knife|band|belt|iron|car|truck|squeez(?:e|es|ed|ing)|crush(?:es|ed|ing)?|press(?:es|ed|ing)?|stabb(?:ed|ing)|sitting|standing|parked)\b",
    )
)
# A simile about feelings, not the body ("that drama felt like someone squeezing my heart").
_FEELINGS = _p(
    r"ドラマ|映画|えいが|歌|うた(?:を|が)|小説|漫画|まんが|失恋|しつれん|別れ|わかれ|ニュース|知らせ|言葉|ことば|"
    r"\b(?:movie|film|drama|show|episode|song|story|novel|book|breakup|broke up|news|heartbreak\w*|romantic|emotional\w*)\b"
)
_LAUGH = _p(r"笑|(?<![a-z])w{1,5}(?![a-z/])|草|😂|🤣|💀|\b(?:lol|lmao|haha\w*|jk|kidding)\b")

# Chest pain told as pressure or weight, with where it spreads or a cold sweat.
_CHEST_PRESSURE = _p(
    _alt(
        _CHEST_PART
        + _CHEST_NEAR
        + r"(?:重|おも(?:い|く|た)|ずん|ずしん|どん|圧迫|あっぱく|押さ|おさ(?:れ|え)|締め|しめ|苦し|くるし|痛|いた(?:い|く|む)|ぎゅ|きゅ|焼け|やけ|つぶ|潰)",
        r"\b(?:pressure|weight|heaviness|heavy|tight\w*|squeez\w*|crush\w*|pain|ache|aching|hurt\w*|burning)\b[^.!?,]{0,35}\b(?:chest|heart|breastbone|sternum)\b",
        r"\bpressure\b(?=[^.!?]{0,30}\b(?:spread\w*|into my (?:neck|jaw)|left arm))",
        r"\b(?:chest|heart|breastbone|sternum)\b[^.!?,]{0,25}\b(?:pressure|heavy|heaviness|tight\w*|squeez\w*|crush\w*|pain|hurt\w*|ache|aching|burning)\b",
    )
)
_CHEST_SPREAD = _p(
    _alt(
        r"(?:左腕|左うで|左の腕|左肩|左の肩|腕|うで|あご|顎|首|くび|背中|せなか|肩|かた)(?:の方)?(?:まで|にかけて|にも|へ|に(?:広が|ひろが|響|ひび|抜け|ぬけ|走))|突き抜け|つきぬけ|"
        r"(?:左腕|左手|左肩|左の腕|左の肩|ひだりかた|ひだりうで)[^。、]{0,4}(?:しびれ|痺れ|痛|いた|だる|重|おも)|肩甲骨|けんこうこつ|冷や汗|ひやあせ|冷汗|脂汗|あぶらあせ|汗びっしょり|あせびっしょり|汗だく|あせだく|変な汗|へんなあせ|額が汗|(?:顔色|かおいろ)(?:が|は)?[^。、]{0,6}(?:悪|わる|白|しろ|真っ青|まっさお)|汗が(?:止まらな|とまらな|すご|ひど|だらだら|噴き|ふき)",
        r"\b(?:spread\w*|radiat\w*|goes|going|shoot\w*|moving|moves|travel\w*)\b (?:(?:up|down|out|over) (?:to |into |through |in )?|(?:to|into|through) )(?:my|his|her|the) (?:jaw|left arm|arm|neck|back|left shoulder|shoulder)\b|"
        r"\b(?:left arm|jaw|neck|left shoulder)\b[^.!?]{0,20}\b(?:ache|aches|aching|hurt\w*|pain|numb\w*|tingl\w*|heavy|too)\b|"
        r"\bcold sweats?\b|\bsweat(?:ing|y)? (?:buckets|like crazy|a lot|profusely)\b|\bclammy\b|\b(?:grey|gray|pale) and sweaty\b|\b(?:drenched|soaked|dripping) (?:in|with) sweat\b|\ball sweaty\b|\b(?:rubbing|holding|clutching) (?:his|her|my) (?:left )?arm\b|\bshirt (?:is )?soaked\b",
    )
)
_MUSCLE = _p(
    r"筋肉痛|筋トレ|きんとれ|ジム|じむ|腕立て|\b(?:workout|gym|bench ?press|push-?ups?|muscle|muscles|lifting|pulled)\b"
)

# Bleeding told by what keeps flowing, how long and how much ("bleeding and bleeding",
# "soaked through three towels", 垂れ続けてる), with blood or the needle's place in the message.
_FLOW = _p(
    _alt(
        r"(?:垂れ|たれ|出|で|流れ|ながれ|にじみ|滲み|漏れ|もれ|溢れ|あふれ)(?:続け|つづけ|っぱなし|っ放し)",
        r"(?:拭いても|ふいても|押さえても|おさえても)[^。、]{0,6}?(?:拭いても|ふいても|押さえても|おさえても|止まらな|とまらな|出て|でて|だめ|無理|むり|にじ|滲|染み|しみ)",
        r"(?:ぽたぽた|ぼたぼた|だらだら|どくどく|たらたら)[^。、]{0,6}?(?:垂れ|たれ|出|で|流れ|ながれ|止まらな|とまらな)|(?:噴水|ふんすい|ぴゅっ|ぴゅー)[^。、]{0,10}(?:出|で|噴|ふ)",
        r"(?:タオル|ティッシュ|ガーゼ|絆創膏|ばんそうこう|包帯|ほうたい)[^。]{0,6}?(?:\d+|何|なん|数|一|二|三|四|五)(?:枚|まい|箱|はこ|個|本)(?:目)?[^。]{0,8}?(?:びっしょり|ぐっしょり|真っ赤|まっか|なくな|使|替え|かえ|だめ)",
        r"\b(?:bleeding and bleeding|dripping and dripping|oozing and oozing)\b|\bstill (?:dripping|oozing|pouring|trickling|seeping|coming out)\b|\bkeeps? (?:dripping|oozing|seeping|trickling|pouring)\b",
        r"\b(?:pouring|dripping|oozing|gushing|trickling)\b[^.!?]{0,12}?\bfor (?:almost |over |about |nearly |more than )?(?:an hour|half an hour|(?:\d+|two|three|twenty|thirty|forty) (?:min\w*|hours?))\b",
        r"\bsoaked (?:through )?(?:\d+|two|three|four|five|several|another|multiple) (?:towels|tissues|bandages|gauzes?|pads|band-?aids|cotton balls|paper towels)\b|\bpress(?:ed|ing)?(?: on it| it)? (?:for )?(?:\d+|twenty|thirty|forty) min\w*",
        r"(?:ガーゼ|がせ|タオル|たおる|ティッシュ|てぃっしゅ)[^。]{0,4}(?:\d+|何|なん)(?:枚目|まいめ)|押さえて(?:\d+|数十)分|(?:\d+|一|数)時間[^。]{0,4}(?:ずっと)?[^。]{0,4}(?:血|ち)が(?:にじみ|滲み|出|で|垂れ|たれ)|(?:離す|はなす|外す|はずす)と[^。]{0,8}(?:血|ち)が[^。]{0,4}(?:流れ|なが|出|で|あふれ|溢れ)",
        r"(?:\d+|数十)分(?:以上)?(?:たっても|経っても)?(?:止まらな|とまらな|止まりませ|おさまらな)|"
        r"\bkeeps? welling up\b|\bbeen like this for \d+ min|"
        r"\bbleeding\b[^.!?]{0,30}\bfor (?:\d+|an?|one|two|half an) ?(?:hours?|min\w*)\b|\b\d+ min(?:ute)?s? (?:of )?pressing\b|\bstarted (?:running|bleeding|pouring) again\b|\b(?:it'?s|is|keeps) pouring\b|\bnot stopping\b|\b(?:held|holding|pressed|pressing|pressure on)\b[^.!?]{0,30}\bfor (?:\d+|twenty|thirty|forty|an hour|over an hour)\b|\b(?:every|each) time i (?:lift|take off|remove|check|move)\b[^.!?]{0,25}\b(?:flow\w*|bleed\w*|ooz\w*|drip\w*|pour\w*|wells? up|comes? (?:back|out)|starts?)\b|\b(?:changed|swapped|replaced)\b[^.!?]{0,20}\b(?:\d+|five|six|several|many) times\b|\b(?:keeps?|been|is) leaking\b|\bleaking for\b|\bthrough every (?:dressing|bandage|plaster)\b|\bfilling the (?:band-?aid|bandage|plaster|gauze)\b",
    )
)
_DRESSING = _p(
    r"ガーゼ|絆創膏|ばんそうこう|包帯|ほうたい|テープ|てぷ|\b(?:plaster|gauze|bandage|band-?aid|dressing)\b"
)
_BLOOD_WORD = _p(r"血|ち(?=が|を|は|も)|出血|\b(?:blood\w*|bleed\w*)\b")
# Red explained by what was eaten or drunk ("吐いたら赤かった、トマトジュース飲んでた").
# Likened to a food rather than explained by it ("looks like red wine", トマトジュースみたい).
_LIKE_FOOD = _p(r"\b(?:like|looks? like|kinda like|as if)\s+(?:\w+\s+){0,2}$")
_RED_FOOD = _p(
    r"トマト|ワイン|わいん|ジュース|じゅうす|ビーツ|いちご|苺|カレー|かき氷|シロップ|キムチ|唐辛子|"
    r"\b(?:tomato\w*|wine|beets?|juice|candy|gatorade|kool-?aid|ketchup|cranberr\w*|strawberr\w*|popsicle|syrup|food colou?ring)\b"
)
_NOT_BLOOD = _p(
    r"鼻水|はなみず|汗|あせ|涙|なみだ|よだれ|透明|水っぽ|\b(?:clear|sweat\w*|snot|runny|water|tears?)\b"
)

# Vomiting with red or blood, in colloquial forms (ゲボに血, はいたらまっか, "puking up clots").
_VOMIT_RED = _p(
    _alt(
        r"(?:咳き込|せきこ)[^。]{0,10}[。、]?[^。]{0,8}(?:手に血|血が|血を|血の(?:塊|かたまり))|(?:血|ち)が[、,]\s*(?:吐|はい)",
        r"(?:吐(?!き気|きけ|きそう)|はい(?=た|て|ちゃ)|げぼ|げろ|げげ|おえ|戻し|もどし|嘔吐|おうと|throw ?up|threw up|vomit|puke)[^。]{0,16}?(?<!顔)(?<!顔が)(?<!目が)(?<!肌が)(?<!頬が)(?:血|赤(?!ちゃん|ワイン|わいん)|まっか|真っ赤|赤黒|あかぐろ|どす黒|どすぐろ|黒っぽ|くろっぽ|黒く|くろく|墨|こひ)",
        r"\b(?:throw(?:ing|s)? up|threw up|vomit\w*|puk\w*|barf\w*|spew\w*|retch\w*)\b[^.!?]{0,40}?\b(?:bright red|dark red|red(?! wine| sauce| juice| candy| drink| soup| curry| pepper)|clots?|bloody|crimson)\b",
        r"\b(?:bringing|brought|coughing|throwing) up (?:clots of |some |a lot of )?blood\b|\b(?:throw(?:ing|s)? up|threw up|vomit\w*|puk\w*|barf\w*|brought up|bringing up)\b[^.!?]{0,45}?\b(?:black|tar|tarry|sludge|coffee|tea leaves|grounds|red wine|squid ink|ink|mouthful of blood|dark brown|grainy|soil)\b",
        r"\bcough\w*\b[^.!?]{0,40}\b(?:bright red|dark red|red and frothy|frothy|pink froth\w*|mouthfuls?|spoonful)\b",
        r"\b(?:blood|red|clots)\b[^.!?]{0,15}\b(?:in|when) (?:i|he|she|my|his|her) (?:throw up|vomit|puke)",
    )
)

# A seizure told by its movements and what comes with them (ビクビク + 硬直, "shaking" + "not
# know me"); not with a fever (shaking chills) nor an eyelid's twitch.
_SHAKING = _p(
    r"がくがく|かくかく|かくんかくん|びくびく|ぴくぴく|びくっ|びくん|ばたばた|がたがた|ぶるぶる|波打|なみう|突っ張|つっぱ|痙攣|けいれん|震え|ふるえ|"
    r"がくんがくん|びちびち|ぴちぴち|跳ね(?:て|る)|はね(?:て|る)|\b(?:shak\w*|jerk\w*|twitch\w*|convuls\w*|thrash\w*|trembl\w*|spasm\w*|jolt\w*|flopp\w*|a fit|banging)\b"
)
_SEIZURE_SIGN = _p(
    r"(?:体|からだ)が[^。、]{0,4}(?:硬く|かたく)なっ|口の端を(?:噛|か)|歯を(?:食い|くい)しば|(?:\d+|数)分(?:たっても|経っても|以上)[^。]{0,4}(?:止まら|とまら)|(?:いまは|今は)全身|\bcan'?t hear me\b|\b(?:body is|is) locked\b|\bfroth\w*|"
    r"(?:目|め|視線)が[^。、]{0,10}(?:戻りませ|もどりませ|戻らな|もどらな|見つめ|みつめ|一点)|一点(?:を)?見つめ|歯ぎしり|はぎしり|歯を食いしば|首が(?:後ろ|うしろ)に(?:そ|反)|"
    r"\b(?:just )?stares\b|\b(?:eyes (?:are )?(?:fixed|weird|staring)|staring (?:off|blankly|into))\b|\bnot (?:hearing|seeing|see) (?:me|us)\b|\bdoesn'?t know i'?m (?:here|there)\b|\bwon'?t look at me\b|\bteeth (?:are )?clenched\b|\bclenched\b|\bwet (?:his|her|their) (?:pants|self|trousers)\b|\bbit (?:his|her) lips?\b|\bbite (?:his|her) lips?\b|\bspit\b|\bnever woke up\b|\bcannot wake\b|\bcan'?t wake\b|"
    r"(?:声(?:を)?かけても|呼んでも|よんでも)[^。]{0,6}(?:聞こえて(?:い)?な|きこえて(?:い)?な)|硬直|こうちょく|白目(?:を|に|で)|泡|あわ(?=を|が|ふ)|舌(?:を)?(?:噛|か)(?:ん|み)|呼んでも|よんでも|反応(?:が)?(?:ない|なし)|意識(?:が)?(?:ない|なく)|目が(?:合わ|あわ)な|(?:口|くち)から[^。]{0,6}(?:よだれ|泡|血)|"
    r"\b(?:bit|bite|bites|biting|bitten) (?:his|her|their) (?:tongue|tounge)\b|\b(?:not|doesn'?t|don'?t|didn'?t|does not) (?:know|recogni[sz]e) (?:me|us|anyone)\b|\bwon'?t respond\b|\bunresponsive\b|\beyes? (?:rolled|rolling)\b|\bfoam\w*|\bstiff as a board\b|\bwent (?:stiff|rigid)\b"
)
_TWITCH_PLACE = _p(r"まぶた|瞼|目の下|目元|めもと|\b(?:eyelids?|eye twitch\w*|under my eye)\b")

# Pus in plain words ("うみでてる", "yellow liquid come out"): at the needle's place only.
_PUS_PLAIN = _p(
    r"うみ(?:が|も)?(?:出|で)(?:て|た|る)|(?:黄色|きいろ|緑|みどり|白)(?:い|っぽい)?(?:汁|しる|液|えき|水)|"
    r"\b(?:yellow|green|greenish|yellowish|white|cloudy|milky|smelly)(?:ish)? (?:liquid|fluid|stuff|goo|gunk|discharge|juice|crust)\b|\b(?:liquid|fluid|stuff|goo|gunk)\b[^.!?]{0,10}\b(?:come|comes|coming|came|leak\w*|ooz\w*|drain\w*) out\b|\b(?:leaking|oozing|weeping) (?:yellow|green|white|pus)\b"
)

# Self-harm as a decision, a plan or a farewell without the words (今日で終わりにしよ,
# ロープ用意した, "pills all lined up", "say goodbye to everyone for me"): a decision or a
# means counts together with a farewell, exhaustion or a time it is meant for.
_END_PLAN = _p(
    r"(?:今日|きょう|今夜|こんや)まで(?:に|で)(?:する|します|しよ|しとく)|(?:準備|じゅんび)(?:して|は)(?:あります|ある|できた|出来た)|"
    r"\b(?:i'?m going tonight|i'?m at peace|at peace with it|i won'?t need (?:them|it|anything)|ive decided|i'?ve decided)\b|"
    r"(?:終わり|おわり|おしまい|お終い)に(?:しよ|する|します|したい|しちゃ)|(?:終わら|おわら)せ(?:る|よう|たい|ます)|けりをつけ|もうやめる|もう終わり|もうおわり|"
    r"\b(?:made up my mind|my mind is made up|i'?m done with (?:everything|it all|life)|this is goodbye|won'?t be (?:here|around)(?! (?:next|on|for|until|tomorrow|this|that|in|at|during|when|from))|will not be (?:here|around)(?! (?:next|on|for|until|tomorrow|this|that|in|at|during|when|from)))\b"
)
_FAREWELL = _p(
    r"これが最後(?:の|に)|最後まで(?:優しく|やさしく)|\bthank you all\b|\b(?:please )?thank the (?:doctor|nurses|staff)\b|"
    r"お別れ(?:を)?(?:言|い|し)|お世話になり|御礼申し上げ|によろし(?:く|ゅう)(?:伝え|つたえ|言|い)|最後に(?:お礼|おれい|一言|ひとこと)|(?:優しさ|やさしさ|ご恩|ごおん)(?:は)?(?:忘れ|わすれ)|"
    r"\b(?:texted|sent|said) (?:me |us )?(?:goodbye|bye)\b|\bsorry for everything\b|\b(?:written|wrote) (?:letters?|notes?) to (?:everyone|everybody|my \w+)\b|\bgave (?:away )?(?:my|his|her) (?:cat|dog|pet|things|stuff)\b|\bthank the clinic\b|"
    r"今までありがとう|いままでありがとう|今までお世話に|お世話になりました|おせわになりました|さようなら|さよなら|みんなによろしく|もう疲れ|もうつかれ|疲れたから|つかれたから|疲れ果て|限界|迷惑(?:を)?かけ|めいわくかけ|楽になり|らくになり|先立つ|遺書|いしょ(?=を|書)|"
    r"\b(?:say goodbye to|tell (?:everyone|everybody|them|my \w+) (?:goodbye|bye|i love)|goodbye (?:to )?everyone|thank you for everything|thanks for everything|so tired of (?:everything|it all)|can'?t do this anymore|a burden|just wanted (?:someone|somebody|you) to know)\b"
)
_MEANS = _p(
    r"(?:橋|はし|屋上|おくじょう|崖|がけ|線路|せんろ|ホームの端)(?:の上|のうえ|の端)?(?:に|で)(?:おる|いる|来|き|立)|\b(?:at|on) the (?:station )?(?:platform|bridge|roof|ledge|edge)\b|\bheart pills\b|\bkept back\b|"
    r"ロープ|縄(?:を)|練炭|れんたん|首吊|首つり|(?:薬|くすり|眠剤|睡眠薬|すいみんやく|安定剤|錠剤)(?:を)?[^。]{0,6}?(?:貯め|貯めて|ため(?:て|た|こ)|溜め|集め|かき集め)|"
    r"\bpills? (?:are |all |now )*(?:lined up|laid out|counted out|in front of me)\b|\b(?:stockpil\w*|hoard\w*|saved up|been saving)\b[^.!?]{0,20}\b(?:pills|meds|medication|tablets)\b|\b(?:bought|got|have) (?:a |the )?rope\b|\bgot a way to (?:make sure|end|do it)\b"
)
_SOON = _p(
    r"今夜|こんや|今晩|こんばん|今日|きょう|全部(?:飲|のむ|のん)|一気に|まとめて|\b(?:tonight|today|all of them|all at once|right now)\b"
)
_DESPAIR = _p(
    r"(?:ぜんぶ|全部|もう)(?:どうでもいい)|うつ|鬱|落ち込ん|おちこん|絶望|ぜつぼう|生きる気力|\b(?:depress\w*|hopeless|suicidal|in a dark place|can'?t see a future|no future)\b"
)
# Affairs put in order: pets and belongings given away, a note written, a date chosen.
_FINAL_ACTS = _p(
    r"(?:回数券|チケット|券)[^。]{0,12}(?:名前に変え|譲|ゆず|あげ|に回し)|(?:もう)?(?:必要なくなる|いらなくなる)|先のことは(?:もう)?考えなくて|"
    r"\b(?:vouchers?|package|sessions?|credits?)\b[^.!?]{0,20}\b(?:go to|give to|transfer(?:red)? to)\b|\bwon'?t be needing\b|\btying up loose ends\b|\bwon'?t be anyone left\b|"
    r"(?:猫|ねこ|犬|いぬ|ペット)[^。]{0,6}(?:預け|あずけ|譲|ゆず|あげ|託)|(?:服|物|もの|荷物|持ち物|私物)[^。]{0,6}(?:全部|ぜんぶ)[^。]{0,4}(?:寄付|処分|捨て|あげ)|身辺(?:の)?整理|今生の暇乞い|書き置き|"
    r"\b(?:given|gave) (?:away )?(?:my|her|his) [a-z' ]{0,25}(?:ring|things|stuff|cat|dog|belongings|jewelry|jewellery)\b|\bwritten down (?:all )?my passwords\b|\beverything is in order\b|\b(?:written|wrote|left) (?:the|a) note\b|\bafter i'?m gone\b|\b(?:picked|chosen|settled on|set) (?:a|the) date\b|\bsettled on (?:this|next) (?:weekend|week)\b|\bhandover notes\b"
)
# Calm after a decision ("I feel calmer than in years", 落ち着く, あとは日曜を待つだけ).
_RESOLVE = _p(
    r"落ち着く|おちつく|待つだけ|まつだけ|決めた|きめた|\b(?:calmer|at peace|i'?ve decided|ive decided|my mind is made up)\b"
)
_UNREACHABLE = _p(
    r"連絡が(?:つかな|とれな|取れな)|電話に(?:出な|でな)|既読(?:に)?ならな|姿が(?:ない|見えな)|"
    r"\b(?:isn'?t|is not|not|won'?t) (?:answering|picking up|replying)\b|\bcan'?t (?:reach|find) (?:him|her|them)\b|\b(?:car|he|she) is gone\b"
)
# Reasons to be away: a goodbye with one of them is a move or a trip.
_AWAY = _p(
    r"キャンプ|登山|引っ越|転勤|転居|海外|帰国|旅行|出張|留学|"
    r"\b(?:moving|move|moved|relocat\w*|travel\w*|trip|vacation|holiday|abroad|overseas|back home|new job|camping|climbing)\b"
)
_NOT_SELF = _p(
    # The object of a decision that is not one's life.
    r"通院|施術|治療|点滴|注射|予約|契約|コース|会員|定期|ダイエット|仕事|しごと|バイト|関係|付き合い|連絡(?:を)?(?:絶|断|やめ|とら|取ら)|飲み忘れ|のみわすれ|"
    r"\b(?:transfer\w*|organi[sz]er|pill ?box|for the week)\b"
)

_SELF_HARM = _p(
    _alt(
        r"死にたい|しにたい|死のう|しのう|死ぬつもり|死んでしまいたい|消えたい|きえたい|消えてしまいたい|いなくなりたい|いなくなった(?:方|ほう)が|いない(?:方|ほう)がいい",
        r"生きて(?:いる|る)意味|いきて(?:い)?るいみ|いきるいみ|生きて(?:い)?ても意味|生きてても|死ぬこと(?:ばかり|ばっかり)?(?:を)?考え|死について考え|生きる意味(?:が|も)?(?:ない|わから)|生きていたくない|生きてたくない|生きるのが(?:つらい|辛い|しんどい|嫌|いや)|生きて(?:い)?るの(?:が|も)(?:つらい|辛い|しんどい|嫌|いや|疲れ|つかれ)|生きてる価値",
        r"生きて(?:い|て)?る意味(?:が|も|って)?(?:ない|無い|なく|ねえ|ね)?|(?:目が|めが)(?:覚め|さめ)(?:なければ|なきゃ|なかったら|ないで)|いない(?:方|ほう)が(?:みんな|皆|楽|らく)",
        r"(?:楽に|らくに)?(?:いなくなれる|死ねる|しねる|消えられる|きえられる)(?:方法|ほうほう)|人生(?:を)?(?:退場|たいじょう|リタイア|りたいあ)|人生から(?:降り|おり)|(?:この世|このよ)に(?:いたくな|居たくな|未練)|明日(?:の朝)?(?:は|って)?(?:もう)?(?:来|こ)ない(?:つもり|ように)|(?:夫|妻|主人|連れ合い|つれあい|家内|母|父|おばぁ|おばあちゃん|ばあちゃん|じいちゃん|おじい|祖母|祖父)の(?:ところ|とこ|所|もと)へ?(?:行き|いき|逝き)たい|海に(?:入|はい)っ[^。]{0,10}(?:帰ら|かえら)|(?:生きとって|生きとっても|いきとっても|生きてて|生きてても)(?:も)?[^。]{0,3}(?:しょうがな|仕方な|しかたな|意味)|電車に飛び込|線路に(?:飛び|とび|入|はい)|(?:梁|はり|鴨居|かもい|木)に(?:紐|ひも|ロープ|縄)|(?:紐|ひも)を(?:かけ|掛け)る",
        r"終わりにしたい|おわりにしたい|全部終わり|ぜんぶおわり|この世に(?:いない|いなく)|この世から|自殺|じさつ|自死|命を絶|いのちをた",
        r"首を(?:吊|つ)|飛び降り|とびおり|手首(?:を)?切|てくび(?:を)?き|リスカ|りすか|リストカット|自傷|じしょう|(?:薬|くすり|睡眠薬|すいみんやく|眠剤|錠剤|安定剤)(?:を|ば)?[^。]{0,8}(?:たくさん|大量|いっぱい|全部|ぜんぶ|まとめて|一瓶|ひとびん|一箱|ひとはこ|ありったけ)[^。]{0,4}(?:飲|のん|のみ)|(?:od|オーバードーズ|おばどず)(?:した|しちゃ|する)|これが最後のメッセージ|遺書|楽になりたい",
        r"\b(?:want(?:ed)? to die|wanna die|wish i (?:was|were) dead|kill(?:ing)? myself|end(?:ing)? (?:my life|it all|everything|things)|suicid\w*|self[- ]?harm\w*|hurt(?:ing)? myself|cut(?:ting)? myself)\b(?! (?:shaving|cooking|by accident|accidentally|on (?:a|the)|while|with (?:a|the) (?:knife|razor)))",
        r"\btook (?:a whole bottle|all (?:my|the|of my) pills|too many pills|an overdose)|\boverdos\w*|\bno (?:point|reason) (?:in |to )?(?:going on|living|live|being here)|\bbetter off (?:dead|without me)",
        r"\b(?:won'?t|will not) be (?:around|here) (?:anymore|much longer)|\bnot be around anymore\b|\bdon'?t (?:really )?want to (?:live|be alive|be here anymore|be here|wake up)|\b(?:just )?not existing\b|\bcan'?t go on\b|\bpills ready\b|\bpills saved up\b|\btonight is the night\b|\bwant to disappear\b|\bnot (?:to )?wake up\b|\b(?:don'?t|do not|can'?t) see (?:the|any) point (?:of|in) (?:living|life|going on)\b|\bthis is my last message\b|\bgoodbye forever\b",
        r"\b(?:step(?:ping)?|jump(?:ing)?|throw(?:ing)? myself|walk(?:ing)?|ly(?:ing)? down|lie down) (?:in front of|under|onto) (?:a |the )?(?:train|truck|car|bus|tracks)\b|\bhow easy it would be\b|\b(?:water|sea|river|ocean|waves?)\b[^.!?]{0,25}\b(?:take me|swallow me)\b|\b(?:stop(?:ped)? existing|cease to exist)\b|\bnobody (?:will|would|'?d) (?:miss me|notice if i|care if i)\b|\bnot (?:gonna|going to) be (?:around|here) (?:much )?(?:longer|anymore)\b|\bno (?:point|reason) (?:in |to )?(?:stay|staying|carry(?:ing)? on|keep(?:ing)? going)\b",
        r"(?:タバコ|たばこ|煙草)の火を[^。]{0,6}(?:押しつけ|押し付け)|(?:壁|かべ)に頭を(?:打ちつけ|打ち付け|ぶつけ)|(?:ここに|この世に)?いる理由が[^。]{0,6}(?:ない|見つからない|みつからない)|"
        r"\b(?:punch|hit|burn|cut|scratch)\w* (?:my|his|her) own\b|\bon purpose\b[^.!?]{0,40}\b(?:burn|cut|hit)\w*|\b(?:burn|cut|hit)\w*\b[^.!?]{0,60}\bon purpose\b|\bcutting (?:my|his|her) (?:arms?|wrists?|legs?|thighs?)\b|"
        r"生きて(?:い)?るの(?:が|も)?(?:つかれ|疲れ|しんど|つら|辛)|手首(?:を)?(?:き|切)っ|\bdone with (?:me|myself)\b|\bi won'?t be around\b(?=\s*(?:[.!]|$))|\bpills in (?:my )?hand\b|"
        r"^(?:もう|わたし|私|僕|ぼく|俺)?(?:は)?消えます(?!か)|\bswallowed (?:everything|all (?:the|my) (?:pills|meds|tablets))\b|\btook everything in\b",
        r"\b(?:took|taken|swallowed|just took|already took)\b[^.!?]{0,20}\b(?:a whole|the whole|all (?:of )?(?:my|the)|a month of|a box of|a bottle of|a handful of|handfuls of)\b[^.!?]{0,25}\b(?:pills|tablets|meds|medication|sleeping)\b",
        r"\bnever wake up\b|\b(?:thinking (?:about|of)|want to|going to|gonna|planning to) end(?:ing)? it\b(?! (?:with|early|there|here))|\btak(?:e|ing) all (?:my|the|of my) pills\b|\btired of (?:living|life|being alive)\b|\bdisappear (?:forever|for good)\b",
    )
)

# Symptom reports: not red flags, but not for the FAQ either.
_SYMPTOMS: dict[str, re.Pattern[str]] = {
    "swelling": _p(
        r"(?:腋|脇|わき)の下[^。]{0,6}(?:ぐりぐり|しこり|腫れ|はれ)|(?:昨日|前|朝)より[^。]{0,6}(?:膨ら|ふくら|腫れ|はれ|大き)|\bpuff(?:y|iness)\b[^.!?]{0,30}\b(?:bigger|worse|growing)\b|"
        r"(?:ぐりぐり|しこり|りんぱ|リンパ)[^。]{0,6}(?:腫れ|はれ)|(?:左右|右と左)で[^。]{0,6}(?:太さ|大きさ|形|かたち)(?:が)?(?:違|ちが)|日に日に[^。]{0,8}(?:ふっくら|ふくら)|(?:足首|あしくび|足|あし)[^。]{0,10}(?:むくん|むくみ)[^。]{0,20}(?:ぱんぱん|日目|続)|"
        r"\b(?:bump|lump|knot)\b[^.!?]{0,60}\b(?:grape|golf ?ball|egg|marble)\b|\barmpit\b[^.!?]{0,30}\bswollen\b|\b(?:puffier|bigger|larger|fatter) (?:day by day|every day|each day)\b|\b(?:ankles?|feet|legs?) balloon\w*|"
        r"(?:しこり|ぽこっ|ぽっこり|こぶ|かたまり)[^。]{0,20}(?:消えな|きえな|とれな|取れな|週間|日たつ|日経|まま|大き|でか|なってる|みたい)|(?:硬く|かたく)なって|(?:まで|全体)(?:が)?(?:腫れ|はれ)|"
        r"(?:腫れ|はれ)(?:が)?(?:ひいてかな|引いていかな|ひいていかな|引いてかな)|日に日に[^。]{0,8}(?:腫れ|はれ|ふくら|膨ら|大き|でか)|(?:むくん|むくみ)[^。]{0,8}(?:ぱんぱん|続|ひかな|引かな|広が|ひろが)|"
        r"(?:リンパ|りんぱ)[^。]{0,4}(?:腫れ|はれ)|(?:内出血|青あざ|あざ)[^。]{0,10}(?:広が|ひろが|大き|おおき)|(?:むくん|むくみ)[^。]{0,12}(?:引かな|ひかな|引きませ|ひきませ|続|日経っても|日たっても)|"
        r"(?:腫れ|はれ|腫れて|しこり|ふくらみ|swelling)[^。]{0,15}(?:大き|おおき|広が|ひろが|ひどく|増|硬|かた|引かな|ひかな|続)|(?:大きく|広が)[^。]{0,6}(?:腫れ|はれ)|"
        r"\blymph nodes?\b|\bglands? (?:feel |are |is |look )?swollen|\bswollen glands?\b|\bpuffy\b[^.!?]{0,30}\b(?:not going away|won'?t go away|for days|a week|still)\b|\b(?:swell\w*|swollen|lump|bump|bruis\w*)\b[^.!?]{0,60}\b(?:bigger|larger|growing|spreading|worse|still|getting|hard|harder|days|every day|each day|not going away|gone down|go down|a week)\b|\b(?:more|still) swollen\b|\b(?:still|hard|pea-sized|new) (?:a )?(?:hard |small )?(?:lump|knot)\b|\blump under the skin\b"
    ),
    "rash": _p(
        r"かゆみ(?:が)?[^。]{0,6}(?:引かな|ひかな|続|ずっと)|ぽつぽつ|\b(?:red|itchy) (?:streaks|blotch\w*|patch\w*)\b|\bblotch\w*|"
        r"\bitchy and (?:flaky|red|bumpy|peeling)\b|発疹|ほっしん|ぶつぶつ|湿疹|しっしん(?!し)|じんましん|蕁麻疹|かぶれ|赤い(?:点|斑点|ぽつぽつ|ぶつぶつ)|みみずばれ|\b(?:rash\w*|hives|welts|bumps all over|red bumps|red spots|itchy spots)\b"
    ),
    # Bleeding easily (gums, bruises nobody explains): it stops, but it is not a usual effect.
    "bleeding": _p(
        r"(?:歯ぐき|歯茎|はぐき)から(?:血|出血)|覚えのない(?:あざ|アザ|痣)|\b(?:gums? bleed\w*|random bruises|bruis\w* (?:easily|for no reason))\b"
    ),
    "numbness": _p(
        r"じんじん|感じ(?:が)?(?:にぶ|鈍)|手袋(?:ごし|越し)|感覚(?:が)?(?:鈍|にぶ|ない|おかし|変|へん)|\bthrough a glove\b|\bfeels? like (?:it'?s not mine|it belongs to someone else|someone else'?s)\b|"
        r"しびれ|痺れ|ぴりぴり|びりびり|感覚が(?:ない|鈍|おかし|にぶ)|麻痺|まひ|\b(?:numb\w*|tingl\w*|pins and needles|can'?t feel (?:my|the) (?:fingers?|hand|arm|leg|foot))\b"
    ),
    "unwell": _p(
        r"目がかすむ|\b(?:blurry|blurred vision)\b|金属(?:っぽい|の)?味|\bmetallic taste\b|足が(?:つ|攣)って|こむら返り|\b(?:leg )?cramps?\b|\bracing heart\w*|\bflutter\w*|耳鳴り|みみなり|立ちくらみ|たちくらみ|黄疸|おうだん|(?:白目|しろめ)[^。]{0,6}(?:黄色|きいろ)|爪の下[^。]{0,8}(?:線|すじ|筋)|ごっそり抜け|(?:脈|心拍)[^。]{0,8}1[0-4]\d|"
        r"(?<![\d/])(?:1[4-9]\d|2\d\d)\s?/\s?(?:9\d|1[0-4]\d)(?![\d/])|"
        r"\b(?:ringing in (?:my|his|her) (?:left |right )?ears?|tinnitus|whites of (?:my|his|her) eyes\b[^.!?]{0,20}\byellow\w*|yellow(?:ish)? (?:eyes|skin)|in clumps|heart rate\b[^.!?]{0,30}\b1[0-4]\d)\b|"
        r"食が細|食欲(?:が)?(?:ない|なく|落ち|おち)|食べられな|お腹(?:が)?ゆる|おなか(?:が)?ゆる|船酔い|ふなよい|胃が(?:ずっと)?(?:むかむか|気持ち悪|重)|目の前(?:が)?[^。、]{0,4}ちかちか|"
        r"\b(?:eat(?:ing)? (?:very )?little|can'?t face food|barely (?:want to )?eat|loose stools?|queasy|stomach'?s? (?:been )?(?:doing somersaults|churning|upset)|drenched in sweat|wiped out|flash\w* in (?:my )?vision)\b|"
        r"吐き気|はきけ|気持ち悪|きもちわる|吐いて|吐いた|嘔吐|おうと|下痢|げり|だるさが(?:抜け|ぬけ|とれ|取れ|続)|体調が(?:悪|わる|すぐれ|おかし)|具合が(?:悪|わる)|気分が(?:悪|わる)(?:く|い)|動悸|どうき|めまい|目まい|ふらふら|ふらつ|"
        r"痛みが(?:ひど|強|増|続|引かな)|食欲(?:が)?な|むかむか|ずっと[^。、]{0,6}(?:だる|しんど)|口内炎|寝汗|ねあせ|充血|目が(?:かゆ|赤)|"
        r"\b(?:nause\w*|vomit\w*|threw up|throwing up|diarrh\w*|unwell|not feeling (?:well|good|great|right)|feel(?:ing)? (?:sick|awful|terrible|off|bad)|dizz\w*|lightheaded|light-headed|palpitat\w*|heart (?:is )?racing|pain (?:is )?(?:getting worse|severe|unbearable)|aches? all over|body aches|no appetite|stomach ?aches?|tummy ?aches?|weak and|night sweats|mouth (?:ulcers|sores)|eyes? (?:have been |are |is )?(?:red|itchy))\b"
    ),
}
_LASTING_PAIN = _p(
    r"(?:痛|いた|だる|重い|おもい)[^。]{0,20}(?:続|ずっと|抜けな|ぬけな|治らな|なおらな|引かな|ひかな|日目|日め|日たっても|日経っても|もう\d+日)|"
    r"\b(?:pain|sore|aches?|aching|achy|hurts?|tired|tender)\b[^.!?]{0,80}\b(?:won'?t go away|still|for days|days? now|not going away|keeps getting worse|getting worse|a week)\b|"
    r"\bstill (?:tender|sore|painful|aching|hurts|hurting)\b"
)

_STAYS = _p(
    r"続|ずっと|毎日|毎晩|治らな|おさまらな|抜けな|日目|日め|日前から|日たって|日経って|週間|とれな|取れな|とれん|ひどい|ひどく|強い|つらい|我慢|市販薬も|"
    r"\b(?:won'?t go away|not going away|still|days?|week|getting worse|bad|severe|every day|constant|lingering|persistent)\b"
)
_CHILLS = _p(r"悪寒|おかん|寒気|さむけ|\b(?:chills|shivering|shivery|rigou?rs)\b")
_LUMP_WORD = _p(
    r"しこり|ぐりぐり|ぷっくり|腫れ|はれ|膨らん|ふくらん|ふくらみ|膨らみ|\b(?:lump|bump|puffy|swollen|swelling)\b"
)
_PAIN_WORD = _p(
    r"痛(?!み止め)|いた(?:い|く|む)|だる|\b(?:pain\w*|sore|aching|achy|aches?|ached|hurts?|burns|burning)\b"
)
_STAYS_LONG = _p(
    r"週間経っても|週間たっても|引かん|ひかん|"
    r"\b(?:persistent|has(?:n'?t| not) eased|day \d+|\d+ days now|(?:for )?(?:\d+|two|three|four|five|six|seven) days)\b|"
    r"日目|日め|\d+日|週間|ずっと|毎日|毎晩|治らな|なおらな|引かな|ひかな|"
    r"\b(?:days|a week|weeks|not going away|won'?t go away|getting worse|every day)\b"
)
_AFTER_TREATMENT = _p(
    r"施術|点滴|注射|治療(?:後|から|のあと)|打って|打った|受けて|受けた|"
    r"\b(?:after (?:the|my)|since (?:the|my)|injection|injected|infusion|drip|iv|treatment|session|shot)\b"
)

# Medical situations a doctor must weigh.
_MEDICAL: dict[str, re.Pattern[str]] = {
    "anticoagulant": _p(
        r"ワーファリン|ワルファリン|エリキュース|イグザレルト|プラザキサ|リクシアナ|バイアスピリン|プラビックス|クロピドグレル|エフィエント|抗凝固|抗血小板|血液(?:を)?サラサラ|血をサラサラ|血液さらさら|"
        r"クレキサン|ヘパリン|\bwar ?for ?in\b|\b(?:clexane|enoxaparin|heparin|fragmin|warfarin|coumadin|eliquis|apixaban|xarelto|rivaroxaban|pradaxa|dabigatran|edoxaban|lixiana|clopidogrel|plavix|blood thinners?|anticoagulants?|antiplatelets?|aspirin)\b"
    ),
    "immunosuppressant": _p(
        r"免疫抑制|めんえきよくせい|ステロイド(?:を|の)?[^。]{0,10}(?:飲|内服|服用|点滴|注射|治療)|プレドニン|プレドニゾロン|メトトレキサート|ﾒﾄﾄﾚｷｻｰﾄ|リウマトレックス|タクロリムス|プログラフ|シクロスポリン|ネオーラル|ヒュミラ|レミケード|生物学的製剤|オルミエント|ゼルヤンツ|リンヴォック|スキリージ|ステラーラ|デュピクセント|コートリル|"
        r"\b(?:immunosuppress\w*|prednisone|prednisolone|steroids? (?:pills?|tablets?|for)|methotrexate|tacrolimus|cyclosporine|humira|remicade|biologics?|tofacitinib|xeljanz|baricitinib|olumiant|upadacitinib|rinvoq|stelara|skyrizi|dupixent|hydrocortisone|dexamethasone|anti-?rejection)\b"
    ),
    "insulin": _p(r"インスリン|インシュリン|メトホルミン|sglt2|\b(?:insulin|metformin)\b"),
    "cancer_treatment": _p(
        r"乳がん|乳癌|(?:がん|癌|ガン)の(?:術後|手術後|治療)|(?:がん|癌|ガン)で[^。]{0,10}(?:治療|手術|療法)|アイソトープ|放射性ヨウ素|リュープリン|ゾラデックス|タモキシフェン|ホルモン(?:の)?(?:注射|療法|治療)|"
        r"抗がん剤|抗癌剤|こうがんざい|化学療法|かがくりょうほう|放射線(?:治療|療法)|がん治療|癌治療|ガン治療|がんの治療|癌の治療|治療中[^。]{0,6}(?:がん|癌)|(?:がん|癌)[^。]{0,8}治療中|免疫療法|キイトルーダ|オプジーボ|ホルモン療法|"
        r"\b(?:chemo\w*|radiation|radiotherapy|immunotherapy|keytruda|opdivo|tamoxifen|cancer treatment|oncologist|treatment for (?:\w+ )?cancer)\b"
    ),
    "pregnancy": _p(
        r"生理(?:が)?(?:こな|来な|遅れ|おくれ)[^。]{0,20}陽性|\btwo pink lines\b|\bpositive pregnancy test\b|胚移植|\b(?:ivf transfer|embryo transfer|two-week wait)\b|(?<!将来)(?<!将来は)妊娠(?!中の(?:人|方|女性)|している(?:人|方)|を(?:考え|希望|予定))|にんしん|妊婦(?!さん(?:は|でも|って))|つわり|検査薬[^。]{0,6}陽性|赤ちゃんが(?:でき|おなかに)|"
        r"\b(?:i'?m|i am|im|just found out (?:i'?m|i am)|turns out i'?m|she'?s|my wife is) (?:\w+ )?pregnant\b|\bpregnan(?:t|cy)\b(?! (?:women|people|ladies|mothers))|\bexpecting a baby\b"
    ),
    "breastfeeding": _p(
        r"授乳|じゅにゅう|母乳|ぼにゅう|搾乳|さくにゅう|\bpumping (?:breast )?milk\b|\bpump and dump\b|\b(?:breast-?feeding|breastfeed|breast milk|nursing (?:my|a) (?:baby|infant|son|daughter))\b"
    ),
    "transplant": _p(
        r"(?<!毛)(?:移植|いしょく)(?!毛)|\b(?<!hair )transplant\w*|\bnew (?:liver|kidney|heart|lungs?)\b"
    ),
    "dialysis": _p(r"透析|とうせき|\b(?:hemo|haemo)?dialysis\b"),
    "clinician": _p(
        r"(?:看護師|看護婦|ナース|なす(?=さん)|医師|先生|せんせい|ドクター|どくたー|院長|お医者)(?:さん|様|さま)?(?:と|に|へ|から|さ)?(?:直接|ちょくせつ)?(?:お|ご)?"
        r"(?:話|はな|相談|そうだん|聞|き(?:き|い)|確認|かくにん|つな|繋|代わ|かわ|診て|みて|見て|電話|でんわ|連絡|れんらく|返事|お願い)|"
        r"(?:看護師|看護婦|ナース|医師|先生|せんせい|ドクター|院長|お医者)(?:さん|様|さま)?(?:に|から|と)[^。？?]{0,20}?(?:診て|みて|見て|話|相談|説明|確認)(?:もらい|もらえ|ほし|欲し|いただき|いただけ|ください|したい|させて)|"
        r"(?:先生|せんせい|医師|看護師)(?:さん)?から(?:直接)?(?:説明|話)(?:を)?(?:聞|き)きたい|"
        r"\b(?:talk|speak|chat|consult|ask|see|call|discuss)\b[^.!?]{0,25}\b(?:nurse|doctor|dr\.?|physician)\b|\b(?:nurse|doctor|dr\.?|physician)\b[^.!?]{0,20}\b(?:call me|look at|check|talk|speak|contact|get back)\b"
    ),
}
_EARLIER = _p(
    r"前回|ぜんかい|この前|前の(?:施術|点滴|注射)|1回目|一回目|初回|先月の(?:施術|点滴)|"
    r"\b(?:(?:during|after) (?:my|his|her) first (?:iv|drip|session|injection)|last time|previous (?:session|treatment|time|iv|drip)|after my (?:first|last|previous) (?:iv|session|drip|injection|treatment)|first session|last session)\b"
)
_REACTION = _p(
    r"反応|アレルギー|じんましん|蕁麻疹|発疹|腫れ|はれ|熱|発熱|吐|気分が悪|気持ち悪|めまい|かゆ|痒|赤く|具合|"
    r"ぱんぱん|気が遠く|きがとおく|ふらつ|ふらふら|倒れ|たおれ|失神|寒気|さむけ|震え|ふるえ|ぶるぶる|どきどき|ドキドキ|止めてもら|"
    r"\b(?:reaction|allerg\w*|rash|hives|swell\w*|fever|vomit\w*|dizzy|itchy|red|sick|faint\w*|blotch\w*|antihistamin\w*|racing|went (?:very )?hot|stopped it|nearly fainted|blood pressure dropped)\b"
)
_MINOR_WORDS = _p(
    r"未成年|中学生|高校生|小学生|こうこうせい|ちゅうがくせい|中学\d年|高校\d年|高\d|中\d(?!\d)|"
    r"\b(?:under[- ]18s?|underage|minors|teenager|high school(?:er)?|middle school)\b|"
    r"\b(?:a|is|am|are|still|for) minors?\b(?=\s*(?:[.,!?)]|$|(?:and|but|so|who|under|aged?|can|could|get|have|receive|allowed)\b))"
)
_AGE = re.compile(
    r"(\d{1,2})\s?(?:歳|才|さい|yo\b|y/o|years? old|-year-old|year old)"
    r"|\b(?:i'?m|i am|is|turned|he'?s|she'?s|aged?|[a-z]+'s) (\d{1,2})\b"
)
_CHILD = _p(
    r"子供|子ども|こども|娘|息子|むすめ|むすこ|\b(?:son|daughter|kid|child|teen|teenager|boy|girl|my \d{1,2} ?yo)\b"
)
_FOR_TREATMENT = _p(
    r"受け|うけ|予約|施術|治療|点滴|注射|\b(?:come in|get|book|treat\w*|receive|allowed|eligible|do it|have it|bring|injections?|iv|drip|exosomes?|sessions?)\b"
)
_ADULT_AGE = 18


def _minor(r: _Reading) -> str | None:
    found = _first(r, _MINOR_WORDS, questions=False)
    if found:
        return found
    for m in r.all(_AGE):
        age = int(m.group(1) or m.group(2))
        own = re.search(r"(?:歳|才|さい)です|\bi'?m \d", m.group() + r.text[m.end() : m.end() + 3])
        if age < _ADULT_AGE and (own or (r.first(_CHILD) and r.first(_FOR_TREATMENT))):
            return m.group()
    return None


def _cosmetic(r: _Reading, hit: str) -> bool:
    """A puffy face or eyelids as a beauty concern ("まぶたが腫れぼったいのが悩み")."""
    at = r.text.find(hit)
    lo, hi = r.sentence(at)
    return bool(r.within(_BEAUTY, lo, hi)) and not r.within(_CURRENT, lo, hi)


def _emergency(r: _Reading) -> tuple[str, str] | None:
    """The first red flag that counts, in the order of EMERGENCY_CATEGORIES."""
    found: dict[str, str] = {}
    for category, pattern in [*_LEX.items(), *_LEX_SEEN]:
        if category in found:
            continue
        hit = _first(r, pattern, resolvable=category in ("collapse", "anaphylaxis", "breathing"))
        if hit and not (category == "anaphylaxis" and _cosmetic(r, hit)):
            found[category] = hit
    hives = _first(r, _HIVES_ALL_OVER)
    if hives and (_first(r, _ANAPHYLAXIS_COMPANION) or "breathing" in found):
        found.setdefault("anaphylaxis", hives)
    headache = _sudden_headache(r)
    if headache:
        found["headache"] = headache
    fever = _first(r, _FEVER)
    companion = _first(r, _SEPSIS_COMPANION)
    if fever and companion:
        found["sepsis"] = f"{fever} … {companion}"
    infected = _infected_site(r, fever)
    if infected:
        found["injection_site"] = infected
    bleeding = _first(r, _BLEEDING, resolvable=True) or _flowing(r)
    if bleeding:
        found["bleeding"] = bleeding
    for category, hit in _told_by_shape(r, fever):
        found.setdefault(category, hit)
    if "sepsis" in found:
        found.pop("collapse", None)  # a fever with drowsiness that won't answer: sepsis says why
    for category in EMERGENCY_CATEGORIES:
        if category in found:
            return category, found[category]
    return None


def _simile(r: _Reading, pattern: re.Pattern[str]) -> str | None:
    """A body part likened to a blow or a weight, unless it is said of feelings or laughed off."""
    for m in r.all(pattern):
        lo, hi = r.sentence(m.start())
        if r.within(_FEELINGS, lo, hi) or r.within(_LAUGH, lo, hi):
            continue
        if _counts(r, m):
            return m.group()
    return None


def _infected_site(r: _Reading, fever: str | None) -> str | None:
    """Pus with the needle's place, a fever or spreading; or a red place that spreads with a
    fever, or is hot and growing (cellulitis does not wait)."""
    pus = _first(r, _PUS)
    site = _first(r, _SITE)
    spreading = _first(r, _SPREADING)
    if pus and (site or fever or spreading):
        return pus
    if (site or r.first(_LIMB)) and spreading and fever and r.first(_RED):
        return f"{site or fever} … {spreading}"
    if site and r.first(_RED) and _first(r, _HOT) and _first(r, _GROWS):
        return site
    warm = _first(r, _HOT)
    if site and warm and _first(r, _LUMP_WORD) and (fever or _first(r, _CHILLS)):
        return f"{site} … {warm}"  # swollen and hot at the needle's place, with fever or chills
    return None


def _sudden_headache(r: _Reading) -> str | None:
    """A headache with a word for its strength or suddenness; or the head named, with two
    of: a sudden onset, never like this, a stiff neck, vomiting, light that hurts."""
    headache = _first(r, _HEADACHE)
    if headache and _first(r, _SEVERE_HEADACHE, questions=False, history=False):
        return headache
    head = _first(r, _HEAD_WORD)
    if not head:
        return None
    kinds: tuple[re.Pattern[str], ...] = (_ONSET, _NEVER_LIKE, _VOMITING, _LIGHT)
    if not r.first(_SLEPT_WRONG):  # a neck slept on wrong explains its own stiffness
        kinds = (*kinds, _NECK)
    signs = [_first(r, pattern) for pattern in kinds]
    told = [sign for sign in signs if sign]
    return f"{head} … {' … '.join(told)}" if len(told) >= 2 else None


def _food_explains(r: _Reading) -> bool:
    """Red vomit explained by what was eaten or drunk, not denied ("haven't had any wine")
    and not a likeness ("it looks like red wine", トマトジュースみたい)."""
    for m in r.all(_RED_FOOD):
        before = r.text[max(0, m.start() - 20) : m.start()]
        after = r.text[m.end() : m.end() + 16]
        if _LIKE_FOOD.search(before) or re.match(r"[^。、]{0,3}(?:みたい|のよう|っぽ|色)", after):
            continue
        if re.match(r"[^。、]{0,10}?(?:飲|の|食|た)[ぁ-ん]{0,3}(?:ない|ません|へん|てない)", after):
            continue
        if _counts(r, m):
            return True
    return False


def _flowing(r: _Reading) -> str | None:
    """Blood that keeps flowing, told by the flow: with blood named, at the needle's place, or
    through a dressing anywhere in the message."""
    for m in r.all(_FLOW):
        lo, hi = r.sentence(m.start())
        if r.within(_NOT_BLOOD, lo, hi) or not _counts(r, m, resolvable=True):
            continue
        if r.first(_BLOOD_WORD) or r.first(_SITE) or r.first(_DRESSING):
            return m.group()
    return None


def _told_by_shape(r: _Reading, fever: str | None) -> Iterator[tuple[str, str]]:
    """Red flags recognised by two halves that each count: a simile, chest pressure with
    where it spreads, vomit with red, pus in plain words at the needle's place with fever,
    shaking with what comes with a seizure."""
    head = _simile(r, _SIMILE_HEAD)
    if head:
        yield "headache", head
    chest = _simile(r, _SIMILE_CHEST)
    if chest:
        yield "chest_pain", chest
    pressure = _first(r, _CHEST_PRESSURE)
    spread = _first(r, _CHEST_SPREAD)
    if pressure and spread and not r.first(_MUSCLE):
        yield "chest_pain", f"{pressure} … {spread}"
    vomit = _first(r, _VOMIT_RED)
    if vomit and not _food_explains(r):
        yield "blood_vomit", vomit
    site = _first(r, _SITE)
    plain = _first(r, _PUS_PLAIN)
    if plain and site and (fever or _first(r, _SPREADING)):
        yield "injection_site", f"{site} … {plain}"
    shaking = _first(r, _SHAKING)
    sign = _first(r, _SEIZURE_SIGN)
    if shaking and sign and not fever and not r.first(_TWITCH_PLACE):
        yield "seizure", f"{shaking} … {sign}"


def _self_harm_plan(r: _Reading) -> str | None:
    """A decision or a means, with a farewell, exhaustion or a time set for it; not when the
    decision is about a treatment or a job, or the absence has a reason (a move, a trip)."""
    if r.first(_AWAY):
        return None
    farewell = _first(r, _FAREWELL)
    plan = _first(r, _END_PLAN)
    despair = _first(r, _DESPAIR)
    if plan and despair and _first(r, _SOON):
        return f"{plan} … {despair}"  # "どうでもいい、今夜おわらせる": read before a booking excuses it
    affairs = _affairs_in_order(r, farewell or plan)
    if affairs or r.first(_NOT_SELF):  # affairs are read before a booking can excuse them
        return affairs
    if plan and farewell:
        return f"{plan} … {farewell}"
    if farewell and _first(r, _DESPAIR) and _first(r, _UNREACHABLE):
        return f"{farewell} … {_first(r, _DESPAIR)}"  # a goodbye sent, then silence
    means = _first(r, _MEANS)
    said = farewell or plan or _first(r, _SOON)
    return f"{means} … {said}" if means and said else None


def _affairs_in_order(r: _Reading, said: str | None) -> str | None:
    """Affairs put in order (a pet given away, a note written, a date picked), with a
    farewell or a decision `said`, calm, despair, a time, or a second such act."""
    final = _first(r, _FINAL_ACTS)
    if not final:
        return None
    acts = {m.group() for m in r.all(_FINAL_ACTS)}
    other = said or _first(r, _RESOLVE) or _first(r, _DESPAIR) or _first(r, _SOON)
    if other or len(acts) > 1:
        return f"{final} … {other or sorted(acts)[-1]}"
    return None


def _symptom(r: _Reading) -> tuple[str, str] | None:
    fever = _first(r, _FEVER)
    if fever:
        return "fever", fever
    headache = _first(r, _HEADACHE)
    if headache and r.first(_STAYS):
        return "headache", headache
    for category, pattern in _SYMPTOMS.items():
        hit = _first(r, pattern, resolvable=category == "unwell")
        if hit:
            return category, hit
    return _lasting(r)


def _lasting(r: _Reading) -> tuple[str, str] | None:
    """Pain, or a lump or swelling, that stays after a treatment."""
    lasting = _first(r, _LASTING_PAIN)
    if lasting and r.first(_AFTER_TREATMENT):
        return "lasting_pain", lasting
    stays = _first(r, _STAYS_LONG)
    lump = _first(r, _LUMP_WORD)
    if lump and stays and r.first(_AFTER_TREATMENT):
        return "swelling", f"{lump} … {stays}"
    pain = _first(r, _PAIN_WORD)
    if pain and stays and r.first(_AFTER_TREATMENT):
        return "lasting_pain", f"{pain} … {stays}"
    return None


_GENERIC_AFTER = _p(
    r"[^。、,]{0,8}?(?:(?:人|ひと)(?!です|なんです|でして|なので|だから)|方(?:は|が|でも|も)|\b(?:people|patients|women|ladies|someone)\b)"
)
_GENERIC_BEFORE = _p(
    r"\b(?:someone|people|patients|anyone|those|somebody) (?:who (?:is|are) )?(?:on|taking|with|who take)\s*$"
)
_STOPPED = _p(
    r"やめ|止めて|中止し|終わ(?:り|った)|終了|寛解|"
    r"\b(?:used to|stopped|quit|no longer|not anymore|finished|completed|in remission|when i was|years? ago|yrs? ago)\b"
)
_RECENT_END = _p(
    r"先月|先週|最近|さいきん|(?:終わ|おわ|終え|おえ|やめ|止め)(?:った|た)ばかり|"
    r"\b(?:just|recently) (?:finished|completed|stopped|ended|done with)\b|\blast (?:week|month)\b|\b(?:a|one|two|three|few|couple of|\d) (?:weeks?|months?) ago\b"
)
_TAKING = _p(
    r"(?:飲んで|のんで|服用|使って|打って|中です|\b(?:take|takes|taking|on|using|currently|now)\b)\s*$"
)


def _personal(r: _Reading, m: re.Match[str]) -> bool:
    """The patient's own situation, not a question about people in general
    ("血液サラサラの薬を飲んでいる人は", "someone on blood thinners") or one that ended."""
    s, e = m.span()
    lo, hi = r.sentence(s)
    if _GENERIC_AFTER.match(r.text, e) or _GENERIC_BEFORE.search(r.text[max(lo, s - 40) : s]):
        return False
    if _TAKING.search(r.text[max(lo, s - 12) : s]):
        return True
    if r.within(_RECENT_END, lo, hi):
        return True  # "just finished radiation last month": a doctor still decides
    return not _STOPPED.search(r.text[max(lo, s - 30) : min(hi, e + 30)])


def _earlier_reaction(r: _Reading) -> str | None:
    """A reaction after an earlier session: a doctor decides about the next one."""
    for earlier in r.all(_EARLIER):
        lo, hi = r.sentence(earlier.start())
        if r.within(_REACTION, lo, hi):
            return earlier.group()
    return None


def _medical(r: _Reading) -> tuple[str, str] | None:
    for category, pattern in _MEDICAL.items():
        for m in r.all(pattern):
            if _personal(r, m) and _counts(r, m, questions=False, history=False):
                return category, m.group()
    minor = _minor(r)
    return ("minor", minor) if minor else None


_MASKS = Lexicons([_IDIOMS])
LEXICONS = Lexicons(
    [
        *_LEX.values(),
        *(pattern for _, pattern in _LEX_SEEN),
        *_SYMPTOMS.values(),
        *_MEDICAL.values(),
        _SENTENCE_END,
        _CLAUSE_BREAK,
        _NOW,
        _NOW_STRONG,
        _CURRENT,
        _PAST,
        _HEARSAY,
        _OTHER_PERSON_PAST,
        _RISK_SENTENCE,
        _RESOLVED,
        _SELF_HARM,
        _FEVER,
        _SEPSIS_COMPANION,
        _SITE,
        _PUS,
        _SPREADING,
        _RED,
        _HOT,
        _GROWS,
        _BEAUTY,
        _LIMB,
        _HEADACHE,
        _SEVERE_HEADACHE,
        _HEAD_WORD,
        _ONSET,
        _NEVER_LIKE,
        _NECK,
        _SLEPT_WRONG,
        _VOMITING,
        _LIGHT,
        _HIVES_ALL_OVER,
        _ANAPHYLAXIS_COMPANION,
        _BLEEDING,
        _LASTING_PAIN,
        _STAYS,
        _PAIN_WORD,
        _LUMP_WORD,
        _CHILLS,
        _STAYS_LONG,
        _AFTER_TREATMENT,
        _TARI_QUESTION,
        _EARLIER,
        _REACTION,
        _MINOR_WORDS,
        _AGE,
        _CHILD,
        _FOR_TREATMENT,
        _HYPOTHETICAL,
        _RECENT_END,
        _SIMILE_HEAD,
        _SIMILE_CHEST,
        _FEELINGS,
        _LAUGH,
        _CHEST_PRESSURE,
        _CHEST_SPREAD,
        _MUSCLE,
        _FLOW,
        _BLOOD_WORD,
        _DRESSING,
        _NOT_BLOOD,
        _RED_FOOD,
        _VOMIT_RED,
        _SHAKING,
        _SEIZURE_SIGN,
        _TWITCH_PLACE,
        _PUS_PLAIN,
        _END_PLAN,
        _FAREWELL,
        _MEANS,
        _SOON,
        _DESPAIR,
        _UNREACHABLE,
        _FINAL_ACTS,
        _RESOLVE,
        _NOT_SELF,
        _AWAY,
    ]
)


def _forms(text: str) -> Iterable[str]:
    """The normalized text, and the same without spaces between Japanese words
    ("いきが できない" is written with spaces by some patients)."""
    norm = normalize(text)
    yield norm
    joined = re.sub(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])", "", norm)
    if joined != norm:
        yield joined


def triage(text: str) -> Triage:
    """The safety outcome for one patient message (any language, any length)."""
    readings = [_read(form) for form in _forms(text)]
    for r in readings:
        found = _emergency(r)
        if found:
            return Triage(Outcome.EMERGENCY, *found)
    for r in readings:
        hit = _first(r, _SELF_HARM, questions=False) or _self_harm_plan(r)
        if hit:
            return Triage(Outcome.SELF_HARM, "self_harm", hit)
    for r in readings:
        earlier = _earlier_reaction(r)
        if earlier:
            return Triage(Outcome.MEDICAL, "earlier_reaction", earlier)
    mention = any(r.dismissed for r in readings)  # red-flag phrases set aside above
    for r in readings:
        found = _symptom(r)
        if found:
            return Triage(Outcome.SYMPTOM, *found, mention=mention)
    for r in readings:
        found = _medical(r)
        if found:
            return Triage(Outcome.MEDICAL, *found, mention=mention)
    return Triage(Outcome.NONE, mention=any(r.dismissed for r in readings))
