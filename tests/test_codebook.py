"""Codebook loading, validation errors that name file/theme/field/line, saving and helpers."""

from __future__ import annotations

import pytest

from insightkit.codebook import Codebook, CodebookError, Theme, slugify_id
from insightkit.errors import InputError

DEFAULT_IDS = ["epr", "infrastructure_cyber", "data", "strategy", "productivity", "skills"]

GOOD = """\
name: Test book
themes:
  - id: alpha
    label: Alpha
    description: First theme.
    includes: [one cue]
  - id: beta
    label: Beta
    description: Second theme.
"""


def write(tmp_path, text, name="cb.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_default_codebook_has_the_six_themes_with_cues():
    cb = Codebook.default()
    assert cb.ids == DEFAULT_IDS
    for theme in cb:
        assert len(theme.description.split()) >= 15
        assert theme.includes and theme.excludes and theme.examples
    assert "epr" in cb and "nonsense" not in cb
    assert cb.theme("data").label.lower().startswith("using data")


def test_load_and_round_trip(tmp_path):
    cb = Codebook.load(write(tmp_path, GOOD))
    assert cb.ids == ["alpha", "beta"]
    assert cb.theme("alpha").includes == ("one cue",)
    assert cb.theme("beta").includes == ()
    again = Codebook.load(cb.save(tmp_path / "out" / "copy.yaml"))
    assert again == cb
    assert Codebook.from_yaml(Codebook.default().to_yaml()) == Codebook.default()


def test_prototypes_start_with_label_and_description():
    t = Theme(id="x", label="X", description="Desc.", includes=("a",), examples=("b",))
    assert t.prototypes() == ["X. Desc.", "a", "b"]


@pytest.mark.parametrize(
    "text, needle, line",
    [
        (GOOD.replace("descriptoin", "x").replace("    description: Second theme.", "    descripton: Second theme."),
         "theme 'beta': unknown field(s) 'descripton'", 9),
        (GOOD.replace("id: beta", "id: alpha"), "theme 'alpha': duplicate id", 7),
        (GOOD.replace("id: beta", "id: Beta Theme"), "field 'id' must be lower-case", 7),
        (GOOD.replace("description: First theme.", "description: ''"), "theme 'alpha': field 'description'", 5),
        (GOOD.replace("includes: [one cue]", "includes: one cue"), "theme 'alpha': field 'includes' must be a list", 6),
        (GOOD.replace("includes: [one cue]", "includes: [one cue, 3]"), "field 'includes' item 2", None),
        (GOOD.replace("name: Test book", "nme: Test book"), "unknown top-level key(s) 'nme'", 1),
        ("name: x\nthemes: []\n", "'themes' must be a non-empty list", 2),
        ("- just\n- a list\n", "must be a mapping", None),
    ],
)
def test_validation_errors_name_file_theme_field_and_line(tmp_path, text, needle, line):
    p = write(tmp_path, text)
    with pytest.raises(CodebookError) as err:
        Codebook.load(p)
    msg = str(err.value)
    assert str(p) in msg
    assert needle in msg
    if line is not None:
        assert err.value.line == line, msg
    assert isinstance(err.value, InputError)  # the CLI prints it as one line, exit code 2


def test_invalid_yaml_and_missing_file(tmp_path):
    p = write(tmp_path, "name: x\nthemes:\n  - id: a\n   label: [unclosed\n")
    with pytest.raises(CodebookError, match="not valid YAML") as err:
        Codebook.load(p)
    assert err.value.line is not None
    with pytest.raises(CodebookError, match="not found"):
        Codebook.load(tmp_path / "nope.yaml")


def test_from_labels_makes_valid_unique_ids():
    cb = Codebook.from_labels(["Staff manner & attributes", "Staff manner / attributes", "1st contact"])
    assert cb.ids == ["staff_manner_attributes", "staff_manner_attributes_2", "t_1st_contact"]
    assert cb.theme("t_1st_contact").label == "1st contact"
    assert slugify_id("  ") == "theme"


def test_column_for_accepts_id_or_exact_label():
    cb = Codebook.from_labels(["Parking & access"])
    assert cb.column_for("parking_access", ["text", "parking_access"]) == "parking_access"
    assert cb.column_for("parking_access", ["text", "Parking & access"]) == "Parking & access"
    assert cb.column_for("parking_access", ["text"]) is None
