"""`serve` and `forget`: the commands that read the environment and touch the store.

Each mistake an operator can make at start-up (a config file, a busy port, a database that is
not there) ends the command with one line naming it, never a traceback.
"""

import argparse
import asyncio
import errno
import logging
import os
import sqlite3
import sys
from collections.abc import Mapping

from aiohttp import web

from bot.clinic import ClinicError
from bot.core.hours import HoursError
from bot.faq.model import FaqError
from bot.settings import Settings, SettingsError, database_url, without_password
from bot.store import open_store

logger = logging.getLogger("bot.serve")

# bind() errors that mean "this port cannot be had", as opposed to a bug worth a traceback.
_PORT_ERRORS = frozenset({errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL})


def run_server_command(args: argparse.Namespace) -> int:
    """Run `serve` or `forget` with settings from the environment."""
    if args.command == "forget":
        return forget_command(os.environ, args.user_id)
    try:
        settings = Settings.from_env(os.environ, faq_dir=args.faq)
    except SettingsError as err:
        print(err, file=sys.stderr)
        return 2
    from bot import logs  # noqa: PLC0415

    logs.configure(settings.log_level)
    return _serve(settings)


def _serve(settings: Settings) -> int:
    from bot.app import create_app  # noqa: PLC0415

    try:
        app = create_app(settings)
    except HoursError as err:
        print(err, file=sys.stderr)  # one `file:line: message` line per problem
        return 1
    except (FaqError, ClinicError) as err:
        print(f"{err}\nFix these files (python -m bot faq check).", file=sys.stderr)
        return 1
    from bot.app import RUNTIME, runner_options  # noqa: PLC0415

    logger.info("folders: %s", settings.folders())
    placeholders = app[RUNTIME].knowledge.clinic.placeholders()
    if placeholders:
        logger.warning(
            "%s still has placeholder values (%s): patients are given them "
            "in safety replies, FAQ answers and the privacy notice; replace them with the "
            "clinic's real facts",
            settings.config_dir / "clinic.toml",
            ", ".join(placeholders),
        )
    if settings.slack is None:
        logger.warning(
            "Slack is not configured: hand-offs cannot reach staff; "
            "patients who need a person are asked to call the clinic"
        )

    def listening(*_: object) -> None:
        """aiohttp calls its `print` once the port is bound: only then is the server serving."""
        logger.info("serving on port %d", settings.port)

    try:
        web.run_app(
            app,
            port=settings.port,
            print=listening,
            shutdown_timeout=15,
            access_log=None,
            **runner_options(settings),  # keep-alive, cancellation: bot.app.runner_options
        )
    except OSError as err:
        if err.errno not in _PORT_ERRORS:
            raise
        reason = "already in use" if err.errno == errno.EADDRINUSE else os.strerror(err.errno)
        print(f"cannot listen on port {settings.port} (PORT): {reason}", file=sys.stderr)
        return 1
    return 0


def forget_command(env: Mapping[str, str], user_id: str) -> int:
    """`forget USER_ID`: needs only DATABASE_URL, says which database it erased from, and
    never creates an empty SQLite file in place of the one the operator meant."""
    try:
        url = database_url(env)
    except SettingsError as err:
        print(err, file=sys.stderr)
        return 2
    where = without_password(url)
    if url.startswith("sqlite:"):
        from bot.store.sqlite import existing_file  # noqa: PLC0415

        try:
            path = existing_file(url)
        except ValueError as err:
            print(f"forget: {err} (DATABASE_URL={where})", file=sys.stderr)
            return 2
        except FileNotFoundError as err:
            print(f"forget: {err} (DATABASE_URL={where})", file=sys.stderr)
            return 1
        where = f"{where} ({path})"
    try:
        rows = asyncio.run(_forget(url, user_id))
    except (OSError, ValueError, sqlite3.DatabaseError) as err:  # no server, a bad URL, no db
        print(f"forget: cannot open {where}: {err}", file=sys.stderr)
        return 1
    print(f"database: {where}")
    if rows == 0:
        print(
            f"warning: nothing stored about {user_id} in this database: check the user id and "
            "DATABASE_URL (nothing was erased)",
            file=sys.stderr,
        )
        return 0
    print(f"forgot the patient: {rows} rows erased or anonymised")
    return 0


async def _forget(database: str, user_id: str) -> int:
    store = await open_store(database)
    try:
        return await store.forget(user_id)
    finally:
        await store.close()
