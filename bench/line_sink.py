"""A minimal stand-in LINE Messaging API for load benchmarks, run as its own process.

`python bench/line_sink.py --port N` serves, on 127.0.0.1 only:

- `POST /v2/bot/message/reply`: 200 the first time a reply token is used, 400 "Invalid reply
  token" for any later use (as LINE does);
- `POST /v2/bot/message/push`: 200 the first time an `X-Line-Retry-Key` is seen, 409 after;
- `POST /v2/bot/chat/loading/start`: 202; `GET /v2/bot/profile/{id}`: a profile;
- `GET /_stats`: what it received. `?full=1` adds, per reply token and per push retry key, the
  `[monotonic, wall]` times of every accepted answer (CLOCK_MONOTONIC is shared by all processes
  on one Linux machine, so the load generator can subtract its own send times);
- `POST /_reset`: forget everything (between benchmark phases).

It is deliberately smaller than `tests/standins/line_api.py` (no per-request log of headers and
bodies, no scripting) so that it costs the machine as little as possible under load.
"""

import argparse
import json
import time
from collections import defaultdict

from aiohttp import web


class Sink:
    """Counters and per-key answer times."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything received so far."""
        self.replies: defaultdict[str, list[list[float]]] = defaultdict(list)
        self.pushes: defaultdict[str, list[list[float]]] = defaultdict(list)
        self.rejected_replies = 0  # a token used again (LINE: 400 Invalid reply token)
        self.push_conflicts = 0  # a retry key seen again (LINE: 409)
        self.bad_requests = 0
        self.loading = 0
        self.profiles = 0

    def stats(self, *, full: bool) -> dict[str, object]:
        """Totals, and with `full` every accepted answer's times."""
        out: dict[str, object] = {
            "replies": sum(len(v) for v in self.replies.values()),
            "pushes": sum(len(v) for v in self.pushes.values()),
            "rejected_replies": self.rejected_replies,
            "push_conflicts": self.push_conflicts,
            "bad_requests": self.bad_requests,
            "loading": self.loading,
            "profiles": self.profiles,
        }
        if full:
            out["reply_times"] = self.replies
            out["push_times"] = self.pushes
        return out


SENT = {"sentMessages": [{"id": "100000000000000001", "quoteToken": "q-bench"}]}


def make_app(sink: Sink) -> web.Application:
    """The sink's routes."""

    async def body_of(request: web.Request) -> dict[str, object] | None:
        try:
            data = json.loads(await request.read())
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    async def reply(request: web.Request) -> web.Response:
        now = [time.monotonic(), time.time()]
        body = await body_of(request)
        token = body.get("replyToken") if body else None
        if not isinstance(token, str) or not body or not body.get("messages"):
            sink.bad_requests += 1
            return web.json_response({"message": "The request body has 1 error(s)"}, status=400)
        if token in sink.replies:
            sink.rejected_replies += 1
            return web.json_response({"message": "Invalid reply token"}, status=400)
        sink.replies[token].append(now)
        return web.json_response(SENT)

    async def push(request: web.Request) -> web.Response:
        now = [time.monotonic(), time.time()]
        body = await body_of(request)
        if not body or not isinstance(body.get("to"), str) or not body.get("messages"):
            sink.bad_requests += 1
            return web.json_response({"message": "The request body has 1 error(s)"}, status=400)
        key = request.headers.get("X-Line-Retry-Key") or f"no-key-{time.monotonic_ns()}"
        if key in sink.pushes:
            sink.push_conflicts += 1
            return web.json_response({"message": "The retry key is already accepted"}, status=409)
        sink.pushes[key].append(now)
        return web.json_response(SENT)

    async def loading(request: web.Request) -> web.Response:
        await request.read()
        sink.loading += 1
        return web.json_response({}, status=202)

    async def profile(request: web.Request) -> web.Response:
        sink.profiles += 1
        user = request.match_info["user_id"]
        return web.json_response({"displayName": "Patient", "userId": user, "language": "ja"})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(sink.stats(full=request.query.get("full") == "1"))

    async def reset(request: web.Request) -> web.Response:
        sink.reset()
        return web.json_response({})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.add_routes(
        [
            web.post("/v2/bot/message/reply", reply),
            web.post("/v2/bot/message/push", push),
            web.post("/v2/bot/chat/loading/start", loading),
            web.get("/v2/bot/profile/{user_id}", profile),
            web.get("/_stats", stats),
            web.post("/_reset", reset),
            web.get("/healthz", healthz),
        ]
    )
    return app


def main() -> None:
    """Serve on 127.0.0.1:PORT until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(make_app(Sink()), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
