"""SubRip (.srt) subtitles: numbered cues with ``00:00:01,000 --> 00:00:04,000`` timings.

Speakers come from a ``Name:`` prefix or a ``<v Name>`` tag on the cue's text; a cue without one
continues the previous speaker's turn, and consecutive cues of one speaker are merged (see
:mod:`insightkit.io.vtt`). Formatting tags (``<i>``, ``<font ...>``, ``{\\an8}``) are removed as edits.
"""

from __future__ import annotations

from typing import Iterable

from insightkit.errors import InputError
from insightkit.io.base import TranscriptParse
from insightkit.io.turns import split_lines
from insightkit.io.vtt import cues_to_turns, parse_cue_blocks

__all__ = ["parse_srt"]


def parse_srt(text: str, path=None, known_labels: Iterable[str] = ()) -> TranscriptParse:
    lines = split_lines(text)
    first = next((text[s:e] for s, e in lines if text[s:e].strip()), "")
    if first.strip().startswith("WEBVTT"):
        raise InputError(path, "this is a WebVTT file; give it the .vtt extension", line=1)
    cues = parse_cue_blocks(text, path, skip_first_block=False, kind="srt", lines=lines)
    if not cues:
        raise InputError(path, "no subtitle cues found (expected '00:00:01,000 --> 00:00:04,000' lines)")
    turns = cues_to_turns(text, cues, known_labels)
    if not turns:
        raise InputError(path, "the subtitle cues hold no text")
    return TranscriptParse(turns)
