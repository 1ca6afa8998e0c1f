"""``ORG`` for place-based NHS organisations: integrated care systems and boards by name.

"The Lancashire and South Cumbria system" or "Kent and Medway ICB" names a handful of trusts as
surely as a trust's own name, but its words are places and regions, which the organisation pattern
leaves alone. The 42 systems of England are listed in ``insightkit/data/ics_names.txt``; a listed
name followed by a system word ("system", "ICS", "ICB", "integrated care system", "integrated care
board", "health and care partnership", "partnership", "STP", "footprint") is an organisation, in
any case. A name alone ("we live in Devon") stays: it is a place.
"""

from __future__ import annotations

import re
from functools import lru_cache

from insightkit.redact.allowlist import data_lines
from insightkit.redact.recognizers.base import Context, Recognizer
from insightkit.redact.types import Detection

__all__ = ["SystemRecognizer", "system_rx"]

_HEADS = (r"integrated[ \t]+care[ \t]+(?:system|board|partnership)s?|ICS|ICB|STP|health[ \t]+(?:and|&)[ \t]+care"
          r"[ \t]+partnership|partnership|system|footprint")


@lru_cache(maxsize=1)
def system_rx() -> re.Pattern:
    alts = []
    for name in sorted(data_lines("ics_names.txt"), key=len, reverse=True):
        words = re.split(r"[ \t]+", name.replace(",", " , "))
        parts = []
        for w in words:
            if w == ",":
                parts.append(r"[ \t]*,?")
            elif w.lower() == "and":
                parts.append(r"[ \t]*(?:and|&)")
            else:
                parts.append(r"[ \t]*" + re.escape(w).replace(r"\-", r"[-\s]"))
        alts.append("".join(parts).removeprefix(r"[ \t]*"))
    return re.compile(rf"(?<![\w-])(?:{'|'.join(alts)})[ \t]+(?:{_HEADS})(?![\w-])", re.I)


class SystemRecognizer(Recognizer):
    type = "ORG"

    def find(self, ctx: Context) -> list[Detection]:
        return [Detection(m.start(), m.end(), "ORG", "org_system") for m in system_rx().finditer(ctx.text)]
