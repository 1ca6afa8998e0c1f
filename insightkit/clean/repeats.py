"""Drop immediate word repeats, a stammer in speech: "the the" -> "the", "I, I think" -> "I think".

The first word is kept and the repeats after it removed. Words that English repeats on purpose
("had had", "that that", "bye bye") are exceptions, configurable.
"""

from __future__ import annotations

import re
from typing import Sequence

from insightkit.alignment import AlignedText

__all__ = ["DEFAULT_REPEAT_EXCEPTIONS", "remove_repeats"]

DEFAULT_REPEAT_EXCEPTIONS: tuple[str, ...] = ("had", "that", "bye", "ha", "so", "no", "very", "really", "knock",
                                              "tut", "chop", "bla", "blah", "yeah")

_WORDS = re.compile(r"[^\W\d_][\w'\u2019]*")
_REPEAT = re.compile(r"(?<![\w'\u2019\-\[])([^\W\d_][\w'\u2019]*)(?![\w'\u2019\-\]])((?:,?[ \t]+\1(?![\w'\u2019\-\]]))+)",
                     re.IGNORECASE)


def remove_repeats(at: AlignedText, exceptions: Sequence[str] = DEFAULT_REPEAT_EXCEPTIONS) -> AlignedText:
    words = _WORDS.findall(at.text.casefold())
    if not any(x == y for x, y in zip(words, words[1:])):
        return at  # fast path: no word follows itself
    keep = {e.casefold() for e in exceptions}
    spans = []
    for m in _REPEAT.finditer(at.text):
        if m.group(1).casefold() in keep:
            continue
        spans.append((m.start(2), m.end(2), ""))
    return at.replace_many(spans) if spans else at
