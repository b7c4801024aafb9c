"""Clauses of a long message (`bot/nlu/clauses.py`), each matched alone by the semantic stage."""

import pytest

from bot.nlu.clauses import MAX_CLAUSES, clauses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "冷え性がひどいです。血行に効きますか",
            ["冷え性がひどいです。", "血行に効きますか"],
            id="ja-sentences",
        ),
        pytest.param(
            "去年ほかで点滴を受けたんですが、こちらは1回いくらですか",
            ["去年ほかで点滴を受けたんですが、", "こちらは1回いくらですか"],
            id="ja-context-connective",
        ),
        pytest.param(
            "My brows got thin over the years. Can exosomes help?",
            ["My brows got thin over the years.", "Can exosomes help?"],
            id="en-sentences",
        ),
        pytest.param("副作用はありますか？", [], id="one-clause"),
        pytest.param("はい。副作用は？", [], id="short-pieces-joined"),
        pytest.param("Is it safe e.g. for kids?", [], id="abbreviation"),
        pytest.param("", [], id="empty"),
    ],
)
def test_clauses(text: str, expected: list[str]) -> None:
    assert clauses(text) == expected


def test_only_the_last_clauses_are_kept() -> None:
    text = "。".join(f"{i}番目の文はここです" for i in range(6))
    found = clauses(text)
    assert len(found) == MAX_CLAUSES
    assert found[-1] == "5番目の文はここです"
