"""A stand-in for the LINE Messaging API: an aiohttp app on 127.0.0.1 that behaves like LINE.

It keeps what real LINE keeps and Prism does not: single-use reply tokens that expire
`token_ttl` seconds (about a minute) after they were issued or first seen, accepted retry keys
(a repeat gets 409 with `X-Line-Accepted-Request-Id` and is not delivered again), and a log of
every request, so tests can assert exactly what the real SDK sent. Tests script failures per
path with `script()` (one answer per request: a status, a 429 with or without `Retry-After`, a
200 held back past the client's timeout) or `outage()` (every request for some seconds).

Point the SDK at it with `Configuration(host=standin.base_url)` (no trailing slash).
"""

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"
LOADING = "/v2/bot/chat/loading/start"
QUOTA = "/v2/bot/message/quota"

Json = dict[str, Any]


@dataclass(frozen=True)
class Forced:
    """One scripted answer for one request.

    With `status`, the stand-in answers that status and does nothing else. Without, it handles the
    request normally. `delay` then holds the answer back, so the client may time out even though
    the message went out, which is the case LINE's retry key exists for.
    """

    status: int | None = None
    delay: float = 0.0
    body: Json | None = None
    headers: dict[str, str] | None = None
    # Held this long before it is handled; if the client has gone by then (killed, timed out),
    # the request is dropped unprocessed, as LINE does with a request that never fully arrived.
    before: float = 0.0


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived, with the status and JSON body the stand-in answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: Json | None
    status: int
    answer: Json | None = None

    @property
    def messages(self) -> list[Json]:
        """The `messages` array of a reply or push body."""
        assert self.body is not None, f"{self.method} {self.path} had no JSON body"
        messages: list[Json] = self.body["messages"]
        return messages


@dataclass(frozen=True)
class Delivered:
    """A message batch that LINE would have shown, and how.

    `to` is the user id for a push, and the reply token for a reply (LINE resolves it to the chat).
    """

    to: str
    via: str
    messages: list[Json]


@dataclass
class LineStandin:
    """The stand-in's state and its aiohttp app; start with `start()`, stop with `close()`."""

    token: str = "test-token"
    tokens: set[str] = field(default_factory=set)  # more accepted access tokens (one a process)
    token_ttl: float = 60.0
    expired: set[str] = field(default_factory=set)
    languages: dict[str, str] = field(default_factory=dict)
    quota: int = 200
    requests: list[Recorded] = field(default_factory=list)
    delivered: list[Delivered] = field(default_factory=list)
    arrivals: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization) at once
    used_tokens: set[str] = field(default_factory=set)
    accepted_keys: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    _forced: defaultdict[str, deque[Forced]] = field(
        default_factory=lambda: defaultdict(deque), init=False, repr=False
    )
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1), init=False, repr=False)
    _born: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _outages: dict[str, tuple[float, Forced]] = field(default_factory=dict, init=False, repr=False)

    def issue(self, token: str, age: float = 0.0) -> None:
        """Record that LINE issued `token` `age` seconds ago (a webhook carried it)."""
        self._born[token] = time.monotonic() - age

    def outage(self, path: str, seconds: float, answer: Forced) -> None:
        """Answer every request to `path` with `answer` for the next `seconds`."""
        self._outages[path] = (time.monotonic() + seconds, answer)

    def _scripted(self, path: str) -> Forced:
        until, answer = self._outages.get(path, (0.0, Forced()))
        if time.monotonic() < until:
            return answer
        return self._forced[path].popleft() if self._forced[path] else Forced()

    _server: TestServer | None = field(default=None, init=False, repr=False)

    def script(self, path: str, *answers: int | Forced) -> None:
        """Queue answers for the next requests to `path`; a 2xx int means "behave normally"."""
        for answer in answers:
            if isinstance(answer, Forced):
                self._forced[path].append(answer)
            else:
                self._forced[path].append(Forced(None if 200 <= answer < 300 else answer))

    def calls(self, path: str) -> list[Recorded]:
        """The recorded requests to one path, in arrival order."""
        return [request for request in self.requests if request.path == path]

    async def start(self) -> str:
        """Serve on a free loopback port and return the base URL, without a trailing slash."""
        self._server = TestServer(self.app(), host="127.0.0.1", port=0)
        await self._server.start_server()
        self.base_url = f"http://127.0.0.1:{self._server.port}"
        return self.base_url

    async def close(self) -> None:
        """Stop serving."""
        if self._server is not None:
            await self._server.close()
            self._server = None

    def app(self) -> web.Application:
        """The aiohttp app: LINE's routes behind a middleware that records and scripts."""
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(
            [
                web.post(REPLY, self._reply),
                web.post(PUSH, self._push),
                web.post(LOADING, self._loading),
                web.get("/v2/bot/profile/{user_id}", self._profile),
                web.get(QUOTA, self._quota),
            ]
        )
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Check the bearer token, apply any scripted answer, and record the exchange."""
        body = await _json_or_none(request)
        self.arrivals.append((request.path, request.headers.get("Authorization", "")))
        forced = self._scripted(request.path)
        if forced.before:
            await asyncio.sleep(forced.before)
            if request.transport is None or request.transport.is_closing():
                self.requests.append(
                    Recorded(request.method, request.path, dict(request.headers), body, 499)
                )
                return web.Response(status=499)
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer != self.token and bearer not in self.tokens:
            response: web.StreamResponse = _error(401, "Authentication failed")
        elif forced.status is not None:
            response = web.json_response(
                forced.body or {"message": f"scripted {forced.status}"},
                status=forced.status,
                headers=forced.headers,
            )
        else:
            response = await handler(request)
        raw = response.body if isinstance(response, web.Response) else None
        answer = json.loads(raw) if isinstance(raw, bytes) else None
        self.requests.append(
            Recorded(
                request.method, request.path, dict(request.headers), body, response.status, answer
            )
        )
        if forced.delay:
            await asyncio.sleep(forced.delay)
        if "X-Line-Request-Id" not in response.headers:
            response.headers["X-Line-Request-Id"] = self._request_id()
        return response

    async def _reply(self, request: web.Request) -> web.Response:
        """A reply token works once, and not at all once it has expired."""
        body = await _json_or_none(request) or {}
        token = body.get("replyToken")
        if "X-Line-Retry-Key" in request.headers:
            return _error(400, "The retry key cannot be used with this API")
        if not _valid_messages(body):
            return _error(400, "The request body has 1 error(s)")
        if not isinstance(token, str) or token in self.used_tokens or self._is_expired(token):
            return _error(400, "Invalid reply token")
        self.used_tokens.add(token)
        return self._deliver(token, "reply", body["messages"])

    def _is_expired(self, token: str) -> bool:
        """Expired on request, or `token_ttl` after it was issued (or first seen)."""
        born = self._born.setdefault(token, time.monotonic())
        return token in self.expired or time.monotonic() - born > self.token_ttl

    async def _push(self, request: web.Request) -> web.Response:
        """The first request with a retry key is executed; any repeat gets 409."""
        body = await _json_or_none(request) or {}
        if not isinstance(body.get("to"), str) or not _valid_messages(body):
            return _error(400, "The request body has 1 error(s)")
        key = request.headers.get("X-Line-Retry-Key")
        if key is not None and key in self.accepted_keys:
            response = _error(409, "The retry key is already accepted")
            response.headers["X-Line-Accepted-Request-Id"] = self.accepted_keys[key]
            return response
        response = self._deliver(body["to"], "push", body["messages"])
        if key is not None:
            self.accepted_keys[key] = response.headers["X-Line-Request-Id"]
        return response

    async def _loading(self, request: web.Request) -> web.Response:
        """Only 5..60 in steps of 5 is documented; anything else is refused."""
        body = await _json_or_none(request) or {}
        seconds = body.get("loadingSeconds", 20)
        if not isinstance(body.get("chatId"), str) or seconds not in range(5, 61, 5):
            return _error(400, "The request body has 1 error(s)")
        return web.json_response({}, status=202)

    async def _profile(self, request: web.Request) -> web.Response:
        """`language` appears only for users who agreed to LINE's privacy policy (configured)."""
        user_id = request.match_info["user_id"]
        profile = {"displayName": f"Patient {user_id[-4:]}", "userId": user_id}
        if user_id in self.languages:
            profile["language"] = self.languages[user_id]
        return web.json_response(profile)

    async def _quota(self, request: web.Request) -> web.Response:
        """The monthly message allowance."""
        return web.json_response({"type": "limited", "value": self.quota})

    def _deliver(self, to: str, via: str, messages: list[Json]) -> web.Response:
        """Record what the patient would see and answer like LINE does."""
        self.delivered.append(Delivered(to, via, messages))
        sent = [{"id": self._request_id(), "quoteToken": f"q-{n}"} for n in range(len(messages))]
        response = web.json_response({"sentMessages": sent})
        response.headers["X-Line-Request-Id"] = self._request_id()
        return response

    def _request_id(self) -> str:
        """A fresh id, unique within this stand-in."""
        return f"req-{next(self._ids):06d}"


async def _json_or_none(request: web.Request) -> Json | None:
    """The parsed JSON body, or None when there is no body or it is not JSON."""
    raw = await request.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _valid_messages(body: Json) -> bool:
    """LINE accepts 1 to 5 messages per request."""
    messages = body.get("messages")
    return isinstance(messages, list) and 1 <= len(messages) <= 5


def _error(status: int, message: str) -> web.Response:
    """LINE's error body shape."""
    return web.json_response({"message": message}, status=status)
