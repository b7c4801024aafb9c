"""Prepared SDK requests serialize to exactly what the SDK's own models would send."""

import pytest
from linebot.v3.messaging import (
    AsyncMessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
)
from pydantic.v1 import validate_arguments

from bot.channels.line_render import render
from bot.channels.line_requests import Prepared, PreparedPush, PreparedReply
from bot.core.decision import Choice

TOKEN = "38ef843bde154d9b91c21320ffd17a0f"
USER = "U4af4980629abcdef0123456789abcdef"
MENU = tuple(Choice(f"トピック{n}", f"topic=t{n}") for n in range(13))

CONTENTS = [
    pytest.param(("こんにちは",), (), id="one-text"),
    pytest.param(("Effects vary.", "Talk to staff?"), MENU[:2], id="two-texts-choices"),
    pytest.param(("あ" * 12000,), MENU, id="split-text-full-menu"),
    pytest.param(("y" * 5000,) * 6, MENU[:1], id="truncated-to-five"),
]


@pytest.mark.parametrize(("texts", "choices"), CONTENTS)
async def test_prepared_requests_serialize_like_the_sdk(
    line_api: AsyncMessagingApi, texts: tuple[str, ...], choices: tuple[Choice, ...]
) -> None:
    """Same JSON body through the SDK's own serializer, reply and push alike."""
    messages = render(texts, choices)
    prepared = Prepared.of(messages)
    serialize = line_api.api_client.sanitize_for_serialization

    reply = serialize(PreparedReply.build(TOKEN, prepared))
    push = serialize(PreparedPush.build(USER, prepared))

    assert reply == serialize(ReplyMessageRequest(replyToken=TOKEN, messages=messages))
    assert push == serialize(PushMessageRequest(to=USER, messages=messages))
    assert reply["messages"][-1]["text"]


async def test_prepared_request_survives_the_sdks_argument_validation(
    line_api: AsyncMessagingApi,
) -> None:
    """The SDK validates arguments with pydantic, which copies models: the copy still serializes."""

    @validate_arguments
    def as_the_sdk_takes_it(request: ReplyMessageRequest) -> ReplyMessageRequest:
        return request

    prepared = Prepared.of(render(("text",), MENU[:3]))
    taken = as_the_sdk_takes_it(PreparedReply.build(TOKEN, prepared))

    serialize = line_api.api_client.sanitize_for_serialization
    assert serialize(taken) == serialize(
        ReplyMessageRequest(replyToken=TOKEN, messages=list(prepared.models))
    )


async def test_sending_twice_does_not_change_the_prepared_messages(
    line_api: AsyncMessagingApi,
) -> None:
    """The serialized messages are shared between sends, so serializing must not alter them."""
    prepared = Prepared.of(render(("text",), MENU[:2]))
    before = [dict(message) for message in prepared.dicts]
    serialize = line_api.api_client.sanitize_for_serialization

    first = serialize(PreparedReply.build(TOKEN, prepared))
    first["messages"][0]["text"] = "changed by a caller"
    second = serialize(PreparedReply.build("another-token", prepared))

    assert [dict(message) for message in prepared.dicts] == before
    assert second["messages"][0]["text"] == "text"
    assert second["replyToken"] == "another-token"
