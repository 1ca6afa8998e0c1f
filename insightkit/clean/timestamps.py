"""Drop inline timestamps ("[00:01:23]", "(01:23)", a bare "00:01:23") left inside the text.

A bare "10:30" is kept: in speech it is a time of day, not a transcript timestamp.
"""

from __future__ import annotations

import re

from insightkit.alignment import AlignedText
from insightkit.clean._spans import remove_spans

__all__ = ["remove_timestamps", "TIMESTAMP_RX"]

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
TIMESTAMP_RX = re.compile(
    rf"[\[(]\s*{_TS}(?:\s*[-\u2013]+>?\s*{_TS})?\s*[\])]|(?<![\d:.,])\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d{{1,3}})?(?![\d:])"
)


def remove_timestamps(at: AlignedText) -> AlignedText:
    spans = [(m.start(), m.end()) for m in TIMESTAMP_RX.finditer(at.text)]
    return remove_spans(at, spans) if spans else at
