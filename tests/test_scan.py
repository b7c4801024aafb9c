"""The RE2 pre-pass finds exactly what Python's `re` finds, in every triage lexicon."""

import re
from pathlib import Path

import pytest

from bot.core import triage
from bot.core.scan import Lexicons, loosen
from bot.evaluation import read_cases
from bot.nlu.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]


def _texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "tests/eval/triage").glob("dev-*.tsv")):
        texts += [normalize(case.text) for case in read_cases(path)]
    # Long messages with no punctuation for pages: sentences are as long as the message.
    joined = [" ".join(texts[i : i + 80]) for i in range(0, len(texts), 80)]
    return texts + joined + [text.replace("。", " ") for text in joined]


def test_every_lexicon_finds_what_re_finds() -> None:
    lexicons = triage.LEXICONS
    texts = _texts()
    for text in texts:
        found = lexicons.scan(text)
        for pattern in lexicons.patterns:
            expected = [m.span() for m in pattern.finditer(text)]
            assert [m.span() for m in found.all(pattern)] == expected, (pattern.pattern, text)


@pytest.mark.parametrize(
    ("pattern", "text", "spans"),
    [
        (r"(?<![a-z])chest(?![a-z])", "my chest hurts; manchester", [(3, 8)]),
        (r"胸が[^。]{0,4}(?:痛|苦し)", "きのうから胸がすごく痛い。胸が。苦しい", [(5, 11)]),
        (r"\bfaint(?:ed|ing)?\b", "FAINTED? i fainted", [(0, 7), (11, 18)]),
        (r"\d{1,2}(?:歳|さい)", "１６歳です", [(0, 3)]),
        (r"[^\s]+ing", "a breathing", [(2, 11)]),
    ],
)
def test_constructs_rewritten_for_re2_keep_their_matches(
    pattern: str, text: str, spans: list[tuple[int, int]]
) -> None:
    compiled = re.compile(pattern)
    found = Lexicons([compiled]).scan(normalize(text))
    assert [m.span() for m in found.all(compiled)] == spans


def test_a_phrase_at_the_end_of_a_5000_character_message_is_found() -> None:
    chest = re.compile(r"胸が(?:痛|苦し)")
    text = "点滴のことで質問です" * 499 + "胸が痛い"
    found = Lexicons([chest]).scan(text)
    assert [m.start() for m in found.all(chest)] == [len(text) - 4]
    assert found.within(chest, 0, len(text) - 2) == []


def test_the_loose_twin_drops_lookarounds_anchors_and_upper_bounds() -> None:
    assert loosen(re.compile(r"(?<!将来)妊娠(?!中の人)")) == "妊娠"
    assert loosen(re.compile(r"a{2,5}b[^x]|\bc")) == "(?:(?:a){2,}?b[^x]|c)"
