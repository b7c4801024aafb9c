"""Where things sit in a TOML file that admins edit: `Problem` (a `file:line: message`), the
source map, and the scanner behind it.

tomllib returns values without positions, yet every problem in an FAQ, clinic, hours or rich-menu
file must point an admin at a line. `scan` re-reads the raw text of a file that tomllib has
already accepted, so it only has to follow valid TOML, and records where each key, table, array
element, string and comment sits. `toml_problem` turns tomllib's own syntax error into the same
`file:line:column: message`.
"""

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Literal

Key = tuple[str | int, ...]
"""A path into a parsed file: table and key names, then array indexes: ("ja", "questions", 2)."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}\n#]*")  # numbers, booleans, dates: up to the next separator


@dataclass(frozen=True)
class Problem:
    """One thing an admin must fix (error) or look at (warning); line 0 means the directory."""

    path: Path
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"
    column: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else _place(self.path)
        where += f":{self.column}" if self.line and self.column else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"


def _place(path: Path) -> str:
    """A folder is shown with its slash (`faq/`); a missing file by its name."""
    return str(path) if path.suffix else f"{path}/"


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def toml_problem(path: Path, text: str, error: Exception) -> Problem:
    """A TOML syntax error as one `file:line:column: message` (tomllib puts the place in the
    message), for every config file admins edit."""
    message, line, column = str(error), text.count("\n") + 1, None
    if match := _TOML_AT.search(message):
        message, line, column = message[: match.start()], int(match[1]), int(match[2])
    return Problem(path, line, message, column=column)


@dataclass(frozen=True)
class SourceMap:
    """Where the parts of one FAQ file sit in its raw text."""

    text: str
    starts: dict[Key, int]  # offset where each key, table header or array element begins
    strings: dict[Key, tuple[int, int]]  # offsets of each string's raw content, quotes excluded
    comments: dict[int, str]  # line number -> the comment that ends that line
    line_starts: tuple[int, ...]

    def line(self, key: Key) -> int:
        """The line of `key`, else of its nearest parent, so a missing key points at its table."""
        for size in range(len(key), 0, -1):
            if key[:size] in self.starts:
                return self.position(self.starts[key[:size]])[0]
        return 1

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of a character offset."""
        line = bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1


def scan(text: str) -> SourceMap:
    """Map a file that tomllib accepted; text it does not follow is skipped, never fatal."""
    scanner = _Scanner(text)
    scanner.document()
    line_starts = (0, *(match.end() for match in re.finditer("\n", text)))
    source = SourceMap(text, scanner.starts, scanner.strings, {}, line_starts)
    for offset, comment in scanner.comments:
        source.comments[source.position(offset)[0]] = comment
    return source


def name(key: Key) -> str:
    """How a key is written in messages: ja.questions[2]."""
    text = ".".join(part for part in key if isinstance(part, str))
    return text + "".join(f"[{part}]" for part in key if isinstance(part, int))


class _Scanner:
    """A cursor over valid TOML that records positions instead of building values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.starts: dict[Key, int] = {}
        self.strings: dict[Key, tuple[int, int]] = {}
        self.comments: list[tuple[int, str]] = []

    def peek(self, size: int = 1) -> str:
        return self.text[self.i : self.i + size]

    def document(self) -> None:
        table: Key = ()
        while self.skip(newlines=True) < len(self.text):
            before = self.i
            if self.peek() == "[":
                table = self.header()
            else:
                self.pair(table)
            if self.i == before:  # never loop on text this scanner does not follow
                self.i += 1

    def skip(self, *, newlines: bool) -> int:
        """Move past blanks and comments, and past line breaks if asked; return the offset."""
        blanks = " \t\r\n" if newlines else " \t"
        while self.i < len(self.text):
            if self.text[self.i] in blanks:
                self.i += 1
            elif self.text[self.i] == "#":
                end = self.text.find("\n", self.i)
                end = len(self.text) if end < 0 else end
                self.comments.append((self.i, self.text[self.i : end].rstrip()))
                self.i = end
            else:
                break
        return self.i

    def header(self) -> Key:
        start = self.i
        self.i += 2 if self.peek(2) == "[[" else 1
        key = self.key()
        self.skip(newlines=False)
        while self.peek() == "]":
            self.i += 1
        self.starts.setdefault(key, start)
        return key

    def key(self) -> Key:
        parts: list[str | int] = []
        while True:
            self.skip(newlines=False)
            if self.peek() in {'"', "'"}:
                start, end = self.string()
                parts.append(self.text[start:end])
            elif match := _BARE_KEY.match(self.text, self.i):
                parts.append(match.group())
                self.i = match.end()
            else:
                break
            self.skip(newlines=False)
            if self.peek() != ".":
                break
            self.i += 1
        return tuple(parts)

    def pair(self, table: Key) -> None:
        start = self.i
        key = table + self.key()
        self.skip(newlines=False)
        if self.peek() != "=":
            return
        self.i += 1
        self.skip(newlines=False)
        self.starts.setdefault(key, start)
        self.value(key)

    def value(self, key: Key) -> None:
        if self.peek() in {'"', "'"}:
            self.strings[key] = self.string()
        elif self.peek() == "[":
            indexes = count()
            self.sequence("]", lambda: self.element((*key, next(indexes))))
        elif self.peek() == "{":
            self.sequence("}", lambda: self.pair(key))
        elif match := _SCALAR.match(self.text, self.i):
            self.i = match.end()

    def element(self, key: Key) -> None:
        self.starts[key] = self.i
        self.value(key)

    def sequence(self, close: str, item: Callable[[], None]) -> None:
        """An array or inline table: items separated by commas, comments allowed between."""
        self.i += 1
        while self.skip(newlines=True) < len(self.text) and self.peek() != close:
            before = self.i
            item()
            self.skip(newlines=True)
            if self.peek() == "," or self.i == before:  # the second: never stall on odd text
                self.i += 1
        self.i += 1

    def string(self) -> tuple[int, int]:
        """Move past one string literal of any of TOML's four kinds; return its raw content."""
        quote = self.peek()
        delimiter = quote * 3 if self.peek(3) == quote * 3 else quote
        start = end = self.i + len(delimiter)
        while end < len(self.text) and not self.text.startswith(delimiter, end):
            end += 2 if quote == '"' and self.text[end] == "\\" else 1
        if len(delimiter) == 3:  # up to two quotes may end the content: """say "hi"""""
            extra = 0
            while extra < 2 and self.text[end + 3 : end + 4] == quote:
                end, extra = end + 1, extra + 1
        self.i = min(end + len(delimiter), len(self.text))
        return start, min(end, len(self.text))
