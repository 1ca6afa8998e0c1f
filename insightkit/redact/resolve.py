"""Overlap resolution: one detection per stretch of text.

Same-type overlaps merge (a span found twice keeps both methods); across types the priority of
:data:`~insightkit.redact.types.TYPES` wins (EMAIL > URL > NHS_NUMBER > PHONE > POSTCODE > ORG >
PERSON), then the longer span. A name or organisation partly covered by a higher-priority span
keeps its uncovered capitalised parts; a part of an email or a phone number means nothing alone and
is dropped. Protected spans (placeholders already in the text) are never redacted again.
"""

from __future__ import annotations

import re

from insightkit.redact.types import PRIORITY, Detection

__all__ = ["resolve", "protected_spans"]

_REGEX_ONLY_PARTS = {"EMAIL", "URL", "NHS_NUMBER", "PHONE", "POSTCODE"}  # never cut into pieces
# any bracketed upper-case tag, e.g. [PERSON], a pseudonym [PERSON_2] or a transcriber's [INAUDIBLE]:
# never redacted again
_TAG_RX = re.compile(r"\[[A-Z][A-Z_]*(?:_[1-9]\d*)?\]")


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans of bracketed upper-case tags ("[PERSON]", "[INAUDIBLE]") in ``text``."""
    return [(m.start(), m.end()) for m in _TAG_RX.finditer(text)]


def resolve(text: str, cands: list[Detection], protected: list[tuple[int, int]]) -> list[Detection]:
    """Non-overlapping detections: same-type overlaps merge; across types the priority wins."""
    by_type: dict[str, list[Detection]] = {}
    for d in cands:
        if d.end > d.start:
            by_type.setdefault(d.type, []).append(d)
    merged: list[Detection] = []
    for typ, ds in by_type.items():
        ds.sort(key=lambda d: (d.start, -d.end))
        cur = ds[0]
        for d in ds[1:]:
            if d.start < cur.end:
                if d.end > cur.end:
                    longer = d if (d.end - d.start) > (cur.end - cur.start) else cur
                    cur = Detection(cur.start, d.end, typ, longer.method)
                elif (d.start, d.end) == (cur.start, cur.end) and d.method != cur.method and not cur.also:
                    cur = Detection(cur.start, cur.end, typ, cur.method, d.method)  # found twice: remember both
            else:
                merged.append(cur)
                cur = d
        merged.append(cur)
    merged.sort(key=lambda d: (PRIORITY[d.type], -(d.end - d.start), d.start))
    taken: list[tuple[int, int]] = list(protected)
    accepted: list[Detection] = []
    for d in merged:
        pieces = [(d.start, d.end)]
        for a, b in taken:
            nxt = []
            for s, e in pieces:
                if b <= s or a >= e:
                    nxt.append((s, e))
                    continue
                if s < a:
                    nxt.append((s, a))
                if b < e:
                    nxt.append((b, e))
            pieces = nxt
        if pieces == [(d.start, d.end)]:
            accepted.append(d)
            taken.append((d.start, d.end))
            continue
        if d.type in _REGEX_ONLY_PARTS:
            continue  # a part of an email or a phone number means nothing on its own
        for s, e in pieces:
            frag = text[s:e]
            ls = len(frag) - len(frag.lstrip(" \t\n,.;:!?'’\"()-"))
            rs = len(frag) - len(frag.rstrip(" \t\n,.;:!?'’\"()-"))
            s2, e2 = s + ls, e - rs
            if e2 > s2 and re.search(r"[A-Z]\w", text[s2:e2]):
                accepted.append(Detection(s2, e2, d.type, d.method))
                taken.append((s2, e2))
    accepted.sort(key=lambda d: d.start)
    return accepted
