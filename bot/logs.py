"""Structured, privacy-safe logging.

Every log line is one JSON object. Patients are named only by a keyed hash (`PatientTag`), so
an operator can follow one patient through the logs without the logs ever holding a LINE user
id, a name or message text; the key never leaves the process.
"""

import hashlib
import hmac
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

FIELDS = "fields"


class JsonFormatter(logging.Formatter):
    """`{"at": ..., "level": ..., "logger": ..., "msg": ..., **fields}` per line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(getattr(record, FIELDS, {}))
        if record.exc_info and record.levelno <= logging.DEBUG:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_info:
            line["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str) -> None:
    """Send JSON lines to stderr at `level`; quiet the SDKs' own chatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # linebot logs "Unknown event type" with the event at INFO; aiohttp.access logs paths only.
    for name in ("linebot", "slack_bolt", "slack_sdk", "asyncio"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def fields(**values: Any) -> dict[str, Any]:
    """`extra=` for a structured log call: `logger.info("...", extra=fields(topic=...))`."""
    return {FIELDS: values}


class PatientTag:
    """A stable, keyed, one-way tag for a LINE user id, safe to log."""

    def __init__(self, key: bytes) -> None:
        self._key = hashlib.sha256(b"patient-tag:" + key).digest()

    def __call__(self, user_id: str | None) -> str | None:
        if not user_id:
            return None
        return "p_" + hmac.new(self._key, user_id.encode(), hashlib.sha256).hexdigest()[:12]
