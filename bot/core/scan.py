"""Linear-time search for triage's lexicons.

Python's `re` tries every alternative of a pattern at every position, and the triage lexicons
have hundreds of alternatives each: read one by one they cost about 23 µs per character of the
message (a 5,000-character message took 100 ms). RE2 runs all of them at once, as one
automaton, in time linear in the message. So each lexicon gets a looser twin in RE2 syntax
(lookarounds and anchors dropped, so it matches wherever the original can, and more); one RE2
pass says which lexicons can match at all and where, and only there is the original read with
`re`, which keeps its exact semantics (lookarounds, capture groups).
"""

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

import re2  # type: ignore[import-untyped]

_RE2_MAX_REPEAT = 1000
_ANY = r"(?s:.)"
_CLASSES = {
    sre.CATEGORY_DIGIT: r"\p{Nd}",
    sre.CATEGORY_UNI_DIGIT: r"\p{Nd}",
    sre.CATEGORY_SPACE: r"\s\p{Z}\x{1c}-\x{1f}\x{85}",
    sre.CATEGORY_UNI_SPACE: r"\s\p{Z}\x{1c}-\x{1f}\x{85}",
    sre.CATEGORY_WORD: r"\p{L}\p{N}\p{M}_",
    sre.CATEGORY_UNI_WORD: r"\p{L}\p{N}\p{M}_",
}


def loosen(pattern: re.Pattern[str]) -> str:
    """RE2 syntax for a pattern that matches everywhere `pattern` does (and possibly more)."""
    flags = "(?i)" if pattern.flags & re.IGNORECASE else ""
    return flags + _emit(_parser.parse(pattern.pattern, pattern.flags).data)


def _char(code: int) -> str:
    char = chr(code)
    return char if char.isalnum() or code > 0x7F else f"\\x{{{code:x}}}"


def _emit(items: Sequence[tuple[Any, Any]]) -> str:
    return "".join(_emit_one(op, av) for op, av in items)


def _emit_one(op: Any, av: Any) -> str:  # noqa: PLR0911 - one branch per regex construct
    if op is sre.LITERAL:
        return _char(av)
    if op is sre.NOT_LITERAL:
        return f"[^{_char(av)}]"
    if op in (sre.ANY, sre.CATEGORY):
        return _ANY if op is sre.ANY else f"[{_CLASSES[av]}]" if av in _CLASSES else _ANY
    if op is sre.IN:
        return _charset(av)
    if op is sre.BRANCH:
        return "(?:" + "|".join(_emit(alt) for alt in av[1]) + ")"
    if op in (sre.SUBPATTERN, sre.ATOMIC_GROUP):
        inner = av[-1].data if hasattr(av[-1], "data") else av[-1]
        ignore = op is sre.SUBPATTERN and av[1] & re.IGNORECASE
        return ("(?i:" if ignore else "(?:") + _emit(inner) + ")"
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _high, item = av
        # No upper bound (looser, and counting makes RE2's automaton explode), and lazy,
        # so that where RE2 saw a match stays short.
        count = "*?" if low == 0 else f"{{{min(low, _RE2_MAX_REPEAT)},}}?"
        return "(?:" + _emit(item.data if hasattr(item, "data") else item) + ")" + count
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return ""  # anchors and lookarounds only ever narrow a match: dropping them loosens
    raise ValueError(f"no RE2 equivalent for {op} in a triage lexicon")


def _charset(items: Sequence[tuple[Any, Any]]) -> str:
    negate = any(op is sre.NEGATE for op, _ in items)
    parts: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            parts.append(_char(av))
        elif op is sre.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is sre.CATEGORY and av in _CLASSES and not negate:
            parts.append(_CLASSES[av])
        elif op is not sre.NEGATE:
            return _ANY  # a class RE2 cannot mirror exactly: any character is looser
    return ("[^" if negate else "[") + "".join(parts) + "]"


class Lexicons:
    """A fixed list of patterns, searched together in one RE2 pass per text."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.patterns = tuple(patterns)
        # By identity: hashing a compiled pattern hashes its whole program, microseconds each.
        self._index = {id(pattern): i for i, pattern in enumerate(self.patterns)}
        # FilteredRE2: the literal pieces each pattern needs are looked for first, and only
        # the patterns whose pieces are all there are run (a DFA over all of them at once,
        # RE2::Set, is faster once warm but builds states for every new message: p99 3 ms).
        self._filter = re2.Filter()
        for pattern in self.patterns:
            self._filter.Add(loosen(pattern))
        self._filter.Compile()

    def scan(self, text: str) -> "Found":
        """Which of the patterns can match `text`; their matches are read when asked for."""
        return Found(self, text, frozenset(self._filter.Match(text) or ()))

    def index(self, pattern: re.Pattern[str]) -> int:
        return self._index[id(pattern)]

    def candidates(self, i: int, text: str) -> Iterator[tuple[int, int]]:
        """Where RE2 sees the loose twin of pattern `i` (character offsets)."""
        for match in self._filter.re(i).finditer(text):
            start, end = match.span()
            yield int(start), int(end)


class Found:
    """One text's matches for each pattern of a `Lexicons`, computed once, when first asked.

    They are the matches `pattern.finditer(text)` gives (non-overlapping, in order), read only
    around the places RE2 saw.
    """

    def __init__(self, lexicons: Lexicons, text: str, possible: frozenset[int]) -> None:
        self.text = text
        self._lexicons = lexicons
        self._possible = possible
        self._matches: dict[int, tuple[list[int], list[re.Match[str]]]] = {}

    def all(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Every match of `pattern` in the text, in order."""
        return self._read(self._lexicons.index(pattern))[1]

    def first(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        found = self.all(pattern)
        return found[0] if found else None

    def within(self, pattern: re.Pattern[str], lo: int, hi: int) -> list[re.Match[str]]:
        """The matches of `pattern` that lie inside `text[lo:hi]`."""
        starts, matches = self._read(self._lexicons.index(pattern))
        inside = []
        for match in matches[bisect_left(starts, lo) :]:
            if match.start() >= hi:
                break
            if match.end() <= hi:
                inside.append(match)
        return inside

    def _read(self, i: int) -> tuple[list[int], list[re.Match[str]]]:
        if i not in self._matches:
            self._matches[i] = self._exact(i) if i in self._possible else ([], [])
        return self._matches[i]

    def _exact(self, i: int) -> tuple[list[int], list[re.Match[str]]]:
        """The exact pattern tried only where it can start: inside a candidate.

        RE2 reports the leftmost matches of the loose twin, which matches at every place the
        exact pattern does; so an exact match starts either where a candidate starts or inside
        one that covers its start (the next search begins after that candidate). Trying the
        pattern anchored at those places alone gives what `finditer` gives, in order and
        without overlaps, at a cost that grows with the candidates, not the message."""
        pattern, text = self._lexicons.patterns[i], self.text
        starts: list[int] = []
        matches: list[re.Match[str]] = []
        resume = 0
        for start, end in self._lexicons.candidates(i, text):
            pos = max(start, resume)
            while pos <= end:
                match = pattern.match(text, pos)
                if match is None:
                    pos += 1
                    continue
                starts.append(pos)
                matches.append(match)
                resume = pos = max(match.end(), pos + 1)
        return starts, matches
