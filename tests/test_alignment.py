"""AlignedText keeps every cleaned character traceable to the source."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from insightkit.alignment import AlignedText, apply_edits, edits_from_json, edits_to_json

SRC = "Alice: um so the the EPR\n  went live, erm, in March. Call 07700 900123.\n"


def _replay(src, at):
    return apply_edits(src, at.src_start, at.src_end, at.edits())


def test_chain_of_steps_replays_exactly():
    at = AlignedText.from_source(SRC, 7, len(SRC) - 1)
    at = at.sub(r"\s+", " ").sub(r"\b(um|erm),?\s*", "").sub(r"\b(\w+)( \1\b)", r"\1")
    at = at.sub(r"07700 900123", "[PHONE]")
    assert at.text == "so the EPR went live, in March. Call [PHONE]."
    assert _replay(SRC, at) == at.text
    i = at.text.index("EPR")
    assert SRC[slice(*at.source_span(i, i + 3))] == "EPR"
    i = at.text.index("[PHONE]")
    assert SRC[slice(*at.source_span(i, i + 7))] == "07700 900123"


def test_fragments_join_and_slice():
    at = AlignedText.from_fragments(SRC, [(7, 12), (30, 40)])
    assert at.text == SRC[7:12] + " " + SRC[30:40]
    assert _replay(SRC, at) == at.text
    part = at.slice(2, 9)
    assert _replay(SRC, part) == part.text == at.text[2:9]


def test_edits_json_round_trip():
    at = AlignedText.from_source(SRC).sub(r"um ", "")
    assert edits_from_json(edits_to_json(at.edits())) == at.edits()


def test_overlapping_replacements_rejected():
    at = AlignedText.from_source("abcdef")
    try:
        at.replace_many([(0, 3, "x"), (2, 4, "y")])
    except ValueError:
        return
    raise AssertionError("overlap accepted")


@settings(max_examples=200, deadline=None)
@given(
    src=st.text(alphabet="ab \n", min_size=0, max_size=40),
    steps=st.lists(st.sampled_from([r"a+", r"\s+", r"b", r"ab", r" a"]), max_size=4),
    repl=st.sampled_from(["", " ", "X", "[P]"]),
)
def test_any_sequence_of_substitutions_replays(src, steps, repl):
    at = AlignedText.from_source(src)
    for pat in steps:
        before = at.text
        at = at.sub(pat, repl)
        assert at.text == re.sub(pat, repl, before)
        assert _replay(src, at) == at.text
    # every slice of the result also replays
    for i in range(0, len(at.text) + 1, 3):
        for j in range(i, len(at.text) + 1, 4):
            part = at.slice(i, j)
            assert part.text == at.text[i:j]
            if part.pieces:
                assert apply_edits(src, part.src_start, part.src_end, part.edits()) == part.text


@settings(max_examples=100, deadline=None)
@given(src=st.text(alphabet="abc. \n", max_size=30), target=st.text(alphabet="abcX ", max_size=30))
def test_transform_to_any_string_replays(src, target):
    at = AlignedText.from_source(src).transform(lambda _: target)
    assert at.text == target
    assert apply_edits(src, at.src_start, at.src_end, at.edits()) == target


@settings(max_examples=150, deadline=None)
@given(
    src=st.text(alphabet="ab. \n", min_size=1, max_size=40),
    steps=st.lists(st.sampled_from([r"a+", r"\s+", r"b\.", r" a"]), max_size=3),
    repl=st.sampled_from(["", " ", "[P]"]),
)
def test_from_edits_rebuilds_the_alignment(src, steps, repl):
    at = AlignedText.from_source(src)
    for pat in steps:
        at = at.sub(pat, repl)
    if not at.pieces:
        return
    back = AlignedText.from_edits(at.text, at.src_start, at.src_end, at.edits())
    assert back.text == at.text and back.edits() == at.edits()
    for i in range(len(at.text) + 1):
        for j in range(i, len(at.text) + 1):
            assert back.source_span(i, j) == at.source_span(i, j)


def test_from_edits_rejects_text_that_does_not_match():
    import pytest

    with pytest.raises(ValueError):
        AlignedText.from_edits("abc[P]", 0, 10, [(3, 6, "[X]")])
