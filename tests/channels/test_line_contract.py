"""LineSender's real requests checked against LINE's published OpenAPI spec, two ways.

1. Through Prism (`--errors`): every request must get a 2xx; Prism's reasons for refusing one are
   in its `sl-violations` response header, which the SDK and LineSender do not surface, so a tiny
   loopback proxy in front of Prism records them for the assertion message.
2. With openapi-core: every request the stand-in recorded in send-style flows, and the stand-in's
   own answers, are validated against `messaging-api.yml`.

Neither checks message content under the `type` discriminator (platform notes 3.1); the tests in
test_line_send.py do.
"""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from jsonschema_path import SchemaPath
from linebot.v3.messaging import AsyncMessagingApi, ShowLoadingAnimationRequest
from linebot.v3.messaging.exceptions import ApiException
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from bot.channels.line_send import Delivery, LineSender, Outgoing
from bot.core.decision import Choice
from tests.standins.fixtures import client_for
from tests.standins.line_api import LOADING, PUSH, Forced, LineStandin, Recorded

SPEC = Path(__file__).resolve().parents[1] / "contracts" / "line" / "messaging-api.yml"
USER = "U4af4980629abcdef0123456789abcdef"
KEY = "123e4567-e89b-12d3-a456-426614174000"
TOKEN = "38ef843bde154d9b91c21320ffd17a0f"
CHOICES = tuple(Choice(f"よくある質問その{n}について聞きたい", f"topic=t{n}") for n in range(14))
LONG = "\n\n".join(["診察の流れについてご案内します。" * 180] * 9)  # needs 5 messages


@dataclass(frozen=True)
class Exchange:
    """One request that went through the proxy, and Prism's verdict on it."""

    method: str
    path: str
    body: Any
    status: int
    violations: str | None


@pytest.fixture(name="exchanges")
def _exchanges() -> list[Exchange]:
    """What Prism saw and said, in order."""
    return []


@pytest.fixture(name="prism_api")
async def _prism_api(prism: str, exchanges: list[Exchange]) -> AsyncIterator[AsyncMessagingApi]:
    """The real SDK client, talking to Prism through a recording proxy on loopback."""
    async with aiohttp.ClientSession() as upstream:

        async def forward(request: web.Request) -> web.Response:
            raw = await request.read()
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            async with upstream.request(
                request.method, prism + request.path_qs, headers=headers, data=raw
            ) as answer:
                payload = await answer.read()
                body = json.loads(raw) if raw else None
                violations = answer.headers.get("sl-violations")
                exchanges.append(
                    Exchange(request.method, request.path, body, answer.status, violations)
                )
                return web.Response(
                    status=answer.status, body=payload, content_type="application/json"
                )

        proxy = web.Application()
        proxy.router.add_route("*", "/{tail:.*}", forward)
        server = TestServer(proxy, host="127.0.0.1", port=0)
        await server.start_server()
        try:
            async with client_for(f"http://127.0.0.1:{server.port}") as api:
                yield api
        finally:
            await server.close()


def assert_all_accepted(exchanges: list[Exchange]) -> None:
    """Every request got a 2xx from Prism; otherwise show Prism's reasons."""
    assert exchanges, "nothing reached Prism"
    refused = [e for e in exchanges if not 200 <= e.status < 300]
    assert not refused, "\n".join(
        f"{e.method} {e.path} -> {e.status}; sl-violations: {e.violations}" for e in refused
    )


def sender_for(api: AsyncMessagingApi) -> LineSender:
    """A sender whose back-off costs no time."""

    async def no_sleep(_: float) -> None:
        return None

    return LineSender(api, timeout=5.0, sleep=no_sleep)


async def test_prism_accepts_reply_with_quick_replies(
    prism_api: AsyncMessagingApi, exchanges: list[Exchange]
) -> None:
    """A reply with a full set of quick replies matches the spec."""
    out = Outgoing(
        user_id=USER,
        texts=("ご用件をお選びください。",),
        choices=CHOICES,
        reply_token=TOKEN,
        retry_key=KEY,
    )

    delivery = await sender_for(prism_api).send(out)

    assert_all_accepted(exchanges)
    assert delivery == Delivery("reply", ok=True, status=200, error=None)
    assert len(exchanges[0].body["messages"][0]["quickReply"]["items"]) == 13


async def test_prism_accepts_push_with_retry_key(
    prism_api: AsyncMessagingApi, exchanges: list[Exchange]
) -> None:
    """A push with a UUID retry key matches the spec."""
    out = Outgoing(user_id=USER, texts=("Your results are ready.",), retry_key=KEY)

    delivery = await sender_for(prism_api).send(out)

    assert_all_accepted(exchanges)
    assert delivery == Delivery("push", ok=True, status=200, error=None)
    assert [e.path for e in exchanges] == [PUSH]


async def test_prism_accepts_five_message_split(
    prism_api: AsyncMessagingApi, exchanges: list[Exchange]
) -> None:
    """A long text split into the maximum of 5 messages matches the spec."""
    out = Outgoing(user_id=USER, texts=(LONG,), choices=CHOICES[:3], retry_key=KEY)

    delivery = await sender_for(prism_api).send(out)

    assert_all_accepted(exchanges)
    assert delivery.ok
    assert len(exchanges[0].body["messages"]) == 5


async def test_prism_accepts_loading_animation(
    prism_api: AsyncMessagingApi, exchanges: list[Exchange]
) -> None:
    """The loading animation request, rounded to a multiple of 5, matches the spec."""
    await sender_for(prism_api).show_loading(USER, 7)

    assert_all_accepted(exchanges)
    assert [(e.path, e.status) for e in exchanges] == [(LOADING, 202)]


@pytest.mark.parametrize(
    ("prefer", "expected"),
    [
        ("code=409", Delivery("push", ok=True, status=409, error=None)),
        ("code=429", Delivery("push", ok=False, status=429, error="rate_limited")),
    ],
    ids=["409-already-accepted", "429-rate-limited"],
)
async def test_documented_push_errors_are_handled(
    prism_api: AsyncMessagingApi, prefer: str, expected: Delivery
) -> None:
    """Prism's documented 409 and 429 answers end as LineSender promises."""
    prism_api.api_client.set_default_header("Prefer", prefer)
    out = Outgoing(user_id=USER, texts=("x",), retry_key=KEY)

    assert await sender_for(prism_api).send(out) == expected


async def test_prism_refuses_a_non_uuid_retry_key(
    prism_api: AsyncMessagingApi, exchanges: list[Exchange]
) -> None:
    """The harness can fail: a malformed retry key is refused with a reason."""
    out = Outgoing(user_id=USER, texts=("x",), retry_key="not-a-uuid")

    delivery = await sender_for(prism_api).send(out)

    assert delivery == Delivery("push", ok=False, status=400, error="bad_request")
    assert "x-line-retry-key" in (exchanges[0].violations or "").lower()


async def test_prism_refuses_out_of_range_loading_seconds(
    prism_api: AsyncMessagingApi, exchanges: list[Exchange]
) -> None:
    """The harness can fail: loadingSeconds below 5, sent with the bare SDK, is refused."""
    # construct() skips the SDK model's own 5..60 check, so the request reaches Prism.
    request = ShowLoadingAnimationRequest.construct(chatId=USER, loadingSeconds=3)

    with pytest.raises(ApiException) as refused:
        await prism_api.show_loading_animation(request)

    assert refused.value.status == 400
    assert "loadingSeconds" in (exchanges[0].violations or "")


# --- openapi-core over what the stand-in recorded -------------------------------------------

Flow = Callable[[AsyncMessagingApi, LineStandin], Awaitable[None]]


async def reply_with_choices(api: AsyncMessagingApi, standin: LineStandin) -> None:
    """Reply with 14 choices (13 sent) and long labels."""
    await sender_for(api).send(
        Outgoing(user_id=USER, texts=("a", "b"), choices=CHOICES, reply_token=TOKEN, retry_key=KEY)
    )


async def used_token_then_push(api: AsyncMessagingApi, standin: LineStandin) -> None:
    """A used token, then the push fallback."""
    standin.used_tokens.add(TOKEN)
    await sender_for(api).send(
        Outgoing(user_id=USER, texts=("x",), reply_token=TOKEN, retry_key=KEY)
    )


async def push_after_5xx(api: AsyncMessagingApi, standin: LineStandin) -> None:
    """Two 500s then success."""
    standin.script(PUSH, 500, 500, 200)
    await sender_for(api).send(Outgoing(user_id=USER, texts=("x",), retry_key=KEY))


async def resend_gets_409(api: AsyncMessagingApi, standin: LineStandin) -> None:
    """A second push with the same key."""
    out = Outgoing(user_id=USER, texts=("x",), retry_key=KEY)
    await sender_for(api).send(out)
    await sender_for(api).send(out)


async def push_429(api: AsyncMessagingApi, standin: LineStandin) -> None:
    """A push refused for quota."""
    standin.script(
        PUSH, Forced(status=429, body={"message": "You have reached your monthly limit."})
    )
    await sender_for(api).send(Outgoing(user_id=USER, texts=("x",), retry_key=KEY))


async def long_split(api: AsyncMessagingApi, standin: LineStandin) -> None:
    """A five-message reply."""
    await sender_for(api).send(
        Outgoing(user_id=USER, texts=(LONG,), reply_token=TOKEN, retry_key=KEY)
    )


async def loading(api: AsyncMessagingApi, standin: LineStandin) -> None:
    """The loading animation."""
    await sender_for(api).show_loading(USER, 7)


async def profile_and_quota(api: AsyncMessagingApi, standin: LineStandin) -> None:
    """The stand-in's other endpoints, called through the SDK as the bot will."""
    standin.languages[USER] = "ja"
    await api.get_profile(USER)
    await api.get_message_quota()


@pytest.fixture(name="messaging_spec", scope="module")
def _messaging_spec() -> OpenAPI:
    """LINE's Messaging API spec, loaded once."""
    return OpenAPI(SchemaPath.from_file_path(str(SPEC)))


@pytest.mark.parametrize(
    "flow",
    [
        reply_with_choices,
        used_token_then_push,
        push_after_5xx,
        resend_gets_409,
        push_429,
        long_split,
        loading,
    ],
    ids=lambda flow: flow.__name__,
)
async def test_recorded_requests_match_the_spec(
    flow: Flow, line_api: AsyncMessagingApi, line_standin: LineStandin, messaging_spec: OpenAPI
) -> None:
    """Every request LineSender made, and every documented answer the stand-in gave, is valid."""
    await flow(line_api, line_standin)

    assert line_standin.requests
    for recorded in line_standin.requests:
        request = _mock_request(recorded)
        messaging_spec.validate_request(request)
        if recorded.status < 500:  # LINE documents no 5xx bodies
            response = MockResponse(
                json.dumps(recorded.answer).encode(),
                status_code=recorded.status,
                content_type="application/json",
            )
            messaging_spec.validate_response(request, response)


def _mock_request(recorded: Recorded) -> MockRequest:
    """The recorded request as openapi-core sees it, headers (auth, retry key) included."""
    return MockRequest(
        "https://api.line.me",
        recorded.method.lower(),
        recorded.path,
        data=json.dumps(recorded.body).encode() if recorded.body is not None else None,
        content_type="application/json",
        headers=recorded.headers,
    )


async def test_standin_profile_language_is_optional(
    line_api: AsyncMessagingApi, line_standin: LineStandin
) -> None:
    """The stand-in gives `language` only for users configured with one, as LINE does."""
    line_standin.languages[USER] = "en"

    known = await line_api.get_profile(USER)
    unknown = await line_api.get_profile("U0000000000000000000000000000000f")

    assert (known.user_id, known.language) == (USER, "en")
    assert unknown.language is None
    assert (await line_api.get_message_quota()).value == 200
