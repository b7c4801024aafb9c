"""Put the rich menus on LINE through line-bot-sdk, replacing ours and leaving everyone else's.

LINE cannot change the image of an existing rich menu, so every apply creates new menus. The
order keeps patients on a working menu throughout: nothing of ours is deleted until the new
menus have their images, the aliases point at them and the default is set; a failure before
that deletes only what this run created. Our menus are told from others by name
(`richmenu.is_ours`): one made in LINE Official Account Manager or by another tool is never
deleted, and only our own aliases are created or moved.

Uploads go to `api-data.line.me` (`AsyncMessagingApiBlob`, its own client and host), the rest
to `api.line.me`. Nothing here logs; errors name the operation and LINE's reason, never the
token.
"""

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from linebot.v3.messaging import (
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    CreateRichMenuAliasRequest,
    PostbackAction,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
    RichMenuSwitchAction,
    UpdateRichMenuAliasRequest,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.lang import Lang
from bot.richmenu import Menu, MenuArea, is_ours

NOT_FOUND = 404


@dataclass(frozen=True)
class Upload:
    """One menu and its checked image (`richmenu.check_image`)."""

    menu: Menu
    image: bytes
    content_type: str  # image/png or image/jpeg
    selected: bool = True  # shown open when the chat opens


@dataclass(frozen=True)
class Applied:
    """What an apply did: the new menu per language, the default, what it deleted and left."""

    menus: tuple[tuple[Lang, str], ...]  # (language, rich menu id), the default's first
    default: str
    aliases: tuple[str, ...]
    deleted: tuple[str, ...]  # our earlier menus
    others: int  # menus on the channel not made by us, left as they were


class RichMenuApiError(Exception):
    """LINE refused a call, or could not be reached: one line, the operation and the reason."""


def rich_menu_request(menu: Menu, *, selected: bool = True) -> RichMenuRequest:
    """The SDK request for one menu."""
    return RichMenuRequest(
        size=RichMenuSize(width=menu.width, height=menu.height),
        selected=selected,
        name=menu.name,
        chat_bar_text=menu.chat_bar,
        areas=[
            RichMenuArea(
                bounds=RichMenuBounds(
                    x=area.bounds.x,
                    y=area.bounds.y,
                    width=area.bounds.width,
                    height=area.bounds.height,
                ),
                action=_action(area),
            )
            for area in menu.areas
        ],
    )


def _action(area: MenuArea) -> PostbackAction | RichMenuSwitchAction:
    """A postback shown in the chat as the label (as quick replies are), or for the language
    area a switch to the other menu that also posts `lang=`."""
    if area.switch_to is not None:
        return RichMenuSwitchAction(
            label=area.label, data=area.data, rich_menu_alias_id=area.switch_to
        )
    return PostbackAction(label=area.label, data=area.data, display_text=area.label)


async def apply(
    api: AsyncMessagingApi,
    blob: AsyncMessagingApiBlob,
    uploads: Sequence[Upload],
    *,
    request_timeout: float = 30.0,
) -> Applied:
    """Create the menus in `uploads` (the first becomes the default), point our aliases at
    them, then delete our earlier menus. Raises `RichMenuApiError`."""
    listed = await _call(
        "getRichMenuList", api.get_rich_menu_list(_request_timeout=request_timeout)
    )
    earlier = [m.rich_menu_id for m in listed.richmenus if is_ours(m.name)]
    for upload in uploads:  # LINE's own check first: a refusal then creates nothing
        request = rich_menu_request(upload.menu, selected=upload.selected)
        await _call(
            "validateRichMenuObject",
            api.validate_rich_menu_object(request, _request_timeout=request_timeout),
        )
    created: list[tuple[Lang, str]] = []
    try:
        for upload in uploads:
            created.append((upload.menu.lang, await _create(api, blob, upload, request_timeout)))
        aliases = await _point_aliases(api, uploads, [rid for _, rid in created], request_timeout)
        default = created[0][1]
        await _call(
            "setDefaultRichMenu",
            api.set_default_rich_menu(default, _request_timeout=request_timeout),
        )
    except BaseException:
        for _, rich_menu_id in created:  # leave no half-made menu of ours behind
            await _delete_quietly(api, rich_menu_id, request_timeout)
        raise
    for rich_menu_id in earlier:
        await delete(api, rich_menu_id, request_timeout)
    return Applied(
        menus=tuple(created),
        default=default,
        aliases=aliases,
        deleted=tuple(earlier),
        others=len(listed.richmenus) - len(earlier),
    )


async def _create(
    api: AsyncMessagingApi, blob: AsyncMessagingApiBlob, upload: Upload, request_timeout: float
) -> str:
    request = rich_menu_request(upload.menu, selected=upload.selected)
    made = await _call(
        "createRichMenu", api.create_rich_menu(request, _request_timeout=request_timeout)
    )
    rich_menu_id: str = made.rich_menu_id
    try:
        # The SDK sends JSON unless told otherwise, and takes a str body for a file name.
        await _call(
            "setRichMenuImage",
            blob.set_rich_menu_image(
                rich_menu_id,
                bytes(upload.image),
                _headers={"Content-Type": upload.content_type},
                _request_timeout=request_timeout,
            ),
        )
    except BaseException:
        await _delete_quietly(api, rich_menu_id, request_timeout)
        raise
    return rich_menu_id


async def _point_aliases(
    api: AsyncMessagingApi, uploads: Sequence[Upload], ids: Sequence[str], request_timeout: float
) -> tuple[str, ...]:
    """Create our aliases, or move them to the new menus (never anyone else's alias)."""
    listed = await _call(
        "getRichMenuAliasList", api.get_rich_menu_alias_list(_request_timeout=request_timeout)
    )
    existing = {alias.rich_menu_alias_id for alias in listed.aliases}
    for upload, rich_menu_id in zip(uploads, ids, strict=True):
        await point_alias(
            api, upload.menu.alias, rich_menu_id, upload.menu.alias in existing, request_timeout
        )
    return tuple(upload.menu.alias for upload in uploads)


async def point_alias(
    api: AsyncMessagingApi,
    alias: str,
    rich_menu_id: str,
    exists: bool,
    request_timeout: float = 30.0,
) -> None:
    """Point `alias` at `rich_menu_id`, updating it when it `exists`, else creating it."""
    if exists:
        await _call(
            "updateRichMenuAlias",
            api.update_rich_menu_alias(
                alias,
                UpdateRichMenuAliasRequest(rich_menu_id=rich_menu_id),
                _request_timeout=request_timeout,
            ),
        )
        return
    await _call(
        "createRichMenuAlias",
        api.create_rich_menu_alias(
            CreateRichMenuAliasRequest(rich_menu_alias_id=alias, rich_menu_id=rich_menu_id),
            _request_timeout=request_timeout,
        ),
    )


async def delete(api: AsyncMessagingApi, rich_menu_id: str, request_timeout: float = 30.0) -> None:
    """Delete one of our menus; one already gone (404) is fine."""
    try:
        await api.delete_rich_menu(rich_menu_id, _request_timeout=request_timeout)
    except ApiException as err:
        if err.status != NOT_FOUND:
            raise RichMenuApiError(_refused("deleteRichMenu", err)) from err
    except (aiohttp.ClientError, TimeoutError) as err:
        raise RichMenuApiError(_unreachable("deleteRichMenu", err)) from err


async def _delete_quietly(
    api: AsyncMessagingApi, rich_menu_id: str, request_timeout: float
) -> None:
    """Clean-up after a failure: the failure is what the admin must hear about."""
    with contextlib.suppress(RichMenuApiError, asyncio.CancelledError):
        await delete(api, rich_menu_id, request_timeout)


async def _call(operation: str, call: Awaitable[Any]) -> Any:
    """Await one SDK call, turning its failures into one line for the admin."""
    try:
        return await call
    except ApiException as err:
        raise RichMenuApiError(_refused(operation, err)) from err
    except (aiohttp.ClientError, TimeoutError) as err:
        raise RichMenuApiError(_unreachable(operation, err)) from err


def _refused(operation: str, err: ApiException) -> str:
    """`LINE refused createRichMenu (400): message; property: detail` from LINE's error body."""
    reason = str(err.reason or "")
    try:
        body = json.loads(err.body) if err.body else {}
    except (TypeError, ValueError):
        body = {}
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        reason = body["message"]
        details = body.get("details")
        for detail in details if isinstance(details, list) else []:
            if isinstance(detail, dict):
                where = detail.get("property")
                reason += (
                    f"; {where}: {detail.get('message')}" if where else f"; {detail.get('message')}"
                )
    return f"LINE refused {operation} ({err.status}): {reason}"


def _unreachable(operation: str, err: BaseException) -> str:
    return f"could not reach LINE for {operation}: {type(err).__name__} {err}".rstrip()
