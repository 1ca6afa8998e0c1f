"""The one sentence splitter: what a "sentence" is, the same for tagging, quotes and sentence tables.

Rule based, like spaCy's ``sentencizer``: by default a sentence ends at ``.``, ``!`` or ``?`` followed
by white space, and at a line break. No model is loaded: it runs on every text a model tags, fast mode
included, and gives the same boundaries on every machine. Sentences carry their character offsets in
the text (and, through :func:`split_sentences`, in the source).

The defaults are the boundaries the shipped theme model was trained and tuned with. The splitter can
also keep closing quotes with their sentence, end at ``…`` and skip titles and abbreviations
(``SentenceSplitter(terminators=".!?…", closers=CLOSING_MARKS, abbreviations=DEFAULT_ABBREVIATIONS)``);
whether that helps tagging is a question for an evaluation on real text, not a default to change here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd

from insightkit.alignment import edits_from_json

__all__ = ["SentenceSplitter", "DEFAULT_SPLITTER", "DEFAULT_ABBREVIATIONS", "CLOSING_MARKS", "sentence_spans",
           "starts_sentence", "split_sentences",
           "text_to_source", "SENTENCE_COLUMNS"]

#: words after which a full stop does not end a sentence (compared lower-cased, without the stop)
DEFAULT_ABBREVIATIONS = frozenset({
    "dr", "mr", "mrs", "ms", "mx", "prof", "rev", "sr", "jr", "st", "e.g", "i.e", "eg", "ie", "cf", "vs",
    "approx", "incl", "dept",
})

#: closing quotes and brackets that may stay with the sentence they close
CLOSING_MARKS = "\"')]}”’»"

SENTENCE_COLUMNS = ["segment_id", "doc_id", "index", "text", "start", "end", "src_start", "src_end"]


@dataclass(frozen=True)
class SentenceSplitter:
    """Sentence boundaries of a text as ``(start, end)`` character offsets, white space trimmed.

    Parameters
    ----------
    terminators : str
        Characters that end a sentence when white space follows them (after any ``closers``).
    closers : str
        Closing quotes and brackets that stay with the sentence they close (default: none, so
        ``"Done." Then`` is one sentence, as the shipped model was trained; see :data:`CLOSING_MARKS`).
    abbreviations : frozenset of str
        Words (lower case, without their final full stop) after which a full stop is not an end
        (default: none; see :data:`DEFAULT_ABBREVIATIONS`).
    split_on_newline : bool
        A line break always ends a sentence (survey answers written as lists, transcript lines).
    min_chars : int
        Sentences shorter than this (after trimming) are left out.
    initials : bool
        A full stop after a single capital letter ("J. Smith", "plan B.") is not an end.
    """

    terminators: str = ".!?"
    closers: str = ""
    abbreviations: frozenset = frozenset()
    split_on_newline: bool = True
    min_chars: int = 1
    initials: bool = False

    def __post_init__(self):
        if not self.terminators:
            raise ValueError("terminators must name at least one character")
        if int(self.min_chars) < 1:
            raise ValueError(f"min_chars must be at least 1, got {self.min_chars!r}")
        close = f"[{re.escape(self.closers)}]*" if self.closers else ""
        breaks = f"[{re.escape(self.terminators)}]+{close}(?=\\s)" + (r"|\n" if self.split_on_newline else "")
        object.__setattr__(self, "_break_rx", re.compile(breaks))
        object.__setattr__(self, "_end_rx", re.compile(f"[{re.escape(self.terminators)}]+{close}$"))

    _break_rx: re.Pattern = field(init=False, repr=False, compare=False)
    _end_rx: re.Pattern = field(init=False, repr=False, compare=False)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of each sentence of ``text``, in order, trimmed, at least ``min_chars`` long."""
        pieces, pos = [], 0
        for m in self._break_rx.finditer(text):
            if m.group() != "\n" and self._after_abbreviation(text, m.start(), m.group()):
                continue
            pieces.append((pos, m.end()))
            pos = m.end()
        pieces.append((pos, len(text)))
        out = []
        for a, b in pieces:
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b - a >= self.min_chars:
                out.append((a, b))
        return out

    def first_break(self, text: str, start: int = 0, end: int | None = None) -> int | None:
        """Where the first sentence end in ``text[start:end]`` begins (its stop or line break), or None.

        The text before ``start`` still counts (an abbreviation that starts before it)."""
        for m in self._break_rx.finditer(text, start, len(text) if end is None else end):
            if m.group() != "\n" and self._after_abbreviation(text, m.start(), m.group()):
                continue
            return m.start()
        return None

    def starts_sentence(self, text: str, i: int) -> bool:
        """Whether a sentence starts at ``text[i]`` (white space before it skipped): at the start of the
        text, after a line break, or after a sentence end and white space, as :meth:`spans` splits."""
        j = i
        while j > 0 and text[j - 1].isspace():
            if text[j - 1] == "\n" and self.split_on_newline:
                return True
            j -= 1
        if j == 0:
            return True
        if j == i:  # no white space: not a boundary
            return False
        m = self._end_rx.search(text, 0, j)
        return m is not None and not self._after_abbreviation(text, m.start(), m.group())

    def split(self, text: str) -> list[str]:
        """The sentences of ``text`` as strings."""
        return [text[a:b] for a, b in self.spans(text)]

    def _after_abbreviation(self, text: str, at: int, stop: str) -> bool:
        if stop != ".":
            return False
        i = at
        while i > 0 and not text[i - 1].isspace() and text[i - 1] not in "([{\"'“‘":
            i -= 1
        word = text[i:at]
        if self.initials and len(word) == 1 and word.isupper():
            return True
        word = word.lower()
        return bool(word) and (word in self.abbreviations or word + "." in self.abbreviations)


DEFAULT_SPLITTER = SentenceSplitter()


def sentence_spans(text: str, splitter: SentenceSplitter | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of the sentences of ``text`` by ``splitter`` (default: :data:`DEFAULT_SPLITTER`)."""
    return (splitter or DEFAULT_SPLITTER).spans(text)


def starts_sentence(text: str, i: int, splitter: SentenceSplitter | None = None) -> bool:
    """Whether a sentence of ``text`` starts at ``i`` by ``splitter`` (default: :data:`DEFAULT_SPLITTER`)."""
    return (splitter or DEFAULT_SPLITTER).starts_sentence(text, i)


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


def split_sentences(segments: pd.DataFrame, splitter: SentenceSplitter | None = None) -> pd.DataFrame:
    """One row per sentence of each segment: ``segment_id, doc_id, index, text, start, end,
    src_start, src_end``. ``start``/``end`` index the segment's ``text``; ``src_start``/``src_end``
    the decoded source (for XLSX, the cell value)."""
    texts = [str(t) if isinstance(t, str) else "" for t in segments["text"].tolist()]
    ids = segments["segment_id"].tolist()
    doc_ids = segments["doc_id"].tolist() if "doc_id" in segments else [""] * len(ids)
    starts = segments["start"].tolist() if "start" in segments else [0] * len(ids)
    edits_col = segments["edits"].tolist() if "edits" in segments else [None] * len(ids)
    rows = []
    for k, text in enumerate(texts):
        edits = edits_from_json(edits_col[k])
        for index, (a, b) in enumerate(sentence_spans(text, splitter)):
            src = text_to_source(int(starts[k]), edits, a, b)
            rows.append((ids[k], doc_ids[k], index, text[a:b], a, b, src[0], src[1]))
    return pd.DataFrame(rows, columns=SENTENCE_COLUMNS)
