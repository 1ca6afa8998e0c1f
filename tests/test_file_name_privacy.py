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

from insightkit.pipeline import read
from insightkit.redact.filenames import redact_file_name

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
    from insightkit.report.xlsx import shown_sources

    segs = pd.DataFrame({"doc_id": ["interview-person-1a2b3c4d"], "source": ["interview_jane_smith.vtt"],
                         "source_display": ["interview_[PERSON].vtt"], "text": ["x"]})
    quotes = pd.DataFrame({"doc_id": ["interview-person-1a2b3c4d"], "source": ["interview_jane_smith.vtt"],
                           "quote": ["x"]})
    shown_q = shown_sources(quotes, segs)
    assert list(shown_q["source"]) == ["interview_[PERSON].vtt"]
    shown_s = shown_sources(segs)
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


# --- quotes and reports: the exported quote files carry the shown file name only ----------------

JANE_VTT = """WEBVTT

1
00:00:02.120 --> 00:00:07.480
<v Tom Reeve>Morning Jane, thanks for making the time. Shall we start with where you are on the patient record?</v>

2
00:00:08.010 --> 00:00:31.900
<v Jane Smith>Yeah, so we went live with the new electronic patient record on the acute wards in March, all fourteen of them, and we trained about nine hundred nurses in the six weeks before. The first fortnight was rough, honestly. Observations are electronic now and the ward sisters have come round to it.</v>

3
00:00:32.400 --> 00:00:35.100
<v Tom Reeve>And how about the cyber side of things?</v>

4
00:00:35.800 --> 00:01:02.300
<v Jane Smith>We had a ransomware scare last winter which, frankly, concentrated minds on the board. We replaced the old firewalls, patched every server we could find and we now run a tabletop exercise with the executives twice a year. There are still two legacy lab systems nobody dares switch off.</v>

5
00:01:03.000 --> 00:01:06.000
<v Tom Reeve>Is the board behind the digital plan?</v>

6
00:01:06.700 --> 00:01:30.200
<v Jane Smith>Mostly. Our chief exec chairs the digital committee herself and the non-execs ask good questions about benefits now. The harder bit is the money, because the capital only arrives in the last quarter and we end up spending it in a rush on kit instead of on people.</v>

7
00:01:31.000 --> 00:01:33.500
<v Tom Reeve>Thanks Jane, that's really helpful.</v>
"""

JANE_PARTICIPANTS = """source,speaker,role,trust_type,region,job_role
interview_jane_smith.vtt,Tom Reeve,interviewer,,,Researcher
interview_jane_smith.vtt,Jane Smith,participant,Acute,South West,Chief Nursing Information Officer
"""


def _jane_corpus(tmp_path):
    src = tmp_path / "transcripts"
    src.mkdir()
    (src / "interview_jane_smith.vtt").write_text(JANE_VTT, encoding="utf-8")
    parts = tmp_path / "participants.csv"
    parts.write_text(JANE_PARTICIPANTS, encoding="utf-8")
    return src, parts


def _text_of(path) -> str:
    """Everything a file says: every member of a zip (XLSX, QDPX), else the file's text."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    return path.read_bytes().decode("utf-8", "replace")


@pytest.mark.slow
def test_quotes_cli_exports_carry_no_name_from_the_file_name(tmp_path, monkeypatch):
    from insightkit.classify import load_model
    from insightkit.cli import main
    from insightkit.export import read_table
    from insightkit.quotes import QuoteVerificationError, verify_quotes

    src, parts = _jane_corpus(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["clean", "transcripts", "--participants", str(parts), "--out", "segments.csv", "--quiet"]) == 0
    segs = read_table(tmp_path / "segments.csv")
    assert set(segs["source"]) == {"interview_jane_smith.vtt"}  # the working table keeps the real file
    tagged = load_model().tag(segs)
    tagged.to_csv(tmp_path / "tagged.csv", index=False)
    # --min-count 1: one interviewee, whose trust type would otherwise be withheld as too small a group
    assert main(["quotes", "tagged.csv", "--n", "2", "--min-words", "8", "--out", "quotes.csv",
                 "--html", "audit.html", "--sources", "transcripts", "--min-count", "1"]) == 0
    for name in ("quotes.csv", "quotes.rejected.csv", "audit.html"):
        leaked = NAME_RX.findall(_text_of(tmp_path / name))
        assert not leaked, f"{name} carries the name: {leaked[:3]}"
    quotes = read_table(tmp_path / "quotes.csv")
    assert len(quotes) >= 1 and quotes["verified"].astype(str).eq("True").all()
    assert set(quotes["source_display"]) == {"interview_[PERSON].vtt"} and "source" not in quotes.columns
    assert set(quotes["attribution"]) == {"Acute trust, South West"}
    # the exported table still proves itself verbatim: the segment table leads to the real file
    assert verify_quotes(quotes, segments=tagged, source_dirs=[src])["verified"].all()
    altered = quotes.copy()
    altered.loc[0, "quote"] = altered.loc[0, "quote"].replace(" the ", " a ", 1).replace("We ", "They ", 1)
    assert altered.loc[0, "quote"] != quotes.loc[0, "quote"]
    with pytest.raises(QuoteVerificationError, match=r"not found in its segment's text"):
        verify_quotes(altered, segments=tagged, source_dirs=[src])
    with pytest.raises(QuoteVerificationError, match="not the quote"):
        verify_quotes(altered, source_paths={quotes.loc[0, "doc_id"]: src / "interview_jane_smith.vtt"})
    # without the segment table the shown name cannot lead to the file, but its content digest (the end
    # of doc_id) can; where the file is not there, the message names it without the name
    assert verify_quotes(quotes, source_dirs=[src])["verified"].all()
    (tmp_path / "empty").mkdir()
    with pytest.raises(QuoteVerificationError, match="interview_\\[PERSON\\].vtt") as info:
        verify_quotes(quotes, source_dirs=[tmp_path / "empty"])
    assert not NAME_RX.search(str(info.value))


@pytest.mark.slow
def test_report_files_carry_no_name_from_the_file_name(tmp_path):
    from insightkit.classify import load_model
    from insightkit import build_report

    src, parts = _jane_corpus(tmp_path)
    res = build_report([src], tmp_path / "out", participants=parts, model=load_model(), n_quotes=2, topics=False,
                       show_progress=False)
    assert len(res.quotes) >= 1 and res.quotes["verified"].all()  # verified against the real file
    assert set(res.quotes["source_display"]) == {"interview_[PERSON].vtt"}
    sheet = pd.read_excel(res.files["xlsx"], sheet_name="quotes", dtype=str)
    assert set(sheet["source"]) == {"interview_[PERSON].vtt"}
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p.suffix != ".png"]
    assert {"report.html", "report.xlsx", "report.md", "codebook.qdc", "project.qdpx"} <= {p.name for p in written}
    for path in written:
        leaked = NAME_RX.findall(_text_of(path))
        assert not leaked, f"{path.name} carries the name: {leaked[:3]}"
