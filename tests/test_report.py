"""The unanswered-questions report, pure: grouping by wording (tables), suggestions, periods,
counts against the period before, masking, erased text and rendering."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.knowledge import Knowledge
from bot.faq.rules import OUT_OF_SCOPE
from bot.nlu.language import detect
from bot.nlu.matcher import Ranking
from bot.report import (
    SLACK,
    Features,
    Period,
    Report,
    Suggestion,
    build_report,
    faq_questions,
    group_wordings,
    last_days,
    markdown,
    parse_day,
    seed_reader,
    since_day,
    suggest,
    to_csv,
    wording_features,
)
from bot.store import Unanswered

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
PERIOD = last_days(NOW)

# Questions the FAQ does not answer, each in the ways patients word it: what grouping must
# tell apart (credit card vs PayPay, changing vs cancelling a booking) and bring together
# (katakana, hiragana, typos, polite and casual).
UNCOVERED: dict[str, list[str]] = {
    "parking": [
        "駐車場はありますか",
        "駐車場ありますか？",
        "ちゅうしゃじょうある？",
        "駐車場はありますか。車で行きたいです",
        "do you have parking",
        "is there parking?",
        "Is there a parking lot?",
        "parkng available?",
        "any parking near the clinic",
    ],
    "botox": [
        "ボトックスの値段は",
        "ボトックスはいくらですか",
        "ぼとっくすいくら",
        "how much is botox",
        "botox price?",
        "How much does botox cost",
        "botx price",
        "price of botox injections",
    ],
    "hair_removal": [
        "脱毛の値段は",
        "医療脱毛はいくら",
        "脱毛できますか",
        "how much is hair removal",
        "do you do laser hair removal",
    ],
    "credit_card": [
        "クレジットカード使えますか",
        "クレジットカードは使える？",
        "カード払いできますか",
        "can I pay by credit card",
        "do you take credit cards",
        "Can I pay with a credit card?",
        "credt card ok?",
        "do you accept visa",
    ],
    "paypay": ["paypay使えますか", "PayPayで払えますか", "can I pay by paypay"],
    "reschedule": [
        "予約の変更はできますか",
        "予約を変更したい",
        "予約変更したいです",
        "can I change my appointment",
        "I need to reschedule my appointment",
    ],
    "cancel": [
        "予約をキャンセルしたい",
        "キャンセルしたいです",
        "I want to cancel my appointment",
        "how do I cancel my booking",
    ],
    "station": [
        "最寄り駅はどこですか",
        "最寄駅は？",
        "駅から近いですか",
        "what is the nearest station",
        "nearest station?",
    ],
    "vitamin_c": [
        "ビタミンC点滴はありますか",
        "ビタミン点滴ある？",
        "do you offer vitamin c drips",
        "vitamin C IV?",
    ],
    "english": [
        "英語対応できますか",
        "英語話せるスタッフいますか",
        "do you have english speaking staff",
        "does anyone speak english",
        "Is there an English-speaking doctor?",
    ],
    "wifi": [
        "wifiありますか",
        "Wi-Fi使えますか",
        "is there wifi in the waiting room",
        "do you have free wifi",
    ],
    "sunday": [
        "日曜日もやってますか",
        "日曜は営業してる？",
        "are you open on sundays",
        "open sunday?",
    ],
}


@pytest.fixture(name="features", scope="module")
def _features(knowledge: Knowledge) -> Features:
    return wording_features(faq_questions(knowledge), seed_reader())


def _grouped(texts: list[str], features: Features) -> list[list[str]]:
    return [[texts[i] for i in group] for group in group_wordings(texts, features)]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (
            ["駐車場はありますか", "駐車場ありますか？", "ちゅうしゃじょうある？"],
            [["駐車場はありますか", "駐車場ありますか？", "ちゅうしゃじょうある？"]],
        ),
        (
            ["do you have parking", "is there parking?", "Is there a parking lot?"],
            [["do you have parking", "is there parking?", "Is there a parking lot?"]],
        ),
        (
            ["how much is botox", "botox price?", "how much is hair removal"],
            [["how much is botox", "botox price?"], ["how much is hair removal"]],
        ),
        (
            ["can I pay by credit card", "do you take credit cards", "can I pay by paypay"],
            [["can I pay by credit card", "do you take credit cards"], ["can I pay by paypay"]],
        ),
        (
            ["予約を変更したい", "予約変更したいです", "予約をキャンセルしたい"],
            [["予約を変更したい", "予約変更したいです"], ["予約をキャンセルしたい"]],
        ),
        (
            ["駐車場はありますか", "注射は痛いですか"],
            [["駐車場はありますか"], ["注射は痛いですか"]],
        ),
        (
            ["ボトックスはいくらですか", "ぼとっくすいくら", "how much is botox"],
            [["ボトックスはいくらですか", "ぼとっくすいくら"], ["how much is botox"]],
        ),
        (["???", "！！", "駐車場"], [["???"], ["！！"], ["駐車場"]]),
        ([], []),
    ],
    ids=[
        "kanji-kana-hiragana",
        "english-paraphrases",
        "same-phrasing-other-subject",
        "credit-card-vs-paypay",
        "change-vs-cancel",
        "homophone-kanji",
        "languages-apart",
        "no-features-alone",
        "nothing",
    ],
)
def test_group_wordings(texts: list[str], expected: list[list[str]], features: Features) -> None:
    """Wordings of one question group together; similar phrasing about another does not."""
    assert _grouped(texts, features) == expected


def test_grouping_of_the_labelled_wordings_keeps_its_measure(features: Features) -> None:
    """On `UNCOVERED`, no two questions share a group, and most wordings of one question in one
    language do (the numbers behind `SIMILAR`)."""
    items = [(question, text) for question, texts in UNCOVERED.items() for text in texts]
    groups = group_wordings([text for _, text in items], features)
    label = {index: number for number, group in enumerate(groups) for index in group}
    together = wrong = missed = 0
    for i, j in itertools.combinations(range(len(items)), 2):
        if detect(items[i][1]) != detect(items[j][1]):
            continue
        same, grouped = items[i][0] == items[j][0], label[i] == label[j]
        together += same and grouped
        wrong += grouped and not same
        missed += same and not grouped
    assert together / (together + wrong) >= 0.95
    assert together / (together + missed) >= 0.65


def _letters(text: str) -> Mapping[str, float]:
    return {char: 1.0 for char in text if char != " "}


@pytest.mark.parametrize(
    ("texts", "threshold", "expected"),
    [
        (["abc", "abd", "xyz"], 0.6, [[0, 1], [2]]),
        (["abc", "abd", "xyz"], 0.7, [[0], [1], [2]]),
        (["abcd", "abce", "xyz", "abcf"], 0.7, [[0, 1, 3], [2]]),
        # "cdef" is 0.75 from "bcde" (a single link would chain it in) but 0.67 from the
        # centroid of "abcd" and "bcde", under the threshold.
        (["abcd", "bcde", "cdef"], 0.7, [[0, 1], [2]]),
        (["ab", "cd", "ab"], 0.5, [[0, 2], [1]]),
    ],
    ids=["joins-at-threshold", "stays-under", "many-join", "no-chaining", "order-kept"],
)
def test_group_wordings_mechanics(
    texts: list[str], threshold: float, expected: list[list[int]]
) -> None:
    """Groups in order of their first member; a member joins the closest centroid."""
    assert group_wordings(texts, _letters, threshold) == expected


def _ranking(*scores: tuple[str, float], foreign: int = 0) -> Ranking:
    return Ranking(tuple(scores), unknown_words=0, content_words=1, foreign_words=foreign)


@pytest.mark.parametrize(
    ("ranking", "expected"),
    [
        (_ranking(("cost", 0.4), ("safety", 0.1)), (Suggestion.ADD_EXAMPLE, "cost")),
        (_ranking(("cost", 0.29)), (Suggestion.ADD_EXAMPLE, "cost")),
        (_ranking(("cost", 0.2)), (Suggestion.NEW_TOPIC, None)),
        (_ranking(), (Suggestion.NEW_TOPIC, None)),
        (_ranking((OUT_OF_SCOPE, 0.5), ("cost", 0.4)), (Suggestion.OUT_OF_SCOPE, None)),
        (_ranking((OUT_OF_SCOPE, 0.1), ("cost", 0.05)), (Suggestion.NEW_TOPIC, None)),
        (_ranking(("cost", 0.4), foreign=1), (Suggestion.OUT_OF_SCOPE, None)),
    ],
    ids=[
        "close-topic",
        "at-close",
        "nothing-close",
        "no-score",
        "out-of-scope-first",
        "out-of-scope-far",
        "names-what-is-not-covered",
    ],
)
def test_suggest(ranking: Ranking, expected: tuple[Suggestion, str | None]) -> None:
    """A close topic gets the wording as an example; what is known not to be covered says so."""
    assert suggest(ranking, close=0.29) == expected


def test_periods() -> None:
    """The default is the 7 days up to now; the period before has the same length."""
    assert last_days(NOW) == Period(NOW - timedelta(days=7), NOW)
    assert PERIOD.previous == Period(NOW - timedelta(days=14), NOW - timedelta(days=7))
    since = since_day(date(2026, 11, 1), NOW)
    assert since.start == datetime(2026, 10, 31, 15, 0, tzinfo=UTC)  # midnight in Tokyo
    assert since.previous.end == since.start
    assert since.previous.end - since.previous.start == since.end - since.start


@pytest.mark.parametrize("text", ["2026-13-01", "yesterday", "2026/11/01", "", "20261101"])
def test_parse_day_refuses_what_is_not_a_day(text: str) -> None:
    """Only YYYY-MM-DD is a day; the error says what is expected."""
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_day(text)


def test_since_must_be_in_the_past() -> None:
    """A report cannot start after now."""
    with pytest.raises(ValueError, match="not in the past"):
        since_day(date(2026, 11, 28), NOW)


def _row(
    text: str | None,
    conversation: str = "c1",
    *,
    days_ago: float = 1,
    kind: str = "fallback",
    handed_off: bool = False,
) -> Unanswered:
    return Unanswered(
        at=NOW - timedelta(days=days_ago),
        conversation_id=conversation,
        kind=kind,
        topic="fallback" if kind == "fallback" else "cost",
        lang="ja",
        text=text,
        handed_off=handed_off,
    )


def _report(rows: list[Unanswered], knowledge: Knowledge, features: Features) -> Report:
    return build_report(rows, PERIOD, knowledge, features)


def test_counts_messages_patients_and_the_change(knowledge: Knowledge, features: Features) -> None:
    """A group counts messages and distinct conversations of the period, by kind, and the
    messages of the period before; rows older than both periods are ignored."""
    rows = [
        _row("駐車場はありますか", "c1"),
        _row("駐車場ありますか？", "c1", kind="clarify"),
        _row("ちゅうしゃじょうある？", "c2", handed_off=True),
        _row("駐車場はありますか", "c3", days_ago=10),
        _row("駐車場はありますか", "c4", days_ago=30),  # before both periods
        _row("do you take credit cards", "c5"),
    ]

    report = _report(rows, knowledge, features)

    parking, card = report.groups
    assert parking.wording == "駐車場はありますか"
    assert (parking.messages, parking.patients, parking.previous, parking.change) == (3, 2, 1, 2)
    assert (parking.fallbacks, parking.clarifications, parking.handoffs) == (2, 1, 1)
    assert set(parking.others) == {"駐車場ありますか？", "ちゅうしゃじょうある？"}
    assert (card.messages, card.previous) == (1, 0)
    assert (report.total.messages, report.total.patients, report.total.handoffs) == (4, 3, 1)
    assert (report.total.previous_messages, report.total.previous_patients) == (1, 1)


def test_a_group_asked_only_before_is_counted_as_gone(
    knowledge: Knowledge, features: Features
) -> None:
    """A question of the period before that nobody asked again is not listed, only counted."""
    rows = [_row("駐車場はありますか", days_ago=9), _row("do you take credit cards")]

    report = _report(rows, knowledge, features)

    assert [g.wording for g in report.groups] == ["do you take credit cards"]
    assert report.gone == 1


def test_groups_are_ranked_and_suggested(knowledge: Knowledge, features: Features) -> None:
    """The representative is ranked with the FAQ index: a wording close to a topic is
    suggested as its example (with the file), one near nothing as a new topic."""
    rows = [_row("副作用はありますか"), _row("zzqx wubble florp")]

    report = _report(rows, knowledge, features)

    near = next(g for g in report.groups if g.wording.startswith("副作用"))
    assert near.nearest[0].topic == "side_effects"
    assert (near.suggestion, near.topic, near.topic_file) == (
        Suggestion.ADD_EXAMPLE,
        "side_effects",
        "side_effects.toml",
    )
    far = next(g for g in report.groups if g.wording.startswith("zzqx"))
    assert far.suggestion is Suggestion.NEW_TOPIC


def test_texts_are_masked_and_erased_text_is_counted_not_shown(
    knowledge: Knowledge, features: Features
) -> None:
    """Phone numbers and e-mails never reach the report; rows whose text the retention erased
    count in the totals and on their own line, and no conversation id is shown."""
    rows = [
        _row("電話は090-1234-5678です、折り返しください", "conv-A"),
        _row("mail me at patient@example.com about parking", "conv-B"),
        _row(None, "conv-C"),
        _row("   ", "conv-C"),
        _row(None, "conv-D", days_ago=8),
    ]

    report = _report(rows, knowledge, features)
    outputs = [markdown(report), markdown(report, SLACK), to_csv(report)]

    assert (report.total.messages, report.total.patients) == (4, 3)
    assert (report.erased.messages, report.erased.patients) == (2, 1)
    assert report.erased.previous_messages == 1
    assert sum(g.messages for g in report.groups) == 2
    for output in outputs:
        assert "090-1234-5678" not in output and "patient@example.com" not in output
        assert "電話番号/phone" in output and "メール/email" in output
        assert "conv-" not in output
    assert "counted above but not shown" in outputs[0]
    assert "text_erased" in outputs[2]


def test_same_wording_differently_written_is_one_line(
    knowledge: Knowledge, features: Features
) -> None:
    """Width, case and end punctuation make no new wording; the most frequent form is shown."""
    rows = [
        _row("Do you have PARKING?"),
        _row("do you have parking"),
        _row("do you have parking"),
        _row("ｄｏ ｙｏｕ ｈａｖｅ ｐａｒｋｉｎｇ"),
    ]

    (group,) = _report(rows, knowledge, features).groups

    assert (group.wording, group.others, group.messages) == ("do you have parking", (), 4)


def test_markdown_for_people(knowledge: Knowledge, features: Features) -> None:
    """The summary, then per group counts with the change, nearest topics and the action."""
    rows = [_row("駐車場はありますか", f"c{i}") for i in range(3)]
    rows.append(_row("駐車場はありますか", "c9", days_ago=8))

    text = markdown(_report(rows, knowledge, features))

    assert text.startswith("# Unanswered questions, 2026-11-20 10:00 – 2026-11-27 10:00")
    assert "**3 messages** from 3 patients" in text
    assert "1. **“駐車場はありますか”**" in text
    assert "3 messages from 3 patients (+2; the period before: 1); 3 fallbacks" in text
    assert "nearest topics: `" in text and "suggestion: " in text


def test_empty_report(knowledge: Knowledge, features: Features) -> None:
    """No rows: zero counts and a plain sentence, in Markdown and an empty CSV with its header."""
    report = _report([], knowledge, features)

    assert "**0 messages** from 0 patients" in markdown(report)
    assert "No unanswered question" in markdown(report)
    assert to_csv(report).splitlines() == [to_csv(report).splitlines()[0]]


def test_slack_escapes_and_limits(knowledge: Knowledge, features: Features) -> None:
    """Slack gets its own bold, patient text cannot mention anyone (<!channel>), and only the
    first groups are listed, with a pointer to the full report."""
    rows = [_row("<!channel> 駐車場はありますか")]
    rows += [_row(text) for text in ("do you sell gift cards", "is there wifi", "日曜日も営業？")]

    text = markdown(build_report(rows, PERIOD, knowledge, features, limit=2), SLACK)

    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "*“" in text and "**" not in text
    assert "… and 2 more groups: `python -m bot report` lists them all." in text


def test_markdown_escapes_patient_text(knowledge: Knowledge, features: Features) -> None:
    """Markdown in a patient's message is shown as written, not rendered."""
    text = markdown(_report([_row("**bold** [link](x) `code`")], knowledge, features))

    assert r"\*\*bold\*\* \[link\](x) \`code\`" in text


def test_csv_rows_and_formula_guard(knowledge: Knowledge, features: Features) -> None:
    """One row per group with its numbers; a wording a spreadsheet would run is quoted."""
    rows = [_row('=HYPERLINK("x")', "c1"), _row('=HYPERLINK("x")', "c2"), _row(None, "c3")]

    parsed = list(csv.DictReader(io.StringIO(to_csv(_report(rows, knowledge, features)))))

    group, erased = parsed
    assert group["row"] == "group" and group["wording"] == '\'=HYPERLINK("x")'
    assert (group["messages"], group["patients"], group["change"]) == ("2", "2", "2")
    assert group["suggestion"] in {s.value for s in Suggestion}
    assert erased["row"] == "text_erased" and erased["messages"] == "1"
