"""The bundled sample corpus, read for real: every file, every offset, every role, no names left."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from insightkit.alignment import apply_edits, edits_from_json
from insightkit.io import read_source_text
from insightkit.pipeline import read

SAMPLE = Path(__file__).resolve().parents[1] / "corpora" / "sample"
pytestmark = pytest.mark.skipif(not (SAMPLE / "participants.csv").exists(), reason="sample corpus not present")


@pytest.fixture(scope="module")
def verbatim():
    return read(SAMPLE, level="verbatim", redact=False, show_progress=False)


@pytest.fixture(scope="module")
def redacted():
    return read(SAMPLE, show_progress=False)


def _participants():
    return pd.read_csv(SAMPLE / "participants.csv", dtype=str, keep_default_na=False)


def test_every_file_reads_and_every_segment_replays(verbatim):
    assert verbatim.errors == []
    files = {p.name for p in SAMPLE.rglob("*") if p.suffix.lower() in (".txt", ".vtt", ".srt", ".docx", ".csv", ".xlsx")}
    files.discard("participants.csv")
    # the survey is shipped as CSV and XLSX with the same answers: read once, the XLSX recorded as skipped
    files.discard("board_digital_survey_2026.xlsx")
    assert set(verbatim.segments["source"]) == files
    dup = verbatim.rejected[verbatim.rejected["reason"] == "duplicate_file"]
    assert list(dup["source"]) == ["board_digital_survey_2026.xlsx"]
    # no file name here names a person: shown names and ids keep the plain stem
    assert (verbatim.segments["source_display"] == verbatim.segments["source"]).all()
    stems = verbatim.segments["source"].str.rsplit(".", n=1).str[0].str.replace("_", "-").str.lower()
    assert all(d.startswith(f"{s}-") for d, s in zip(verbatim.segments["doc_id"], stems))
    assert verbatim.verify() == []
    # and against the file on disk, not only the stored copy
    for source, rows in verbatim.segments.groupby("source"):
        path = next(SAMPLE.rglob(source))
        if path.suffix == ".xlsx":
            continue
        src = read_source_text(path)
        for r in rows.itertuples():
            assert apply_edits(src, r.start, r.end, edits_from_json(r.edits)) == r.text


def test_roles_match_the_participants_file(verbatim):
    parts = _participants()
    seg = verbatim.segments[verbatim.segments["kind"] == "transcript"]
    for source, rows in parts.groupby("source"):
        doc = seg[seg["source"] == source]
        assert len(doc), f"{source} gave no segments"
        assert set(doc["role_source"]) == {"participants_file"}, f"{source}: a speaker is not in participants.csv"
        for role in ("interviewer", "participant"):
            want = (rows["role"] == role).sum()
            assert doc.loc[doc["role"] == role, "speaker"].nunique() == want, (source, role)
        first = doc[doc["role"] == "participant"].iloc[0]
        row = rows[rows["role"] == "participant"].iloc[0]
        assert first["attribution"].startswith(row["trust_type"].split()[0])


def test_every_survey_cell_is_accounted_for(verbatim):
    for source in set(verbatim.segments.loc[verbatim.segments["kind"] == "survey", "source"]):
        seg = verbatim.segments[verbatim.segments["source"] == source]
        rej = verbatim.rejected[verbatim.rejected["source"] == source]
        n_rows = seg["turn"].max() + 1
        n_questions = seg["question"].nunique()
        assert len(seg) + (rej["reason"] != "malformed_row").sum() == n_rows * n_questions
        assert set(rej["reason"]) <= {"empty", "non_answer", "duplicate_answer", "malformed_row"}


@pytest.mark.slow
def test_no_participant_name_survives_redaction(redacted):
    assert redacted.errors == []
    assert redacted.verify() == []
    names = set()
    for n in _participants()["speaker"]:
        names |= {n, n.split()[0]}
    cols = [c for c in redacted.segments.columns if redacted.segments[c].dtype == object
            or pd.api.types.is_string_dtype(redacted.segments[c].dtype)]
    for table in (redacted.segments[cols], redacted.rejected):
        blob = "\n".join(table.astype(str).to_numpy().ravel())
        for n in names:
            assert not re.search(rf"\b{re.escape(n)}\b", blob), f"{n!r} left in the output"
    assert (redacted.redactions["type"] == "PERSON").any()
    assert redacted.segments["text"].str.contains(r"\[PERSON\]").any()
