"""`richmenu apply`'s real SDK requests checked against LINE's OpenAPI (tests/contracts/line).

1. Through Prism (`--errors`), behind two recording proxies standing for api.line.me and
   api-data.line.me (LINE_API_BASE, LINE_DATA_API_BASE): every request must get a 2xx, with
   Prism's reasons (`sl-violations`) in the failure message.
2. With openapi-core: every request the stateful stand-in recorded over two applies (so alias
   updates and deletes too), and its answers, validated against messaging-api.yml, each on the
   host the spec names for it.
3. The tap on the language area as LINE delivers it: a postback event whose `params` name the
   new alias, valid under webhook.yml, read by the bot as `lang=en`.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from jsonschema_path import SchemaPath
from linebot.v3.messaging import AsyncMessagingApi
from linebot.v3.messaging.exceptions import ApiException
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import PostbackEvent
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from bot.channels.line_events import translate
from bot.channels.line_richmenu import Upload, delete, point_alias, rich_menu_request
from bot.cli.richmenu import Prepared, apply_with_sdk, prepare
from bot.core.decision import Kind, State
from bot.core.knowledge import Knowledge
from bot.pipeline.plan_line import decide_postback
from bot.settings import RichMenuSettings, Secret
from tests.standins.fixtures import client_for
from tests.standins.line_richmenu import TOKEN, Call, RichMenuStandin

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "tests" / "contracts" / "line"
CONFIG = ROOT / "config" / "richmenu.toml"
PRISM_ID = "%7BrichMenuId%7D"  # Prism answers the spec's example id, "{richMenuId}"


@dataclass(frozen=True)
class Exchange:
    """One request through a proxy, and Prism's verdict on it."""

    host: str  # "api" or "data": which proxy, i.e. which LINE host it was sent to
    method: str
    path: str
    content_type: str
    status: int
    violations: str | None  # Prism's reasons for refusing it


@pytest.fixture(name="uploads", scope="module")
def _uploads() -> tuple[Upload, ...]:
    prepared = prepare(CONFIG, [], ROOT / "faq")
    assert isinstance(prepared, Prepared), prepared
    return prepared.uploads


@pytest.fixture(name="exchanges")
def _exchanges() -> list[Exchange]:
    return []


@pytest.fixture(name="prism_hosts")
async def _prism_hosts(prism: str, exchanges: list[Exchange]) -> AsyncIterator[dict[str, str]]:
    """Two loopback proxies to one Prism, as the api and the data host; yields their URLs."""
    servers: list[TestServer] = []
    async with aiohttp.ClientSession() as upstream:

        def proxy(host: str) -> web.Application:
            async def forward(request: web.Request) -> web.Response:
                raw = await request.read()
                headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
                async with upstream.request(
                    request.method, prism + request.path_qs, headers=headers, data=raw
                ) as answer:
                    payload = await answer.read()
                    exchanges.append(
                        Exchange(
                            host,
                            request.method,
                            request.raw_path,
                            request.headers.get("Content-Type", ""),
                            answer.status,
                            _reasons(answer.headers.get("sl-violations"), answer.status, payload),
                        )
                    )
                    return web.Response(
                        status=answer.status, body=payload, content_type="application/json"
                    )

            app = web.Application(client_max_size=4 * 1024 * 1024)
            app.router.add_route("*", "/{tail:.*}", forward)
            return app

        urls = {}
        for host in ("api", "data"):
            server = TestServer(proxy(host), host="127.0.0.1", port=0)
            await server.start_server()
            servers.append(server)
            urls[host] = f"http://127.0.0.1:{server.port}"
        try:
            yield urls
        finally:
            for server in servers:
                await server.close()


def _reasons(header: str | None, status: int, payload: bytes) -> str | None:
    """Prism's reasons: its `sl-violations` header, or for a 422 (an operation whose spec has
    no 400) the body's `validation` list."""
    if header or status != 422:
        return header
    return json.dumps(json.loads(payload).get("validation"), ensure_ascii=False)


def assert_all_accepted(exchanges: list[Exchange]) -> None:
    assert exchanges, "nothing reached Prism"
    refused = [e for e in exchanges if not 200 <= e.status < 300 or e.violations]
    assert not refused, "\n".join(
        f"{e.method} {e.path} -> {e.status}; sl-violations: {e.violations}" for e in refused
    )


async def test_prism_accepts_every_request_of_an_apply(
    prism_hosts: dict[str, str], exchanges: list[Exchange], uploads: tuple[Upload, ...]
) -> None:
    """List, validate, create, upload (on the data host, as PNG), alias list and create, and
    the default: all match the spec. Prism's example list holds a menu named "nice rich menu",
    not ours, so nothing is deleted."""
    settings = RichMenuSettings(Secret(TOKEN), prism_hosts["api"], prism_hosts["data"])

    applied = await apply_with_sdk(settings, uploads)

    assert_all_accepted(exchanges)
    assert [(e.host, e.method, e.path) for e in exchanges] == [
        ("api", "GET", "/v2/bot/richmenu/list"),
        ("api", "POST", "/v2/bot/richmenu/validate"),
        ("api", "POST", "/v2/bot/richmenu/validate"),
        ("api", "POST", "/v2/bot/richmenu"),
        ("data", "POST", f"/v2/bot/richmenu/{PRISM_ID}/content"),
        ("api", "POST", "/v2/bot/richmenu"),
        ("data", "POST", f"/v2/bot/richmenu/{PRISM_ID}/content"),
        ("api", "GET", "/v2/bot/richmenu/alias/list"),
        ("api", "POST", "/v2/bot/richmenu/alias"),
        ("api", "POST", "/v2/bot/richmenu/alias"),
        ("api", "POST", f"/v2/bot/user/all/richmenu/{PRISM_ID}"),
    ]
    assert {e.content_type for e in exchanges if e.host == "data"} == {"image/png"}
    assert (applied.deleted, applied.others) == ((), 1)


@pytest.fixture(name="prism_api")
async def _prism_api(prism_hosts: dict[str, str]) -> AsyncIterator[AsyncMessagingApi]:
    async with client_for(prism_hosts["api"], token=TOKEN) as api:
        yield api


async def test_prism_accepts_moving_an_alias_and_deleting_a_menu(
    prism_api: AsyncMessagingApi, exchanges: list[Exchange]
) -> None:
    """The calls of a second apply that Prism's fixed answers never lead to."""
    await point_alias(prism_api, "clinic-bot-ja", "richmenu-1", exists=True)
    await delete(prism_api, "richmenu-1")

    assert_all_accepted(exchanges)
    assert [(e.method, e.path) for e in exchanges] == [
        ("POST", "/v2/bot/richmenu/alias/clinic-bot-ja"),
        ("DELETE", "/v2/bot/richmenu/richmenu-1"),
    ]


async def test_prism_refuses_a_chat_bar_text_over_14_characters(
    prism_api: AsyncMessagingApi, exchanges: list[Exchange], uploads: tuple[Upload, ...]
) -> None:
    """The harness can fail: a 15-character chatBarText, past the SDK's own check (`copy`
    skips it), is refused by Prism with the spec's reason; the file check stops it earlier."""
    request = rich_menu_request(uploads[0].menu).copy(update={"chat_bar_text": "x" * 15})

    with pytest.raises(ApiException) as refused:
        await prism_api.validate_rich_menu_object(request)

    assert refused.value.status == 422  # Prism's answer where the spec documents no 400
    assert "chatBarText" in (exchanges[0].violations or "")


# --- openapi-core over what the stateful stand-in recorded -------------------------------------


@pytest.fixture(name="messaging_spec", scope="module")
def _messaging_spec() -> OpenAPI:
    return OpenAPI(SchemaPath.from_file_path(str(CONTRACTS / "messaging-api.yml")))


@pytest.fixture(name="standin")
async def _standin() -> AsyncIterator[RichMenuStandin]:
    standin = RichMenuStandin()
    await standin.start()
    yield standin
    await standin.close()


async def test_recorded_requests_and_answers_match_the_spec(
    standin: RichMenuStandin, uploads: tuple[Upload, ...], messaging_spec: OpenAPI
) -> None:
    """Two applies next to a foreign menu (so every call apply makes, deletes included): each
    request is valid on the host the spec gives it, and each answer the stand-in gave too."""
    standin.add_menu("Spring campaign")
    settings = RichMenuSettings(Secret(TOKEN), standin.api_url, standin.data_url)
    await apply_with_sdk(settings, uploads)
    await apply_with_sdk(settings, uploads)

    assert {c.method for c in standin.calls} == {"GET", "POST", "DELETE"}
    for call in standin.calls:
        request = _mock_request(call)
        messaging_spec.validate_request(request)
        response = MockResponse(
            json.dumps(call.answer).encode(),
            status_code=call.status,
            content_type="application/json",
        )
        messaging_spec.validate_response(request, response)


def _mock_request(call: Call) -> MockRequest:
    host = "https://api-data.line.me" if call.host == "data" else "https://api.line.me"
    return MockRequest(
        host,
        call.method.lower(),
        call.path,
        data=call.body or None,
        content_type=call.headers.get("Content-Type", "application/json"),
        headers=call.headers,
    )


# --- the language area's tap, as LINE delivers it -------------------------------------------

SECRET = "richmenu-contract-secret"
SWITCH_EVENT = {
    "destination": "U0123456789abcdef0123456789abcdef",
    "events": [
        {
            "type": "postback",
            "replyToken": "b60d432864f44d079f6d8efe86cf404c",
            "postback": {
                "data": "lang=en",
                "params": {"newRichMenuAliasId": "clinic-bot-en", "status": "SUCCESS"},
            },
            "webhookEventId": "01H810YECXQQZ37VAXPF6H9E6Z",
            "deliveryContext": {"isRedelivery": False},
            "timestamp": 1692252066727,
            "source": {"type": "user", "userId": "U4af4980629abcdef0123456789abcdef"},
            "mode": "active",
        }
    ],
}


def test_language_tap_is_a_postback_the_bot_reads_as_lang_en(knowledge: Knowledge) -> None:
    """A richmenuswitch tap arrives as a postback with the new alias in `params` (LINE,
    "switch between tabs on rich menus"): valid under webhook.yml, a PostbackEvent for the SDK,
    and `lang=en` for the bot, which then answers in English."""
    raw = json.dumps(SWITCH_EVENT).encode()
    spec = OpenAPI(SchemaPath.from_file_path(str(CONTRACTS / "webhook.yml")))
    spec.validate_request(
        MockRequest(
            "https://example.com", "post", "/callback", data=raw, content_type="application/json"
        )
    )
    signature = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest())
    [parsed] = WebhookParser(SECRET).parse(raw.decode(), signature.decode())
    assert isinstance(parsed, PostbackEvent)
    assert parsed.postback.params == {"newRichMenuAliasId": "clinic-bot-en", "status": "SUCCESS"}

    event = translate(json.loads(raw)["events"][0])
    decision = decide_postback(event.postback or "", "ja", State(lang="ja"), knowledge)

    assert (event.kind, event.postback) == ("postback", "lang=en")
    assert (decision.kind, decision.lang, decision.state.lang) == (Kind.LANGUAGE, "en", "en")
