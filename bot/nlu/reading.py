"""Kana readings of Japanese text, so hiragana-only questions can match kanji examples.

pykakasi (about 10 MB, pure Python, no model download) is the smallest dictionary that gives
readings; it takes ~0.4 s to load, so one reader is made per FAQ index and reused.
"""

from functools import lru_cache

import pykakasi


class KanaReader:
    """Callable giving the hiragana reading of a Japanese string."""

    def __init__(self) -> None:
        # pykakasi ships py.typed, but its constructor has no annotations.
        self._kakasi = pykakasi.kakasi()  # type: ignore[no-untyped-call]
        self._read = lru_cache(maxsize=4096)(self._convert)

    def _convert(self, text: str) -> str:
        return "".join(part["hira"] for part in self._kakasi.convert(text))

    def __call__(self, text: str) -> str:
        return self._read(text)
