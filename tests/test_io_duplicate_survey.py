"""A survey saved as both CSV and XLSX in one folder is read once, with a warning and a record."""

import csv as csvmod
import warnings

import openpyxl
import pytest

from insightkit.pipeline import read

ROWS = [
    ["respondent_id", "trust_type", "progress_text"],
    ["R1", "Acute", "We finally switched the old PAS off in January and nobody misses it."],
    ["R2", "Community", "Patchy wifi in the clinics, staff still write notes up back at base."],
    ["R3", "Ambulance", "Crews have tablets now but the ePCR crashes when signal drops."],
]


def _write(folder, rows, xlsx_rows=None):
    folder.mkdir(exist_ok=True)
    csv = folder / "pulse_survey.csv"
    with open(csv, "w", encoding="utf-8", newline="") as fh:
        csvmod.writer(fh, lineterminator="\n").writerows(rows)
    wb = openpyxl.Workbook()
    for r in xlsx_rows or rows:
        wb.active.append(r)
    wb.save(folder / "pulse_survey.xlsx")
    return csv, folder / "pulse_survey.xlsx"


def test_same_survey_as_csv_and_xlsx_is_read_once(tmp_path):
    csv, xlsx = _write(tmp_path / "in", ROWS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = read(tmp_path / "in", redact=False, show_progress=False, text_columns="progress_text")
    assert set(res.segments["source"]) == {"pulse_survey.csv"}
    assert len(res.segments) == 3  # not 6
    msgs = [str(w.message) for w in caught if "same survey" in str(w.message)]
    assert len(msgs) == 1 and "pulse_survey.xlsx" in msgs[0] and "pulse_survey.csv" in msgs[0]
    dup = res.rejected[res.rejected["reason"] == "duplicate_file"]
    assert list(dup["source"]) == ["pulse_survey.xlsx"]
    assert "pulse_survey.csv" in dup["detail"].iloc[0]
    assert res.errors == []


def test_different_content_under_the_same_stem_is_read_twice(tmp_path):
    changed = [r[:] for r in ROWS]
    changed[2][2] = "Wifi is fine now, the new access points went in over summer."
    _write(tmp_path / "in", ROWS, changed)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no duplicate warning may be raised
        res = read(tmp_path / "in", redact=False, show_progress=False, text_columns="progress_text")
    assert set(res.segments["source"]) == {"pulse_survey.csv", "pulse_survey.xlsx"}
    assert len(res.segments) == 6
    assert "duplicate_file" not in set(res.rejected["reason"])


@pytest.mark.parametrize("other", ["other_survey.xlsx", "sub/pulse_survey.xlsx"])
def test_only_same_folder_same_stem_pairs_are_compared(tmp_path, other):
    csv, xlsx = _write(tmp_path / "in", ROWS)
    target = tmp_path / "in" / other
    target.parent.mkdir(exist_ok=True)
    xlsx.rename(target)
    res = read(tmp_path / "in", redact=False, show_progress=False, text_columns="progress_text")
    assert len(res.segments) == 6
