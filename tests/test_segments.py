"""Segment ids and attributions."""

from insightkit.segments import format_attribution, make_doc_id, make_segment_id


def test_attribution_in_the_seeds_style():
    assert format_attribution({"trust_type": "Acute", "region": "South East"}) == "Acute trust, South East"
    assert format_attribution({"trust_type": "Combined acute and community trust", "region": "East of England"}) == \
        "Combined acute and community trust, East of England"
    assert format_attribution({"trust_type": "Acute"}) == "Acute trust"
    assert format_attribution({}) == "Participant"


def test_attribution_template_keeps_literals_around_present_fields():
    t = "{job_role} ({region})"
    assert format_attribution({"job_role": "CDIO", "region": "South East"}, t) == "CDIO (South East)"
    assert format_attribution({"job_role": "CDIO"}, t) == "CDIO"


def test_ids_are_derived_from_the_source():
    a = make_doc_id("Call 01.vtt", b"WEBVTT\n")
    assert a == make_doc_id("Call 01.vtt", b"WEBVTT\n")
    assert a != make_doc_id("Call 01.vtt", b"WEBVTT\n\n")
    assert make_segment_id(a, 10, 20) == f"{a}#10-20"


def test_theme_columns_are_found_and_added_in_one_place():
    import numpy as np
    import pandas as pd

    from insightkit.segments import add_theme_columns, theme_ids

    df = pd.DataFrame({"text": ["a", "b"], "theme_epr": [1, 0], "theme_": [0, 0], "score_epr": [0.9, 0.1],
                       1: [0, 0], "theme_data": [0, 1]})
    assert theme_ids(df) == ["epr", "data"] == theme_ids(list(df.columns))
    out = add_theme_columns(df[["text"]], ["epr", "data"], np.array([[0.5, 0.2], [0.49, 0.9]]), [0.5, 0.5])
    assert out["theme_epr"].tolist() == [1, 0] and out["theme_data"].tolist() == [0, 1]
    assert out["score_epr"].dtype == np.float64 and list(out.columns) == ["text", "theme_epr", "theme_data",
                                                                          "score_epr", "score_data"]
    assert "theme_epr" not in df[["text"]].columns  # a copy: the input is not changed
