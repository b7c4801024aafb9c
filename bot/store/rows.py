"""The seam between the shared SQL and a driver, and the mapping of rows to values.

A backend only has to offer a `Session` (run SQL with `$1`-style parameters, get rows that
can be indexed by column name); everything above it is written once. Drivers disagree on how
a timestamp comes back (asyncpg: aware datetime; SQLite: our ISO text), so decoding accepts
both, and encoding refuses naive datetimes on either backend.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from bot.core.decision import Owner
from bot.lang import Lang
from bot.store import (
    AuditEntry,
    Channel,
    Claimed,
    Conversation,
    OutgoingRow,
    OutgoingStatus,
    Source,
)
from bot.store.codec import decode_data


class Row(Protocol):
    """A result row; asyncpg's Record and sqlite3.Row both index by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


class Session(Protocol):
    """One connection, inside a transaction when the store is writing."""

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        """Run a statement and return its rows (for SELECT and RETURNING)."""

    async def execute(self, sql: str, *args: object) -> int:
        """Run a statement and return how many rows it changed."""


def aware(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is a bug in the caller."""
    if value.tzinfo is None or value.utcoffset() is None:
        msg = "naive datetime given to the store; pass an aware UTC datetime"
        raise ValueError(msg)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    """Fixed-width ISO-8601 UTC text, so that comparing text compares instants."""
    return aware(value).isoformat(timespec="microseconds")


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The JSON escape for NUL, when not itself escaped (\\u0000 is a backslash, then "u0000").
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def storable(text: str) -> str:
    """`text` with NUL and lone surrogates replaced by U+FFFD.

    UTF-8 cannot encode a lone surrogate (SQLite and asyncpg refuse the string) and PostgreSQL
    text cannot hold NUL; either arrives in a JSON `\\u` escape, and made an insert fail.
    """
    return _UNSTORABLE.sub("\ufffd", text)


def storable_parameter(text: str) -> str:
    """A text parameter as both backends store it: `storable`, and JSON text's `\\u0000`
    escape as `\\ufffd` (jsonb refuses it; SQLite does the same so both keep equal values).
    A patient who types the six characters `\\u0000` is stored with them changed alike."""
    text = storable(text)
    return _JSON_NUL.sub(r"\1\\ufffd", text) if "\\u0000" in text else text


def read_time(value: datetime | str) -> datetime:
    """A stored timestamp as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return aware(value)


def read_optional_time(value: datetime | str | None) -> datetime | None:
    """`read_time`, passing None through."""
    return None if value is None else read_time(value)


def dump_json(data: Mapping[str, Any]) -> str:
    """Conversation extras as compact JSON text (jsonb on PostgreSQL accepts it as is)."""
    return json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


CONVERSATION_COLUMNS = (
    "id, user_key, lang, misses, owner, version, data, created_at, updated_at,"
    " notice_at, opted_out_at"
)


def to_conversation(row: Row) -> Conversation:
    """A conversations row as a value (its data decoded by `codec`, which never raises)."""
    return Conversation(
        id=row["id"],
        user_key=row["user_key"],
        lang=cast("Lang | None", row["lang"]),
        misses=row["misses"],
        owner=Owner(row["owner"]),
        version=row["version"],
        data=decode_data(row["data"], row["id"]),
        created_at=read_time(row["created_at"]),
        updated_at=read_time(row["updated_at"]),
        notice_at=read_optional_time(row["notice_at"]),
        opted_out_at=read_optional_time(row["opted_out_at"]),
    )


def to_claimed(row: Row, conversation: Conversation | None) -> Claimed:
    """A claimed inbox row, with its conversation as read in the same transaction."""
    return Claimed(
        id=row["id"],
        source=cast("Source", row["source"]),
        event_id=row["event_id"],
        conversation_id=row["conversation_id"],
        payload=row["payload"],
        attempts=row["attempts"],
        received_at=read_time(row["received_at"]),
        conversation=conversation,
    )


OUTGOING_COLUMNS = (
    "id, inbox_id, seq, conversation_id, channel, payload, retry_key, status, method, result,"
    " updated_at"
)


def to_outgoing(row: Row) -> OutgoingRow:
    """An outbox row as a value."""
    return OutgoingRow(
        id=row["id"],
        inbox_id=row["inbox_id"],
        seq=row["seq"],
        conversation_id=row["conversation_id"],
        channel=cast("Channel", row["channel"]),
        payload=row["payload"],
        retry_key=row["retry_key"],
        status=cast("OutgoingStatus", row["status"]),
        method=row["method"],
        result=row["result"],
        updated_at=read_time(row["updated_at"]),
    )


AUDIT_COLUMNS = (
    "at, conversation_id, user_key, topic, content_hash, lang, method, result, text, kind"
)


def audit_values(entry: AuditEntry) -> tuple[object, ...]:
    """An audit entry's fields in AUDIT_COLUMNS order."""
    return (
        entry.at,
        entry.conversation_id,
        entry.user_key,
        entry.topic,
        entry.content_hash,
        entry.lang,
        entry.method,
        entry.result,
        entry.text,
        entry.kind,
    )


def to_audit(row: Row) -> AuditEntry:
    """An audit row as a value."""
    return AuditEntry(
        at=read_time(row["at"]),
        conversation_id=row["conversation_id"],
        user_key=row["user_key"],
        topic=row["topic"],
        content_hash=row["content_hash"],
        lang=cast("Lang | None", row["lang"]),
        method=row["method"],
        result=row["result"],
        text=row["text"],
        kind=row["kind"],
    )
