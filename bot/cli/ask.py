"""`ask` and `chat`: the core in a terminal, for admins checking answers and for newcomers.

`ask` decides each message as the first of a new conversation (one line out per line in);
`chat` keeps the conversation state between lines, exactly as the server does per patient, and
reads quick replies and the menu button through LINE's own postback handling, so what a tap does
in chat is what it does on LINE.
"""

import json
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from bot.core import decide
from bot.core.decision import Decision, State
from bot.core.knowledge import Knowledge
from bot.lang import DEFAULT_LANG, Lang
from bot.pipeline.plan_line import decide_postback

QUIT = frozenset({"quit", "exit", "終了"})
MENU = frozenset({"menu", "メニュー"})  # LINE's menu button sends `menu=1`
# The postback data forms of `bot.core.decision.Choice`; typed as is, chat sends them as taps.
POSTBACK_KEYS = frozenset({"topic", "lang", "staff", "menu", "privacy"})
HELP = (
    "Type a question in Japanese or English. A number taps that quick reply, `menu` opens the "
    "topic menu, `lang=en` or `staff=asked` sends that postback; quit, exit, 終了 or Ctrl-D ends."
)


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
    """An interactive conversation until a quit word or the end of input."""
    state = State()
    last: Decision | None = None
    if prompt:
        out.write(HELP + "\n> ")
        out.flush()
    for raw in lines:
        text = raw.strip()
        if unicodedata.normalize("NFKC", text).casefold() in QUIT:
            return
        data = tapped(text, last)
        if data is not None:
            decision = postback(data, state, knowledge)
        elif text:
            decision = decide(text, state, datetime.now(UTC), knowledge)
        else:
            decision = None
        if decision is not None:
            state, last = decision.state, decision
            _show(decision, out)
        if prompt:
            out.write("> ")
        out.flush()
    if prompt:
        out.write("\n")  # after Ctrl-D, so the shell's prompt starts on a line of its own


def tapped(text: str, last: Decision | None) -> str | None:
    """The postback data a chat line stands for: a quick reply's number, the menu button, or
    postback data typed as is; None for a message to decide."""
    if unicodedata.normalize("NFKC", text).casefold() in MENU:
        return "menu=1"
    if text.isdigit() and last and 1 <= int(text) <= len(last.choices):
        return last.choices[int(text) - 1].data
    key, sep, _value = text.partition("=")
    if sep and key in POSTBACK_KEYS and not any(c.isspace() for c in text):
        return text
    return None


def postback(data: str, state: State, knowledge: Knowledge) -> Decision:
    """A tap, decided as the LINE webhook decides it (`bot.pipeline.plan_line`); no hand-off was
    ever opened here, so a deletion has no staff to tell."""
    return decide_postback(data, state.lang or DEFAULT_LANG, state, knowledge)


def _show(decision: Decision, out: TextIO) -> None:
    out.write(decision.text + "\n")
    for i, choice in enumerate(decision.choices, 1):
        out.write(f"  {i}) {choice.label}\n")
    if decision.needs_staff:
        out.write("  (staff would be notified here)\n")
