"""The unanswered-questions report: what patients asked that the FAQ could not answer.

Admins improve the FAQ by adding the ways patients really ask (README, "For clinic admins"), so
they need to see the questions the bot fell back on or had to ask back about, grouped so that
ten wordings of "is there parking?" are one line, with how many messages and patients, how the
week compares with the one before, the topics each question came closest to, and what to do:
add the wording as an example question to a topic, or write a new topic.

Privacy: the store never returns rows of patients who opted out of storage or erased their
data (`Store.unanswered`); the patient's words are masked as soon as they are read (as on the
staff cards in Slack, `bot.core.masking.mask`); rows whose text the retention already erased are
counted but cannot be shown; no user id is read, and conversation ids are only counted.

`build_report` is pure (rows, period and knowledge in; a `Report` out), `markdown` and
`to_csv` render it, and `unanswered_report` / `slack_report` are the I/O around them for
`python -m bot report` and `/faq-report`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.core.hours import CLINIC_TIMEZONE
from bot.core.knowledge import Knowledge
from bot.core.masking import ADDRESS, DATE, EMAIL, PHONE, mask
from bot.faq.rules import OUT_OF_SCOPE
from bot.lang import LANGS
from bot.nlu.features import Reader, Weights, extract
from bot.nlu.matcher import Ranking
from bot.nlu.normalize import normalize
from bot.nlu.reading import SEED, KanaReader
from bot.store import Store, Unanswered

DEFAULT_DAYS = 7
# A wording joins a group from this cosine with the group's centroid on (IDF-weighted character
# features). Chosen on 64 wordings of 12 questions the FAQ does not answer (`UNCOVERED` in
# tests/test_report.py): every pair of wordings grouped belongs together and 0.70 of the pairs
# in one language that belong together are grouped; at 0.25 a wrong pair appears, at 0.4 recall
# falls to 0.57. A missed pair shows as two lines; a wrong one would hide a question.
SIMILAR = 0.3
# IDF weights raised to this power, so that what sets a question apart (駐車場, botox) counts
# for more than the words every question shares (値段, how much).
IDF_POWER = 3.0
# Word pairs ("can_i", "i_pay") are phrasing, not subject: they grouped "can I pay by credit
# card" with "can I pay by paypay".
_PHRASING = ("b:",)
NEAREST = 3  # topics listed per group
OTHER_WORDINGS = 2  # other wordings quoted per group
SHOWN_CHARS = 100  # a quoted wording is cut after this many characters
SLACK_GROUPS = 10  # groups shown in Slack; the command line shows all

Features = Callable[[str], Mapping[str, float]]

_PLACEHOLDERS = re.compile("|".join(re.escape(label) for label in (PHONE, EMAIL, DATE, ADDRESS)))
_KEY_TRIM = " ?？!！。.,、…〜~"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Period:
    """The instants [start, end) a report covers; `previous` is the same length just before."""

    start: datetime
    end: datetime

    @property
    def previous(self) -> Period:
        """The period of the same length that ends where this one starts."""
        return Period(self.start - (self.end - self.start), self.start)

    def holds(self, at: datetime) -> bool:
        """Whether `at` falls in this period."""
        return self.start <= at < self.end


def last_days(now: datetime, days: int = DEFAULT_DAYS) -> Period:
    """The default period: the `days` days up to `now`."""
    return Period(now - timedelta(days=days), now)


def since_day(day: date, now: datetime) -> Period:
    """From the start of `day` in the clinic's time zone (the day staff mean) up to `now`."""
    start = datetime.combine(day, time(), CLINIC_TIMEZONE)
    if start >= now:
        msg = f"{day.isoformat()} is not in the past"
        raise ValueError(msg)
    return Period(start, now)


def parse_day(text: str) -> date:
    """A `YYYY-MM-DD` day, or ValueError saying what is expected."""
    try:
        if not _DAY.fullmatch(text.strip()):
            raise ValueError(text)
        return date.fromisoformat(text.strip())
    except ValueError:
        msg = f"expected a day as YYYY-MM-DD, got {text!r}"
        raise ValueError(msg) from None


class Suggestion(StrEnum):
    """What an admin can do about a group of questions."""

    ADD_EXAMPLE = "add_example"  # a topic is close: add the wording to its example questions
    NEW_TOPIC = "new_topic"  # nothing in the FAQ is close
    OUT_OF_SCOPE = "out_of_scope"  # closest to what faq/out_of_scope.toml says is not covered


@dataclass(frozen=True)
class Nearest:
    """A topic close to a group's wording, with the index's cosine score."""

    topic: str
    score: float


@dataclass(frozen=True)
class Group:
    """One question, however it was worded: counts for the period and the one before."""

    wording: str  # the most frequent wording, masked
    others: tuple[str, ...]  # a few other wordings, masked
    messages: int
    patients: int  # distinct conversations
    fallbacks: int
    clarifications: int
    handoffs: int  # misses that brought staff in
    previous: int  # messages in the previous period
    nearest: tuple[Nearest, ...]  # FAQ topics, closest first (out_of_scope left out)
    suggestion: Suggestion
    topic: str | None = None  # the topic to add the wording to (ADD_EXAMPLE)
    topic_file: str | None = None  # that topic's file name in faq/

    @property
    def change(self) -> int:
        """Messages compared with the previous period."""
        return self.messages - self.previous


@dataclass(frozen=True)
class Tally:
    """Messages, patients and hand-offs of a period and of the one before."""

    messages: int = 0
    patients: int = 0
    fallbacks: int = 0
    clarifications: int = 0
    handoffs: int = 0
    previous_messages: int = 0
    previous_patients: int = 0


@dataclass(frozen=True)
class Report:
    """What `markdown` and `to_csv` render."""

    period: Period
    groups: tuple[Group, ...]
    total: Tally  # every row of the period, erased text included
    erased: Tally  # rows whose text the retention erased: counted, not shown
    more: int = 0  # groups asked in the period but beyond the limit: not listed
    gone: int = 0  # groups asked in the previous period only
    close: float = 0.0  # the score from which a topic counts as close


def wording_features(
    corpus: Iterable[str], reader: Reader, power: float = IDF_POWER, weights: Weights | None = None
) -> Features:
    """The matcher's character features (`bot.nlu.features.extract`: bigrams, kana readings,
    English stems and trigrams; not its word pairs) weighted by how rare each is in `corpus`
    (the FAQ's example questions), so wordings are compared on what they are about."""
    weights = weights or Weights()
    df: Counter[str] = Counter()
    n = 0
    for text in corpus:
        df.update(extract(text, reader, weights).keys())
        n += 1

    def features(text: str) -> dict[str, float]:
        bag = extract(text, reader, weights)
        return {
            key: tf * (math.log((n + 1) / (df[key] + 1)) + 1.0) ** power
            for key, tf in bag.items()
            if not key.startswith(_PHRASING)
        }

    return features


def group_wordings(
    texts: Sequence[str], features: Features, threshold: float = SIMILAR
) -> list[list[int]]:
    """Indexes of `texts` grouped by similar wording, groups in order of their first member.

    Each text, in the order given (most asked first), joins the group whose centroid (the sum
    of its members' unit vectors) is most similar to it, at `threshold` or above, or starts a
    new group. A centroid follows what the members share, so a group neither depends on which
    wording came first nor drifts through a chain of near neighbours to another question.
    """
    groups: list[list[int]] = []
    centroids: list[dict[str, float]] = []
    norms: list[float] = []  # each centroid's length, kept up to date as members join
    holding: dict[str, list[int]] = {}  # feature -> the groups whose centroid has it
    for index, text in enumerate(texts):
        vector = _unit(features(text))
        dots: dict[int, float] = {}  # only groups sharing a feature can be similar at all
        for key, value in vector.items():
            for group in holding.get(key, ()):
                dots[group] = dots.get(group, 0.0) + value * centroids[group][key]
        scores = {group: dot / norms[group] for group, dot in dots.items()}
        best = min(scores, key=lambda group: (-scores[group], group), default=None)
        if best is None or scores[best] < threshold:
            best = len(groups)
            groups.append([])
            centroids.append({})
        groups[best].append(index)
        centroid = centroids[best]
        for key, value in vector.items():
            if key not in centroid:
                holding.setdefault(key, []).append(best)
            centroid[key] = centroid.get(key, 0.0) + value
        norm = math.sqrt(sum(value * value for value in centroid.values())) or 1.0
        if best == len(norms):
            norms.append(norm)
        else:
            norms[best] = norm
    return groups


def _unit(vector: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(value * value for value in vector.values()))
    return {key: value / norm for key, value in vector.items()} if norm else {}


def for_matching(masked: str) -> str:
    """A masked text without its placeholders: a phone number says nothing about the topic."""
    return _PLACEHOLDERS.sub(" ", masked)


def suggest(ranking: Ranking, close: float) -> tuple[Suggestion, str | None]:
    """The action for a wording, from its ranking against the FAQ: a wording naming what only
    the out-of-scope examples name ("botox"), or closest to them, is known not to be covered;
    otherwise the best topic at `close` or above gets it as an example; else a new topic."""
    best = ranking.best
    if ranking.foreign_words or (best is not None and best[0] == OUT_OF_SCOPE and best[1] >= close):
        return Suggestion.OUT_OF_SCOPE, None
    if best is None or best[1] < close:
        return Suggestion.NEW_TOPIC, None
    return Suggestion.ADD_EXAMPLE, best[0]


@dataclass
class _Wording:
    """Every row of one normalised wording, with the masked forms it was written in."""

    rows: list[tuple[Unanswered, bool]] = field(default_factory=list)  # (row, in the period)
    forms: Counter[str] = field(default_factory=Counter)

    @property
    def current(self) -> int:
        return sum(1 for _, now in self.rows if now)

    @property
    def shown(self) -> str:
        return self.forms.most_common(1)[0][0]


def _key(masked: str) -> str:
    return normalize(masked).strip(_KEY_TRIM)


def _tally(rows: Sequence[tuple[Unanswered, bool]]) -> Tally:
    now = [row for row, current in rows if current]
    before = [row for row, current in rows if not current]
    return Tally(
        messages=len(now),
        patients=len({row.conversation_id for row in now}),
        fallbacks=sum(row.kind == "fallback" for row in now),
        clarifications=sum(row.kind == "clarify" for row in now),
        handoffs=sum(row.handed_off for row in now),
        previous_messages=len(before),
        previous_patients=len({row.conversation_id for row in before}),
    )


def build_report(
    rows: Iterable[Unanswered],
    period: Period,
    knowledge: Knowledge,
    features: Features,
    limit: int | None = None,
) -> Report:
    """Group the rows of `period` and of the period before by wording, and rank the
    representative of each group asked in `period` (the `limit` most asked) against the FAQ.
    Rows outside both periods are ignored."""
    previous = period.previous
    placed = [
        (row, period.holds(row.at))
        for row in rows
        if period.holds(row.at) or previous.holds(row.at)
    ]
    erased = [(row, now) for row, now in placed if not (row.text or "").strip()]
    wordings: dict[str, _Wording] = {}
    for row, now in placed:
        if (row.text or "").strip():
            masked = " ".join(mask(row.text or "").split())
            wording = wordings.setdefault(_key(masked), _Wording())
            wording.rows.append((row, now))
            wording.forms[masked] += 1
    ordered = sorted(wordings.values(), key=lambda w: (-w.current, -len(w.rows)))
    clusters = [
        [ordered[i] for i in members]
        for members in group_wordings([for_matching(w.shown) for w in ordered], features)
    ]
    counted = [(members, _tally([r for m in members for r in m.rows])) for members in clusters]
    asked = sorted(
        ((members, tally) for members, tally in counted if tally.messages),
        key=lambda item: (
            -item[1].messages,
            -item[1].patients,
            -item[1].handoffs,
            item[0][0].shown,
        ),
    )
    listed = asked if limit is None else asked[:limit]
    th = knowledge.thresholds
    close = (th.floor + th.answer) / 2  # half-way from "nothing close" to "answered outright"
    return Report(
        period=period,
        groups=tuple(_group(members, tally, knowledge, close) for members, tally in listed),
        total=_tally(placed),
        erased=_tally(erased),
        more=len(asked) - len(listed),
        gone=len(counted) - len(asked),
        close=close,
    )


def _group(members: Sequence[_Wording], tally: Tally, knowledge: Knowledge, close: float) -> Group:
    """A group with its counts, ranked by its representative (its most asked wording)."""
    wording = members[0].shown
    ranking = knowledge.index.rank(for_matching(wording), limit=NEAREST + 1)
    suggestion, topic = suggest(ranking, close)
    found = knowledge.faq.topics.get(topic) if topic else None
    return Group(
        wording=wording,
        others=tuple(member.shown for member in members[1 : 1 + OTHER_WORDINGS]),
        messages=tally.messages,
        patients=tally.patients,
        fallbacks=tally.fallbacks,
        clarifications=tally.clarifications,
        handoffs=tally.handoffs,
        previous=tally.previous_messages,
        nearest=_nearest(ranking),
        suggestion=suggestion,
        topic=topic,
        topic_file=found.path.name if found else None,
    )


def _nearest(ranking: Ranking) -> tuple[Nearest, ...]:
    found = [Nearest(t, round(score, 2)) for t, score in ranking.scores if t != OUT_OF_SCOPE]
    return tuple(found[:NEAREST])


# Rendering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """How one destination marks up a report: Markdown for the terminal, mrkdwn for Slack."""

    heading: Callable[[str], str]
    bold: Callable[[str], str]
    escape: Callable[[str], str]
    code: Callable[[str], str]


def _markdown_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links and mentions (<!channel>): its three escapes keep text text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MARKDOWN = Style(
    heading=lambda text: f"# {text}",
    bold=lambda text: f"**{text}**",
    escape=_markdown_escape,
    code=lambda text: f"`{text}`",
)
SLACK = Style(
    heading=lambda text: f"*{text}*",
    bold=lambda text: f"*{text}*",
    escape=_slack_escape,
    code=lambda text: f"`{text}`",
)


def _quoted(text: str, style: Style) -> str:
    text = " ".join(text.split())
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return f"“{style.escape(text)}”"


def _day(at: datetime) -> str:
    return at.astimezone(CLINIC_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _change(group: Group) -> str:
    if not group.previous:
        return "new"
    return f"{group.change:+d}" if group.change else "±0"


def _action(group: Group, style: Style) -> str:
    if group.suggestion is Suggestion.ADD_EXAMPLE and group.topic:
        where = f" ({style.code('faq/' + group.topic_file)})" if group.topic_file else ""
        return f"add as an example question to {style.code(group.topic)}{where}"
    if group.suggestion is Suggestion.OUT_OF_SCOPE:
        return (
            f"listed as not covered ({style.code('faq/out_of_scope.toml')}): "
            "a new topic if the clinic wants the bot to answer it"
        )
    return "no topic is close: a new topic"


def markdown(report: Report, style: Style = MARKDOWN) -> str:
    """The report as text for people: a summary, then one numbered entry per group."""
    total, period = report.total, report.period
    days = round((period.end - period.start) / timedelta(days=1), 1)
    lines = [
        style.heading(f"Unanswered questions, {_day(period.start)} – {_day(period.end)}")
        + f" ({CLINIC_TIMEZONE.key})",
        "",
        f"{style.bold(_plural(total.messages, 'message'))} from "
        f"{_plural(total.patients, 'patient')} the bot could not answer "
        f"({_plural(total.fallbacks, 'fallback')}, "
        f"{_plural(total.clarifications, 'clarification')}; "
        f"{_plural(total.handoffs, 'hand-off')} to staff). "
        f"The {days:g} days before: {_plural(total.previous_messages, 'message')} from "
        f"{_plural(total.previous_patients, 'patient')}.",
        "Wordings are grouped by similarity and masked as in Slack; patients who opted out "
        "of storage or deleted their data are left out. Topics are scored from 0 to 1 by the "
        f"bot's matcher; from {report.close:.2f} one is close enough to take a wording as an "
        "example question.",
    ]
    if report.erased.messages or report.erased.previous_messages:
        erased = report.erased
        lines.append(
            f"Text erased after the retention: {_plural(erased.messages, 'message')} "
            f"(the period before: {erased.previous_messages}), counted above but not shown."
        )
    if not report.groups:
        lines += ["", "No unanswered question with its text kept in this period."]
    for number, group in enumerate(report.groups, 1):
        lines += ["", _entry(number, group, style)]
    if report.more:
        lines += [
            "",
            f"… and {_plural(report.more, 'more group')}: {style.code('python -m bot report')}"
            " lists them all.",
        ]
    if report.gone:
        lines += [
            "",
            f"{_plural(report.gone, 'question')} asked the period before "
            f"{'was' if report.gone == 1 else 'were'} not asked again.",
        ]
    return "\n".join(lines) + "\n"


def _entry(number: int, group: Group, style: Style) -> str:
    kinds = [
        _plural(group.fallbacks, "fallback") if group.fallbacks else "",
        _plural(group.clarifications, "clarification") if group.clarifications else "",
        _plural(group.handoffs, "hand-off") if group.handoffs else "",
    ]
    parts = [
        f"{number}. {style.bold(_quoted(group.wording, style))}",
        f"    - {_plural(group.messages, 'message')} from {_plural(group.patients, 'patient')}"
        f" ({_change(group)}; the period before: {group.previous}); "
        + ", ".join(kind for kind in kinds if kind),
    ]
    if group.others:
        others = ", ".join(_quoted(other, style) for other in group.others)
        parts.append(f"    - also asked as {others}")
    nearest = ", ".join(f"{style.code(n.topic)} {n.score:.2f}" for n in group.nearest) or "none"
    parts.append(f"    - nearest topics: {nearest}")
    parts.append(f"    - suggestion: {_action(group, style)}")
    return "\n".join(parts)


CSV_COLUMNS = (
    "row",
    "period_start",
    "period_end",
    "wording",
    "other_wordings",
    "messages",
    "patients",
    "fallbacks",
    "clarifications",
    "handoffs",
    "previous_messages",
    "change",
    "nearest_topics",
    "suggestion",
    "suggested_topic",
)


def _cell(text: str) -> str:
    """Text as a spreadsheet shows it, never as a formula it would run (=, +, -, @)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(report: Report) -> str:
    """One row per group, then one for the messages whose text the retention erased."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    start, end = _day(report.period.start), _day(report.period.end)
    for group in report.groups:
        writer.writerow(
            (
                "group",
                start,
                end,
                _cell(group.wording),
                " | ".join(_cell(other) for other in group.others),
                group.messages,
                group.patients,
                group.fallbacks,
                group.clarifications,
                group.handoffs,
                group.previous,
                group.change,
                " ".join(f"{n.topic}:{n.score:.2f}" for n in group.nearest),
                group.suggestion.value,
                group.topic or "",
            )
        )
    erased = report.erased
    if erased.messages or erased.previous_messages:
        writer.writerow(
            (
                "text_erased",
                start,
                end,
                "",
                "",
                erased.messages,
                erased.patients,
                erased.fallbacks,
                erased.clarifications,
                erased.handoffs,
                erased.previous_messages,
                erased.messages - erased.previous_messages,
                "",
                "",
                "",
            )
        )
    return out.getvalue()


# I/O ----------------------------------------------------------------------------------------


def seed_reader() -> KanaReader:
    """Kana readings of the FAQ's kanji words as shipped (`bot/nlu/readings.json`): enough to
    compare 駐車場 with ちゅうしゃじょう, without loading pykakasi for a report."""
    readings = json.loads(SEED.read_text(encoding="utf-8"))
    return KanaReader(readings, readings)


def faq_questions(knowledge: Knowledge) -> list[str]:
    """Every example question of the FAQ, out-of-scope ones included: the IDF corpus."""
    faq = knowledge.faq
    questions = [
        q for topic in faq.topics.values() for lang in LANGS for q in topic.entry(lang).questions
    ]
    return questions + [q for lang in LANGS for q in faq.out_of_scope.get(lang, ())]


async def unanswered_report(
    store: Store, knowledge: Knowledge, period: Period, limit: int | None = None
) -> Report:
    """Read the period and the one before from the store and build the report (in a thread:
    grouping a busy fortnight takes a moment the event loop should not wait for)."""
    rows = await store.unanswered(period.previous.start, period.end)
    return await asyncio.to_thread(_build, rows, period, knowledge, limit)


def _build(
    rows: Sequence[Unanswered], period: Period, knowledge: Knowledge, limit: int | None
) -> Report:
    features = wording_features(faq_questions(knowledge), seed_reader())
    return build_report(rows, period, knowledge, features, limit)


SLACK_USAGE = "Usage: /faq-report [YYYY-MM-DD] (from that day; default: the last 7 days)"


async def slack_report(
    store: Store, knowledge: Knowledge, now: datetime, text: str, in_staff_channel: bool
) -> str:
    """`/faq-report [YYYY-MM-DD]`: the report in Slack's mrkdwn, for the asker alone.

    Only in the staff channel: the report quotes patients (masked), and that channel is
    where staff already read them on hand-off cards.
    """
    if not in_staff_channel:
        return "/faq-report quotes patients' questions: run it in the staff channel."
    try:
        period = since_day(parse_day(text), now) if text.strip() else last_days(now)
    except ValueError as err:
        return f"{err}\n{SLACK_USAGE}"
    report = await unanswered_report(store, knowledge, period, limit=SLACK_GROUPS)
    return markdown(report, SLACK)
