"""Drop list markers at the start of a line ("- ", "* ", "• "): layout, not words.

Survey answers are often typed as bulleted lists ("- capital\n- skills"). The marker says nothing,
and a leading "-" makes a spreadsheet read the cell as a formula. Once line breaks are flattened the
items would run together ("capital skills"), so the break before a later item becomes "; " unless
the item before already ends with punctuation: "capital; skills". The step runs before whitespace
normalisation, while line starts are still visible. A dash without a space after it ("-5%") stays.
"""

from __future__ import annotations

import re

from insightkit.alignment import AlignedText

__all__ = ["remove_bullets"]

_BULLET = re.compile(r"(?m)^[ \t]*[-*\u2022\u2023\u25e6\u25aa\u25cf\u2013\u2014\u2043\u2219\u00b7][ \t]+(?=\S)")


def remove_bullets(at: AlignedText) -> AlignedText:
    text = at.text
    if not text or not _BULLET.search(text):
        return at
    spans = []
    for m in _BULLET.finditer(text):
        before = text[:m.start()].rstrip()
        if not before:  # the first item: just drop the marker
            spans.append((m.start(), m.end(), ""))
            continue
        joiner = " " if before[-1] in ".,;:!?" else "; "
        a = len(before)
        if spans and a < spans[-1][1]:
            continue
        spans.append((a, m.end(), joiner))
    return at.replace_many(spans)
