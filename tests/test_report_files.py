"""The report's other files hold hostile values too: XLSX sheets, REFI-QDA XML, figure names (issue 13)."""

from __future__ import annotations

import zipfile

import pandas as pd
from lxml import etree
from openpyxl import load_workbook

from insightkit.codebook import Codebook, Theme
from insightkit.export import sheet_names, write_table
from insightkit.report.plots import figure_file_names
from insightkit.report.xlsx import write_xlsx
from insightkit.report.refi import export_qdc, export_qdpx

CB = Codebook(name="c", themes=(Theme(id="epr", label="EPR\x01 <b>x</b> =1+1", description="d\x0b"),))


def _segments():
    return pd.DataFrame({
        "doc_id": ["d1", "d1"], "segment_id": ["d1#1", "d1#2"], "participant_id": ["p1", "p2"],
        "speaker": ["R\x02001", "R002"], "role": ["respondent"] * 2, "source": ["s.csv"] * 2,
        "text": ["=HYPERLINK(\"http://evil.example\") tab\x0b here", "plain \x0c answer"],
        "trust_type": ["Acute\x01", "=cmd|' /C calc'!A0"], "region": ["Lon|don", "@SUM(A1)"],
        "theme_epr": [1, 1], "score_epr": [0.9, 0.8], "attribution": ["Acute\x01 trust", "x"],
    })


def test_sheet_names_are_valid_and_unique():
    names = sheet_names(["likert_" + "a" * 40, "likert_" + "a" * 40 + "b", "x[1]:*?/\\", "'quoted'", "", "Segments",
                         "segments"])
    assert len(set(n.lower() for n in names)) == len(names)
    assert all(0 < len(n) <= 31 and not any(ch in n for ch in "[]:*?/\\") and not n.startswith("'") for n in names)


def test_report_xlsx_with_control_characters_and_formulas(tmp_path):
    seg = _segments()
    prev = pd.DataFrame({"theme": ["epr"], "display": ["2 of 2"]})
    likert = {"q" + "[x]" * 20: pd.DataFrame({"n": [1]}), "q" + "[x]" * 20 + "y": pd.DataFrame({"n": [2]})}
    path = tmp_path / "report.xlsx"
    write_xlsx(path, seg, seg.iloc[0:0], {"overall": prev}, pd.DataFrame(), None, likert, CB)
    wb = load_workbook(path)
    assert len(wb.sheetnames) == 9 and wb.sheetnames[0] == "about"
    # formatted as an analyst expects: header frozen, filters on, widths from the content
    for ws in wb:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    about = [r[0].value for r in wb["about"].iter_rows(min_row=2)]
    assert {"segments", "prevalence", "quotes", "rejected"} <= set(about)
    widths = {ws.column_dimensions[c].width for ws in wb for c in "AB"}
    assert len(widths) > 2
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)


def test_write_table_xlsx_header_with_control_characters(tmp_path):
    write_table(pd.DataFrame({"a\x01b": ["x\x02"]}), tmp_path / "t.xlsx")


def test_refi_exports_hold_control_characters(tmp_path):
    export_qdc(CB, tmp_path / "c.qdc")
    etree.parse(str(tmp_path / "c.qdc"))
    export_qdpx(_segments(), CB, tmp_path / "p.qdpx", project_name="T\x01 <script>")
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        root = etree.fromstring(zf.read("project.qde"))
    assert root.get("name") == "T <script>"


def test_figure_file_names_stay_in_the_folder():
    names = figure_file_names(["heatmap_../../etc/passwd", "heatmap_a.b", "heatmap_a/b", "heatmap_" + "x" * 300, "....", ""])
    assert len(set(n.lower() for n in names)) == len(names)
    assert all(n and "/" not in n and "." not in n and len(n) <= 90 for n in names)


def test_xlsx_cells_longer_than_excel_allows(tmp_path):
    import pytest

    from insightkit.errors import InputError
    from insightkit.export import XLSX_MAX_CELL, xlsx_safe

    df = pd.DataFrame({"text": ["x" * (XLSX_MAX_CELL + 10), "short"]})
    with pytest.raises(InputError, match=r"t\.xlsx: column 'text', row 1"):
        write_table(df, tmp_path / "t.xlsx")
    assert not (tmp_path / "t.xlsx").exists()
    cut = xlsx_safe(df, shorten=True)["text"]
    assert len(cut.iloc[0]) <= XLSX_MAX_CELL and "cut:" in cut.iloc[0] and cut.iloc[1] == "short"
