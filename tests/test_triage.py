"""Safety triage as tables: each outcome and category, and each context that makes a symptom
word a mere mention (negation, risk question, history, hearsay, idiom, beauty word)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core import decide
from bot.core.decision import Kind, Owner, State
from bot.core.knowledge import Knowledge
from bot.core.safety import asks_for_person
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
        ("主治医の先生に傷の具合を一度見てほしいです", Outcome.MEDICAL, "clinician"),
        (
            "I just finished chemo two weeks ago, is that too soon?",
            Outcome.MEDICAL,
            "cancer_treatment",
        ),
        ("抗がん剤を先月やめたばかりです。受けられますか", Outcome.MEDICAL, "cancer_treatment"),
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


# Kinds of phrasing that name no symptom word: each red flag is told by its shape (a simile,
# a flow that keeps going, vomit with red, a plan with a farewell). The sentences are our own,
# and each kind has harmless sentences of the same shape below.
@pytest.mark.parametrize(
    ("text", "category"),
    [
        # Similes: body part + a blow or a weight + a comparison, in one sentence.
        pytest.param(
            "頭の後ろをハンマーでガツンとやられたみたいな痛みが急にきた",
            "headache",
            id="simile-head-ja",
        ),
        pytest.param(
            "頭の中で何かが爆発したような感じで、そのあとずっとガンガンする",
            "headache",
            id="simile-burst-ja",
        ),
        pytest.param(
            "it feels like somebody smashed my skull with a bat, came on all at once",
            "headache",
            id="simile-head-en",
        ),
        pytest.param(
            "this is the worst my head has ever hurt, it started a minute ago",
            "headache",
            id="worst-head-en",
        ),
        pytest.param("父が急に頭を抱えてうずくまって動けない", "headache", id="holding-head-ja"),
        pytest.param(
            "心臓を誰かにぎゅっと握られてるみたいな感じがずっとしてる",
            "chest_pain",
            id="simile-heart-ja",
        ),
        pytest.param(
            "it's like a belt is being pulled tight around my chest",
            "chest_pain",
            id="simile-chest-en",
        ),
        pytest.param(
            "feels like someone is crushing my heart with both hands",
            "chest_pain",
            id="simile-heart-en",
        ),
        # Chest pressure with where it spreads, or a cold sweat.
        pytest.param("胸がずーんと重たくて、あごの方まで響く", "chest_pain", id="pressure-jaw-ja"),
        pytest.param("胸の奥が重苦しくて脂汗が出てきた", "chest_pain", id="pressure-sweat-ja"),
        pytest.param(
            "heavy feeling in the middle of my chest and it's going down my left arm",
            "chest_pain",
            id="pressure-arm-en",
        ),
        pytest.param(
            "tightness across my chest, and I've broken out in a cold sweat",
            "chest_pain",
            id="pressure-sweat-en",
        ),
        # Bleeding told by what keeps flowing, for how long, how much.
        pytest.param(
            "注射の跡から血がじわじわ出続けてて、ガーゼ2枚目も真っ赤", "bleeding", id="flow-ja"
        ),
        pytest.param(
            "点滴の針を抜いたとこ、押さえても押さえてもにじんでくる",
            "bleeding",
            id="flow-pressing-ja",
        ),
        pytest.param(
            "it keeps dripping from the IV spot, I've been pressing it for 30 minutes",
            "bleeding",
            id="flow-site-en",
        ),
        pytest.param(
            "went through five tissues already, blood still coming from my nose for an hour",
            "bleeding",
            id="flow-nose-en",
        ),
        # Vomit with red, in colloquial words.
        pytest.param("げろに赤いのがまざってた、2回目", "blood_vomit", id="vomit-red-ja"),
        pytest.param("吐いたら洗面所が真っ赤になった", "blood_vomit", id="vomit-sink-ja"),
        pytest.param("I keep puking and it's coming up dark red", "blood_vomit", id="vomit-red-en"),
        pytest.param(
            "my son threw up and there were clots of blood in it",
            "blood_vomit",
            id="vomit-clots-en",
        ),
        # Non-native English and family descriptions.
        pytest.param(
            "my husband fell down and no answer when i call him",
            "collapse",
            id="collapse-nonnative",
        ),
        pytest.param(
            "I can't get him to wake up, he's on the couch and won't move",
            "collapse",
            id="collapse-wake",
        ),
        pytest.param(
            "おじいちゃんが床でのびてて、ゆすっても起きひん", "collapse", id="collapse-dialect"
        ),
        pytest.param("母が呼んでも目を開けへん", "collapse", id="collapse-eyes-dialect"),
        pytest.param("娘の体が硬直してビクンビクンしてる", "seizure", id="seizure-stiff-ja"),
        pytest.param(
            "she was jerking and now she bit her tongue and she doesn't know us",
            "seizure",
            id="seizure-en",
        ),
        pytest.param(
            "父がさっきから言葉がおかしい、ろくに話せない", "stroke", id="stroke-words-ja"
        ),
        pytest.param(
            "my grandma talks strange since this morning and her face one side is down",
            "stroke",
            id="stroke-nonnative",
        ),
        pytest.param(
            "he opens his mouth and only gibberish comes out", "stroke", id="stroke-gibberish"
        ),
        pytest.param("いきがすえへん、くうきがはいってこん", "breathing", id="breathing-dialect"),
        pytest.param("空気が全然足りない感じで、座ってても苦しい", "breathing", id="breathing-air"),
        pytest.param(
            "there's a whistling sound every time she breathes in",
            "breathing",
            id="breathing-whistle",
        ),
        pytest.param(
            "air won't get in no matter how hard I try", "breathing", id="breathing-air-en"
        ),
        pytest.param("口のまわりが紫っぽくなってきた", "cyanosis", id="cyanosis-mouth-ja"),
        pytest.param("his lips have gone a dusky purple color", "cyanosis", id="cyanosis-en"),
        pytest.param(
            "全身ぼこぼこの膨らみが出て、声がかすれてきた", "anaphylaxis", id="hives-hoarse-ja"
        ),
        pytest.param(
            "息がちゃんと入ってこなくて苦しい", "breathing", id="breathing-negative-in-phrase"
        ),
        pytest.param(
            "my dad talk funny and his mouth one side down", "stroke", id="stroke-nonnative-2"
        ),
        pytest.param(
            "my father body shaking and he bite his tongue, blood in mouth",
            "seizure",
            id="seizure-nonnative",
        ),
        pytest.param("she is vomit with red blood many time", "blood_vomit", id="vomit-nonnative"),
        # Pus in plain words at the needle's place, with fever.
        pytest.param("注射したとこから白い汁が出てて熱もある", "injection_site", id="pus-plain-ja"),
        pytest.param(
            "the shot spot is leaking cloudy fluid and I have a fever now",
            "injection_site",
            id="pus-plain-en",
        ),
    ],
)
def test_red_flags_told_without_their_usual_words(text: str, category: str) -> None:
    found = triage(text)
    assert (found.outcome, found.category) == (Outcome.EMERGENCY, category), found
    assert found.evidence


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "もう決めた、今夜で全部終わらせる。お世話になりました", id="decision-farewell-ja"
        ),
        pytest.param("眠剤をずっと集めてて、今日まとめて飲む", id="stockpile-ja"),
        pytest.param("疲れたからもう全部終わりにしたい", id="ending-ja"),
        pytest.param(
            "I've saved up my sleeping pills and tonight I'm taking them all", id="stockpile-en"
        ),
        pytest.param(
            "tell my mom I love her, I won't be around after tonight. thanks for everything",
            id="farewell-en",
        ),
        pytest.param("i have the rope ready, just wanted someone to know", id="means-en"),
    ],
)
def test_self_harm_as_a_plan_or_a_farewell(text: str) -> None:
    found = triage(text)
    assert (found.outcome, found.category) == (Outcome.SELF_HARM, "self_harm"), found


def test_a_red_flag_told_by_two_halves_names_both() -> None:
    found = triage("heavy feeling in the middle of my chest and it's going down my left arm")
    assert found.evidence == "heavy feeling in the middle of my chest … going down my left arm"
    found = triage("注射したとこから白い汁が出てて熱もある")
    assert found.evidence == "注射したとこ … 白い汁"


@pytest.mark.parametrize(
    "text",
    [
        # Similes about feelings, or laughed off.
        pytest.param("頭をガツンと殴られたような衝撃でした、先生の説明を聞いて", id="simile-shock"),
        pytest.param(
            "あのドラマの最終回、胸を締め付けられるような気持ちになった", id="simile-drama"
        ),
        pytest.param(
            "胸が押しつぶされそうな不安で眠れないです。施術の前ってみんなこうですか",
            id="simile-anxiety",
        ),
        pytest.param(
            "that movie felt like someone squeezing my heart, so sad lol", id="simile-movie"
        ),
        # Chest and neck after the gym; flows that are not blood.
        pytest.param("ジムで胸と肩を追い込んだら筋肉痛がひどい", id="gym-ja"),
        pytest.param("after my workout my chest and neck are sore", id="gym-en"),
        pytest.param("鼻水がずっと垂れ続けてる、風邪かな", id="flow-runny-nose"),
        pytest.param("my nose has been running for an hour, just a cold", id="flow-cold"),
        pytest.param(
            "my hair is still dripping after the shower, can I come in with wet hair?",
            id="flow-hair",
        ),
        # Vomit and red that are not vomited blood.
        pytest.param("吐き気がして顔が真っ赤になった", id="nausea-red-face"),
        pytest.param("二日酔いで吐いたけど血は混じってない", id="vomit-no-blood"),
        pytest.param(
            "I threw up after drinking red wine last night, can I still get the drip tomorrow?",
            id="red-wine",
        ),
        # Decisions, means and farewells about something else.
        pytest.param(
            "今日で通院は終わりにしようと思います。今までありがとうございました", id="end-treatment"
        ),
        pytest.param("仕事が疲れたから今日は終わりにする", id="end-work"),
        pytest.param("キャンプ用にロープを用意した、来週施術です", id="rope-camping"),
        pytest.param(
            "I won't be here next week, I'm moving to Osaka, please say goodbye to the nurses for me",
            id="farewell-move",
        ),
        pytest.param(
            "my pills are all lined up in my organizer for the week", id="pills-organizer"
        ),
        pytest.param(
            "飲み忘れた薬が溜まってしまったのですが、まとめて飲んでもいいですか", id="missed-doses"
        ),
        # Not answering a phone; an eyelid's twitch; words about language.
        pytest.param("the clinic did not answer my call yesterday", id="no-answer-call"),
        pytest.param("my son didn't answer my texts all day lol", id="no-answer-texts"),
        pytest.param("まぶたがぴくぴくする、疲れてるのかな", id="eyelid-twitch"),
        pytest.param("日本語の言葉が変だったらすみません", id="words-apology"),
        pytest.param(
            "the consent form is gibberish to me, can someone explain", id="gibberish-form"
        ),
        # Negation, hypotheticals, history, idioms with a laugh, a past event now settled.
        pytest.param("my face isn't drooping at all, just puffy", id="negated-inside"),
        pytest.param("ちょっと頭痛いけど、雷みたいなのとかじゃないです", id="toka-janai"),
        pytest.param(
            "hypothetically if my lips went blue, what would you do?", id="hypothetically"
        ),
        pytest.param(
            "say someone fainted during the drip, would the nurse handle it?", id="say-someone"
        ),
        pytest.param("仮に施術中に息が苦しくなったらどうなりますか", id="kari-ni"),
        pytest.param(
            "子どものころ喘息で息ができなくなったことがあるけど今は平気", id="childhood-koro"
        ),
        pytest.param("請求書見て血を吐きそう笑", id="idiom-laugh-ja"),
        pytest.param("朝の顔のむくみ、倒れるレベルw", id="idiom-level-w"),
        pytest.param(
            "母が先月倒れましたが、今はもう元気です。一緒に行けますか", id="last-month-settled"
        ),
        pytest.param(
            "yellow discharge from my nose and a low fever, just a cold", id="discharge-not-site"
        ),
        pytest.param("トマトジュース飲んでたから吐いたら赤かったけど大丈夫?", id="red-from-food"),
        pytest.param("he talks funny when he's had a few beers haha", id="talks-funny-habit"),
        pytest.param("空気が足りない部屋で施術するんですか?", id="room-air"),
        pytest.param(
            "my chest and back hurt from moving furniture yesterday, just muscle", id="muscle"
        ),
        pytest.param(
            "I'm done with my treatments, thank you for everything, see you next year!",
            id="done-treatments",
        ),
        pytest.param("the news hit me like a hammer to the head, so sad", id="simile-news"),
    ],
)
def test_same_shapes_that_are_not_alarms(text: str) -> None:
    found = triage(text)
    assert found.outcome not in (Outcome.EMERGENCY, Outcome.SELF_HARM), found


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
    "name",
    [
        "dev-shared.tsv",
        "dev-urgent.tsv",
        "dev-nearmiss.tsv",
        "dev-hard.tsv",
        "dev-hard2.tsv",
        "dev-hard3.tsv",
        "dev-hard4.tsv",
        "dev-hard5.tsv",
        "dev-hard6.tsv",
        "dev-hard7.tsv",
    ],
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


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # Air hunger as it looks or sounds.
        ("おとうさんが口をぱくぱくさせてて、しゃべれないくらい息してる", "breathing"),
        ("she's fighting for air and can't finish a sentence", "breathing"),
        ("吸っても吸っても足りない感じがする、今も", "breathing"),
        # Someone who cannot be woken, told in dialect or plainly.
        ("じいちゃん、ゆすっても目ぇ開けへん", "collapse"),
        ("I can't rouse him, he's slumped in the chair", "collapse"),
        # Rhythmic jerking with a fixed stare.
        ("my son's arm keeps jerking in a rhythm and he just stares at the wall", "seizure"),
        ("娘が急にびくんびくんして、目が一点を見つめたまま戻りません", "seizure"),
        # One side, a curtain over the sight, words that come out wrong.
        ("笑ったら右側だけ口が上がらない", "stroke"),
        ("a dark curtain came down over the left half of my eyes", "stroke"),
        ("父の話す内容がめちゃくちゃで、単語がでてこない", "stroke"),
        ("dad can't find his words and keeps leaning to the right", "stroke"),
        # A sudden headache told by its signs, not the word.
        ("あたま いきなり ありえない いたさ くびもいたい", "headache"),
        ("came on in one second, worst thing ever in my head, I threw up", "headache"),
        # Fever told by a number or an image, with chills or confusion.
        ("40.2 and my teeth won't stop clacking", "sepsis"),
        ("he's hot like an oven and doesn't know what day it is", "sepsis"),
        # Bleeding that keeps leaking through dressings.
        ("the IV spot has been leaking for an hour, through every plaster", "bleeding"),
        ("ガーゼ外すたびに血が噴水みたいにぴゅって出る", "bleeding"),
        # Vomit likened to a dark food, or red food denied.
        ("threw up something like black tar twice", "blood_vomit"),
        ("吐いたら真っ赤だった、トマトなんか食べてないのに", "blood_vomit"),
        ("coughed into the sink, bright red and frothy", "blood_vomit"),
        # Lips and fingertips in dialect.
        ("母の唇の青うなっとる", "cyanosis"),
        ("his fingertips have gone kind of purple and grey", "cyanosis"),
        # Anaphylaxis with a gap between the face and the swelling.
        ("注射のあと顔がおもちみたいにぶち腫れてきた", "anaphylaxis"),
        ("my throat feels smaller and smaller since the shot", "anaphylaxis"),
    ],
)
def test_red_flags_told_as_they_look(text: str, category: str) -> None:
    found = triage(text)
    assert (found.outcome, found.category) == (Outcome.EMERGENCY, category), found


@pytest.mark.parametrize(
    "text",
    [
        "I already swallowed a whole box of my sleeping pills",
        "睡眠薬をぜんぶ飲んだ",
        "thinking of stepping in front of a train tonight",
        "ﾓｳ ｺﾉﾖﾆ ｲﾀｸﾅｲ",
        "人生から降りようと思う",
        "nobody would miss me if I stopped existing",
        # A goodbye sent, despair, then silence (about someone else, now).
        "my daughter texted goodbye, she's been depressed and isn't answering her phone",
    ],
)
def test_self_harm_by_means_or_a_silent_goodbye(text: str) -> None:
    assert triage(text).outcome is Outcome.SELF_HARM


@pytest.mark.parametrize(
    "text",
    [
        "I was afraid I'd faint but I was totally fine, can I drive home?",
        "Can these shots make me bleed more if I cut myself shaving?",
        "唇が腫れたり息苦しくなったりといったことは一切ありませんでした",
        "熱もねぇし震えもねぇ、元気だべ",
        "腫れとらんし赤くもなか、化粧はいつからよか？",
        "注射したところが膿んだりすることってありますか？",
        "もし夜に熱が出て震えてきたら連絡していいですか",
        "Should something go wrong at home, is there a number to call?",
        "what percentage of people get throat swelling from this?",
        "my lips look a bit grey in photos, always have been, can exosomes help?",
        "元カレ来るって聞いて白目むいたわ笑",
        "何年か前に親知らずを抜いたとき血が止まらなかったけど今は平気",
        "朝吐いたけど血とか混じってないです",
        "手にべったりクリームを塗っています、注射の前に落とすべき？",
        "拒絶反応みたいなのが起きないか心配です",
    ],
)
def test_new_shapes_that_are_not_alarms(text: str) -> None:
    found = triage(text)
    assert found.outcome not in (Outcome.EMERGENCY, Outcome.SELF_HARM), found


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("背中のじんましんが出たり引いたりして、もう4日目です", "rash"),
        ("点滴してから腕がだるい。昨日からずっと痛いまま", "lasting_pain"),
        ("the bump from the IV went from a pea to a grape", "swelling"),
        ("temp hovering around 38 since yesterday, no chills", "fever"),
        ("注射したあたりの頭皮、さわると手袋ごしみたいな感覚", "numbness"),
        ("feel queasy all day since the infusion, can't face food", "unwell"),
    ],
)
def test_more_symptom_reports(text: str, category: str) -> None:
    found = triage(text)
    assert (found.outcome, found.category) == (Outcome.SYMPTOM, category), found


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("毎日クレキサンを自己注射しています", "anticoagulant"),
        ("私リクシアナ飲んでる人です", "anticoagulant"),
        ("生理がこないので検査したら陽性でした", "pregnancy"),
        ("I'm on hemodialysis three days a week", "dialysis"),
        ("乳がんの術後でホルモン注射を続けています", "cancer_treatment"),
        ("ステロイドを毎朝10mg飲んでいます", "immunosuppressant"),
        ("my boy is 15, can he have the scalp injections?", "minor"),
    ],
)
def test_more_medical_situations(text: str, category: str) -> None:
    found = triage(text)
    assert (found.outcome, found.category) == (Outcome.MEDICAL, category), found


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("ねえこれAI？中の人と話したい", True),
        ("だれか生身の人いますか", True),
        ("先生とビデオ通話できますか", True),
        ("operator pls", True),
        ("I'd rather talk to an actual human", True),
        ("妊娠中の人は受けられますか", False),
    ],
)
def test_requests_for_a_person_by_other_names(text: str, person: bool) -> None:
    assert asks_for_person(text) is person
