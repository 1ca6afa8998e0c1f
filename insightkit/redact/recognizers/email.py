"""``EMAIL``: addresses, and spoken ones ("j dot smith at nhs dot net")."""

from __future__ import annotations

import re

from insightkit.redact.recognizers.base import Context, Recognizer
from insightkit.redact.types import Detection

__all__ = ["EmailRecognizer", "EMAIL_RX"]

EMAIL_RX = re.compile(
    r"(?<![\w.%+'-])[A-Za-z0-9](?:[A-Za-z0-9._%+'-]*[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?![\w-])"
)
_SPOKEN_EMAIL_RX = re.compile(
    r"\b[a-z][a-z0-9]*(?:\s+(?:dot|underscore|hyphen|dash)\s+[a-z0-9]+)*\s+at\s+[a-z0-9-]+"
    r"(?:\s+dot\s+[a-z0-9-]+)*\s+dot\s+(?:net|com|org|uk|gov|io)\b",
    re.IGNORECASE,
)


class EmailRecognizer(Recognizer):
    type = "EMAIL"

    def find(self, ctx: Context) -> list[Detection]:
        out = [Detection(m.start(), m.end(), "EMAIL", "regex") for m in EMAIL_RX.finditer(ctx.text)]
        out += [Detection(m.start(), m.end(), "EMAIL", "regex_spoken") for m in _SPOKEN_EMAIL_RX.finditer(ctx.text)]
        return out
