"""Writing tables: spreadsheet formulas neutralised, atomic writes, round trips by extension."""

from __future__ import annotations

import pandas as pd
import pytest

from insightkit.errors import InputError
from insightkit.export import neutralise_formulas, read_table, safe_csv, write_table

DF = pd.DataFrame({
    "text": ["=HYPERLINK(\"http://x\")", "+SUM(1,2)", "-2+3", "@cmd", "\tTab", "plain", "<script>x</script>"],
    "start": [0, 1, 2, 3, 4, 5, 6],
})


def test_neutralise_formulas_prefixes_an_apostrophe():
    out = neutralise_formulas(DF)
    assert out["text"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+SUM(1,2)", "'-2+3", "'@cmd", "'\tTab", "plain",
                                    "<script>x</script>"]
    assert out["start"].tolist() == DF["start"].tolist()  # numbers untouched
    assert DF["text"].iloc[0].startswith("=")  # the input is not changed


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".parquet", ".xlsx"])
def test_round_trip_by_extension(tmp_path, ext):
    path = write_table(DF, tmp_path / f"t{ext}")
    back = read_table(path)
    assert back["text"].tolist() == DF["text"].tolist()
    assert back["start"].tolist() == DF["start"].tolist()
    assert [p.name for p in tmp_path.iterdir()] == [f"t{ext}"]  # no temporary file left behind


def test_xlsx_cells_are_text_not_formulas(tmp_path):
    import openpyxl

    write_table(DF, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("'=")


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    safe_csv(DF, path)
    before = path.read_bytes()

    def boom(self, tmp, **kwargs):
        with open(tmp, "w") as fh:
            fh.write("half a fi")
        raise RuntimeError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(RuntimeError):
        safe_csv(DF, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_unknown_output_extension(tmp_path):
    with pytest.raises(InputError, match="unsupported output type"):
        write_table(DF, tmp_path / "t.json")


def test_written_files_get_normal_permissions(tmp_path):
    import os
    import stat

    path = write_table(DF, tmp_path / "t.csv")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_neutralised_segment_text_still_replays_from_the_written_csv(tmp_path):
    # a reader checking apply_edits(source, start, end, edits) == text on the CSV saw "'=..." != "=..."
    from insightkit.alignment import apply_edits, edits_from_json

    source = "xx =HYPERLINK(\"http://x\") yy - a bullet"
    seg = pd.DataFrame({"segment_id": ["a", "b"], "text": ["=HYPERLINK(\"http://x\")", "- a bullet"],
                        "start": [3, 29], "end": [25, 39], "edits": ["[]", "[]"]})
    path = write_table(seg, tmp_path / "seg.csv")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert raw["text"].str.startswith("'").all()
    for r in raw.itertuples():
        assert apply_edits(source, int(r.start), int(r.end), edits_from_json(r.edits)) == r.text
    back = read_table(path)
    assert back["text"].tolist() == seg["text"].tolist() and back["edits"].tolist() == ["[]", "[]"]


def test_unwritable_output_is_an_input_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot write"):
        write_table(DF, blocker / "sub" / "t.csv")  # a folder cannot be made inside a file
