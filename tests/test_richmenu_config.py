"""config/richmenu.toml: the shipped file is valid, its taps do what their labels say, and every
mistake an admin can make is one `file:line: message`."""

from pathlib import Path

import pytest

from bot import richmenu
from bot.core.decision import Kind, State
from bot.core.knowledge import Knowledge
from bot.lang import Lang
from bot.pipeline.plan_line import decide_postback
from bot.richmenu import RichMenuError

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "richmenu.toml"


@pytest.fixture(name="shipped", scope="module")
def _shipped(knowledge: Knowledge) -> richmenu.RichMenuConfig:
    return richmenu.load(CONFIG, knowledge.faq.topics)


def test_shipped_file_is_valid_against_the_faq(shipped: richmenu.RichMenuConfig) -> None:
    """Two menus of LINE's large size, seven areas covering the whole picture."""
    assert (shipped.width, shipped.height, len(shipped.areas)) == (2500, 1686, 7)
    covered = sum(a.bounds.width * a.bounds.height for a in shipped.areas)
    assert covered == shipped.width * shipped.height
    assert [m.lang for m in richmenu.menus(shipped)] == ["ja", "en"]


# What each area's tap must make the bot do, from either menu: (kind, intent, language after).
EXPECTED = {
    "cost": (Kind.ANSWER, "cost"),
    "side_effects": (Kind.ANSWER, "side_effects"),
    "effects": (Kind.ANSWER, "effects"),
    "consultation": (Kind.ANSWER, "consultation"),
    "staff": (Kind.HANDOFF, "handoff"),
    "topics": (Kind.GREETING, "menu"),
    "language": (Kind.LANGUAGE, "language"),
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_area_is_decided_as_its_label_says(
    shipped: richmenu.RichMenuConfig, knowledge: Knowledge, lang: Lang
) -> None:
    """Each area's postback, through `decide_postback` as a tap on LINE is: topics answer,
    staff hands off, menu=1 lists topics, and the language area switches to the other
    language (never the silent menu fallback that unknown data gets)."""
    [menu] = [m for m in richmenu.menus(shipped) if m.lang == lang]
    state = State(lang=lang)

    decided = {
        area.name: decide_postback(menu_area.data, lang, state, knowledge)
        for area, menu_area in zip(shipped.areas, menu.areas, strict=True)
    }

    assert {name: (d.kind, d.intent) for name, d in decided.items()} == EXPECTED
    other = "en" if lang == "ja" else "ja"
    assert decided["language"].state.lang == other
    assert decided["language"].lang == other
    assert {d.lang for name, d in decided.items() if name != "language"} == {lang}


def test_language_area_switches_to_the_other_menus_alias(
    shipped: richmenu.RichMenuConfig,
) -> None:
    """The Japanese menu's English area leads to the English menu's alias and back."""
    ja, en = richmenu.menus(shipped)

    assert (ja.areas[-1].label, ja.areas[-1].data, ja.areas[-1].switch_to) == (
        "English",
        "lang=en",
        en.alias,
    )
    assert (en.areas[-1].label, en.areas[-1].data, en.areas[-1].switch_to) == (
        "日本語",
        "lang=ja",
        ja.alias,
    )
    assert (ja.name, ja.alias, en.name, en.alias) == (
        "clinic-bot:ja",
        "clinic-bot-ja",
        "clinic-bot:en",
        "clinic-bot-en",
    )
    assert all(a.switch_to is None for a in ja.areas[:-1])


def test_only_our_names_are_ours() -> None:
    """`apply` deletes menus named clinic-bot:<lang>, never a look-alike."""
    assert richmenu.is_ours("clinic-bot:ja")
    assert not richmenu.is_ours("clinic-bot ja")
    assert not richmenu.is_ours("Spring campaign")
    assert not richmenu.is_ours("my clinic-bot:ja")


# --- mistakes ---------------------------------------------------------------------------------

HEAD = """\
[menu]
size = [2500, 843]
chat_bar = { ja = "メニュー", en = "Menu" }
image = { ja = "ja.png", en = "en.png" }

[area.cost]
bounds = [0, 0, 1250, 843]
postback = "topic=cost"
label = { ja = "費用", en = "Cost" }
"""
LANGUAGE = """
[area.language]
bounds = [1250, 0, 1250, 843]
switch_language = true
label = { ja = "English", en = "日本語" }
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "richmenu.toml"
    path.write_text(text, encoding="utf-8")
    for name in ("ja.png", "en.png"):
        (tmp_path / name).write_bytes(b"")
    return path


def _problems(tmp_path: Path, text: str, topics: tuple[str, ...] = ("cost", "safety")) -> list[str]:
    path = _write(tmp_path, text)
    with pytest.raises(RichMenuError) as failed:
        richmenu.load(path, topics)
    return [str(p).removeprefix(f"{path}:") for p in failed.value.problems]


def test_minimal_valid_file_loads(tmp_path: Path) -> None:
    """The base the mistakes below start from is itself valid."""
    config = richmenu.load(_write(tmp_path, HEAD + LANGUAGE), ("cost",))

    assert [a.name for a in config.areas] == ["cost", "language"]
    assert config.image("en") == tmp_path / "en.png"
    assert config.open is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            HEAD.replace("[2500, 843]", "[2500, 1800]") + LANGUAGE,
            [
                "2: menu.size: 2500x1800 is too tall: LINE needs width / height of at least "
                "1.45 (e.g. 2500x1686 or 2500x843)"
            ],
            id="aspect-ratio",
        ),
        pytest.param(
            HEAD.replace("[2500, 843]", "[3000, 843]") + LANGUAGE,
            ["2: menu.size: width 3000: LINE needs 800 to 2500 px"],
            id="too-wide",
        ),
        pytest.param(
            HEAD.replace("[2500, 843]", '"2500x843"') + LANGUAGE,
            ["2: menu.size: must be [width, height] in pixels, e.g. [2500, 1686]"],
            id="size-not-a-pair",
        ),
        pytest.param(
            HEAD.replace('en = "Menu"', 'en = "Tap here for the menu"') + LANGUAGE,
            ["3: menu.chat_bar.en: 'Tap here for the menu' is 21 characters; LINE allows 14"],
            id="chat-bar-too-long",
        ),
        pytest.param(
            HEAD.replace('en = "en.png"', 'en = "missing.png"') + LANGUAGE,
            ["4: menu.image.en: no file {dir}/missing.png"],
            id="image-missing",
        ),
        pytest.param(
            HEAD.replace('"topic=cost"', '"topic=costs"') + LANGUAGE,
            ["8: area.cost.postback: no FAQ topic 'costs'"],
            id="unknown-topic",
        ),
        pytest.param(
            HEAD.replace('"topic=cost"', '"price"') + LANGUAGE,
            [
                "8: area.cost.postback: the bot does not understand 'price'; use "
                "topic=<topic id>, menu=1, staff=asked or staff=<topic id>"
            ],
            id="unknown-postback",
        ),
        pytest.param(
            HEAD.replace('"topic=cost"', '"lang=en"') + LANGUAGE,
            ["8: area.cost.postback: use switch_language = true, which also switches the menu"],
            id="lang-postback",
        ),
        pytest.param(
            HEAD.replace('en = "Cost"', 'en = "How much does the treatment cost"') + LANGUAGE,
            [
                "9: area.cost.label.en: 'How much does the treatment cost' is 32 characters; "
                "LINE allows 20"
            ],
            id="label-too-long",
        ),
        pytest.param(
            HEAD.replace('label = { ja = "費用", en = "Cost" }', 'label = { ja = "費用" }')
            + LANGUAGE,
            ["9: area.cost.label.en: missing or empty"],
            id="label-missing-language",
        ),
        pytest.param(
            HEAD.replace("[0, 0, 1250, 843]", "[0, 0, 1300, 843]") + LANGUAGE,
            ["12: area.language.bounds: overlaps area.cost"],
            id="overlap",
        ),
        pytest.param(
            HEAD + LANGUAGE.replace("[1250, 0, 1250, 843]", "[1250, 0, 1260, 843]"),
            ["12: area.language.bounds: reaches 2510x843, outside the 2500x843 menu"],
            id="outside",
        ),
        pytest.param(
            HEAD,
            [
                "6: 0 areas have switch_language = true; exactly one must (patients switch "
                "between the Japanese and the English menu with it)"
            ],
            id="no-language-area",
        ),
        pytest.param(
            HEAD.replace(
                'postback = "topic=cost"', 'postback = "topic=cost"\nswitch_language = true'
            )
            + LANGUAGE,
            ['6: area.cost: give either postback = "..." or switch_language = true'],
            id="both-actions",
        ),
        pytest.param(
            HEAD.replace("[area.cost]", "[area.cost]\ncolour = 'red'") + LANGUAGE,
            ["7: area.cost: unknown key 'colour'"],
            id="unknown-key",
        ),
        pytest.param(
            "[menus]\n" + HEAD + LANGUAGE,
            ["1: unknown table 'menus' (expected [menu] and [area.<name>])"],
            id="unknown-table",
        ),
        pytest.param(
            HEAD.replace("[0, 0, 1250, 843]", "[0, 0, 0, 843]") + LANGUAGE,
            ["7: area.cost.bounds: x and y must be 0 or more, width and height 1 or more"],
            id="zero-width",
        ),
    ],
)
def test_mistakes_are_reported_with_their_line(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    """Each mistake is one problem pointing at the line to fix."""
    assert _problems(tmp_path, text) == [e.format(dir=tmp_path) for e in expected]


def test_several_mistakes_are_reported_at_once_in_line_order(tmp_path: Path) -> None:
    """An admin fixes everything in one go: all problems, sorted by line."""
    text = HEAD.replace('en = "Menu"', 'en = ""').replace('"topic=cost"', '"topic=nope"') + LANGUAGE

    assert _problems(tmp_path, text) == [
        "3: menu.chat_bar.en: missing or empty",
        "8: area.cost.postback: no FAQ topic 'nope'",
    ]


def test_a_toml_syntax_error_is_one_line_with_its_column(tmp_path: Path) -> None:
    """Broken TOML: tomllib's message at its line and column, nothing else."""
    broken = HEAD.replace('ja = "費用", en', 'ja = "費用" en') + LANGUAGE

    assert _problems(tmp_path, broken) == ["9:21: Unclosed inline table"]


def test_staff_reason_may_name_a_topic(tmp_path: Path) -> None:
    """staff=<topic id> is what an answer's "talk to staff" posts; the card shows the topic."""
    text = HEAD.replace('"topic=cost"', '"staff=safety"') + LANGUAGE

    config = richmenu.load(_write(tmp_path, text), ("cost", "safety"))

    assert config.areas[0].postback == "staff=safety"


def test_images_from_arguments(tmp_path: Path) -> None:
    """PATH sets every language's image, LANG=PATH one; an unknown language is refused."""
    config = richmenu.load(_write(tmp_path, HEAD + LANGUAGE), ("cost",))

    assert richmenu.images_from_arguments(config, []) == {
        "ja": tmp_path / "ja.png",
        "en": tmp_path / "en.png",
    }
    assert richmenu.images_from_arguments(config, ["both.png"]) == {
        "ja": Path("both.png"),
        "en": Path("both.png"),
    }
    assert richmenu.images_from_arguments(config, ["en=x.png"])["en"] == Path("x.png")
    with pytest.raises(ValueError, match=r"fr=x\.png: unknown language 'fr'"):
        richmenu.images_from_arguments(config, ["fr=x.png"])
