"""Slack inbound: the Bolt app mounted at `POST /slack/events`, which only records and acks.

Bolt checks the signature (401 on a bad or stale one). Listeners run before the response
(`process_before_response=True`) and do nothing slow: a staff reply or a button press is written
to the inbox under a unique key (Slack's `event_id`, or the button's `action_ts`), so Slack's
retries are recognised as duplicates instead of being dropped blindly, and the worker does the
rest. `/faq` and mentions are read-only look-ups answered at once.

Bolt gets a logger of ours (`bolt_logger`): Bolt copies that logger's level and filters onto
every logger it makes. Without it, Bolt copies the root logger's level when it is built, so at
LOG_LEVEL=INFO a request with a bad signature was logged whole, patient text and all.
"""

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_cards import ACTIONS
from bot.core import decide
from bot.core.decision import State
from bot.core.knowledge import Knowledge
from bot.store import Clock, NewEvent, Store

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

    @app.event("app_mention")
    async def mentioned(event: dict[str, Any], say: Any) -> None:
        text = re.sub(r"<@[A-Z0-9]+>", "", event.get("text", "")).strip()
        await say(
            thread_ts=event.get("thread_ts") or event["ts"], **lookup(text, inbound.knowledge())
        )

    @app.event(re.compile(".*"))
    async def anything_else() -> None:
        """Every other subscribed event gets a 200, so Slack never retries it."""

    return app


async def _enqueue(
    inbound: SlackInbound, key: str, conversation: str, payload: dict[str, Any]
) -> None:
    event = NewEvent(
        "slack",
        key,
        None,
        json.dumps(payload, ensure_ascii=False),
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
    """`/faq-stats`: today's counts (Asia/Tokyo day)."""
    from bot.channels.slack_cards import TOKYO  # noqa: PLC0415

    start = inbound.clock().astimezone(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = await inbound.store.daily_stats(
        start.astimezone(UTC), start.astimezone(UTC) + timedelta(days=1)
    )
    return (
        "Today: {messages} messages, {answered} answered, {fallbacks} fallbacks, "
        "{handoffs_open} hand-offs open"
    ).format(**counts)


async def slack_events(request: web.Request) -> web.StreamResponse:
    """`POST /slack/events`: Bolt's own request translation, nothing else."""
    bolt = request.app[BOLT]
    return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))
