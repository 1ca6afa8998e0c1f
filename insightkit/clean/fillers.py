"""Drop filler words (um, uh, er, erm, hmm, ...), with the commas or dots that set them off.

"Um, so we went" -> "so we went"; "we, um, moved" -> "we moved"; "it was, er... fine" -> "it was, fine"
is avoided by taking the comma before a filler when a comma or ellipsis follows it. Elongated forms
("ummm", "errr") match; ALL-CAPS matches ("ER", "UM") are taken for acronyms and kept.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from insightkit.alignment import AlignedText
from insightkit.clean._spans import remove_spans

__all__ = ["DEFAULT_FILLERS", "remove_fillers"]

DEFAULT_FILLERS: tuple[str, ...] = ("um", "umm", "uh", "uhh", "er", "err", "erm", "hmm", "hm", "mm", "ah", "eh")


@lru_cache(maxsize=16)
def _pattern(fillers: tuple[str, ...]) -> re.Pattern:
    alts = []
    for f in sorted({f.strip().lower() for f in fillers if f.strip()}, key=len, reverse=True):
        if re.fullmatch(r"[a-z]+", f):
            alts.append("".join(re.escape(c) + "+" for c in f))  # "um" also matches "ummm"
        else:
            alts.append(re.escape(f))
    return re.compile(rf"(?<![\w'\u2019\-])(?:{'|'.join(alts)})(?![\w'\u2019\-])", re.IGNORECASE)


_NUMBER_BEFORE = re.compile(r"\d\s*$")
_ERR_VERB = re.compile(r"\s+(?:on|in)\b", re.IGNORECASE)
_LAST_WORD = re.compile(r"[\w']+$")
_KEEP_COMMA_AFTER = {"yes", "yeah", "yep", "no", "nope", "well", "ok", "okay", "right", "sure", "oh", "look",
                     "actually", "honestly", "basically", "so", "now", "anyway", "absolutely", "exactly"}
_AFTER = re.compile(r",|\.\.\.|\u2026|\s*[-\u2013\u2014]+(?=\s|$)")


def remove_fillers(at: AlignedText, fillers: Sequence[str] = DEFAULT_FILLERS) -> AlignedText:
    text = at.text
    spans = []
    for m in _pattern(tuple(fillers)).finditer(text):
        word = m.group(0)
        if len(word) >= 2 and word.isupper():
            continue  # "ER", "UM": acronyms, not fillers
        a, b = m.start(), m.end()
        if _NUMBER_BEFORE.search(text[max(0, a - 6):a]) or (word.lower().startswith("err") and _ERR_VERB.match(text, b)):
            continue  # "5 mm", "we err on the side of caution"
        after = _AFTER.match(text, b)
        if after:
            b = after.end()
            before = text[:a].rstrip()
            prev = _LAST_WORD.search(before[:-1]) if before.endswith(",") else None
            if before.endswith(",") and not (prev and prev.group(0).casefold() in _KEEP_COMMA_AFTER):
                a = len(before) - 1  # "we, um, moved" -> "we moved"; but "Yes, um, we" -> "Yes, we"
        elif b >= len(text) or text[b] in ".?!":
            head = text[:a].rstrip()
            if head and b < len(text) and head[-1] in ".?!":  # "Um. So" -> "So": the filler was a sentence
                b += 1
            elif not head and b < len(text):
                b += 1
            elif head.endswith(","):  # "caution, uh." -> "caution."
                a = len(head) - 1
        spans.append((a, b))
    return remove_spans(at, spans) if spans else at
