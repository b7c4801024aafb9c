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
DEFAULT_DATABASE = (
    "sqlite:///var/bot.db"  # with VAR_DIR unset: `var/bot.db` in the working directory
)

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


@dataclass(frozen=True)
class Settings:
    """Everything `serve` needs, validated."""

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
    folder_origins: tuple[tuple[str, str], ...] = ()  # as Paths.origins
    slack: SlackSettings | None = None
    hours_file: Path | None = None
    handoff_wait_minutes: int = 15
    handoff_idle_hours: int = 24
    mask_pii: bool = True
    staff_labels: tuple[tuple[str, str], ...] = ()
    staff_lang: Lang = "ja"
    https_proxy: str | None = None
    # Connections (docs/deployment-notes-reliability.md): a request head must arrive within
    # http_keepalive_timeout of connecting or of the previous response, a body within
    # http_body_timeout of its head.
    http_keepalive_timeout: int = 75
    http_body_timeout: int = 10
    # Seconds between checks for an edited FAQ, clinic.toml, hours.toml or catalog (bot.reload);
    # 0 turns live reload off.
    reload_seconds: float = 5.0
    # Delivery (docs/architecture.md, "Delivery that outlives a bad minute"): a worker's lease
    # on an event, renewed on a heartbeat (a dead process's events are taken over after it);
    # how long an undelivered message is retried before staff are alerted (under LINE's 24 h
    # retry-key validity); and the timeout of one LINE API request.
    worker_lease_seconds: int = 10
    delivery_deadline_minutes: int = 60
    line_timeout_seconds: int = 5

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
        problems: list[str] = []
        paths = _paths(
            {**env, "FAQ_DIR": str(faq_dir)} if faq_dir is not None else env,
            cwd or Path(),
            problems,
        )

        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                problems.append(f"{name} is missing")
            return value

        def integer(name: str, default: int, low: int, high: int) -> int:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            if not raw.isdigit() or not low <= int(raw) <= high:
                problems.append(f"{name} must be a whole number from {low} to {high}, got {raw!r}")
                return default
            return int(raw)

        def url(name: str, default: str, schemes: tuple[str, ...]) -> str:
            value = env.get(name, "").strip() or default
            if urlparse(value).scheme not in schemes:
                problems.append(f"{name} must start with {' or '.join(s + '://' for s in schemes)}")
            return value

        secret = required("LINE_CHANNEL_SECRET")
        token = required("LINE_CHANNEL_ACCESS_TOKEN")
        line_api = url("LINE_API_BASE", DEFAULT_LINE_API, ("http", "https")).rstrip("/")
        database = _database(env, problems, paths.var_dir)
        level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in logging.getLevelNamesMapping():
            problems.append(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR; got {level!r}")
        port = integer("PORT", 8080, 1, 65535)
        retention = integer("AUDIT_RETENTION_DAYS", 30, 1, 3650)
        concurrency = integer("WORKER_CONCURRENCY", 8, 1, 256)
        attempts = integer("WORKER_MAX_ATTEMPTS", 5, 1, 20)
        slack = _slack(env, problems)
        wait = integer("HANDOFF_WAIT_MINUTES", 15, 1, 1440)
        idle = integer("HANDOFF_IDLE_HOURS", 24, 1, 24 * 30)
        hours_file = Path(env.get("HOURS_FILE", "").strip() or paths.config_dir / "hours.toml")
        if not hours_file.is_file():
            problems.append(f"HOURS_FILE {hours_file} does not exist")
        masking = env.get("MASK_PII", "on").strip().lower()
        if masking not in ("on", "off", "true", "false", "1", "0"):
            problems.append(f"MASK_PII must be on or off, got {masking!r}")
        staff_lang = env.get("STAFF_LANG", "ja").strip() or "ja"
        if staff_lang not in ("ja", "en"):
            problems.append(f"STAFF_LANG must be ja or en, got {staff_lang!r}")
        keepalive = integer("HTTP_KEEPALIVE_TIMEOUT", 75, 1, 3600)
        body_timeout = integer("HTTP_BODY_TIMEOUT", 10, 1, 300)
        reload_seconds = integer("RELOAD_SECONDS", 5, 0, 3600)
        lease = integer("WORKER_LEASE_SECONDS", 10, 3, 300)
        deadline = integer("DELIVERY_DEADLINE_MINUTES", 60, 1, 23 * 60)
        line_timeout = integer("LINE_TIMEOUT_SECONDS", 5, 1, 30)
        labels = tuple(
            (lang, env[f"STAFF_LABEL_{lang.upper()}"])
            for lang in ("ja", "en")
            if env.get(f"STAFF_LABEL_{lang.upper()}", "").strip()
        )
        if problems:
            raise SettingsError(problems)
        return cls(
            port=port,
            line_channel_secret=Secret(secret),
            line_access_token=Secret(token),
            line_api_base=line_api,
            database_url=database,
            log_level=level,
            retention_days=retention,
            worker_concurrency=concurrency,
            worker_max_attempts=attempts,
            faq_dir=paths.faq_dir,
            config_dir=paths.config_dir,
            locales_dir=paths.locales_dir,
            var_dir=paths.var_dir,
            folder_origins=paths.origins,
            slack=slack,
            hours_file=hours_file,
            handoff_wait_minutes=wait,
            handoff_idle_hours=idle,
            mask_pii=masking in ("on", "true", "1"),
            staff_labels=labels,
            https_proxy=(env.get("HTTPS_PROXY") or env.get("https_proxy") or "").strip() or None,
            staff_lang=cast("Lang", staff_lang),  # checked against ("ja", "en") above
            http_keepalive_timeout=keepalive,
            http_body_timeout=body_timeout,
            reload_seconds=reload_seconds,
            worker_lease_seconds=lease,
            delivery_deadline_minutes=deadline,
            line_timeout_seconds=line_timeout,
        )


def database_url(env: Mapping[str, str]) -> str:
    """DATABASE_URL alone, checked, for commands that touch only the store (`forget`): they
    must not demand the LINE and Slack secrets."""
    problems: list[str] = []
    url = _database(env, problems)
    if problems:
        raise SettingsError(problems)
    return url


def default_database(env: Mapping[str, str]) -> str:
    """`bot.db` in VAR_DIR, the database used when DATABASE_URL is unset."""
    return _sqlite_in(_var_dir(env))


def _sqlite_in(var_dir: Path) -> str:
    return f"sqlite:///{(var_dir / 'bot.db').as_posix()}"


def _database(env: Mapping[str, str], problems: list[str], var_dir: Path | None = None) -> str:
    default = default_database(env) if var_dir is None else _sqlite_in(var_dir)
    url = env.get("DATABASE_URL", "").strip() or default
    if urlparse(url).scheme not in ("sqlite", "postgresql", "postgres"):
        problems.append("DATABASE_URL must start with sqlite:// or postgresql:// or postgres://")
    return url


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


def _slack(env: Mapping[str, str], problems: list[str]) -> SlackSettings | None:
    """Slack is optional, but half a Slack configuration is an error."""
    present = [name for name in _SLACK_VARS if env.get(name, "").strip()]
    if not present:
        return None
    problems += [
        f"{name} is missing (Slack is half configured)"
        for name in _SLACK_VARS
        if name not in present
    ]
    base = env.get("SLACK_API_BASE", "").strip() or DEFAULT_SLACK_API
    if urlparse(base).scheme not in ("http", "https"):
        problems.append("SLACK_API_BASE must start with http:// or https://")
    return SlackSettings(
        Secret(env.get("SLACK_BOT_TOKEN", "")),
        Secret(env.get("SLACK_SIGNING_SECRET", "")),
        env.get("SLACK_STAFF_CHANNEL", "").strip(),
        base if base.endswith("/") else base + "/",
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
        problems: list[str] = []
        token = env.get("LINE_CHANNEL_ACCESS_TOKEN", "").strip()
        if not token:
            problems.append("LINE_CHANNEL_ACCESS_TOKEN is missing")
        hosts = []
        for name, default in (
            ("LINE_API_BASE", DEFAULT_LINE_API),
            ("LINE_DATA_API_BASE", DEFAULT_LINE_DATA_API),
        ):
            value = env.get(name, "").strip() or default
            if urlparse(value).scheme not in ("http", "https"):
                problems.append(f"{name} must start with http:// or https://")
            hosts.append(value.rstrip("/"))  # the SDK would request //v2/... after a slash
        if problems:
            raise SettingsError(problems)
        return cls(Secret(token), hosts[0], hosts[1])
