"""Nothing lost, and traceable: a survey row set aside carries the user's own id and attributes."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insightkit.cli import main
from insightkit.export import read_table
from insightkit.pipeline import read_survey

REAL = "We rolled out the electronic patient record on every ward and the nurses were trained first."
CSV = ("Ref,Trust type,Region,What has gone well?\n"
       f"R001,Acute,London,{REAL}\n"
       "R002,Community,Midlands,N/A\n"
       "R003,Acute,South East,\n"
       f"R004,Mental health,North West,{REAL}\n"
       "R005,Ambulance,London,Cyber training for every new starter.\n")


class _NoNames:
    """A redactor that finds nothing (no spaCy model needed); attribute columns are still screened."""

    def redact_batch(self, items, names):
        return [(it, []) for it in items]


def test_rejected_survey_rows_carry_the_users_id_and_attributes(tmp_path):
    p = tmp_path / "survey.csv"
    p.write_text(CSV, encoding="utf-8")
    seg, rej = read_survey(p, id_column="Ref", redact=False, show_progress=False)
    by_ref = {r.ref: r for r in rej.itertuples()}
    assert set(by_ref) == {"R002", "R003", "R004"}
    assert by_ref["R002"].reason == "non_answer" and by_ref["R002"].region == "Midlands"
    assert by_ref["R003"].reason == "empty" and by_ref["R003"].region == "South East"
    assert by_ref["R004"].reason == "duplicate_answer" and by_ref["R004"].trust_type == "Mental health"
    # the synthesised speaker stays beside the user's id; line numbers point into the file
    lines = CSV.splitlines()
    for r in rej.itertuples():
        assert lines[r.line - 1].startswith(r.ref + ",")
        assert r.source_display == "survey.csv"
    # every row of the file is in the segments or the rejected table, by the user's own id
    assert sorted([*seg["ref"], *rej["ref"]]) == [f"R00{i}" for i in range(1, 6)]


def test_clean_cli_writes_the_id_into_the_rejected_table(tmp_path, capsys):
    (tmp_path / "survey.csv").write_text(CSV, encoding="utf-8")
    out = tmp_path / "segments.csv"
    assert main(["clean", str(tmp_path / "survey.csv"), "--id-column", "Ref", "--no-redact", "--out", str(out),
                 "--quiet"]) == 0
    rej = read_table(tmp_path / "segments.rejected.csv")
    assert set(rej["ref"].astype(str)) == {"R002", "R003", "R004"}
    assert {"trust_type", "region", "reason", "line", "source_display"} <= set(rej.columns)


def test_an_email_id_is_not_written_to_the_rejected_table(tmp_path):
    p = tmp_path / "survey.csv"
    p.write_text(CSV.replace("\nR00", "\nperson").replace(",Acute", "@trust.nhs.uk,Acute")
                 .replace(",Community", "@trust.nhs.uk,Community").replace(",Mental", "@trust.nhs.uk,Mental")
                 .replace(",Ambulance", "@trust.nhs.uk,Ambulance"), encoding="utf-8")
    with pytest.warns(UserWarning, match="left out column"):
        seg, rej = read_survey(p, id_column="Ref", show_progress=False, redactor=_NoNames())
    assert len(rej) == 3
    assert "@" not in rej.to_csv() and "@" not in seg.to_csv()
    # without redaction the id is kept, so the row can still be traced
    _, rej2 = read_survey(p, id_column="Ref", redact=False, show_progress=False)
    assert set(rej2["ref"]) == {"person2@trust.nhs.uk", "person3@trust.nhs.uk", "person4@trust.nhs.uk"}


def test_recleaning_a_table_keeps_the_rows_it_sets_aside_traceable():
    from insightkit.clean import clean

    segs = pd.DataFrame({"segment_id": ["s1", "s2"], "doc_id": "d", "text": ["Um.", "A real answer here."],
                         "speaker": ["R0001", "R0002"], "respondent_id": ["A-17", "B-22"],
                         "trust_type": ["Acute", "Community"], "Trust name": ["X", "Y"]})
    res = clean(segs)
    assert list(res.rejected["respondent_id"]) == ["A-17"] and list(res.rejected["Trust name"]) == ["X"]
    assert list(res.rejected["segment_id"]) == ["s1"] and list(res.rejected["reason"]) == ["empty"]


_ANSWERS = st.sampled_from(["", "N/A", "none", REAL, "Cyber training for every new starter.",
                            "Shared care records across the region.", "-"])


@settings(max_examples=25, deadline=None)
@given(st.lists(_ANSWERS, min_size=1, max_size=12))
def test_every_row_is_kept_or_set_aside_under_its_own_id(tmp_path_factory, answers):
    d = tmp_path_factory.mktemp("s")
    ids = [f"X{i * 7 + 3}" for i in range(len(answers))]
    df = pd.DataFrame({"Ref": ids, "Region": ["London"] * len(ids), "Comments": answers})
    df.to_csv(d / "s.csv", index=False)
    try:
        seg, rej = read_survey(d / "s.csv", id_column="Ref", text_columns=["Comments"], redact=False,
                               show_progress=False)
    except Exception as exc:  # a survey with no answer at all may be refused, but only with one clean line
        from insightkit.errors import InputError

        assert isinstance(exc, InputError) and "\n" not in str(exc)
        return
    assert sorted([*seg["ref"], *rej["ref"]]) == sorted(ids)
    assert rej["region"].eq("London").all()
