"""The clinic's facts file: the shipped placeholders load, every problem names its line."""

from pathlib import Path

from bot import clinic

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_file_loads_and_its_placeholders_are_warned_about() -> None:
    facts = clinic.load(ROOT / "config" / "clinic.toml")
    assert facts.medical_advice_line == "#7119"
    assert {"name", "phone", "after_hours_phone", "privacy_policy_url"} <= set(facts.placeholders())
    assert "unapproved.en.foreign_safety" in facts.placeholders()
    assert facts.disclosure("ja").product_source.startswith("PLACEHOLDER")
    warnings = clinic.problems(ROOT / "config" / "clinic.toml")
    assert all(p.severity == "warning" and p.line > 1 for p in warnings)


def test_every_bad_value_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text(
        '[clinic]\nname = "Aoba Clinic"\nphone = "call us"\nafter_hours_phone = ""\n'
        'prefecture = "Tokyo"\nmedical_advice_line = "#7119"\ncolour = "blue"\n'
        'privacy_policy_url = "http://aoba.jp/privacy"\nbooking_url = "https://aoba.jp/book"\n'
        '[unapproved.ja]\nproduct_source = "国内の製造元から購入"\napproved_equivalent = ""\n'
        'foreign_safety = "海外でも承認された製剤はありません"\n'
        '[unapproved.fr]\nproduct_source = "x"\n',
        encoding="utf-8",
    )
    found = {(p.line, p.message.split(":")[0]) for p in clinic.problems(path)}
    assert found == {
        (3, "clinic.phone"),
        (5, "clinic.prefecture"),
        (7, "unknown key 'colour'"),
        (8, "clinic.privacy_policy_url"),
        (12, "unapproved.ja.approved_equivalent"),
        (10, "missing [unapproved.en] table"),
        (14, "unknown language 'fr'"),
    }


def test_real_values_load_and_leave_no_placeholder(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    disclosure = 'product_source = "a"\napproved_equivalent = "b"\nforeign_safety = "c"\n'
    path.write_text(
        '[clinic]\nname = "Aoba Clinic"\nphone = "03-1234-5678"\nafter_hours_phone = ""\n'
        'prefecture = "大阪府"\nmedical_advice_line = "#7119"\n'
        'privacy_policy_url = "https://aoba.jp/privacy"\nbooking_url = "https://aoba.jp/book"\n'
        f"[unapproved.ja]\n{disclosure}[unapproved.en]\n{disclosure}",
        encoding="utf-8",
    )
    facts = clinic.load(path)
    assert facts.placeholders() == [] and clinic.problems(path) == []
    assert facts.disclosure("en").approved_equivalent == "b"


def test_a_syntax_error_is_one_line_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text('[clinic]\nphone = "03-1234-5678\n', encoding="utf-8")
    (problem,) = clinic.problems(path)
    assert problem.severity == "error" and problem.line == 2
