"""False starts in a shown quote: "not a, not a strategy" -> "not a strategy".

Cleaning already drops a repeated single word ("the the"). Speech also restarts a phrase ("we
were, we were not ready"), swaps a contraction for the plain word ("we've we calculated") or cuts a
word off ("imp- implementation"). In a quote these read as a stammer on the page, so the shown
quote drops them, as a transcriber preparing a quote for publication would. Each drop is a
*deletion* recorded in the quote's ``edits`` (source coordinates), so the quote still replays
exactly from its source span (:func:`insightkit.quotes.verify_quotes`), and the quote id still
names the window of the segment's cleaned text it was cut from.

Three rules, each conservative:

* a phrase of one to four words said twice in a row, with a comma or a space between ("on a, on
  a fairly old system", "had been had been"): the repeat is dropped. A single word repeated on
  purpose ("very, very", "many, many", "had had", "that that": the cleaning step's exceptions and
  words of emphasis) is kept;
* a pronoun with a contraction followed by the same pronoun ("we've we calculated", "it's it was",
  "I'm I was"): the contraction and the restart are dropped ("we calculated");
* a word cut off with a hyphen and said in full next ("imp- implementation"): the fragment is
  dropped.
"""

from __future__ import annotations

import re

from insightkit.alignment import AlignedText
from insightkit.clean.repeats import DEFAULT_REPEAT_EXCEPTIONS

__all__ = ["collapse_false_starts", "FALSE_START_RULES"]

_W = r"[A-Za-z][A-Za-z'’]*"
#: a phrase of 1-4 words, then a comma or a space, then the same phrase again
_REPEAT_RX = re.compile(rf"(?<![\w'’\-\[])((?:{_W}[ ,]+){{0,3}}{_W})(,?[ \t]+)(\1)(?![\w'’\-\]])", re.IGNORECASE)
_PRONOUNS = r"I|we|you|they|he|she|it"
_CONTRACTION_RX = re.compile(rf"(?<![\w'’])({_PRONOUNS})(['’](?:ve|re|m|d|ll|s)[ \t]+)(\1)(?=[ \t]+[A-Za-z])",
                             re.IGNORECASE)
_CUT_RX = re.compile(r"(?<![\w'’\-])([A-Za-z]{1,8})-[ \t]+(?=\1[A-Za-z]*)", re.IGNORECASE)
#: single words said twice on purpose: the cleaning step's exceptions and words of emphasis
_KEEP = frozenset(w.casefold() for w in DEFAULT_REPEAT_EXCEPTIONS) | frozenset(
    "long many much far more big little tiny huge never always yes ok okay well now quite too way please "
    "again bye hear".split())
FALSE_START_RULES = ("repeated_phrase", "contraction_restart", "cut_off_word")


def _repeat_spans(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _REPEAT_RX.finditer(text):
        phrase = m.group(1)
        if " " not in phrase.strip() and "," not in phrase and phrase.casefold() in _KEEP:
            continue  # "very, very": said twice on purpose
        out.append((m.end(1), m.end(3)))  # ", on a" of "on a, on a": the repeat and what joins it
    return out


def _contraction_spans(text: str) -> list[tuple[int, int]]:
    # "We've we calculated" -> "We calculated": from the apostrophe through the repeated pronoun
    return [(m.end(1), m.end(3)) for m in _CONTRACTION_RX.finditer(text)]


def _cut_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _CUT_RX.finditer(text) if m.start() > 0]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Non-overlapping spans, first come first kept."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if a < b and (not out or a >= out[-1][1]):
            out.append((a, b))
    return out


def collapse_false_starts(at: AlignedText) -> tuple[AlignedText, list[str]]:
    """``at`` with its false starts dropped (as deletions), and the text of each drop.

    Applied until nothing changes (a stammer of three, "we were, we were, we were", needs two
    passes), at most four times.
    """
    dropped: list[str] = []
    for _ in range(4):
        text = at.text
        spans = _merge(_repeat_spans(text) + _contraction_spans(text) + _cut_spans(text))
        if not spans:
            break
        dropped.extend(text[a:b] for a, b in spans)
        at = at.replace_many([(a, b, "") for a, b in spans])
    return at, dropped
