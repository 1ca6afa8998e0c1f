"""REFI-QDA exports validate against the schemas and round-trip through our own reader."""

import zipfile

import pandas as pd
import pytest

from insightkit.codebook import Codebook, Theme
from insightkit.report.refi import build_source_texts, export_qdc, export_qdpx, import_qdc, import_qdpx, validate


def _segments():
    rows = [
        ("call-a", "call-a#10-60", "P01", "participant", "The EPR went live in March & it's <fine>.", 1, 0, "Acute", "South East"),
        ("call-a", "call-a#61-90", "I01", "interviewer", "And the network?", 0, 1, "", ""),
        ("call-a", "call-a#91-200", "P01", "participant", "Our Wi-Fi keeps dropping; [PERSON] says \"cyber\" is the worry.", 0, 1, "Acute", "South East"),
        ("survey-b", "survey-b#5-40", "R0001", "respondent", "Dashboards for the board, ünïcode too", 0, 0, "Community", "London"),
    ]
    df = pd.DataFrame(rows, columns=["doc_id", "segment_id", "speaker", "role", "text", "theme_epr", "theme_infrastructure_cyber", "trust_type", "region"])
    df["theme_data"] = [0, 0, 0, 1]
    df["participant_id"] = df["doc_id"] + "/" + df["speaker"]
    df["source"] = df["doc_id"] + ".txt"
    df["question"] = ["", "", "", "progress_text"]
    df["start"] = [10, 61, 91, 5]
    df["attribution"] = ["Acute trust, South East", "", "Acute trust, South East", "Community trust, London"]
    return df


def _codebook():
    return Codebook(name="t", themes=(
        Theme(id="epr", label="EPR", description="Electronic patient records"),
        Theme(id="infrastructure_cyber", label="Infrastructure & cyber", description="Networks, cyber"),
        Theme(id="data", label="Data", description="Using data"),
    ))


def test_qdc_round_trip_and_schema(tmp_path, shared_dir):
    path = export_qdc(_codebook(), tmp_path / "codebook.qdc")
    assert validate(path, shared_dir / "refi-qda" / "Codebook.xsd") == []
    back = import_qdc(path)
    assert [t.id for t in back.themes] == ["epr", "infrastructure_cyber", "data"]
    assert back.themes[1].label == "Infrastructure & cyber"
    assert back.themes[0].description == "Electronic patient records"


def test_qdpx_validates_and_round_trips(tmp_path, shared_dir):
    segs = _segments()
    path = export_qdpx(segs, _codebook(), tmp_path / "project.qdpx")
    assert validate(path, shared_dir / "refi-qda" / "Project.xsd") == []
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    assert "project.qde" in names and all(n == "project.qde" or n.startswith("sources/") for n in names)
    codings = import_qdpx(path)
    expected = {(sid, t) for sid, row in segs.set_index("segment_id").iterrows()
                for t in ("epr", "infrastructure_cyber", "data") if row[f"theme_{t}"] == 1}
    got = {(r.selection, r.code_id) for r in codings.itertuples()}
    assert got == expected
    # the selected characters are exactly the segment texts
    texts = dict(zip(segs.segment_id, segs.text))
    for r in codings.itertuples():
        assert r.text == texts[r.selection]


def test_export_is_deterministic(tmp_path):
    a = export_qdpx(_segments(), _codebook(), tmp_path / "a.qdpx").read_bytes()
    b = export_qdpx(_segments(), _codebook(), tmp_path / "b.qdpx").read_bytes()
    assert a == b


def test_source_texts_hold_redacted_text_only():
    src = build_source_texts(_segments())["call-a"]
    assert src.text.splitlines()[0].startswith("P01: The EPR went live")
    s, e = src.spans["call-a#91-200"]
    assert src.text[s:e].startswith("Our Wi-Fi")


def test_import_qdc_rejects_non_codebook(tmp_path):
    from insightkit.errors import InputError

    bad = tmp_path / "x.qdc"
    bad.write_text("<not-xml")
    with pytest.raises(InputError):
        import_qdc(bad)
