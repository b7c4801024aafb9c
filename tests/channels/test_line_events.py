"""Our reading of webhook events agrees with line-bot-sdk's parser on every fixture."""

import json
from pathlib import Path

import pytest
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

from bot.channels.line_events import translate

FIXTURES = sorted((Path(__file__).parents[1] / "fixtures" / "line").glob("*.json"))


def _sdk_kind(raw: dict[str, object]) -> str:
    try:
        event = Event.from_dict(raw)
    except ValueError:
        return "unknown"
    if not isinstance(getattr(event, "source", None), UserSource):
        return "group" if isinstance(event, MessageEvent) else "unknown"
    if isinstance(event, MessageEvent):
        return "text" if isinstance(event.message, TextMessageContent) else "media"
    kinds = {FollowEvent: "follow", UnfollowEvent: "unfollow", PostbackEvent: "postback"}
    return kinds.get(type(event), "unknown")


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_translation_matches_the_sdk(path: Path) -> None:
    """Kind, user, reply token, text and postback data read as the SDK reads them."""
    for raw in json.loads(path.read_text(encoding="utf-8"))["events"]:
        ours = translate(raw)
        assert ours.kind == _sdk_kind(raw)
        if ours.kind == "text":
            assert ours.text == raw["message"]["text"]
        if ours.kind not in ("unknown", "group"):
            assert ours.user_id == raw["source"]["userId"]
            assert ours.reply_token == raw.get("replyToken")
        if ours.kind == "postback":
            assert ours.postback == raw["postback"]["data"]
