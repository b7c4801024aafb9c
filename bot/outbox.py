"""The shapes of outgoing messages saved in the outbox, one builder per channel.

A row is saved with the decision and sent afterwards, so its payload must hold everything the
sender needs: for LINE the texts, quick replies and how to deliver; for Slack the operation.
"""

import json
import uuid
from typing import Any

from bot.core.decision import Choice
from bot.store import NewOutgoing

_KEYS = uuid.UUID("9d7f3c52-7d0e-4c5e-9a53-3f0f1e7c2b10")  # namespace for derived retry keys


def retry_key(source: str, event_id: str, seq: int) -> str:
    """The push retry key of message `seq` of an event: the same after any crash."""
    return str(uuid.uuid5(_KEYS, f"{source}:{event_id}:{seq}"))


def line_message(
    *,
    key: str,
    user_id: str,
    texts: list[str],
    choices: tuple[Choice, ...] = (),
    reply_token: str | None = None,
    reply_allowed: bool = False,
    kind: str,
    topic: str | None,
    lang: str,
    content_hash: str | None = None,
    confirm: dict[str, str] | None = None,
    notice: bool = False,
) -> NewOutgoing:
    """A LINE message; `confirm` names a Slack message to mark once it is delivered, `notice`
    says it carries the privacy notice (audited when delivered)."""
    payload = {
        "user_id": user_id,
        "texts": texts,
        "choices": [[c.label, c.data] for c in choices],
        "reply_token": reply_token,
        "reply_allowed": reply_allowed,
        "kind": kind,
        "topic": topic,
        "lang": lang,
        "content_hash": content_hash,
        "confirm": confirm,
        "notice": notice,
    }
    return NewOutgoing("line", json.dumps(payload, ensure_ascii=False), key)


def slack_op(op: str, **fields: Any) -> NewOutgoing:
    """A Slack operation: card, thread, update, erased (a patient deleted their data)."""
    return NewOutgoing("slack", json.dumps({"op": op, **fields}, ensure_ascii=False, default=str))
