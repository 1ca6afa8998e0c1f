"""Redaction without NER (fast): regex detectors, known names, organisations, offsets, the table helper."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insightkit.alignment import AlignedText, apply_edits, edits_from_json, edits_to_json
from insightkit.names import name_variants
from insightkit.redact import PLACEHOLDERS, TYPES, Redactor, load_allowlist, redact
from insightkit.redact.recognizers.nhs_number import is_valid_nhs_number, nhs_check_digit, normalise_nhs_number
from insightkit.errors import InputError
from insightkit.segments import REDACTION_COLUMNS, SegmentTableError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rx():
    """Regex and names only: no spaCy model is loaded."""
    return Redactor(use_ner=False)


def red(r: Redactor, text: str, names=()) -> str:
    return r.redact_text(text, names=list(names))[0]


# ---------------------------------------------------------------------------------------------
# NHS numbers: Modulus 11
# ---------------------------------------------------------------------------------------------
def test_mod11_check_digit_known_examples():
    assert nhs_check_digit("943476591") == 9  # the NHS's own published example, 943 476 5919
    assert is_valid_nhs_number("943 476 5919")
    assert is_valid_nhs_number("9434765919")
    assert is_valid_nhs_number("943-476-5919")
    assert not is_valid_nhs_number("943 476 5918")  # one digit off
    assert not is_valid_nhs_number("943476591")  # nine digits
    assert normalise_nhs_number("943 476-5919") == "9434765919"


def test_mod11_remainder_ten_is_never_valid():
    # 1*10 + 0*9 ... digits chosen so that 11 - (sum % 11) == 10
    nine = next(f"{n:09d}" for n in range(100000000, 100100000) if nhs_check_digit(f"{n:09d}") is None)
    assert all(not is_valid_nhs_number(nine + str(d)) for d in range(10))


def test_mod11_check_digit_eleven_becomes_zero():
    nine = next(f"{n:09d}" for n in range(400000000, 400100000) if nhs_check_digit(f"{n:09d}") == 0)
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    assert total % 11 == 0 and is_valid_nhs_number(nine + "0")


def test_nhs_numbers_redacted_only_when_valid(rx):
    out = red(rx, "NHS no 943 476 5919, also 9434765919 and 943-476-5919; typo 943 476 5918 and 4311440242.")
    assert out.count("[NHS_NUMBER]") == 3
    assert "943 476 5918" in out and "4311440242" in out


def test_nhs_number_needs_consistent_grouping(rx):
    # a valid number spread over a longer digit run is not an NHS number on its own
    assert "[NHS_NUMBER]" not in red(rx, "order 19434765919 and ref 9434765919123")


# ---------------------------------------------------------------------------------------------
# phones
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "phone",
    [
        "07700 900461",
        "07700 900 461",
        "07700900461",
        "07700-900-461",
        "+44 7700 900461",
        "+447700900461",
        "+44 (0)7700 900461",
        "0044 7700 900461",
        "0113 496 0772",
        "0113-496-0772",
        "(0113) 496 0772",
        "020 7946 0581",
        "0207 946 0581",
        "(020) 7946 0581",
        "+44 20 7946 0581",
        "01632 960418",
        "01632 960 418",
        "016977 4567",
        "0800 056 1123",
        "0800 915441",
        "0300 123 4567",
        "03000 123 456",
    ],
)
def test_uk_phone_formats(rx, phone):
    out = red(rx, f"Ring me on {phone} tomorrow.")
    assert out == "Ring me on [PHONE] tomorrow.", out


@pytest.mark.parametrize(
    "text",
    [
        "between 2019-2023 we spent £1,200,000 on it",
        "go-live 01/04/2024 at 09:15, the meeting ran 10:30-12:00",
        "ISO 27001 and version 10.4.2 and 0.75 WTE",
        "the 0-19 service saw 12345678 contacts",
        "a range of 2010 2011 2012 2013",
        "invalid NHS number 4311440242 bounced",
        "timestamp 00:01:23 and 01 02 2023 10 30",
    ],
)
def test_phone_lookalikes_survive(rx, text):
    assert red(rx, text) == text


def test_phone_stops_at_the_number(rx):
    assert red(rx, "call 07700 900 461 2 times") == "call [PHONE] 2 times"


# ---------------------------------------------------------------------------------------------
# postcodes
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pc", ["SW1A 1AA", "M1 1AE", "LS9 7TF", "CF14 4XW", "EC1A 1BB", "W1T 7NF", "sw1a 1aa", "ls1 4ap", "LS97TF", "B15 2TH"])
def test_postcodes(rx, pc):
    assert red(rx, f"We are at {pc}, come by.") == "We are at [POSTCODE], come by."


@pytest.mark.parametrize(
    "text",
    [
        "The EPR 2023 upgrade",
        "in Q4 2024 we moved to M365",
        "Ward 7B and Ward 10A",
        "on b2 1st floor",
        "NEWS2 score of 5 and vitamin B12",
        "an A1 form and a Q3 2am call",
    ],
)
def test_postcode_lookalikes_survive(rx, text):
    assert red(rx, text) == text


# ---------------------------------------------------------------------------------------------
# emails and URLs
# ---------------------------------------------------------------------------------------------
def test_emails(rx):
    out = red(rx, "Mail priya.sharma@nhs.net or S.Barraclough@NHS.NET, or DIGITAL.SUPPORT@NHS.NET.")
    assert out == "Mail [EMAIL] or [EMAIL], or [EMAIL]."


def test_spoken_email(rx):
    assert red(rx, "it's kofi dot asante at nhs dot net, all lower case") == "it's [EMAIL], all lower case"


def test_email_is_not_also_a_url(rx):
    text, log = rx.redact_text("write to ig.team@ridgeway.nhs.uk please")
    assert text == "write to [EMAIL] please"
    assert [d["type"] for d in log] == ["EMAIL"]


def test_urls(rx):
    out = red(
        rx,
        "See https://www.example.nhs.uk/foi/2023-114. Or www.trust.nhs.uk/digital, bit.ly/3QzK8rT "
        "and myhealth.tamsworth.nhs.uk/login (the portal).",
    )
    assert out == "See [URL]. Or [URL], [URL] and [URL] (the portal)."


def test_url_lookalikes(rx):
    text = "We use ASP.NET and VB.NET, e.g. v2.3.1 of the app, Node.js too."
    assert red(rx, text) == text


# ---------------------------------------------------------------------------------------------
# known names
# ---------------------------------------------------------------------------------------------
def test_full_first_and_surname(rx):
    out = red(rx, "Priya Sharma joined. Priya said yes. Ms Sharma agreed.", ["Priya Sharma"])
    assert out == "[PERSON] joined. [PERSON] said yes. Ms [PERSON] agreed."


def test_possessive_and_hyphenated(rx):
    names = ["Priya Sharma", "Chloe Martin-Hughes"]
    out = red(rx, "Priya's team and Martin-Hughes' rota; Chloe Martin-Hughes too.", names)
    assert out == "[PERSON]'s team and [PERSON]' rota; [PERSON] too."


def test_titles_in_labels_and_swapped_order(rx):
    assert red(rx, "Okafor spoke first.", ["Dr Amara Okafor"]) == "[PERSON] spoke first."
    assert red(rx, "Then Priya spoke.", ["Sharma, Priya"]) == "Then [PERSON] spoke."


def test_apostrophes_and_accents(rx):
    assert red(rx, "O’Neill and O'Neill", ["Declan O'Neill"]) == "[PERSON] and [PERSON]"
    assert red(rx, "Gráinne and Małgorzata", ["Grainne Kelly", "Malgorzata Nowak"]) == "[PERSON] and [PERSON]"
    assert red(rx, "Malgorzata", ["Małgorzata Nowak"]) == "[PERSON]"


def test_single_names_are_case_sensitive_full_names_are_not(rx):
    names = ["Will Jones"]
    assert red(rx, "We will see. Will agreed.", names) == "We will see. [PERSON] agreed."
    assert red(rx, "i spoke to will jones about it", names) == "i spoke to [PERSON] about it"


def test_name_inside_a_word_is_not_matched(rx):
    assert red(rx, "Tomorrow Tomatoes and Tom.", ["Tom Fletcher"]) == "Tomorrow Tomatoes and [PERSON]."


def test_speaker_labels_and_pseudonyms_are_not_names():
    assert name_variants("Interviewer", spellings=True) == []
    assert name_variants("P01", spellings=True) == []
    assert name_variants("Speaker 2", spellings=True) == []
    v = set(name_variants("Dr Priya Sharma", spellings=True))
    assert {"Priya Sharma", "Priya", "Sharma"} <= v and "Dr" not in v


def test_extra_names_apply_everywhere():
    r = Redactor(use_ner=False, extra_names=["Rachel Dunn"])
    assert red(r, "Thanks Rachel, and Dunn too.") == "Thanks [PERSON], and [PERSON] too."


def test_title_and_cue_rules_without_ner(rx):
    assert red(rx, "I asked Mrs Thompson about it.") == "I asked Mrs [PERSON] about it."
    assert red(rx, "Our CCIO is Dr Emeka Obi now.") == "Our CCIO is Dr [PERSON] now."
    assert red(rx, "I spoke to Priyanka at the hub.") == "I spoke to [PERSON] at the hub."
    assert red(rx, "Everyone calls me Gosia here.") == "Everyone calls me [PERSON] here."


def test_short_forms_of_known_first_names(rx):
    out = red(rx, "I'm Olusegun, most people say Segun. Chris and Christopher.", ["Olusegun Adeyemi", "Christopher Lamb"])
    assert out == "I'm [PERSON], most people say [PERSON]. [PERSON] and [PERSON]."


def test_nicknames_and_led_by(rx):
    assert red(rx, "Most people just call me SJ, honestly.") == "Most people just call me [PERSON], honestly."
    assert red(rx, "the library work (led by Chloe Ashdown) went well") == "the library work (led by [PERSON]) went well"
    assert red(rx, "ring the office and ask for Carys.") == "ring the office and ask for [PERSON]."


def test_names_spelt_by_an_email_address(rx):
    out = red(rx, "Led by Chloe Ashdown - chloe.ashdown1@nhs.net - if anyone wants Chloe.")
    assert out == "Led by [PERSON] - [EMAIL] - if anyone wants [PERSON]."


def test_names_found_once_are_redacted_across_the_group(rx):
    # a first name on no name list (a common one is found alone: tests/test_redact_given_names.py)
    texts = ["We recruited our CDIO, Dr Ulvetta Rahman, last year.", "And Ulvetta brings us the risks.", "Rahman agreed."]
    results = rx.redact_batch(texts, [["Tom Fletcher"]] * 3)
    assert [new.text for new, _ in results] == [
        "We recruited our CDIO, Dr [PERSON], last year.",
        "And [PERSON] brings us the risks.",
        "[PERSON] agreed.",
    ]
    # other groups (other documents) are not touched
    other = rx.redact_batch(texts[:2], [["Tom Fletcher"], ["Someone Else"]])
    assert other[1][0].text == "And Ulvetta brings us the risks."
    explicit = rx.redact_batch(texts[:2], [[], []], groups=["a", "b"])
    assert explicit[1][0].text == "And Ulvetta brings us the risks."


def test_allowlisted_phrases_are_protected(rx):
    text = "We scored ourselves against What Good Looks Like and moved to Zero trust architecture."
    assert red(rx, text) == text


def test_rules_leave_systems_and_roles(rx):
    text = "I spoke to Cerner, asked Epic and rang NHS England. Thanks Teams. Dr Foster Intelligence."
    out = red(rx, text)
    assert "Cerner" in out and "Epic" in out and "NHS England" in out and "Teams" in out


# ---------------------------------------------------------------------------------------------
# organisations
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("I'm at Royal Surrey NHS Foundation Trust now.", "I'm at [ORG] now."),
        ("We joined Calderdale and Huddersfield last year.", "We joined [ORG] last year."),
        ("the Calderdale and Huddersfield patch", "the [ORG] patch"),
        ("I moved from Leeds Teaching Hospitals.", "I moved from [ORG]."),
        ("the Dunmore trust was first", "the [ORG] trust was first"),
        ("Harrowby Integrated Care Board and Tarnley ICB", "[ORG] and [ORG]"),
        ("She was Chief Executive of Pendleford Royal Infirmary.", "She was Chief Executive of [ORG]."),
        ("North West Ambulance Service crews", "[ORG] crews"),
        ("the St James's site", "the [ORG] site"),
    ],
)
def test_named_organisations(rx, text, expected):
    assert red(rx, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "an Acute trust in the South East",
        "Acute Trust, North East and Yorkshire",
        "a Mental Health Trust and a Community Trust",
        "NHS England, NHS Providers, NHS Digital, DHSC and the CQC",
        "the Nuffield Trust and The King's Fund",
        "the trust board met; our Foundation Trust status",
        "London trusts and the Midlands region",
        "Royal College of Nursing guidance",
        "between Cerner and Epic",
        "Clinicians trust the data now and Users trust it too.",
    ],
)
def test_generic_and_national_bodies_survive(rx, text):
    assert red(rx, text) == text


def test_org_terms():
    r = Redactor(use_ner=False, org_terms=["Wexbridge University Hospitals NHS Foundation Trust"])
    assert red(r, "Everyone at Wexbridge knows it; wexbridge too.") == "Everyone at [ORG] knows it; [ORG] too."


# ---------------------------------------------------------------------------------------------
# overlaps, placeholders, subsets
# ---------------------------------------------------------------------------------------------
def test_placeholders_are_not_redacted_again(rx):
    text = "[PERSON] asked [EMAIL] about [INAUDIBLE] and [ORG]."
    out, log = rx.redact_text(text, names=["Person"])
    assert out == text and log == []


def test_redaction_is_idempotent(rx):
    text = "Priya Sharma (priya@nhs.net, 07700 900461) at LS9 7TF, NHS 943 476 5919, Leeds Teaching Hospitals."
    once = red(rx, text, ["Priya Sharma"])
    assert once == "[PERSON] ([EMAIL], [PHONE]) at [POSTCODE], NHS [NHS_NUMBER], [ORG]."
    assert red(rx, once, ["Priya Sharma"]) == once


def test_priority_email_over_name(rx):
    _, log = rx.redact_text("Priya.Sharma@nhs.net", names=["Priya Sharma"])
    assert [(d["type"], d["original"]) for d in log] == [("EMAIL", "Priya.Sharma@nhs.net")]


def test_types_subset():
    r = Redactor(types=["EMAIL", "PHONE"], use_ner=False)
    out = red(r, "Priya at priya@nhs.net, 07700 900461, LS9 7TF", ["Priya Sharma"])
    assert out == "Priya at [EMAIL], [PHONE], LS9 7TF"


def test_unknown_type_is_an_error():
    with pytest.raises(ValueError, match="unknown redaction type"):
        Redactor(types=["NAME"], use_ner=False)


def test_placeholders_cover_all_types():
    assert set(PLACEHOLDERS) == set(TYPES)
    assert TYPES[0] == "EMAIL" and TYPES[-1] == "PERSON"


# ---------------------------------------------------------------------------------------------
# alignment: source offsets and the apply_edits invariant
# ---------------------------------------------------------------------------------------------
def _cleaned(source: str) -> AlignedText:
    """A cleaned segment: a timestamp and a filler removed, a line break turned into a space."""
    at = AlignedText.from_source(source)
    at = at.sub(r"\[\d\d:\d\d:\d\d\]\s*", "")
    at = at.sub(r"\b[Uu]m,?\s+", "")
    at = at.sub(r"\n", " ")
    return at


def test_log_has_source_offsets_and_invariant_holds(rx):
    source = "Tom: [00:01:02] um, so Priya\nSharma rang 07700 900461 from LS9 7TF."
    item = _cleaned(source)
    new, log = rx.redact_batch([item], [["Priya Sharma"]])[0]
    assert new.text == "Tom: so [PERSON] rang [PHONE] from [POSTCODE]."
    for d in log:
        assert source[d["start"] : d["end"]].replace("\n", " ") == d["original"]
    assert apply_edits(source, new.src_start, new.src_end, new.edits()) == new.text


def test_removed_fillers_stay_their_own_edits(rx):
    source = "[00:00:05] um, Priya Sharma here"
    item = _cleaned(source)
    new, log = rx.redact_batch([item], [["Priya Sharma"]])[0]
    assert new.text == "[PERSON] here"
    assert (log[0]["start"], log[0]["end"]) == (15, 27)
    assert sorted(new.edits()) == [(0, 15, ""), (15, 27, "[PERSON]")]


def test_slice_of_source_offsets(rx):
    source = "HEADER\nP1: Email me at a.b@nhs.net today."
    item = AlignedText.from_source(source, 11, len(source))
    new, log = rx.redact_batch([item])[0]
    assert log[0]["start"] == source.index("a.b@nhs.net") and source[log[0]["start"] : log[0]["end"]] == "a.b@nhs.net"
    assert apply_edits(source, 11, len(source), new.edits()) == new.text


_PII = ["Priya", "Priya Sharma", "07700 900461", "a.b@nhs.net", "LS9 7TF", "943 476 5919", "www.x.nhs.uk/a"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PII), st.sampled_from([" ", ", ", " um ", "\n", " the EPR ", "Cerner", " 2023 "])), max_size=14))
def test_invariant_holds_for_any_mix(parts):
    r = Redactor(use_ner=False)
    source = " ".join(parts)
    item = _cleaned(source)
    new, log = r.redact_batch([item], [["Priya Sharma"]])[0]
    assert apply_edits(source, new.src_start, new.src_end, new.edits()) == new.text
    for name in ("Priya", "07700 900461", "a.b@nhs.net", "LS9 7TF", "943 476 5919"):
        assert name not in new.text
    for d in log:
        assert 0 <= d["start"] <= d["end"] <= len(source)


# ---------------------------------------------------------------------------------------------
# table helper
# ---------------------------------------------------------------------------------------------
def _segment_table(source: str) -> pd.DataFrame:
    at = _cleaned(source)
    return pd.DataFrame(
        {
            "doc_id": ["doc-1"],
            "segment_id": ["doc-1#0-99"],
            "source": ["call.txt"],
            "text": [at.text],
            "start": [at.src_start],
            "end": [at.src_end],
            "edits": [edits_to_json(at.edits())],
        }
    )


def test_redact_table_keeps_edits_consistent():
    source = "[00:00:05] um, Priya Sharma here, priya@nhs.net, ring 07700 900461."
    df = _segment_table(source)
    out, log = redact(df, names={"doc-1": ["Priya Sharma"]}, use_ner=False)
    row = out.iloc[0]
    assert row["text"] == "[PERSON] here, [EMAIL], ring [PHONE]."
    assert apply_edits(source, int(row["start"]), int(row["end"]), edits_from_json(row["edits"])) == row["text"]
    assert list(log.columns) == REDACTION_COLUMNS
    assert list(log["type"]) == ["PERSON", "EMAIL", "PHONE"]
    assert set(log["segment_id"]) == {"doc-1#0-99"} and set(log["source"]) == {"call.txt"}
    for _, d in log.iterrows():
        assert source[d["start"] : d["end"]] == d["original"]
    assert df.iloc[0]["text"].startswith("Priya")  # the input table is not modified


def test_redact_table_names_by_source_and_list():
    df = _segment_table("Ulvetta said hi")
    assert redact(df, names={"call.txt": ["Ulvetta Sharma"]}, use_ner=False)[0].iloc[0]["text"] == "[PERSON] said hi"
    assert redact(df, names=["Ulvetta Sharma"], use_ner=False)[0].iloc[0]["text"] == "[PERSON] said hi"
    out, log = redact(df, names={"other": ["Ulvetta Sharma"]}, use_ner=False)
    assert out.iloc[0]["text"] == "Ulvetta said hi" and len(log) == 0 and list(log.columns) == REDACTION_COLUMNS


def test_redact_table_without_offsets_uses_text_offsets():
    df = pd.DataFrame({"text": ["mail a.b@nhs.net", None]})
    out, log = redact(df, use_ner=False)
    assert list(out["text"]) == ["mail [EMAIL]", ""]
    assert (log.iloc[0]["start"], log.iloc[0]["end"]) == (5, 16)


def test_redact_table_rejects_inconsistent_edits():
    df = _segment_table("Priya said hi")
    df.loc[0, "text"] = "something else entirely"
    with pytest.raises(SegmentTableError, match="does not match"):
        redact(df, use_ner=False)


# ---------------------------------------------------------------------------------------------
# allow-list
# ---------------------------------------------------------------------------------------------
def test_bundled_allowlist_has_the_named_systems():
    al = load_allowlist()
    for w in ("cerner", "epic", "oracle", "systmone", "rio", "nervecentre", "teams", "azure", "epr", "epma", "cdio", "ccio", "copilot", "word", "excel"):
        assert w in al.words, w
    assert "nhs england" in al.phrases and "london" in al.regions


def test_custom_allowlist_and_terms(tmp_path):
    f = tmp_path / "allow.txt"
    f.write_text("# mine\n[systems]\nZephyrix\n", encoding="utf-8")
    r = Redactor(use_ner=False, allowlist=f)
    assert "zephyrix" in r.allow.words and "cerner" not in r.allow.words
    r2 = Redactor(use_ner=False, allow_terms=["Zephyrix Health"])
    assert "zephyrix health" in r2.allow.phrases
    with pytest.raises(InputError, match="allow-list"):
        load_allowlist(tmp_path / "missing.txt")


# ---------------------------------------------------------------------------------------------
# the benchmark set itself
# ---------------------------------------------------------------------------------------------
def test_benchmark_set_is_well_formed():
    rows = [json.loads(l) for l in (REPO / "benchmarks/data/redaction_set.jsonl").read_text("utf-8").splitlines() if l.strip()]
    assert len(rows) >= 200
    counts: dict[str, int] = {}
    invalid_lookalikes = 0
    for row in rows:
        assert row["kind"] in ("transcript", "survey")
        for p in row["pii"]:
            assert 0 <= p["start"] < p["end"] <= len(row["text"])
            counts[p["type"]] = counts.get(p["type"], 0) + 1
            if p["type"] == "NHS_NUMBER":
                assert is_valid_nhs_number(row["text"][p["start"] : p["end"]])
        for k in row["keep"]:
            assert 0 <= k["start"] < k["end"] <= len(row["text"])
            if k["label"] == "nhsinv":
                invalid_lookalikes += 1
                assert not is_valid_nhs_number(row["text"][k["start"] : k["end"]])
    assert sum(counts.values()) >= 150 and set(counts) == set(TYPES)
    for t in ("PERSON", "EMAIL", "PHONE", "NHS_NUMBER", "POSTCODE"):
        assert counts[t] >= 25, t
    assert sum(len(r["keep"]) for r in rows) >= 150 and invalid_lookalikes >= 5


# ---------------------------------------------------------------------------------------------
# regressions found by adversarial QA
# ---------------------------------------------------------------------------------------------
def test_nhs_numbers_with_mixed_or_other_grouping(rx):
    out = red(rx, "NHS 943 476-5919, or 943 4765919, or 943476 5919; not +44 7700 900 839")
    assert out.count("[NHS_NUMBER]") == 3 and "[PHONE]" in out


def test_role_before_a_name(rx):
    out = red(rx, "Our IG lead, Femi Adeyemi, dealt with it; our CISO Grant Holloway agreed.")
    assert "Femi" not in out and "Adeyemi" not in out and "Grant" not in out and "Holloway" not in out
    # one word after a role needs the comma of an apposition; systems and roles stay
    assert red(rx, "Our lead Cerner consultant came in.") == "Our lead Cerner consultant came in."


def test_surname_after_a_first_name_found_elsewhere():
    r = Redactor(use_ner=False)
    out = r.redact_batch(["I report to the chief executive, Declan, directly.",
                          "Declan Murphy chaired the exercise in October."], [["Ann Lee"]] * 2)
    assert [o.text for o, _ in out] == ["I report to the chief executive, [PERSON], directly.",
                                        "[PERSON] chaired the exercise in October."]


def test_possessive_team_of_a_named_person(rx):
    assert red(rx, "Informatics is Marta Kowalska's team.") == "Informatics is [PERSON]'s team."


def test_capitalised_surname_of_a_display_name_also_matches_in_title_case(rx):
    out = red(rx, "We agreed, Achterberg and I; ACHTERBERG signed.", ["ACHTERBERG, Zoë (LEEDS NHS TRUST)"])
    assert "Achterberg" not in out and "ACHTERBERG" not in out and "Zoë" not in out


# --- short hospital names and lower-case first names after a cue ----------------------------------


@pytest.mark.parametrize("text, org", [
    ("I trained at Addenbrooke's before moving here.", "Addenbrooke's"),
    ("I trained at Addenbrookes before moving here.", "Addenbrookes"),
    ("We share pathology with Guy’s and St Thomas’ now.", "Guy’s and St Thomas’"),
    ("Our CNIO came from Great Ormond Street last year.", "Great Ormond Street"),
    ("Alder Hey went live first and we learnt a lot.", "Alder Hey"),
    ("We benchmarked against the Christie on this.", "the Christie"),
])
def test_short_hospital_names_are_organisations(text, org):
    out, log = Redactor(use_ner=False).redact_text(text)
    assert [(r["type"], r["original"], r["method"]) for r in log] == [("ORG", org, "org_gazetteer")]
    assert "[ORG]" in out


def test_hospital_list_leaves_look_alikes_and_can_be_turned_off():
    r = Redactor(use_ner=False)
    for text in ("The King's Fund report was useful.", "the guys in IT", "Christie said the EPR is fine.",
                 "the Southmead side of the patch"):
        assert not [d for d in r.redact_text(text)[1] if d["method"] == "org_gazetteer"], text
    assert Redactor(use_ner=False, org_gazetteer=False).redact_text("I trained at Addenbrooke's.")[1] == []


@pytest.mark.parametrize("text, name", [
    ("my manager steve says we can't have more laptops", "steve"),
    ("i spoke to priya about the rota and she agreed", "priya"),
    ("then I emailed tom and nothing came back", "tom"),
])
def test_lower_case_first_name_after_a_cue(text, name):
    out, log = Redactor(use_ner=False).redact_text(text)
    assert [r["original"] for r in log if r["type"] == "PERSON"] == [name]
    assert name not in out.split()


@pytest.mark.parametrize("text", [
    "my manager said we can't have more laptops",
    "we asked will to join",  # 'will' is not on the given-name list
    "the board asked grant funders twice",
])
def test_lower_case_words_without_a_cue_or_not_names_stay(text):
    assert Redactor(use_ner=False).redact_text(text)[1] == []


def test_a_recognizer_can_be_added_without_changing_the_defaults():
    import re as _re

    from insightkit.redact.recognizers import PatternRecognizer, default_recognizers

    class StaffNumber(PatternRecognizer):  # a made-up pattern, found as a PERSON identifier
        type = "PERSON"
        method = "staff_number"
        pattern = _re.compile(r"\bSN-\d{6}\b")

    r = Redactor(use_ner=False, recognizers=[*default_recognizers(), StaffNumber()])
    text, log = r.redact_text("Ask for SN-123456 at the desk.")
    assert text == "Ask for [PERSON] at the desk." and log[0]["method"] == "staff_number"
    assert Redactor(use_ner=False).redact_text("Ask for SN-123456 at the desk.")[0] == "Ask for SN-123456 at the desk."


def test_bad_parameters_raise_parameter_error():
    from insightkit.errors import ParameterError

    with pytest.raises(ParameterError):
        Redactor(types=["NAME"])
    with pytest.raises(ParameterError):
        Redactor(use_ner=False).redact_batch(["a", "b"], [["x"]])
    with pytest.raises(ParameterError):
        nhs_check_digit("12345")


def test_one_set_of_titles():
    from insightkit.names import is_title, normalise_label

    assert all(is_title(t) for t in ("Dr", "dr.", "Prof.", "Revd", "Cllr.", "Lady", "MX"))
    assert not is_title("Doctor") and normalise_label("Rev. Jane Smith") == "jane smith"
