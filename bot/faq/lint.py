"""The wording checks of an FAQ answer, each pointing at the physical line of a word, even
inside a multi-line answer (positions from `bot.faq.source`):

- `flag_wording`: wording an answer must not use, one table row per kind (`WORDINGS`): what
  Japan's medical advertising guidelines forbid (guarantees, superlatives, testimonials, claims
  of approval), talk about the source text (このコラム, "this article") and promises of results.
- `flag_hedges`: a hedge of the Japanese answer (とされています, 可能性, 期待) that the English
  answer drops (`HEDGES`), because the English must say no more than the Japanese.
- `flag_placeholders`: `{name}` placeholders the bot cannot fill and stray braces.

This module knows nothing about topics; `bot.faq.rules` holds the rules, `bot.faq.model` the model.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.faq.source import Key, Problem, SourceMap, name
from bot.lang import Lang

# Substrings: Japanese has no word boundaries. Hedges such as 不確実 are flagged too; admins
# mark those reviewed. Full-width forms are listed because IMEs produce them.
_JA_WORDING = re.compile(
    r"必ず|絶対|[1１][0０][0０]\s*[%％]|完治|最高|最先端|体験談|承認済|確実|保証|日本一"
    r"|[NＮ][OＯ]\s*[.．]?\s*[1１]",
    re.IGNORECASE,
)
_EN_WORDING = re.compile(
    r"\b(?:guarantee[ds]?|cure[ds]?|best|testimonials?|approved|proven|miracles?"
    r"|permanent(?:ly)?)\b|\b100\s*%",
    re.IGNORECASE,
)
_DISCLOSURE = re.compile(r"\bnot\s+$", re.IGNORECASE)  # "not approved in Japan" is required text


@dataclass(frozen=True)
class Wording:
    """One kind of wording answers and labels must not use, per language, and what to do instead.

    `allowed_before` clears a match that directly follows it ("not" before "approved")."""

    kind: str
    ja: re.Pattern[str]
    en: re.Pattern[str]
    why: str
    fix: str
    allowed_before: re.Pattern[str] | None = None

    def pattern(self, lang: Lang) -> re.Pattern[str]:
        """The pattern for one language."""
        return self.ja if lang == "ja" else self.en


WORDINGS: tuple[Wording, ...] = (
    Wording(
        "advertising",
        _JA_WORDING,
        _EN_WORDING,
        "is wording that Japanese medical advertising rules forbid",
        "reword it",
        _DISCLOSURE,
    ),
    # The patient talks to the clinic, not to a document: "this column does not say" is the
    # editor's view. Say what the clinic can tell them (or that staff can) instead.
    Wording(
        "meta",
        re.compile(r"コラム|この記事|本記事|当記事|記事では|この情報|本情報"),
        re.compile(r"\b(?:this|the)\s+(?:article|column)\b|\bthis\s+information\b", re.IGNORECASE),
        "talks about the source text, which patients should not see",
        "say what the clinic or its staff can tell them instead",
    ),
    # The article only ever hopes (期待されています, 可能性があります); a plain future or present
    # tense turns that into a promise. Patients' questions are not checked, only answers.
    Wording(
        "promise",
        re.compile(
            r"治ります|治せます|治る|改善します|改善できます|効きます|効果があります|若返ります"
            r"|予防できます|回復します|良くなります|よくなります|生えてきます"
        ),
        re.compile(
            r"\bwill\s+(?:improve|cure|heal|restore|regrow|reverse|prevent|work|fix|remove"
            r"|make\s+you)\b|\b(?:heals|reverses|regrows)\b|\bis\s+effective\b|\bworks\s+for\b",
            re.IGNORECASE,
        ),
        "promises a result the article only hopes for",
        "keep the article's hedge (期待されています, 可能性があります; is expected, may)",
    ),
)


@dataclass(frozen=True)
class Hedge:
    """A Japanese hedge and the English words that carry it: the English answer keeps it."""

    ja: re.Pattern[str]
    en: re.Pattern[str]
    english: str  # shown in the message: what the English should say


# The pairs a translator most often drops (faq-topics.md: "the same hedges"). A paragraph of the
# English answer must carry each hedge of the matching Japanese paragraph.
HEDGES: tuple[Hedge, ...] = (
    Hedge(
        re.compile(r"とされて|といわれて|と言われて"),
        re.compile(r"\b(?:said|reported)\b", re.IGNORECASE),
        '"is said to", "is reported"',
    ),
    Hedge(
        re.compile(r"可能性"),
        re.compile(r"\b(?:may|might|possib\w*)\b", re.IGNORECASE),
        '"may", "might", "possible"',
    ),
    Hedge(re.compile(r"期待"), re.compile(r"\bexpect\w*", re.IGNORECASE), '"is expected"'),
    Hedge(
        re.compile(r"個人差"),
        re.compile(r"\b(?:vary|varies|individual\w*)\b", re.IGNORECASE),
        '"varies from person to person"',
    ),
    Hedge(
        re.compile(r"考えられ"),
        re.compile(r"\b(?:thought|believed|considered)\b", re.IGNORECASE),
        '"is thought to"',
    ),
    Hedge(re.compile(r"示唆"), re.compile(r"\bsuggest\w*", re.IGNORECASE), '"it is suggested"'),
    Hedge(re.compile(r"傾向"), re.compile(r"\btend\w*", re.IGNORECASE), '"tends to"'),
    Hedge(
        re.compile(r"解明されて"),
        re.compile(r"\b(?:understood|clarified)\b", re.IGNORECASE),
        '"not fully understood"',
    ),
    Hedge(
        re.compile(r"場合があ"),
        re.compile(r"\b(?:may|might|can|sometimes)\b", re.IGNORECASE),
        '"may", "can"',
    ),
)

# `{name}` is filled with the clinic's value; `{{` and `}}` stand for a literal brace.
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z0-9_]*)\}|[{}]")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_REVIEWED_COMMENT = re.compile(r"#\s*reviewed\b", re.IGNORECASE)


def flag_wording(
    path: Path, source: SourceMap, key: Key, lang: Lang, reviewed: Sequence[str]
) -> list[Problem]:
    """Flag each kind of `WORDINGS` in the string at `key`, unless a human reviewed it."""
    span = source.strings.get(key)
    if span is None:
        return []
    text = source.text[span[0] : span[1]]
    cleared = _cleared(text, reviewed)
    problems = []
    for wording in WORDINGS:
        for match in wording.pattern(lang).finditer(text):
            word = match.group()
            before = wording.allowed_before
            if before is not None and before.search(text[: match.start()]):
                continue
            if _covered(match.span(), cleared):
                continue
            line, column = source.position(span[0] + match.start())
            if _REVIEWED_COMMENT.match(source.comments.get(line, "")):
                continue
            message = (
                f"{name(key)}: {word!r} {wording.why}; {wording.fix},"
                f" or list the reviewed phrase in [{lang}] reviewed"
            )
            problems.append(Problem(path, line, message, "warning", column))
    return problems


def flag_hedges(
    path: Path, source: SourceMap, ja_key: Key, en_key: Key, reviewed: Sequence[str]
) -> list[Problem]:
    """Flag a hedge of the Japanese answer that the English answer does not carry.

    Paragraphs are compared pairwise when both answers have as many; otherwise the whole
    English answer must carry it. One warning per hedge and paragraph, at the Japanese word."""
    ja_span, en_span = source.strings.get(ja_key), source.strings.get(en_key)
    if ja_span is None or en_span is None:
        return []
    ja_parts = _paragraphs(source.text, ja_span)
    en_parts = _paragraphs(source.text, en_span)
    if len(ja_parts) != len(en_parts):
        ja_parts, en_parts = [ja_span], [en_span]
    cleared = _cleared(source.text, reviewed, ja_span)
    problems = []
    for index, (ja_part, en_part) in enumerate(zip(ja_parts, en_parts, strict=True)):
        english = source.text[en_part[0] : en_part[1]]
        where = f" paragraph {index + 1}" if len(ja_parts) > 1 else ""
        for hedge in HEDGES:
            if hedge.en.search(english):
                continue
            for match in hedge.ja.finditer(source.text, ja_part[0], ja_part[1]):
                if _covered(match.span(), cleared):
                    continue
                line, column = source.position(match.start())
                message = (
                    f"{name(ja_key)}: hedge {match.group()!r} is missing from"
                    f" {name(en_key)}{where}; keep it in English ({hedge.english}),"
                    f" or list the reviewed phrase in [{ja_key[0]}] reviewed"
                )
                problems.append(Problem(path, line, message, "warning", column))
                break
    return problems


def flag_placeholders(
    path: Path, source: SourceMap, key: Key, known: Sequence[str]
) -> list[Problem]:
    """An unknown `{name}` or a lone brace in the string at `key` is an error at its column."""
    span = source.strings.get(key)
    if span is None:
        return []
    problems = []
    for match in _PLACEHOLDER.finditer(source.text, span[0], span[1]):
        token = match.group()
        if token in ("{{", "}}") or match.group(1) in known:
            continue
        line, column = source.position(match.start())
        if match.group(1) is None:
            message = (
                f"{name(key)}: a lone {token!r}; write {token * 2} for a literal brace,"
                f" or a placeholder such as {{phone}}"
            )
        else:
            message = (
                f"{name(key)}: unknown placeholder {token}; the known ones are"
                f" {', '.join('{' + item + '}' for item in known)}"
            )
        problems.append(Problem(path, line, message, "error", column))
    return problems


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each `{name}` replaced by its value and `{{`, `}}` by one brace.

    Raises KeyError for a name `values` lacks and ValueError for a lone brace: `faq check`
    reports both, so a loaded FAQ never has them."""

    def replace(match: re.Match[str]) -> str:
        token = match.group()
        if token in ("{{", "}}"):
            return token[0]
        if match.group(1) is None:
            raise ValueError(f"lone {token!r} in an answer")
        return values[match.group(1)]

    return _PLACEHOLDER.sub(replace, text)


def without_placeholders(text: str) -> str:
    """`text` with its placeholders blanked, as the matcher's vocabulary should see it."""
    return _PLACEHOLDER.sub(lambda m: m.group()[0] if m.group() in ("{{", "}}") else " ", text)


def _paragraphs(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """The non-blank paragraphs of `text[span]`, as offsets into `text`."""
    parts, start = [], span[0]
    for gap in _PARAGRAPH.finditer(text, span[0], span[1]):
        parts.append((start, gap.start()))
        start = gap.end()
    parts.append((start, span[1]))
    return [(a, b) for a, b in parts if text[a:b].strip()]


def _cleared(
    text: str, reviewed: Sequence[str], span: tuple[int, int] | None = None
) -> list[tuple[int, int]]:
    """Where the reviewed phrases occur in `text` (within `span` when given)."""
    found = []
    for phrase in reviewed:
        if phrase.strip():
            for match in _phrase(phrase, text):
                if span is None or (span[0] <= match.start() and match.end() <= span[1]):
                    found.append(match.span())
    return found


def _covered(span: tuple[int, int], cleared: Sequence[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in cleared)


def _phrase(phrase: str, text: str) -> list[re.Match[str]]:
    """Occurrences of a reviewed phrase, allowing a line break wherever it has a space."""
    pattern = r"\s+".join(re.escape(word) for word in phrase.split())
    return list(re.finditer(pattern, text, re.IGNORECASE))
