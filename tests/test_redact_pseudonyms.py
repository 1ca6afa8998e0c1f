"""Pseudonyms: numbered placeholders ([PERSON_1]) that stay the same for the same person within a
document or a batch, with the mapping only in the redaction log. All texts are invented."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from insightkit.alignment import apply_edits, edits_from_json
from insightkit.errors import ParameterError
from insightkit.redact import PLACEHOLDER_RX, Redactor, redact
from insightkit.redact.pseudonyms import check_scope, number_placeholders

NAMES = ["Nadia Rahman", "Priya Sharma", "Tomasz Nowak"]

TURNS = [
    "Nadia Rahman chairs the digital board, and Priya Sharma runs the PMO.",
    "When Nadia asks for a dashboard the BI team build it that week.",
    "Priya's plan was signed off; Rahman wanted it sooner.",
    "Tomasz Nowak rang 07700 900461 about the EPR.",
]


def _placeholders(text: str) -> list[str]:
    return [m.group(0) for m in PLACEHOLDER_RX.finditer(text)]


def test_default_is_plain_placeholders():
    out = Redactor(use_ner=False).redact_batch(TURNS, [NAMES] * len(TURNS))
    assert all(re.search(r"\[PERSON_\d", t.text) is None for t, _ in out)
    assert "[PERSON]" in out[0][0].text


def test_same_person_same_number_in_order_of_first_appearance():
    out = Redactor(use_ner=False, pseudonyms="batch").redact_batch(TURNS, [NAMES] * len(TURNS))
    texts = [t.text for t, _ in out]
    assert texts[0] == "[PERSON_1] chairs the digital board, and [PERSON_2] runs the PMO."
    assert texts[1] == "When [PERSON_1] asks for a dashboard the BI team build it that week."
    # a first name alone and a surname alone are the full name's person; the possessive stays outside
    assert texts[2] == "[PERSON_2]'s plan was signed off; [PERSON_1] wanted it sooner."
    assert texts[3] == "[PERSON_3] rang [PHONE] about the EPR."  # other types keep plain placeholders
    # the mapping is in the log, beside the original
    pairs = {(e["placeholder"], e["original"]) for _, log in out for e in log if e["type"] == "PERSON"}
    assert pairs == {("[PERSON_1]", "Nadia Rahman"), ("[PERSON_1]", "Nadia"), ("[PERSON_1]", "Rahman"),
                     ("[PERSON_2]", "Priya Sharma"), ("[PERSON_2]", "Priya"), ("[PERSON_3]", "Tomasz Nowak")}
    # no name is left in the texts
    assert not any(n in t for t in texts for n in ("Nadia", "Rahman", "Priya", "Sharma", "Tomasz"))


def test_first_name_before_its_full_name_still_joins_it():
    out = Redactor(use_ner=False, pseudonyms="batch").redact_batch(
        ["Priya said yes.", "Later Priya Sharma wrote it up."], [["Priya Sharma"]] * 2)
    assert [t.text for t, _ in out] == ["[PERSON_1] said yes.", "Later [PERSON_1] wrote it up."]


def test_a_first_name_shared_by_two_people_is_not_guessed():
    names = ["Sarah Jones", "Sarah Patel"]
    out = Redactor(use_ner=False, pseudonyms="batch").redact_batch(
        ["Sarah Jones met Sarah Patel.", "Then Sarah said no.", "Sarah Patel agreed."], [names] * 3)
    texts = [t.text for t, _ in out]
    assert texts[0] == "[PERSON_1] met [PERSON_2]."
    assert texts[1] == "Then [PERSON_3] said no."  # which Sarah? not guessed
    assert texts[2] == "[PERSON_2] agreed."


def test_names_joined_in_one_span_are_numbered_each():
    from insightkit.alignment import AlignedText
    from insightkit.redact.apply import apply
    from insightkit.redact.types import Detection

    # a detector may find "Sarah Jones and Sarah Patel" as one span: that is still two people
    src = "Sarah Jones and Sarah Patel met. Later Sarah Patel left."
    item = AlignedText.from_source(src)
    res = [apply(item, [Detection(0, 27, "PERSON", "ner"), Detection(39, 50, "PERSON", "names")])]
    (text, log), = number_placeholders(res, [0])
    assert text.text == "[PERSON_1] and [PERSON_2] met. Later [PERSON_2] left."
    assert [e["placeholder"] for e in log] == ["[PERSON_1] and [PERSON_2]", "[PERSON_2]"]
    assert apply_edits(src, text.src_start, text.src_end, text.edits()) == text.text


def test_accents_case_and_titles_do_not_split_a_person():
    out = Redactor(use_ner=False, pseudonyms="batch").redact_batch(
        ["Dr Zoë O'Neill opened it.", "zoe o’neill closed it.", "Then ZOE O'NEILL left."], [["Zoë O'Neill"]] * 3)
    nums = [set(_placeholders(t.text)) for t, _ in out]
    assert nums == [{"[PERSON_1]"}] * 3
    assert out[0][0].text.startswith("Dr [PERSON_1]")


def test_document_scope_numbers_each_document_from_one():
    r = Redactor(use_ner=False, pseudonyms="document")
    out = r.redact_batch(["Priya Sharma rang.", "Then Tomasz Nowak rang.", "Tomasz Nowak rang first."],
                         [NAMES] * 3, groups=["a", "a", "b"])
    assert [t.text for t, _ in out] == ["[PERSON_1] rang.", "Then [PERSON_2] rang.", "[PERSON_1] rang first."]
    batch = Redactor(use_ner=False, pseudonyms="batch").redact_batch(
        ["Priya Sharma rang.", "Then Tomasz Nowak rang.", "Tomasz Nowak rang first."], [NAMES] * 3)
    assert batch[2][0].text == "[PERSON_2] rang first."


def test_organisations_are_numbered_too():
    out = Redactor(use_ner=False, pseudonyms="batch", org_terms=["Dunmore NHS Trust", "Kestrel NHS Trust"]).redact_batch(
        ["We merged with Dunmore NHS Trust.", "Kestrel NHS Trust and the Dunmore NHS Trust share an EPR."])
    assert out[0][0].text == "We merged with [ORG_1]."
    assert out[1][0].text == "[ORG_2] and the [ORG_1] share an EPR."


def test_numbered_placeholders_are_placeholders_downstream():
    from insightkit.quotes.candidates import _filter_reason
    from insightkit.quotes.config import QuoteConfig
    from insightkit.topics.params import strip_placeholders

    for ph in ("[PERSON_1]", "[ORG_12]", "[PERSON]"):
        assert PLACEHOLDER_RX.fullmatch(ph)
        quote = f"I asked {ph} to sign the plan off before the board met again in March."
        assert _filter_reason(quote, len(quote.split()), QuoteConfig()) == "contains_redaction"
        assert ph not in strip_placeholders(quote)
    assert not PLACEHOLDER_RX.search("[PERSON_0] [PERSON_] [INAUDIBLE] [B12]")
    # transcriber-tag removal never takes a pseudonym for a tag
    from insightkit.alignment import AlignedText
    from insightkit.clean.tags import remove_tags

    assert remove_tags(AlignedText.from_source("[PERSON_1] said [inaudible] yes")).text.startswith("[PERSON_1] said")


def test_redacting_again_changes_nothing_and_never_reuses_a_number():
    r = Redactor(use_ner=False, pseudonyms="batch")
    first = [t.text for t, _ in r.redact_batch(TURNS, [NAMES] * len(TURNS))]
    again = r.redact_batch(first, [NAMES] * len(first))
    assert [t.text for t, _ in again] == first and not any(log for _, log in again)
    # a name found only now gets a number the texts do not hold yet
    more = r.redact_batch([first[0], "Then Grace Obi joined."], [NAMES + ["Grace Obi"]] * 2)
    assert more[1][0].text == "Then [PERSON_3] joined."  # 1 and 2 are taken in the scope


def test_alignment_holds_with_numbers():
    r = Redactor(use_ner=False, pseudonyms="batch")
    for src, (t, log) in zip(TURNS, r.redact_batch(TURNS, [NAMES] * len(TURNS))):
        assert apply_edits(src, t.src_start, t.src_end, t.edits()) == t.text
        for e in log:
            assert src[e["start"]:e["end"]] == e["original"]
            assert e["placeholder"] in t.text


def test_table_numbers_by_document_however_it_is_chunked():
    rows = [("d1", "Nadia Rahman opened."), ("d1", "Priya Sharma spoke."), ("d1", "Nadia closed."),
            ("d2", "Priya Sharma opened."), ("d2", "Nadia Rahman spoke.")] * 3
    df = pd.DataFrame({"doc_id": [d if i < 5 else f"{d}-{i // 5}" for i, (d, _) in enumerate(rows)],
                       "segment_id": [f"s{i}" for i in range(len(rows))], "text": [t for _, t in rows]})
    whole, log = redact(df, NAMES, use_ner=False, pseudonyms="document")
    tiny = Redactor(use_ner=False, batch_size=1)  # chunks of 4 rows
    chunked, _ = redact(df, NAMES, redactor=tiny, pseudonyms="document")
    assert whole["text"].tolist() == chunked["text"].tolist()
    assert whole["text"].tolist()[:5] == ["[PERSON_1] opened.", "[PERSON_2] spoke.", "[PERSON_1] closed.",
                                         "[PERSON_1] opened.", "[PERSON_2] spoke."]
    batch, blog = redact(df.head(5), NAMES, use_ner=False, pseudonyms="batch")
    assert batch["text"].tolist()[3:] == ["[PERSON_2] opened.", "[PERSON_1] spoke."]
    assert set(blog["placeholder"]) == {"[PERSON_1]", "[PERSON_2]"}
    # a redactor's own setting is the default
    again, _ = redact(df, NAMES, redactor=Redactor(use_ner=False, pseudonyms="document"))
    assert again["text"].tolist() == whole["text"].tolist()


def test_bad_scope_is_a_parameter_error():
    assert check_scope(None) is None and check_scope("Batch") == "batch"
    with pytest.raises(ParameterError, match="document or batch"):
        Redactor(pseudonyms="person")
    with pytest.raises(ParameterError):
        redact(pd.DataFrame({"text": ["x"]}), pseudonyms="everywhere", use_ner=False)


@pytest.fixture()
def survey(tmp_path):
    p = tmp_path / "survey.csv"
    pd.DataFrame({
        "id": [1, 2, 3, 4, 5],
        "trust_type": ["Acute", "Acute", "Mental health", "Community", "Community"],
        "comment": ["Our CDIO, Nadia Rahman, chairs the digital board and it works well.",
                    "When Nadia asks for data the BI team deliver it within a day.",
                    "N/A",
                    "Ring Priya Sharma on 07700 900461 or email priya.sharma@nhs.net about the EPR.",
                    "Priya has been brilliant at getting the wards onto the new system."],
    }).to_csv(p, index=False)
    return p


def test_read_numbers_over_the_whole_run_and_keeps_alignment(survey, tmp_path):
    import insightkit as ik

    other = tmp_path / "second.csv"
    pd.DataFrame({"id": [9], "comment": ["Priya Sharma trained the ward clerks last spring."]}).to_csv(other, index=False)
    res = ik.read([survey, other], pseudonyms="batch")
    assert res.verify() == []
    by_src = dict(zip(res.segments["text"], res.segments["source"]))
    texts = res.segments["text"].tolist()
    assert "[PERSON_1]" in texts[0] and "[PERSON_1]" in texts[1]
    assert "[PERSON_2]" in texts[2] and "[PERSON_2]" in texts[3]
    assert any(by_src[t] == "second.csv" and "[PERSON_2]" in t for t in texts)  # batch: across files
    doc = ik.read([survey, other], pseudonyms="document")
    assert next(t for t in doc.segments["text"] if "trained" in t).startswith("[PERSON_1]")
    log = res.redactions
    assert set(log.loc[log["type"] == "PERSON", "placeholder"]) == {"[PERSON_1]", "[PERSON_2]"}
    for seg in res.segments.itertuples():
        src = res.source_text(seg.doc_id, seg.cell or "")
        assert apply_edits(src, seg.start, seg.end, edits_from_json(seg.edits)) == seg.text


def test_cli_clean_pseudonyms(survey, tmp_path, capsys):
    from insightkit.cli import main

    out, log = tmp_path / "seg.csv", tmp_path / "log.csv"
    assert main(["clean", str(survey), "--out", str(out), "--redaction-log", str(log),
                 "--pseudonyms", "batch", "--quiet"]) == 0
    seg = pd.read_csv(out, keep_default_na=False)
    text = " ".join(seg["text"])
    for name in ("Nadia", "Rahman", "Priya", "Sharma", "07700", "priya.sharma"):
        assert name not in text
    assert text.count("[PERSON_1]") == 2 and text.count("[PERSON_2]") == 2
    lg = pd.read_csv(log, keep_default_na=False)
    mapping = lg[lg["type"] == "PERSON"].groupby("placeholder")["original"].apply(set).to_dict()
    assert mapping == {"[PERSON_1]": {"Nadia Rahman", "Nadia"}, "[PERSON_2]": {"Priya Sharma", "Priya"}}
    capsys.readouterr()
    assert main(["clean", str(survey), "--out", str(tmp_path / "x.csv"), "--pseudonyms", "batch", "--no-redact"]) == 2
    assert "--no-redact" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
