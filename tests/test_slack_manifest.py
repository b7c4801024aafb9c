"""slack-manifest.yml asks for exactly the bot scopes the code uses: an unused scope is a
permission a workspace admin is asked to grant for nothing."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = (ROOT / "slack-manifest.yml").read_text(encoding="utf-8")

# Web API methods (as slack_sdk names them) and the bot scope each needs. A call not listed here
# fails the test, so a new call makes its author look up the scope.
METHOD_SCOPES = {
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "reactions_add": "reactions:write",
    "users_info": "users:read",
    "users_list": "users:read",
    "conversations_history": "channels:history",
    "conversations_replies": "channels:history",
}
# What receiving each subscribed event, or having slash commands, needs.
EVENT_SCOPES = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "app_mention": "app_mentions:read",
}
CALL = re.compile(r"\.(chat|reactions|users|conversations|files|views|pins)_(\w+)\(")


def _listed(section: str) -> list[str]:
    """The `- item` lines under `section:` in the manifest, comments dropped."""
    match = re.search(rf"^(\s*){section}:\n((?:\1\s+- .*\n)+)", MANIFEST, re.MULTILINE)
    assert match, section
    return [line.split("#")[0].strip().removeprefix("- ").strip() for line in match[2].splitlines()]


def _calls() -> set[str]:
    """The Web API methods called in the modules of bot/ that use a Slack library."""
    sources = (path.read_text(encoding="utf-8") for path in (ROOT / "bot").rglob("*.py"))
    slack = (text for text in sources if re.search(r"^from slack_(sdk|bolt)\b", text, re.M))
    return {f"{group}_{name}" for text in slack for group, name in CALL.findall(text)}


def test_every_web_api_call_has_a_known_scope() -> None:
    """Each Slack Web API method the bot calls is in the scope table above."""
    calls = _calls()

    assert calls  # the search finds the calls that exist
    assert calls - METHOD_SCOPES.keys() == set()


def test_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    """Scopes come from the calls in bot/, the subscribed events and the slash commands; the
    mention handler's `say` posts with chat:write."""
    needed = {METHOD_SCOPES[call] for call in _calls()}
    needed |= {EVENT_SCOPES[event] for event in _listed("bot_events")}
    if "slash_commands:" in MANIFEST:
        needed.add("commands")

    assert sorted(_listed("bot")) == sorted(needed)


def test_users_read_is_not_asked_for() -> None:
    """No code reads user profiles (`users_info`, `users_list`), so `users:read` is not asked."""
    assert not {"users_info", "users_list"} & _calls()
    assert "users:read" not in _listed("bot")
