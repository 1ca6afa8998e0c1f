"""Plain-text transcripts: turn forms, timestamps, turns over several lines, headers, line endings."""

from __future__ import annotations

import pytest

from insightkit.alignment import apply_edits, edits_from_json
from insightkit.errors import InputError
from insightkit.io import read_source_text, read_txt
from insightkit.io.turns import parse_turns


def _read(tmp_path, text, name="call.txt", encoding="utf-8", **kw):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    kw.setdefault("redact", False)
    kw.setdefault("show_progress", False)
    return p, read_txt(p, **kw)


def _assert_replays(path, segments):
    src = read_source_text(path)
    for row in segments.itertuples():
        assert apply_edits(src, row.start, row.end, edits_from_json(row.edits)) == row.text


TRANSCRIPT = (
    "Insight call 4 - community trust\n"
    "Date: 12 March 2024\n"
    "Interviewer: Sam Jones\n"
    "\n"
    "Sam: Thanks for joining. Can you tell me\n"
    "about your EPR?\n"
    "Priya: Yes, um, we went live\n"
    "in 2022.\n"
    "\n"
    "NB: that was the supplier, and the the roll-out was hard.\n"
    "[00:03:12] Sam: And cyber?\n"
    "Priya (00:03:20): We have a plan [inaudible] for that.\n"
)


def test_turns_labels_timestamps_and_multi_line_turns(tmp_path):
    path, (seg, rej) = _read(tmp_path, TRANSCRIPT)
    assert seg["text"].tolist() == [
        "Thanks for joining. Can you tell me about your EPR?",
        "Yes, we went live in 2022. NB: that was the supplier, and the roll-out was hard.",
        "And cyber?",
        "We have a plan for that.",
    ]
    assert seg["speaker"].tolist() == ["I01", "P01", "I01", "P01"]  # Sam asks the questions
    assert seg["role"].tolist() == ["interviewer", "participant", "interviewer", "participant"]
    assert set(seg["role_source"]) == {"heuristic", "default"}
    assert seg["timestamp"].tolist() == ["", "", "00:03:12", "00:03:20"]
    assert seg["line"].tolist() == [5, 7, 11, 12]
    assert seg["turn"].tolist() == [0, 1, 2, 3]
    # the title, date and "Interviewer: Sam Jones" lines are the header, not turns
    assert rej["reason"].tolist() == ["header"] * 3
    _assert_replays(path, seg)
    # speaker labels never reach a column: pseudonyms only (text is not redacted in this test)
    other = seg.drop(columns=["text"]).astype(str).to_numpy().ravel()
    assert not any("Sam" in v or "Priya" in v for v in other)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_offsets_hold_for_every_line_ending(tmp_path, newline):
    text = TRANSCRIPT.replace("\n", newline)
    path, (seg, _) = _read(tmp_path, text)
    assert len(seg) == 4
    src = read_source_text(path)
    assert src == text  # newlines are not translated
    _assert_replays(path, seg)
    # the source span really holds the words
    second = seg.iloc[1]
    assert src[second.start:second.end].startswith("Yes, um, we went live")


def test_cp1252_and_utf16_files_read_the_same(tmp_path):
    text = "Jane: It’s about £2m – fine.\r\nBob: Café? Yes.\r\nJane: OK.\r\n"
    _, (a, _) = _read(tmp_path, text, "a.txt", "cp1252")
    _, (b, _) = _read(tmp_path, text, "b.txt", "utf-16")
    assert a["text"].tolist() == b["text"].tolist() == ["It’s about £2m – fine.", "Café? Yes.", "OK."]


def test_otter_style_label_lines_and_tab_separated_labels():
    text = "Jane Smith  0:03\nHello there.\nMore words.\n\nBob Jones  0:15\nHi.\n"
    turns = parse_turns(text).turns
    assert [(t.label, text[t.start:t.end], t.timestamp) for t in turns] == [
        ("Jane Smith", "Hello there.\nMore words.", "0:03"),
        ("Bob Jones", "Hi.", "0:15"),
    ]


def test_prose_with_a_colon_is_not_a_speaker():
    text = "Jane: We chose a supplier.\nNote: this was in 2021.\nBob: Right.\nJane: Yes.\n"
    turns = parse_turns(text).turns
    assert [t.label for t in turns] == ["Jane", "Bob", "Jane"]
    assert "Note: this was in 2021." in text[turns[0].start:turns[0].end]


def test_empty_turn_goes_to_rejected(tmp_path):
    _, (seg, rej) = _read(tmp_path, "Jane: Hello?\nBob:\nJane: Still there?\nBob: [crosstalk] Yes.\nBob: Um.\n")
    assert seg["text"].tolist() == ["Hello?", "Still there?", "Yes."]
    assert rej["reason"].tolist() == ["empty", "empty"]
    assert rej["detail"].tolist() == ["no text", "nothing left after cleaning"]


def test_verbatim_level_keeps_fillers_and_tags(tmp_path):
    _, (seg, _) = _read(tmp_path, "Jane: Um, the the [inaudible] EPR.\nBob: OK.\nJane: Yes.\n", level="verbatim")
    assert seg["text"].iloc[0] == "Um, the the [inaudible] EPR."


def test_no_turns_is_an_error_naming_the_file(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("just some notes\nwith no speakers at all\n")
    with pytest.raises(InputError) as exc:
        read_txt(p, redact=False, show_progress=False)
    assert "notes.txt" in str(exc.value) and "speaker" in str(exc.value)
