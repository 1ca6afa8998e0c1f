"""Cleaning steps: each one changes only what it names, and the edits still replay from the source."""

from __future__ import annotations

import pytest

from insightkit.alignment import AlignedText, apply_edits
from insightkit.clean import CleaningConfig, clean, clean_aligned
from insightkit.clean.fillers import remove_fillers
from insightkit.clean.nonanswers import is_non_answer
from insightkit.clean.repeats import remove_repeats
from insightkit.clean.tags import remove_tags
from insightkit.clean.timestamps import remove_timestamps
from insightkit.clean.unicode import normalise_whitespace, repair_unicode


def _run(fn, text, *args):
    at = fn(AlignedText.from_source(text), *args)
    assert apply_edits(text, at.src_start, at.src_end, at.edits()) == at.text
    return at.text


@pytest.mark.parametrize("text, want", [
    ("Um, so we moved.", "so we moved."),
    ("we, um, moved", "we moved"),
    ("Yes, um, we did", "Yes, we did"),
    ("it was, er... fine", "it was fine"),
    ("it was um.", "it was."),
    ("Erm. So yes.", "So yes."),
    ("ummm we erm ok", "we ok"),
    ("caution, uh.", "caution."),
    ("The ER was full; UM is a unit", "The ER was full; UM is a unit"),  # acronyms stay
    ("a 5 mm gap", "a 5 mm gap"),
    ("we err on the side of caution", "we err on the side of caution"),
    ("umbrella, hummus, merge, error, ahead", "umbrella, hummus, merge, error, ahead"),
])
def test_fillers(text, want):
    assert normalise_whitespace(AlignedText.from_source(_run(remove_fillers, text))).text == want


@pytest.mark.parametrize("text, want", [
    ("the the board", "the board"),
    ("I, I think so", "I think so"),
    ("The the the end", "The end"),
    ("we had had enough", "we had had enough"),
    ("I think that that is right", "I think that that is right"),
    ("[PERSON] [PERSON] met", "[PERSON] [PERSON] met"),
    ("theme the", "theme the"),
])
def test_repeats(text, want):
    assert _run(remove_repeats, text) == want


@pytest.mark.parametrize("text, want", [
    ("We went [inaudible] live.", "We went live."),
    ("Fine [laughs].", "Fine."),
    ("(laughs) Yes [crosstalk 00:12:03] no", "Yes no"),
    ("[PERSON] and [ORG] and [EMAIL]", "[PERSON] and [ORG] and [EMAIL]"),
    ("the EPR (electronic patient record) [sic]", "the EPR (electronic patient record) [sic]"),
])
def test_tags(text, want):
    assert _run(remove_tags, text) == want


def test_tags_never_touch_placeholders_even_if_configured():
    assert _run(remove_tags, "[PERSON] said hi [person]", ("person",)) == "[PERSON] said hi"


@pytest.mark.parametrize("text, want", [
    ("[00:01:23] We started", "We started"),
    ("we said (01:23) that", "we said that"),
    ("at 00:01:23.500 it", "at it"),
    ("the 10:30 meeting", "the 10:30 meeting"),
])
def test_timestamps(text, want):
    assert _run(remove_timestamps, text) == want


def test_unicode_repair_and_whitespace():
    text = "It\u00e2\u20ac\u2122s \u00c2\u00a32m \u2013 done\u200b.\r\n\r\n  Next\u00a0line\t!"
    out = normalise_whitespace(repair_unicode(AlignedText.from_source(text)))
    assert out.text == "It’s £2m – done. Next line !"
    assert apply_edits(text, out.src_start, out.src_end, out.edits()) == out.text
    assert _run(repair_unicode, "plain ascii stays") == "plain ascii stays"
    assert _run(repair_unicode, "curly ‘quotes’ stay") == "curly ‘quotes’ stay"


def test_levels_and_configuration():
    text = "  Um, the the [inaudible] EPR.  "
    assert clean(text, level="verbatim") == "Um, the the [inaudible] EPR."
    assert clean(text) == "the EPR."
    assert clean(text, config=CleaningConfig(fillers=False)) == "Um, the EPR."
    assert clean(text, config=CleaningConfig(filler_words=("erm",))) == "Um, the EPR."
    assert clean(text, config=CleaningConfig().without("repeats", "tags")) == "the the [inaudible] EPR."
    with pytest.raises(Exception, match="unknown cleaning level"):
        clean(text, level="tidy")


def test_clean_keeps_alignment_through_every_step():
    src = "HEADER\n[00:00:01] Um, the the new EPR \u00e2\u20ac\u201c [crosstalk] went live, er, in May.\n"
    at = AlignedText.from_source(src, 7, len(src) - 1)
    out = clean_aligned(at)
    assert out.text == "the new EPR \u2013 went live in May."
    assert apply_edits(src, out.src_start, out.src_end, out.edits()) == out.text
    assert src[out.src_start:out.src_end].startswith("the the new EPR")


@pytest.mark.parametrize("text", ["N/A", "n/a.", "None", "-", "--", "nothing to add", "No comment!", "  ", "see above",
                                  "Not sure", "…"])
def test_non_answers(text):
    assert is_non_answer(text)


@pytest.mark.parametrize("text", ["None of our systems talk to each other.", "No - we need funding first.",
                                  "EPR", "Too early to say."])
def test_real_answers_are_not_non_answers(text):
    assert is_non_answer(text) is None


from hypothesis import given, settings, strategies as st  # noqa: E402

_words = st.sampled_from(["um", "Um,", "the", "the", "[inaudible]", "(laughs)", "EPR", "er...", "[00:01:02]",
                          "we", "went", "live.", "I,", "I", "â€™", "\u00a0", "\r\n", "[PERSON]", "-", "mm", "5"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_words, max_size=25), st.sampled_from(["verbatim", "clean"]))
def test_cleaning_always_replays_from_the_source(words, level):
    src = "HEAD " + " ".join(words) + " TAIL"
    at = AlignedText.from_source(src, 5, len(src) - 5)
    out = clean_aligned(at, level)
    assert apply_edits(src, out.src_start, out.src_end, out.edits()) == out.text
    assert out.text == out.text.strip() and "  " not in out.text
    assert out.text.count("[PERSON]") == " ".join(words).count("[PERSON]")


# -- regressions found by adversarial QA ---------------------------------------------------------


@pytest.mark.parametrize("text, want", [
    ("- capital\n- skills\n- old kit", "capital - skills - old kit"),
    ("\u2022 Funding.\n\u2022 Staff time", "Funding. \u2022 Staff time"),
    ("* devices\n* wifi", "devices * wifi"),
    ("-5% budget this year", "-5% budget this year"),  # a minus sign, not a list marker
    ("- well - not really", "well - not really"),
])
def test_list_marker_at_the_start(text, want):
    # a leading "- " survived cleaning and turned the exported cell into a spreadsheet formula
    at = clean_aligned(AlignedText.from_source(text), "clean")
    assert at.text == want
    assert apply_edits(text, at.src_start, at.src_end, at.edits()) == at.text
    assert clean_aligned(AlignedText.from_source(text), "verbatim").text.startswith(text[:2])
    assert clean_aligned(AlignedText.from_source(text), "clean", CleaningConfig(bullets=False)).text[:2] == text[:2]
