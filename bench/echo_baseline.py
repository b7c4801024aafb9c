"""The baseline: line-bot-sdk-python's official `examples/aiohttp-echo/app.py` design.

Same architecture as the SDK example: `WebhookParser.parse(body, signature)`, then for each text
message `await AsyncMessagingApi.reply_message(...)` *inline*, and only then `200 OK`. Nothing
is stored; a crash after parsing loses the event, and the 200 waits for LINE's reply call.

What differs from the example is the content, so that the comparison is about architecture:
instead of echoing, it answers with what our bot would answer. It imports `bot.core.decide`
(the same FAQ and catalogs, a per-patient `State` kept in a dict in memory) and renders the
decision with `bot.channels.line_render.render` (same messages and quick replies). What it
does *not* do, and our server does: the durable inbox, per-patient ordering, the outbox and
audit rows, retry keys and push fallback.

`PORT=N LINE_CHANNEL_SECRET=... LINE_CHANNEL_ACCESS_TOKEN=... LINE_API_BASE=http://...`
`python bench/echo_baseline.py` serves `POST /callback` on 127.0.0.1.
"""

import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    ReplyMessageRequest,
)
from linebot.v3.webhooks import MessageEvent, TextMessageContent, UserSource

from bot import core, i18n
from bot.channels.line_render import render
from bot.core.decision import State
from bot.core.knowledge import Knowledge, build_knowledge
from bot.faq import model as faq

# The FAQ beside the `bot` package that is imported (the benchmark may point PYTHONPATH at a
# snapshot of another revision).
ROOT = Path(core.__file__).resolve().parents[2]


class Handler:
    """The example's handler class, deciding like our bot instead of echoing."""

    def __init__(self, parser: WebhookParser, knowledge: Knowledge) -> None:
        self.line_bot_api: AsyncMessagingApi | None = None  # set once the loop runs
        self.parser = parser
        self.knowledge = knowledge
        self.states: dict[str, State] = {}

    async def callback(self, request: web.Request) -> web.Response:
        """Parse, reply inline, then 200 (the example's order)."""
        signature = request.headers.get("X-Line-Signature", "")
        body = await request.text()
        try:
            events = self.parser.parse(body, signature)
        except InvalidSignatureError:
            return web.Response(status=400, text="Invalid signature")

        for event in events:
            if not isinstance(event, MessageEvent):
                continue
            if not isinstance(event.message, TextMessageContent):
                continue
            user = event.source.user_id if isinstance(event.source, UserSource) else ""
            state = self.states.get(user, State())
            decision = core.decide(event.message.text, state, datetime.now(UTC), self.knowledge)
            self.states[user] = decision.state
            messages = render((decision.text,), decision.choices)
            if not messages or self.line_bot_api is None:
                continue
            await self.line_bot_api.reply_message(
                ReplyMessageRequest(reply_token=event.reply_token, messages=messages)
            )

        return web.Response(text="OK\n")


async def healthz(request: web.Request) -> web.Response:
    """So the benchmark can wait for it the same way as for our server."""
    return web.Response(text="ok")


def main() -> int:
    """Serve until SIGTERM."""
    channel_secret = os.getenv("LINE_CHANNEL_SECRET")
    channel_access_token = os.getenv("LINE_CHANNEL_ACCESS_TOKEN")
    if not channel_secret or not channel_access_token:
        print("Specify LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN.", file=sys.stderr)
        return 1
    configuration = Configuration(
        access_token=channel_access_token,
        host=os.getenv("LINE_API_BASE", "https://api.line.me"),
    )
    knowledge = build_knowledge(faq.load_or_raise(ROOT / "faq"), i18n.load(ROOT / "locales"))
    handler = Handler(WebhookParser(channel_secret), knowledge)

    async def client(app: web.Application) -> AsyncIterator[None]:
        async_api_client = AsyncApiClient(configuration)  # needs the running loop
        handler.line_bot_api = AsyncMessagingApi(async_api_client)
        yield
        await async_api_client.close()  # the example never closes it (platform notes 1.2)

    app = web.Application()
    app.router.add_post("/callback", handler.callback)
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(client)
    web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
