"""`ask` and `chat`: the core in a terminal, for admins checking answers and for newcomers.

`ask` decides each message as the first of a new conversation (one line out per line in);
`chat` keeps the conversation state between lines, exactly as the server does per patient.
"""

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from bot.core import choose, decide
from bot.core.decision import Decision, State
from bot.core.knowledge import Knowledge
from bot.lang import Lang


def as_json(decision: Decision) -> str:
    """The machine-readable decision used by scripts, tests and `eval`."""
    return json.dumps(
        {
            "intent": decision.intent,
            "kind": decision.kind.value,
            "lang": decision.lang,
            "text": decision.text,
            "handoff": decision.needs_staff,
            "urgent": decision.urgent,
            "reason": decision.reason,
            "candidates": [{"topic": t, "score": s} for t, s in decision.candidates],
            "choices": [{"label": c.label, "data": c.data} for c in decision.choices],
        },
        ensure_ascii=False,
    )


def as_text(decision: Decision) -> str:
    """What the patient would see, plus the quick replies in brackets."""
    lines = [f"[{decision.kind.value}: {decision.intent}, {decision.lang}]", decision.text]
    if decision.choices:
        lines.append(" ".join(f"[{c.label}]" for c in decision.choices))
    return "\n".join(lines)


def ask(
    messages: Iterable[str],
    knowledge: Knowledge,
    out: TextIO,
    *,
    lang: Lang | None,
    json_output: bool,
) -> None:
    """One decision per message, each in a fresh conversation.

    `lang` is the conversation's language as if the patient had chosen it; a message clearly
    written in the other language still switches, exactly as on LINE.
    """
    for message in messages:
        text = message.rstrip("\n")
        if not text.strip():
            continue
        decision = decide(text, State(lang=lang), datetime.now(UTC), knowledge)
        out.write((as_json(decision) if json_output else as_text(decision)) + "\n")
        out.flush()


def chat(lines: Iterable[str], knowledge: Knowledge, out: TextIO, *, prompt: bool) -> None:
    """An interactive conversation; a number picks the numbered quick reply."""
    state = State()
    last: Decision | None = None
    if prompt:
        out.write("Type a question in Japanese or English (Ctrl-D to quit).\n> ")
        out.flush()
    for raw in lines:
        text = raw.strip()
        if text.isdigit() and last and 1 <= int(text) <= len(last.choices):
            data = last.choices[int(text) - 1].data
            decision = _picked(data, state, knowledge) or decide(
                last.choices[int(text) - 1].label, state, datetime.now(UTC), knowledge
            )
        elif text:
            decision = decide(text, state, datetime.now(UTC), knowledge)
        else:
            continue
        state, last = decision.state, decision
        out.write(decision.text + "\n")
        for i, choice in enumerate(decision.choices, 1):
            out.write(f"  {i}) {choice.label}\n")
        if decision.needs_staff:
            out.write("  (staff would be notified here)\n")
        if prompt:
            out.write("> ")
        out.flush()


def _picked(data: str, state: State, knowledge: Knowledge) -> Decision | None:
    """A tapped quick reply that names a topic is answered directly, as on LINE."""
    key, _, value = data.partition("=")
    if key == "topic" and value in knowledge.faq.topics:
        return choose(value, state.lang or "ja", state, knowledge)
    return None
