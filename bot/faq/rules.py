"""The rules `faq check` enforces, each reported where the admin has to fix it.

A rule never stops the others: a file with a syntax error is skipped, but every other file and
every rule that spans files still runs, so one `faq check` lists everything at once. Rules read
the raw parsed TOML (they must cope with any shape an admin can type); `bot.faq.model` builds the
model only after no error is left, so it can trust the shape.

Besides the shape, the content review's findings are rules too (docs/content-review.md): the
placeholders an answer may use (`PLACEHOLDERS`) and the texts some answers must carry
(`REQUIREMENTS`: the caution line, the safety status first, when to call 119, the disclosure).
"""

import dataclasses
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.faq.lint import fill, flag_hedges, flag_placeholders, flag_wording
from bot.faq.source import Key, Problem, SourceMap, name, scan
from bot.lang import LANGS, Lang
from bot.line_limits import MAX_LABEL_CHARS, MAX_TEXT_UNITS, utf16_length

OUT_OF_SCOPE = "out_of_scope"
MAX_MENU = 12  # the main topic menu is one row of quick replies

_ID = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")
_SYNTAX = re.compile(r"(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_TYPES: Mapping[str, tuple[type, str]] = MappingProxyType(
    {
        "str": (str, "a string"),
        "bool": (bool, "true or false"),
        "list": (list, "a list of strings"),
        "table": (dict, "a table"),
    }
)
_TOPIC_KEYS = MappingProxyType(
    {
        "id": "str",
        "follow_ups": "list",
        "offer_staff": "bool",
        "menu": "bool",
        "ja": "table",
        "en": "table",
    }
)
_ENTRY_KEYS = MappingProxyType(
    {"label": "str", "answer": "str", "questions": "list", "reviewed": "list"}
)
_OUT_OF_SCOPE_KEYS = MappingProxyType({"id": "str", "ja": "table", "en": "table"})
_OUT_OF_SCOPE_ENTRY_KEYS = MappingProxyType({"questions": "list"})
# A subject the FAQ does not cover, with its own reply: faq/out_of_scope.<subject>.toml.
_SUBJECT_ENTRY_KEYS = MappingProxyType({"answer": "str", "questions": "list", "reviewed": "list"})

# What an answer may write as `{name}`: the clinic's facts (`bot.clinic.Clinic`) and, in the
# answer's language, its disclosure about the unapproved product (`bot.clinic.Disclosure`).
CLINIC_PLACEHOLDERS: tuple[str, ...] = (
    "name",
    "phone",
    "after_hours_phone",
    "medical_advice_line",
    "privacy_policy_url",
    "booking_url",
)
DISCLOSURE_PLACEHOLDERS: tuple[str, ...] = (
    "product_source",
    "approved_equivalent",
    "foreign_safety",
)
PLACEHOLDERS: tuple[str, ...] = CLINIC_PLACEHOLDERS + DISCLOSURE_PLACEHOLDERS


@dataclass(frozen=True)
class Requirement:
    """Text some answers must carry, as the content review found (docs/content-review.md).

    It applies to the topics whose id matches `topics` and, when `when` names phrases, only to
    an answer holding one of them. Each group of `needs` must have one of its phrases in the
    answer (in its first paragraph when `lead`). Phrases compare case- and width-insensitively."""

    what: str
    topics: re.Pattern[str]
    needs: Mapping[Lang, tuple[tuple[str, ...], ...]]
    when: Mapping[Lang, tuple[str, ...]] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )
    lead: bool = False


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement(
        "the caution line (pregnancy, breastfeeding, fertility treatment, cancer)",
        re.compile(r"effects(?:\..+)?|recommended_for"),
        MappingProxyType(
            {
                "ja": (("妊娠",), ("授乳",), ("不妊",), ("がん",)),
                "en": (("pregnan",), ("breastfeed",), ("fertility",), ("cancer",)),
            }
        ),
    ),
    Requirement(
        "the plain status first (not approved in Japan, safety not established,"
        " outside the Act on the Safety of Regenerative Medicine)",
        re.compile(r"safety"),
        MappingProxyType(
            {
                "ja": (
                    ("未承認", "承認されていません"),
                    ("確立されて", "確認されて"),
                    ("再生医療等安全性確保法", "再生医療等の安全性の確保等に関する法律"),
                ),
                "en": (
                    ("not approved",),
                    ("not been established", "not established", "not been confirmed"),
                    ("Regenerative Medicine",),
                ),
            }
        ),
        lead=True,
    ),
    Requirement(
        "when to call 119 (chest pain, fever, bleeding …), the advice line and the clinic",
        re.compile(r"side_effects"),
        MappingProxyType(
            {
                "ja": (
                    ("119",),
                    ("{medical_advice_line}",),
                    ("{phone}",),
                    ("胸",),
                    ("熱",),
                    ("血が止まらない", "出血が止まらない"),
                ),
                "en": (
                    ("119",),
                    ("{medical_advice_line}",),
                    ("{phone}",),
                    ("chest",),
                    ("fever",),
                    ("bleeding",),
                ),
            }
        ),
    ),
    # 医療広告ガイドライン, 限定解除 for self-paid care with unapproved medicines (事例解説書):
    # wherever an answer presents the self-paid treatment, it states all of these.
    Requirement(
        "the unapproved-product disclosure (unapproved, how it is obtained, approved"
        " equivalents, safety abroad, no relief system)",
        re.compile(r".+"),
        MappingProxyType(
            {
                "ja": (
                    ("未承認",),
                    ("{product_source}",),
                    ("{approved_equivalent}",),
                    ("{foreign_safety}",),
                    ("医薬品副作用被害救済制度",),
                ),
                "en": (
                    ("not approved",),
                    ("{product_source}",),
                    ("{approved_equivalent}",),
                    ("{foreign_safety}",),
                    ("relief system",),
                ),
            }
        ),
        when=MappingProxyType(
            {"ja": ("自由診療", "保険適用外"), "en": ("self-paid", "not covered by")}
        ),
    ),
)


@dataclass(frozen=True)
class FaqFile:
    """One parsed file, and where each of its parts sits."""

    path: Path
    data: dict[str, Any]
    source: SourceMap

    @property
    def id(self) -> str | None:
        value = self.data.get("id")
        return value if isinstance(value, str) else None

    @property
    def is_topic(self) -> bool:
        return self.path.stem != OUT_OF_SCOPE and not self.is_subject

    @property
    def is_subject(self) -> bool:
        """A not-covered subject with its own reply (`out_of_scope.<subject>.toml`)."""
        return self.path.stem.startswith(f"{OUT_OF_SCOPE}.")

    def problem(self, key: Key, message: str) -> Problem:
        return Problem(self.path, self.source.line(key), message)

    def strings(self, key: Key) -> list[tuple[Key, str]]:
        """The string items of the list at `key`, each with its key; other items are skipped."""
        value: Any = self.data
        for part in key:
            value = value.get(part) if isinstance(value, dict) else None
        items = enumerate(value) if isinstance(value, list) else ()
        return [((*key, index), item) for index, item in items if isinstance(item, str)]


def inspect(directory: Path, required: tuple[str, ...]) -> tuple[list[FaqFile], list[Problem]]:
    """Parse and check every `*.toml` in `directory`: files that do not parse come first (the
    one real error an admin must fix), then the rest sorted by path and line, without the
    cascade a broken file would cause (a follow-up naming its topic is not "unknown")."""
    if not directory.is_dir():
        return [], [Problem(directory, 0, "FAQ directory not found")]
    paths = sorted(directory.glob("*.toml"), key=lambda path: path.name)
    unparsed = [] if paths else [Problem(directory, 0, "no FAQ files (*.toml) in this directory")]
    problems: list[Problem] = []
    files = []
    for path in paths:
        parsed = _parse(path)
        if isinstance(parsed, Problem):
            unparsed.append(parsed)
        else:
            files.append(parsed)
            problems += _check_file(parsed) + _check_content(parsed)
    broken = frozenset(problem.path.stem for problem in unparsed)
    problems += _check_ids(files) + _check_follow_ups(files, broken) + _check_questions(files)
    problems += _check_menu(files) + _check_required(directory, files, required)
    return files, [*unparsed, *sorted(problems, key=lambda p: (str(p.path), p.line, p.column or 0))]


def question_key(question: str) -> str:
    """What two example questions must not share: case, width, spaces and end marks ignored."""
    folded = "".join(unicodedata.normalize("NFKC", question).casefold().split())
    return re.sub(r"[?!]+$", "", folded)


def _parse(path: Path) -> FaqFile | Problem:
    try:
        raw = path.read_bytes()
    except OSError as error:  # e.g. removed while the server reloads, or a directory
        return Problem(path, 1, f"cannot read the file: {error.strerror}")
    try:
        text = raw.decode("utf-8-sig")  # Windows editors may add a byte-order mark
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return Problem(path, line, "not UTF-8 text: save the file as UTF-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's tomllib gives the position only in the message: "... (at line 3, column 7)"
        # or "... (at end of document)".
        found = _SYNTAX.match(str(error))
        if found is None:
            message = str(error).replace(" (at end of document)", "")
            return Problem(path, text.count("\n") + 1, f"invalid TOML: {message}")
        line, column = int(found["line"]), int(found["column"])
        return Problem(path, line, f"invalid TOML: {found['message']}", column=column)
    return FaqFile(path, data, scan(text))


def _check_file(file: FaqFile) -> list[Problem]:
    """The rules one file can break on its own."""
    types = _TOPIC_KEYS if file.is_topic else _OUT_OF_SCOPE_KEYS
    problems = _check_table(file, (), file.data, types)
    if "id" not in file.data:
        problems.append(file.problem((), "missing id"))
    for lang in LANGS:
        if lang not in file.data:
            problems.append(file.problem((), f"missing [{lang}] table"))
        elif isinstance(file.data[lang], dict):
            problems += _check_entry(file, lang)
    return problems + _check_id(file)


def _check_id(file: FaqFile) -> list[Problem]:
    """Ids are postback data and file names, so they are plain, and the file is named after one."""
    if file.id is None:
        return []
    if not _ID.fullmatch(file.id):
        message = f"id {file.id!r} may use only a-z, 0-9 and _, with dots between parts"
        return [file.problem(("id",), message)]
    if file.path.stem == OUT_OF_SCOPE and file.id != OUT_OF_SCOPE:
        return [file.problem(("id",), f"id must be {OUT_OF_SCOPE!r} in this file")]
    if file.id != file.path.stem:
        message = f"id {file.id!r} does not match the file name (expected {file.id}.toml)"
        return [file.problem(("id",), message)]
    return []


def _check_table(
    file: FaqFile, key: Key, table: dict[str, Any], types: Mapping[str, str]
) -> list[Problem]:
    """Unknown keys (a typo must not be ignored silently) and values of the wrong type."""
    problems = []
    for field, value in table.items():
        here = (*key, field)
        if field not in types:
            guess = get_close_matches(field, types, n=1)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            problems.append(file.problem(here, f"unknown key {name(here)!r}{hint}"))
            continue
        expected, described = _TYPES[types[field]]
        if not isinstance(value, expected):
            problems.append(file.problem(here, f"{name(here)} must be {described}"))
        elif isinstance(value, list):
            problems += [
                file.problem((*here, index), f"{name((*here, index))} must be a string")
                for index, item in enumerate(value)
                if not isinstance(item, str)
            ]
    return problems


def _check_entry(file: FaqFile, lang: Lang) -> list[Problem]:
    """One language table: every field present and non-empty, within LINE's limits."""
    required: tuple[str, ...]
    if file.is_topic:
        types, required = _ENTRY_KEYS, ("label", "answer", "questions")
    elif file.is_subject:
        types, required = _SUBJECT_ENTRY_KEYS, ("answer", "questions")
    else:
        types, required = _OUT_OF_SCOPE_ENTRY_KEYS, ("questions",)
    table = file.data[lang]
    problems = _check_table(file, (lang,), table, types)
    for field in required:
        value = table.get(field)
        if value is None:
            problems.append(file.problem((lang,), f"[{lang}] is missing {field}"))
        elif value == [] or (isinstance(value, str) and not value.strip()):
            problems.append(file.problem((lang, field), f"{name((lang, field))} is empty"))
    items = file.strings((lang, "questions")) + file.strings((lang, "reviewed"))
    problems += [
        file.problem(key, f"{name(key)} is empty") for key, text in items if not text.strip()
    ]
    texts = [((lang, field), table.get(field)) for field in ("label", "answer") if field in types]
    for key, text in [*texts, *file.strings((lang, "questions"))]:
        limit = MAX_LABEL_CHARS if key[1] == "label" else MAX_TEXT_UNITS
        size = utf16_length(text.strip()) if isinstance(text, str) else 0
        if size > limit:
            message = f"{name(key)} is {size:,} characters; LINE allows {limit:,} (emoji count 2)"
            problems.append(file.problem(key, message))
    reviewed = [phrase for _, phrase in file.strings((lang, "reviewed"))]
    for key, _ in texts if file.is_topic or file.is_subject else ():
        problems += flag_wording(file.path, file.source, key, lang, reviewed)
    if (file.is_topic or file.is_subject) and isinstance(table.get("answer"), str):
        problems += flag_placeholders(file.path, file.source, (lang, "answer"), PLACEHOLDERS)
    return problems


def _check_content(file: FaqFile) -> list[Problem]:
    """What the content review asks of a topic's answers: the English keeps the Japanese
    hedges, and the answers carry the texts of `REQUIREMENTS` that apply to them."""
    answers = {lang: _answer(file, lang) for lang in LANGS}
    if not file.is_topic or file.id is None or None in answers.values():
        return []
    reviewed = [phrase for _, phrase in file.strings(("ja", "reviewed"))]
    problems = flag_hedges(file.path, file.source, ("ja", "answer"), ("en", "answer"), reviewed)
    for requirement in REQUIREMENTS:
        if requirement.topics.fullmatch(file.id):
            for lang in LANGS:
                lacking = _lacking(requirement, lang, answers[lang] or "")
                if lacking:
                    where = "its first paragraph" if requirement.lead else "it"
                    message = (
                        f"{name((lang, 'answer'))}: missing {requirement.what};"
                        f" {where} needs {lacking}"
                    )
                    problems.append(file.problem((lang, "answer"), message))
    return problems


def _lacking(requirement: Requirement, lang: Lang, answer: str) -> str:
    """The phrase groups `answer` lacks, as a message fragment; "" when none or not applicable."""
    folded = _folded(answer)
    triggers = requirement.when.get(lang, ())
    if triggers and not any(_folded(word) in folded for word in triggers):
        return ""
    text = _folded(_first_paragraph(answer)) if requirement.lead else folded
    missing = [
        " or ".join(repr(phrase) for phrase in group)
        for group in requirement.needs.get(lang, ())
        if not any(_folded(phrase) in text for phrase in group)
    ]
    return "; ".join(missing)


def check_filled(files: list[FaqFile], values: Mapping[Lang, Mapping[str, str]]) -> list[Problem]:
    """Answers that exceed LINE's limit once the clinic's values are filled in (errors)."""
    problems = []
    for file in files:
        for lang in LANGS if file.is_topic or file.is_subject else ():
            answer = _answer(file, lang)
            if answer is None:
                continue
            try:
                size = utf16_length(fill(answer.strip(), values[lang]))
            except (KeyError, ValueError):  # reported by flag_placeholders
                continue
            if size > MAX_TEXT_UNITS:
                message = (
                    f"{name((lang, 'answer'))} is {size:,} characters once the clinic's values"
                    f" are filled in (config/clinic.toml); LINE allows {MAX_TEXT_UNITS:,}"
                )
                problems.append(file.problem((lang, "answer"), message))
    return problems


def _answer(file: FaqFile, lang: Lang) -> str | None:
    table = file.data.get(lang)
    answer = table.get("answer") if isinstance(table, dict) else None
    return answer if isinstance(answer, str) else None


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _first_paragraph(text: str) -> str:
    return re.split(r"\n[ \t]*\n", text.strip(), maxsplit=1)[0]


def _check_ids(files: list[FaqFile]) -> list[Problem]:
    """Ids are unique; the second file is the one reported, naming the first."""
    first: dict[str, Path] = {}
    problems = []
    for file in files:
        if file.id is not None and file.id in first:
            message = f"duplicate id {file.id!r} (already used in {first[file.id]})"
            problems.append(file.problem(("id",), message))
        elif file.id is not None:
            first[file.id] = file.path
    return problems


def _check_follow_ups(files: list[FaqFile], broken: frozenset[str]) -> list[Problem]:
    """Every follow-up names a topic, or its quick reply would lead nowhere (a topic whose
    file does not parse is not reported again: `broken` holds those file names)."""
    known = {file.id for file in files if file.is_topic} | broken
    return [
        file.problem(key, f"{name(key)}: unknown topic {topic_id!r}")
        for file in files
        for key, topic_id in file.strings(("follow_ups",))
        if topic_id not in known
    ]


def _check_questions(files: list[FaqFile]) -> list[Problem]:
    """An example question belongs to one topic; a shared one is reported at every place."""
    places: dict[str, list[tuple[FaqFile, Key, str]]] = defaultdict(list)
    for file in files:
        for lang in LANGS:
            for key, question in file.strings((lang, "questions")):
                if question.strip():
                    places[question_key(question)].append((file, key, question))
    problems = []
    for shared in places.values():
        for file, key, question in shared:
            others = [
                f"{other.id or other.path.stem!r} ({other.path}:{other.source.line(where)})"
                for other, where, _ in shared
                if other.path != file.path
            ]
            if others:
                message = f"{name(key)} {question!r} is also a question of {', '.join(others)}"
                problems.append(file.problem(key, message))
    return problems


def _check_menu(files: list[FaqFile]) -> list[Problem]:
    """The main menu is one row of quick replies; topics past the limit are reported."""
    on_menu = [file for file in files if file.is_topic and file.data.get("menu") is True]
    return [
        file.problem(("menu",), f"menu = true on {len(on_menu)} topics; at most {MAX_MENU} fit")
        for file in on_menu[MAX_MENU:]
    ]


def _check_required(
    directory: Path, files: list[FaqFile], required: tuple[str, ...]
) -> list[Problem]:
    """The topic ids of faq-topics.md are a public contract; each must have a file.

    A file that exists but does not parse has its own error already; it is not "missing".
    """
    present = {file.id for file in files if file.is_topic}
    return [
        Problem(directory, 0, f"missing topic {topic_id!r} (required by faq-topics.md)")
        for topic_id in required
        if topic_id not in present and not (directory / f"{topic_id}.toml").exists()
    ]
