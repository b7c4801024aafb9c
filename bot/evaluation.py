"""Accuracy of the core on a labelled TSV: `expected<TAB>lang<TAB>message` per line.

`expected` may list alternatives (`effects|effects.hair`). Triage sets label outcomes with a
category: `emergency:<category>` (e.g. `emergency:stroke`, `emergency:self_harm`),
`handoff:<symptom|medical|person>`, and `none:<kind>` for a near-miss that must be neither an
alarm nor a hand-off. The report gives accuracy per intent and language, every confusion, the
matching targets, and for triage: recall per emergency category, the false-alarm rate and how
many symptom reports and medical situations reached staff.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.core import decide
from bot.core.decision import State
from bot.core.knowledge import Knowledge

INTENTS = ("greeting", "thanks", "handoff", "emergency", "fallback")


TRIAGED = ("emergency", "handoff")
NONE = "none"  # a near-miss: anything but an alarm or a hand-off is right


@dataclass(frozen=True)
class Case:
    expected: frozenset[str]  # labels as written: "side_effects", "emergency:stroke", "none:idiom"
    lang: str
    text: str
    line: int

    @property
    def intents(self) -> frozenset[str]:
        return frozenset(label.partition(":")[0] for label in self.expected)

    def category(self, intent: str) -> str | None:
        """The category written after `intent:` ("stroke" for "emergency:stroke")."""
        for label in self.expected:
            head, _, tail = label.partition(":")
            if head == intent and tail:
                return tail
        return None


@dataclass(frozen=True)
class Outcome:
    case: Case
    intent: str
    lang: str

    @property
    def correct(self) -> bool:
        intents = self.case.intents
        right = self.intent in intents or (NONE in intents and self.intent not in TRIAGED)
        return right and self.lang == self.case.lang


def read_cases(path: Path) -> list[Case]:
    """Cases from a TSV; `#` lines and blank lines are skipped; a bad line raises ValueError."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{path}:{number}: expected 3 tab-separated columns, got {len(parts)}")
        expected, lang, text = parts
        cases.append(Case(frozenset(expected.split("|")), lang, text, number))
    return cases


def run(cases: Iterable[Case], knowledge: Knowledge) -> list[Outcome]:
    """Each case decided as the first message of a new conversation."""
    now = datetime.now(UTC)
    outcomes = []
    for case in cases:
        decision = decide(case.text, State(), now, knowledge)
        outcomes.append(Outcome(case, decision.intent, decision.lang))
    return outcomes


@dataclass(frozen=True)
class Summary:
    """The numbers the issue sets targets for."""

    in_scope: dict[str, tuple[int, int]]  # lang -> (correct, total)
    out_of_scope: tuple[int, int]
    emergency_recall: tuple[int, int]
    false_alarms: int
    total: tuple[int, int]

    def meets_targets(self) -> bool:
        rates = [c / t for c, t in self.in_scope.values() if t]
        oos = self.out_of_scope[0] / self.out_of_scope[1] if self.out_of_scope[1] else 1.0
        recall = self.emergency_recall
        return (
            all(r >= 0.95 for r in rates)
            and oos >= 0.95
            and recall[0] == recall[1]
            and self.false_alarms == 0
        )


def summarize(outcomes: list[Outcome]) -> Summary:
    in_scope: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    oos, emergency, false_alarms = [0, 0], [0, 0], 0
    for o in outcomes:
        intents = o.case.intents
        if intents <= {"fallback"}:
            oos[0] += o.intent == "fallback"
            oos[1] += 1
        elif "emergency" in intents:
            emergency[0] += o.intent == "emergency"
            emergency[1] += 1
        elif not intents & {*INTENTS, NONE}:
            in_scope[o.case.lang][0] += o.correct
            in_scope[o.case.lang][1] += 1
        if o.intent == "emergency" and "emergency" not in intents:
            false_alarms += 1
    correct = sum(o.correct for o in outcomes)
    return Summary(
        {lang: (c, t) for lang, (c, t) in sorted(in_scope.items())},
        (oos[0], oos[1]),
        (emergency[0], emergency[1]),
        false_alarms,
        (correct, len(outcomes)),
    )


def _pct(correct: int, total: int) -> str:
    return f"{correct}/{total} ({100 * correct / total:.1f}%)" if total else "0/0"


def report(outcomes: list[Outcome]) -> str:
    """A plain-text report: per intent and language, confusions, then the targets."""
    per: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for o in outcomes:
        key = ("|".join(sorted(o.case.intents)), o.case.lang)
        per[key][0] += o.correct
        per[key][1] += 1
    lines = ["accuracy per intent and language:"]
    lines += [
        f"  {intent:32} {lang}  {_pct(c, t)}" for (intent, lang), (c, t) in sorted(per.items())
    ]
    confusions = Counter(
        ("|".join(sorted(o.case.expected)), o.intent, o.case.lang, o.lang)
        for o in outcomes
        if not o.correct
    )
    lines.append(f"confusions ({sum(confusions.values())}):")
    for o in outcomes:
        if not o.correct:
            want = "|".join(sorted(o.case.expected))
            lines.append(
                f"  line {o.case.line}: {want}/{o.case.lang} -> {o.intent}/{o.lang}: {o.case.text}"
            )
    s = summarize(outcomes)
    lines.append("targets:")
    for lang, (c, t) in s.in_scope.items():
        lines.append(f"  in-scope accuracy {lang}: {_pct(c, t)} (target >= 95%)")
    lines.append(f"  out-of-scope -> fallback: {_pct(*s.out_of_scope)} (target >= 95%)")
    lines.append(f"  emergency recall: {_pct(*s.emergency_recall)} (target 100%)")
    lines.append(f"  emergency false alarms: {s.false_alarms} (target 0)")
    lines.append(f"total: {_pct(*s.total)}; targets {'met' if s.meets_targets() else 'NOT met'}")
    tri = summarize_triage(outcomes)
    if tri.emergencies[1] or tri.staff[1]:
        lines += triage_report(tri)
    return "\n".join(lines)


@dataclass(frozen=True)
class TriageSummary:
    """Recall per emergency category, false alarms, and staff reach (issue targets)."""

    recall: dict[str, tuple[int, int]]  # category -> (caught as emergency, total)
    false_alarms: tuple[int, int]  # (alarms, messages that are not emergencies)
    staff: tuple[int, int]  # (reached staff, symptom reports + medical situations)

    @property
    def emergencies(self) -> tuple[int, int]:
        return (sum(c for c, _ in self.recall.values()), sum(t for _, t in self.recall.values()))


def summarize_triage(outcomes: list[Outcome]) -> TriageSummary:
    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    alarms, others, reached, staff = 0, 0, 0, 0
    for o in outcomes:
        intents = o.case.intents
        if "emergency" in intents:
            category = o.case.category("emergency") or "uncategorised"
            recall[category][0] += o.intent == "emergency"
            recall[category][1] += 1
            continue
        others += 1
        alarms += o.intent == "emergency"
        kind = o.case.category("handoff")
        if intents == {"handoff"} and kind in ("symptom", "medical"):
            staff += 1
            reached += o.intent in TRIAGED
    return TriageSummary(
        {k: (c, t) for k, (c, t) in sorted(recall.items())}, (alarms, others), (reached, staff)
    )


def triage_report(t: TriageSummary) -> list[str]:
    lines = ["triage:"]
    lines += [f"  emergency recall {k:16} {_pct(c, n)}" for k, (c, n) in t.recall.items()]
    lines.append(
        f"  emergency recall, all        {_pct(*t.emergencies)} (target 100% dev, 99% blind)"
    )
    lines.append(f"  false emergency alarms       {_pct(*t.false_alarms)} (target <= 2%)")
    lines.append(f"  symptom/medical reach staff  {_pct(*t.staff)} (target >= 95%)")
    return lines
