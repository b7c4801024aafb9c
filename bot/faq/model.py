"""The clinic's FAQ: an immutable model of `faq/*.toml`, and the `faq check` command.

Clinic admins edit these files by hand, so loading reports every problem at once as
`file:line: message` and gives no `Faq` while any error remains; the server keeps the FAQ it
has until the files are fixed. The model is plain frozen data so the pure core can take it as
an argument. The rules live in `bot.faq.rules`, the wording checks in `bot.faq.lint`, where a
problem sits in a file in `bot.faq.source`. This module reads only the directory it is given
and keeps no state.

Answers may name the clinic's facts as `{phone}`, `{product_source}` … (`PLACEHOLDERS`);
`fill_answers` puts in the values of `config/clinic.toml`, in each answer's language, so the
files stay the same for every clinic and a patient never sees a placeholder.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TextIO

from bot import clinic
from bot.faq.lint import fill
from bot.faq.rules import (
    CLINIC_PLACEHOLDERS,
    DISCLOSURE_PLACEHOLDERS,
    PLACEHOLDERS,
    FaqFile,
    check_filled,
    inspect,
)
from bot.faq.source import Problem
from bot.lang import LANGS, Lang
from bot.line_limits import MAX_TEXT_UNITS, utf16_length

__all__ = [
    "PLACEHOLDERS",
    "REQUIRED_TOPICS",
    "Entry",
    "Faq",
    "FaqError",
    "Problem",
    "Subject",
    "Topic",
    "check",
    "fill_answers",
    "load",
    "load_or_raise",
    "placeholder_values",
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
class Subject:
    """A subject the FAQ does not cover, listed by the admins with its own reply
    (`faq/out_of_scope.<subject>.toml`): a message nearest to its examples gets `answer`."""

    id: str
    answer: Mapping[Lang, str]
    questions: Mapping[Lang, tuple[str, ...]]
    path: Path


@dataclass(frozen=True)
class Faq:
    """Every topic, ordered by file name, and the messages the FAQ must not answer: those of
    `out_of_scope.toml` (the plain fallback reply) and the `subjects` with their own reply."""

    topics: Mapping[str, Topic]
    out_of_scope: Mapping[Lang, tuple[str, ...]]
    subjects: Mapping[str, Subject] = field(default_factory=lambda: MappingProxyType({}))

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
    hours_file: Path | None = None,
    richmenu_file: Path | None = None,
    seed: Path | None = None,
) -> int:
    """`python -m bot faq check`: print every problem (the FAQ's, then each config file's,
    then a stale readings seed), then a summary; 1 on any error, else 0."""
    files, problems = inspect(directory, tuple(required))
    if clinic_file is not None:
        unparsed = [p for p in problems if p.message.startswith("invalid TOML")]
        rest = [p for p in problems if p not in unparsed]
        filled = sorted(
            [*rest, *_filled_problems(files, clinic_file)],
            key=lambda p: (str(p.path), p.line, p.column or 0),
        )
        problems = [*unparsed, *filled, *clinic.problems(clinic_file)]
    if hours_file is not None and hours_file.is_file():
        problems += _hours_problems(hours_file)
    if richmenu_file is not None and richmenu_file.is_file():
        problems += _richmenu_problems(richmenu_file, files)
    errors = sum(problem.severity == "error" for problem in problems)
    if seed is not None and not errors and _stale(_build(files), seed):
        problems.append(
            Problem(
                seed,
                0,
                "out of date for this FAQ (the first start would load a dictionary, ~0.5 s): "
                f"run `python -m bot faq readings {directory}` and commit the file",
                "warning",
            )
        )
    for problem in problems:
        out.write(f"{problem}\n")
    warnings = len(problems) - errors
    paths = len(list(directory.glob("*.toml"))) if directory.is_dir() else 0
    topics = len({file.id for file in files if file.is_topic and file.id is not None})
    out.write(
        f"faq check: {_count(paths, 'file')}, {_count(topics, 'topic')},"
        f" {_count(errors, 'error')}, {_count(warnings, 'warning')}\n"
    )
    return 1 if errors else 0


def _stale(faq: Faq, seed: Path) -> bool:
    from bot.core.knowledge import faq_texts  # noqa: PLC0415 - the core imports this module
    from bot.nlu.reading import is_stale  # noqa: PLC0415

    return is_stale(faq_texts(faq), seed)


def _richmenu_problems(path: Path, files: list[FaqFile]) -> list[Problem]:
    from bot import richmenu  # noqa: PLC0415 - only when the clinic has a rich menu file

    topics = {file.id for file in files if file.is_topic and file.id is not None}
    return richmenu.problems(path, topics)


def _hours_problems(path: Path) -> list[Problem]:
    from bot.core import hours  # noqa: PLC0415 - babel and jpholiday: only when there is a file

    try:
        hours.load(path)
    except hours.HoursError as err:
        return err.problems
    return []


# What a placeholder shows when the clinic left its optional value empty (clinic.toml allows
# "" for these two), so a sentence never loses its object.
_WHEN_EMPTY: Mapping[str, Mapping[Lang, str]] = MappingProxyType(
    {
        "medical_advice_line": MappingProxyType(
            {"ja": "お住まいの地域の救急相談窓口", "en": "your local emergency advice line"}
        ),
        "after_hours_phone": MappingProxyType({"ja": "なし", "en": "none"}),
    }
)


def placeholder_values(facts: clinic.Clinic, lang: Lang) -> Mapping[str, str]:
    """The text each placeholder stands for in `lang`: the clinic's facts and its disclosure."""
    disclosure = facts.disclosure(lang)
    values = {item: str(getattr(facts, item)) for item in CLINIC_PLACEHOLDERS}
    values |= {item: str(getattr(disclosure, item)) for item in DISCLOSURE_PLACEHOLDERS}
    for item, fallback in _WHEN_EMPTY.items():
        values[item] = values[item] or fallback[lang]
    return MappingProxyType(values)


def fill_answers(faq: Faq, facts: clinic.Clinic) -> Faq:
    """`faq` with every answer's placeholders filled in its own language.

    Raises `FaqError` when a filled answer is over LINE's limit (`faq check` reports it too,
    with its line), so the server keeps the FAQ it has rather than send a cut answer."""
    values = {lang: placeholder_values(facts, lang) for lang in LANGS}
    topics: dict[str, Topic] = {}
    problems = []
    for topic_id, topic in faq.topics.items():
        entries = {lang: _filled(topic.entry(lang), values[lang]) for lang in LANGS}
        for lang, entry in entries.items():
            size = utf16_length(entry.answer)
            if size > MAX_TEXT_UNITS:
                message = (
                    f"{lang}.answer of {topic_id!r} is {size:,} characters once the clinic's"
                    f" values are filled in; LINE allows {MAX_TEXT_UNITS:,}"
                )
                problems.append(Problem(topic.path, 1, message))
        topics[topic_id] = replace(topic, ja=entries["ja"], en=entries["en"])
    subjects = {}
    for subject_id, subject in faq.subjects.items():
        answers = {lang: fill(subject.answer[lang], values[lang]) for lang in LANGS}
        for lang, answer in answers.items():
            size = utf16_length(answer)
            if size > MAX_TEXT_UNITS:
                message = (
                    f"{lang}.answer of {subject_id!r} is {size:,} characters once the clinic's"
                    f" values are filled in; LINE allows {MAX_TEXT_UNITS:,}"
                )
                problems.append(Problem(subject.path, 1, message))
        subjects[subject_id] = replace(subject, answer=MappingProxyType(answers))
    if problems:
        raise FaqError(problems)
    return replace(faq, topics=MappingProxyType(topics), subjects=MappingProxyType(subjects))


def _filled(entry: Entry, values: Mapping[str, str]) -> Entry:
    return replace(entry, answer=fill(entry.answer, values))


def _filled_problems(files: list[FaqFile], clinic_file: Path) -> list[Problem]:
    """Answers too long once the clinic's values are in; nothing when the clinic file is broken
    (its own problems say why)."""
    try:
        facts = clinic.load_if_present(clinic_file)
    except (clinic.ClinicError, OSError):
        return []
    return check_filled(files, {lang: placeholder_values(facts, lang) for lang in LANGS})


def _build(files: list[FaqFile]) -> Faq:
    """The model, from files the rules found no error in (so every shape is known)."""
    topics: dict[str, Topic] = {}
    out_of_scope: dict[Lang, tuple[str, ...]] = {lang: () for lang in LANGS}
    subjects: dict[str, Subject] = {}
    for file in files:
        if file.is_subject:
            subjects[file.data["id"]] = Subject(
                file.data["id"],
                MappingProxyType({lang: str(file.data[lang]["answer"]).strip() for lang in LANGS}),
                MappingProxyType({lang: _texts(file.data[lang]["questions"]) for lang in LANGS}),
                file.path,
            )
            continue
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
    return Faq(MappingProxyType(topics), MappingProxyType(out_of_scope), MappingProxyType(subjects))


def _entry(table: dict[str, object]) -> Entry:
    label, answer = str(table["label"]).strip(), str(table["answer"]).strip()
    questions = table["questions"]
    return Entry(label, answer, _texts(questions if isinstance(questions, list) else []))


def _texts(items: list[str]) -> tuple[str, ...]:
    return tuple(item.strip() for item in items)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
