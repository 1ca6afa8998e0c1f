"""Reading REFI-QDA projects (.qdpx): segments, codings mapped onto them, safety, bad input."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest
from lxml import etree

from insightkit.cli import main
from insightkit.errors import InputError
from insightkit.pipeline.qdpx import read_qdpx
from insightkit.report.refi import validate
from qdpx_helpers import ALICE, BOB, INTERVIEW, N, NOTES, build_project, gid, selection


@pytest.fixture()
def schema(shared_dir):
    return shared_dir / "refi-qda" / "Project.xsd"


@pytest.fixture()
def project(tmp_path):
    return build_project(tmp_path / "study.qdpx")


def test_built_project_is_valid(project, schema):
    assert validate(project, schema) == []


def test_segments_and_codings(project):
    with pytest.warns(UserWarning, match="Leaflet"):
        r = read_qdpx(project, redact=False)
    seg = r.segments
    assert set(seg["source"]) == {"Interview one", "Field notes"}
    # offsets index the source's plain text (characters, CRLF kept)
    texts = {"Interview one": INTERVIEW, "Field notes": NOTES}
    for src, s, e, text in seg[["source", "start", "end", "text"]].itertuples(index=False):
        assert texts[src][s:e] == text
    interview = seg[seg["source"] == "Interview one"]
    assert list(interview["role"]) == ["interviewer", "participant", "interviewer", "participant"]
    assert len(seg[seg["source"] == "Field notes"]) == 4  # paragraphs: no speaker turns
    cod = r.codings
    assert (cod["segment_id"] != "").all()
    assert set(cod["segment_id"]) <= set(seg["segment_id"])
    wait = cod[(cod["user"] == "Alice") & (cod["code"] == "Waiting times")]
    # Alice's field-notes coding runs across a paragraph break: two segments, whole each
    notes_rows = wait[wait["source"] == "Field notes"]
    assert len(notes_rows) == 2 and (notes_rows["overlap"] == notes_rows["segment_chars"]).all()
    # her interview coding covers part of one segment
    part = wait[wait["source"] == "Interview one"]
    assert len(part) == 1 and 0 < part["overlap"].iloc[0] < part["segment_chars"].iloc[0]
    # nested code keeps its parent path; two codes on one selection both count
    assert "Staff / Kindness" in set(cod["code"])
    bob_staff = cod[(cod["user"] == "Bob") & (cod["code"] == "Staff") & (cod["source"] == "Interview one")]
    assert len(bob_staff) == 2  # a selection over two segments
    assert list(r.rejected["reason"]) == ["source_not_read"]
    assert "PDF" in r.rejected["detail"].iloc[0]


def test_redaction_applies(tmp_path):
    def add(root):
        src = root.find(f"{N}Sources")
        el = etree.SubElement(src, f"{N}TextSource", guid=gid("src", "named"), name="Call with Margaret Thompson")
        etree.SubElement(el, f"{N}PlainTextContent").text = "Margaret Thompson rang on 07700 900123 about her visit."

    p = build_project(tmp_path / "named.qdpx", extra=add)
    with pytest.warns(UserWarning):
        r = read_qdpx(p)
    joined = " ".join(r.segments["text"]) + " ".join(r.segments["doc_id"]) + " ".join(r.segments["source_display"])
    assert "07700" not in joined and "Thompson" not in joined


def test_utf16_source(tmp_path):
    p = build_project(tmp_path / "u16.qdpx", notes_encoding="utf-16")
    with pytest.warns(UserWarning):
        r = read_qdpx(p, redact=False)
    seg = r.segments[r.segments["source"] == "Interview one"]
    for s, e, text in seg[["start", "end", "text"]].itertuples(index=False):
        assert INTERVIEW[s:e] == text


def _rewrite(path, qde: bytes | None = None, extra: dict | None = None):
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    if qde is not None:
        members["project.qde"] = qde
    members.update(extra or {})
    with zipfile.ZipFile(path, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)


def test_bad_input(tmp_path, project):
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(InputError, match="bad.qdpx"):
        read_qdpx(bad)
    _rewrite(project, qde=b"<Project xmlns='urn:QDA-XML:project:1.0'><Users>")
    with pytest.raises(InputError, match="not valid XML"):
        read_qdpx(project)


def test_coding_outside_text(tmp_path):
    def add(root):
        src = root.find(f"{N}Sources/{N}TextSource")
        selection(src, 10, 10_000, ALICE, gid("code", "wait"))

    p = build_project(tmp_path / "out.qdpx", extra=add)
    with pytest.raises(InputError, match="outside its text"):
        read_qdpx(p)
    assert main(["clean", str(p), "--out", str(tmp_path / "s.csv"), "--no-redact"]) == 2


def test_no_entities_or_traversal(tmp_path, project):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    with zipfile.ZipFile(project) as zf:
        qde = zf.read("project.qde").decode()
    evil = qde.replace("<?xml version='1.0' encoding='utf-8'?>",
                       f"<?xml version='1.0' encoding='utf-8'?><!DOCTYPE p [<!ENTITY x SYSTEM 'file://{secret}'>]>")
    evil = evil.replace("Remember to ask about parking.", "&x;")
    _rewrite(project, qde=evil.encode())
    with pytest.warns(UserWarning):
        r = read_qdpx(project, redact=False)
    assert b"TOP SECRET" not in etree.tostring(r.project.tree)
    traversal = evil.replace("internal://interview.txt", "internal://../../secret.txt")
    _rewrite(project, qde=traversal.encode())
    with pytest.raises(InputError, match="not a file in the project"):
        read_qdpx(project)


def test_cli_clean_qdpx(tmp_path, project):
    out = tmp_path / "segments.csv"
    assert main(["clean", str(project), "--out", str(out), "--no-redact", "--quiet"]) == 0
    seg = pd.read_csv(out, keep_default_na=False)
    cod = pd.read_csv(tmp_path / "segments.codings.csv", keep_default_na=False)
    assert set(cod["segment_id"]) <= set(seg["segment_id"])
    assert {"Alice", "Bob"} == set(cod["user"])
    assert (tmp_path / "segments.rejected.csv").exists()


def test_users_and_unused_codes_kept(project):
    with pytest.warns(UserWarning):
        r = read_qdpx(project, redact=False)
    assert set(r.project.users.values()) == {"Alice", "Bob"}
    assert "Never used" in {c.name for c in r.project.codes}
    assert BOB in r.project.users


def _human(r):
    cod = r.codings
    return cod[~cod["user"].str.startswith("insightkit")].drop(columns=["doc_id"]).reset_index(drop=True)


def test_model_codings_added_beside_human_ones(tmp_path, project, schema):
    from insightkit.codebook import Codebook, Theme
    from insightkit.io.qdpx import write_project
    from insightkit.pipeline.qdpx import add_model_codings

    with pytest.warns(UserWarning):
        r = read_qdpx(project, redact=False)
    tagged = r.segments.assign(theme_wait=[int("wait" in t.lower()) for t in r.segments["text"]],
                               theme_parking=[int("Parking" in t) for t in r.segments["text"]])
    cb = Codebook(name="m", themes=(Theme(id="wait", label="Waiting times", description="waits"),
                                    Theme(id="parking", label="Parking", description="finding a space")))
    counts = add_model_codings(r, tagged, cb, "insightkit model m, threshold 0.50")
    assert counts == {"wait": int(tagged["theme_wait"].sum()), "parking": 1}
    out = write_project(r.project, tmp_path / "tagged.qdpx")
    assert validate(out, schema) == []
    with pytest.warns(UserWarning):
        again = read_qdpx(out, redact=False)
    pd.testing.assert_frame_equal(_human(again), _human_of(project))
    model = again.codings[again.codings["user"] == "insightkit model m, threshold 0.50"]
    assert set(model["code"]) == {"Waiting times", "Parking"}
    # a theme matching a project code codes with that code; the new one is a new code
    assert (model.loc[model["code"] == "Waiting times", "code_guid"] == gid("code", "wait").upper()).all()
    assert (model["overlap"] == model["segment_chars"]).all()  # whole segments
    # nothing else lost: notes, variables, sets, the PDF source and its file, the unused code
    with zipfile.ZipFile(out) as zf:
        qde = zf.read("project.qde").decode()
        assert zf.read("sources/leaflet.pdf") == b"%PDF-1.4 not really"
    for kept in ("Remember to ask about parking.", "Never used", "Pilot", 'name="site"', "Leaflet"):
        assert kept in qde


def _human_of(project):
    with pytest.warns(UserWarning):
        return _human(read_qdpx(project, redact=False))


def test_agreement_between_two_coders(tmp_path, project, capsys):
    import json

    from insightkit.pipeline.qdpx import coder_labels

    with pytest.warns(UserWarning):
        r = read_qdpx(project, redact=False)
    seg, codes, A, B = coder_labels(r, "Alice", "Bob")
    names = list(codes.values())
    assert set(names) == {"Waiting times", "Staff", "Staff / Kindness"}
    assert len(seg) == 8  # both coded both text sources
    sid = list(seg["segment_id"])
    staff = names.index("Staff")
    # Bob's Staff coding spans the interviewer's question and the answer; Alice's only the answer
    assert B[:, staff].sum() == 3 and A[:, staff].sum() == 1
    wait = names.index("Waiting times")
    answer = next(i for i, s in enumerate(sid) if seg["text"].iloc[i].startswith("The wait"))
    assert A[answer, wait] == B[answer, wait] == 1  # part of the segment or all of it: coded both
    out = tmp_path / "disagree.csv"
    assert main(["agreement", str(project), "--users", "Alice", "Bob", "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["themes"]) == set(names) and report["n_texts"] == 8
    assert all("ac1" in v for v in report["themes"].values())
    dis = pd.read_csv(out, keep_default_na=False)
    assert len(dis) == int((A != B).sum()) and set(dis.columns) >= {"Alice", "Bob", "code", "text", "decision"}
    assert main(["agreement", str(project), "--users", "Alice", "Carol"]) == 2
    assert "no user 'Carol'" in capsys.readouterr().err


def test_training_set_from_codings(project):
    from insightkit.pipeline.qdpx import training_set

    with pytest.warns(UserWarning):
        r = read_qdpx(project, redact=False)
    cb, texts, Y, counts, notes = training_set(r)
    assert [t.label for t in cb.themes] == ["Waiting times", "Staff", "Staff / Kindness"]
    assert len(texts) == 5 and "How was your visit to the clinic?" not in texts  # uncoded: left out
    assert counts[cb.themes[1].id] == 3 and any("Never used" in n for n in notes)
    cb, texts, Y, counts, _ = training_set(r, users=["Alice"], fully_coded=["Field notes"])
    # Alice coded 4 segments; the 2 other field-notes paragraphs count as coded with nothing
    assert len(texts) == 6 and int((Y.sum(axis=1) == 0).sum()) == 2
    assert len(training_set(r, fully_coded="all")[1]) == 8
    with pytest.raises(InputError, match="no text source 'Nope'"):
        training_set(r, fully_coded=["Nope"])
