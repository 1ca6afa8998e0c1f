"""Survey exports: offset-exact CSV tokenizing, XLSX cells, columns, non-answers, duplicates."""

from __future__ import annotations

import json

import pytest

from insightkit.alignment import apply_edits, edits_from_json
from insightkit.errors import InputError
from insightkit.io import read_source_text
from insightkit.pipeline import read_survey
from insightkit.io.survey import attribute_name, tokenize_csv

openpyxl = pytest.importorskip("openpyxl")

CSV = (
    'Response ID,Trust type,Region,Job role,Email,What has gone well with digital?,Any other comments?\r\n'
    '1,Acute,London,CDIO,a.b@nhs.net,"Our EPR went live; staff said it was ""much better"" than paper.",N/A\r\n'
    '2,Community,South West,Chief Nurse,c@nhs.net,"Line one of the answer,\nline two, um, with a comma.",\r\n'
    '3,Ambulance,Midlands,Chair,d@nhs.net,-,"Funding, funding, funding for the new CAD system please."\r\n'
    '4,Acute,London,CDIO,e@nhs.net,"Our EPR went live; staff said it was ""much better"" than paper.",none\r\n'
    '5,Acute,North West,CEO,f@nhs.net,"=HYPERLINK(""http://x.example"",""x"")",Our board now reviews a cyber risk dashboard every quarter.\r\n'
)


def _csv(tmp_path, text=CSV, name="survey.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def _replays(path, seg):
    src = read_source_text(path)
    for r in seg.itertuples():
        assert apply_edits(src, r.start, r.end, edits_from_json(r.edits)) == r.text


def test_tokenizer_offsets_point_into_the_text():
    text = 'a,"b ""q"" c",d\r\n"x\ny",,z'
    recs = tokenize_csv(text)
    assert [[f.value(text) for f in fs] for _, _, fs in recs] == [["a", 'b "q" c', "d"], ["x\ny", "", "z"]]
    f = recs[0][2][1]
    assert text[f.start:f.end] == 'b ""q"" c'
    at = f.aligned(text)
    assert at.text == 'b "q" c'
    assert apply_edits(text, at.src_start, at.src_end, at.edits()) == at.text


def test_unclosed_quote_names_its_line():
    with pytest.raises(InputError) as exc:
        tokenize_csv('a,b\n1,2\n3,"never closed\n4,5\n', path="s.csv")
    assert exc.value.line == 3


def test_csv_answers_columns_and_rejections(tmp_path):
    p = _csv(tmp_path)
    res = read_survey(p, redact=False, show_progress=False)
    seg, rej = res
    # the two question columns are found without being named
    assert sorted(set(seg["question"])) == ["Any other comments?", "What has gone well with digital?"]
    assert seg["role"].unique().tolist() == ["respondent"]
    first = seg.iloc[0]
    assert first["text"] == 'Our EPR went live; staff said it was "much better" than paper.'
    assert json.loads(first["edits"]) != []  # the doubled quotes are edits
    assert first["speaker"] == "R0001" and first["participant_id"].endswith("/R0001")
    assert first["trust_type"] == "Acute" and first["region"] == "London" and first["job_role"] == "CDIO"
    assert first["attribution"] == "Acute trust, London"
    assert first["response_id"] == "1"
    # quoted newline: one answer, its span covers both lines, cleaned to one line
    two = seg[seg["speaker"] == "R0002"].iloc[0]
    assert two["text"] == "Line one of the answer, line two with a comma."
    assert two["line"] == 3
    reasons = {(r.speaker, r.question[:3]): r.reason for r in rej.itertuples()}
    assert reasons == {
        ("R0001", "Any"): "non_answer",
        ("R0002", "Any"): "empty",
        ("R0003", "Wha"): "non_answer",
        ("R0004", "Wha"): "duplicate_answer",
        ("R0004", "Any"): "non_answer",
    }
    # every answer cell is accounted for
    assert len(seg) + len(rej) == 5 * 2
    # the hostile value is kept as text (export neutralises it), not dropped
    assert seg["text"].str.startswith("=HYPERLINK").any()
    _replays(p, seg)
    assert res.verify() == []


def test_email_column_is_dropped_when_redacting(tmp_path):
    p = _csv(tmp_path)
    with pytest.warns(UserWarning, match="left out column"):
        seg, _ = read_survey(p, redact=True, show_progress=False, redactor=_FakeRedactor())
    assert "email" not in seg.columns
    # a free-text column that is not read as answers is not kept as an unredacted attribute either
    with pytest.warns(UserWarning, match="Any other comments"):
        seg, _ = read_survey(p, text_columns=["What has gone well with digital?"], show_progress=False,
                             redactor=_FakeRedactor())
    assert "any_other_comments" not in seg.columns
    seg2, _ = read_survey(p, redact=False, show_progress=False)
    assert "email" in seg2.columns


class _FakeRedactor:
    def redact_batch(self, items, names):
        return [(it, []) for it in items]


def test_named_text_column_and_missing_column_message(tmp_path):
    p = _csv(tmp_path)
    seg, _ = read_survey(p, text_columns=["any other comments?"], redact=False, show_progress=False)
    assert set(seg["question"]) == {"Any other comments?"}
    with pytest.raises(InputError) as exc:
        read_survey(p, text_columns=["Comments"], redact=False, show_progress=False)
    msg = str(exc.value)
    assert "survey.csv" in msg and "'Comments'" in msg and "'Trust type'" in msg and "\n" not in msg


def test_semicolon_delimited_cp1252_csv(tmp_path):
    text = "id;region;comment\r\n1;London;Our spend on cyber rose to £2m – a big step for the board.\r\n"
    p = _csv(tmp_path, text, encoding="cp1252")
    seg, _ = read_survey(p, text_columns=["comment"], redact=False, show_progress=False)
    assert seg["text"].tolist() == ["Our spend on cyber rose to £2m – a big step for the board."]
    _replays(p, seg)


def test_header_only_and_row_with_too_many_fields(tmp_path):
    with pytest.raises(InputError) as exc:
        read_survey(_csv(tmp_path, "id,comment\r\n", "h.csv"), redact=False, show_progress=False)
    assert "no data rows" in str(exc.value)
    p = _csv(tmp_path, "id,comment\n1,We moved to the cloud last year.\n2,a,b,c\n", "m.csv")
    seg, rej = read_survey(p, text_columns=["comment"], redact=False, show_progress=False)
    assert len(seg) == 1
    assert rej["reason"].tolist() == ["malformed_row"] and rej["line"].tolist() == [3]


def _xlsx(tmp_path, rows, name="survey.xlsx", sheet="Responses"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    p = tmp_path / name
    wb.save(p)
    return p


def test_xlsx_cells_and_offsets_within_the_cell(tmp_path):
    p = _xlsx(tmp_path, [
        ["respondent_id", "Trust type", "Region", "Role", "Likert", "What are your priorities?"],
        ["A1", "Acute", "London", "CIO", 4, "Replacing the, um, PAS and the the network."],
        ["A2", "Community", "South East", "CEO", 2, None],
        ["A3", "Acute", "London", "CIO", 5, "n/a"],
    ])
    res = read_survey(p, redact=False, show_progress=False)
    seg, rej = res
    assert seg["text"].tolist() == ["Replacing the PAS and the network."]
    row = seg.iloc[0]
    assert row["cell"] == "Responses!F2" and row["line"] == 2
    assert row["likert"] == "4" and row["job_role"] == "CIO"
    value = read_source_text(p, cell="Responses!F2")
    assert value == "Replacing the, um, PAS and the the network."
    assert apply_edits(value, row["start"], row["end"], edits_from_json(row["edits"])) == row["text"]
    assert res.verify() == []
    assert res.documents[row["doc_id"]]["Responses!F2"] == value
    assert rej["reason"].tolist() == ["empty", "non_answer"]
    assert rej["cell"].tolist() == ["Responses!F3", "Responses!F4"]


def test_xlsx_with_no_rows(tmp_path):
    p = _xlsx(tmp_path, [], "blank.xlsx")
    with pytest.raises(InputError) as exc:
        read_survey(p, redact=False, show_progress=False)
    assert "blank.xlsx" in str(exc.value) and "no rows" in str(exc.value)


def test_attribute_names():
    assert attribute_name("Trust type") == "trust_type"
    assert attribute_name("NHS Region") == "region"
    assert attribute_name("Job role") == "job_role"
    assert attribute_name("Role") == "job_role"
    assert attribute_name("Board engaged (Likert)") == "board_engaged_likert"


from hypothesis import given, settings, strategies as st  # noqa: E402

_field = st.text(alphabet=st.sampled_from(list('ab ,"\n\r;é’=')), max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_field, min_size=3, max_size=3), min_size=1, max_size=5))
def test_tokenizer_agrees_with_the_csv_module(rows):
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)  # Excel's dialect: CR and LF get quoted
    text = buf.getvalue()
    recs = tokenize_csv(text)
    # csv.writer writes a row of empty fields as a blank-looking line only when it has one field;
    # with three fields there is always a comma, so every row comes back
    assert [[f.value(text) for f in fs] for _, _, fs in recs] == rows
    for _, _, fs in recs:
        for f in fs:
            at = f.aligned(text)
            assert at.text == f.value(text)
            if at.text:
                assert apply_edits(text, at.src_start, at.src_end, at.edits()) == at.text


# -- regressions found by adversarial QA ---------------------------------------------------------


def test_xlsx_read_me_sheet_first_and_title_rows_above_the_header(tmp_path):
    wb = openpyxl.Workbook()
    ws0 = wb.active
    ws0.title = "Read me"
    ws0["A1"] = "Pulse survey 2026"
    ws0["A3"] = "The responses are on the next sheet. Questions to the survey team."
    ws = wb.create_sheet("Responses")
    ws["A1"] = "Pulse survey - export 04/03/2026"
    rows = [["Response ID", "Trust type", "Region", "What is your top digital priority?"],
            [1, "Acute", "London", "Replacing our PAS before support ends."],
            [2, "Community", "South East", "Mobile devices for community staff."]]
    for i, r in enumerate(rows, 3):
        for j, v in enumerate(r, 1):
            ws.cell(row=i, column=j, value=v)
    wb.create_sheet("Lookups")["A1"] = "Acute"
    p = tmp_path / "pulse.xlsx"
    wb.save(p)
    for kw in ({}, {"text_columns": ["What is your top digital priority?"]}):
        with pytest.warns(UserWarning, match="other sheet"):
            seg, rej = read_survey(p, redact=False, show_progress=False, **kw)
        assert seg["text"].tolist() == ["Replacing our PAS before support ends.", "Mobile devices for community staff."]
        assert seg["cell"].tolist() == ["Responses!D4", "Responses!D5"]
        assert rej["reason"].tolist() == ["header"] and rej["cell"].tolist() == ["Responses!A1"]
        assert read_source_text(p, cell="Responses!D4") == seg["text"].iloc[0]


def test_csv_title_line_and_excel_sep_line_before_the_header(tmp_path):
    text = ("sep=;\r\nid;Region;What are your priorities?\r\n1;London;Getting the EPR live and the staff trained.\r\n"
            "2;Midlands;Better wifi for community nurses in patients' homes.\r\n")
    p = _csv(tmp_path, text)
    seg, rej = read_survey(p, redact=False, show_progress=False)
    assert seg["question"].unique().tolist() == ["What are your priorities?"]
    assert len(seg) == 2 and rej["reason"].tolist() == ["header"]
    _replays(p, seg)


def test_qualtrics_question_text_and_import_id_rows_are_not_answers(tmp_path):
    text = ('ResponseId,Q1,Q2\n'
            'Response ID,What type of trust?,Any other comments?\n'
            '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2_TEXT""}"\n'
            'R_1,Acute,Old infrastructure and no capital to replace it.\n'
            'R_2,Community,Recruiting analysts and keeping them once trained.\n')
    p = _csv(tmp_path, text)
    seg, rej = read_survey(p, redact=False, show_progress=False)  # Q2 found through its question text
    assert seg["question"].unique().tolist() == ["Q2"]
    assert seg["speaker"].tolist() == ["R0001", "R0002"]
    assert rej["reason"].tolist() == ["header", "header"]
    seg2, _ = read_survey(p, text_columns=["Any other comments?"], redact=False, show_progress=False)
    assert seg2["text"].tolist() == seg["text"].tolist()
    _replays(p, seg)


def test_a_header_written_twice_reads_both_columns(tmp_path):
    text = ("id,Region,Comments,Comments\n1,London,We need capital not strategies.,Happy to talk more\n"
            "2,Midlands,Devices for nurses please.,Thanks\n")
    p = _csv(tmp_path, text)
    seg, _ = read_survey(p, text_columns=["Comments"], redact=False, show_progress=False)
    assert sorted(seg["question"].unique()) == ["Comments", "Comments_2"] and len(seg) == 4
    seg, _ = read_survey(p, text_columns=["Comments_2"], redact=False, show_progress=False)
    assert seg["question"].unique().tolist() == ["Comments_2"]


def test_personal_data_in_attribute_columns_is_redacted(tmp_path):
    text = ("ID,Trust type,Region,Q1. What has gone well?,Anything else?\n"
            "1,Acute,London,We went live with e-prescribing at last.,No\n"
            "2,Community,Midlands,Staff feel listened to on digital.,Ring 07700900202\n"
            "3,Acute,South West,The board understands cyber now.,Patient 9434765919\n")
    p = _csv(tmp_path, text)
    with pytest.warns(UserWarning, match="anything_else"):
        seg, _ = read_survey(p, text_columns=["Q1. What has gone well?"], show_progress=False)
    vals = seg["anything_else"].tolist()
    # numbered: two different values of a column never become one (docs/redaction.md)
    assert vals == ["No", "Ring [PHONE 1]", "Patient [NHS_NUMBER 1]"]
    assert seg["trust_type"].tolist() == ["Acute", "Community", "Acute"]


def test_xlsx_formula_without_a_stored_result_reads_as_typed(tmp_path):
    # a workbook written by a script keeps no computed value for "=HYPERLINK(...)": it read as blank
    p = _xlsx(tmp_path, [["id", "What are your priorities?"],
                         [1, "Getting the EPR live and the staff trained, slowly."],
                         [2, '=HYPERLINK("http://x.example","click")']])
    seg, rej = read_survey(p, redact=False, show_progress=False)
    assert seg["text"].tolist()[1] == '=HYPERLINK("http://x.example","click")' and rej.empty
    assert read_source_text(p, cell=seg["cell"].iloc[1]) == seg["text"].iloc[1]
