"""Plain-text transcripts: turn forms, timestamps, turns over several lines, headers, line endings."""

from __future__ import annotations

import pytest

from insightkit.alignment import apply_edits, edits_from_json
from insightkit.errors import InputError
from insightkit.io import read_source_text
from insightkit.pipeline import read_txt
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


# -- regressions found by adversarial QA ---------------------------------------------------------


def test_labels_with_an_organisation_in_brackets(tmp_path):
    # "Name (Trust): text" read as nothing before: the bracketed part made the label invalid
    text = ("Sam Jones (NHS Providers): What is the state of your network?\n"
            "Ann Lee (Mersey Care): Better. We replaced the core last year.\n"
            "Sam Jones (NHS Providers): And the community sites?\n"
            "Ann Lee (Mersey Care): Patchy signal.\n")
    path, (seg, _) = _read(tmp_path, text)
    assert seg["text"].tolist()[1] == "Better. We replaced the core last year."
    assert seg["role"].tolist() == ["interviewer", "participant"] * 2
    _assert_replays(path, seg)


def test_square_bracket_labels_and_zoom_audio_transcript(tmp_path):
    text = ("[Sam Jones] 10:02:15\nMorning, can you hear me?\n\n[Ann Lee] 10:02:19\nYes, fine thanks.\n\n"
            "[Sam Jones]: What about cyber?\n[Ann Lee]: We have a plan.\n")
    path, (seg, _) = _read(tmp_path, text)
    assert seg["text"].tolist() == ["Morning, can you hear me?", "Yes, fine thanks.", "What about cyber?",
                                     "We have a plan."]
    assert seg["timestamp"].tolist()[:2] == ["10:02:15", "10:02:19"]
    assert seg["speaker"].nunique() == 2
    _assert_replays(path, seg)


def test_name_alone_on_its_line_then_the_text(tmp_path):
    # Word transcripts with bold names on their own paragraph, no colon and no time
    text = ("Insight call 19\n"
            "Sam Jones\nWhere does the trust stand on data quality?\n"
            "Ann Lee\nImproving.\nThe ward teams own their data now.\n"
            "Sam Jones\nThank you\n"
            "Ann Lee\nThank you\n")
    path, (seg, rej) = _read(tmp_path, text)
    assert seg["text"].tolist() == ["Where does the trust stand on data quality?",
                                    "Improving. The ward teams own their data now.", "Thank you", "Thank you"]
    assert seg["speaker"].nunique() == 2
    assert rej["reason"].tolist() == ["header"]
    _assert_replays(path, seg)


def test_one_line_replies_are_never_bare_name_labels():
    turns = parse_turns("Sam Jones: Is it live?\nThank You\nSam Jones: Really?\nThank You\n").turns
    assert [t.label for t in turns] == ["Sam Jones", "Sam Jones"]


def test_name_line_then_time_line_then_text(tmp_path):
    text = "Sam Jones\n0:04\nWhat about the ICS?\n\nAnn Lee\n0:12\nIt is getting stronger.\n"
    path, (seg, _) = _read(tmp_path, text)
    assert seg["text"].tolist() == ["What about the ICS?", "It is getting stronger."]
    assert seg["timestamp"].tolist() == ["00:00:04", "00:00:12"]
    _assert_replays(path, seg)


def test_stopped_transcription_notice_is_not_speech(tmp_path):
    text = ("Sam Jones started transcription\n\nSam Jones   0:03\nWelcome. Any news?\n\n"
            "Ann Lee   0:09\nWe went live.\n\nSam Jones   0:20\nGreat, thank you.\n\nSam Jones stopped transcription\n")
    path, (seg, rej) = _read(tmp_path, text)
    assert seg["text"].tolist()[-1] == "Great, thank you."
    assert sorted(rej["detail"].str.contains("notice").tolist()) == [False, True]
    _assert_replays(path, seg)


def test_respondent_named_in_the_header_is_redacted_there(tmp_path):
    text = ("Date: 3 March 2026\nInterviewer: Dev Patel\nRespondent: Olumide Adeyemi, Director of Strategy\n\n"
            "Interviewer: What about net zero?\nRespondent: It is joined up on paper.\n"
            "Interviewer: Thanks.\nRespondent: Thank you.\n")
    path, (seg, rej) = _read(tmp_path, text, redact=True)
    header = " ".join(rej["text"])
    assert "Olumide" not in header and "Adeyemi" not in header and "Dev" not in header


def test_capitalised_labels_give_their_names_to_redaction(tmp_path):
    # "RAJESH PATEL:" labels were taken for job titles (all capitals), so the redactor never heard
    # the name and "Rajesh" in a lower-case-NER-missed mention stayed
    class Record:
        def __init__(self):
            self.names = []

        def redact_batch(self, items, names):
            self.names.extend(names)
            return [(it, []) for it in items]

    text = ("HANNAH WHITFIELD: OK Rajesh, has the EPR saved time?\n"
            "RAJESH PATEL: In pharmacy, yes.\nHANNAH WHITFIELD: Thanks.\nRAJESH PATEL: Thanks.\n")
    rec = Record()
    _read(tmp_path, text, redact=True, redactor=rec)
    assert {"RAJESH PATEL", "RAJESH", "HANNAH WHITFIELD", "HANNAH"} <= set(rec.names[0])
    from insightkit.names import name_variants

    assert name_variants("CEO") == [] and name_variants("HW") == [] and name_variants("IT LEAD") == []
