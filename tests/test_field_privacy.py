"""Personal data outside the answers: column headers, sheet names, file names, attribute columns.

Each planted name, email and phone number must be absent from every field of the segment table but
``source`` (the real file name, kept so a reviewer can open the file) and from every file that
``report`` and ``quotes`` write; a redacted attribute column must keep its groups apart; the
redaction log lists every edit, with the field it was in.
"""

from __future__ import annotations

import re
import zipfile

import pandas as pd
import pytest

from insightkit.errors import InputError
from insightkit.io import read_source_text
from insightkit.pipeline import read
from insightkit.redact.fields import is_generic_label, redact_fields
from insightkit.redact.filenames import file_name_edits, redact_file_name

openpyxl = pytest.importorskip("openpyxl")

Q1 = "What did you think of Dr Priya Raman's EPR talk? (email p.raman@nhs.net)"
Q2 = "What would help your team most with digital work next year?"
SHEET = "Siobhan Kelly 07700 900123"
PLANTED = re.compile(r"priya|raman|siobhan|kelly|07700|900123|900456|okafor|sw1a|1aa|bloggs|nwosu|wielgus|"
                     r"pryce|tomasz|ffion|amara|northfield|easton|nhs\.net", re.I)
ANSWERS_1 = [
    "The talk made the EPR rollout feel achievable and the clinical safety case was explained clearly.",
    "It was too long and the slides on interoperability were hard to follow from the back of the room.",
    "Really useful section on training super users before go live, we will copy that on our wards.",
    "I liked the honest account of downtime during the cutover weekend and what they would change.",
    "Good talk but nothing on funding, which is the main barrier for community services like ours.",
    "The demo of the patient portal was the best part, our patients keep asking for that access.",
]
ANSWERS_2 = [
    "More protected time for training so staff are not learning the new system during a busy shift.",
    "Reliable wifi across the older buildings, the network drops and devices lose their session.",
    "A single login for every system, we waste minutes every hour typing passwords into screens.",
    "Funding for replacement laptops because half of ours are too slow to run clinical applications.",
    "Better data sharing with primary care so discharge letters arrive before the patient gets home.",
    "A dedicated digital nurse in each division to support colleagues and feed back problems to IT.",
]
LEADS = ["Dr Amara Nwosu", "Mr Tomasz Wielgus", "Trust B", "Mrs Ffion Pryce", "Dr Tomasz Wielgus"]
COLUMNS = ["Respondent ID", Q1, Q2, "Trust type", "Region", "Provider code", "Clinical lead", "organization"]


def _rows(n: int = 12, first: int = 1) -> list[list[str]]:
    rows = []
    for i in range(n):
        rows.append([f"{first + i}", f"{ANSWERS_1[i % 6]} Point {i}.", f"{ANSWERS_2[(i + 1) % 6]} Item {i}.",
                     ["Acute", "Community"][i % 2], ["London", "Midlands", "South West"][i % 3],
                     ["Trust A", "Trust B", "Trust C"][i % 3], LEADS[i % len(LEADS)],
                     ["Northfield Community NHS Trust", "Easton General Hospital"][i % 2]])
    return rows


def _csv(path, rows=None, columns=COLUMNS):
    pd.DataFrame(rows or _rows(), columns=columns).to_csv(path, index=False)
    return path


def _xlsx(path, sheet=SHEET):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(COLUMNS)
    for r in _rows(12, 100):
        ws.append(r)
    wb.save(path)
    return path


TRANSCRIPT = """Interviewer: Thanks for making time. How is the EPR programme going on your site?
Participant: Slowly but steadily. We went live on four wards and the others follow after winter.
Interviewer: What has been hardest?
Participant: The network in the older blocks. The wifi drops and staff lose their session on the carts.
"""


def _leaks(df: pd.DataFrame, skip=("source",)) -> dict[str, list[str]]:
    """Planted data in any column name or cell of ``df`` but those in ``skip``."""
    out = {}
    for c in df.columns:
        if PLANTED.search(str(c)):
            out[f"column name {c}"] = [str(c)]
        if c in skip:
            continue
        hits = [str(v) for v in df[c].astype(str) if PLANTED.search(str(v))]
        if hits:
            out[c] = hits[:2]
    return out


def _text_of(path) -> str:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    return path.read_bytes().decode("utf-8", "replace")


# -- column headers ----------------------------------------------------------------------------


def test_a_question_header_is_redacted_and_logged(tmp_path):
    p = _csv(tmp_path / "pulse.csv")
    res = read(p, text_columns=[Q1, Q2], show_progress=False)
    seg, rej = res
    assert sorted(seg["question"].unique()) == sorted(
        ["What did you think of Dr [PERSON]'s EPR talk? (email [EMAIL])", Q2])
    assert not _leaks(seg) and not _leaks(rej)
    log = res.redactions
    q = log[log["field"] == "question"]
    # every row that shows the header has its edits, with offsets into the header as written
    redacted_rows = seg.loc[seg["question"] != Q2, "segment_id"]
    assert set(q["segment_id"]) >= set(redacted_rows)
    assert {(r.original, r.placeholder) for r in q.itertuples()} == {("Priya Raman", "[PERSON]"),
                                                                     ("p.raman@nhs.net", "[EMAIL]")}
    assert all(Q1[int(r.start):int(r.end)] == r.original for r in q.itertuples())
    assert res.verify() == []


def test_two_headers_that_redact_alike_stay_two_questions(tmp_path):
    cols = ["id", "What did Dr Priya Raman get right?", "What did Dr Tom Fenwick get right?"]
    rows = [[str(i), ANSWERS_1[i % 6], ANSWERS_2[i % 6]] for i in range(6)]
    p = _csv(tmp_path / "two.csv", rows, cols)
    seg, _ = read(p, show_progress=False)
    questions = sorted(seg["question"].unique())
    assert len(questions) == 2, questions  # never merged into one "What did Dr [PERSON] get right?"
    assert not any(PLANTED.search(q) or "Fenwick" in q or "Tom" in q for q in questions)
    assert all("[PERSON " in q for q in questions)


def test_an_attribute_column_named_after_a_person_is_renamed(tmp_path):
    cols = ["id", "What would help most?", "Rating of Dr Priya Raman session"]
    rows = [[str(i), ANSWERS_2[i % 6], str(i % 5 + 1)] for i in range(6)]
    res = read(_csv(tmp_path / "rating.csv", rows, cols), show_progress=False)
    seg = res.segments
    assert not _leaks(seg)
    assert "rating_of_dr_person_session" in seg.columns
    assert seg["rating_of_dr_person_session"].tolist() == [str(i % 5 + 1) for i in range(6)]
    names = res.redactions[res.redactions["field"].str.startswith("attribute_name:")]
    assert set(names["original"]) == {"Priya Raman"} and set(names["segment_id"]) == {""}


# -- sheet names -------------------------------------------------------------------------------


def test_a_sheet_name_is_redacted_in_cells_and_ids_and_still_leads_to_the_cell(tmp_path):
    p = _xlsx(tmp_path / "board.xlsx")
    res = read(p, show_progress=False)
    seg, rej = res
    assert not _leaks(seg) and not _leaks(rej)
    assert not any(PLANTED.search(str(k)) for doc in res.documents.values() for k in doc)
    shown = seg["cell"].str.rpartition("!")[0].unique().tolist()
    assert len(shown) == 1 and re.fullmatch(r"'\[PERSON\] \[PHONE\] #[0-9a-f]{8}'", shown[0])
    assert seg["cell"].is_unique and seg["segment_id"].is_unique
    # the redacted reference still finds the cell in the file, and every segment replays from it
    for r in seg.head(3).itertuples():
        assert read_source_text(p, r.cell) == res.source_text(r.doc_id, r.cell)
    assert res.verify() == []
    sheet = res.redactions[res.redactions["field"] == "sheet"]
    assert set(sheet["original"]) == {"Siobhan Kelly", "07700 900123"} and set(sheet["segment_id"]) == {""}
    with pytest.raises(InputError, match="no sheet named"):
        read_source_text(p, "'[PERSON] #00000000'!B2")


def test_a_sheet_name_stays_out_of_ids_without_redaction(tmp_path):
    p = _xlsx(tmp_path / "board.xlsx", sheet="Team 07700 900123")
    seg, _ = read(p, redact=False, show_progress=False)
    assert not seg["segment_id"].str.contains("07700").any() and not seg["cell"].str.contains("07700").any()


def test_a_sheet_name_without_personal_data_is_kept(tmp_path):
    seg, _ = read(_xlsx(tmp_path / "board.xlsx", sheet="Responses"), show_progress=False)
    assert seg["cell"].str.startswith("Responses!").all()


# -- file names --------------------------------------------------------------------------------


@pytest.mark.parametrize("name, shown", [
    ("mr_j_okafor.txt", "mr_[PERSON].txt"),
    ("Dr A B Smith notes.docx", "Dr [PERSON] notes.docx"),
    ("SW1A 1AA site visit.txt", "[POSTCODE] site visit.txt"),
    ("ls9_7tf_visit.vtt", "[POSTCODE]_visit.vtt"),
    ("call_07700_900456.vtt", "call_[PHONE].vtt"),
    ("notes 07700 900456 j.bloggs@nhs.net.txt", "notes [PHONE] [EMAIL].txt"),
    ("2024_03_12 interview.txt", "2024_03_12 interview.txt"),  # a date is no phone number
    ("cio_interview_03_final.docx", "cio_interview_03_final.docx"),
])
def test_titles_initials_postcodes_phones_and_emails_in_file_names(name, shown):
    assert redact_file_name(name, use_ner=False) == shown


def test_file_name_edits_are_offsets_into_the_name():
    (shown, log), = file_name_edits(["notes 07700 900456 j.bloggs@nhs.net.txt"], use_ner=False)
    name = "notes 07700 900456 j.bloggs@nhs.net.txt"
    assert [(e["type"], name[e["start"]:e["end"]]) for e in log] == [("PHONE", "07700 900456"),
                                                                      ("EMAIL", "j.bloggs@nhs.net")]


def test_file_names_reach_no_id(tmp_path):
    for name, n in (("mr_j_okafor.txt", "two"), ("SW1A 1AA site visit.txt", "six"),
                    ("notes 07700 900456 j.bloggs@nhs.net.txt", "nine")):
        (tmp_path / name).write_text(TRANSCRIPT.replace("four", n), encoding="utf-8")
    res = read(tmp_path, redact=False, show_progress=False)
    seg = res.segments
    assert not _leaks(seg)
    assert set(seg["source_display"]) == {"mr_[PERSON].txt", "[POSTCODE] site visit.txt", "notes [PHONE] [EMAIL].txt"}
    log = res.redactions[res.redactions["field"] == "file_name"]
    assert set(log["original"]) == {"j_okafor", "SW1A 1AA", "07700 900456", "j.bloggs@nhs.net"}
    assert res.verify() == []


# -- attribute columns -------------------------------------------------------------------------


def test_generic_labels_are_not_names():
    assert is_generic_label("Trust B") and is_generic_label("NHS Foundation Trust 3") and is_generic_label("Hospital C2")
    assert not is_generic_label("Northfield Community NHS Trust") and not is_generic_label("Priya Raman", "PERSON")
    assert not is_generic_label("07700 900123", "PHONE")


class _Fake:
    """A redactor that calls every capitalised word after "Dr" a person."""

    def redact_batch(self, items, names):
        from insightkit.alignment import AlignedText

        out = []
        for at in items:
            log = [{"type": "PERSON", "start": m.start(1), "end": m.end(1), "placeholder": "[PERSON]",
                    "original": m.group(1), "method": "fake"} for m in re.finditer(r"Dr (\w+)", at.text)]
            out.append((AlignedText.from_source(at.text), log))
        return out


def test_redact_fields_never_merges_two_values():
    values = ["Dr Ames", "Dr Brook", "Dr Ames", "Trust B", "none"]
    res = redact_fields(values, _Fake())
    assert res.shown == {"Dr Ames": "Dr [PERSON 1]", "Dr Brook": "Dr [PERSON 2]"}
    assert res.log["Dr Brook"][0]["original"] == "Brook" and res.log["Dr Brook"][0]["placeholder"] == "[PERSON 2]"
    plain = redact_fields(["Dr Ames", "Dr Brook", "Dr Ames and more"], _Fake(), numbered="on_collision")
    assert plain.shown["Dr Ames and more"] == "Dr [PERSON] and more"  # no clash: the plain placeholder
    assert len({plain.shown["Dr Ames"], plain.shown["Dr Brook"]}) == 2


def test_attribute_groups_are_never_merged_and_every_edit_is_logged(tmp_path):
    p = _csv(tmp_path / "pulse.csv")
    raw = read(p, text_columns=[Q1, Q2], redact=False, show_progress=False).segments
    res = read(p, text_columns=[Q1, Q2], show_progress=False)
    seg = res.segments
    assert not _leaks(seg)
    # generic labels stay as written: three providers stay three groups
    assert sorted(seg["provider_code"].unique()) == ["Trust A", "Trust B", "Trust C"]
    # real names: one placeholder per distinct value, the same in every row
    pairs = set(zip(raw["clinical_lead"], seg["clinical_lead"]))
    assert len({a for a, _ in pairs}) == len({b for _, b in pairs}) == len(pairs) == len(LEADS)
    assert ("Trust B", "Trust B") in pairs
    assert ("Dr Tomasz Wielgus", "Dr [PERSON 2]") in pairs and ("Mr Tomasz Wielgus", "Mr [PERSON 2]") in pairs
    # the log has each row's attribute edits, offsets into the value as written
    log = res.redactions[res.redactions["field"] == "attribute:clinical_lead"]
    changed = seg.loc[seg["clinical_lead"] != raw["clinical_lead"].values, "segment_id"]
    assert set(changed) <= set(log["segment_id"])
    for r in log.itertuples():
        value = raw.loc[raw["segment_id"] == r.segment_id, "clinical_lead"]
        if len(value):
            assert value.iloc[0][int(r.start):int(r.end)] == r.original
    assert "organization" not in seg.columns  # the organisation's own name: left out by default


def test_keep_column_keeps_a_personal_column_redacted(tmp_path):
    p = _csv(tmp_path / "pulse.csv")
    with pytest.warns(UserWarning, match=r"organization.*--keep-column"):
        read(p, text_columns=[Q1, Q2], show_progress=False)
    res = read(p, text_columns=[Q1, Q2], keep_columns=["Organization"], show_progress=False)
    seg = res.segments
    assert not _leaks(seg)
    assert sorted(seg["organization"].unique()) == ["[ORG 1]", "[ORG 2]"]  # two trusts, two groups
    assert set(res.redactions.loc[res.redactions["field"] == "attribute:organization", "original"]) == {
        "Northfield Community NHS Trust", "Easton General Hospital"}
    with pytest.raises(InputError, match="--keep-column 'organisation_nme'"):
        read(p, text_columns=[Q1, Q2], keep_columns=["organisation_nme"], show_progress=False)


def test_participants_file_attributes_are_redacted_and_logged(tmp_path):
    src = tmp_path / "calls"
    src.mkdir()
    (src / "call01.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (src / "call02.txt").write_text(TRANSCRIPT.replace("four", "six"), encoding="utf-8")
    parts = tmp_path / "parts.csv"
    parts.write_text("source,speaker,role,trust_type,organisation,line_manager,site\n"
                     "call01.txt,Participant,participant,Acute,Easton General Hospital,Dr Amara Nwosu,Trust B\n"
                     "call02.txt,Participant,participant,Acute,Northfield Community NHS Trust,Dr Ffion Pryce,Trust C\n",
                     encoding="utf-8")
    res = read(src, participants=parts, keep_columns=["organisation"], show_progress=False)
    seg = res.segments
    assert not _leaks(seg)
    people = seg[seg["role"] == "participant"].drop_duplicates("doc_id")
    assert sorted(people["site"]) == ["Trust B", "Trust C"]
    assert sorted(people["line_manager"]) == ["Dr [PERSON 1]", "Dr [PERSON 2]"]
    assert sorted(people["organisation"]) == ["[ORG 1]", "[ORG 2]"]
    log = res.redactions
    assert set(log.loc[log["field"] == "attribute:line_manager", "original"]) == {"Amara Nwosu", "Ffion Pryce"}


def test_clean_cli_keep_column_and_log(tmp_path, capsys):
    from insightkit.cli import main

    p = _csv(tmp_path / "pulse.csv")
    out, log = tmp_path / "seg.csv", tmp_path / "log.csv"
    assert main(["clean", str(p), "--text-column", Q1, "--text-column", Q2, "--keep-column", "organization",
                 "--out", str(out), "--redaction-log", str(log), "--quiet"]) == 0
    seg = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert "organization" in seg.columns and not _leaks(seg)
    fields = set(pd.read_csv(log, dtype=str, keep_default_na=False)["field"])
    assert {"question", "attribute:clinical_lead", "attribute:organization"} <= fields


def test_a_read_error_in_the_report_names_no_one(tmp_path):
    from insightkit.pipeline.redact import shown_error

    path = tmp_path / "mr_j_okafor.xlsx"
    err = InputError(path, f"sheet {SHEET!r} has a header row but no data rows; the columns are: {Q1!r}")
    shown = shown_error(err)
    assert not PLANTED.search(shown), shown
    assert shown.startswith("mr_[PERSON].xlsx: sheet '[PERSON] [PHONE]'")


# -- everything the commands write -------------------------------------------------------------


def _planted_corpus(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _csv(src / "pulse_survey.csv")
    _xlsx(src / "board_feedback.xlsx")
    for name, n in (("mr_j_okafor.txt", "two"), ("SW1A 1AA site visit.txt", "six"),
                    ("notes 07700 900456 j.bloggs@nhs.net.txt", "nine")):
        (src / name).write_text(TRANSCRIPT.replace("four", n), encoding="utf-8")
    return src


@pytest.mark.slow
def test_report_and_quotes_write_none_of_the_planted_data(tmp_path, monkeypatch):
    from insightkit import build_report
    from insightkit.classify import load_model
    from insightkit.cli import main

    src = _planted_corpus(tmp_path)
    model = load_model()
    res = build_report([src], tmp_path / "report", model=model, n_quotes=2, topics=False, show_progress=False,
                       keep_columns=["organization"])
    written = [p for p in (tmp_path / "report").rglob("*") if p.is_file() and p.suffix != ".png"]
    assert {"report.html", "report.xlsx", "report.md", "codebook.qdc", "project.qdpx"} <= {p.name for p in written}
    for path in written:
        leaked = re.findall(rf"\b(?:{PLANTED.pattern})\b", _text_of(path), re.I)
        assert not leaked, f"{path.name} carries {leaked[:3]}"
    assert not _leaks(res.segments)

    monkeypatch.chdir(tmp_path)
    assert main(["clean", "in", "--out", "segments.csv", "--quiet"]) == 0
    segs = pd.read_csv(tmp_path / "segments.csv", dtype=str, keep_default_na=False)
    assert not _leaks(segs)  # every field but the real file name in 'source'
    model.tag(segs).to_csv(tmp_path / "tagged.csv", index=False)
    assert main(["quotes", "tagged.csv", "--n", "2", "--min-words", "8", "--out", "quotes.csv",
                 "--html", "audit.html", "--sources", "in"]) == 0
    for name in ("quotes.csv", "quotes.rejected.csv", "audit.html"):
        leaked = re.findall(rf"\b(?:{PLANTED.pattern})\b", _text_of(tmp_path / name), re.I)
        assert not leaked, f"{name} carries {leaked[:3]}"
    quotes = pd.read_csv(tmp_path / "quotes.csv", dtype=str, keep_default_na=False)
    assert len(quotes) >= 1 and quotes["verified"].eq("True").all()  # still proved against the real files
