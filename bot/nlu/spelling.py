"""Correct English typos against the words the FAQ's example questions use.

"is it saef", "sied effects", "how mutch": a typo changes every character feature of a word, so
a word the examples never use is replaced by the closest one they do (one edit away, two for
long words), found through shared deletion variants (SymSpell's trick) instead of comparing
with every word.
"""

from collections import Counter
from collections.abc import Iterable

from bot.nlu.vocabulary import LONG_WORD, deletions

_MIN_LENGTH = 4  # shorter words have too many neighbours to guess


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus swaps of neighbours)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _depth(word: str) -> int:
    return 2 if len(word) >= LONG_WORD else 1


class Speller:
    """Maps a word to the closest word of a fixed vocabulary, or leaves it alone."""

    def __init__(self, words: Iterable[str]) -> None:
        self._counts = Counter(words)
        self._by_variant: dict[str, set[str]] = {}
        for word in self._counts:
            if len(word) >= _MIN_LENGTH:
                for variant in deletions(word, _depth(word)):
                    self._by_variant.setdefault(variant, set()).add(word)

    def __call__(self, word: str) -> str:
        if word in self._counts or len(word) < _MIN_LENGTH or not word.isalpha():
            return word
        near = set().union(*(self._by_variant.get(v, set()) for v in deletions(word, _depth(word))))
        limit = _depth(word)
        scored = [(distance(word, w), -self._counts[w], w) for w in near]
        best = min((s for s in scored if s[0] <= limit), default=None)
        return best[2] if best else word
