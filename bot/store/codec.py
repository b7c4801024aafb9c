"""Conversation data as JSON and back: the only code that reads or writes that JSON.

Everything above the store handles `ConversationData` (with its frozen `Handoff`), so mypy
checks every reader; only `rows.to_conversation` and the conversation save come through here.

Decoding accepts every shape earlier versions stored: keys added later are simply absent (a
hand-off saved before the card existed, a card whose quotes the retention removed, a version-1
row holding only `{"reason": ...}`), and `"handoff": null` is "no hand-off". It never raises:
a field of the wrong type is read as its default and named in one warning per conversation
(the field, never its value, which may be the patient's words), because a conversation that
cannot be loaded would hold up every later event of its patient, and a claim that raises
would stop the worker for everyone. Keys this version does not know are kept as stored.

Encoding writes the keys and value formats the dict-based code wrote (times as
`datetime.isoformat()`), so rows stay readable by the previous version during a deploy, and
the retention's pruning (`privacy._prune_cards`, which reads `handoff.card.recent` and
`handoff.last_activity` from the JSON) finds what it looks for.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import cast

from bot.core.handoff import Card, Handoff
from bot.lang import DEFAULT_LANG, LANGS, Lang
from bot.logs import fields as fields_of
from bot.store import ConversationData, Json, Undelivered

logger = logging.getLogger(__name__)

_KNOWN = ("handoff", "name", "undelivered")
JsonObject = dict[str, Json]


class _Fields:
    """Typed reads of one stored JSON object; a wrong type reads as the default and is noted
    (by its path) in `problems`."""

    def __init__(self, raw: Mapping[str, Json], path: str, problems: list[str]) -> None:
        self._raw = raw
        self._path = path
        self._problems = problems

    def wrong(self, key: str) -> None:
        """Note that `key` held a value of the wrong type."""
        self._problems.append(f"{self._path}{key}")

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self._raw.get(key)
        if value is None or isinstance(value, str):
            return default if value is None else value
        self.wrong(key)
        return default

    def flag(self, key: str) -> bool:
        value = self._raw.get(key)
        if value is None or isinstance(value, bool):
            return bool(value)
        self.wrong(key)
        return False

    def count(self, key: str) -> int:
        value = self._raw.get(key)
        if value is None:
            return 0
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        self.wrong(key)
        return 0

    def time(self, key: str) -> datetime | None:
        """An ISO-8601 time; a naive one (never written, but harmless to accept) is UTC."""
        value = self._raw.get(key)
        if value is None:
            return None
        try:
            at = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            at = None
        if at is None:
            self.wrong(key)
            return None
        return at if at.tzinfo is not None else at.replace(tzinfo=UTC)

    def object(self, key: str) -> Mapping[str, Json] | None:
        value = self._raw.get(key)
        if value is None or isinstance(value, dict):
            return value
        self.wrong(key)
        return None

    def texts(self, key: str) -> tuple[str, ...] | None:
        value = self._raw.get(key)
        if value is None:
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(cast("list[str]", value))
        self.wrong(key)
        return None


def _lang(fields: _Fields, key: str) -> Lang:
    value = fields.text(key, DEFAULT_LANG)
    if value in LANGS:
        return value
    fields.wrong(key)
    return DEFAULT_LANG


def _card(raw: Mapping[str, Json], problems: list[str]) -> Card:
    fields = _Fields(raw, "handoff.card.", problems)
    return Card(
        reason=fields.text("reason", "asked") or "asked",
        urgent=fields.flag("urgent"),
        lang=_lang(fields, "lang"),
        name=fields.text("name"),
        recent=fields.texts("recent"),
    )


def _handoff(raw: Mapping[str, Json], problems: list[str]) -> Handoff:
    fields = _Fields(raw, "handoff.", problems)
    card = fields.object("card")
    return Handoff(
        id=fields.text("id", "") or "",
        reason=fields.text("reason"),
        urgent=fields.flag("urgent"),
        opened_at=fields.time("opened_at"),
        last_activity=fields.time("last_activity"),
        reannounce_at=fields.time("reannounce_at"),
        reannounced=fields.count("reannounced"),
        thread_ts=fields.text("thread_ts"),
        staff=fields.text("staff"),
        closed=fields.flag("closed"),
        closed_by=fields.text("closed_by"),
        returned_by=fields.text("returned_by"),
        card=_card(card, problems) if card is not None else None,
    )


def _undelivered(raw: Json, problems: list[str]) -> tuple[Undelivered, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append("undelivered")
        return ()
    notes = []
    for item in raw:
        if not isinstance(item, dict):
            problems.append("undelivered[]")
            continue
        fields = _Fields(item, "undelivered[].", problems)
        outgoing_id = item.get("outgoing_id")
        if not (outgoing_id is None or type(outgoing_id) is int):
            problems.append("undelivered[].outgoing_id")
            outgoing_id = None
        notes.append(Undelivered(outgoing_id, fields.text("error"), fields.time("at")))
    return tuple(notes)


def decode_data(raw: str | Mapping[str, Json], conversation_id: str) -> ConversationData:
    """A conversation's stored data (JSON text, or what a driver already parsed) as a value."""
    problems: list[str] = []
    try:
        parsed: Json = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        problems.append("(not a JSON object)")
        parsed = {}
    fields = _Fields(parsed, "", problems)
    handoff = fields.object("handoff")
    data = ConversationData(
        handoff=_handoff(handoff, problems) if handoff is not None else None,
        name=fields.text("name"),
        undelivered=_undelivered(parsed.get("undelivered"), problems),
        other={key: value for key, value in parsed.items() if key not in _KNOWN},
    )
    if problems:
        logger.warning(
            "conversation data partly unreadable; defaults used",
            extra=fields_of(conversation=conversation_id, fields=sorted(set(problems))),
        )
    return data


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _encode_card(card: Card) -> JsonObject:
    encoded: JsonObject = {
        "reason": card.reason,
        "urgent": card.urgent,
        "lang": card.lang,
        "name": card.name,
    }
    if card.recent is not None:  # absent once pruned: the pruning looks for the key
        encoded["recent"] = list(card.recent)
    return encoded


def encode_handoff(handoff: Handoff) -> JsonObject:
    """A hand-off as the JSON object stored under `"handoff"`."""
    encoded: JsonObject = {
        "id": handoff.id,
        "reason": handoff.reason,
        "urgent": handoff.urgent,
        "opened_at": _iso(handoff.opened_at),
        "last_activity": _iso(handoff.last_activity),
        "reannounce_at": _iso(handoff.reannounce_at),
        "reannounced": handoff.reannounced,
        "thread_ts": handoff.thread_ts,
        "staff": handoff.staff,
        "closed": handoff.closed,
        "closed_by": handoff.closed_by,
        "returned_by": handoff.returned_by,
    }
    if handoff.card is not None:
        encoded["card"] = _encode_card(handoff.card)
    return encoded


def encode_data(data: ConversationData) -> str:
    """Conversation data as compact JSON text (jsonb on PostgreSQL accepts it as is); keys
    at their defaults are left out, so empty data is `{}` as a reset writes it."""
    encoded: JsonObject = dict(data.other)
    if data.handoff is not None:
        encoded["handoff"] = encode_handoff(data.handoff)
    if data.name is not None:
        encoded["name"] = data.name
    if data.undelivered:
        encoded["undelivered"] = [
            {"outgoing_id": note.outgoing_id, "error": note.error, "at": _iso(note.at)}
            for note in data.undelivered
        ]
    return json.dumps(encoded, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
