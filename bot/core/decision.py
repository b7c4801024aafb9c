"""Values the pure core hands to the I/O side: what to say, and what to offer next.

Nothing here knows about LINE or Slack; channels translate these into their own payloads.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from bot.lang import Lang


class Kind(StrEnum):
    """What the bot decided to do with one patient message."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"
    HANDOFF = "handoff"
    EMERGENCY = "emergency"
    GREETING = "greeting"
    THANKS = "thanks"
    LANGUAGE = "language"
    RELAY = "relay"  # staff own the conversation: pass the message on, say nothing


class Owner(StrEnum):
    """Who currently answers the patient."""

    BOT = "bot"
    WAITING = "waiting"
    STAFF = "staff"


@dataclass(frozen=True)
class Choice:
    """One quick reply: a short label and the postback data it sends back.

    Postback data forms: ``topic=<id>``, ``lang=<ja|en>``, ``staff=<reason>``, ``menu=1``.
    """

    label: str
    data: str


@dataclass(frozen=True)
class State:
    """What the core needs to remember about one conversation between messages."""

    lang: Lang | None = None
    misses: int = 0
    owner: Owner = Owner.BOT


@dataclass(frozen=True)
class Decision:
    """The core's answer to one message; `text` is already in `lang`."""

    kind: Kind
    intent: str
    lang: Lang
    text: str
    choices: tuple[Choice, ...] = ()
    needs_staff: bool = False
    urgent: bool = False
    reason: str | None = None  # why staff are needed: asked, emergency, unanswered
    candidates: tuple[tuple[str, float], ...] = ()
    state: State = field(default_factory=State)

    @property
    def audit_topic(self) -> str:
        """What the audit log records: the intent, with the triage category when one fired
        ("emergency:chest_pain", "handoff:medical:anticoagulant")."""
        triaged = self.kind is Kind.EMERGENCY or (self.reason is not None and ":" in self.reason)
        return f"{self.intent}:{self.reason}" if triaged and self.reason else self.intent
