"""Deleting spans from an AlignedText without leaving doubled spaces or a space before punctuation."""

from __future__ import annotations

from typing import Iterable

from insightkit.alignment import AlignedText

__all__ = ["remove_spans"]

_CLOSING = set(",.;:!?)]}\u2026")


def remove_spans(at: AlignedText, spans: Iterable[tuple[int, int]]) -> AlignedText:
    """Delete ``text[a:b]`` for each span, also taking one side's whitespace so words stay spaced.

    "we um moved" -> "we moved"; "it was um." -> "it was."; "[laughs] Yes" -> "Yes".
    """
    text = at.text
    n = len(text)
    grown: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if a >= b:
            continue
        after = text[b] if b < n else ""
        if b < n and after.isspace():
            if a == 0 or text[a - 1].isspace():  # "x um y": take the space after
                while b < n and text[b].isspace():
                    b += 1
        elif b >= n or after in _CLOSING:
            while a > 0 and text[a - 1].isspace():
                a -= 1
        if grown and a <= grown[-1][1]:
            grown[-1] = (grown[-1][0], max(b, grown[-1][1]))
        else:
            grown.append((a, b))
    if not grown:
        return at
    return at.replace_many([(a, b, "") for a, b in grown])
