"""The rules `faq check` enforces, each reported where the admin has to fix it.

A rule never stops the others: a file with a syntax error is skipped, but every other file and
every rule that spans files still runs, so one `faq check` lists everything at once. Rules read
the raw parsed TOML (they must cope with any shape an admin can type); `bot.faq` builds the
model only after no error is left, so it can trust the shape.
"""

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

from bot.faq_lint import Key, Problem, SourceMap, flag_advertising, name, scan
from bot.lang import LANGS, Lang

OUT_OF_SCOPE = "out_of_scope"
MAX_MENU = 12  # the main topic menu is one row of quick replies
MAX_LABEL = 20  # LINE's quick-reply label limit
MAX_TEXT = 5000  # LINE's text-message limit, in UTF-16 code units

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
        return self.path.name != f"{OUT_OF_SCOPE}.toml"

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
    """Parse and check every `*.toml` in `directory`; problems sorted by path and line."""
    if not directory.is_dir():
        return [], [Problem(directory, 0, "FAQ directory not found")]
    paths = sorted(directory.glob("*.toml"), key=lambda path: path.name)
    problems = [] if paths else [Problem(directory, 0, "no FAQ files (*.toml) in this directory")]
    files = []
    for path in paths:
        parsed = _parse(path)
        if isinstance(parsed, Problem):
            problems.append(parsed)
        else:
            files.append(parsed)
            problems += _check_file(parsed)
    problems += _check_ids(files) + _check_follow_ups(files) + _check_questions(files)
    problems += _check_menu(files) + _check_required(directory, files, required)
    return files, sorted(problems, key=lambda p: (str(p.path), p.line, p.column or 0))


def question_key(question: str) -> str:
    """What two example questions must not share: case, width, spaces and end marks ignored."""
    folded = "".join(unicodedata.normalize("NFKC", question).casefold().split())
    return re.sub(r"[?!]+$", "", folded)


def utf16_length(text: str) -> int:
    """Length as LINE counts it: a character outside the BMP, such as an emoji, counts twice."""
    return len(text.encode("utf-16-le")) // 2


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
    if not file.is_topic and file.id != OUT_OF_SCOPE:
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
    types = _ENTRY_KEYS if file.is_topic else _OUT_OF_SCOPE_ENTRY_KEYS
    table = file.data[lang]
    problems = _check_table(file, (lang,), table, types)
    for field in ("label", "answer", "questions") if file.is_topic else ("questions",):
        value = table.get(field)
        if value is None:
            problems.append(file.problem((lang,), f"[{lang}] is missing {field}"))
        elif value == [] or (isinstance(value, str) and not value.strip()):
            problems.append(file.problem((lang, field), f"{name((lang, field))} is empty"))
    items = file.strings((lang, "questions")) + file.strings((lang, "reviewed"))
    problems += [
        file.problem(key, f"{name(key)} is empty") for key, text in items if not text.strip()
    ]
    texts = [((lang, field), table.get(field)) for field in ("label", "answer")]
    for key, text in [*texts, *file.strings((lang, "questions"))]:
        limit = MAX_LABEL if key[1] == "label" else MAX_TEXT
        size = utf16_length(text.strip()) if isinstance(text, str) else 0
        if size > limit:
            message = f"{name(key)} is {size:,} characters; LINE allows {limit:,} (emoji count 2)"
            problems.append(file.problem(key, message))
    reviewed = [phrase for _, phrase in file.strings((lang, "reviewed"))]
    for key, _ in texts if file.is_topic else ():
        problems += flag_advertising(file.path, file.source, key, lang, reviewed)
    return problems


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


def _check_follow_ups(files: list[FaqFile]) -> list[Problem]:
    """Every follow-up names a topic, or its quick reply would lead nowhere."""
    known = {file.id for file in files if file.is_topic}
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
