"""Quote candidates: windows of one to ``max_sentences`` consecutive sentences of one turn.

Sentences come from the one splitter, :mod:`insightkit.sentences`. A whole short survey answer is
a window too. Interviewers never give candidates. Each window that fails a quotability filter is
kept in the rejected table with its ``reason`` (``too_short``, ``too_long``,
``incomplete_sentence``, ``contains_redaction``, ``misaligned_segment``). The shown quote of a
window drops its false starts (:mod:`insightkit.quotes.restarts`); :func:`window_quote` rebuilds
it from the segment, which is how verification checks it.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from insightkit.alignment import AlignedText, edits_to_json
from insightkit.errors import InputError
from insightkit.clean.smalltalk import is_small_talk
from insightkit.quotes.config import QuoteConfig
from insightkit.quotes.restarts import collapse_false_starts
from insightkit.quotes.voice import spoken_voice
from insightkit.sentences import SentenceSplitter, sentence_spans
from insightkit.redact.types import PLACEHOLDER_RX
from insightkit.segments import theme_ids

__all__ = ["build_candidates", "check_tagged_table", "CANDIDATE_COLUMNS", "REJECTED_COLUMNS", "parse_quote_id",
           "overlap", "row_value", "shown_name", "window_quote"]

_WORD_RX = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_END_RX = re.compile(r"[.!?…][\"'”’)\]]*$")
_LIST_NUMBER_END_RX = re.compile(r"(?:^|\s)\(?\d{1,2}[.)]$")  # "... 3." is the next item's number, not an end
_START_RX = re.compile(r"^[\"'“‘(]*[A-Z0-9£]")

CANDIDATE_COLUMNS = ["quote_id", "segment_id", "offset_in_text", "end_in_text", "quote", "words", "start", "end", "edits",
                     "false_starts", "voice"]
REJECTED_COLUMNS = ["segment_id", "quote_id", "quote", "reason", "detail"]
_NEEDED = ("segment_id", "text", "start", "end")


def word_count(text: str) -> int:
    return len(_WORD_RX.findall(text))


def row_value(row, col, default=""):
    """``row[col]``, or ``default`` when the row has no such field or it is empty (None, NaN)."""
    v = row.get(col, default) if hasattr(row, "get") else default
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return default
    return v


def parse_quote_id(quote_id: str) -> tuple[str, int, int] | None:
    """``segment_id@a-b`` -> (segment_id, a, b): the window's place in its segment's cleaned text."""
    sid, sep, span = str(quote_id).rpartition("@")
    a, dash, b = span.partition("-")
    if not sep or not dash:
        return None
    try:
        return sid, int(a), int(b)
    except ValueError:
        return None


def overlap(p: dict, q: dict) -> bool:
    """Two windows of the same turn that share any character."""
    return p["segment_id"] == q["segment_id"] and p["a"] < q["b"] and q["a"] < p["b"]


def shown_name(seg, cache: dict[str, str]) -> str:
    """The file name a quote shows: the segment's ``source_display`` (names redacted, never the real
    ``source``). A table from before ``source_display`` existed gets it worked out here."""
    shown = str(row_value(seg, "source_display"))
    if shown:
        return shown
    real = str(row_value(seg, "source"))
    if real and real not in cache:
        from insightkit.redact.filenames import redact_file_name

        cache[real] = redact_file_name(real, use_ner=False)
    return cache.get(real, "")


def check_tagged_table(segments: pd.DataFrame, path) -> pd.DataFrame:
    """The tagged segment table read from ``path``, checked: one InputError naming the file when it
    is not a segment table with source offsets and ``theme_<id>`` columns."""
    from insightkit.io.tables import check_segment_table

    missing = [c for c in _NEEDED if c not in segments.columns]
    if missing:
        raise InputError(path, f"not a segment table: no {', '.join(repr(c) for c in missing)} column; quotes need "
                               "the table from 'insightkit clean', tagged by 'insightkit tag'")
    if not theme_ids(segments):
        raise InputError(path, "the segment table has no theme_<id> columns: tag it first ('insightkit tag')")
    return check_segment_table(segments, path)


def _windows(text: str, sents: list[tuple[int, int]], max_sentences: int, survey: bool) -> list[tuple[int, int]]:
    """Spans of 1..max_sentences consecutive sentences (and the whole answer of a survey cell)."""
    windows: dict[tuple[int, int], None] = {}
    for i in range(len(sents)):
        for k in range(1, max_sentences + 1):
            if i + k <= len(sents):
                windows[(sents[i][0], sents[i + k - 1][1])] = None
    if survey and text.strip():
        a = len(text) - len(text.lstrip())
        windows[(a, len(text.rstrip()))] = None
    return list(windows)


def _filter_reason(quote: str, words: int, cfg: QuoteConfig) -> str:
    """Why a window is not quotable ("" when it is)."""
    if words < cfg.min_words:
        return "too_short"
    if words > cfg.max_words:
        return "too_long"
    if not _START_RX.search(quote) or not _END_RX.search(quote) or _LIST_NUMBER_END_RX.search(quote):
        return "incomplete_sentence"
    if not cfg.allow_placeholders and PLACEHOLDER_RX.search(quote):
        return "contains_redaction"
    return ""


def _shown(aligned: AlignedText, a: int, b: int, collapse: bool) -> tuple[AlignedText, list[str], tuple[int, int]]:
    """The shown quote of window ``[a, b)`` (false starts dropped when ``collapse``), what was
    dropped, and its source span."""
    span = aligned.source_span(a, b)
    piece = aligned.slice(a, b)
    if not collapse:
        return piece, [], span
    shown, dropped = collapse_false_starts(piece)
    return shown, dropped, span


def window_quote(segment_text: str, start, end, edits, a: int, b: int, collapse: bool = True) -> str:
    """The shown quote of the window ``[a, b)`` of a segment's cleaned text (raises ValueError when
    the segment's text does not match its span and edits, or the window is outside it)."""
    if not 0 <= a < b <= len(segment_text):
        raise ValueError("the window is outside the segment's text")
    aligned = AlignedText.from_row(segment_text, start, end, edits)
    return _shown(aligned, a, b, collapse)[0].text


def _segment_windows(seg, text: str, sents, cfg: QuoteConfig, keep: list, drop: list) -> None:
    """Add the windows of one segment to ``keep`` (quotable) or ``drop`` (with the reason)."""
    try:
        aligned = AlignedText.from_row(text, seg["start"], seg["end"], seg.get("edits"))
    except ValueError:
        drop.append({"segment_id": seg["segment_id"], "quote": text, "reason": "misaligned_segment",
                     "detail": "the segment's text does not match its span and edits"})
        return
    for a, b in _windows(text, sents, cfg.max_sentences, str(seg.get("kind", "")) == "survey"):
        quote_id = f"{seg['segment_id']}@{a}-{b}"
        piece, dropped, (src_s, src_e) = _shown(aligned, a, b, cfg.collapse_false_starts)
        quote = piece.text
        words = word_count(quote)
        reason = _filter_reason(quote, words, cfg)
        if reason:
            drop.append({"segment_id": seg["segment_id"], "quote_id": quote_id, "quote": quote, "reason": reason,
                         "detail": f"{words} words"})
            continue
        keep.append({"quote_id": quote_id, "segment_id": seg["segment_id"], "offset_in_text": a, "end_in_text": b,
                     "quote": quote, "words": words, "start": src_s, "end": src_e,
                     "edits": edits_to_json(piece.edits()), "false_starts": " | ".join(dropped),
                     "voice": spoken_voice(quote)})


def build_candidates(segments: pd.DataFrame, config: QuoteConfig | None = None,
                     splitter: SentenceSplitter | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All quote windows of participants' and respondents' segments, and the ones filtered out.

    Interviewers never give candidates, nor call turns that are only small talk
    (:func:`insightkit.clean.is_small_talk`: reason ``small_talk``). Each rejected window records
    its ``reason``.
    """
    config = config or QuoteConfig()
    for col in _NEEDED:
        if col not in segments.columns:
            raise InputError(None, f"the segment table has no '{col}' column (quotes need source offsets)")
    role = segments["role"].fillna("") if "role" in segments.columns else pd.Series("participant", index=segments.index)
    eligible = segments[(role != "interviewer") & segments["text"].fillna("").str.strip().ne("")]
    texts = eligible["text"].astype(str).tolist()
    spans = [sentence_spans(t, splitter) for t in texts]
    keep: list[dict] = []
    drop: list[dict] = []
    for (_, seg), text, sents in zip(eligible.iterrows(), texts, spans):
        talk = is_small_talk(PLACEHOLDER_RX.sub(" ", text)) if str(seg.get("kind", "")) == "transcript" else None
        if talk:  # greetings, thanks, goodbyes: set aside before quotes, as before topics
            drop.append({"segment_id": seg["segment_id"], "quote": text, "reason": "small_talk", "detail": talk})
            continue
        _segment_windows(seg, text, sents, config, keep, drop)
    return pd.DataFrame(keep, columns=CANDIDATE_COLUMNS), pd.DataFrame(drop, columns=REJECTED_COLUMNS)
