"""The rich menu (LINE's picture menu under the chat) from `config/richmenu.toml`, and its images.

Admins edit the file by hand, so it is checked like the other config files: every problem at
once as `file:line: message`, and no menu while one remains. An area posts data the bot already
understands (`patient.decide_postback`); the file is checked against that, because any other data
would silently open the topic menu instead of doing what its label says.

One menu per language, the Japanese one the default (`bot.lang.DEFAULT_LANG`). The area marked
`switch_language` is a LINE "richmenuswitch" action: LINE itself shows the other language's menu
(found by its alias, `clinic-bot-en` / `clinic-bot-ja`) and posts `lang=en` / `lang=ja`, so the
bot answers in that language from then on; the server makes no rich-menu call of its own.

Menus made here are named `clinic-bot:<lang>` (`NAME_PREFIX`), which is how `richmenu apply`
tells its own menus, which it replaces, from anyone else's, which it never touches.

LINE's rules, with where they are written (the OpenAPI copy is tests/contracts/line/
messaging-api.yml; what it does not state is on the reference page it links as externalDocs of
`setRichMenuImage`, https://developers.line.biz/en/reference/messaging-api/#upload-rich-menu-image,
and of the rich menu object, #size-object):

- size: width 800-2500 px, height 250 px or more, width / height at least 1.45 (reference; the
  OpenAPI `RichMenuSize` only says "at least 1"), e.g. 2500x1686, 2500x843, 1200x810, 800x270;
- image: JPEG or PNG, at most 1 MB, the menu's own size (reference);
- `chatBarText` at most 14 characters, `name` at most 300 (OpenAPI `RichMenuRequest`);
- at most 20 areas (OpenAPI `RichMenuResponse.areas` maxItems);
- postback `data` at most 300 characters (OpenAPI `PostbackAction.data`);
- an action `label` at most 20 characters (reference, action objects);
- alias ids `^[a-z0-9_-]{1,32}$` (OpenAPI `CreateRichMenuAliasRequest`).
"""

import struct
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeGuard

from bot.faq.source import Problem, SourceMap, scan, toml_problem
from bot.lang import DEFAULT_LANG, LANGS, Lang
from bot.line_limits import MAX_DATA_CHARS, MAX_LABEL_CHARS, utf16_length

NAME_PREFIX = "clinic-bot:"  # rich menu names `clinic-bot:ja`: ours, replaced on each apply
ALIAS_PREFIX = "clinic-bot-"  # alias ids `clinic-bot-ja`, `clinic-bot-en`

MIN_WIDTH, MAX_WIDTH, MIN_HEIGHT, MIN_RATIO = 800, 2500, 250, 1.45
MAX_IMAGE_BYTES = (
    1_000_000  # "1 MB"; counted in decimal so that a file LINE might refuse never passes
)
MAX_AREAS = 20
MAX_CHAT_BAR = 14

POSTBACKS = "topic=<topic id>, menu=1, staff=asked or staff=<topic id>"


@dataclass(frozen=True)
class Bounds:
    """A tappable rectangle, in pixels of the image from its top-left corner."""

    x: int
    y: int
    width: int
    height: int

    def overlaps(self, other: "Bounds") -> bool:
        """Whether the two share any pixel (touching edges do not)."""
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )


@dataclass(frozen=True)
class Area:
    """One area of the file: where, what a tap posts (None: switch language), its labels."""

    name: str
    bounds: Bounds
    postback: str | None
    labels: tuple[tuple[Lang, str], ...]

    def label(self, lang: Lang) -> str:
        """The label shown on `lang`'s menu."""
        return dict(self.labels)[lang]


@dataclass(frozen=True)
class RichMenuConfig:
    """`config/richmenu.toml`, checked."""

    path: Path
    width: int
    height: int
    chat_bar: tuple[tuple[Lang, str], ...]
    images: tuple[tuple[Lang, Path], ...]  # resolved against the file's folder
    areas: tuple[Area, ...]
    open: bool = True  # LINE's `selected`: the menu is shown open when the chat opens

    def image(self, lang: Lang) -> Path:
        """The image file of `lang`'s menu."""
        return dict(self.images)[lang]


@dataclass(frozen=True)
class MenuArea:
    """One area as LINE gets it: a postback, or for `switch_to` a richmenuswitch to that alias
    (which posts `data` as well)."""

    bounds: Bounds
    label: str
    data: str
    switch_to: str | None = None


@dataclass(frozen=True)
class Menu:
    """One language's rich menu, ready to be sent (`channels.line_richmenu`)."""

    lang: Lang
    name: str
    alias: str
    chat_bar: str
    width: int
    height: int
    areas: tuple[MenuArea, ...]


class RichMenuError(Exception):
    """The rich menu file has errors; `problems` lists every one with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


class ImageError(ValueError):
    """An image LINE would refuse; the message is one line naming the file."""


def alias_for(lang: Lang) -> str:
    """The alias id of `lang`'s menu, which the other menu's language area switches to."""
    return f"{ALIAS_PREFIX}{lang}"


def is_ours(name: str) -> bool:
    """Whether a rich menu on the channel was made by `richmenu apply` (by its name)."""
    return name.startswith(NAME_PREFIX)


def other(lang: Lang) -> Lang:
    return "en" if lang == "ja" else "ja"


def menus(config: RichMenuConfig) -> tuple[Menu, ...]:
    """The menus to create, the default language's first."""
    ordered = (DEFAULT_LANG, *(lang for lang in LANGS if lang != DEFAULT_LANG))
    chat_bar = dict(config.chat_bar)
    return tuple(
        Menu(
            lang=lang,
            name=f"{NAME_PREFIX}{lang}",
            alias=alias_for(lang),
            chat_bar=chat_bar[lang],
            width=config.width,
            height=config.height,
            areas=tuple(_menu_area(area, lang) for area in config.areas),
        )
        for lang in ordered
    )


def _menu_area(area: Area, lang: Lang) -> MenuArea:
    if area.postback is not None:
        return MenuArea(area.bounds, area.label(lang), area.postback)
    target = other(lang)
    return MenuArea(area.bounds, area.label(lang), f"lang={target}", switch_to=alias_for(target))


# --- loading and checking the file ------------------------------------------------------------


def load(
    path: Path, topics: Collection[str] | None = None, *, images_exist: bool = True
) -> RichMenuConfig:
    """Read and check the file, or raise `RichMenuError` naming every problem. With `topics`
    (the FAQ's topic ids) `topic=` areas must name one of them; `images_exist=False` is for the
    script that draws the images."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise RichMenuError([Problem(path, 0, f"cannot read: {err.strerror}")]) from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RichMenuError([toml_problem(path, text, err)]) from err
    checker = _Checker(path, scan(text), topics, images_exist=images_exist)
    config = checker.config(data)
    if checker.problems or config is None:
        raise RichMenuError(sorted(checker.problems, key=lambda p: p.line))
    return config


class _Checker:
    """Collects the problems of one file while building its parts."""

    def __init__(
        self, path: Path, source: SourceMap, topics: Collection[str] | None, *, images_exist: bool
    ) -> None:
        self.path = path
        self.source = source
        self.topics = topics
        self.images_exist = images_exist
        self.problems: list[Problem] = []

    def add(self, key: tuple[str | int, ...], message: str) -> None:
        self.problems.append(Problem(self.path, self.source.line(key), message))

    def config(self, data: dict[str, Any]) -> RichMenuConfig | None:
        for key in data:
            if key not in ("menu", "area"):
                self.add((key,), f"unknown table {key!r} (expected [menu] and [area.<name>])")
        menu = data.get("menu")
        if not isinstance(menu, dict):
            self.add(("menu",), "missing [menu] table")
            menu = {}
        self.unknown_keys(("menu",), menu, ("size", "chat_bar", "image", "open"))
        opened = menu.get("open", True)
        if not isinstance(opened, bool):
            self.add(("menu", "open"), "menu.open: must be true or false")
        size = self.size(menu.get("size"))
        chat_bar = self.texts(("menu", "chat_bar"), menu.get("chat_bar"), MAX_CHAT_BAR)
        images = self.images(menu.get("image"))
        areas = self.areas(data.get("area"), size)
        if size is None or chat_bar is None or images is None or areas is None:
            return None
        return RichMenuConfig(
            self.path, size[0], size[1], chat_bar, images, areas, open=opened is not False
        )

    def unknown_keys(
        self, where: tuple[str, ...], table: dict[str, Any], known: Sequence[str]
    ) -> None:
        for key in table:
            if key not in known:
                self.add((*where, key), f"{'.'.join(where)}: unknown key {key!r}")

    def size(self, value: object) -> tuple[int, int] | None:
        key = ("menu", "size")
        if not _ints(value, 2):
            self.add(key, "menu.size: must be [width, height] in pixels, e.g. [2500, 1686]")
            return None
        width, height = value
        if not MIN_WIDTH <= width <= MAX_WIDTH:
            self.add(key, f"menu.size: width {width}: LINE needs {MIN_WIDTH} to {MAX_WIDTH} px")
        elif height < MIN_HEIGHT:
            self.add(key, f"menu.size: height {height}: LINE needs at least {MIN_HEIGHT} px")
        elif width / height < MIN_RATIO:
            self.add(
                key,
                f"menu.size: {width}x{height} is too tall: LINE needs width / height of at "
                f"least {MIN_RATIO} (e.g. 2500x1686 or 2500x843)",
            )
        else:
            return width, height
        return None

    def texts(
        self, key: tuple[str, ...], value: object, limit: int
    ) -> tuple[tuple[Lang, str], ...] | None:
        """A `{ ja = "...", en = "..." }` table of non-empty texts of at most `limit` characters."""
        where = ".".join(key)
        if not isinstance(value, dict):
            self.add(key, f'{where}: must be {{ ja = "...", en = "..." }}')
            return None
        self.unknown_keys(key, value, LANGS)
        found: list[tuple[Lang, str]] = []
        for lang in LANGS:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.add((*key, lang), f"{where}.{lang}: missing or empty")
            elif utf16_length(text.strip()) > limit:
                self.add(
                    (*key, lang),
                    f"{where}.{lang}: {text.strip()!r} is {utf16_length(text.strip())} "
                    f"characters; LINE allows {limit}",
                )
            else:
                found.append((lang, text.strip()))
        return tuple(found) if len(found) == len(LANGS) else None

    def images(self, value: object) -> tuple[tuple[Lang, Path], ...] | None:
        key = ("menu", "image")
        if not isinstance(value, dict):
            self.add(key, 'menu.image: must be { ja = "richmenu-ja.png", en = "richmenu-en.png" }')
            return None
        self.unknown_keys(key, value, LANGS)
        found: list[tuple[Lang, Path]] = []
        for lang in LANGS:
            name = value.get(lang)
            if not isinstance(name, str) or not name.strip():
                self.add((*key, lang), f"menu.image.{lang}: missing or empty")
                continue
            image = self.path.parent / name.strip()
            if self.images_exist and not image.is_file():
                self.add((*key, lang), f"menu.image.{lang}: no file {image}")
                continue
            found.append((lang, image))
        return tuple(found) if len(found) == len(LANGS) else None

    def areas(self, value: object, size: tuple[int, int] | None) -> tuple[Area, ...] | None:
        if not isinstance(value, dict) or not value:
            self.add(("area",), "no areas: add [area.<name>] tables")
            return None
        first = ("area", next(iter(value)))  # problems of all areas point at the first one
        if len(value) > MAX_AREAS:
            self.add(first, f"{len(value)} areas; LINE allows {MAX_AREAS}")
        before = len(self.problems)
        areas = [self.area(name, table, size) for name, table in value.items()]
        found = [area for area in areas if area is not None]
        switches = [area for area in found if area.postback is None]
        if len(switches) != 1 and len(found) == len(areas):
            self.add(
                first,
                f"{len(switches)} areas have switch_language = true; exactly one must "
                "(patients switch between the Japanese and the English menu with it)",
            )
        for i, earlier in enumerate(found):
            for later in found[i + 1 :]:
                if earlier.bounds.overlaps(later.bounds):  # a tap must mean one thing
                    self.add(
                        ("area", later.name, "bounds"),
                        f"area.{later.name}.bounds: overlaps area.{earlier.name}",
                    )
        if len(self.problems) > before or len(found) != len(areas):
            return None
        return tuple(found)

    def area(self, name: str, table: object, size: tuple[int, int] | None) -> Area | None:
        key = ("area", name)
        where = f"area.{name}"
        if not isinstance(table, dict):
            self.add(key, f"{where}: must be a table [area.{name}]")
            return None
        self.unknown_keys(key, table, ("bounds", "postback", "switch_language", "label"))
        bounds = self.bounds(where, key, table.get("bounds"), size)
        labels = self.texts((*key, "label"), table.get("label"), MAX_LABEL_CHARS)
        postback = table.get("postback")
        switch = table.get("switch_language", False)
        if not isinstance(switch, bool):
            self.add((*key, "switch_language"), f"{where}.switch_language: must be true or false")
            return None
        if switch == (postback is not None):
            self.add(key, f'{where}: give either postback = "..." or switch_language = true')
            return None
        if postback is not None and not self.postback(where, (*key, "postback"), postback):
            return None
        if bounds is None or labels is None:
            return None
        return Area(name, bounds, postback if isinstance(postback, str) else None, labels)

    def bounds(
        self, where: str, key: tuple[str, ...], value: object, size: tuple[int, int] | None
    ) -> Bounds | None:
        key = (*key, "bounds")
        if not _ints(value, 4):
            self.add(key, f"{where}.bounds: must be [x, y, width, height] in pixels")
            return None
        bounds = Bounds(*value)
        if bounds.x < 0 or bounds.y < 0 or bounds.width < 1 or bounds.height < 1:
            self.add(key, f"{where}.bounds: x and y must be 0 or more, width and height 1 or more")
            return None
        if size and (bounds.x + bounds.width > size[0] or bounds.y + bounds.height > size[1]):
            self.add(
                key,
                f"{where}.bounds: reaches {bounds.x + bounds.width}x{bounds.y + bounds.height}, "
                f"outside the {size[0]}x{size[1]} menu",
            )
            return None
        return bounds

    def postback(self, where: str, key: tuple[str, ...], value: object) -> bool:
        """Whether `value` is data the bot acts on as its label says (`decide_postback`)."""
        if not isinstance(value, str):
            self.add(key, f"{where}.postback: must be a string")
            return False
        field, _, argument = value.partition("=")
        known = self.topics is None or argument in self.topics
        if field == "lang":
            problem = "use switch_language = true, which also switches the menu"
        elif len(value) > MAX_DATA_CHARS:
            problem = f"{len(value)} characters; LINE allows {MAX_DATA_CHARS}"
        elif field == "topic" and argument and known:
            return True
        elif field == "topic" and argument:
            problem = f"no FAQ topic {argument!r}"
        elif value in {"menu=1", "staff=asked"} or (field == "staff" and argument and known):
            return True
        else:
            problem = f"the bot does not understand {value!r}; use {POSTBACKS}"
        self.add(key, f"{where}.postback: {problem}")
        return False


def _ints(value: object, count: int) -> TypeGuard[list[int]]:
    """Whether `value` is a list of `count` whole numbers (TOML booleans are not)."""
    return (
        isinstance(value, list)
        and len(value) == count
        and all(isinstance(item, int) and not isinstance(item, bool) for item in value)
    )


def problems(path: Path, topics: Collection[str] | None = None) -> list[Problem]:
    """Every problem of the file, for `richmenu check`: [] when it loads."""
    try:
        load(path, topics)
    except RichMenuError as err:
        return err.problems
    return []


# --- images ---------------------------------------------------------------------------------

ImageKind = Literal["png", "jpeg"]

_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (they carry the size); C4, C8 and CC share the range but are not.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class ImageInfo:
    """What LINE checks of a rich menu image."""

    kind: ImageKind
    width: int
    height: int
    size: int  # bytes

    @property
    def content_type(self) -> str:
        """The Content-Type of the upload."""
        return f"image/{self.kind}"


def inspect_image(data: bytes) -> ImageInfo:
    """Kind and pixel size from the file's header; `ImageError` when it is neither PNG nor JPEG.

    Headers only, with the standard library: the server needs no imaging package for this."""
    if data.startswith(_PNG) and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("png", width, height, len(data))
    if data.startswith(b"\xff\xd8"):
        size = _jpeg_size(data)
        if size is None:
            raise ImageError("a JPEG file without a readable size")
        return ImageInfo("jpeg", size[0], size[1], len(data))
    raise ImageError("not a PNG or JPEG image (LINE accepts only those)")


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the first start-of-frame segment."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def check_image(path: Path, width: int, height: int) -> ImageInfo:
    """The image's facts when LINE will take it for a `width` x `height` menu; otherwise
    `ImageError` with one line, `path: what is wrong`."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ImageError(f"{path}: cannot read: {err.strerror}") from err
    try:
        info = inspect_image(data)
    except ImageError as err:
        raise ImageError(f"{path}: {err}") from err
    if info.size > MAX_IMAGE_BYTES:
        raise ImageError(
            f"{path}: {info.size:,} bytes; LINE accepts at most 1 MB ({MAX_IMAGE_BYTES:,} bytes)"
        )
    if (info.width, info.height) != (width, height):
        raise ImageError(
            f"{path}: {info.width}x{info.height} pixels, but the menu is {width}x{height} "
            "(menu.size in the rich menu file)"
        )
    return info


def images_from_arguments(config: RichMenuConfig, arguments: Sequence[str]) -> Mapping[Lang, Path]:
    """The image of each language: the file's, unless given as `LANG=PATH` (one language) or
    `PATH` (every language, e.g. one bilingual picture). Raises ValueError for a bad argument."""
    chosen = dict(config.images)
    for argument in arguments:
        lang, sep, rest = argument.partition("=")
        if sep and lang in LANGS:
            chosen[lang] = Path(rest)
        elif sep and len(lang) <= 3 and lang.isalpha():
            raise ValueError(f"{argument}: unknown language {lang!r} (ja or en)")
        else:
            chosen = dict.fromkeys(LANGS, Path(argument))
    return chosen
