"""Business hours: `config/hours.toml` as frozen data, and arithmetic over open time.

The bot tells a patient when staff can answer and how long a wait will be, so it asks "is the
clinic open now", "when does it next open" and "when have N open minutes passed". Admins edit
the TOML by hand, so `load` reports every problem at once as `file:line: message` (positions
come from the TOML scanner in `bot.faq.lint`) and never returns half a schedule. Everything else
is pure: time is an argument, datetimes must be aware, and arithmetic runs in UTC so real minutes
are counted even in a zone with DST. Imports no I/O library.

Japan's national holidays come by rule from `jpholiday` (substitute holidays and 国民の休日
included), not from a list an admin must extend every December; the file holds only the
clinic's own closures. The one piece of state is jpholiday's memo of dates it has worked out.
"""

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from jpholiday import JPHoliday

from bot.faq.source import Key, Problem, SourceMap, name, scan, toml_problem
from bot.lang import Lang

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
CLINIC_TIMEZONE = ZoneInfo("Asia/Tokyo")
HORIZON_DAYS = 60  # closed for longer than this means a config mistake, not a holiday
_KEYS = ("timezone", "national_holidays", "closed", "weekly", "special")
_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")
ClosedDay = date | tuple[int, int]  # a date once, or (month, day) every year
# Our own calendar rather than jpholiday's module-level one, which `jpholiday.register` changes.
_JAPAN = JPHoliday()
_FORMATS: Mapping[Lang, tuple[str, str]] = {
    "ja": ("ja_JP", "y年M月d日(E) H:mm"),  # 2026年12月1日(火) 9:00
    "en": ("en_US", "EEE, MMM d, y, h:mm a"),  # Tue, Dec 1, 2026, 9:00 AM
}


class Span(NamedTuple):
    """One opening of a local day in minutes after midnight; `end` may be 1440 (24:00)."""

    start: int
    end: int


@dataclass(frozen=True)
class BusinessHours:
    """When staff answer: a weekly pattern, closed days, and dated overrides."""

    timezone: ZoneInfo
    weekly: tuple[tuple[Span, ...], ...]  # seven days, Monday first
    closed: frozenset[date]  # the clinic's own closures, once
    special: Mapping[date, tuple[Span, ...]]
    closed_yearly: frozenset[tuple[int, int]] = frozenset()  # (month, day): every year
    national_holidays: bool = True  # closed on Japan's national holidays

    def spans(self, day: date) -> tuple[Span, ...]:
        """The openings of a local date; an override wins, so a holiday can still open."""
        if day in self.special:
            return self.special[day]
        return () if self.closed_on(day) else self.weekly[day.weekday()]

    def closed_on(self, day: date) -> bool:
        """Whether a local date is a closed day: a clinic closure or a national holiday."""
        if day in self.closed or (day.month, day.day) in self.closed_yearly:
            return True
        return self.national_holidays and is_national_holiday(day)


def is_national_holiday(day: date) -> bool:
    """A Japanese national holiday (国民の祝日), substitute holiday (振替休日) or 国民の休日."""
    return _JAPAN.is_holiday(day)


class HoursError(Exception):
    """hours.toml has errors; `problems` lists every one, each with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def load(path: Path) -> BusinessHours:
    """Read the hours file, or raise `HoursError` naming everything an admin must fix."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise HoursError([toml_problem(path, text, error)]) from error
    reader = _Reader(path, scan(text))
    hours = reader.build(data)
    if reader.problems:
        raise HoursError(sorted(reader.problems, key=lambda problem: problem.line))
    return hours


def is_open(hours: BusinessHours, at: datetime) -> bool:
    """Whether staff answer at this instant; an opening includes its start but not its end."""
    local_day = _aware(at).astimezone(hours.timezone).date()
    return any(start <= at < end for start, end in _ranges(hours, local_day))


def next_opening(hours: BusinessHours, at: datetime) -> datetime:
    """`at` when open, else the next opening in clinic time; LookupError past HORIZON_DAYS."""
    if is_open(hours, at):
        return at
    start, _ = next(_ahead(hours, at))
    return start.astimezone(hours.timezone)


def business_minutes_between(hours: BusinessHours, start: datetime, end: datetime) -> float:
    """Open minutes in [start, end], for "how long did this patient wait for staff"."""
    start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    total, day = timedelta(), start.astimezone(hours.timezone).date()
    while day <= end.astimezone(hours.timezone).date():
        for opens, closes in _ranges(hours, day):
            total += max(min(closes, end) - max(opens, start), timedelta())
        day += timedelta(days=1)
    return total / timedelta(minutes=1)


def add_business_minutes(hours: BusinessHours, start: datetime, minutes: float) -> datetime:
    """The earliest moment `minutes` of open time have passed since `start`, in clinic time."""
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    if minutes == 0:
        return _aware(start).astimezone(hours.timezone)
    left, ranges = timedelta(minutes=minutes), _ahead(hours, start)
    while True:
        opens, closes = next(ranges)
        if left <= closes - opens:
            return (opens + left).astimezone(hours.timezone)
        left -= closes - opens


def clinic_zone(hours: BusinessHours | None) -> tzinfo:
    """The clinic's time zone: the one `hours.toml` names, else Asia/Tokyo (no hours file)."""
    return hours.timezone if hours is not None else CLINIC_TIMEZONE


def format_opening(when: datetime, lang: Lang, timezone: tzinfo = CLINIC_TIMEZONE) -> str:
    """A moment as patients read it in their language, on the clinic's clock."""
    locale, pattern = _FORMATS[lang]
    return format_datetime(_aware(when), pattern, tzinfo=timezone, locale=locale)


def _aware(at: datetime) -> datetime:
    # A naive datetime would silently be read as the server's local time.
    if at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone")
    return at


def _ranges(hours: BusinessHours, day: date) -> list[tuple[datetime, datetime]]:
    """The openings of a local date as UTC instants."""
    spans = hours.spans(day)
    return [(_instant(hours, day, span.start), _instant(hours, day, span.end)) for span in spans]


def _instant(hours: BusinessHours, day: date, minute: int) -> datetime:
    clock = time(minute % 1440 // 60, minute % 60)
    local = datetime.combine(day + timedelta(days=minute // 1440), clock, hours.timezone)
    return local.astimezone(UTC)


def _ahead(hours: BusinessHours, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Openings that end after `since`, clipped to begin no earlier; LookupError when none."""
    since = _aware(since).astimezone(UTC)
    day, idle = since.astimezone(hours.timezone).date(), 0
    while idle <= HORIZON_DAYS:
        ranges = [(max(opens, since), ends) for opens, ends in _ranges(hours, day) if ends > since]
        idle = 0 if ranges else idle + 1
        yield from ranges
        day += timedelta(days=1)
    raise LookupError(f"the clinic does not open within {HORIZON_DAYS} days of {since.isoformat()}")


class _Reader:
    """Turns parsed TOML into `BusinessHours`, collecting problems instead of stopping."""

    def __init__(self, path: Path, source: SourceMap) -> None:
        self.path, self.source = path, source
        self.problems: list[Problem] = []

    def fail(self, key: Key, message: str) -> None:
        self.problems.append(Problem(self.path, self.source.line(key), f"{name(key)}: {message}"))

    def build(self, data: dict[str, Any]) -> BusinessHours:
        self.unknown((), {key: value for key, value in data.items() if key != "holidays"}, _KEYS)
        weekly = self.table(data, "weekly")
        self.unknown(("weekly",), weekly, WEEKDAYS)
        for key in WEEKDAYS:
            if key not in weekly:
                self.fail(("weekly",), f"{key} is missing; write {key} = [] for a closed day")
        week = tuple(self.spans(("weekly", key), weekly.get(key, [])) for key in WEEKDAYS)
        national, days = self.closures(data)
        special = {
            self.date(("special", key), key): self.spans(("special", key), ranges)
            for key, ranges in self.table(data, "special").items()
        }
        return BusinessHours(
            self.timezone(data.get("timezone")),
            week,
            frozenset(day for day in days if isinstance(day, date)),
            MappingProxyType({day: spans for day, spans in special.items() if day is not None}),
            frozenset(day for day in days if isinstance(day, tuple)),
            national,
        )

    def closures(self, data: dict[str, Any]) -> tuple[bool, list[ClosedDay | None]]:
        """Whether national holidays close the clinic, and its own closed days."""
        if "holidays" in data:  # the hand-typed list of national holidays, before jpholiday
            self.fail(
                ("holidays",),
                "no longer read: national holidays now come by rule (national_holidays = true);"
                ' list only the clinic\'s own closed days, as closed = ["12-29", "2027-04-30"]',
            )
        national = data.get("national_holidays", True)
        if not isinstance(national, bool):
            self.fail(("national_holidays",), "expected true (closed on them) or false")
            national = True
        closed = data.get("closed", [])
        if not isinstance(closed, list):
            self.fail(("closed",), 'expected a list of dates like "2026-12-29" or "12-29"')
            closed = []
        return national, [self.closure(("closed", i), day) for i, day in enumerate(closed)]

    def unknown(self, table: Key, data: dict[str, Any], known: tuple[str, ...]) -> None:
        for key in sorted(data.keys() - set(known)):
            hint = f"; move it above [{table[0]}]" if table and key in _KEYS else ""
            self.fail((*table, key), f"unknown key; expected one of {', '.join(known)}{hint}")

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if isinstance(value, dict):
            return value
        self.fail((key,), "expected a table")
        return {}

    def timezone(self, value: object) -> ZoneInfo:
        if isinstance(value, str):
            try:
                return ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):  # ValueError: "", "../x", not a TZif file
                pass
        missing = 'missing; write timezone = "Asia/Tokyo"'
        self.fail(("timezone",), missing if value is None else f"unknown time zone {value!r}")
        return CLINIC_TIMEZONE

    def date(self, key: Key, value: object, *, every_year: bool = False) -> date | None:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value  # a bare TOML date: 2026-12-29
        if isinstance(value, str) and _DATE.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        forms = "YYYY-MM-DD, or MM-DD for every year" if every_year else "YYYY-MM-DD"
        self.fail(key, f"{value!r} is not a date ({forms})")
        return None

    def closure(self, key: Key, value: object) -> ClosedDay | None:
        """A closed day: a date once ("2026-10-30"), or a month and day every year ("12-29")."""
        match = _MONTH_DAY.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            return self.date(key, value, every_year=True)
        month, day = int(match[1]), int(match[2])
        try:
            date(2000, month, day)  # a leap year, so 02-29 is a day some years have
        except ValueError:
            self.fail(key, f"{value!r} is not a day of the year (MM-DD)")
            return None
        return month, day

    def spans(self, key: Key, value: object) -> tuple[Span, ...]:
        if not isinstance(value, list):
            self.fail(key, 'expected a list of "HH:MM-HH:MM" ranges; [] when closed')
            return ()
        parsed = [(self.span((*key, index), item), index) for index, item in enumerate(value)]
        found = sorted((span, index) for span, index in parsed if span is not None)
        for (before, _), (after, index) in pairwise(found):
            if after.start < before.end:
                self.fail((*key, index), f"{value[index]!r} overlaps another range of the day")
        return tuple(span for span, _ in found)

    def span(self, key: Key, item: object) -> Span | None:
        match = _RANGE.fullmatch(item.strip()) if isinstance(item, str) else None
        if match is None:
            self.fail(key, f'{item!r} is not a range like "09:00-13:00"')
            return None
        start = self.minute(key, match[1], match[2], end=False)
        end = self.minute(key, match[3], match[4], end=True)
        if start is None or end is None:
            return None
        if end <= start:
            self.fail(key, f"{item!r} ends before it starts")
            return None
        return Span(start, end)

    def minute(self, key: Key, hour: str, minute: str, *, end: bool) -> int | None:
        clock = int(hour) * 60 + int(minute)
        if int(minute) < 60 and (int(hour) < 24 or (end and clock == 1440)):
            return clock
        self.fail(key, f"{hour}:{minute} is not a time of day")
        return None
