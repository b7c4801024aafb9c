"""The gettext catalogs: complete, fresh, and chosen per call."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import i18n
from bot.core import texts

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"


def _ids(path: Path) -> set[str]:
    with path.open("rb") as fh:
        return {str(m.id) for m in read_po(fh) if m.id}


def test_template_is_fresh(tmp_path: Path) -> None:
    """The committed .pot holds exactly the msgids the code uses (re-extract to update)."""
    out = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "pyproject.toml",
            "--no-location",
            "--sort-output",
            "-o",
            str(out),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert _ids(out) == _ids(LOCALES / "messages.pot"), "run the extract command in README.md"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_message_is_translated(lang: str) -> None:
    """Each language's catalog translates every template message, with nothing fuzzy."""
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    template = _ids(LOCALES / "messages.pot")
    present = {str(m.id): m for m in catalog if m.id}
    assert set(present) == template
    untranslated = [mid for mid, m in present.items() if not m.string or m.fuzzy]
    assert untranslated == []


def test_translations_are_chosen_per_call() -> None:
    """Two patients in two languages get their own texts from the same loaded catalogs."""
    catalogs = i18n.load(LOCALES)
    ja = texts.handoff(catalogs["ja"].gettext)
    en = texts.handoff(catalogs["en"].gettext)
    assert "スタッフ" in ja
    assert en.startswith("I will connect you")
    assert texts.handoff(catalogs["ja"].gettext) == ja  # nothing global changed in between


def test_emergency_text_names_119_in_both_languages() -> None:
    """The emergency message always tells the patient to call 119."""
    catalogs = i18n.load(LOCALES)
    for lang in ("ja", "en"):
        assert "119" in texts.emergency(catalogs[lang].gettext)
