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
