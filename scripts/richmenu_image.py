"""Draw the rich menu images (`config/richmenu-ja.png`, `-en.png`) from `config/richmenu.toml`.

The words patients tap are in the picture, so the picture must follow the file: each area is a
tile at its `bounds`, with its label in that menu's language. Run it after changing a label or
an area, then `python -m bot richmenu check`, and commit the images with the file.

    .venv/bin/pip install -e '.[image]'          # Pillow; only this script needs it
    .venv/bin/python scripts/richmenu_image.py [CONFIG] [--font FONT] [--out-dir DIR]

Japanese needs a font with kana and kanji. Without --font the script takes the first of
`FONTS` it finds (Noto Sans CJK from Debian's fonts-noto-cjk, IPAex Gothic, or macOS's
Hiragino); the shipped images were drawn with Noto Sans CJK JP Bold. Output is a palette PNG,
far below LINE's 1 MB limit, checked with the same `check_image` that `apply` uses.
"""

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.lang import Lang
from bot.richmenu import Area, ImageError, RichMenuConfig, RichMenuError, check_image, load

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "richmenu.toml"
FONTS: tuple[tuple[Path, int], ...] = (  # (file, face index in a collection)
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"), 0),  # 0: the JP face
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 0),
    (Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"), 0),
    (Path("/System/Library/Fonts/ヒラギノ角ゴシック W6.ttc"), 0),
)
PALETTE_COLOURS = 64  # flat tiles and anti-aliased text need few; keeps the file small
GAP = 12  # pixels between tiles
PADDING = 48  # pixels between a tile's edge and its text
MAX_TEXT = 150  # pixels: the largest label text
MIN_TEXT = 40  # pixels: below this a label is unreadable on a phone; long labels still get it
LINE_SPACING = 1.15


@dataclass(frozen=True)
class Style:
    """How one kind of tile looks."""

    fill: str
    text: str


BACKGROUND = "#ffffff"
STYLES = {
    "topic": Style("#e3f1ee", "#1d4944"),
    "menu": Style("#e7ecf5", "#22385b"),
    "staff": Style("#fbe8d8", "#713a10"),
    "language": Style("#2f5d62", "#ffffff"),
}


def kind(area: Area) -> str:
    """The tile style of an area, by what it does."""
    if area.postback is None:
        return "language"
    return (
        area.postback.partition("=")[0]
        if area.postback.startswith(("menu=", "staff="))
        else "topic"
    )


def find_font(given: Path | None) -> tuple[Path, int]:
    """The font to draw with: `given`, else the first of `FONTS` on this machine."""
    if given is not None:
        return given, 0
    for path, index in FONTS:
        if path.is_file():
            return path, index
    raise SystemExit(
        "no Japanese font found; install one (Debian: apt-get install fonts-noto-cjk) or pass "
        "--font PATH"
    )


def _breaks(label: str) -> list[int]:
    """Where a label may break: at a space, after "・", or where hiragana (a particle or
    okurigana) meets a kanji or katakana (期待される|効果, スタッフと|話す)."""
    found = []
    for i in range(1, len(label)):
        before, after = label[i - 1], label[i]
        if after == " " or before == "・" or (_hiragana(before) and not _hiragana(after)):
            found.append(i)
    return found


def _hiragana(char: str) -> bool:
    return "\u3041" <= char <= "\u309f"


def layouts(label: str) -> list[list[str]]:
    """The label on one line, then broken in two at each place it may break."""
    return [[label]] + [[label[:i].strip(), label[i:].strip()] for i in _breaks(label)]


def _face(font: tuple[Path, int], size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font[0]), size, index=font[1])


def _fits(lines: list[str], face: ImageFont.FreeTypeFont, width: int, height: int) -> bool:
    widest = max(face.getlength(line) for line in lines)
    return widest <= width and face.size * LINE_SPACING * len(lines) <= height


def largest(label: str, font: tuple[Path, int], width: int, height: int) -> int:
    """The largest text size (at most `MAX_TEXT`) at which some layout of `label` fits."""
    for size in range(MAX_TEXT, MIN_TEXT - 1, -2):
        if any(_fits(lines, _face(font, size), width, height) for lines in layouts(label)):
            return size
    return MIN_TEXT


def draw_menu(config: RichMenuConfig, lang: Lang, font: tuple[Path, int]) -> Image.Image:
    """One language's picture: a tile per area with its label centred, all labels the same
    size (the largest at which every one fits), on one line where that fits."""
    image = Image.new("RGB", (config.width, config.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    inner = {
        a.name: (a.bounds.width - 2 * PADDING, a.bounds.height - 2 * PADDING) for a in config.areas
    }
    size = min(largest(a.label(lang), font, *inner[a.name]) for a in config.areas)
    face = _face(font, size)
    for area in config.areas:
        style = STYLES[kind(area)]
        b = area.bounds
        box = (b.x + GAP, b.y + GAP, b.x + b.width - GAP - 1, b.y + b.height - GAP - 1)
        draw.rounded_rectangle(box, radius=36, fill=style.fill)
        options = layouts(area.label(lang))
        lines = next((o for o in options if _fits(o, face, *inner[area.name])), options[-1])
        step = size * LINE_SPACING
        top = b.y + b.height / 2 - step * (len(lines) - 1) / 2
        for i, line in enumerate(lines):
            centre = (b.x + b.width / 2, top + i * step)
            draw.text(centre, line, font=face, fill=style.text, anchor="mm")
    return image


def write(image: Image.Image, path: Path) -> None:
    """A palette PNG: flat colours compress to a few tens of kilobytes."""
    palette = image.quantize(
        colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    palette.save(path, format="PNG", optimize=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Draw both images; returns the exit code (1: the file or an image is wrong)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, default=CONFIG)
    parser.add_argument("--font", type=Path, help="a TrueType/OpenType font with Japanese")
    parser.add_argument("--out-dir", type=Path, help="write here instead of the file's image paths")
    args = parser.parse_args(argv)
    try:
        config = load(args.config, images_exist=False)
    except RichMenuError as err:
        sys.stderr.write(f"{err}\n")
        return 1
    font = find_font(args.font)
    for lang, target in config.images:
        path = args.out_dir / target.name if args.out_dir else target
        write(draw_menu(config, lang, font), path)
        try:
            info = check_image(path, config.width, config.height)
        except ImageError as err:
            sys.stderr.write(f"{err}\n")
            return 1
        sys.stdout.write(f"{path}: {info.width}x{info.height}, {info.size:,} bytes\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
