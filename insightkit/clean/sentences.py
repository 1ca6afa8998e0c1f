"""Sentence boundaries of segments, with offsets in the segment text and in the source.

Later stages (quotes, topic models) work per sentence; keeping both offsets lets a sentence quoted
in a report be traced back to the exact source span.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from insightkit.alignment import edits_from_json

__all__ = ["SENTENCE_COLUMNS", "split_sentences", "text_to_source"]

SENTENCE_COLUMNS = ["segment_id", "doc_id", "index", "text", "start", "end", "src_start", "src_end"]

#: spaCy components not needed to find sentences (the parser sets the boundaries)
_DISABLE = ("tagger", "attribute_ruler", "lemmatizer", "ner")


def text_to_source(start: int, edits: Sequence[tuple[int, int, str]], i: int, j: int) -> tuple[int, int]:
    """Source offsets of ``text[i:j]`` for a segment whose span starts at ``start`` with ``edits``.

    Text inside a replacement maps to the replacement's whole source range, as
    :meth:`AlignedText.source_span` does.
    """
    pos_src, pos_txt = start, 0
    lo = hi = None
    for s, e, rep in sorted(edits, key=lambda t: (t[0], t[1])):
        # verbatim run [pos_src, s) <-> text [pos_txt, pos_txt + s - pos_src)
        run = s - pos_src
        lo, hi = _map(lo, hi, i, j, pos_txt, pos_txt + run, lambda k, a=pos_src, b=pos_txt: a + k - b)
        pos_txt += run
        n = len(rep)
        if n == 0 and i <= pos_txt < j:  # a deletion inside the range counts, as in AlignedText
            lo = s if lo is None else min(lo, s)
            hi = e if hi is None else max(hi, e)
        elif n and i < pos_txt + n and j > pos_txt:
            a = s if i <= pos_txt else e  # a cut replacement counts from its end, as AlignedText does
            lo = a if lo is None else min(lo, a)
            hi = e if hi is None else max(hi, e)
        pos_src, pos_txt = e, pos_txt + n
    lo, hi = _map(lo, hi, i, j, pos_txt, 1 << 62, lambda k, a=pos_src, b=pos_txt: a + k - b)
    if lo is None:
        return (hi, hi) if hi is not None else (start, start)
    return lo, hi


def _map(lo, hi, i, j, t0, t1, f):
    a, b = max(i, t0), min(j, t1)
    if a < b:
        if lo is None:
            lo = f(a)
        hi = f(b)
    return lo, hi


def split_sentences(segments: pd.DataFrame, nlp=None, batch_size: int = 256,
                    show_progress: bool | None = False) -> pd.DataFrame:
    """One row per sentence of each segment: ``segment_id, doc_id, index, text, start, end,
    src_start, src_end``. ``start``/``end`` index the segment's ``text``; ``src_start``/``src_end``
    the decoded source (for XLSX, the cell value)."""
    from insightkit.progress import progress

    if nlp is None:
        from insightkit.nlp import get_nlp

        nlp = get_nlp(_DISABLE)
    texts = [str(t) if isinstance(t, str) else "" for t in segments["text"].tolist()]
    ids = segments["segment_id"].tolist()
    doc_ids = segments["doc_id"].tolist() if "doc_id" in segments else [""] * len(ids)
    starts = segments["start"].tolist() if "start" in segments else [0] * len(ids)
    edits_col = segments["edits"].tolist() if "edits" in segments else [None] * len(ids)
    rows = []
    docs = nlp.pipe(texts, batch_size=batch_size)
    bar = progress(docs, total=len(texts), desc="sentences", unit="seg",
                   disable=None if show_progress is None else not show_progress)
    for k, doc in enumerate(bar):
        edits = edits_from_json(edits_col[k])
        index = 0
        for sent in doc.sents:
            a, b = sent.start_char, sent.end_char
            chunk = texts[k][a:b]
            stripped = chunk.strip()
            if not stripped:
                continue
            a += len(chunk) - len(chunk.lstrip())
            b = a + len(stripped)
            src = text_to_source(int(starts[k]), edits, a, b)
            rows.append((ids[k], doc_ids[k], index, stripped, a, b, src[0], src[1]))
            index += 1
    return pd.DataFrame(rows, columns=SENTENCE_COLUMNS)
