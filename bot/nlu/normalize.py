"""Text normalization shared by matching and the safety rules.

Patients type the same word many ways: full- or half-width, katakana or hiragana, with or
without long-vowel marks, in any case. Folding all of that to one form here means example
questions, emergency phrases and the patient's text are always compared in the same shape.
"""

import re
import unicodedata

_KATA_START, _KATA_END = 0x30A1, 0x30F6  # ァ .. ヶ
_KANA_OFFSET = 0x60
# Long-vowel marks and wave dashes carry no meaning for matching (えくそそーむ = えくそそむ).
_LONG_MARKS = str.maketrans("", "", "ー〜~～－―‐")
_SPACES = re.compile(r"\s+")


_HIRAGANA = {code: code - _KANA_OFFSET for code in range(_KATA_START, _KATA_END + 1)}


def fold_kana(text: str) -> str:
    """Katakana to hiragana, so エクソソーム and えくそそーむ compare equal."""
    return text.translate(_HIRAGANA)


def normalize(text: str) -> str:
    """NFKC, lower case, hiragana, no long-vowel marks, single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = fold_kana(text).translate(_LONG_MARKS)
    return _SPACES.sub(" ", text).strip()


def is_kanji(ch: str) -> bool:
    """CJK unified ideographs (and 々), the characters a reading dictionary is needed for."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch == "々"


def is_kana(ch: str) -> bool:
    """Hiragana or katakana (after NFKC, half-width katakana is already full-width)."""
    return "\u3041" <= ch <= "\u309f" or "\u30a0" <= ch <= "\u30ff"


def is_japanese(ch: str) -> bool:
    """Any character that marks text as Japanese."""
    return is_kana(ch) or is_kanji(ch)
