"""The Slack stand-in and request builders against the real slack_sdk client and Bolt app.

If these pass, tests that point our app at the stand-in exercise what slack_sdk really sends, and
requests built here pass Bolt's own signature check and routing the way Slack's do.
"""

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.standins import slack_requests as slack
from tests.standins.slack_api import (
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    FIRST_TS,
    TEAM_ID,
    Forced,
    SlackStandin,
)

Json = dict[str, Any]
CHANNEL = slack.STAFF_CHANNEL
METADATA = {"event_type": "clinic_handoff", "event_payload": {"handoff": "h-0001"}}
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "患者さんからの質問です"}}]
LISTENER_TIMEOUT = 5.0  # Bolt runs event listeners after the ack, in a background task


@pytest.fixture(name="client")
def _client(slack_standin: SlackStandin) -> AsyncWebClient:
    """The real async Web API client, pointed at the stand-in."""
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack_standin.base_url)


@pytest.fixture(name="seen")
def _seen() -> asyncio.Queue[Json]:
    """What Bolt listeners received, in order."""
    return asyncio.Queue()


@pytest.fixture(name="bolt")
def _bolt(slack_standin: SlackStandin, seen: asyncio.Queue[Json]) -> AsyncApp:
    """A Bolt app whose Web API calls go to the stand-in, with listeners that report to `seen`."""
    app = AsyncApp(
        client=AsyncWebClient(token=BOT_TOKEN, base_url=slack_standin.base_url),
        signing_secret=slack.SIGNING_SECRET,
    )

    @app.event("message")
    async def message_posted(event: Json) -> None:
        await seen.put(event)

    @app.event("app_mention")
    async def bot_mentioned(event: Json) -> None:
        await seen.put(event)

    @app.action("close_handoff")
    async def close_pressed(ack: Any, body: Json) -> None:
        await ack()
        await seen.put(body)

    @app.command("/faq")
    async def faq_asked(ack: Any, command: Json) -> None:
        await ack(f"FAQ: {command['text']}")
        await seen.put(command)

    return app


async def dispatch(
    app: AsyncApp, body: bytes, *, timestamp: int | None = None, secret: str = slack.SIGNING_SECRET
) -> BoltResponse:
    """Sign `body` as Slack would (now, unless told otherwise) and hand it to Bolt."""
    signed_at = int(time.time()) if timestamp is None else timestamp
    headers: dict[str, str | Sequence[str]] = {**slack.sign(secret, body, signed_at)}
    return await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=headers))


async def next_seen(seen: asyncio.Queue[Json]) -> Json:
    """The next payload a listener received."""
    return await asyncio.wait_for(seen.get(), LISTENER_TIMEOUT)


async def test_auth_test_answers_the_workspace_identity(
    client: AsyncWebClient, slack_standin: SlackStandin
) -> None:
    """auth.test returns the bot's ids, and the stand-in sees the bearer token."""
    response = await client.auth_test()

    assert (response["team_id"], response["user_id"], response["bot_id"]) == (
        TEAM_ID,
        BOT_USER_ID,
        BOT_ID,
    )
    [call] = slack_standin.calls("auth.test")
    assert call.headers["Authorization"] == f"Bearer {BOT_TOKEN}"


async def test_post_message_records_blocks_and_metadata(
    client: AsyncWebClient, slack_standin: SlackStandin
) -> None:
    """chat.postMessage is recorded with its JSON fields and answered with increasing ts values."""
    first = await client.chat_postMessage(
        channel=CHANNEL, text="新しい質問", blocks=BLOCKS, metadata=METADATA
    )
    second = await client.chat_postMessage(channel=CHANNEL, text="続き", thread_ts=first["ts"])

    assert first["ts"] == FIRST_TS
    assert second["ts"] > first["ts"]
    assert first["message"]["metadata"] == METADATA
    assert [body["text"] for body in slack_standin.posted()] == ["新しい質問", "続き"]
    body = slack_standin.posted()[0]
    assert (body["channel"], body["blocks"], body["metadata"]) == (CHANNEL, BLOCKS, METADATA)
    assert slack_standin.posted()[1]["thread_ts"] == FIRST_TS


async def test_update_edits_a_posted_message(
    client: AsyncWebClient, slack_standin: SlackStandin
) -> None:
    """chat.update changes a message the stand-in holds and echoes channel, ts and text."""
    posted = await client.chat_postMessage(channel=CHANNEL, text="対応中")

    updated = await client.chat_update(channel=CHANNEL, ts=posted["ts"], text="対応済み")

    assert (updated["channel"], updated["ts"], updated["text"]) == (CHANNEL, FIRST_TS, "対応済み")
    assert slack_standin.calls("chat.update")[0].body["text"] == "対応済み"
    assert slack_standin.messages[CHANNEL][0]["text"] == "対応済み"


async def test_reaction_and_ephemeral_are_recorded(
    client: AsyncWebClient, slack_standin: SlackStandin
) -> None:
    """reactions.add (sent as query parameters) and chat.postEphemeral arrive with their fields."""
    await client.reactions_add(channel=CHANNEL, timestamp=slack.REPLY_TS, name="white_check_mark")
    ephemeral = await client.chat_postEphemeral(
        channel=CHANNEL, user=slack.STAFF_USER_ID, text="送信しました"
    )

    [reaction] = slack_standin.calls("reactions.add")
    assert reaction.body == {
        "channel": CHANNEL,
        "timestamp": slack.REPLY_TS,
        "name": "white_check_mark",
    }
    assert ephemeral["message_ts"] == FIRST_TS
    assert slack_standin.calls("chat.postEphemeral")[0].body["user"] == slack.STAFF_USER_ID
    assert slack_standin.posted() == []


async def test_users_info_gives_names(client: AsyncWebClient, slack_standin: SlackStandin) -> None:
    """users.info (a GET) returns a real name and a display name."""
    response = await client.users_info(user=slack.STAFF_USER_ID)

    assert response["user"]["real_name"]
    assert response["user"]["profile"]["display_name"]
    assert slack_standin.calls("users.info")[0].http_method == "GET"


async def test_replies_list_the_thread_and_hide_metadata_unless_asked(
    client: AsyncWebClient, slack_standin: SlackStandin
) -> None:
    """conversations.replies lists parent then replies, with metadata only when asked for."""
    parent = await client.chat_postMessage(channel=CHANNEL, text="質問", metadata=METADATA)
    slack_standin.add_message(slack.thread_reply("お大事に", thread_ts=parent["ts"]))

    plain = await client.conversations_replies(channel=CHANNEL, ts=parent["ts"])
    full = await client.conversations_replies(
        channel=CHANNEL, ts=parent["ts"], include_all_metadata=True
    )

    assert [m["text"] for m in plain["messages"]] == ["質問", "お大事に"]
    assert "metadata" not in plain["messages"][0]
    assert full["messages"][0]["metadata"] == METADATA


async def test_history_lists_top_level_messages_newest_first_after_oldest(
    client: AsyncWebClient, slack_standin: SlackStandin
) -> None:
    """conversations.history: newest first, thread replies left out, `oldest` exclusive,
    metadata only when asked for."""
    first = await client.chat_postMessage(channel=CHANNEL, text="一件目", metadata=METADATA)
    second = await client.chat_postMessage(channel=CHANNEL, text="二件目")
    await client.chat_postMessage(channel=CHANNEL, text="返信", thread_ts=first["ts"])

    plain = await client.conversations_history(channel=CHANNEL)
    full = await client.conversations_history(channel=CHANNEL, include_all_metadata=True)
    after = await client.conversations_history(channel=CHANNEL, oldest=first["ts"])

    assert [m["text"] for m in plain["messages"]] == ["二件目", "一件目"]
    assert "metadata" not in plain["messages"][1]
    assert full["messages"][1]["metadata"] == METADATA
    assert [m["ts"] for m in after["messages"]] == [second["ts"]]


async def test_form_bodies_have_their_json_fields_decoded(
    client: AsyncWebClient, slack_standin: SlackStandin
) -> None:
    """A form-encoded post with `blocks` as a JSON string is recorded with `blocks` as a list."""
    await client.api_call(
        "chat.postMessage", data={"channel": CHANNEL, "text": "x", "blocks": json.dumps(BLOCKS)}
    )

    assert slack_standin.posted()[0]["blocks"] == BLOCKS


async def test_unknown_methods_answer_ok_and_are_recorded(
    client: AsyncWebClient, slack_standin: SlackStandin
) -> None:
    """A method without special behaviour answers ok and is still recorded."""
    response = await client.pins_add(channel=CHANNEL, timestamp=FIRST_TS)

    assert response["ok"] is True
    assert slack_standin.calls("pins.add")[0].body["channel"] == CHANNEL


async def test_wrong_token_is_invalid_auth(slack_standin: SlackStandin) -> None:
    """A wrong bearer token gets Slack's invalid_auth error."""
    client = AsyncWebClient(token="xoxb-wrong", base_url=slack_standin.base_url)

    with pytest.raises(SlackApiError) as raised:
        await client.auth_test()

    assert raised.value.response["error"] == "invalid_auth"


@pytest.mark.parametrize(
    ("forced", "status", "error"),
    [
        pytest.param("channel_not_found", 200, "channel_not_found", id="error-code"),
        pytest.param(Forced(status=429, retry_after=7), 429, "ratelimited", id="rate-limited"),
        pytest.param(Forced(status=500), 500, "fatal_error", id="server-error"),
    ],
)
async def test_scripted_failures_raise_slack_api_error(
    client: AsyncWebClient,
    slack_standin: SlackStandin,
    forced: Forced | str,
    status: int,
    error: str,
) -> None:
    """A scripted failure surfaces as SlackApiError once, and the next call succeeds."""
    slack_standin.script("chat.postMessage", forced)

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=CHANNEL, text="質問")
    retried = await client.chat_postMessage(channel=CHANNEL, text="質問")

    assert (raised.value.response.status_code, raised.value.response["error"]) == (status, error)
    assert retried["ok"] is True
    assert len(slack_standin.posted()) == 1


async def test_rate_limit_carries_retry_after(
    client: AsyncWebClient, slack_standin: SlackStandin
) -> None:
    """A scripted 429 carries the Retry-After header a retry handler needs."""
    slack_standin.script("reactions.add", Forced(status=429, retry_after=7))

    with pytest.raises(SlackApiError) as raised:
        await client.reactions_add(channel=CHANNEL, timestamp=FIRST_TS, name="eyes")

    assert raised.value.response.headers["Retry-After"] == "7"


async def test_delay_times_out_the_client_after_posting(slack_standin: SlackStandin) -> None:
    """A delayed answer makes the client give up although the message was posted."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack_standin.base_url, timeout=1)
    slack_standin.script("chat.postMessage", Forced(delay=3.0))

    with pytest.raises(asyncio.TimeoutError):
        await client.chat_postMessage(channel=CHANNEL, text="質問")

    assert len(slack_standin.posted()) == 1


async def test_signed_thread_reply_reaches_the_message_listener(
    bolt: AsyncApp, seen: asyncio.Queue[Json], slack_standin: SlackStandin
) -> None:
    """A signed staff thread reply is acknowledged and delivered to `event("message")`."""
    body = slack.event_callback(slack.thread_reply("お大事にしてください。"), "Ev0000000001")

    response = await dispatch(bolt, body)
    event = await next_seen(seen)

    assert response.status == 200
    assert (event["user"], event["channel"], event["text"]) == (
        slack.STAFF_USER_ID,
        CHANNEL,
        "お大事にしてください。",
    )
    assert event["thread_ts"] == slack.PARENT_TS != event["ts"]
    assert len(slack_standin.calls("auth.test")) == 1


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(slack.channel_message("受付は何時まで？"), id="top-level"),
        pytest.param(slack.bot_message("自動投稿"), id="other-bot"),
        pytest.param(slack.message_changed("訂正後", "訂正前"), id="edited"),
        pytest.param(slack.message_deleted("取り消し"), id="deleted"),
        pytest.param(slack.app_mention("状況は？"), id="mention"),
    ],
)
async def test_each_event_builder_passes_bolt(
    bolt: AsyncApp, seen: asyncio.Queue[Json], event: Json
) -> None:
    """Every event builder yields a body Bolt accepts and routes to its listener unchanged."""
    response = await dispatch(bolt, slack.event_callback(event, "Ev0000000002"))

    assert response.status == 200
    assert await next_seen(seen) == event


async def test_our_own_bot_messages_are_dropped_by_bolt(
    bolt: AsyncApp, seen: asyncio.Queue[Json]
) -> None:
    """Bolt acknowledges but never delivers a message carrying our bot_id from auth.test."""
    own = slack.bot_message("スタッフに通知", bot_id=BOT_ID)
    later = slack.channel_message("後から来た投稿")

    response = await dispatch(bolt, slack.event_callback(own, "Ev0000000003"))
    await dispatch(bolt, slack.event_callback(later, "Ev0000000004"))

    assert response.status == 200
    assert await next_seen(seen) == later  # listeners run in dispatch order, so `own` was dropped


@pytest.mark.parametrize(
    ("secret", "age"),
    [
        pytest.param("not-the-secret", 0, id="wrong-signature"),
        pytest.param(slack.SIGNING_SECRET, 6 * 60, id="six-minutes-old"),
    ],
)
async def test_bad_signatures_get_401(
    bolt: AsyncApp,
    seen: asyncio.Queue[Json],
    slack_standin: SlackStandin,
    secret: str,
    age: int,
) -> None:
    """A wrong signature or a stale timestamp gets 401 before any listener or Web API call."""
    body = slack.event_callback(slack.thread_reply("お大事に"), "Ev0000000005")

    response = await dispatch(bolt, body, secret=secret, timestamp=int(time.time()) - age)

    assert response.status == 401
    assert seen.empty()
    assert slack_standin.requests == []


async def test_block_action_reaches_the_action_listener(
    bolt: AsyncApp, seen: asyncio.Queue[Json]
) -> None:
    """A signed button press reaches `action("close_handoff")` with its value and metadata."""
    body = slack.block_action("close_handoff", "h-0001", metadata=METADATA)

    response = await dispatch(bolt, body)
    payload = await next_seen(seen)

    assert response.status == 200
    assert payload["actions"][0]["value"] == "h-0001"
    assert payload["message"]["metadata"] == METADATA
    assert payload["container"]["message_ts"] == slack.PARENT_TS


async def test_slash_command_reaches_the_command_listener(
    bolt: AsyncApp, seen: asyncio.Queue[Json]
) -> None:
    """A signed `/faq` reaches `command("/faq")`, and its ack text is the plain-text answer."""
    response = await dispatch(bolt, slack.slash_command("/faq", "予約"))
    command = await next_seen(seen)

    assert response.status == 200
    assert response.body == "FAQ: 予約"
    assert (command["user_id"], command["channel_id"]) == (slack.STAFF_USER_ID, CHANNEL)


async def test_url_verification_is_answered_by_bolt(bolt: AsyncApp) -> None:
    """Bolt echoes the challenge of a signed url_verification request."""
    response = await dispatch(bolt, slack.url_verification("3eZbrw1aBm2rZgRNFdxV"))

    assert response.status == 200
    assert json.loads(response.body) == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}
