"""`richmenu check` and `richmenu apply`: the rich menu file and its images, then LINE.

`check` needs no secrets and no network: it is what an admin runs after editing
`config/richmenu.toml` or redrawing the images. `apply` checks the same, then creates the
menus on LINE (`channels.line_richmenu`). Every mistake ends the command with one line per
problem, never a traceback, and no output ever holds the access token.
"""

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
)

from bot import richmenu
from bot.channels.line_richmenu import Applied, RichMenuApiError, Upload, apply
from bot.lang import LANGS, Lang
from bot.settings import RichMenuSettings, SettingsError

REQUEST_TIMEOUT = 30.0  # seconds per LINE call; an image upload is at most 1 MB


@dataclass(frozen=True)
class Prepared:
    """The checked file and, per menu, what to upload."""

    config: richmenu.RichMenuConfig
    uploads: tuple[Upload, ...]


def run_richmenu_command(args: argparse.Namespace) -> int:
    """`richmenu_command` with the process environment, as `python -m bot` runs it."""
    return richmenu_command(args, os.environ)


def richmenu_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Run `richmenu check` or `richmenu apply` (which alone reads `env`); returns the exit
    code: 0 done, 1 a problem with the file, an image or LINE's answer, 2 the settings."""
    prepared = prepare(args.config, args.images, args.faq)
    if isinstance(prepared, list):
        for line in prepared:
            print(line, file=sys.stderr)
        return 1
    if args.richmenu_command == "check":
        config = prepared.config
        images = ", ".join(f"{lang} {path}" for lang, path in config.images)
        print(
            f"{config.path}: ok: {len(prepared.uploads)} menus of {config.width}x{config.height} "
            f"with {len(config.areas)} areas; images {images}"
        )
        return 0
    try:
        settings = RichMenuSettings.from_env(env)
    except SettingsError as err:
        print(err, file=sys.stderr)
        return 2
    try:
        applied = asyncio.run(apply_with_sdk(settings, prepared.uploads))
    except RichMenuApiError as err:
        print(f"richmenu apply: {err}", file=sys.stderr)
        return 1
    for line in summary(applied):
        print(line)
    return 0


def prepare(config_path: Path, images: Sequence[str], faq_dir: Path) -> Prepared | list[str]:
    """The checked file and images, or the lines that say what is wrong."""
    if config_path.suffix.lower() in (".png", ".jpg", ".jpeg"):
        return [
            f"{config_path}: an image where the rich menu file belongs; give the file first: "
            f"python -m bot richmenu apply config/richmenu.toml {config_path}"
        ]
    from bot.faq import model as faq  # noqa: PLC0415

    try:
        topics = faq.load_or_raise(faq_dir).topics
    except faq.FaqError as err:
        return [str(err), "The FAQ has errors; run `python -m bot faq check`."]
    try:
        config = richmenu.load(config_path, topics)
        chosen = richmenu.images_from_arguments(config, images)
    except richmenu.RichMenuError as err:
        return [str(problem) for problem in err.problems]
    except ValueError as err:
        return [str(err)]
    uploads: list[Upload] = []
    problems: list[str] = []
    for menu in richmenu.menus(config):
        path = chosen[menu.lang]
        try:
            info = richmenu.check_image(path, config.width, config.height)
        except richmenu.ImageError as err:
            problems.append(str(err))
            continue
        uploads.append(Upload(menu, path.read_bytes(), info.content_type, config.open))
    if problems:
        return list(dict.fromkeys(problems))  # one bilingual picture fails once, not twice
    return Prepared(replace(config, images=_ordered(chosen)), tuple(uploads))


def _ordered(chosen: Mapping[Lang, Path]) -> tuple[tuple[Lang, Path], ...]:
    return tuple((lang, chosen[lang]) for lang in LANGS)


async def apply_with_sdk(settings: RichMenuSettings, uploads: Sequence[Upload]) -> Applied:
    """`line_richmenu.apply` with SDK clients for the two hosts, closed afterwards."""
    token = settings.access_token.reveal()
    client = AsyncApiClient(Configuration(access_token=token, host=settings.api_base))
    data_client = AsyncApiClient(Configuration(access_token=token, host=settings.data_api_base))
    try:
        return await apply(
            AsyncMessagingApi(client),
            AsyncMessagingApiBlob(data_client),
            uploads,
            request_timeout=REQUEST_TIMEOUT,
        )
    finally:
        await data_client.close()
        await client.close()


def summary(applied: Applied) -> list[str]:
    """What the admin is told after an apply."""
    lines = [
        f"{lang}: rich menu {rich_menu_id}"
        + (" (the default)" if rich_menu_id == applied.default else "")
        for lang, rich_menu_id in applied.menus
    ]
    lines.append("aliases: " + ", ".join(applied.aliases))
    earlier = len(applied.deleted)
    lines.append(
        f"deleted {earlier} earlier menu{'s' if earlier != 1 else ''} of this bot; "
        f"left {applied.others} other menu{'s' if applied.others != 1 else ''} as they were"
    )
    return lines
