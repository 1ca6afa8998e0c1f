"""Plain-text transcripts (``Name: text`` turns; see :mod:`insightkit.io.turns` for the forms)."""

from __future__ import annotations

from typing import Iterable

from insightkit.alignment import AlignedText, trim
from insightkit.io.base import TranscriptParse, Turn
from insightkit.io.turns import header_names, parse_turns
from insightkit.io.vtt import format_timestamp

__all__ = ["parse_txt"]


def parse_txt(text: str, path=None, known_labels: Iterable[str] = ()) -> TranscriptParse:
    parsed = parse_turns(text, known_labels, path)
    turns = []
    for t in parsed.turns:
        at = AlignedText.from_source(text, t.start, t.end) if t.end > t.start else AlignedText([])
        if at.text and t.skip:  # notice lines ("X stopped transcription") inside the turn stand as a space
            at = at.replace_many([(a - t.start, b - t.start, " ") for a, b in t.skip])
        at = trim(at) if at.text else at
        turns.append(Turn(t.label, at, t.line_start, format_timestamp(t.timestamp) if t.timestamp else ""))
    header = sorted(parsed.header + parsed.notices)
    return TranscriptParse(turns, header, header_names(text, parsed.header))
