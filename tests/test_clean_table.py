"""Re-cleaning a segment table, rebuilding alignment from a row, and sentence splitting."""

from __future__ import annotations

import pytest

import insightkit
from insightkit.alignment import AlignedText, apply_edits, edits_from_json, edits_to_json
from insightkit.clean import clean
from insightkit.sentences import split_sentences, text_to_source
from insightkit.io import read_source_text
from insightkit.pipeline import read

TXT = ("Jane: Um, the the new EPR went live. It was, er, hard!\n"
       "Bob: [crosstalk] Right?\n"
       "Jane: [inaudible]\n"
       "Bob: And cyber? Is it funded?\n")


@pytest.fixture()
def call(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text(TXT)
    return p


def test_aligned_from_row_round_trip():
    src = "xx Hello there um world yy"
    at = AlignedText.from_source(src, 3, 23).sub(r" um", "").sub("there", "[PERSON]")
    back = AlignedText.from_row(at.text, at.src_start, at.src_end, edits_to_json(at.edits()))
    assert back.text == at.text and back.edits() == at.edits()
    with pytest.raises(ValueError):
        AlignedText.from_row("wrong length", at.src_start, at.src_end, edits_to_json(at.edits()))


def test_reclean_a_verbatim_table_matches_reading_clean(call):
    verbatim = read(call, redact=False, level="verbatim", show_progress=False)
    direct = read(call, redact=False, show_progress=False)
    segs, rejected = clean(verbatim.segments)
    assert segs["text"].tolist() == direct.segments["text"].tolist()
    assert rejected["reason"].tolist() == ["empty"]  # "[inaudible]" leaves nothing
    src = read_source_text(call)
    for r in segs.itertuples():
        assert apply_edits(src, r.start, r.end, edits_from_json(r.edits)) == r.text
    # the module itself is callable too
    assert insightkit.clean("the the end") == "the end"


@pytest.mark.slow
def test_split_sentences_offsets(call):
    res = read(call, redact=False, show_progress=False)
    sents = split_sentences(res.segments)
    first = sents[sents["segment_id"] == res.segments["segment_id"].iloc[0]]
    assert first["text"].tolist() == ["the new EPR went live.", "It was hard!"]
    assert first["index"].tolist() == [0, 1]
    src = res.documents[res.segments["doc_id"].iloc[0]]
    seg_text = res.segments["text"].iloc[0]
    for r in first.itertuples():
        assert seg_text[r.start:r.end] == r.text
    # source offsets: the second sentence's span holds its words with the filler
    second = first.iloc[1]
    assert src[second.src_start:second.src_end] == "It was, er, hard!"


def test_text_to_source_matches_aligned_text():
    src = "Um, the the new EPR went live. [laughs] It was hard."
    at = AlignedText.from_source(src).sub(r"^Um, ", "").sub(r"the the", "the").sub(r" \[laughs\]", "")
    edits = at.edits()
    for i in range(len(at.text)):
        for j in range(i + 1, len(at.text) + 1):
            assert text_to_source(at.src_start, edits, i, j) == at.source_span(i, j)
