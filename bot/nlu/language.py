"""Which language a patient is writing in: Japanese or English.

Japanese sentences carry hiragana (particles, endings) even when they borrow English words
("exosomeの費用は?"), while English sentences may borrow a Japanese noun ("Is エクソソーム safe?").
So hiragana decides for Japanese, Latin words decide for English, and a message with neither
(an emoji, a number) has no language of its own.
"""

import unicodedata

from bot.lang import Lang
from bot.nlu.normalize import is_japanese

_LATIN_WORD_SHARE = 3  # Latin letters must outnumber Japanese characters this much to win


def detect(text: str) -> Lang | None:
    """The main language of `text`, or None when it has no letters of either language."""
    text = unicodedata.normalize("NFKC", text)
    hiragana = sum(1 for ch in text if "\u3041" <= ch <= "\u309f")
    japanese = sum(1 for ch in text if is_japanese(ch))
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if japanese == 0:
        return "en" if latin else None
    if latin == 0:
        return "ja"
    if hiragana >= 2:  # particles and endings: the sentence itself is Japanese
        return "en" if latin > _LATIN_WORD_SHARE * japanese else "ja"
    # No particles: a Japanese noun borrowed into English ("what's エクソソーム?") or bare nouns.
    return "en" if 2 * latin >= japanese else "ja"
