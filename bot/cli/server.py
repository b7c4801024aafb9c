"""`serve` and `forget`: the commands that read the environment and touch the store."""

import argparse
import asyncio
import logging
import os
import sys

from aiohttp import web

from bot.clinic import ClinicError
from bot.faq import FaqError
from bot.settings import Settings, SettingsError
from bot.store import open_store

logger = logging.getLogger("bot.serve")


def run_server_command(args: argparse.Namespace) -> int:
    """Run `serve` or `forget` with settings from the environment."""
    try:
        settings = Settings.from_env(os.environ, faq_dir=args.faq)
    except SettingsError as err:
        print(err, file=sys.stderr)
        return 2
    from bot import logs  # noqa: PLC0415

    logs.configure(settings.log_level)
    if args.command == "forget":
        return asyncio.run(_forget(settings.database_url, args.user_id))
    return _serve(settings)


def _serve(settings: Settings) -> int:
    from bot.app import create_app  # noqa: PLC0415

    try:
        app = create_app(settings)
    except (FaqError, ClinicError) as err:
        print(f"{err}\nFix these files (python -m bot faq check).", file=sys.stderr)
        return 1
    from bot.app import RUNTIME  # noqa: PLC0415

    placeholders = app[RUNTIME].knowledge.clinic.placeholders()
    if placeholders:
        logger.warning(
            "config/clinic.toml still has placeholder values (%s): patients are given them "
            "in safety replies; replace them with the clinic's real facts",
            ", ".join(placeholders),
        )
    if settings.slack is None:
        logger.warning(
            "Slack is not configured: hand-offs cannot reach staff; "
            "patients who need a person are asked to call the clinic"
        )
    logger.info("serving on port %d", settings.port)
    web.run_app(app, port=settings.port, print=None, shutdown_timeout=15, access_log=None)
    return 0


async def _forget(database_url: str, user_id: str) -> int:
    store = await open_store(database_url)
    try:
        rows = await store.forget(user_id)
    finally:
        await store.close()
    print(f"forgot the patient: {rows} rows erased or anonymised")
    return 0
