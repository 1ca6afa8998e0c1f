"""WebVTT (Teams voice tags, Zoom prefixes, NOTE blocks, cue merging) and SRT transcripts."""

from __future__ import annotations

import pytest

from insightkit.alignment import apply_edits, edits_from_json
from insightkit.errors import InputError
from insightkit.io import read_source_text
from insightkit.pipeline import read_srt, read_vtt

TEAMS = """WEBVTT
Kind: captions
Language: en-GB

NOTE
This transcript was generated automatically.

0f1c2d3e-aaaa/12-0
00:00:01.000 --> 00:00:04.000
<v Hannah Osei>Thanks for joining &amp; welcome. How is the</v>

0f1c2d3e-aaaa/13-0
00:00:04.000 --> 00:00:06.500
<v Hannah Osei>EPR going?</v>

0f1c2d3e-aaaa/14-0
00:00:06.500 --> 00:00:09.000 align:start position:10%
<v Martin Kowalski>Well, um, it's <i>live</i>
on two sites.</v>

00:00:09.000 --> 00:00:10.000
<v Hannah Osei>Great.</v>

00:00:10.000 --> 00:00:12.000
<v Martin Kowalski>The the third goes live in May.</v>
"""

ZOOM = """WEBVTT

1
00:00:01.000 --> 00:00:03.000
Hannah Osei: Can everyone hear me?

2
00:00:03.000 --> 00:00:05.000
Priya Raman: Yes, loud and clear.

3
00:00:05.000 --> 00:00:07.000
Priya Raman: Our data platform went live in March.

4
00:00:07.000 --> 00:00:08.000
and it is working.

5
00:00:08.000 --> 00:00:09.000
Hannah Osei: Good to hear.
"""


def _write(tmp_path, name, text, newline="\n", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.replace("\n", newline).encode(encoding))
    return p


def _replays(path, seg):
    src = read_source_text(path)
    for r in seg.itertuples():
        assert apply_edits(src, r.start, r.end, edits_from_json(r.edits)) == r.text


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_teams_voice_tags_cues_merged_per_speaker(tmp_path, newline):
    p = _write(tmp_path, "teams.vtt", TEAMS, newline)
    seg, rej = read_vtt(p, redact=False, show_progress=False, interviewers=["Hannah Osei"])
    assert seg["text"].tolist() == [
        "Thanks for joining & welcome. How is the EPR going?",
        "Well, it's live on two sites.",
        "Great.",
        "The third goes live in May.",
    ]
    assert seg["speaker"].tolist() == ["I01", "P01", "I01", "P01"]
    assert seg["role"].tolist() == ["interviewer", "participant", "interviewer", "participant"]
    assert seg["role_source"].iloc[0] == "interviewer_names"
    assert seg["timestamp"].tolist() == ["00:00:01", "00:00:06", "00:00:09", "00:00:10"]
    assert len(rej) == 0
    _replays(p, seg)
    # the merged turn's span runs from the first cue's text to the second cue's end
    src = read_source_text(p)
    first = seg.iloc[0]
    assert src[first.start:first.end].startswith("Thanks for joining &amp;")
    assert src[first.start:first.end].endswith("EPR going?")


def test_teams_vtt_as_utf16_with_bom(tmp_path):
    p = _write(tmp_path, "teams16.vtt", TEAMS, "\r\n", "utf-16")
    seg, _ = read_vtt(p, redact=False, show_progress=False)
    assert len(seg) == 4
    _replays(p, seg)


def test_zoom_name_prefixes_and_unlabelled_cue_continues(tmp_path):
    p = _write(tmp_path, "zoom.vtt", ZOOM)
    seg, _ = read_vtt(p, redact=False, show_progress=False)
    assert seg["text"].tolist() == [
        "Can everyone hear me?",
        "Yes, loud and clear. Our data platform went live in March. and it is working.",
        "Good to hear.",
    ]
    # nothing names the interviewer: the speaker asking the questions is taken as one, and marked
    assert seg["speaker"].tolist() == ["I01", "P01", "I01"]
    assert seg["role_source"].tolist() == ["heuristic", "default", "heuristic"]
    _replays(p, seg)
    seg, _ = read_vtt(p, redact=False, show_progress=False, guess_interviewers=False)
    assert seg["role"].tolist() == ["participant"] * 3


def test_vtt_without_header_names_the_line(tmp_path):
    p = _write(tmp_path, "bad.vtt", "\n00:00:01.000 --> 00:00:02.000\nHi\n")
    with pytest.raises(InputError) as exc:
        read_vtt(p, redact=False, show_progress=False)
    msg = str(exc.value)
    assert "bad.vtt:2:" in msg and "WEBVTT" in msg and "\n" not in msg


def test_vtt_with_malformed_timing_names_the_line(tmp_path):
    p = _write(tmp_path, "t.vtt", "WEBVTT\n\n1\n00:00:01.000 --> soon\nHi\n")
    with pytest.raises(InputError) as exc:
        read_vtt(p, redact=False, show_progress=False)
    assert exc.value.line == 4


SRT = """1
00:00:01,000 --> 00:00:03,000
Tom Fairley: Where are you with cyber?

2
00:00:03,000 --> 00:00:05,500
Gareth Llewellyn: <i>Better</i> than last year,

3
00:00:05,500 --> 00:00:08,000
we passed the er the assessment.

4
00:00:08,000 --> 00:00:09,000
Tom Fairley: Good.
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_srt_prefixes_tags_and_continuations(tmp_path, newline):
    p = _write(tmp_path, "call.srt", SRT, newline)
    seg, _ = read_srt(p, redact=False, show_progress=False)
    assert seg["text"].tolist() == [
        "Where are you with cyber?",
        "Better than last year, we passed the assessment.",
        "Good.",
    ]
    assert seg["role"].tolist() == ["interviewer", "participant", "interviewer"]  # the question-asker
    assert seg["role_source"].iloc[0] == "heuristic"
    assert seg["timestamp"].tolist() == ["00:00:01", "00:00:03", "00:00:08"]
    _replays(p, seg)


def test_srt_without_cues_is_an_error(tmp_path):
    p = _write(tmp_path, "empty.srt", "just text\nno cues\n")
    with pytest.raises(InputError) as exc:
        read_srt(p, redact=False, show_progress=False)
    assert "empty.srt" in str(exc.value)


# -- regressions found by adversarial QA ---------------------------------------------------------


def test_srt_square_bracket_prefixes(tmp_path):
    text = ("1\n00:00:01,000 --> 00:00:03,000\n[Sam Jones]: Shall we start with skills?\n\n"
            "2\n00:00:03,000 --> 00:00:05,000\n[Ann Lee]: Yes. We cannot recruit analysts.\n\n"
            "3\n00:00:05,000 --> 00:00:07,000\n[Sam Jones]: What have you tried?\n")
    p = _write(tmp_path, "call.srt", text)
    seg, _ = read_srt(p, redact=False, show_progress=False)
    assert seg["text"].tolist() == ["Shall we start with skills?", "Yes. We cannot recruit analysts.",
                                    "What have you tried?"]
    _replays(p, seg)


def test_dialogue_dash_lines_split_one_cue_between_speakers(tmp_path):
    text = ("1\n00:00:01,000 --> 00:00:03,000\nSam Jones: Is the AI group set up?\n\n"
            "2\n00:00:03,000 --> 00:00:05,000\nAnn Lee: Yes, last month.\n\n"
            "3\n00:00:05,000 --> 00:00:07,000\n- Sam Jones: Who chairs it?\n- Ann Lee: Our medical director.\n")
    p = _write(tmp_path, "call.srt", text, newline="\r\n")
    seg, _ = read_srt(p, redact=False, show_progress=False)
    assert seg["text"].tolist() == ["Is the AI group set up?", "Yes, last month.", "Who chairs it?",
                                    "Our medical director."]
    _replays(p, seg)


def test_nhs_mail_display_names_match_the_participants_file(tmp_path):
    # Teams writes "SURNAME, First (ORGANISATION)"; the participants file says "First Surname"
    text = ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v OKORO, Sam (NHS ENGLAND - X24)>Hi Zoe, shall we start?\n\n"
            "00:00:03.000 --> 00:00:06.000\n<v.loud ACHTERBERG, Zoë (LEEDS AND YORK PARTNERSHIP NHS FOUNDATION TRUST)>"
            "Yes. Achterberg is my surname, Zoë my first name.\n")
    p = _write(tmp_path, "call.vtt", text)
    parts = tmp_path / "participants.csv"
    parts.write_text("source,speaker,role,trust_type,region\ncall.vtt,Sam Okoro,interviewer,,\n"
                     "call.vtt,Zoë Achterberg,participant,Mental health,North West\n", encoding="utf-8")
    seg, _ = read_vtt(p, parts, show_progress=False)
    assert seg["role_source"].tolist() == ["participants_file", "participants_file"]
    assert seg["role"].tolist() == ["interviewer", "participant"]
    assert "Achterberg" not in seg["text"].iloc[1] and "Zoë" not in seg["text"].iloc[1]
    _replays(p, seg)


def test_renamed_exports_are_read_by_their_content(tmp_path):
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Sam Jones>Hello.</v>\n\n00:00:03.000 --> 00:00:05.000\n<v Ann Lee>Hi there.</v>\n"
    for name in ("call.txt", "call.srt"):
        p = _write(tmp_path, name, vtt)
        with pytest.warns(UserWarning, match="read as WebVTT"):
            seg, _ = insightkit_read(p)
        assert seg["text"].tolist() == ["Hello.", "Hi there."]
        _replays(p, seg)


def insightkit_read(p):
    from insightkit import read

    return read(p, redact=False, show_progress=False)


def test_cues_without_text_are_an_error(tmp_path):
    p = _write(tmp_path, "call.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n00:00:03.000 --> 00:00:04.000\n  \n")
    with pytest.raises(InputError, match="call.vtt.*no text"):
        read_vtt(p, show_progress=False)
