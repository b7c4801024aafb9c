"""Configuration from the environment (12-factor), checked once at start-up.

`Settings.from_env` reads a mapping (never `os.environ` at import time), reports every missing
or invalid variable in one message, and wraps secrets so that no repr, log line or traceback
can show them.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import parse_qsl, urlencode, urlparse, urlsplit, urlunsplit

from bot.lang import Lang

DEFAULT_LINE_API = "https://api.line.me"
DEFAULT_LINE_DATA_API = "https://api-data.line.me"  # where rich-menu images are uploaded
DEFAULT_SLACK_API = "https://slack.com/api/"

# The FAQ, config and catalogs that come with the code. An installed wheel has them as package
# data in `bot/_shipped/` (pyproject.toml maps the repository's `faq/`, `config/` and `locales/`
# there); a source checkout uses those repository folders themselves.
SHIPPED = Path(__file__).resolve().parent / "_shipped"
_CHECKOUT = Path(__file__).resolve().parents[1]

# name of the setting, folder looked for in the working directory
_FOLDERS = (("FAQ_DIR", "faq"), ("CONFIG_DIR", "config"), ("LOCALES_DIR", "locales"))


class Secret:
    """A string that prints as stars."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one call that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class SettingsError(Exception):
    """Every problem with the environment, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


class _Env:
    """Reads variables from an environment mapping, noting every problem instead of stopping
    at the first, so that one start-up message lists them all."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def text(self, name: str, default: str = "") -> str:
        """The value without surrounding blanks; `default` when unset or blank."""
        return self.env.get(name, "").strip() or default

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            self.problems.append(f"{name} is missing")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.text(name)
        if not raw:
            return default
        if not raw.isdigit() or not low <= int(raw) <= high:
            self.problems.append(f"{name} must be a whole number from {low} to {high}, got {raw!r}")
            return default
        return int(raw)

    def choice(self, name: str, default: str, allowed: tuple[str, ...], what: str) -> str:
        """One of `allowed` (case-folded); `what` says them in the problem's words."""
        value = self.text(name, default).lower()
        if value not in allowed:
            self.problems.append(f"{name} must be {what}, got {value!r}")
        return value

    def url(self, name: str, default: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
        value = self.text(name, default)
        if urlparse(value).scheme not in schemes:
            self.problems.append(
                f"{name} must start with {' or '.join(s + '://' for s in schemes)}"
            )
        return value

    def done(self) -> None:
        """Raise `SettingsError` when anything read was wrong."""
        if self.problems:
            raise SettingsError(self.problems)


def shipped(name: str) -> Path:
    """The shipped copy of the folder `name` (`faq`, `config` or `locales`)."""
    packaged = SHIPPED / name
    return packaged if packaged.is_dir() else _CHECKOUT / name


@dataclass(frozen=True)
class Paths:
    """Where the content is read and the state written, for every command.

    `FAQ_DIR`, `CONFIG_DIR` and `LOCALES_DIR` name a folder; unset, the folder of that name in
    the working directory is used when there is one (a clinic's own checkout, the repository),
    else the shipped copy (`shipped`). `VAR_DIR` (default `var`, relative to the working
    directory) holds what the bot writes: the SQLite database by default and caches."""

    faq_dir: Path
    config_dir: Path
    locales_dir: Path
    var_dir: Path
    # per folder, where it came from: the setting's name, "working directory" or "shipped"
    origins: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, cwd: Path | None = None) -> "Paths":
        """Resolve the folders; raises SettingsError when a folder named by a setting is
        missing (a typo must not silently fall back to the shipped content)."""
        problems: list[str] = []
        paths = _paths(env, cwd or Path(), problems)
        if problems:
            raise SettingsError(problems)
        return paths

    def describe(self) -> str:
        """One line naming every folder and its origin, for the start-up log."""
        return describe_folders(
            (self.faq_dir, self.config_dir, self.locales_dir, self.var_dir), self.origins
        )


def describe_folders(folders: tuple[Path, ...], origins: tuple[tuple[str, str], ...]) -> str:
    """`faq=faq (working directory), config=... (shipped), ...`: what a start-up logs."""
    where = dict(origins)
    names = ("faq", "config", "locales", "var")
    return ", ".join(
        f"{name}={path} ({where.get(name, 'given')})"
        for name, path in zip(names, folders, strict=True)
    )


def _paths(env: Mapping[str, str], cwd: Path, problems: list[str]) -> Paths:
    found: dict[str, Path] = {}
    origins: list[tuple[str, str]] = []
    for setting, name in _FOLDERS:
        raw = env.get(setting, "").strip()
        if raw:
            path, origin = cwd / Path(raw).expanduser(), setting
            if not path.is_dir():
                problems.append(f"{setting} {path} is not a folder")
        elif (cwd / name).is_dir():
            path, origin = cwd / name, "working directory"
        else:
            path, origin = shipped(name), "shipped"
        found[name] = path
        origins.append((name, origin))
    var = env.get("VAR_DIR", "").strip()
    origins.append(("var", "VAR_DIR" if var else "working directory"))
    return Paths(
        found["faq"],
        found["config"],
        found["locales"],
        cwd / _var_dir(env),
        tuple(origins),
    )


def _var_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("VAR_DIR", "").strip() or "var").expanduser()


@dataclass(frozen=True)
class SlackSettings:
    """Present only when the staff desk on Slack is configured."""

    bot_token: Secret
    signing_secret: Secret
    staff_channel: str
    api_base: str
    # One Web API call's timeout: a post whose answer is lost is looked for before it is
    # posted again (slack_desk), so a short timeout costs no duplicate.
    timeout_seconds: int


@dataclass(frozen=True)
class Settings:
    """Everything `serve` needs, validated. Each default is stated once, in `from_env`."""

    port: int
    line_channel_secret: Secret
    line_access_token: Secret
    line_api_base: str
    database_url: str
    log_level: str
    retention_days: int
    worker_concurrency: int
    worker_max_attempts: int
    faq_dir: Path
    config_dir: Path
    locales_dir: Path
    var_dir: Path
    folder_origins: tuple[tuple[str, str], ...]  # as Paths.origins
    slack: SlackSettings | None
    hours_file: Path
    handoff_wait_minutes: int
    handoff_idle_hours: int
    mask_pii: bool
    staff_labels: tuple[tuple[str, str], ...]
    staff_lang: Lang
    https_proxy: str | None
    # Connections (docs/deployment-notes-reliability.md): a request head must arrive within
    # http_keepalive_timeout of connecting or of the previous response, a body within
    # http_body_timeout of its head.
    http_keepalive_timeout: int
    http_body_timeout: int
    # Seconds between checks for an edited FAQ, clinic.toml, hours.toml or catalog (bot.reload);
    # 0 turns live reload off.
    reload_seconds: float
    # Delivery (docs/architecture.md, "Delivery that outlives a bad minute"): a worker's lease
    # on an event, renewed on a heartbeat (a dead process's events are taken over after it);
    # how long an undelivered message is retried before staff are alerted (under LINE's 24 h
    # retry-key validity); and the timeout of one LINE API request.
    worker_lease_seconds: int
    delivery_deadline_minutes: int
    line_timeout_seconds: int

    def folders(self) -> str:
        """The folders in use and where each came from, for the start-up log."""
        return describe_folders(
            (self.faq_dir, self.config_dir, self.locales_dir, self.var_dir), self.folder_origins
        )

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], *, faq_dir: Path | None = None, cwd: Path | None = None
    ) -> "Settings":
        """Build settings from `env`; raises SettingsError listing every problem. `faq_dir`
        (the command line's `--faq`) overrides FAQ_DIR; `cwd` is where relative folders are
        looked for (default: the working directory)."""
        read = _Env(env)
        paths = _paths(
            {**env, "FAQ_DIR": str(faq_dir)} if faq_dir is not None else env,
            cwd or Path(),
            read.problems,
        )
        hours_file = Path(read.text("HOURS_FILE") or paths.config_dir / "hours.toml")
        if not hours_file.is_file():
            read.problems.append(f"HOURS_FILE {hours_file} does not exist")
        settings = cls(
            port=read.integer("PORT", 8080, 1, 65535),
            line_channel_secret=Secret(read.required("LINE_CHANNEL_SECRET")),
            line_access_token=Secret(read.required("LINE_CHANNEL_ACCESS_TOKEN")),
            line_api_base=read.url("LINE_API_BASE", DEFAULT_LINE_API).rstrip("/"),
            database_url=_database(read, paths.var_dir),
            log_level=_log_level(read),
            retention_days=read.integer("AUDIT_RETENTION_DAYS", 30, 1, 3650),
            worker_concurrency=read.integer("WORKER_CONCURRENCY", 8, 1, 256),
            worker_max_attempts=read.integer("WORKER_MAX_ATTEMPTS", 5, 1, 20),
            faq_dir=paths.faq_dir,
            config_dir=paths.config_dir,
            locales_dir=paths.locales_dir,
            var_dir=paths.var_dir,
            folder_origins=paths.origins,
            slack=_slack(read),
            hours_file=hours_file,
            handoff_wait_minutes=read.integer("HANDOFF_WAIT_MINUTES", 15, 1, 1440),
            handoff_idle_hours=read.integer("HANDOFF_IDLE_HOURS", 24, 1, 24 * 30),
            mask_pii=read.choice("MASK_PII", "on", _SWITCH, "on or off") in _ON,
            staff_labels=tuple(
                (lang, label)
                for lang in ("ja", "en")
                if (label := read.text(f"STAFF_LABEL_{lang.upper()}"))
            ),
            staff_lang=cast("Lang", read.choice("STAFF_LANG", "ja", ("ja", "en"), "ja or en")),
            https_proxy=(read.text("HTTPS_PROXY") or read.text("https_proxy")) or None,
            http_keepalive_timeout=read.integer("HTTP_KEEPALIVE_TIMEOUT", 75, 1, 3600),
            http_body_timeout=read.integer("HTTP_BODY_TIMEOUT", 10, 1, 300),
            reload_seconds=read.integer("RELOAD_SECONDS", 5, 0, 3600),
            worker_lease_seconds=read.integer("WORKER_LEASE_SECONDS", 10, 3, 300),
            delivery_deadline_minutes=read.integer("DELIVERY_DEADLINE_MINUTES", 60, 1, 23 * 60),
            line_timeout_seconds=read.integer("LINE_TIMEOUT_SECONDS", 5, 1, 30),
        )
        read.done()
        return settings


_SWITCH = ("on", "off", "true", "false", "1", "0")
_ON = ("on", "true", "1")


def _log_level(read: _Env) -> str:
    level = read.text("LOG_LEVEL", "INFO").upper()
    if level not in logging.getLevelNamesMapping():
        read.problems.append(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR; got {level!r}")
    return level


def database_url(env: Mapping[str, str]) -> str:
    """DATABASE_URL alone, checked, for commands that touch only the store (`forget`): they
    must not demand the LINE and Slack secrets."""
    read = _Env(env)
    url = _database(read, _var_dir(env))
    read.done()
    return url


def _sqlite_in(var_dir: Path) -> str:
    """`bot.db` in VAR_DIR: the database when DATABASE_URL is unset."""
    return f"sqlite:///{(var_dir / 'bot.db').as_posix()}"


def _database(read: _Env, var_dir: Path) -> str:
    return read.url("DATABASE_URL", _sqlite_in(var_dir), ("sqlite", "postgresql", "postgres"))


def without_password(url: str) -> str:
    """A database URL fit to print: a password, in the user part or as `?password=`, left out."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(key, value) for key, value in pairs if key != "password"]
    if parts.password is None and query == pairs:
        return url  # unchanged: urlunsplit would turn sqlite:///x into sqlite:/x
    if parts.password is not None:
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host  # an IPv6 address
        user = f"{parts.username}@" if parts.username else ""
        parts = parts._replace(netloc=user + host + (f":{parts.port}" if parts.port else ""))
    return urlunsplit(parts._replace(query=urlencode(query)))


_SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_STAFF_CHANNEL")


def _slack(read: _Env) -> SlackSettings | None:
    """Slack is optional, but half a Slack configuration is an error."""
    present = [name for name in _SLACK_VARS if read.text(name)]
    if not present:
        return None
    read.problems += [
        f"{name} is missing (Slack is half configured)"
        for name in _SLACK_VARS
        if name not in present
    ]
    base = read.url("SLACK_API_BASE", DEFAULT_SLACK_API)
    return SlackSettings(
        Secret(read.env.get("SLACK_BOT_TOKEN", "")),
        Secret(read.env.get("SLACK_SIGNING_SECRET", "")),
        read.text("SLACK_STAFF_CHANNEL"),
        base if base.endswith("/") else base + "/",
        read.integer("SLACK_TIMEOUT_SECONDS", 10, 1, 30),
    )


@dataclass(frozen=True)
class RichMenuSettings:
    """What `apply` needs from the environment: the token and the two LINE hosts.

    Parsed from a mapping like `bot.settings` does (the caller passes `os.environ`), and only
    these variables: applying a menu must not demand the webhook secret or the database."""

    access_token: Secret
    api_base: str
    data_api_base: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "RichMenuSettings":
        """Build the settings; raises `SettingsError` listing every problem."""
        read = _Env(env)
        token = read.required("LINE_CHANNEL_ACCESS_TOKEN")
        # no trailing slash: the SDK would request //v2/...
        api = read.url("LINE_API_BASE", DEFAULT_LINE_API).rstrip("/")
        data_api = read.url("LINE_DATA_API_BASE", DEFAULT_LINE_DATA_API).rstrip("/")
        read.done()
        return cls(Secret(token), api, data_api)
