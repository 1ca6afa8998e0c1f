"""Small talk in calls: greetings, thanks, goodbyes and back-channel are recognised; a turn with any
word of substance is not."""

import pandas as pd
import pytest

from insightkit.clean import CleaningConfig, clean, is_small_talk


@pytest.mark.parametrize("text", [
    "Sorry, bye. Thanks, take care.",
    "Cheers, thanks, bye, take care",
    "Yeah, yeah, that's right.",
    "Mm-hmm.",
    "Can you hear me? You're on mute.",
    "Great, thank you so much for your time today, really helpful.",
    "Yes, that's accurate, thanks. Bye.",
    "No, nothing else from me, thanks.",
    "Lovely to meet you, bye.",
])
def test_small_talk_is_recognised(text):
    assert is_small_talk(text)


@pytest.mark.parametrize("text", [
    "Yes, the EPR.",
    "Thanks, the board loved the cyber exercise.",
    "We moved the data centre to the cloud.",
    "Sorry, the network kept dropping out during the go-live weekend.",
    "",
    # long turns are never small talk, whatever their words
    " ".join(["yes, thanks, that's fine"] * 10),
])
def test_turns_with_substance_are_not_small_talk(text):
    assert is_small_talk(text) is None


def test_a_word_list_can_be_given():
    assert is_small_talk("Howdy partner", frozenset({"howdy", "partner"}))
    assert is_small_talk("Howdy partner") is None


def test_clean_sets_small_talk_turns_aside_with_a_reason():
    table = pd.DataFrame({
        "segment_id": ["a-1", "a-2", "a-3", "s-1"],
        "kind": ["transcript", "transcript", "transcript", "survey"],
        "text": ["Thanks so much, bye now.", "The EPR went live in May.", "Mm-hmm.", "Thanks, bye."],
    })
    segs, rejected = clean(table, config=CleaningConfig(small_talk=True))
    assert segs["segment_id"].tolist() == ["a-2", "s-1"]  # survey answers are not small talk here
    assert rejected["segment_id"].tolist() == ["a-1", "a-3"]
    assert set(rejected["reason"]) == {"small_talk"}
    # off by default: every turn stays
    assert len(clean(table).segments) == 4


def test_quote_candidates_leave_small_talk_out(tmp_path):
    from insightkit import read
    from insightkit.quotes.candidates import build_candidates

    (tmp_path / "call.txt").write_text(
        "Interviewer: How has the year gone?\n"
        "Ada Quill: Thanks so much, lovely to meet you, take care, bye now.\n"
        "Interviewer: And the record?\n"
        "Ada Quill: We moved every ward onto the electronic record in March and the night staff finally "
        "trust the observations they see on the screen.\n", encoding="utf-8")
    segs = read(tmp_path / "call.txt", interviewers=["Interviewer"], show_progress=False).segments
    keep, drop = build_candidates(segs)
    assert "small_talk" in set(drop["reason"])
    assert not keep["quote"].str.contains("take care").any() and keep["quote"].str.contains("electronic record").any()
