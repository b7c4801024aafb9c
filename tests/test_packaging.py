"""The package as a clinic installs it: declared dependencies, the lock, the wheel, the image.

The slow tests build the wheel from a copy of the sources, install it from the lock into a fresh
virtual environment outside the repository and run `clinic-bot` there, as a server would; the
Docker test does the same with the Dockerfile where a Docker engine runs (docs/deployment.md).
"""

import ast
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# What `ask` prints for the question of the done-when check: the side-effects answer.
QUESTION = "副作用はありますか"
# Settings a test must not inherit from the shell that runs it.
FOLDER_VARS = ("FAQ_DIR", "CONFIG_DIR", "LOCALES_DIR", "VAR_DIR", "DATABASE_URL", "HOURS_FILE")


def _declared(extra: str | None = None) -> dict[str, Requirement]:
    project = PYPROJECT["project"]
    lines = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    requirements = [Requirement(line) for line in lines]
    return {canonicalize_name(req.name): req for req in requirements}


def _locked(name: str) -> dict[str, str]:
    """`name==version` pins of a pip-compile lock file (hash and comment lines skipped)."""
    pins = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith(("#", "--")):
            package, version = line.split("==")
            pins[canonicalize_name(package)] = version.split()[0].rstrip("\\").strip()
    return pins


def _imports() -> set[str]:
    """Top-level modules imported anywhere in bot/, lazily imported ones included."""
    found = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_every_third_party_import_of_the_bot_is_declared() -> None:
    """`pip install clinic-bot` brings everything bot/ imports (pydantic was missing once)."""
    distributions = packages_distributions()
    stdlib = sys.stdlib_module_names
    declared = _declared()
    missing = {
        module: distributions.get(module, ["?"])
        for module in sorted(_imports())
        if module not in stdlib and module != "bot"
        if not any(canonicalize_name(d) in declared for d in distributions.get(module, []))
    }
    assert missing == {}, "declare these in pyproject.toml [project] dependencies"


def test_every_dependency_is_bounded_and_the_linters_are_pinned() -> None:
    """Runtime dependencies have a floor; ruff and mypy are exact, so lint does not change
    under a commit that did not change it."""
    for name, req in _declared().items():
        assert any(spec.operator in (">=", "==") for spec in req.specifier), name
    test = _declared("test")
    assert [spec.operator for spec in test["ruff"].specifier] == ["=="]
    assert [spec.operator for spec in test["mypy"].specifier] == ["=="]
    assert "tzdata" in _declared(), "the clinic's time zone on slim images and Windows"


def test_the_locks_satisfy_pyproject_and_agree() -> None:
    """requirements.lock (runtime: Docker, production) and requirements-dev.lock (runtime and
    the test extra: make, CI) pin every declared dependency within its range, the same
    versions in both. After editing the dependencies: `make lock` (docs/deployment.md)."""
    runtime, dev = _locked("requirements.lock"), _locked("requirements-dev.lock")
    for name, req in _declared().items():
        assert name in runtime, f"{name} is not in requirements.lock: run `make lock`"
        assert req.specifier.contains(runtime[name], prereleases=True), (name, runtime[name])
    for name, req in _declared("test").items():
        assert name in dev, f"{name} is not in requirements-dev.lock: run `make lock`"
        assert req.specifier.contains(dev[name], prereleases=True), (name, dev[name])
    assert {name: dev.get(name) for name in runtime} == runtime


def test_every_package_under_bot_is_in_the_wheel_list() -> None:
    """pyproject.toml lists the packages (it maps faq/, config/, locales/ into bot/_shipped/),
    so a new folder under bot/ must be added there or the wheel would lack it."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "bot").rglob("__init__.py")
    }
    assert found <= listed
    mapped = PYPROJECT["tool"]["setuptools"]["package-dir"]
    catalogs = {f"locales/{p.parent.name}/LC_MESSAGES" for p in ROOT.glob("locales/*/LC_MESSAGES")}
    assert catalogs <= set(mapped.values()), "map each language's catalog folder"


# --- the built wheel in a fresh environment ------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOLDER_VARS}
    env = {k: v for k, v in env.items() if not k.startswith(("LINE_", "SLACK_", "PYTHON"))}
    return {**env, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def _run(args: list[str], cwd: Path, timeout: float, **env: str) -> str:
    done = subprocess.run(
        args,
        cwd=cwd,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _healthz(port: int, deadline: float) -> dict[str, object]:
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                return dict(json.load(resp))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture(name="installed", scope="module")
def _installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the repository with the wheel built from a copy of the sources,
    installed as the Dockerfile does: the lock (hash-checked), then the wheel."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("bot", "faq", "config", "locales"):
        skip = shutil.ignore_patterns("__pycache__", "*.mo", "_shipped")
        shutil.copytree(ROOT / name, source / name, ignore=skip)
    python = sys.executable
    _run(
        [python, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)],
        work,
        300,
    )
    (wheel,) = (work / "dist").glob("clinic_bot-*.whl")
    venv = work / "venv"
    _run([python, "-m", "venv", str(venv)], work, 120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    _run([*pip, "--require-hashes", "-r", str(ROOT / "requirements.lock")], work, 600)
    _run([*pip, str(wheel)], work, 120)  # its dependencies already there, from the lock
    _run([str(venv / "bin" / "python"), "-m", "pip", "check"], work, 60)
    return venv


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="the venv layout below is POSIX")
def test_the_installed_wheel_answers_and_serves(installed: Path, tmp_path: Path) -> None:
    """Done-when of packaging: from an empty folder, with no FAQ_DIR and no repository in
    sight, `clinic-bot ask` answers from the shipped FAQ and `clinic-bot serve` answers
    /healthz, with its database in VAR_DIR. About a minute, most of it pip (cached after)."""
    bot = str(installed / "bin" / "clinic-bot")
    empty = tmp_path / "anywhere"
    empty.mkdir()

    answer = _run([bot, "ask", QUESTION], empty, 60)
    assert answer.startswith("[answer: side_effects, ja]"), answer
    assert "副作用" in answer
    located = _run(
        [str(installed / "bin" / "python"), "-c", "import bot; print(bot.__file__)"], empty, 30
    )
    assert str(ROOT) not in located  # the wheel, not the checkout

    port = _free_port()
    env = _clean_env(
        LINE_CHANNEL_SECRET="dummy-secret",
        LINE_CHANNEL_ACCESS_TOKEN="dummy-token",
        LINE_API_BASE="http://127.0.0.1:9",
        PORT=str(port),
        VAR_DIR=str(tmp_path / "state"),
    )
    server = subprocess.Popen(
        [bot, "serve"],
        cwd=empty,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = _healthz(port, time.monotonic() + 60)
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert health.get("status") == "ok", (health, err[-2000:])
    assert server.returncode == 0, err[-2000:]
    assert (tmp_path / "state" / "bot.db").is_file()
    assert not (empty / "var").exists()
    assert "(shipped)" in err  # the folders line names where the content came from


# --- the Docker image ----------------------------------------------------------------------


def _docker_engine() -> str | None:
    """Why the Docker test cannot run here, or None when it can."""
    if shutil.which("docker") is None:
        return "no docker command"
    info = subprocess.run(
        ["docker", "info"], capture_output=True, text=True, timeout=30, check=False
    )
    if info.returncode != 0:
        return "no Docker engine running (docker info failed)"
    return None


@pytest.mark.slow
def test_the_docker_image_answers_and_serves() -> None:
    """The Dockerfile builds an image (non-root, installed from the lock) whose default
    command serves /healthz and whose `clinic-bot ask` answers."""
    reason = _docker_engine()
    if reason is not None:
        pytest.skip(f"{reason}; the Dockerfile is built and run where an engine is")
    tag = "clinic-bot:test"
    _run(["docker", "build", "-q", "-t", tag, "."], ROOT, 900)
    answer = _run(["docker", "run", "--rm", tag, "clinic-bot", "ask", QUESTION], ROOT, 120)
    assert answer.startswith("[answer: side_effects, ja]"), answer
    user = _run(["docker", "run", "--rm", tag, "id", "-u"], ROOT, 60)
    assert user.strip() != "0"
    port = _free_port()
    name = f"clinic-bot-test-{port}"
    _run(
        [
            "docker",
            "run",
            "-d",
            "--name",
            name,
            "-p",
            f"127.0.0.1:{port}:8080",
            "-e",
            "LINE_CHANNEL_SECRET=dummy",
            "-e",
            "LINE_CHANNEL_ACCESS_TOKEN=dummy",
            tag,
        ],
        ROOT,
        60,
    )
    try:
        health = _healthz(port, time.monotonic() + 60)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60, check=False)
    assert health.get("status") == "ok", health
