"""Live reload of what admins edit: the FAQ, `config/clinic.toml`, `config/hours.toml`, the
catalogs.

An admin's edit should reach patients without a restart, and a broken edit must never take
the bot down. So `serve` checks the files every few seconds (their content, not their times:
editors and `git checkout` keep or reset times as they please); a valid change is built in a
thread and swapped in as one value, so an event being handled finishes on the version it
started with; an invalid change keeps the running version and says exactly why (`file:line`)
in the log and, when Slack is configured, in the staff channel, once per broken version.
Several processes read the same files, so they converge on the same version by themselves.
"""

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.clinic import ClinicError
from bot.core.handoff import Policy
from bot.core.hours import HoursError
from bot.core.knowledge import Knowledge
from bot.faq.model import FaqError
from bot.faq.source import Problem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """One consistent version of everything admins edit, as the server uses it."""

    knowledge: Knowledge
    policy: Policy


@dataclass(frozen=True)
class Sources:
    """The folders and files a version is read from."""

    faq_dir: Path
    locales_dir: Path
    files: tuple[Path, ...]  # single files (clinic.toml, hours.toml), absent ones allowed

    def paths(self) -> list[Path]:
        """Every file that makes up a version, in a stable order."""
        found = [*self.faq_dir.glob("*.toml"), *self.locales_dir.rglob("*.po"), *self.files]
        return sorted(path for path in found if path.is_file())


def fingerprint(paths: Iterable[Path]) -> str:
    """A digest of the files' names and contents (a vanished file changes it too)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path).encode())
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:  # removed between listing and reading: the next round sees it
            digest.update(b"\0missing")
    return digest.hexdigest()


def problems_of(error: Exception) -> list[Problem]:
    """The `file:line` problems a failed load reported."""
    if isinstance(error, FaqError | ClinicError | HoursError):
        return [problem for problem in error.problems if problem.severity == "error"]
    return []


Apply = Callable[[Loaded], None]
Alert = Callable[[str], Awaitable[None]]


async def watch(
    sources: Sources,
    load: Callable[[], Loaded],
    apply: Apply,
    *,
    loaded_from: str,
    every: float,
    alert: Alert | None = None,
) -> None:
    """Check the sources every `every` seconds, forever; swap in each valid new version.

    `loaded_from` is the fingerprint taken just before the running version was read, so an
    edit made while the server was starting is still seen as new."""
    current = loaded_from
    refused: str | None = None
    while True:
        await asyncio.sleep(every)
        seen = await asyncio.to_thread(lambda: fingerprint(sources.paths()))
        if seen in (current, refused):
            continue
        try:
            loaded = await asyncio.to_thread(load)
        except (FaqError, ClinicError, HoursError) as error:
            refused = seen
            await _refuse(error, alert)
            continue
        except Exception:  # an unexpected bug must not stop the watching: log it, keep serving
            refused = seen
            logger.exception("reloading the FAQ failed; the running version stays")
            continue
        apply(loaded)
        current, refused = seen, None
        logger.info(
            "FAQ reloaded: files %s, %d topics", seen[:12], len(loaded.knowledge.faq.topics)
        )


async def _refuse(error: Exception, alert: Alert | None) -> None:
    lines = [str(problem) for problem in problems_of(error)] or [str(error)]
    logger.warning(
        "the edited FAQ or config has errors; the running version stays:\n%s", "\n".join(lines)
    )
    if alert is None:
        return
    text = "The FAQ or config edit was not loaded; the bot keeps the previous version. Fix:\n"
    try:
        await alert(text + "\n".join(f"• {line}" for line in lines[:20]))
    except Exception:  # Slack down: the log already says it
        logger.warning("could not tell the staff channel about the refused edit", exc_info=True)
