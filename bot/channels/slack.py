"""Slack inbound: the Bolt app mounted at `POST /slack/events`, which only records and acks.

Bolt checks the signature (401 on a bad or stale one). Listeners run before the response
(`process_before_response=True`) and do nothing slow: a staff reply or a button press is written
to the inbox under a unique key (Slack's `event_id`, or the button's `action_ts`), so Slack's
retries are recognised as duplicates instead of being dropped blindly, and the worker does the
rest. `/faq`, `/faq-stats`, `/faq-report` and mentions are read-only look-ups answered at once.

Bolt parses a body before it checks the signature, and its listeners index into it: a body that
is not JSON, `payload=` that is not an object, or an `event` that is not one made a 500. The
door (`malformed`) reads the body as Bolt will and answers 400 with the reason instead.

Bolt gets a logger of ours (`bolt_logger`): Bolt copies that logger's level and filters onto
every logger it makes. Without it, Bolt copies the root logger's level when it is built, so at
LOG_LEVEL=INFO a request with a bad signature was logged whole, patient text and all.
"""

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.line_events import TooDeepError, cleaned
from bot.channels.slack_cards import ACTIONS
from bot.core import decide
from bot.core.decision import State
from bot.core.hours import CLINIC_TIMEZONE
from bot.core.knowledge import Knowledge
from bot.report import slack_report
from bot.store import Clock, NewEvent, Store, StoreUnavailableError

logger = logging.getLogger(__name__)

NOTE_PREFIX = "note:"
_ACTION_NAMES = {action_id: name for name, action_id in ACTIONS.items()}


@dataclass(frozen=True)
class SlackInbound:
    """What the listeners need."""

    store: Store
    wake: Callable[[], None]
    knowledge: Callable[[], Knowledge]
    clock: Clock
    channel: str
    zone: Callable[[], tzinfo] = lambda: CLINIC_TIMEZONE  # the clinic's, as configured now


BOLT = web.AppKey("bolt", AsyncApp)
BOLT_LOGGER = f"{__name__}.bolt"
# What Bolt's messages put just before a request or response body.
_BODY_MARKERS = ("body:", "for the request (")
WITHHELD = "[request body withheld]"


class _NoBodies(logging.Filter):
    """Keeps request bodies out of Bolt's log lines at any level, and drops the one warning
    that is false for this app.

    The warning: Bolt reads SLACK_BOT_TOKEN from os.environ by itself whenever `token` is not
    passed, and warns "`token` will be unused" because we pass a client. That client is built
    from the same variable (through Settings) and carries SLACK_API_BASE, which Bolt's own
    client could not, so there is nothing to fix but the message.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message == warning_client_prioritized_and_token_skipped():
            return False
        folded = message.casefold()
        cut = min((i for m in _BODY_MARKERS if (i := folded.find(m)) >= 0), default=-1)
        if cut >= 0:
            record.msg, record.args = f"{message[:cut]}{WITHHELD}", ()
        return True


def bolt_logger() -> logging.Logger:
    """The base logger handed to Bolt: WARNING and above only (Bolt logs bodies at INFO), and
    bodies withheld from what is left (a skipped middleware warns with the whole body)."""
    logger = logging.getLogger(BOLT_LOGGER)
    logger.setLevel(logging.WARNING)
    if not any(isinstance(found, _NoBodies) for found in logger.filters):
        logger.addFilter(_NoBodies())
    return logger


def is_staff_reply(event: dict[str, Any], channel: str) -> bool:
    """A human's reply inside a thread of the staff channel (not the card, not a bot, no edit)."""
    if event.get("channel") != channel or event.get("bot_id"):
        return False
    if event.get("subtype") not in (None, "thread_broadcast"):
        return False  # edits, deletions, joins and file shares never reach a patient
    thread, ts = event.get("thread_ts"), event.get("ts")
    return bool(thread) and thread != ts and bool((event.get("text") or "").strip())


def build(client: AsyncWebClient, signing_secret: str, inbound: SlackInbound) -> AsyncApp:
    """The Bolt app with every listener; Bolt calls `auth.test` on the first request."""
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        process_before_response=True,
        logger=bolt_logger(),
        name=BOLT_LOGGER,  # else Bolt names its loggers after this file, via inspect.stack()
    )

    @app.event("message")
    async def message_posted(body: dict[str, Any], event: dict[str, Any]) -> None:
        if not is_staff_reply(event, inbound.channel):
            return
        text = event.get("text", "").strip()
        if text.lower().startswith(NOTE_PREFIX):
            return  # an internal note between staff
        conv = await inbound.store.conversation_for_thread(str(event["thread_ts"]))
        if conv is None:
            return
        payload = {
            "kind": "staff_reply",
            "user": event.get("user"),
            "text": text,
            "ts": event["ts"],
            "thread_ts": event["thread_ts"],
        }
        await _enqueue(inbound, str(body.get("event_id") or f"msg:{event['ts']}"), conv.id, payload)

    @app.action(re.compile("^handoff_"))
    async def card_button_pressed(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        name = _ACTION_NAMES.get(action["action_id"])
        if name is None:
            return
        payload = {"kind": "action", "action": name, "user": body["user"]["id"]}
        key = f"action:{action.get('action_ts')}:{action['action_id']}:{body['user']['id']}"
        await _enqueue(inbound, key, str(action["value"]), payload)

    @app.command("/faq")
    async def faq_command(ack: Any, command: dict[str, Any]) -> None:
        await ack(response_type="ephemeral", **lookup(command.get("text", ""), inbound.knowledge()))

    @app.command("/faq-stats")
    async def stats_command(ack: Any) -> None:
        await ack(text=await stats(inbound), response_type="ephemeral")

    @app.command("/faq-report")
    async def report_command(ack: Any, command: dict[str, Any]) -> None:
        in_staff = command.get("channel_id") == inbound.channel
        text = await slack_report(
            inbound.store, inbound.knowledge(), inbound.clock(), command.get("text", ""), in_staff
        )
        await ack(text=text, response_type="ephemeral")

    @app.event("app_mention")
    async def mentioned(event: dict[str, Any], say: Any) -> None:
        text = re.sub(r"<@[A-Z0-9]+>", "", event.get("text", "")).strip()
        await say(
            thread_ts=event.get("thread_ts") or event["ts"], **lookup(text, inbound.knowledge())
        )

    @app.event(re.compile(".*"))
    async def anything_else() -> None:
        """Every other subscribed event gets a 200, so Slack never retries it."""

    app.error(listener_failed)
    return app


async def listener_failed(error: Exception, logger: logging.Logger) -> BoltResponse | None:
    """A database outage is a 503 with one WARNING line (Slack retries the event); anything
    else stays Bolt's 500, logged with its traceback as the bug it is."""
    if isinstance(error, StoreUnavailableError):
        logger.warning("slack request not handled, answered 503: database unavailable (%s)", error)
        return BoltResponse(status=503, body="")
    logger.error("slack listener failed: %s", type(error).__name__, exc_info=error)
    return None


async def _enqueue(
    inbound: SlackInbound, key: str, conversation: str, payload: dict[str, Any]
) -> None:
    event = NewEvent(
        "slack",
        key,
        None,
        json.dumps(cleaned(payload), ensure_ascii=False),  # NUL, lone surrogates: U+FFFD
        inbound.clock(),
        conversation_id=conversation,
    )
    (fresh,) = await inbound.store.enqueue([event])
    if fresh:
        inbound.wake()
    logger.info(
        "slack event stored" if fresh else "slack event duplicate ignored",
        extra={"fields": {"event_id": key, "kind": payload["kind"]}},
    )


def lookup(question: str, k: Knowledge) -> dict[str, Any]:
    """`/faq <question>`: the matched topic and both language versions of its answer."""
    if not question.strip():
        return {"text": "Usage: /faq <question in Japanese or English>"}
    decision = decide(question, State(), datetime.now(UTC), k)
    topic = k.faq.topics.get(decision.intent)
    if topic is None:
        scores = ", ".join(f"{t} {s:.2f}" for t, s in decision.candidates[:3]) or "-"
        return {"text": f"No FAQ answer ({decision.kind.value}). Closest: {scores}"}
    text = (
        f"*{topic.id}* ({decision.kind.value})\n\n*日本語*\n{topic.ja.answer}\n\n"
        f"*English*\n{topic.en.answer}"
    )
    return {"text": text}


async def stats(inbound: SlackInbound) -> str:
    """`/faq-stats`: today's counts (today in the clinic's time zone)."""
    start = inbound.clock().astimezone(inbound.zone())
    start = start.replace(hour=0, minute=0, second=0, microsecond=0)
    counts = await inbound.store.daily_stats(
        start.astimezone(UTC), start.astimezone(UTC) + timedelta(days=1)
    )
    return (
        "Today: {messages} messages, {answered} answered, {fallbacks} fallbacks, "
        "{handoffs_open} hand-offs open"
    ).format(**counts)


# Fields Bolt's dispatch and our listeners read as text (absent and null are fine too).
_TOP_STRINGS = ("type", "event_id", "token", "team_id", "api_app_id", "trigger_id")
_EVENT_STRINGS = ("type", "subtype", "user", "channel", "text", "ts", "thread_ts", "bot_id")
_ACTION_STRINGS = ("action_id", "value", "action_ts", "block_id", "type")
# Bolt reads each as "a string, or an object with an id" (`"id" in value`), in the body and in
# these objects within it (request/internals.py): an int or a boolean there raised a TypeError.
_REFERENCES = ("team", "user", "channel", "enterprise")
_NESTED = ("event", "item", "assistant_thread", "message", "previous_message", "view")


def malformed(body: str, content_type: str | None) -> str | None:
    """Why Bolt or a listener could not handle this request body, or None.

    It reads the body the way Bolt's `parse_body` does: JSON when so labelled or when it starts
    with `{` (the Events API), else a form whose `payload` field is JSON (interactions) or whose
    fields are plain strings (slash commands, `ssl_check`).
    """
    if not body:
        return None
    if content_type == "application/json" or body.startswith("{"):
        return _json_problem(body)
    if "payload" in body:
        payload = dict(parse_qsl(body, keep_blank_values=True)).get("payload")
        return None if payload is None else _json_problem(payload)
    return None


def _json_problem(text: str) -> str | None:
    try:
        data = cleaned(json.loads(text))
    except RecursionError:  # the C decoder's own limit, near 1,000 levels
        return "JSON nested too deeply"
    except TooDeepError:
        return "JSON nested too deeply"
    except ValueError:
        return "malformed JSON"
    if not isinstance(data, dict):
        return "expected a JSON object"
    return _shape_problem(data)


def _text_or_none(value: object) -> bool:
    return value is None or isinstance(value, str)


def _shape_problem(data: dict[str, Any]) -> str | None:
    """The first field whose type Bolt or a listener would trip over."""
    for name in _TOP_STRINGS:
        if not _text_or_none(data.get(name)):
            return f"{name} is not a string"
    authorizations = data.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)
    ):
        return "authorizations is not a list of objects"
    for where, part in _parts(data):
        for name in _REFERENCES:
            if not isinstance(part.get(name), str | dict | None):
                return f"{where}{name} is neither a string nor an object"
    if "event" in data:  # Bolt reads body.get("event", {}).get(...): null is not absent
        return _event_problem(data["event"])
    if data.get("type") == "block_actions":
        return _actions_problem(data.get("user"), data.get("actions"))
    return None


def _parts(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The objects Bolt reads team, user, channel and enterprise from, with their paths: the
    body, its authorizations, and _NESTED objects two levels down (event.message)."""
    found: list[tuple[str, dict[str, Any]]] = [("", data)]
    found += [("authorizations[].", a) for a in data.get("authorizations") or ()]
    level = list(found)
    for _ in range(2):
        level = [
            (f"{where}{name}.", part[name])
            for where, part in level
            for name in _NESTED
            if isinstance(part.get(name), dict)
        ]
        found += level
    return found


def _event_problem(event: object) -> str | None:
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "event is not an object with a type"
    if event["type"] in ("message", "app_mention"):
        for name in _EVENT_STRINGS:
            if not _text_or_none(event.get(name)):
                return f"event.{name} is not a string"
    if event["type"] == "app_mention" and not (event.get("ts") and event.get("channel")):
        return "event.ts or event.channel is missing"  # the answer goes in the mention's thread
    return None


def _actions_problem(user: object, actions: object) -> str | None:
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return "user.id is missing"
    if not isinstance(actions, list) or not actions:
        return "actions is not a list"
    for action in actions:
        if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
            return "an action has no action_id"
        if not all(_text_or_none(action.get(name)) for name in _ACTION_STRINGS):
            return "an action has a field that is not a string"
        if action["action_id"].startswith("handoff_") and not action.get("value"):
            return "a card button has no value"  # its value names the conversation
    return None


async def slack_events(request: web.Request) -> web.StreamResponse:
    """`POST /slack/events`: a body Bolt could not handle is a 400 with the reason; the rest
    is Bolt's own request translation."""
    bolt = request.app[BOLT]
    raw = await request.read()  # 413 over client_max_size
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return web.json_response({"error": "body is not UTF-8"}, status=400)
    problem = malformed(body, request.content_type)
    if problem is not None:
        logger.warning("slack request rejected: %s", problem)
        return web.json_response({"error": f"not a Slack request body: {problem}"}, status=400)
    return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))
