"""The read() pipeline: batches, folders, bad files, participants, roles, pseudonyms, attribution."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import insightkit
from insightkit.errors import InputError
from insightkit.io import read_participants
from insightkit.pipeline import ReadResult, read
from insightkit.io.participants import Participants
from insightkit.names import name_variants

TXT = ("Sam Jones: Welcome. What is your view on cyber?\n"
       "Jane Smith: We, um, invested in the the network. Call me on 07700 900123.\n"
       "Sam Jones: And your EPR?\n"
       "Jane Smith: Jane here again: live next year.\n")
PARTICIPANTS = ("source,speaker,role,trust_type,region,job_role\n"
                "call.txt,Sam Jones,interviewer,,,Researcher\n"
                "call.txt,Jane Smith,participant,Acute,South East,CDIO\n")


class KeepAll:
    """A stand-in redactor: records the names it was given, changes nothing."""

    def __init__(self):
        self.names = []

    def redact_batch(self, items, names):
        self.names.extend(names)
        return [(it, []) for it in items]


def _files(tmp_path):
    (tmp_path / "call.txt").write_text(TXT)
    (tmp_path / "participants.csv").write_text(PARTICIPANTS)
    return tmp_path / "call.txt", tmp_path / "participants.csv"


def test_roles_attributes_and_attribution_from_the_participants_file(tmp_path):
    call, parts = _files(tmp_path)
    res = read(call, parts, redact=False, show_progress=False)
    assert isinstance(res, ReadResult)
    seg = res.segments
    assert seg["speaker"].tolist() == ["I01", "P01", "I01", "P01"]
    assert seg["role"].tolist() == ["interviewer", "participant"] * 2
    assert set(seg["role_source"]) == {"participants_file"}
    p = seg[seg["role"] == "participant"].iloc[0]
    assert (p["trust_type"], p["region"], p["job_role"]) == ("Acute", "South East", "CDIO")
    assert p["attribution"] == "Acute trust, South East"
    assert seg[seg["role"] == "interviewer"]["attribution"].unique().tolist() == ["Interviewer"]
    assert p["participant_id"] == f"{p['doc_id']}/P01"
    # columns: the shared ones first, in order
    assert seg.columns.tolist()[:len(insightkit.SEGMENT_COLUMNS)] == insightkit.SEGMENT_COLUMNS
    res2 = read(call, parts, redact=False, show_progress=False, attribution_template="{job_role} - {region}")
    assert res2.segments["attribution"].iloc[1] == "CDIO - South East"


def test_segment_ids_are_stable_across_runs(tmp_path):
    call, parts = _files(tmp_path)
    a = read(call, parts, redact=False, show_progress=False).segments["segment_id"].tolist()
    b = read(call, parts, redact=False, show_progress=False).segments["segment_id"].tolist()
    assert a == b and len(set(a)) == len(a)


def test_redactor_gets_speaker_and_participant_names(tmp_path):
    call, parts = _files(tmp_path)
    fake = KeepAll()
    read(call, parts, show_progress=False, redactor=fake)
    assert fake.names, "redaction was not called"
    for names in fake.names:
        assert {"Jane Smith", "Jane", "Sam Jones", "Sam"} <= set(names)


def test_folder_with_participants_file_found_and_a_bad_file(tmp_path):
    _files(tmp_path)
    (tmp_path / "broken.vtt").write_text("not a vtt\n")
    (tmp_path / "notes.md").write_text("ignored: not a supported type")
    with pytest.warns(UserWarning, match="broken.vtt"):
        res = read(tmp_path, redact=False, show_progress=False)
    assert [e.path.endswith("broken.vtt") for e in res.errors] == [True]
    assert "WEBVTT" in res.errors[0].message
    assert res.segments["source"].unique().tolist() == ["call.txt"]  # participants.csv is not a survey
    assert set(res.segments["role_source"]) == {"participants_file"}


def test_unknown_extension_and_missing_file(tmp_path):
    bad = tmp_path / "call.pdf"
    bad.write_bytes(b"%PDF")
    with pytest.raises(InputError, match="unsupported file type '.pdf'"):
        read(bad, redact=False, show_progress=False)
    with pytest.raises(InputError, match="no such file") as exc:
        read(tmp_path / "nope.txt", redact=False, show_progress=False)
    assert "nope.txt" in str(exc.value)


def test_batch_keeps_going_and_lists_every_bad_file(tmp_path):
    call, parts = _files(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        res = read([call, empty, tmp_path / "missing.srt"], parts, redact=False, show_progress=False)
    assert len(res.segments) == 4
    assert sorted(e.message.split(":")[0].rsplit("/", 1)[-1] for e in res.errors) == ["empty.txt", "missing.srt"]


def test_interviewer_names_option_and_role_word_labels(tmp_path):
    (tmp_path / "c.txt").write_text("Alex: Hi?\nRobin: Hello.\nAlex: Bye.\nRobin: Bye!\n")
    seg, _ = read(tmp_path / "c.txt", redact=False, show_progress=False, interviewers=["Alex"])
    assert seg["role"].tolist() == ["interviewer", "participant"] * 2
    assert seg["role_source"].tolist() == ["interviewer_names", "default"] * 2


def test_participants_file_validation(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("file,name\nx.txt,Jane\n")
    with pytest.raises(InputError, match="no column named 'source'"):
        read_participants(p)
    p.write_text("source,speaker,role\nx.txt,Jane,boss\n")
    with pytest.raises(InputError) as exc:
        read_participants(p)
    assert exc.value.line == 2 and "boss" in str(exc.value)


def test_participant_matching_forms():
    table = pd.DataFrame([
        {"source": "a.vtt", "speaker": "Dr Jane Smith", "role": "participant", "region": "London"},
        {"source": "", "speaker": "Sam Jones", "role": "interviewer", "region": ""},
    ])
    parts = Participants(table)
    assert parts.match("a.vtt", "Smith, Jane")["region"] == "London"
    assert parts.match("a.vtt", "jane  smith")["region"] == "London"
    assert parts.match("a.vtt", "Jane")["region"] == "London"
    assert parts.match("b.vtt", "Sam")["role"] == "interviewer"  # empty source: every transcript
    assert parts.match("b.vtt", "Jane") is None
    assert name_variants("Dr Jane Smith") == ["Jane Smith", "Dr Jane Smith", "Jane"]
    assert name_variants("Smith, Jane") == ["Jane Smith", "Smith, Jane", "Jane"]
    assert name_variants("Interviewer") == []


def test_role_word_labels_get_attributes_by_elimination(tmp_path):
    (tmp_path / "c.txt").write_text("Interviewer: Hello?\nParticipant: Hi.\nInterviewer: Bye?\nParticipant: Bye.\n")
    (tmp_path / "p.csv").write_text("source,speaker,role,trust_type,region\n"
                                    "c.txt,Sam Jones,interviewer,,\nc.txt,Jane Smith,participant,Ambulance,London\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "not in the participants file" warning either
        seg, _ = read(tmp_path / "c.txt", tmp_path / "p.csv", redact=False, show_progress=False)
    assert seg["role"].tolist() == ["interviewer", "participant"] * 2
    assert seg["role_source"].tolist() == ["label"] * 4
    assert seg["attribution"].tolist() == ["Interviewer", "Ambulance trust, London"] * 2


def test_one_person_under_several_label_forms_is_one_speaker(tmp_path):
    (tmp_path / "c.txt").write_text("Sam Jones: Hello?\nJane Smith: Hi.\nSam: Go on?\nSmith, Jane: Yes.\n"
                                    "Jane: More.\nDr Jane Smith: Done.\n")
    seg, _ = read(tmp_path / "c.txt", redact=False, show_progress=False)
    assert seg["speaker"].tolist() == ["I01", "P01", "I01", "P01", "P01", "P01"]


def test_participants_file_names_with_curly_apostrophes_and_accents_match(tmp_path):
    (tmp_path / "call.txt").write_text("Sam Jones: Padraig, what held back the EPR?\n"
                                       "Padraig O'Connor: The supplier moved the release twice.\n"
                                       "Sam Jones: Thanks.\nPadraig O'Connor: Thank you.\n")
    (tmp_path / "p.csv").write_text("source,speaker,role,trust_type\ncall.txt,Sam Jones,interviewer,\n"
                                    "call.txt,P\u00e1draig O\u2019Connor,participant,Acute\n", encoding="utf-8")
    seg, _ = read(tmp_path / "call.txt", tmp_path / "p.csv", redact=False, show_progress=False)
    assert seg["role_source"].tolist() == ["participants_file"] * 4
    assert seg["trust_type"].tolist()[1] == "Acute"
