"""Where the FAQ, config, catalogs and state are found: settings, the working directory, or the
copy shipped with the code (bot/settings.py `Paths`)."""

import io
import sys
from pathlib import Path

import pytest

from bot import i18n
from bot.__main__ import main
from bot.settings import Paths, Settings, SettingsError, database_url, shipped

ROOT = Path(__file__).resolve().parents[1]
LINE = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"}


def test_an_empty_working_directory_uses_the_shipped_folders(tmp_path: Path) -> None:
    """No settings and no folders here: the shipped FAQ, config and catalogs, state in ./var."""
    paths = Paths.from_env({}, cwd=tmp_path)

    assert paths.faq_dir == shipped("faq")
    assert paths.config_dir == shipped("config")
    assert paths.locales_dir == shipped("locales")
    assert paths.var_dir == tmp_path / "var"
    assert (paths.faq_dir / "side_effects.toml").is_file()
    assert (paths.config_dir / "hours.toml").is_file()
    assert dict(paths.origins) == {
        "faq": "shipped",
        "config": "shipped",
        "locales": "shipped",
        "var": "working directory",
    }


def test_folders_in_the_working_directory_come_before_the_shipped_ones(tmp_path: Path) -> None:
    """An admin's own faq/ and config/ next to where the bot runs are used as they are."""
    (tmp_path / "faq").mkdir()
    (tmp_path / "config").mkdir()

    paths = Paths.from_env({}, cwd=tmp_path)

    assert paths.faq_dir == tmp_path / "faq"
    assert paths.config_dir == tmp_path / "config"
    assert paths.locales_dir == shipped("locales")  # none here
    assert dict(paths.origins)["faq"] == "working directory"


def test_settings_name_the_folders(tmp_path: Path) -> None:
    """FAQ_DIR, CONFIG_DIR, LOCALES_DIR and VAR_DIR win over the working directory."""
    (tmp_path / "faq").mkdir()
    for name in ("content", "conf", "texts"):
        (tmp_path / name).mkdir()
    env = {
        "FAQ_DIR": str(tmp_path / "content"),
        "CONFIG_DIR": "conf",  # relative to the working directory
        "LOCALES_DIR": str(tmp_path / "texts"),
        "VAR_DIR": str(tmp_path / "state"),
    }

    paths = Paths.from_env(env, cwd=tmp_path)

    assert paths.faq_dir == tmp_path / "content"
    assert paths.config_dir == tmp_path / "conf"
    assert paths.locales_dir == tmp_path / "texts"
    assert paths.var_dir == tmp_path / "state"
    assert dict(paths.origins) == {
        "faq": "FAQ_DIR",
        "config": "CONFIG_DIR",
        "locales": "LOCALES_DIR",
        "var": "VAR_DIR",
    }


def test_a_folder_setting_that_names_nothing_is_an_error(tmp_path: Path) -> None:
    """A typo in FAQ_DIR must not quietly answer patients from the shipped FAQ."""
    with pytest.raises(SettingsError) as caught:
        Paths.from_env({"FAQ_DIR": "nowhere", "CONFIG_DIR": "nor-here"}, cwd=tmp_path)

    assert caught.value.problems == [
        f"FAQ_DIR {tmp_path / 'nowhere'} is not a folder",
        f"CONFIG_DIR {tmp_path / 'nor-here'} is not a folder",
    ]


def test_the_default_database_lives_in_var_dir(tmp_path: Path) -> None:
    """DATABASE_URL unset: bot.db in VAR_DIR (./var without it); set, it wins."""
    assert database_url({}) == "sqlite:///var/bot.db"
    assert database_url({"VAR_DIR": "/srv/bot"}) == "sqlite:////srv/bot/bot.db"
    url = "postgresql://db/bot"
    assert database_url({"VAR_DIR": "/srv/bot", "DATABASE_URL": url}) == url

    settings = Settings.from_env({**LINE, "VAR_DIR": str(tmp_path / "state")}, cwd=tmp_path)
    assert settings.database_url == f"sqlite:///{(tmp_path / 'state' / 'bot.db').as_posix()}"
    assert settings.var_dir == tmp_path / "state"


def test_serve_settings_take_hours_and_clinic_from_config_dir(tmp_path: Path) -> None:
    """HOURS_FILE defaults to CONFIG_DIR/hours.toml, whatever folder the FAQ is in."""
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "hours.toml").write_text(
        (ROOT / "config" / "hours.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )

    settings = Settings.from_env({**LINE, "CONFIG_DIR": str(conf)}, cwd=tmp_path)

    assert settings.hours_file == conf / "hours.toml"
    assert settings.config_dir == conf
    assert settings.faq_dir == shipped("faq")
    assert "config=" in settings.folders() and "(CONFIG_DIR)" in settings.folders()


def test_serve_settings_report_a_missing_hours_file_in_config_dir(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({**LINE, "CONFIG_DIR": "conf"}, cwd=tmp_path)
    assert caught.value.problems == [
        f"HOURS_FILE {tmp_path / 'conf' / 'hours.toml'} does not exist"
    ]


def test_the_shipped_catalogs_are_the_repositorys_in_a_checkout() -> None:
    """In a source checkout the shipped copies are the repository's folders (a wheel has them
    in bot/_shipped/, tests/test_packaging.py)."""
    assert shipped("faq") == ROOT / "faq"
    assert i18n.LOCALES == ROOT / "locales"


def test_commands_report_a_bad_folder_setting_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("LOCALES_DIR", str(tmp_path / "missing"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))

    assert main(["ask", "hello"]) == 2
    assert f"LOCALES_DIR {tmp_path / 'missing'} is not a folder" in capsys.readouterr().err
