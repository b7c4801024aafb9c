"""Words the FAQ knows, so a question about something else is recognised as such.

"How much is botox?" shares "how much" with the cost topic; only the unknown word "botox"
tells that it is not about our treatment. Unknown English words and katakana loanwords
(ボトックス, ヒアルロン酸) are counted; a typo one or two edits from a known word is not unknown.
"""

import re
import unicodedata
from collections.abc import Iterable

from bot.nlu.features import english_words
from bot.nlu.normalize import fold_kana, normalize

_KATAKANA_WORD = re.compile(r"[\u30a1-\u30fa\u30fc]{3,}")
_KANJI_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff々]{2,}")
_MIN_ENGLISH = 4  # shorter words are too ambiguous to call unknown


def loanwords(text: str) -> list[str]:
    """Katakana words of three or more characters, folded like everything else."""
    nfkc = unicodedata.normalize("NFKC", text)
    return [fold_kana(w).replace("ー", "") for w in _KATAKANA_WORD.findall(nfkc)]


def kanji_words(text: str) -> list[str]:
    """Runs of two or more kanji: the nouns of a Japanese sentence, roughly."""
    return _KANJI_WORD.findall(unicodedata.normalize("NFKC", text))


def _pairs(word: str) -> list[str]:
    return [word[i : i + 2] for i in range(len(word) - 1)]


def within(a: str, b: str, limit: int) -> bool:
    """True when the optimal-string-alignment distance of a and b is at most `limit`."""
    if abs(len(a) - len(b)) > limit:
        return False
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


class Vocabulary:
    """The English words and katakana loanwords used anywhere in the FAQ."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._english: set[str] = set()
        self._loan: set[str] = set()
        self._kanji_pairs: set[str] = set()
        for text in texts:
            self._english.update(english_words(normalize(text)))
            self._loan.update(loanwords(text))
            for word in kanji_words(text):
                self._kanji_pairs.update(_pairs(word))
        self._by_length: dict[int, list[str]] = {}
        for word in self._english:
            self._by_length.setdefault(len(word), []).append(word)

    def _known_english(self, word: str) -> bool:
        if word in self._english or len(word) < _MIN_ENGLISH or word.isdigit():
            return True
        limit = 1 if len(word) <= 6 else 2
        return any(
            within(word, known, limit)
            for n in range(len(word) - limit, len(word) + limit + 1)
            for known in self._by_length.get(n, ())
        )

    def _known_loanword(self, word: str) -> bool:
        return any(word in known or known in word for known in self._loan)

    def unknown(self, text: str) -> tuple[int, int]:
        """(unknown content words, content words) in `text`."""
        words = [w for w in english_words(normalize(text)) if len(w) >= _MIN_ENGLISH]
        loans = loanwords(text)
        kanji = kanji_words(text)
        unknown = sum(not self._known_english(w) for w in words)
        unknown += sum(not self._known_loanword(w) for w in loans)
        # A kanji word is unknown when some pair of its characters never occurs in the FAQ
        # (予防接種, 駐車場); known words in new compounds (エクソソーム点滴料金) still count.
        unknown += sum(not all(p in self._kanji_pairs for p in _pairs(w)) for w in kanji)
        return unknown, len(words) + len(loans) + len(kanji)
