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


def _variable_names(path) -> set[str]:
    from lxml import etree

    from insightkit.report.refi import QDPX_NS

    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
    return {v.get("name") for v in root.iter(f"{{{QDPX_NS}}}Variable")}


def test_only_participant_level_columns_become_case_variables(tmp_path, shared_dir):
    segs = _segments()
    # a second answer from the survey respondent, so every case has more than one segment
    extra = segs.iloc[[3]].copy()
    extra["segment_id"], extra["start"], extra["text"] = "survey-b#41-80", 41, "Shared care record next year"
    segs = pd.concat([segs, extra], ignore_index=True)
    segs["job_role"] = ["CIO", "Researcher", "CIO", "Director", "Director"]
    # columns topic modelling, tagging and reading add: all per segment, none a case variable
    segs["topic"] = [0, 1, 0, 2, 1]
    segs["topic_label"] = ["epr go-live", "network", "epr go-live", "dashboards", "network"]
    segs["topic_emergent"] = [False, True, False, False, True]
    segs["subtopic_epr"] = ["go-live", "", "go-live", "", ""]  # constant for P01 by chance: still skipped
    segs["emergent_candidate"] = [0, 1, 0, 0, 1]
    segs["topic_probability"] = [0.9, 0.8, 0.7, 0.6, 0.5]
    segs["score_epr"] = [0.91, 0.1, 0.2, 0.05, 0.3]
    segs["role_source"] = ["participants_file", "participants_file", "participants_file", "survey", "survey"]
    segs["end"] = segs["start"] + segs["text"].str.len()
    segs["line"] = [3, 5, 7, 2, 2]
    # unlisted per-segment columns: found because they differ within one person's segments
    segs["reviewer_note"] = ["check", "", "keep", "x", "y"]
    segs["sentiment"] = [0.2, 0.0, -0.4, 0.1, 0.3]
    path = export_qdpx(segs, _codebook(), tmp_path / "project.qdpx")
    assert validate(path, shared_dir / "refi-qda" / "Project.xsd") == []
    assert _variable_names(path) == {"trust_type", "region", "job_role"}
    got = {(r.selection, r.code_id) for r in import_qdpx(path).itertuples()}
    assert ("survey-b#5-40", "data") in got and ("call-a#10-60", "epr") in got


def test_case_variable_values_come_from_each_participant(tmp_path):
    from lxml import etree

    from insightkit.report.refi import QDPX_NS

    segs = _segments()
    segs.loc[0, "region"] = ""  # the first segment lacks it: the person's other segment supplies it
    path = export_qdpx(segs, _codebook(), tmp_path / "project.qdpx")
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
    ns = {"q": QDPX_NS}
    var_guid = {v.get("name"): v.get("guid") for v in root.iterfind(".//q:Variable", ns)}
    case = next(c for c in root.iterfind(".//q:Case", ns) if c.get("name").startswith("P01"))
    values = {vv.find("q:VariableRef", ns).get("targetGUID"): vv.find("q:TextValue", ns).text
              for vv in case.iterfind("q:VariableValue", ns)}
    assert values == {var_guid["trust_type"]: "Acute", var_guid["region"]: "South East"}
