"""Words the FAQ knows, so a question about something else is recognised as such.

"How much is botox?" shares "how much" with the cost topic; only the unknown word "botox"
tells that it is not about our treatment. Unknown English words and katakana loanwords
(ボトックス, ヒアルロン酸) are counted; a typo one or two edits from a known word is not unknown.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable

from bot.nlu.features import english_words
from bot.nlu.normalize import fold_kana, normalize

_KATAKANA_WORD = re.compile(r"[\u30a1-\u30fa\u30fc]{3,}")
_ACRONYM = re.compile(
    r"(?<![A-Za-z])[A-Z]{2,5}(?![A-Za-z])"
)  # ED, PRP, AGA, IVF: short, but they name things
_KANJI_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff々]{2,}")
_MIN_ENGLISH = 4  # shorter words are too ambiguous to call unknown


def loanwords(text: str) -> list[str]:
    """Katakana words of three or more characters, folded like everything else."""
    nfkc = unicodedata.normalize("NFKC", text)
    return [fold_kana(w).replace("ー", "") for w in _KATAKANA_WORD.findall(nfkc)]


def acronyms(text: str) -> list[str]:
    """Upper-case abbreviations, lower-cased: "PRP" -> "prp"."""
    return [w.lower() for w in _ACRONYM.findall(unicodedata.normalize("NFKC", text))]


def kanji_words(text: str) -> list[str]:
    """Runs of two or more kanji: the nouns of a Japanese sentence, roughly."""
    return _KANJI_WORD.findall(unicodedata.normalize("NFKC", text))


def _pairs(word: str) -> list[str]:
    return [word[i : i + 2] for i in range(len(word) - 1)]


def deletions(word: str, depth: int) -> set[str]:
    """`word` with up to `depth` characters deleted (SymSpell's trick for fast typo look-up).

    Two words share a deletion variant when they are one edit apart (insert, delete, replace)
    or swap two neighbours ("sied" and "side" both give "sid").
    """
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


LONG_WORD = 7  # words this long may carry two typos


class Vocabulary:
    """The English words and katakana loanwords used anywhere in the FAQ; with a `reader`, the
    kana readings of its kanji words too, so a word written in katakana that spells one of them
    (ﾌｸｻﾖｳ for 副作用, a common way to type on a phone) is not taken for an unknown loanword."""

    def __init__(self, texts: Iterable[str], reader: Callable[[str], str] | None = None) -> None:
        self._english: set[str] = set()
        self._loan: set[str] = set()
        self._kanji_pairs: set[str] = set()
        self._acronyms: set[str] = set()
        self._readings: set[str] = set()
        for text in texts:
            self._acronyms.update(acronyms(text))
            self._english.update(english_words(normalize(text)))
            self._loan.update(loanwords(text))
            for word in kanji_words(text):
                self._kanji_pairs.update(_pairs(word))
                if reader is not None:
                    self._readings.add(fold_kana(reader(word)).replace("ー", ""))
        self._near: set[str] = set()
        for word in self._english:
            self._near |= deletions(word, 2 if len(word) >= LONG_WORD else 1)

    def _known_english(self, word: str) -> bool:
        if word in self._english or len(word) < _MIN_ENGLISH or word.isdigit():
            return True
        return not self._near.isdisjoint(deletions(word, 2 if len(word) >= LONG_WORD else 1))

    def _known_loanword(self, word: str) -> bool:
        if word in self._readings:
            return True
        return any(word in known or known in word for known in self._loan)

    def knows(self, kind: str, word: str) -> bool:
        """Whether a content word of `kind` ("en", "loan" or "kanji") occurs in these texts.

        A kanji word counts as known when every pair of its characters occurs, so known words
        in new compounds (エクソソーム点滴料金) are known and 予防接種 or 駐車場 are not.
        """
        if kind == "en":
            return self._known_english(word)
        if kind == "loan":
            return self._known_loanword(word)
        if kind == "acronym":
            return word in self._acronyms or word in self._english
        return all(p in self._kanji_pairs for p in _pairs(word))


def content_words(text: str) -> list[tuple[str, str]]:
    """The words that carry a message's meaning, each with its kind: en, loan or kanji."""
    words = [("en", w) for w in english_words(normalize(text)) if len(w) >= _MIN_ENGLISH]
    words += [("acronym", w) for w in acronyms(text) if len(w) < _MIN_ENGLISH]
    words += [("loan", w) for w in loanwords(text)]
    words += [("kanji", w) for w in kanji_words(text)]
    return words
