"""The LINE webhook fixtures are real-shaped: valid against webhook.yml and known to the SDK.

openapi-core checks the envelope (ids, destination pattern, required event fields) but not fields
inside discriminated subtypes, and the SDK silently turns an event that lacks one into
`UnknownEvent` (platform notes 1.4, 3.2). So each fixture must pass both.
"""

import base64
import hashlib
import hmac
import json
from pathlib import Path
from types import NoneType

import pytest
from jsonschema_path import SchemaPath
from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    Source,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures" / "line"
WEBHOOK_SPEC = TESTS / "contracts" / "line" / "webhook.yml"
SECRET = "fixture-channel-secret"

# fixture file -> per event: (event class, message content class, source class).
# An UnknownEvent keeps only the base `Source`, so its user id is not where handlers look for it.
EXPECTED: dict[str, list[tuple[type, type, type]]] = {
    "text_ja.json": [(MessageEvent, TextMessageContent, UserSource)],
    "text_en.json": [(MessageEvent, TextMessageContent, UserSource)],
    "follow.json": [(FollowEvent, NoneType, UserSource)],
    "unfollow.json": [(UnfollowEvent, NoneType, UserSource)],
    "postback.json": [(PostbackEvent, NoneType, UserSource)],
    "sticker.json": [(MessageEvent, StickerMessageContent, UserSource)],
    "image.json": [(MessageEvent, ImageMessageContent, UserSource)],
    "text_group.json": [(MessageEvent, TextMessageContent, GroupSource)],
    "text_room.json": [(MessageEvent, TextMessageContent, RoomSource)],
    "text_redelivered.json": [(MessageEvent, TextMessageContent, UserSource)],
    "unknown_type.json": [(UnknownEvent, NoneType, Source)],
    "empty_events.json": [],
}


@pytest.fixture(name="webhook_spec", scope="module")
def _webhook_spec() -> OpenAPI:
    """LINE's webhook spec, loaded once."""
    return OpenAPI(SchemaPath.from_file_path(str(WEBHOOK_SPEC)))


def parse(raw: bytes) -> list[Event]:
    """Parse a body the way our webhook will: signed over the exact bytes, then WebhookParser."""
    signature = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest())
    events: list[Event] = WebhookParser(SECRET).parse(raw.decode("utf-8"), signature.decode())
    return events


def test_every_fixture_is_in_the_table() -> None:
    """Each fixture file has an expected parse, so a new one cannot go unchecked."""
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_matches_webhook_spec(name: str, webhook_spec: OpenAPI) -> None:
    """The fixture is a valid CallbackRequest under webhook.yml."""
    raw = (FIXTURES / name).read_bytes()

    webhook_spec.validate_request(
        MockRequest(
            "https://example.com", "post", "/callback", data=raw, content_type="application/json"
        )
    )


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()), ids=sorted(EXPECTED))
def test_fixture_parses_to_known_events(name: str, expected: list[tuple[type, type, type]]) -> None:
    """WebhookParser returns the intended event types, and UnknownEvent only where meant."""
    events = parse((FIXTURES / name).read_bytes())

    parsed = [
        (type(event), type(getattr(event, "message", None)), type(event.source)) for event in events
    ]
    assert parsed == expected
    if name != "unknown_type.json":
        assert not any(isinstance(event, UnknownEvent) for event in events)


def test_redelivered_fixture_repeats_the_japanese_text() -> None:
    """The redelivery keeps the original webhookEventId and only flips isRedelivery."""
    [original] = json.loads((FIXTURES / "text_ja.json").read_bytes())["events"]
    [again] = json.loads((FIXTURES / "text_redelivered.json").read_bytes())["events"]

    assert again["deliveryContext"] == {"isRedelivery": True}
    assert {**again, "deliveryContext": original["deliveryContext"]} == original
