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
    PRIVACY = "privacy"  # the privacy notice, "don't keep my messages", "delete my data"
    RELAY = "relay"  # staff own the conversation: pass the message on, say nothing


class PrivacyAction(StrEnum):
    """What the I/O side must do about the patient's data after a privacy decision."""

    SHOW = "show"  # the notice again, on request: nothing changes
    STOP = "stop"  # keep no message text of this patient from now on
    ASK_DELETE = "ask_delete"  # asked to confirm: nothing erased yet
    DELETE = "delete"  # confirmed: erase the patient (as `python -m bot forget`)
    KEEP = "keep"  # deletion cancelled: nothing erased


class Owner(StrEnum):
    """Who currently answers the patient."""

    BOT = "bot"
    WAITING = "waiting"
    STAFF = "staff"


@dataclass(frozen=True)
class Choice:
    """One quick reply: a short label and the postback data it sends back.

    Postback data forms: ``topic=<id>``, ``lang=<ja|en>``, ``staff=<reason>``, ``menu=1``,
    ``privacy=<show|stop|delete|delete_yes|delete_no>``.
    """

    label: str
    data: str


@dataclass(frozen=True)
class State:
    """What the core needs to remember about one conversation between messages."""

    lang: Lang | None = None
    misses: int = 0
    owner: Owner = Owner.BOT
    notice_seen: bool = False  # the privacy notice was shown to this patient
    keeps_text: bool = True  # False once the patient said "don't keep my messages"


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
    # Send the privacy notice as a message of its own with this decision: before `text`, or
    # after it when `text` is a safety reply (`triaged`), which must never wait for a notice.
    notice: bool = False
    privacy: PrivacyAction | None = None

    @property
    def triaged(self) -> bool:
        """Whether safety triage produced this decision (emergency, self-harm, symptom,
        medical situation): its reply goes first and carries no extra buttons."""
        return self.kind is Kind.EMERGENCY or (self.reason is not None and ":" in self.reason)

    @property
    def audit_topic(self) -> str:
        """What the audit log records: the intent, with the triage category when one fired
        ("emergency:chest_pain", "handoff:medical:anticoagulant")."""
        return f"{self.intent}:{self.reason}" if self.triaged and self.reason else self.intent
