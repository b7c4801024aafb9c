"""Rich menu images: LINE's rules checked from the file header, one clear line per bad image,
and the shipped images drawn by scripts/richmenu_image.py from the shipped file."""

import importlib.util
import re
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bot import richmenu
from bot.__main__ import main
from bot.lang import Lang
from bot.richmenu import ImageError, ImageInfo, check_image, inspect_image

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "richmenu.toml"
SCRIPT = ROOT / "scripts" / "richmenu_image.py"


def png(width: int, height: int, size: int = 0) -> bytes:
    """A PNG signature and IHDR chunk (all that is read), padded to `size` bytes."""
    head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR"
    head += struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return head + b"\0" * max(0, size - len(head))


def jpeg(width: int, height: int) -> bytes:
    """SOI, a JFIF APP0 segment, a DQT-like segment and a baseline SOF0 with the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    other = b"\xff\xdb" + struct.pack(">H", 4) + b"\0\0"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + other + sof0 + b"\xff\xd9"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png(2500, 1686), ImageInfo("png", 2500, 1686, 29)),
        (jpeg(2500, 843), ImageInfo("jpeg", 2500, 843, len(jpeg(2500, 843)))),
        (b"\xff\xd8" + b"\xff\xff" + jpeg(1200, 810)[2:], ImageInfo("jpeg", 1200, 810, 43)),
    ],
    ids=["png", "jpeg", "jpeg-fill-byte"],
)
def test_kind_and_size_come_from_the_header(data: bytes, expected: ImageInfo) -> None:
    """PNG's IHDR and JPEG's start-of-frame give the pixel size without an imaging package."""
    assert inspect_image(data) == expected
    assert expected.content_type in ("image/png", "image/jpeg")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\0" * 20, "not a PNG or JPEG image (LINE accepts only those)"),
        (b"", "not a PNG or JPEG image (LINE accepts only those)"),
        (b"\xff\xd8\xff\xd9", "a JPEG file without a readable size"),
    ],
    ids=["gif", "empty", "jpeg-without-frame"],
)
def test_other_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ImageError, match=f"^{re.escape(message)}$"):
        inspect_image(data)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            png(2500, 843),
            "2500x843 pixels, but the menu is 2500x1686 (menu.size in the rich menu file)",
        ),
        (
            jpeg(1686, 2500),
            "1686x2500 pixels, but the menu is 2500x1686 (menu.size in the rich menu file)",
        ),
        (
            png(2500, 1686, size=1_000_001),
            "1,000,001 bytes; LINE accepts at most 1 MB (1,000,000 bytes)",
        ),
        (b"not an image", "not a PNG or JPEG image (LINE accepts only those)"),
    ],
    ids=["wrong-height", "portrait-jpeg", "over-1-mb", "not-an-image"],
)
def test_a_bad_image_is_one_line_naming_the_file(tmp_path: Path, data: bytes, problem: str) -> None:
    """What LINE would refuse is said before anything is sent: `path: problem`, one line."""
    path = tmp_path / "menu.png"
    path.write_bytes(data)

    with pytest.raises(ImageError) as refused:
        check_image(path, 2500, 1686)

    assert str(refused.value) == f"{path}: {problem}"
    assert "\n" not in str(refused.value)


def test_an_image_of_exactly_1_mb_passes(tmp_path: Path) -> None:
    path = tmp_path / "menu.png"
    path.write_bytes(png(2500, 1686, size=1_000_000))

    assert check_image(path, 2500, 1686).size == 1_000_000


def test_a_missing_image_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match=r"^.*nothing\.png: cannot read: No such file"):
        check_image(tmp_path / "nothing.png", 2500, 1686)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_shipped_images_fit_the_shipped_file(lang: Lang) -> None:
    """config/richmenu-{ja,en}.png are PNGs of the menu's size, far below 1 MB."""
    config = richmenu.load(CONFIG)

    info = check_image(config.image(lang), config.width, config.height)

    assert (info.kind, info.width, info.height) == ("png", 2500, 1686)
    assert info.size < 200_000


def test_check_command_passes_on_the_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m bot richmenu check` needs no token and says what it checked."""
    assert main(["richmenu", "check"]) == 0

    # CONFIG_DIR's file: config/ in the working directory (the repository's), printed as found
    checked, _, summary = capsys.readouterr().out.partition(": ok: ")
    assert Path(checked).resolve() == CONFIG.resolve()
    assert summary.startswith("2 menus of 2500x1686 with 7 areas")


def test_check_command_with_a_bad_image_prints_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One picture given for both languages and of the wrong size: one line, not two."""
    bad = tmp_path / "bilingual.png"
    bad.write_bytes(png(1200, 810))

    assert main(["richmenu", "check", str(CONFIG), str(bad)]) == 1

    assert capsys.readouterr().err == (
        f"{bad}: 1200x810 pixels, but the menu is 2500x1686 (menu.size in the rich menu file)\n"
    )


def test_check_command_refuses_an_image_in_place_of_the_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`richmenu check menu.png`: the file comes first, and the message says so."""
    assert main(["richmenu", "check", "menu.png"]) == 1

    assert "give the file first" in capsys.readouterr().err


# --- the drawing script -----------------------------------------------------------------------


def _script() -> ModuleType:
    pytest.importorskip("PIL", reason="Pillow draws the images: pip install -e '.[image]'")
    spec = importlib.util.spec_from_file_location("richmenu_image", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("richmenu_image", module)
    spec.loader.exec_module(module)
    return module


def test_script_draws_images_that_pass_the_check(tmp_path: Path) -> None:
    """The script draws both menus at the file's size, each a valid upload (skipped without
    Pillow or a Japanese font: the images are committed, only redrawing needs them)."""
    script = _script()
    if not any(path.is_file() for path, _ in script.FONTS):
        pytest.skip("no Japanese font here (Debian: fonts-noto-cjk)")

    assert script.main([str(CONFIG), "--out-dir", str(tmp_path)]) == 0

    for lang in ("ja", "en"):
        info = check_image(tmp_path / f"richmenu-{lang}.png", 2500, 1686)
        assert info.size < 200_000


def test_script_breaks_labels_where_japanese_and_english_allow() -> None:
    """Two-line layouts break at spaces, after ・, and where hiragana meets kanji or katakana."""
    script = _script()

    assert script.layouts("期待される効果") == [["期待される効果"], ["期待される", "効果"]]
    assert script.layouts("スタッフと話す") == [["スタッフと話す"], ["スタッフと", "話す"]]
    assert script.layouts("Talk to staff") == [
        ["Talk to staff"],
        ["Talk", "to staff"],
        ["Talk to", "staff"],
    ]
