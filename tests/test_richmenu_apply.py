"""`richmenu apply` against a stateful LINE stand-in on loopback (tests/standins/line_richmenu.py).

What Prism cannot show: the account after one apply and after two (one menu of ours per
language, aliases and the default on the newest, anyone else's menus and aliases untouched),
that a failure half-way leaves the account as it was, and the command's one-line answers.
The request shapes are checked against LINE's OpenAPI in tests/channels/test_richmenu_contract.py.
"""

import asyncio
import logging
import socket
import struct
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from linebot.v3.messaging import AsyncMessagingApi

from bot.__main__ import main
from bot.channels.line_richmenu import Applied, RichMenuApiError, Upload, delete
from bot.cli.richmenu import Prepared, apply_with_sdk, prepare
from bot.settings import RichMenuSettings, Secret
from tests.standins.fixtures import client_for
from tests.standins.line_richmenu import CONTENT, TOKEN, RichMenuStandin

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "richmenu.toml"
FAQ = ROOT / "faq"
ALIAS_UPDATE = "/v2/bot/richmenu/alias/{alias}"


@pytest.fixture(name="standin")
async def _standin() -> AsyncIterator[RichMenuStandin]:
    standin = RichMenuStandin()
    await standin.start()
    yield standin
    await standin.close()


@pytest.fixture(name="uploads", scope="module")
def _uploads() -> tuple[Upload, ...]:
    """The shipped file and images, checked as the command checks them."""
    prepared = prepare(CONFIG, [], FAQ)
    assert isinstance(prepared, Prepared), prepared
    return prepared.uploads


def settings_for(standin: RichMenuStandin) -> RichMenuSettings:
    return RichMenuSettings(Secret(TOKEN), standin.api_url, standin.data_url)


async def apply_once(standin: RichMenuStandin, uploads: tuple[Upload, ...]) -> Applied:
    return await apply_with_sdk(settings_for(standin), uploads)


def ours(applied: Applied) -> dict[str, str]:
    return dict(applied.menus)


async def test_apply_creates_a_menu_per_language_with_image_alias_and_default(
    standin: RichMenuStandin, uploads: tuple[Upload, ...]
) -> None:
    """On an empty account: two menus named as ours, each with its PNG, our two aliases, and
    the Japanese menu as the default."""
    applied = await apply_once(standin, uploads)

    menus = ours(applied)
    assert standin.names() == ["clinic-bot:en", "clinic-bot:ja"]
    assert [lang for lang, _ in applied.menus] == ["ja", "en"]
    assert standin.default == applied.default == menus["ja"]
    assert standin.aliases == {"clinic-bot-ja": menus["ja"], "clinic-bot-en": menus["en"]}
    for lang in ("ja", "en"):
        image = (ROOT / "config" / f"richmenu-{lang}.png").read_bytes()
        assert standin.images[menus[lang]] == ("image/png", image)
    assert (applied.deleted, applied.others) == ((), 0)


async def test_uploads_go_to_the_data_host_and_nothing_else_does(
    standin: RichMenuStandin, uploads: tuple[Upload, ...]
) -> None:
    """api-data.line.me takes the images only (LINE_DATA_API_BASE); the rest goes to api."""
    await apply_once(standin, uploads)

    assert {(c.host, c.route) for c in standin.calls if c.host == "data"} == {("data", CONTENT)}
    assert [c.route for c in standin.calls].count(CONTENT) == 2
    assert all(c.status == 200 for c in standin.calls)


async def test_areas_are_postbacks_and_the_language_area_switches_menus(
    standin: RichMenuStandin, uploads: tuple[Upload, ...]
) -> None:
    """A topic area posts its data and shows its label in the chat; the language area is a
    richmenuswitch to the other menu's alias that posts lang=."""
    applied = await apply_once(standin, uploads)

    ja = standin.menus[ours(applied)["ja"]]
    en = standin.menus[ours(applied)["en"]]
    assert (ja["size"], ja["chatBarText"], ja["selected"]) == (
        {"width": 2500, "height": 1686},
        "メニュー",
        True,
    )
    assert ja["areas"][0] == {
        "bounds": {"x": 0, "y": 0, "width": 833, "height": 843},
        "action": {
            "type": "postback",
            "label": "費用",
            "data": "topic=cost",
            "displayText": "費用",
        },
    }
    assert ja["areas"][-1]["action"] == {
        "type": "richmenuswitch",
        "label": "English",
        "data": "lang=en",
        "richMenuAliasId": "clinic-bot-en",
    }
    assert en["areas"][-1]["action"] == {
        "type": "richmenuswitch",
        "label": "日本語",
        "data": "lang=ja",
        "richMenuAliasId": "clinic-bot-ja",
    }


async def test_apply_twice_leaves_one_of_ours_per_language_and_never_touches_others(
    standin: RichMenuStandin, uploads: tuple[Upload, ...]
) -> None:
    """A second apply replaces ours (new ids, aliases moved, default moved, old ones deleted)
    and leaves a campaign menu made elsewhere, its alias, and nothing else, as they were."""
    campaign = standin.add_menu("Spring campaign")
    standin.aliases["campaign"] = campaign
    standin.default = campaign

    first = await apply_once(standin, uploads)
    second = await apply_once(standin, uploads)

    assert standin.names() == ["Spring campaign", "clinic-bot:en", "clinic-bot:ja"]
    assert set(second.deleted) == set(ours(first).values())
    assert set(ours(second).values()).isdisjoint(ours(first).values())
    assert standin.aliases == {
        "campaign": campaign,
        "clinic-bot-ja": ours(second)["ja"],
        "clinic-bot-en": ours(second)["en"],
    }
    assert standin.default == ours(second)["ja"]
    assert (first.others, second.others) == (1, 1)
    deleted = [c.path.rsplit("/", 1)[1] for c in standin.calls if c.method == "DELETE"]
    assert sorted(deleted) == sorted(ours(first).values())


async def test_apply_deletes_only_after_the_new_menus_are_live(
    standin: RichMenuStandin, uploads: tuple[Upload, ...]
) -> None:
    """Patients never lose the menu: the old ones go after the aliases and the default moved."""
    await apply_once(standin, uploads)
    standin.calls.clear()

    await apply_once(standin, uploads)

    routes = [c.route for c in standin.calls]
    first_delete = routes.index("/v2/bot/richmenu/{id}")
    assert routes[:first_delete] == [
        "/v2/bot/richmenu/list",
        "/v2/bot/richmenu/validate",
        "/v2/bot/richmenu/validate",
        "/v2/bot/richmenu",
        CONTENT,
        "/v2/bot/richmenu",
        CONTENT,
        "/v2/bot/richmenu/alias/list",
        ALIAS_UPDATE,
        ALIAS_UPDATE,
        "/v2/bot/user/all/richmenu/{id}",
    ]
    assert routes[first_delete:] == ["/v2/bot/richmenu/{id}"] * 2


async def test_a_failure_half_way_deletes_only_what_this_run_made(
    standin: RichMenuStandin, uploads: tuple[Upload, ...]
) -> None:
    """LINE refusing to move an alias: the two menus this run made are deleted, and the menus,
    aliases and default patients had are all still there."""
    first = await apply_once(standin, uploads)
    before = (set(standin.menus), dict(standin.aliases), standin.default)
    standin.fail[("POST", ALIAS_UPDATE)] = 400

    with pytest.raises(RichMenuApiError) as failed:
        await apply_once(standin, uploads)

    assert str(failed.value) == "LINE refused updateRichMenuAlias (400): scripted failure"
    assert (set(standin.menus), dict(standin.aliases), standin.default) == before
    assert set(standin.menus) == set(ours(first).values())


async def test_a_failed_upload_leaves_no_menu_without_an_image(
    standin: RichMenuStandin, uploads: tuple[Upload, ...]
) -> None:
    """The menu whose image LINE refused is deleted at once; nothing else was changed."""
    standin.fail[("POST", CONTENT)] = 500

    with pytest.raises(RichMenuApiError, match=r"^LINE refused setRichMenuImage \(500\)"):
        await apply_once(standin, uploads)

    assert (standin.menus, standin.aliases, standin.default) == ({}, {}, None)


async def test_a_menu_already_gone_is_not_an_error(standin: RichMenuStandin) -> None:
    """Someone deleted our old menu meanwhile: LINE's 404 on delete is what we wanted."""
    async with _api(standin) as api:
        await delete(api, "richmenu-00000000000000000000000000000bad")

    assert [c.status for c in standin.calls] == [404]


# --- the command ---------------------------------------------------------------------------


def _env(monkeypatch: pytest.MonkeyPatch, standin: RichMenuStandin) -> None:
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("LINE_API_BASE", standin.api_url + "/")  # a trailing slash is dropped
    monkeypatch.setenv("LINE_DATA_API_BASE", standin.data_url)


async def test_command_applies_and_says_what_it_did_without_the_token(
    standin: RichMenuStandin,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`python -m bot richmenu apply` twice: ids, the default, the aliases and what was deleted;
    the token appears in no output and no log record."""
    _env(monkeypatch, standin)
    caplog.set_level(logging.DEBUG)

    assert await asyncio.to_thread(main, ["richmenu", "apply"]) == 0
    assert await asyncio.to_thread(main, ["richmenu", "apply"]) == 0

    out, err = capsys.readouterr()
    ja, en = standin.aliases["clinic-bot-ja"], standin.aliases["clinic-bot-en"]
    assert out.splitlines()[-4:] == [
        f"ja: rich menu {ja} (the default)",
        f"en: rich menu {en}",
        "aliases: clinic-bot-ja, clinic-bot-en",
        "deleted 2 earlier menus of this bot; left 0 other menus as they were",
    ]
    assert err == ""
    assert TOKEN not in out + err + caplog.text
    assert len(standin.menus) == 2


def test_command_without_a_token_stops_before_calling_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No LINE_CHANNEL_ACCESS_TOKEN: exit 2 and the settings message, like `serve`."""
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("LINE_DATA_API_BASE", "ftp://example.com")

    assert main(["richmenu", "apply"]) == 2

    assert capsys.readouterr().err.splitlines() == [
        "invalid configuration:",
        "  - LINE_CHANNEL_ACCESS_TOKEN is missing",
        "  - LINE_DATA_API_BASE must start with http:// or https://",
    ]


async def test_command_reports_a_refusal_in_one_line_and_creates_nothing(
    standin: RichMenuStandin, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """LINE refusing the menu object: one line with LINE's reason, exit 1, no menu made."""
    _env(monkeypatch, standin)
    standin.fail[("POST", "/v2/bot/richmenu/validate")] = 400

    assert await asyncio.to_thread(main, ["richmenu", "apply"]) == 1

    assert capsys.readouterr().err == (
        "richmenu apply: LINE refused validateRichMenuObject (400): scripted failure\n"
    )
    assert standin.menus == {}


async def test_command_with_a_bad_image_sends_nothing(
    standin: RichMenuStandin,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """An image of the wrong size given on the command line: one line, exit 1, no call."""
    _env(monkeypatch, standin)
    small = tmp_path / "small.png"
    small.write_bytes(_png(1200, 405))

    code = await asyncio.to_thread(main, ["richmenu", "apply", str(CONFIG), f"en={small}"])

    assert code == 1
    assert capsys.readouterr().err == (
        f"{small}: 1200x405 pixels, but the menu is 2500x1686 (menu.size in the rich menu file)\n"
    )
    assert standin.calls == []


def test_command_says_when_line_cannot_be_reached(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A host nobody listens on: one line naming the first operation, exit 1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("LINE_API_BASE", closed)
    monkeypatch.setenv("LINE_DATA_API_BASE", closed)

    assert main(["richmenu", "apply"]) == 1

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("richmenu apply: could not reach LINE for getRichMenuList: ")
    assert TOKEN not in line


# --- helpers ----------------------------------------------------------------------------------


def _png(width: int, height: int) -> bytes:
    """The header of a PNG: all `inspect_image` reads."""
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", width, height)
    )


def _api(standin: RichMenuStandin) -> AbstractAsyncContextManager[AsyncMessagingApi]:
    return client_for(standin.api_url, token=TOKEN)
