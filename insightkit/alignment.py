"""Text that remembers where every character came from in the decoded source.

Every reader and cleaning step edits an :class:`AlignedText` instead of a plain string, so the
cleaned (and redacted) text of a segment can always be mapped back to the exact source span, and
the whole transformation can be replayed and checked: ``apply_edits(source, edits) == text``.

The text is a list of pieces. A *verbatim* piece is a slice of the source, unchanged. A
*replacement* piece is text that stands for a source range (a placeholder such as ``[PERSON]``
standing for a name, a single space standing for a line break and a cue timing, or an empty
string standing for a removed filler).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Callable, Iterable, Sequence

__all__ = ["Piece", "AlignedText", "trim", "apply_edits", "edits_to_json", "edits_from_json"]


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    src_start: int
    src_end: int
    verbatim: bool


class AlignedText:
    """A string plus its alignment to a source text."""

    __slots__ = ("_pieces", "_text", "_index")

    def __init__(self, pieces: Iterable[Piece]):
        merged: list[Piece] = []
        for p in pieces:
            if p.verbatim and p.text == "":
                continue
            if merged and p.verbatim and merged[-1].verbatim and merged[-1].src_end == p.src_start:
                last = merged.pop()
                p = Piece(last.text + p.text, last.src_start, p.src_end, True)
            merged.append(p)
        self._pieces = merged
        self._text = "".join(p.text for p in merged)
        self._index: tuple[list[int], list[int]] | None = None

    # construction -------------------------------------------------------------------------
    @classmethod
    def from_source(cls, source: str, start: int = 0, end: int | None = None) -> "AlignedText":
        end = len(source) if end is None else end
        return cls([Piece(source[start:end], start, end, True)])

    @classmethod
    def from_fragments(
        cls, source: str, fragments: Sequence[tuple[int, int]], joiner: str = " "
    ) -> "AlignedText":
        """Join source fragments (start, end); the gaps between them become ``joiner``."""
        pieces: list[Piece] = []
        prev_end: int | None = None
        for s, e in fragments:
            if prev_end is not None:
                pieces.append(Piece(joiner, prev_end, s, False))
            pieces.append(Piece(source[s:e], s, e, True))
            prev_end = e
        return cls(pieces)

    @classmethod
    def from_edits(cls, text: str, start: int, end: int, edits: Iterable[Sequence]) -> "AlignedText":
        """Rebuild the alignment of a stored segment from its ``text``, span and ``edits``.

        The source is not needed: between edits the text is verbatim source, so its characters are
        the next characters of ``text``. Raises ValueError when the pieces do not add up.
        """
        pieces: list[Piece] = []
        pos, k = int(start), 0
        for s, e, new in sorted(((int(a), int(b), str(t)) for a, b, t in edits), key=lambda t: (t[0], t[1])):
            n = s - pos
            if n < 0:
                raise ValueError("edits overlap")
            if e < s:
                raise ValueError("an edit ends before it starts")
            pieces.append(Piece(text[k : k + n], pos, s, True))
            k += n
            if text[k : k + len(new)] != new:
                raise ValueError("text does not match its edits")
            pieces.append(Piece(new, s, e, False))
            k += len(new)
            pos = e
        tail = int(end) - pos
        pieces.append(Piece(text[k : k + tail], pos, int(end), True))
        k += tail
        if k != len(text) or len(pieces[-1].text) != tail:
            raise ValueError("text length does not match its span and edits")
        return cls(pieces)

    @classmethod
    def from_row(cls, text, start, end, edits) -> "AlignedText":
        """A stored segment's alignment from its table row: ``text`` (missing reads as ""), ``start``,
        ``end`` and ``edits`` (JSON or a list). The one way every stage rebuilds a row; raises
        ValueError when the text does not match its span and edits (a hand-edited table)."""
        if not isinstance(text, str):
            text = "" if text is None or text != text else str(text)  # None, NaN
        return cls.from_edits(text, int(start), int(end), edits_from_json(edits))

    @classmethod
    def concat(cls, parts: Sequence["AlignedText"], source: str, joiner: str = " ") -> "AlignedText":
        """Join aligned texts that come from one source, in source order."""
        pieces: list[Piece] = []
        prev: AlignedText | None = None
        for part in parts:
            if prev is not None:
                pieces.append(Piece(joiner, prev.src_end, part.src_start, False))
            pieces.extend(part._pieces)
            prev = part
        return cls(pieces)

    # read access --------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self._text

    @property
    def pieces(self) -> tuple[Piece, ...]:
        return tuple(self._pieces)

    @property
    def src_start(self) -> int:
        return self._pieces[0].src_start if self._pieces else 0

    @property
    def src_end(self) -> int:
        return self._pieces[-1].src_end if self._pieces else 0

    def __str__(self) -> str:
        return self._text

    def __len__(self) -> int:
        return len(self._text)

    def __repr__(self) -> str:
        return f"AlignedText({self._text!r}, src={self.src_start}:{self.src_end})"

    def edits(self) -> list[tuple[int, int, str]]:
        """The replacements, in source coordinates, that turn the source span into ``text``."""
        return [(p.src_start, p.src_end, p.text) for p in self._pieces if not p.verbatim]

    def source_span(self, i: int, j: int) -> tuple[int, int]:
        """Source offsets of the cleaned substring ``text[i:j]`` (a replacement counts whole)."""
        n = len(self._text)
        i = max(0, min(i, n))
        j = max(i, min(j, n))
        if i == j:
            p = self._insert_point(i)
            return (p, p)
        return self._src_range(i, j)

    def slice(self, i: int, j: int) -> "AlignedText":
        """The aligned substring ``text[i:j]``."""
        out: list[Piece] = []
        self._emit(out, i, j, zero_at_end=False)
        return AlignedText(out)

    # editing ------------------------------------------------------------------------------
    def replace(self, i: int, j: int, new: str) -> "AlignedText":
        """Replace ``text[i:j]`` with ``new``; returns a new AlignedText."""
        return self.replace_many([(i, j, new)])

    def replace_many(self, spans: Sequence[tuple[int, int, str]]) -> "AlignedText":
        """Apply non-overlapping replacements given in current-text coordinates."""
        spans = sorted(((int(a), int(b), str(t)) for a, b, t in spans), key=lambda t: (t[0], t[1]))
        if not spans:
            return self
        for (a1, b1, _), (a2, b2, _) in zip(spans, spans[1:]):
            if a2 < b1:
                raise ValueError(f"overlapping replacements {a1}:{b1} and {a2}:{b2}")
        out: list[Piece] = []
        cur = 0
        for a, b, new in spans:
            if a < cur or b > len(self._text) or a > b:
                raise ValueError(f"replacement {a}:{b} out of range")
            self._emit(out, cur, a, zero_at_end=False)
            s, e = self._src_range(a, b) if a < b else (self._insert_point(a),) * 2
            out.append(Piece(new, s, e, False))
            cur = b
        self._emit(out, cur, len(self._text), zero_at_end=True)
        return AlignedText(out)

    def sub(self, pattern: "str | re.Pattern", repl: "str | Callable[[re.Match], str]") -> "AlignedText":
        """``re.sub`` over the current text, keeping the alignment."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        spans = []
        literal = repl if isinstance(repl, str) and "\\" not in repl else None  # no group references
        for m in rx.finditer(self._text):
            new = literal if literal is not None else repl(m) if callable(repl) else m.expand(repl)
            if new != m.group(0):
                spans.append((m.start(), m.end(), new))
        return self.replace_many(spans) if spans else self

    def transform(self, fn: Callable[[str], str]) -> "AlignedText":
        """Apply any string function, aligning its result to the old text by a character diff."""
        new = fn(self._text)
        if new == self._text:
            return self
        ops = SequenceMatcher(None, self._text, new, autojunk=False).get_opcodes()
        return self.replace_many([(i1, i2, new[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag != "equal"])

    # internals ----------------------------------------------------------------------------
    # Each piece's position in the current text is kept in ``_index`` (built on first use), so a
    # range is found by bisection: ``replace_many`` with k replacements over n pieces costs
    # O((n + k) log n), not O(n * k) (a long line with many edits must not take minutes).
    def _positions(self) -> tuple[list[int], list[int]]:
        idx = self._index
        if idx is None:
            starts, ends, pos = [], [], 0
            for p in self._pieces:
                starts.append(pos)
                pos += len(p.text)
                ends.append(pos)
            idx = self._index = (starts, ends)
        return idx

    def _bounds(self, a: int = 0):
        """(piece, position) from the first piece that ends at or after ``a``, in order."""
        starts, ends = self._positions()
        for k in range(bisect_left(ends, a), len(self._pieces)):
            yield self._pieces[k], starts[k]

    def _emit(self, out: list, a: int, b: int, zero_at_end: bool) -> None:
        """Append the unchanged pieces covering current text ``[a, b)``."""
        for p, pos in self._bounds(a):
            if pos > b:
                break
            n = len(p.text)
            if n == 0:
                if a <= pos < b or (zero_at_end and pos == b):
                    out.append(p)
                continue
            lo, hi = max(a, pos), min(b, pos + n)
            if lo >= hi:
                continue
            if p.verbatim:
                out.append(Piece(p.text[lo - pos : hi - pos], p.src_start + lo - pos, p.src_start + hi - pos, True))
            elif lo == pos and hi == pos + n:
                out.append(p)
            elif lo == pos:
                out.append(Piece(p.text[: hi - pos], p.src_start, p.src_end, False))
            else:  # the tail of a cut replacement becomes an insertion after its source range
                out.append(Piece(p.text[lo - pos : hi - pos], p.src_end, p.src_end, False))

    def _src_range(self, a: int, b: int) -> tuple[int, int]:
        s = e = None
        for p, pos in self._bounds(a):
            if pos >= b:
                break
            n = len(p.text)
            if n == 0:
                if not (a <= pos < b):
                    continue
                lo_src, hi_src = p.src_start, p.src_end
            else:
                lo, hi = max(a, pos), min(b, pos + n)
                if lo >= hi:
                    continue
                if p.verbatim:
                    lo_src, hi_src = p.src_start + lo - pos, p.src_start + hi - pos
                elif lo == pos:
                    lo_src, hi_src = p.src_start, p.src_end
                else:
                    lo_src = hi_src = p.src_end
            s = lo_src if s is None else min(s, lo_src)
            e = hi_src if e is None else max(e, hi_src)
        if s is None or e is None:
            p = self._insert_point(a)
            return (p, p)
        return (s, e)

    def _insert_point(self, i: int) -> int:
        starts, ends = self._positions()
        k = bisect_right(ends, i)
        if k < len(self._pieces):
            p, pos = self._pieces[k], starts[k]
            if pos <= i < pos + len(p.text):
                return p.src_start + (i - pos) if p.verbatim else p.src_start
        return self.src_end


def trim(at: AlignedText) -> AlignedText:
    """Drop leading/trailing whitespace and pure deletions so start/end hug the kept text."""
    text = at.text
    i = len(text) - len(text.lstrip())
    j = len(text.rstrip())
    if i >= j:
        return AlignedText([])
    if i or j < len(text):
        at = at.slice(i, j)
    pieces = at.pieces
    i, j = 0, len(pieces)
    while i < j and not pieces[i].verbatim and pieces[i].text == "":
        i += 1
    while j > i and not pieces[j - 1].verbatim and pieces[j - 1].text == "":
        j -= 1
    return at if (i, j) == (0, len(pieces)) else AlignedText(pieces[i:j])


def apply_edits(source: str, start: int, end: int, edits: Iterable[Sequence]) -> str:
    """Replay ``edits`` (source-coordinate replacements) on ``source[start:end]``."""
    out, pos = [], start
    for s, e, new in sorted(edits, key=lambda t: (t[0], t[1])):
        if s < pos:
            raise ValueError(f"edit {s}:{e} overlaps an earlier edit")
        out.append(source[pos:s])
        out.append(new)
        pos = e
    out.append(source[pos:end])
    return "".join(out)


def edits_to_json(edits: Iterable[Sequence]) -> str:
    return json.dumps([[int(s), int(e), str(t)] for s, e, t in edits], ensure_ascii=False, separators=(",", ":"))


def edits_from_json(value) -> list[tuple[int, int, str]]:
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return []
    if isinstance(value, str):
        value = json.loads(value)
    return [(int(s), int(e), str(t)) for s, e, t in value]
