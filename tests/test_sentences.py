"""The one sentence splitter: boundaries, offsets, options, and that every stage uses it."""

import pandas as pd
import pytest

from insightkit.sentences import (CLOSING_MARKS, DEFAULT_ABBREVIATIONS, SentenceSplitter, sentence_spans,
                                  split_sentences)


def _split(text, splitter=None):
    return [text[a:b] for a, b in sentence_spans(text, splitter)]


def test_default_boundaries_and_trimmed_offsets():
    text = "  We went live in May.  It was hard!\nWas it worth it? Yes  "
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["We went live in May.", "It was hard!", "Was it worth it?", "Yes"]
    assert all(text[a:b] == text[a:b].strip() and b > a for a, b in spans)
    assert spans == sorted(spans) and all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))


def test_no_boundary_inside_numbers_or_without_space():
    assert _split("Costs rose 2.5% to £3.2m.It stays") == ["Costs rose 2.5% to £3.2m.It stays"]
    assert _split("") == [] and _split("   \n ") == []


def test_options_closers_ellipsis_abbreviations_min_chars():
    rich = SentenceSplitter(terminators=".!?…", closers=CLOSING_MARKS, abbreviations=DEFAULT_ABBREVIATIONS)
    text = "Dr. Jones said “write it once.” Then e.g. this… and that"
    assert _split(text, rich) == ["Dr. Jones said “write it once.”", "Then e.g. this…", "and that"]
    assert _split(text) == ["Dr.", "Jones said “write it once.” Then e.g.", "this… and that"]
    assert _split("No. It is fine.", rich) == ["No.", "It is fine."]  # "No" is not an abbreviation
    assert _split("a. b. the rest", SentenceSplitter(min_chars=3)) == ["the rest"]
    assert _split("one\ntwo", SentenceSplitter(split_on_newline=False)) == ["one\ntwo"]
    with pytest.raises(ValueError):
        SentenceSplitter(min_chars=0)


def test_split_sentences_maps_back_to_source_through_edits():
    source = "Um, we went live. It was, er, hard."
    # the cleaned text drops "Um, " and "er, ": edits are (src_start, src_end, replacement)
    segs = pd.DataFrame({"segment_id": ["s1"], "doc_id": ["d"], "text": ["we went live. It was, hard."],
                         "start": [0], "end": [len(source)], "edits": ['[[0, 4, ""], [26, 30, ""]]']})
    sents = split_sentences(segs)
    assert sents["text"].tolist() == ["we went live.", "It was, hard."]
    for _, row in sents.iterrows():
        src = source[row.src_start:row.src_end]
        assert src.replace("Um, ", "").replace("er, ", "") == row.text  # deletions at an edge count, as in AlignedText


def test_every_stage_uses_the_one_splitter():
    import insightkit.classify as classify
    import insightkit.quotes.candidates as quotes

    text = "First point here. Second point, longer.\nThird"
    assert classify.split_sentence_spans(text) == sentence_spans(text, SentenceSplitter(min_chars=3))
    assert quotes.sentence_spans is sentence_spans


def test_starts_sentence_and_first_break_follow_the_same_rules():
    text = "Thanks. Dr. Jones joined\nToday we went live; Then more"
    assert SentenceSplitter().starts_sentence(text, 0)
    assert SentenceSplitter().starts_sentence(text, text.index("Dr"))
    assert SentenceSplitter().starts_sentence(text, text.index("Jones"))  # default: "Dr." ends a sentence
    titles = SentenceSplitter(abbreviations=frozenset({"dr"}))
    assert not titles.starts_sentence(text, text.index("Jones"))
    assert titles.starts_sentence(text, text.index("Today"))  # after a line break
    assert not titles.starts_sentence(text, text.index("joined"))
    clauses = SentenceSplitter(terminators=".!?;", abbreviations=frozenset({"dr"}))
    at = text.index("Dr")
    assert clauses.first_break(text, at) == text.index("\n")
    assert clauses.first_break(text, text.index("Today")) == text.index(";")
    assert clauses.first_break(text, text.index("Then")) is None
    initials = SentenceSplitter(initials=True)
    assert [s for s in initials.split("Ask J. Smith. Then go")] == ["Ask J. Smith.", "Then go"]
