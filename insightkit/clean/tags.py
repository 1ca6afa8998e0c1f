"""Drop transcriber tags such as [inaudible], [crosstalk], (laughs), [inaudible 00:12:03].

Only brackets whose content starts with a configured tag word are removed, so "(EPR)" stays, and
redaction placeholders ([PERSON], [EMAIL], ...) are never touched whatever the configuration.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from insightkit.alignment import AlignedText
from insightkit.clean._spans import remove_spans

__all__ = ["DEFAULT_TAGS", "PLACEHOLDERS", "remove_tags"]

DEFAULT_TAGS: tuple[str, ...] = (
    "inaudible", "indistinct", "unintelligible", "unclear", "crosstalk", "cross talk", "cross-talk",
    "overlapping", "overtalk", "over talk", "talking over", "laughs", "laughter", "laughing", "laugh",
    "chuckles", "chuckle", "giggles", "coughs", "cough", "clears throat", "sighs", "sigh", "pause",
    "long pause", "silence", "background noise", "noise", "music", "applause", "interruption",
    "interrupted", "audio cuts out", "audio drops", "audio glitch", "break in audio", "technical difficulties",
    "technical issue", "connection lost", "connection drops", "phone rings", "static", "inaudible audio",
    "garbled", "muffled", "noise in background", "dog barks", "door closes", "?",
)

#: redaction placeholders: never removed as tags
PLACEHOLDERS = frozenset({"PERSON", "EMAIL", "PHONE", "NHS_NUMBER", "POSTCODE", "URL", "ORG", "REDACTED"})


@lru_cache(maxsize=16)
def _pattern(tags: tuple[str, ...]) -> re.Pattern:
    words = sorted({t.strip() for t in tags if t.strip()}, key=len, reverse=True)
    alts = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    return re.compile(rf"\[\s*(?:{alts})(?![\w])[^\[\]\n]{{0,60}}\]|\(\s*(?:{alts})(?![\w])[^()\n]{{0,60}}\)",
                      re.IGNORECASE)


def remove_tags(at: AlignedText, tags: Sequence[str] = DEFAULT_TAGS) -> AlignedText:
    if "[" not in at.text and "(" not in at.text:
        return at
    spans = []
    for m in _pattern(tuple(tags)).finditer(at.text):
        inner = m.group(0)[1:-1].strip()
        if inner in PLACEHOLDERS:
            continue
        spans.append((m.start(), m.end()))
    return remove_spans(at, spans) if spans else at
