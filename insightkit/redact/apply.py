"""Applying detections: placeholders written into an :class:`~insightkit.alignment.AlignedText`.

The redacted text still maps back to its exact source span, and the log points at the personal
data alone in source offsets (a removed filler or timestamp just outside it is left out).
"""

from __future__ import annotations

from insightkit.alignment import AlignedText, Piece
from insightkit.redact.types import PLACEHOLDERS, Detection

__all__ = ["apply"]


def apply(item: AlignedText, dets: list[Detection]) -> tuple[AlignedText, list[dict]]:
    """Replace non-overlapping detections with their placeholders; returns the new text and the
    log (type, start, end as source offsets, placeholder, original, method)."""
    if not dets:
        return item, []
    spans = [(d.start, d.end, PLACEHOLDERS[d.type]) for d in dets]
    new = _replace_tight(item, spans)
    if new is None:  # a detection edge cuts a replacement piece: let AlignedText decide
        new = item.replace_many(spans)
    log = []
    for d in dets:
        s, e = _tight_source_span(item, d.start, d.end)
        log.append(
            {
                "type": d.type,
                "start": s,
                "end": e,
                "placeholder": PLACEHOLDERS[d.type],
                "original": item.text[d.start : d.end],
                "method": d.method,
            }
        )
    return new, log


def _tight_source_span(item: AlignedText, i: int, j: int) -> tuple[int, int]:
    """Source offsets of ``text[i:j]`` that leave out removed text lying just outside it.

    ``AlignedText.source_span`` counts an empty replacement (a removed filler or timestamp) at the
    edge as part of the span; the redaction log should point at the personal data alone.
    """
    s = e = None
    pos = 0
    for p in item.pieces:
        n = len(p.text)
        ps, pe = pos, pos + n
        pos = pe
        if n == 0 or pe <= i or ps >= j:
            continue
        lo, hi = max(i, ps), min(j, pe)
        if p.verbatim:
            a, b = p.src_start + lo - ps, p.src_start + hi - ps
        else:
            a, b = p.src_start, p.src_end
        s = a if s is None else min(s, a)
        e = b if e is None else max(e, b)
    if s is None or e is None:
        return item.source_span(i, j)
    return (s, e)


def _replace_tight(item: AlignedText, spans: list[tuple[int, int, str]]) -> AlignedText | None:
    """Replace non-overlapping ``text[i:j]`` spans, keeping removed text at their edges as its own edit.

    Returns None when a span edge falls inside a replacement piece (the caller then falls back to
    ``AlignedText.replace_many``).
    """
    spans = sorted(spans)
    out: list = []
    pos = 0
    started: dict[int, int] = {}
    for p in item.pieces:
        n = len(p.text)
        ps, pe = pos, pos + n
        pos = pe
        if n == 0:
            if not any(i < ps < j for i, j, _ in spans):
                out.append(p)
            continue
        cur = ps
        for idx, (i, j, new) in enumerate(spans):
            if j <= cur or i >= pe:
                continue
            if i > cur:
                if not p.verbatim:
                    return None
                out.append(Piece(p.text[cur - ps : i - ps], p.src_start + cur - ps, p.src_start + i - ps, True))
                cur = i
            if not p.verbatim and (cur != ps or min(j, pe) != pe):
                return None
            if idx not in started:
                started[idx] = len(out)
                out.append(None)  # the placeholder goes here
            cur = min(j, pe)
        if cur < pe:
            if not p.verbatim:
                if cur != ps:
                    return None
                out.append(p)
            else:
                out.append(Piece(p.text[cur - ps :], p.src_start + cur - ps, p.src_end, True))
    for idx, (i, j, new) in enumerate(spans):
        if idx not in started:
            return None
        s, e = _tight_source_span(item, i, j)
        out[started[idx]] = Piece(new, s, e, False)
    return AlignedText(out)
