"""The whole ``insightkit report`` on a tiny hostile survey (issue 13): themes raised by none or all
of 3 people (the Wilson bound that crashed the figure), markup and formulas in every attribute."""

from __future__ import annotations

import pandas as pd
import pytest

from insightkit.cli import main

pytestmark = pytest.mark.slow


def test_report_on_a_tiny_hostile_survey(tmp_path, capsys):
    payload = '"><img src=x onerror=alert(1)> <script>alert(1)</script> | x'
    pd.DataFrame({
        "respondent_id": ["R001", "R002", "R003"],
        "trust_type": ["Acute", payload, "=HYPERLINK(\"http://evil.example\",\"c\")"],
        "region": ["Lon|don", "North\x0bWest", r"$\frac$"],
        "answer": ["We moved our patient records to a new electronic system and clinicians see results quickly.",
                   "Cyber security is the board's biggest worry; we had a phishing incident and now train staff.",
                   "Staff need more digital skills training; many nurses struggle with the new tablets."],
    }).to_csv(tmp_path / "survey.csv", index=False)
    out = tmp_path / "rep"
    rc = main(["report", str(tmp_path / "survey.csv"), "--no-topics", "--min-count", "1", "--text-column", "answer",
               "--title", "T <script>x</script>\n# y", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "<" not in md.replace("&#60;", "")
    assert md.count("\n# ") == 0 and md.startswith("# T ")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    from openpyxl import load_workbook

    wb = load_workbook(out / "report.xlsx")
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging folder left
