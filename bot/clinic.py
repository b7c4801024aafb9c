"""The clinic's own facts (phone numbers, prefecture) from `config/clinic.toml`.

They appear in safety replies ("call the clinic at ..."), so they live in one validated file
that `faq check` reads and `serve` loads; the shipped values are placeholders that `serve`
warns about until an admin replaces them.
"""

import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from bot.faq_lint import Problem, scan, toml_problem

PLACEHOLDER = re.compile(r"placeholder|^0{1,2}-0{4}-000\d$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9][0-9-]{5,18}[0-9]$")
_ADVICE = re.compile(r"^(#\d{4}|\+?[0-9][0-9-]{5,18}[0-9])?$")
PREFECTURES = frozenset(
    [
        "北海道",
        "青森県",
        "岩手県",
        "宮城県",
        "秋田県",
        "山形県",
        "福島県",
        "茨城県",
        "栃木県",
        "群馬県",
        "埼玉県",
        "千葉県",
        "東京都",
        "神奈川県",
        "新潟県",
        "富山県",
        "石川県",
        "福井県",
        "山梨県",
        "長野県",
        "岐阜県",
        "静岡県",
        "愛知県",
        "三重県",
        "滋賀県",
        "京都府",
        "大阪府",
        "兵庫県",
        "奈良県",
        "和歌山県",
        "鳥取県",
        "島根県",
        "岡山県",
        "広島県",
        "山口県",
        "徳島県",
        "香川県",
        "愛媛県",
        "高知県",
        "福岡県",
        "佐賀県",
        "長崎県",
        "熊本県",
        "大分県",
        "宮崎県",
        "鹿児島県",
        "沖縄県",
    ]
)


@dataclass(frozen=True)
class Clinic:
    """What the bot tells patients about reaching the clinic; defaults are placeholders."""

    name: str = "PLACEHOLDER Clinic"
    phone: str = "00-0000-0000"
    after_hours_phone: str = "00-0000-0001"
    prefecture: str = "東京都"
    medical_advice_line: str = "#7119"

    def placeholders(self) -> list[str]:
        """The fields still holding a shipped placeholder value."""
        return [f.name for f in fields(self) if PLACEHOLDER.search(str(getattr(self, f.name)))]


class ClinicError(Exception):
    """clinic.toml has errors; `problems` lists every one with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def load(path: Path) -> Clinic:
    """Read and check the clinic file, or raise `ClinicError` naming every problem."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ClinicError([toml_problem(path, text, error)]) from error
    source = scan(text)
    table = data.get("clinic")
    if not isinstance(table, dict):
        raise ClinicError([Problem(path, 1, "missing [clinic] table")])
    problems: list[Problem] = []
    values: dict[str, str] = {}
    known = {f.name for f in fields(Clinic)}
    for key in table:
        if key not in known:
            problems.append(Problem(path, source.line(("clinic", key)), f"unknown key {key!r}"))
    for name in sorted(known):
        line = source.line(("clinic", name))
        value = table.get(name)
        if not isinstance(value, str):
            what = "missing" if value is None else "must be a string"
            problems.append(Problem(path, line, f"clinic.{name}: {what}"))
            continue
        problem = _check(name, value.strip())
        if problem:
            problems.append(Problem(path, line, f"clinic.{name}: {problem}"))
        values[name] = value.strip()
    if problems:
        raise ClinicError(sorted(problems, key=lambda p: p.line))
    return Clinic(**values)


def load_if_present(path: Path) -> Clinic:
    """The clinic file's facts; the placeholders when there is no file (tests, `ask`)."""
    return load(path) if path.is_file() else Clinic()


def problems(path: Path) -> list[Problem]:
    """What `faq check` reports about the clinic file: its errors, or its placeholders."""
    if not path.is_file():
        return [Problem(path, 0, "missing: the clinic's phone numbers and prefecture", "warning")]
    try:
        clinic = load(path)
    except ClinicError as err:
        return err.problems
    source = scan(path.read_text(encoding="utf-8"))
    return [
        Problem(path, source.line(("clinic", name)), f"clinic.{name} is a placeholder", "warning")
        for name in clinic.placeholders()
    ]


def _check(name: str, value: str) -> str | None:
    if name in ("phone", "after_hours_phone"):
        if name == "after_hours_phone" and not value:
            return None
        return None if _PHONE.match(value) else f"not a phone number: {value!r}"
    if name == "medical_advice_line":
        return None if _ADVICE.match(value) else f'"#7119", a phone number or "": {value!r}'
    if name == "prefecture":
        return None if value in PREFECTURES else f"not a prefecture (e.g. 東京都): {value!r}"
    return None if value else "must not be empty"
