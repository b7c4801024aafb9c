"""A stand-in for the Slack Web API: an aiohttp app on 127.0.0.1 that answers what slack_sdk sends.

Slack's public spec is too old to serve with Prism (platform notes 3.3), so this speaks the wire
format by hand: POST or GET to `/api/<method>`, a JSON, form-encoded or query-string body, and
`Authorization: Bearer xoxb-...`. Like Slack, it reports most failures as HTTP 200 with
`{"ok": false, "error": ...}`, and rate limits as 429 with `Retry-After`. It keeps the messages it
was asked to post, so `chat.update` and `conversations.replies` see them, and records every request.
Tests script failures per method with `script()`.

Point the SDK at it with `AsyncWebClient(token=..., base_url=standin.base_url)`; the trailing slash
of `base_url` is required, because slack_sdk joins it with the method name by `urljoin`.
"""

import asyncio
import contextlib
import itertools
import json
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

TEAM_ID = "T0CLINIC1"
TEAM_DOMAIN = "clinic"
BOT_USER_ID = "U0BOTUSER"
BOT_ID = "B0BOTID01"
API_APP_ID = "A0CLINIC1"
BOT_TOKEN = "xoxb-test"
FIRST_TS = "1700000000.000100"

# slack_sdk sends these as JSON strings when a caller passes a string or uses a form body.
JSON_FIELDS = ("blocks", "attachments", "metadata", "user_auth_blocks")
# Keys an Events API message has that a stored message (as conversations.replies returns it) lacks.
EVENT_ONLY_KEYS = ("channel", "event_ts", "channel_type")

Json = dict[str, Any]


@dataclass(frozen=True)
class Forced:
    """One scripted answer for one request to one method.

    With `error`, `body` or a non-200 `status`, the stand-in answers that and does nothing else:
    `error` gives Slack's usual HTTP 200 `{"ok": false, "error": ...}`, and status 429 gives
    `ratelimited` with `Retry-After`. Otherwise it handles the request normally. `delay` holds the
    answer back, so a client with a short timeout gives up although the message was posted.
    """

    error: str | None = None
    status: int = 200
    retry_after: int = 1
    delay: float = 0.0
    body: Json | None = None

    @property
    def overrides(self) -> bool:
        """Whether this answer replaces the normal handling."""
        return self.error is not None or self.body is not None or self.status != 200

    def response(self) -> web.Response:
        """The scripted HTTP response."""
        error = self.error or ("ratelimited" if self.status == 429 else "fatal_error")
        response = web.json_response(self.body or {"ok": False, "error": error}, status=self.status)
        if self.status == 429:
            response.headers["Retry-After"] = str(self.retry_after)
        return response


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived (query, JSON and form fields merged into `body`) and the answer."""

    method_name: str
    headers: dict[str, str]
    body: Json
    http_method: str = "POST"
    status: int = 200
    answer: Json | None = None

    @property
    def ok(self) -> bool:
        """Whether Slack would have carried the call out."""
        return self.status == 200 and bool(self.answer and self.answer.get("ok"))


@dataclass
class SlackStandin:
    """The stand-in's state and its aiohttp app; start with `start()`, stop with `close()`."""

    token: str = BOT_TOKEN
    users: dict[str, Json] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    messages: defaultdict[str, list[Json]] = field(default_factory=lambda: defaultdict(list))
    reactions: set[tuple[str, str, str]] = field(default_factory=set)
    base_url: str = ""
    _forced: defaultdict[str, deque[Forced]] = field(
        default_factory=lambda: defaultdict(deque), init=False, repr=False
    )
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1), init=False, repr=False)
    _server: TestServer | None = field(default=None, init=False, repr=False)

    def script(self, method_name: str, *answers: Forced | str) -> None:
        """Queue answers for the next calls to `method_name`; a string is an error code."""
        for answer in answers:
            self._forced[method_name].append(
                answer if isinstance(answer, Forced) else Forced(error=answer)
            )

    def calls(self, method_name: str) -> list[Recorded]:
        """The recorded requests to one method (e.g. "chat.postMessage"), in arrival order."""
        return [request for request in self.requests if request.method_name == method_name]

    def posted(self) -> list[Json]:
        """The bodies of the chat.postMessage calls that succeeded, i.e. what Slack would show."""
        return [request.body for request in self.calls("chat.postMessage") if request.ok]

    def add_message(self, message: Json, channel: str | None = None) -> None:
        """Store a message that reached Slack another way, e.g. a staff reply built as an event."""
        stored = {key: value for key, value in message.items() if key not in EVENT_ONLY_KEYS}
        self.messages[channel or message["channel"]].append(stored)

    def thread(self, channel: str, ts: str) -> list[Json]:
        """The parent with `ts` and its replies, oldest first, as conversations.replies lists."""
        found = [m for m in self.messages[channel] if ts in (m["ts"], m.get("thread_ts"))]
        return sorted(found, key=lambda message: _ts_key(message["ts"]))

    async def start(self) -> str:
        """Serve on a free loopback port and return the base URL, with its trailing slash."""
        self._server = TestServer(self.app(), host="127.0.0.1", port=0)
        await self._server.start_server()
        self.base_url = f"http://127.0.0.1:{self._server.port}/api/"
        return self.base_url

    async def close(self) -> None:
        """Stop serving."""
        if self._server is not None:
            await self._server.close()
            self._server = None

    def app(self) -> web.Application:
        """The aiohttp app: every Web API method on one route, GET or POST (Slack accepts both)."""
        app = web.Application()
        app.add_routes([web.route("*", "/api/{method_name}", self._dispatch)])
        return app

    async def _dispatch(self, request: web.Request) -> web.Response:
        """Check the token, apply any scripted answer, run the method, and record the exchange."""
        name = request.match_info["method_name"]
        body = await _params(request)
        queue = self._forced[name]
        forced = queue.popleft() if queue else Forced()
        token = _bearer(request) or body.get("token")
        if token != self.token:
            # Slack answers auth failures with HTTP 200, like every other method error.
            error = "not_authed" if token is None else "invalid_auth"
            response = web.json_response({"ok": False, "error": error})
        elif forced.overrides:
            response = forced.response()
        else:
            response = web.json_response(self._methods().get(name, _ok)(body))
        raw = response.body
        answer = json.loads(raw) if isinstance(raw, bytes) else None
        self.requests.append(
            Recorded(name, dict(request.headers), body, request.method, response.status, answer)
        )
        if forced.delay:
            await asyncio.sleep(forced.delay)
        return response

    def _methods(self) -> dict[str, Callable[[Json], Json]]:
        """The methods with behaviour beyond `{"ok": true}`."""
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "reactions.add": self._react,
            "users.info": self._user,
            "conversations.replies": self._replies,
            "conversations.history": self._history,
        }

    def _auth_test(self, body: Json) -> Json:
        """Bolt calls this on its first request; `bot_id`/`user_id` let it skip its own posts."""
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Clinic",
            "user": "clinicbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }

    def _post_message(self, body: Json) -> Json:
        """Store the message under a fresh ts and echo it, metadata included, as Slack does."""
        channel = body.get("channel")
        if not channel:
            return _error("channel_not_found")
        if not any(body.get(key) for key in ("text", "blocks", "attachments")):
            return _error("no_text")
        message: Json = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID}
        message["app_id"] = API_APP_ID
        message["text"] = body.get("text", "")
        message["ts"] = self._next_ts()
        for key in ("thread_ts", "blocks", "attachments", "metadata"):
            if body.get(key):
                message[key] = body[key]
        self.messages[channel].append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _update(self, body: Json) -> Json:
        """Only a message the stand-in holds can be edited."""
        channel, ts = body.get("channel", ""), body.get("ts", "")
        message = next((m for m in self.messages[channel] if m["ts"] == ts), None)
        if message is None:
            return _error("message_not_found")
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in body:
                message[key] = body[key]
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": message,
        }

    def _post_ephemeral(self, body: Json) -> Json:
        """Ephemeral messages get a ts but never appear in the channel's history."""
        if not body.get("channel") or not body.get("user"):
            return _error("channel_not_found" if not body.get("channel") else "user_not_in_channel")
        return {"ok": True, "message_ts": self._next_ts()}

    def _react(self, body: Json) -> Json:
        """Adding the same reaction twice is an error on Slack."""
        if not body.get("name"):
            return _error("invalid_name")
        reaction = (body.get("channel", ""), body.get("timestamp", ""), body["name"])
        if reaction in self.reactions:
            return _error("already_reacted")
        self.reactions.add(reaction)
        return {"ok": True}

    def _user(self, body: Json) -> Json:
        """A configured user from `users`, or a made-up staff member."""
        user_id = body.get("user")
        if not user_id:
            return _error("user_not_found")
        name = f"Staff {user_id[-4:]}"
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name.lower().replace(" ", "."),
            "real_name": name,
            "is_bot": False,
            "tz": "Asia/Tokyo",
            "profile": {"real_name": name, "display_name": name},
        }
        return {"ok": True, "user": self.users.get(user_id, user)}

    def _replies(self, body: Json) -> Json:
        """Metadata comes back only with include_all_metadata (platform notes 2.7)."""
        channel, ts = body.get("channel", ""), body.get("ts", "")
        found = self.thread(channel, ts)
        if not any(message["ts"] == ts for message in found):
            return _error("thread_not_found")
        keep_metadata = body.get("include_all_metadata") in (True, "1", "true")
        listed = [
            {k: v for k, v in message.items() if keep_metadata or k != "metadata"}
            for message in found
        ]
        if len(listed) > 1:
            listed[0] = {**listed[0], "thread_ts": ts, "reply_count": len(listed) - 1}
        return {"ok": True, "messages": listed, "has_more": False}

    def _history(self, body: Json) -> Json:
        """The channel's messages, newest first, not thread replies; `oldest` (exclusive) and
        `limit` as Slack reads them; metadata only with include_all_metadata."""
        channel = body.get("channel", "")
        if not channel:
            return _error("channel_not_found")
        oldest = _ts_key(str(body.get("oldest") or "0.0"))
        keep_metadata = body.get("include_all_metadata") in (True, "1", "true")
        found = [
            {k: v for k, v in message.items() if keep_metadata or k != "metadata"}
            for message in self.messages[channel]
            if message.get("thread_ts") in (None, message["ts"]) and _ts_key(message["ts"]) > oldest
        ]
        found.sort(key=lambda message: _ts_key(message["ts"]), reverse=True)
        limit = int(body.get("limit") or 100)
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}

    def _next_ts(self) -> str:
        """A fresh ts, later than every earlier one: 1700000000.000100, 1700000000.000200, ..."""
        micros = next(self._ts) * 100
        return f"{1_700_000_000 + micros // 1_000_000}.{micros % 1_000_000:06d}"


async def _params(request: web.Request) -> Json:
    """Query, JSON and form fields merged, with JSON-in-a-string fields such as `blocks` decoded."""
    params: Json = dict(request.query)
    if request.content_type == "application/json":
        raw = await request.read()
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {}
        params.update(parsed if isinstance(parsed, dict) else {})
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str):
            # Slack would answer invalid_blocks; the raw string stays for the test to see.
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


def _bearer(request: web.Request) -> str | None:
    """The token from `Authorization: Bearer ...`, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme == "Bearer" and token else None


def _ts_key(ts: str) -> tuple[int, int]:
    """Sort key for a ts, compared as two integers rather than a float (platform notes 2.6)."""
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)


def _ok(body: Json) -> Json:
    """What the stand-in answers for methods it has no behaviour for."""
    return {"ok": True}


def _error(code: str) -> Json:
    """Slack's error body shape."""
    return {"ok": False, "error": code}
