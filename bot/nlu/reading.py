"""Kana readings of Japanese text, so hiragana-only questions can match kanji examples.

Readings come from a small dictionary of the FAQ's own kanji words and characters (about a
thousand entries), made with pykakasi and kept in a cache file. Only when the FAQ gains a word
the cache lacks is pykakasi loaded (about 0.4 s and 100 MB); a running server never keeps it.
A query's kanji the FAQ never uses get no reading: they could not match an example anyway.
Measured on the labelled sets: the same accuracy as reading every query with pykakasi.
"""

import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.nlu.normalize import is_kanji, normalize
from bot.nlu.vocabulary import kanji_words

logger = logging.getLogger(__name__)

_LONGEST = 8  # longest kanji word looked up


class KanaReader:
    """Callable giving the hiragana reading of a Japanese run, word by word."""

    def __init__(self, words: Mapping[str, str], chars: Mapping[str, str]) -> None:
        self._words = dict(words)
        self._chars = dict(chars)

    def __call__(self, text: str) -> str:
        out: list[str] = []
        i = 0
        while i < len(text):
            if not is_kanji(text[i]):
                out.append(text[i])
                i += 1
                continue
            for size in range(min(_LONGEST, len(text) - i), 1, -1):
                reading = self._words.get(text[i : i + size])
                if reading is not None:
                    out.append(reading)
                    i += size
                    break
            else:
                out.append(self._chars.get(text[i], ""))
                i += 1
        return "".join(out)


def _needed(texts: Iterable[str]) -> tuple[set[str], set[str]]:
    words = {w for text in texts for w in kanji_words(normalize(text))}
    chars = {ch for w in words for ch in w}
    return words, chars


def _load(cache: Path | None) -> dict[str, str]:
    if cache is None or not cache.is_file():
        return {}
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        logger.warning("reading cache %s unreadable; rebuilding it", cache)
        return {}
    return data if isinstance(data, dict) else {}


def _save(cache: Path, readings: Mapping[str, str]) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=cache.parent, delete=False, encoding="utf-8"
        ) as fh:
            json.dump(readings, fh, ensure_ascii=False, sort_keys=True)
        os.replace(fh.name, cache)
    except OSError as exc:  # a read-only deployment still works, just starts slower
        logger.warning("reading cache not saved: %s", type(exc).__name__)


def build_reader(texts: Iterable[str], cache: Path | None = None) -> KanaReader:
    """A reader for the kanji of `texts`, from `cache`, completed with pykakasi if needed."""
    words, chars = _needed(texts)
    known = _load(cache)
    missing = (words | chars) - known.keys()
    if missing:
        import pykakasi  # noqa: PLC0415 - heavy: loaded only when the cache lacks words

        kakasi = pykakasi.kakasi()  # type: ignore[no-untyped-call]  # untyped constructor
        for item in sorted(missing):
            known[item] = normalize("".join(part["hira"] for part in kakasi.convert(item)))
        if cache is not None:
            _save(cache, known)
    return KanaReader({w: known[w] for w in words}, {c: known[c] for c in chars})
