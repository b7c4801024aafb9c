"""The clinic's own facts (phone numbers, prefecture, links, disclosures) from `config/clinic.toml`.

They appear in safety replies ("call the clinic at ..."), in the privacy notice and in FAQ
answers, so they live in one validated file that `faq check` reads and `serve` loads; the
shipped values are placeholders that `serve` warns about until an admin replaces them.
"""

import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from bot.faq.source import Problem, SourceMap, scan, toml_problem

PLACEHOLDER = re.compile(
    r"placeholder|^0{1,2}-0{4}-000\d$|^https://[^/]*\bexample\.(?:com|org|net|jp)\b", re.IGNORECASE
)
_URL = re.compile(r"^https://[^\s/]+\.[^\s/]+(/\S*)?$")
LANGS = ("ja", "en")
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
    privacy_policy_url: str = "https://clinic.example.com/privacy"
    booking_url: str = "https://clinic.example.com/booking"
    unapproved: tuple["Disclosure", ...] = ()

    def disclosure(self, lang: str) -> "Disclosure":
        """The unapproved-medicine disclosure in `lang` (placeholders when none was loaded)."""
        for item in self.unapproved:
            if item.lang == lang:
                return item
        return Disclosure(lang)

    def placeholders(self) -> list[str]:
        """The fields still holding a shipped placeholder value (`unapproved.ja.foreign_safety`)."""
        found = [f.name for f in _scalar_fields() if PLACEHOLDER.search(getattr(self, f.name))]
        for lang in LANGS:
            item = self.disclosure(lang)
            found += [
                f"unapproved.{lang}.{f.name}"
                for f in _text_fields(Disclosure)
                if PLACEHOLDER.search(getattr(item, f.name))
            ]
        return found


@dataclass(frozen=True)
class Disclosure:
    """What Japan's advertising guideline asks a clinic to state about an unapproved product,
    in one language: how the product is obtained, whether an approved equivalent exists in
    Japan, and what is known about its safety abroad (the clinic supplies these texts)."""

    lang: str
    product_source: str = "PLACEHOLDER: how the clinic obtains the product"
    approved_equivalent: str = "PLACEHOLDER: whether an approved equivalent exists in Japan"
    foreign_safety: str = "PLACEHOLDER: safety information from other countries"


def _scalar_fields() -> list[Any]:
    return [f for f in fields(Clinic) if f.name != "unapproved"]


def _text_fields(kind: type[Any]) -> list[Any]:
    return [f for f in fields(kind) if f.name != "lang"]


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
    problems: list[Problem] = []
    for key in data:
        if key not in ("clinic", "unapproved"):
            problems.append(Problem(path, source.line((key,)), f"unknown table {key!r}"))
    table = data.get("clinic")
    if not isinstance(table, dict):
        raise ClinicError([Problem(path, 1, "missing [clinic] table"), *problems])
    values = _strings(path, source, ("clinic",), table, _scalar_fields(), problems)
    unapproved = data.get("unapproved", {})
    disclosures: list[Disclosure] = []
    for key in unapproved if isinstance(unapproved, dict) else ():
        if key not in LANGS:
            problems.append(
                Problem(path, source.line(("unapproved", key)), f"unknown language {key!r}")
            )
    for lang in LANGS:
        block = unapproved.get(lang) if isinstance(unapproved, dict) else None
        if not isinstance(block, dict):
            line = _table_line(source, unapproved)
            problems.append(Problem(path, line, f"missing [unapproved.{lang}] table"))
            continue
        texts = _strings(
            path, source, ("unapproved", lang), block, _text_fields(Disclosure), problems
        )
        disclosures.append(Disclosure(lang, **texts))
    if problems:
        raise ClinicError(sorted(problems, key=lambda p: p.line))
    return Clinic(**values, unapproved=tuple(disclosures))


def _strings(
    path: Path,
    source: SourceMap,
    where: tuple[str, ...],
    table: dict[str, Any],
    wanted: list[Any],
    problems: list[Problem],
) -> dict[str, str]:
    """The string values of `wanted` fields in `table`, appending a problem for each bad one."""
    known = {f.name for f in wanted}
    prefix = ".".join(where)
    for key in table:
        if key not in known:
            problems.append(Problem(path, source.line((*where, key)), f"unknown key {key!r}"))
    values: dict[str, str] = {}
    for name in sorted(known):
        line = source.line((*where, name))
        value = table.get(name)
        if not isinstance(value, str):
            what = "missing" if value is None else "must be a string"
            problems.append(Problem(path, line, f"{prefix}.{name}: {what}"))
            continue
        problem = _check(name, value.strip())
        if problem:
            problems.append(Problem(path, line, f"{prefix}.{name}: {problem}"))
        values[name] = value.strip()
    return values


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
        Problem(path, _line(source, name), f"{_qualified(name)} is a placeholder", "warning")
        for name in clinic.placeholders()
    ]


def _table_line(source: SourceMap, unapproved: object) -> int:
    """Where a missing `[unapproved.<lang>]` belongs: by its sibling, else at the end."""
    if isinstance(unapproved, dict) and unapproved:
        return min(source.line(("unapproved", key)) for key in unapproved)
    return len(source.line_starts)


def _qualified(name: str) -> str:
    return name if "." in name else f"clinic.{name}"


def _line(source: SourceMap, name: str) -> int:
    return source.line(tuple(_qualified(name).split(".")))


def _check(name: str, value: str) -> str | None:
    if name in ("phone", "after_hours_phone"):
        if name == "after_hours_phone" and not value:
            return None
        return None if _PHONE.match(value) else f"not a phone number: {value!r}"
    if name == "medical_advice_line":
        return None if _ADVICE.match(value) else f'"#7119", a phone number or "": {value!r}'
    if name.endswith("_url"):
        return None if _URL.match(value) else f"not an https:// address: {value!r}"
    if name == "prefecture":
        return None if value in PREFECTURES else f"not a prefecture (e.g. 東京都): {value!r}"
    return None if value else "must not be empty"
