"""A file named after a person keeps that name out of ids, shown names and exports.

``source`` keeps the real file name (a reviewer must find the exact file); ``doc_id``,
``segment_id``, ``participant_id``, ``source_display`` and what reports and REFI-QDA exports show
are built from the redacted file name.
"""

from __future__ import annotations

import re
import zipfile

import pandas as pd
import pytest

from insightkit.io import read
from insightkit.io.filenames import redact_file_name

TRANSCRIPT = """Interviewer: Thanks for joining. How is the EPR rollout going?
Jane Smith: Slowly. We went live on two wards in March and the rest follow after the summer.
Interviewer: And the network?
Jane Smith: Honestly the wifi on the older blocks is the bit that keeps me awake.
"""

NAME_RX = re.compile(r"jane|smith", re.I)


@pytest.mark.parametrize("name, known, shown", [
    ("interview_jane_smith.vtt", [], "interview_[PERSON].vtt"),
    ("JaneSmith.txt", [], "[PERSON].txt"),
    ("kowalski_call.vtt", ["Martin Kowalski"], "[PERSON]_call.vtt"),
    ("notes_dr_okafor.txt", [], "notes_dr_[PERSON].txt"),
    ("tom_and_gareth.txt", [], "[PERSON]_and_[PERSON].txt"),
    ("addenbrookes_cio.docx", [], "[ORG]_cio.docx"),
    # names that are no names stay as they are, so the sample corpus keeps its ids
    ("call04_community_london.txt", ["Sarah-Jane Whitcombe", "Tom Fairley"], "call04_community_london.txt"),
    ("call07_combmh_southwest.txt", [], "call07_combmh_southwest.txt"),
    ("board_digital_survey_2026.csv", [], "board_digital_survey_2026.csv"),
    ("cio_interview_03_final.docx", [], "cio_interview_03_final.docx"),
])
def test_names_in_file_names_are_redacted(name, known, shown):
    assert redact_file_name(name, known, use_ner=False) == shown


@pytest.mark.slow
def test_ner_finds_a_name_written_as_a_title():
    shown = redact_file_name("Dr Priya Patel - 12 March.docx")
    assert shown == "Dr [PERSON] - 12 March.docx"


def _check_no_name(res, real_name):
    seg = res.segments
    assert set(seg["source"]) == {real_name}  # the real file stays findable
    assert set(seg["source_display"]) == {"interview_[PERSON].txt"}
    for col in ("doc_id", "segment_id", "participant_id", "source_display", "attribution"):
        leaked = [v for v in seg[col].astype(str) if NAME_RX.search(v)]
        assert not leaked, f"{col} carries the name: {leaked[:2]}"
    assert all(d.startswith("interview-person-") for d in seg["doc_id"])
    assert not any(NAME_RX.search(str(k)) for k in res.documents)
    assert res.verify() == []


def test_read_keeps_the_file_name_out_of_ids(tmp_path):
    path = tmp_path / "interview_jane_smith.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    res = read(path, redact=False, show_progress=False)
    _check_no_name(res, "interview_jane_smith.txt")


@pytest.mark.slow
def test_read_with_redaction_keeps_the_file_name_out_of_everything_exported(tmp_path):
    from insightkit.codebook import Codebook, Theme
    from insightkit.report.refi import export_qdpx

    path = tmp_path / "interview_jane_smith.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    res = read(path, show_progress=False)
    _check_no_name(res, "interview_jane_smith.txt")
    assert not res.segments["text"].str.contains(NAME_RX).any()
    segs = res.segments.copy()
    segs["theme_epr"] = [1 if "EPR" in t or "live" in t else 0 for t in segs["text"]]
    cb = Codebook(name="t", themes=(Theme(id="epr", label="EPR", description="Electronic patient records"),))
    qdpx = export_qdpx(segs, cb, tmp_path / "project.qdpx")
    with zipfile.ZipFile(qdpx) as zf:
        blob = "\n".join(zf.read(n).decode("utf-8") for n in zf.namelist())
    assert 'name="interview_[PERSON].txt"' in blob
    assert not NAME_RX.search(blob)


def test_same_bytes_under_two_names_get_two_ids(tmp_path):
    for name in ("interview_jane_smith.txt", "interview_priya_patel.txt"):
        (tmp_path / name).write_text(TRANSCRIPT, encoding="utf-8")
    res = read(tmp_path, redact=False, show_progress=False)
    ids = res.segments.groupby("source")["doc_id"].first()
    assert ids.nunique() == 2 and res.segments["segment_id"].is_unique
    assert not any(NAME_RX.search(i) or re.search("priya|patel", i, re.I) for i in ids)


def test_report_tables_show_the_redacted_file_name():
    from insightkit.report.build import _shown_sources

    segs = pd.DataFrame({"doc_id": ["interview-person-1a2b3c4d"], "source": ["interview_jane_smith.vtt"],
                         "source_display": ["interview_[PERSON].vtt"], "text": ["x"]})
    quotes = pd.DataFrame({"doc_id": ["interview-person-1a2b3c4d"], "source": ["interview_jane_smith.vtt"],
                           "quote": ["x"]})
    shown_q = _shown_sources(quotes, segs)
    assert list(shown_q["source"]) == ["interview_[PERSON].vtt"]
    shown_s = _shown_sources(segs)
    assert list(shown_s["source"]) == ["interview_[PERSON].vtt"] and "source_display" not in shown_s.columns


def test_audit_page_shows_the_redacted_file_name(tmp_path):
    from insightkit.quotes import QuoteSelection, write_audit_html

    segs = pd.DataFrame({"doc_id": ["interview-person-1a2b3c4d"], "segment_id": ["interview-person-1a2b3c4d#0-20"],
                         "source": ["interview_jane_smith.vtt"], "source_display": ["interview_[PERSON].vtt"],
                         "speaker": ["P01"], "start": [0], "text": ["The EPR went live."]})
    quotes = pd.DataFrame([{
        "theme": "epr", "theme_label": "EPR", "rank": 1, "quote_id": "q1", "quote": "The EPR went live.",
        "attribution": "Acute trust", "doc_id": "interview-person-1a2b3c4d", "source": "interview_jane_smith.vtt",
        "segment_id": "interview-person-1a2b3c4d#0-20", "start": 0, "end": 18, "theme_score": 0.9,
        "representativeness": 0.5, "specificity": 0.5, "score": 0.7, "alternatives": "[]", "reason": "ranked 1",
        "decision": "", "reviewer": "", "decided_on": "", "decision_note": "",
    }])
    sel = QuoteSelection(quotes=quotes, candidates=pd.DataFrame(), rejected=pd.DataFrame())
    html = write_audit_html(sel, segs, tmp_path / "audit.html").read_text(encoding="utf-8")
    assert "interview_[PERSON].vtt" in html
    assert not NAME_RX.search(html)
