"""The clinic's FAQ: an immutable model of `faq/*.toml`, and the `faq check` command.

Clinic admins edit these files by hand, so loading reports every problem at once as
`file:line: message` and gives no `Faq` while any error remains; the server keeps the FAQ it
has until the files are fixed. The model is plain frozen data so the pure core can take it as
an argument. The rules live in `bot.faq_rules`, line lookup and the wording check in
`bot.faq_lint`. This module reads only the directory it is given and keeps no state.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TextIO

from bot import clinic
from bot.faq_lint import Problem
from bot.faq_rules import FaqFile, inspect
from bot.lang import LANGS, Lang

__all__ = [
    "REQUIRED_TOPICS",
    "Entry",
    "Faq",
    "FaqError",
    "Problem",
    "Topic",
    "check",
    "load",
    "load_or_raise",
]

# The ids of faq-topics.md. Tests, evaluation sets and analytics use them: never rename one.
REQUIRED_TOPICS: tuple[str, ...] = (
    "about",
    "how_it_works",
    "effects",
    "effects.anti_aging",
    "effects.hair",
    "effects.immune",
    "effects.vascular",
    "effects.dementia",
    "effects.sports_injury",
    "recommended_for",
    "administration",
    "side_effects",
    "cost",
    "contraindications",
    "cancer",
    "sessions",
    "safety",
    "products",
    "consultation",
    "supervision",
)


@dataclass(frozen=True)
class Entry:
    """One language of one topic: what the menu shows, what the bot says, what patients ask."""

    label: str
    answer: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    """One FAQ topic in both languages, with the quick replies offered after its answer."""

    id: str
    ja: Entry
    en: Entry
    follow_ups: tuple[str, ...]
    offer_staff: bool
    menu: bool
    path: Path

    def entry(self, lang: Lang) -> Entry:
        """The entry in the patient's language."""
        return self.ja if lang == "ja" else self.en

    def content_hash(self) -> str:
        """A short fingerprint of the text patients see, so the audit log can name a version."""
        shown = {lang: [self.entry(lang).label, self.entry(lang).answer] for lang in LANGS}
        canonical = json.dumps(shown, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Faq:
    """Every topic, ordered by file name, and the messages the FAQ must not answer."""

    topics: Mapping[str, Topic]
    out_of_scope: Mapping[Lang, tuple[str, ...]]

    def menu(self) -> tuple[Topic, ...]:
        """The topics of the main menu, in file order."""
        return tuple(topic for topic in self.topics.values() if topic.menu)


class FaqError(Exception):
    """The FAQ files have errors; `problems` holds everything the check found, warnings too."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def load(
    directory: Path, required: Iterable[str] = REQUIRED_TOPICS
) -> tuple[Faq | None, list[Problem]]:
    """Read every `*.toml` in `directory`; the `Faq` is None when any problem is an error.

    `required` exists so unit tests can load a tiny directory; the server keeps the default.
    """
    files, problems = inspect(directory, tuple(required))
    if any(problem.severity == "error" for problem in problems):
        return None, problems
    return _build(files), problems


def load_or_raise(directory: Path, required: Iterable[str] = REQUIRED_TOPICS) -> Faq:
    """Load the FAQ, or raise `FaqError` when the files have errors."""
    faq, problems = load(directory, required)
    if faq is None:
        raise FaqError(problems)
    return faq


def check(
    directory: Path,
    out: TextIO,
    required: Iterable[str] = REQUIRED_TOPICS,
    clinic_file: Path | None = None,
) -> int:
    """`python -m bot faq check`: print every problem (the FAQ's, then the clinic file's),
    then a summary; 1 on any error, else 0."""
    files, problems = inspect(directory, tuple(required))
    if clinic_file is not None:
        problems = [*problems, *clinic.problems(clinic_file)]
    for problem in problems:
        out.write(f"{problem}\n")
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    paths = len(list(directory.glob("*.toml"))) if directory.is_dir() else 0
    topics = len({file.id for file in files if file.is_topic and file.id is not None})
    out.write(
        f"faq check: {_count(paths, 'file')}, {_count(topics, 'topic')},"
        f" {_count(errors, 'error')}, {_count(warnings, 'warning')}\n"
    )
    return 1 if errors else 0


def _build(files: list[FaqFile]) -> Faq:
    """The model, from files the rules found no error in (so every shape is known)."""
    topics: dict[str, Topic] = {}
    out_of_scope: dict[Lang, tuple[str, ...]] = {lang: () for lang in LANGS}
    for file in files:
        if not file.is_topic:
            out_of_scope = {lang: _texts(file.data[lang]["questions"]) for lang in LANGS}
            continue
        topics[file.data["id"]] = Topic(
            id=file.data["id"],
            ja=_entry(file.data["ja"]),
            en=_entry(file.data["en"]),
            follow_ups=tuple(file.data.get("follow_ups", ())),
            offer_staff=file.data.get("offer_staff", False),
            menu=file.data.get("menu", False),
            path=file.path,
        )
    return Faq(MappingProxyType(topics), MappingProxyType(out_of_scope))


def _entry(table: dict[str, object]) -> Entry:
    label, answer = str(table["label"]).strip(), str(table["answer"]).strip()
    questions = table["questions"]
    return Entry(label, answer, _texts(questions if isinstance(questions, list) else []))


def _texts(items: list[str]) -> tuple[str, ...]:
    return tuple(item.strip() for item in items)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
