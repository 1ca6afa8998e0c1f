"""Word transcripts: Teams export layouts, plain "Name: text" paragraphs, speaker tables."""

from __future__ import annotations

import pytest

from insightkit.alignment import apply_edits, edits_from_json
from insightkit.errors import InputError
from insightkit.io import read_source_text
from insightkit.pipeline import read_docx

docx = pytest.importorskip("docx")


def _doc(tmp_path, name, paragraphs, table=None):
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=0, cols=len(table[0]))
        for row in table:
            cells = t.add_row().cells
            for c, v in zip(cells, row):
                c.text = v
    path = tmp_path / name
    d.save(path)
    return path


def _replays(path, seg):
    src = read_source_text(path)
    for r in seg.itertuples():
        assert apply_edits(src, r.start, r.end, edits_from_json(r.edits)) == r.text


def test_teams_export_layout(tmp_path):
    p = _doc(tmp_path, "teams.docx", [
        "Digital leadership insight call",
        "13 March 2025, 2:01PM",
        "41m 27s",
        "Hannah Osei started transcription",
        "Hannah Osei   0:04",
        "Hello both, can you hear me?",
        "Olusegun Adeyemi   0:07",
        "Yes, um, we can hear you.",
        "Claire Dunmore   0:18",
        "Hi Hannah.",
        "Hannah Osei   0:26",
        "Perfect. What is your EPR plan?",
        "Olusegun Adeyemi   0:37",
        "We go live in spring.",
        "It will be a big change.",
    ])
    seg, rej = read_docx(p, redact=False, show_progress=False, interviewers=["Hannah Osei"])
    assert seg["text"].tolist() == [
        "Hello both, can you hear me?", "Yes, we can hear you.", "Hi Hannah.", "Perfect. What is your EPR plan?",
        "We go live in spring. It will be a big change.",
    ]
    assert seg["speaker"].tolist() == ["I01", "P01", "P02", "I01", "P01"]
    assert seg["timestamp"].tolist() == ["00:00:04", "00:00:07", "00:00:18", "00:00:26", "00:00:37"]
    assert rej["reason"].tolist() == ["header"] * 4
    _replays(p, seg)


def test_plain_word_transcript_and_source_text_convention(tmp_path):
    p = _doc(tmp_path, "plain.docx", ["Interviewer: What about cyber?", "Participant: We had, er, an incident.",
                                      "Interviewer: And now?", "Participant: Better."])
    src = read_source_text(p)
    assert src == ("Interviewer: What about cyber?\nParticipant: We had, er, an incident.\n"
                   "Interviewer: And now?\nParticipant: Better.\n")
    seg, _ = read_docx(p, redact=False, show_progress=False)
    assert seg["role"].tolist() == ["interviewer", "participant"] * 2
    assert seg["role_source"].tolist() == ["label"] * 4
    assert seg["text"].iloc[1] == "We had an incident."
    _replays(p, seg)


def test_teams_legacy_cue_layout(tmp_path):
    p = _doc(tmp_path, "legacy.docx", [
        "0:0:0.0 --> 0:0:3.710", "Osei, Hannah", "Shall we start?",
        "0:0:3.710 --> 0:0:8.200", "Raman, Priya", "Yes. Our data team is small.",
        "0:0:8.200 --> 0:0:9.000", "Raman, Priya", "But growing.",
        "0:0:9.000 --> 0:0:11.000", "Osei, Hannah", "Thank you.",
    ])
    seg, _ = read_docx(p, redact=False, show_progress=False)
    assert seg["text"].tolist() == ["Shall we start?", "Yes. Our data team is small. But growing.", "Thank you."]
    assert seg["speaker"].tolist() == ["I01", "P01", "I01"]
    _replays(p, seg)


def test_speaker_table_layout(tmp_path):
    p = _doc(tmp_path, "table.docx", ["Insight call 9"], table=[
        ["Interviewer", "How do you use data?"],
        ["Participant", "Mostly for flow."],
        ["Interviewer", "Thanks."],
    ])
    seg, rej = read_docx(p, redact=False, show_progress=False)
    assert seg["text"].tolist() == ["How do you use data?", "Mostly for flow.", "Thanks."]
    assert seg["role"].tolist() == ["interviewer", "participant", "interviewer"]
    _replays(p, seg)


def test_not_a_docx(tmp_path):
    p = tmp_path / "fake.docx"
    p.write_bytes(b"this is not a zip at all")
    with pytest.raises(InputError) as exc:
        read_docx(p, redact=False, show_progress=False)
    assert "fake.docx" in str(exc.value) and "Word" in str(exc.value)


def test_empty_docx(tmp_path):
    p = _doc(tmp_path, "blank.docx", [])
    with pytest.raises(InputError) as exc:
        read_docx(p, redact=False, show_progress=False)
    assert "blank.docx" in str(exc.value)


# -- regressions found by adversarial QA ---------------------------------------------------------


def test_teams_export_stopped_transcription_is_not_in_the_last_turn(tmp_path):
    p = _doc(tmp_path, "teams.docx", [
        "Hannah Osei started transcription",
        "Hannah Osei   0:04", "What is your EPR plan?",
        "Olusegun Adeyemi   0:07", "We go live in spring.",
        "Hannah Osei   0:20", "Thanks, that is all.",
        "Hannah Osei stopped transcription",
    ])
    seg, rej = read_docx(p, redact=False, show_progress=False)
    assert seg["text"].tolist()[-1] == "Thanks, that is all."
    assert any("stopped transcription" in t for t in rej["text"])
    _replays(p, seg)


def test_bold_speaker_paragraphs_without_colon_or_time(tmp_path):
    d = docx.Document()
    d.add_paragraph("Insight call 19")
    for who, said in [("Hannah Osei", "Where does the trust stand on data quality?"),
                      ("Jonah Abernethy", "Improving, slowly."), ("Hannah Osei", "Thank you."),
                      ("Jonah Abernethy", "My pleasure.")]:
        d.add_paragraph().add_run(who).bold = True
        d.add_paragraph(said)
    p = tmp_path / "bold.docx"
    d.save(p)
    seg, rej = read_docx(p, redact=False, show_progress=False)
    assert seg["text"].tolist() == ["Where does the trust stand on data quality?", "Improving, slowly.",
                                    "Thank you.", "My pleasure."]
    assert seg["speaker"].nunique() == 2 and rej["reason"].tolist() == ["header"]
    _replays(p, seg)
