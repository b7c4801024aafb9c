"""UI texts per patient language, from the gettext catalogs in `locales/`.

Catalogs are compiled in memory at start-up (no `.mo` files to forget to rebuild) and handed
out per call: a Japanese and an English patient may be answered in the same millisecond, so
nothing is ever installed process-wide.
"""

import gettext
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.lang import LANGS, Lang
from bot.settings import shipped

DOMAIN = "messages"
# The catalogs translate the msgids written in bot/**.py, so they ship with the code (the
# repository's `locales/`, package data in a wheel): never next to an FAQ folder (`--faq DIR` is
# only content). Commands load `Settings.locales_dir` (LOCALES_DIR, ./locales, else these).
LOCALES = shipped("locales")


@dataclass(frozen=True)
class Catalogs:
    """One compiled translation table per language."""

    tables: dict[Lang, gettext.GNUTranslations]

    def __getitem__(self, lang: Lang) -> gettext.GNUTranslations:
        return self.tables[lang]

    def gettext(self, lang: Lang, message: str) -> str:
        """`message` (an English msgid) in `lang`."""
        return self.tables[lang].gettext(message)


def compile_po(path: Path) -> gettext.GNUTranslations:
    """A `.po` file compiled in memory to a translation table."""
    with path.open("rb") as fh:
        catalog = read_po(fh)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load(directory: Path) -> Catalogs:
    """Compile `directory/<lang>/LC_MESSAGES/messages.po` for every language the bot speaks."""
    return Catalogs(
        {lang: compile_po(directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po") for lang in LANGS}
    )
