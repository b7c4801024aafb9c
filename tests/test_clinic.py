"""The clinic's facts file: the shipped placeholders load, every problem names its line."""

from pathlib import Path

from bot import clinic

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_file_loads_and_its_placeholders_are_warned_about() -> None:
    facts = clinic.load(ROOT / "config" / "clinic.toml")
    assert facts.medical_advice_line == "#7119"
    assert set(facts.placeholders()) == {"name", "phone", "after_hours_phone"}
    warnings = clinic.problems(ROOT / "config" / "clinic.toml")
    assert all(p.severity == "warning" and p.line > 1 for p in warnings)


def test_every_bad_value_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text(
        '[clinic]\nname = "Aoba Clinic"\nphone = "call us"\nafter_hours_phone = ""\n'
        'prefecture = "Tokyo"\nmedical_advice_line = "#7119"\ncolour = "blue"\n',
        encoding="utf-8",
    )
    found = {(p.line, p.message.split(":")[0]) for p in clinic.problems(path)}
    assert found == {(3, "clinic.phone"), (5, "clinic.prefecture"), (7, "unknown key 'colour'")}


def test_a_syntax_error_is_one_line_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text('[clinic]\nphone = "03-1234-5678\n', encoding="utf-8")
    (problem,) = clinic.problems(path)
    assert problem.severity == "error" and problem.line == 2
