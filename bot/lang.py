"""The two languages the bot speaks; one place so every module spells them alike."""

from typing import Literal, get_args

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)
DEFAULT_LANG: Lang = "ja"
