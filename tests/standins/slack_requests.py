"""Builders for requests as Slack sends them to an app's Request URL, signed with the v0 scheme.

Events arrive as a JSON `event_callback` envelope (platform notes 2.9); block actions and slash
commands arrive form-encoded, actions as a single `payload=<json>` field (2.4). The builders return
the exact bytes to send and `sign()` signs those bytes, because Slack's signature covers the raw
body. Bodies keep Japanese as UTF-8 rather than `\\uXXXX` escapes, so tests exercise multi-byte
bodies. Bolt's `AsyncBoltRequest` wants a `str`: pass `body.decode()`.

Event builders return the inner event (a dict) so a test can tweak it before wrapping it with
`event_callback()`, or store it in the stand-in with `SlackStandin.add_message()`.
"""

import json
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.standins.slack_api import (
    API_APP_ID,
    BOT_ID,
    BOT_USER_ID,
    FIRST_TS,
    TEAM_DOMAIN,
    TEAM_ID,
)

SIGNING_SECRET = "secret"
STAFF_USER_ID = "U222STAFF"
STAFF_CHANNEL = "C0STAFF01"
OTHER_BOT_ID = "B0OTHERBOT"
PARENT_TS = FIRST_TS  # the ts the stand-in gives the first message it posts
REPLY_TS = "1700000123.000200"
# The deprecated verification token Slack still puts in bodies; Bolt ignores it.
VERIFICATION_TOKEN = "verification-token"
RESPONSE_URL = "https://hooks.slack.com/actions/T0CLINIC1/1234567890/abcdefABCDEF"
TRIGGER_ID = "1234567890.1234567890.abcdef0123456789abcdef0123456789"

Json = dict[str, Any]


def sign(
    secret: str,
    body: bytes,
    timestamp: int,
    *,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
) -> dict[str, str]:
    """The headers Slack sends with `body`: v0 signature, timestamp, content type, retry marks."""
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    assert signature is not None
    headers = {
        "Content-Type": "application/json"
        if body.startswith(b"{")
        else "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
    }
    if retry_num is not None:
        # Slack marks retries; they must still be handled, since the first try may have been lost.
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


def event_callback(
    event: Json, event_id: str, *, event_time: int | None = None, team_id: str = TEAM_ID
) -> bytes:
    """The Events API envelope around `event`; `event_id` is what a receiver deduplicates on."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time if event_time is not None else int(float(event["event_ts"])),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }
    return _json(envelope)


def thread_reply(
    text: str,
    *,
    thread_ts: str = PARENT_TS,
    ts: str = REPLY_TS,
    user: str = STAFF_USER_ID,
    channel: str = STAFF_CHANNEL,
) -> Json:
    """A human's reply in a thread: `thread_ts` is the parent's ts and differs from `ts`."""
    event = _human_message(text, ts=ts, user=user, channel=channel)
    event.update({"thread_ts": thread_ts, "parent_user_id": BOT_USER_ID})
    return event


def channel_message(
    text: str, *, ts: str = REPLY_TS, user: str = STAFF_USER_ID, channel: str = STAFF_CHANNEL
) -> Json:
    """A human's top-level message in a channel: no `thread_ts`."""
    return _human_message(text, ts=ts, user=user, channel=channel)


def bot_message(
    text: str,
    *,
    ts: str = REPLY_TS,
    thread_ts: str | None = PARENT_TS,
    bot_id: str = OTHER_BOT_ID,
    subtype: str | None = "bot_message",
    channel: str = STAFF_CHANNEL,
) -> Json:
    """Another bot's message (Bolt drops only our own, platform notes 2.6).

    `bot_message` is the subtype of integrations and webhooks; a Slack app posting with its bot
    token produces no subtype but `bot_id` and `user`, which `subtype=None` builds.
    """
    event: Json = {"type": "message", "text": text, "ts": ts, "bot_id": bot_id}
    if subtype is None:
        event.update({"user": "U0OTHERBOT", "app_id": "A0OTHERAPP"})
    else:
        event.update({"subtype": subtype, "username": "other-bot"})
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    event.update({"channel": channel, "event_ts": ts, "channel_type": "channel"})
    return event


def message_changed(
    text: str,
    previous_text: str,
    *,
    edited_ts: str = REPLY_TS,
    thread_ts: str | None = PARENT_TS,
    ts: str = "1700000200.000300",
    user: str = STAFF_USER_ID,
    channel: str = STAFF_CHANNEL,
) -> Json:
    """An edit: the event has its own `ts`; the edited message and its old version are nested."""
    before = _inner(previous_text, edited_ts, thread_ts, user)
    after = {**_inner(text, edited_ts, thread_ts, user), "edited": {"user": user, "ts": ts}}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": after,
        "previous_message": before,
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }


def message_deleted(
    previous_text: str,
    *,
    deleted_ts: str = REPLY_TS,
    thread_ts: str | None = PARENT_TS,
    ts: str = "1700000300.000400",
    user: str = STAFF_USER_ID,
    channel: str = STAFF_CHANNEL,
) -> Json:
    """A deletion: `deleted_ts` names the message that went, `previous_message` what it said."""
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": deleted_ts,
        "previous_message": _inner(previous_text, deleted_ts, thread_ts, user),
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }


def app_mention(
    text: str,
    *,
    ts: str = REPLY_TS,
    thread_ts: str | None = None,
    user: str = STAFF_USER_ID,
    channel: str = STAFF_CHANNEL,
) -> Json:
    """An @-mention of the bot; Slack also sends the same post as a separate `message` event."""
    event = _human_message(f"<@{BOT_USER_ID}> {text}", ts=ts, user=user, channel=channel)
    event["type"] = "app_mention"
    del event["channel_type"]  # app_mention events carry no channel_type
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def block_action(
    action_id: str,
    value: str,
    *,
    user_id: str = STAFF_USER_ID,
    message_ts: str = PARENT_TS,
    channel: str = STAFF_CHANNEL,
    block_id: str = "actions",
    message_text: str = "",
    metadata: Json | None = None,
    action_ts: str = "1700000400.000500",
    response_url: str = RESPONSE_URL,
) -> bytes:
    """A button press on a bot message, form-encoded as `payload=<json>` like Slack sends it."""
    button = {"type": "plain_text", "text": value, "emoji": True}
    message: Json = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": API_APP_ID,
        "text": message_text,
        "ts": message_ts,
        "blocks": [
            {
                "type": "actions",
                "block_id": block_id,
                "elements": [
                    {"type": "button", "action_id": action_id, "text": button, "value": value}
                ],
            }
        ],
    }
    if metadata is not None:
        message["metadata"] = metadata
    payload: Json = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "staff", "name": "staff", "team_id": TEAM_ID},
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": TRIGGER_ID,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "staff"},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": button,
                "value": value,
                "type": "button",
                "action_ts": action_ts,
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()


def slash_command(
    command: str, text: str, *, user_id: str = STAFF_USER_ID, channel_id: str = STAFF_CHANNEL
) -> bytes:
    """A slash command, form-encoded field by field like Slack sends it."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": "staff",
        "user_id": user_id,
        "user_name": "staff",
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": f"https://hooks.slack.com/commands/{TEAM_ID}/1234567890/abcdefABCDEF",
        "trigger_id": TRIGGER_ID,
    }
    return urlencode(fields).encode()


def url_verification(challenge: str) -> bytes:
    """The one-time check Slack makes when the Request URL is saved; Bolt answers it itself."""
    return _json({"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"})


def _human_message(text: str, *, ts: str, user: str, channel: str) -> Json:
    """The fields every message a person types has, with the rich-text block Slack adds."""
    return {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "client_msg_id": f"00000000-0000-4000-8000-{ts.replace('.', '')[-12:]}",
        "team": TEAM_ID,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": "rt1",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ],
        "channel": channel,
        "event_ts": ts,
        "channel_type": "channel",
    }


def _inner(text: str, ts: str, thread_ts: str | None, user: str) -> Json:
    """A message as nested inside message_changed / message_deleted (no channel fields)."""
    message: Json = {"type": "message", "user": user, "text": text, "ts": ts}
    if thread_ts is not None:
        message.update({"thread_ts": thread_ts, "parent_user_id": BOT_USER_ID})
    return message


def _json(value: Json) -> bytes:
    """Compact UTF-8 JSON, the bytes a signature is computed over."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
