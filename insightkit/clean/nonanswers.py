"""Answers that say nothing ("N/A", "none", "-", "nothing to add") and exact duplicate answers.

Both go to the rejected table with a reason instead of the segments, so prevalence counts and
topic models are not skewed by them, yet every row stays accounted for.
"""

from __future__ import annotations

import re
from typing import Iterable

__all__ = ["DEFAULT_NON_ANSWERS", "non_answer_key", "is_non_answer", "duplicate_key"]

DEFAULT_NON_ANSWERS: tuple[str, ...] = (
    "n/a", "na", "n.a", "n a", "none", "none really", "none at all", "none thanks", "none thank you", "nil",
    "nothing", "nothing really", "nothing to add", "nothing to add thanks", "nothing further", "nothing further to add",
    "nothing else", "nothing else to add", "nothing more", "nothing more to add", "nothing to say", "nothing to report",
    "no comment", "no comments", "no further comment", "no further comments", "no additional comments",
    "no", "nope", "no thanks", "no thank you", "not applicable", "not really", "not sure", "unsure",
    "don't know", "dont know", "do not know", "dk", "idk", "no idea", "no answer", "no response", "skip", "pass",
    "see above", "as above", "same as above", "see previous answer", "as per previous answer", "ditto",
    "x", "xx", "xxx", "tbc", "tbd", "test", "asdf", "null", "undefined", "nan", "blank", "empty",
)

_WORD = re.compile(r"[^\W_]")
_EDGE = re.compile(r"^[\s\W_]+|[\s\W_]+$")
_SPACE = re.compile(r"\s+")


def non_answer_key(text: str) -> str:
    """Lower-cased text without surrounding punctuation, inner spaces collapsed ("N/A." -> "n/a")."""
    t = text.replace("\u2019", "'").casefold()
    t = _EDGE.sub("", t)
    return _SPACE.sub(" ", t)


def is_non_answer(text: str, phrases: Iterable[str] = DEFAULT_NON_ANSWERS) -> str | None:
    """The reason detail when ``text`` is a non-answer, else None."""
    if len(text) > 80:  # every non-answer phrase is short; long text is an answer
        return None
    if not _WORD.search(text):
        return "no words" if text.strip() else "empty"
    key = non_answer_key(text)
    table = phrases if isinstance(phrases, (set, frozenset)) else {non_answer_key(p) for p in phrases}
    if key in table:
        return f"non-answer {text.strip()[:40]!r}"
    return None


def duplicate_key(text: str) -> str:
    """Key under which two answers count as the same: case and spacing ignored."""
    return _SPACE.sub(" ", text.casefold()).strip()
