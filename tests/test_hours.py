"""Business hours: open or closed, the next opening, waits in open minutes, dates as patients read.

Inputs are UTC instants, as the webhook and the store hand them over; each id says what the
instant is on the clinic's clock (Asia/Tokyo, UTC+9 all year). December 2026 starts on a Tuesday.
"""

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.hours import (
    BusinessHours,
    HoursError,
    add_business_minutes,
    business_minutes_between,
    format_opening,
    is_open,
    load,
    next_opening,
)
from bot.lang import Lang

ROOT = Path(__file__).resolve().parents[1]
TOKYO = ZoneInfo("Asia/Tokyo")

# The shipped schedule's shape: national holidays by rule (2026-11-03 and 2026-11-23 here), the
# year-end break every year, and one closure of the clinic's own (a Friday).
HOURS_TOML = """\
timezone = "Asia/Tokyo"
national_holidays = true
closed = [
    "2026-10-30",
    "12-29", "12-30", "12-31", "01-01", "01-02", "01-03",
]

[weekly]
mon = ["09:00-13:00", "14:30-18:00"]
tue = ["09:00-13:00", "14:30-18:00"]
wed = ["09:00-13:00", "14:30-18:00"]
thu = ["09:00-13:00", "14:30-18:00"]
fri = ["09:00-13:00", "14:30-18:00"]
sat = ["09:00-13:00"]
sun = []

[special]
2026-12-28 = ["09:00-12:00"]
2026-11-23 = ["10:00-12:00"]
"""


def utc(text: str) -> datetime:
    """An instant written in UTC: "2026-12-04 08:55"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def jst(text: str) -> datetime:
    """An instant written on the clinic's clock."""
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def write(directory: Path, text: str) -> Path:
    """`text` saved as hours.toml in `directory`."""
    path = directory / "hours.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(name="hours")
def _hours(tmp_path: Path) -> BusinessHours:
    return load(write(tmp_path, HOURS_TOML))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param("2026-12-01 00:00", True, id="tue-09:00-opening-minute"),
        pytest.param("2026-11-30 23:59", False, id="tue-08:59-monday-in-utc"),
        pytest.param("2026-12-01 03:59", True, id="tue-12:59-before-lunch"),
        pytest.param("2026-12-01 04:00", False, id="tue-13:00-lunch-starts"),
        pytest.param("2026-12-01 05:29", False, id="tue-14:29-still-lunch"),
        pytest.param("2026-12-01 05:30", True, id="tue-14:30-afternoon"),
        pytest.param("2026-12-01 08:59", True, id="tue-17:59-last-minute"),
        pytest.param("2026-12-01 09:00", False, id="tue-18:00-closed"),
        pytest.param("2026-12-01 14:30", False, id="tue-23:30-evening"),
        pytest.param("2026-12-01 15:30", False, id="wed-00:30-night-tuesday-in-utc"),
        pytest.param("2026-12-05 03:30", True, id="sat-12:30-morning"),
        pytest.param("2026-12-05 04:00", False, id="sat-13:00-closed"),
        pytest.param("2026-12-06 01:00", False, id="sun-10:00"),
        pytest.param("2026-11-03 01:00", False, id="holiday-tue-10:00"),
        pytest.param("2026-11-23 01:00", True, id="holiday-with-special-opening-10:00"),
        pytest.param("2026-11-23 00:30", False, id="special-opening-09:30-before-it"),
        pytest.param("2026-12-28 02:59", True, id="short-last-day-11:59"),
        pytest.param("2026-12-28 03:00", False, id="short-last-day-12:00"),
        pytest.param("2026-12-30 01:00", False, id="year-end-wed-10:00"),
        pytest.param("2027-01-04 00:00", True, id="first-day-back-09:00"),
    ],
)
def test_is_open(hours: BusinessHours, at: str, expected: bool) -> None:
    """An opening includes its first minute and excludes its closing minute, on Tokyo dates."""
    assert is_open(hours, utc(at)) is expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param("2026-11-30 23:00", "2026-12-01 09:00", id="tue-08:00-opens-at-nine"),
        pytest.param("2026-12-01 04:00", "2026-12-01 14:30", id="tue-lunch-afternoon"),
        pytest.param("2026-12-01 09:00", "2026-12-02 09:00", id="tue-18:00-next-morning"),
        pytest.param("2026-12-01 15:30", "2026-12-02 09:00", id="wed-00:30-same-morning"),
        pytest.param("2026-12-04 12:00", "2026-12-05 09:00", id="fri-evening-saturday"),
        pytest.param("2026-12-05 04:00", "2026-12-07 09:00", id="sat-13:00-monday"),
        pytest.param("2026-12-06 01:00", "2026-12-07 09:00", id="sun-monday"),
        pytest.param("2026-11-02 09:30", "2026-11-04 09:00", id="mon-evening-skips-holiday"),
        pytest.param("2026-11-22 12:00", "2026-11-23 10:00", id="special-opening-time"),
        pytest.param("2026-12-28 03:00", "2027-01-04 09:00", id="year-end-break"),
        pytest.param("2026-12-31 15:00", "2027-01-04 09:00", id="new-years-midnight"),
    ],
)
def test_next_opening_when_closed(hours: BusinessHours, at: str, expected: str) -> None:
    """A closed clinic next opens at the first opening strictly after the moment asked about."""
    opening = next_opening(hours, utc(at))

    assert opening == jst(expected)
    assert opening.tzinfo == TOKYO


def test_next_opening_when_open(hours: BusinessHours) -> None:
    """An open clinic is open now, so the moment itself comes back."""
    at = utc("2026-12-01 01:23")

    assert next_opening(hours, at) is at


def test_next_opening_gives_up(tmp_path: Path) -> None:
    """A schedule that never opens again fails loudly instead of searching forever."""
    never = HOURS_TOML.replace('sat = ["09:00-13:00"]', "sat = []")
    never = never.replace('["09:00-13:00", "14:30-18:00"]', "[]")

    with pytest.raises(LookupError, match="60 days"):
        next_opening(load(write(tmp_path, never)), utc("2027-01-01 00:00"))


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        pytest.param("2026-12-01 01:00", 30, "2026-12-01 10:30", id="tue-10:00-within-morning"),
        pytest.param("2026-12-01 03:50", 20, "2026-12-01 14:40", id="tue-12:50-across-lunch"),
        pytest.param("2026-12-01 08:30", 30, "2026-12-01 18:00", id="tue-17:30-exactly-closing"),
        pytest.param("2026-12-04 08:55", 15, "2026-12-05 09:10", id="fri-17:55-to-saturday"),
        pytest.param("2026-12-05 03:55", 10, "2026-12-07 09:05", id="sat-12:55-to-monday"),
        pytest.param("2026-12-06 01:00", 15, "2026-12-07 09:15", id="sun-starts-at-opening"),
        pytest.param("2026-11-02 08:50", 20, "2026-11-04 09:10", id="mon-17:50-over-holiday"),
        pytest.param("2026-12-28 02:50", 20, "2027-01-04 09:10", id="year-end-break"),
        pytest.param("2026-12-01 00:00", 450, "2026-12-01 18:00", id="a-whole-tuesday"),
        pytest.param("2026-12-01 00:00", 451, "2026-12-02 09:01", id="one-minute-more"),
        pytest.param("2026-12-01 01:00", 0.5, "2026-12-01 10:00:30", id="half-a-minute"),
        pytest.param("2026-12-06 01:00", 0, "2026-12-06 10:00", id="zero-while-closed"),
    ],
)
def test_add_business_minutes(
    hours: BusinessHours, start: str, minutes: float, expected: str
) -> None:
    """Only open minutes count, so a wait pauses over lunch, nights, weekends and holidays."""
    end = add_business_minutes(hours, utc(start), minutes)

    assert end == jst(expected)
    assert end.tzinfo == TOKYO


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param("2026-12-01 00:00", "2026-12-01 09:00", 450, id="a-whole-tuesday"),
        pytest.param("2026-12-01 04:00", "2026-12-01 05:30", 0, id="only-lunch"),
        pytest.param("2026-12-04 08:00", "2026-12-05 01:00", 120, id="fri-17:00-to-sat-10:00"),
        pytest.param("2026-12-06 15:00", "2026-12-13 15:00", 5 * 450 + 240, id="a-whole-week"),
        pytest.param("2026-12-28 00:00", "2027-01-03 15:00", 180, id="year-end-break"),
        pytest.param("2026-12-01 01:00", "2026-12-01 01:00", 0, id="empty-range"),
    ],
)
def test_business_minutes_between(
    hours: BusinessHours, start: str, end: str, expected: float
) -> None:
    """The open minutes between two instants ignore every closed minute."""
    assert business_minutes_between(hours, utc(start), utc(end)) == expected


@pytest.mark.parametrize("minutes", [1, 15, 95, 451, 2000])
def test_adding_then_measuring_round_trips(hours: BusinessHours, minutes: int) -> None:
    """The open minutes up to the end of a wait are the minutes the wait was given."""
    start = utc("2026-12-04 08:55")

    end = add_business_minutes(hours, start, minutes)

    assert business_minutes_between(hours, start, end) == minutes


def test_arithmetic_refuses_bad_input(hours: BusinessHours) -> None:
    """A naive datetime, a reversed range or a negative wait is a bug, so it raises."""
    with pytest.raises(ValueError, match="no time zone"):
        is_open(hours, datetime(2026, 12, 1, 10))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="before start"):
        business_minutes_between(hours, utc("2026-12-02 00:00"), utc("2026-12-01 00:00"))
    with pytest.raises(ValueError, match="negative"):
        add_business_minutes(hours, utc("2026-12-01 00:00"), -1)


@pytest.mark.parametrize(
    ("when", "lang", "expected"),
    [
        pytest.param("2026-12-01 00:00", "ja", "2026年12月1日(火) 9:00", id="ja-morning"),
        pytest.param("2026-12-01 00:00", "en", "Tue, Dec 1, 2026, 9:00 AM", id="en-morning"),
        pytest.param("2026-12-05 05:30", "ja", "2026年12月5日(土) 14:30", id="ja-afternoon"),
        pytest.param("2026-12-05 05:30", "en", "Sat, Dec 5, 2026, 2:30 PM", id="en-afternoon"),
        pytest.param("2026-12-31 15:00", "ja", "2027年1月1日(金) 0:00", id="ja-next-day-in-tokyo"),
        pytest.param("2026-12-31 15:00", "en", "Fri, Jan 1, 2027, 12:00 AM", id="en-midnight"),
    ],
)
def test_format_opening(when: str, lang: Lang, expected: str) -> None:
    """A moment reads on the clinic's clock in the patient's language."""
    assert format_opening(utc(when), lang) == expected


def test_shipped_hours_load() -> None:
    """config/hours.toml loads, and follows the clinic's week, lunch break and closed days."""
    hours = load(ROOT / "config" / "hours.toml")

    assert hours.timezone == TOKYO
    assert add_business_minutes(hours, jst("2026-12-04 17:55"), 15) == jst("2026-12-05 09:10")
    assert not is_open(hours, jst("2026-12-01 13:30"))
    assert not is_open(hours, jst("2026-12-06 10:00"))


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2026, 12, 29), id="year-end-break-2026-tue"),
        pytest.param(date(2027, 1, 2), id="new-year-break-2027-sat"),
        pytest.param(date(2035, 12, 31), id="year-end-break-2035-mon"),
        pytest.param(date(2041, 1, 2), id="new-year-break-2041-wed"),
    ],
)
def test_shipped_hours_close_the_clinics_own_days_every_year(day: date) -> None:
    """The year-end break of config/hours.toml closes the clinic every year, with no list to
    extend: the hand-typed dates used to stop at 2028-01-03."""
    hours = load(ROOT / "config" / "hours.toml")

    assert hours.closed_on(day)
    assert not is_open(hours, datetime.combine(day, time(10), TOKYO))


@pytest.mark.parametrize(
    ("day", "why"),
    [
        pytest.param(date(2026, 5, 6), "振替休日", id="substitute-2026-05-06-wed"),
        pytest.param(date(2027, 3, 22), "振替休日", id="substitute-for-equinox-2027-03-22-mon"),
        pytest.param(date(2026, 9, 22), "国民の休日", id="citizens-holiday-2026-09-22-tue"),
        pytest.param(date(2030, 1, 14), "成人の日", id="coming-of-age-2030-01-14-mon"),
        pytest.param(date(2030, 8, 12), "振替休日", id="substitute-2030-08-12-mon"),
        pytest.param(date(2030, 9, 23), "秋分の日", id="equinox-2030-09-23-mon"),
    ],
)
def test_national_holidays_close_by_rule(day: date, why: str) -> None:
    """Japan's national holidays, substitute holidays included, close the clinic in any year,
    though the shipped file lists none of them."""
    hours = load(ROOT / "config" / "hours.toml")
    ten = datetime.combine(day, time(10), TOKYO)

    assert day.weekday() < 5, why  # a weekday the week would open on
    assert hours.weekly[day.weekday()]
    assert hours.closed_on(day)
    assert not is_open(hours, ten)
    assert next_opening(hours, ten).date() > day


def test_an_ordinary_weekday_of_2030_is_open() -> None:
    """The day after a 2030 holiday opens as usual, so the rule closes holidays only."""
    hours = load(ROOT / "config" / "hours.toml")

    assert not hours.closed_on(date(2030, 1, 15))
    assert is_open(hours, jst("2030-01-15 10:00"))


def test_national_holidays_can_be_kept_open(tmp_path: Path) -> None:
    """`national_holidays = false` opens on them as on any weekday; the clinic's own closures
    still close."""
    text = HOURS_TOML.replace("national_holidays = true", "national_holidays = false")
    hours = load(write(tmp_path, text))

    assert is_open(hours, jst("2030-01-14 10:00"))
    assert is_open(hours, jst("2026-11-03 10:00"))
    assert not is_open(hours, jst("2026-12-30 10:00"))


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        pytest.param(date(2026, 10, 30), True, id="closure-once-2026-10-30-fri"),
        pytest.param(date(2027, 10, 29), False, id="not-the-next-year"),
        pytest.param(date(2031, 12, 30), True, id="closure-every-year-2031-12-30-tue"),
        pytest.param(date(2031, 12, 26), False, id="the-friday-before-it"),
    ],
)
def test_closures_from_the_file(tmp_path: Path, day: date, closed: bool) -> None:
    """The clinic's own closures come from the file: "YYYY-MM-DD" once, "MM-DD" every year."""
    hours = load(write(tmp_path, HOURS_TOML))

    assert hours.closed_on(day) is closed
    assert is_open(hours, datetime.combine(day, time(10), TOKYO)) is not closed


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        pytest.param(
            {'"Asia/Tokyo"': '"Asia/Tokio"'},
            "hours.toml:1: timezone: unknown time zone 'Asia/Tokio'",
            id="bad-timezone",
        ),
        pytest.param(
            {'sat = ["09:00-13:00"]': 'sat = ["09:00-25:00"]'},
            "hours.toml:14: weekly.sat[0]: 25:00 is not a time of day",
            id="bad-time",
        ),
        pytest.param(
            {'sat = ["09:00-13:00"]': 'sat = ["13:00-09:00"]'},
            "hours.toml:14: weekly.sat[0]: '13:00-09:00' ends before it starts",
            id="end-before-start",
        ),
        pytest.param(
            {'sat = ["09:00-13:00"]': 'sat = ["9-13"]'},
            """hours.toml:14: weekly.sat[0]: '9-13' is not a range like "09:00-13:00\"""",
            id="not-a-range",
        ),
        pytest.param(
            {'sat = ["09:00-13:00"]': 'sat = ["09:00-13:00", "12:00-14:00"]'},
            "hours.toml:14: weekly.sat[1]: '12:00-14:00' overlaps another range of the day",
            id="overlap",
        ),
        pytest.param(
            {'"2026-10-30"': '"2026-11-31"'},
            "hours.toml:4: closed[0]: '2026-11-31' is not a date (YYYY-MM-DD, or MM-DD for every"
            " year)",
            id="bad-closed-date",
        ),
        pytest.param(
            {'"12-30"': '"02-30"'},
            "hours.toml:5: closed[2]: '02-30' is not a day of the year (MM-DD)",
            id="bad-closed-day-of-the-year",
        ),
        pytest.param(
            {"national_holidays = true": 'national_holidays = "yes"'},
            "hours.toml:2: national_holidays: expected true (closed on them) or false",
            id="national-holidays-not-a-boolean",
        ),
        pytest.param(
            {"national_holidays = true": 'holidays = ["2026-11-03"]'},
            "hours.toml:2: holidays: no longer read: national holidays now come by rule"
            " (national_holidays = true); list only the clinic's own closed days, as"
            ' closed = ["12-29", "2027-04-30"]',
            id="the-old-holiday-list",
        ),
        pytest.param(
            {"2026-12-28 =": "2026-12-32 ="},
            "hours.toml:18: special.2026-12-32: '2026-12-32' is not a date (YYYY-MM-DD)",
            id="bad-special-date",
        ),
        pytest.param(
            {"sun = []": "sun = []\nholiday = []"},
            "hours.toml:16: weekly.holiday: unknown key; expected one of mon, tue, wed, thu,"
            " fri, sat, sun",
            id="unknown-weekday",
        ),
        pytest.param(
            {"sun = []\n": ""},
            "hours.toml:8: weekly: sun is missing; write sun = [] for a closed day",
            id="missing-weekday",
        ),
        pytest.param(
            {"sun = []\n": "sun = []\nclosed = []\n"},
            "hours.toml:16: weekly.closed: unknown key; expected one of mon, tue, wed, thu,"
            " fri, sat, sun; move it above [weekly]",
            id="top-level-key-under-a-table",
        ),
        pytest.param(
            {"sun = []": "sun = closed"},
            "hours.toml:15:7: Invalid value",
            id="toml-syntax",
        ),
    ],
)
def test_load_names_the_line(tmp_path: Path, edits: dict[str, str], expected: str) -> None:
    """Each mistake is reported with the file and line an admin has to fix."""
    text = HOURS_TOML
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new)

    with pytest.raises(HoursError) as raised:
        load(write(tmp_path, text))

    assert [str(problem).removeprefix(f"{tmp_path}/") for problem in raised.value.problems] == [
        expected
    ]


def test_load_reports_every_problem_at_once(tmp_path: Path) -> None:
    """All mistakes come back together, in file order, so one edit can fix them all."""
    text = (
        HOURS_TOML.replace('"Asia/Tokyo"', '"Mars/Olympus"')
        .replace('"2026-10-30"', '"2026-02-30"')
        .replace('mon = ["09:00-13:00",', 'mun = ["09:00-13:00",')
        .replace('tue = ["09:00-13:00"', 'tue = ["09:00-24:30"')
        .replace('sat = ["09:00-13:00"]', 'sat = ["13:00-09:00"]')
    )

    with pytest.raises(HoursError) as raised:
        load(write(tmp_path, text))

    lines = str(raised.value).replace(f"{tmp_path}/", "").splitlines()
    assert lines == [
        "hours.toml:1: timezone: unknown time zone 'Mars/Olympus'",
        "hours.toml:4: closed[0]: '2026-02-30' is not a date (YYYY-MM-DD, or MM-DD for every year)",
        "hours.toml:8: weekly: mon is missing; write mon = [] for a closed day",
        "hours.toml:9: weekly.mun: unknown key; expected one of mon, tue, wed, thu, fri, sat, sun",
        "hours.toml:10: weekly.tue[0]: 24:30 is not a time of day",
        "hours.toml:14: weekly.sat[0]: '13:00-09:00' ends before it starts",
    ]
