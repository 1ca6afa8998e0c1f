"""``URL``: ``http(s)://``, ``www.`` and bare domains with a known ending."""

from __future__ import annotations

import re

from insightkit.redact.recognizers.base import Context, Recognizer
from insightkit.redact.types import Detection
from insightkit.redact.words import is_acronym

__all__ = ["UrlRecognizer"]

_TLD = r"(?:nhs\.uk|nhs\.net|co\.uk|org\.uk|gov\.uk|ac\.uk|com|org|net|io|uk|ly|info|scot|wales)"
_URL_RX = re.compile(
    r"(?:\bhttps?://|(?<![\w@.-])www\.)[^\s<>\"'\[\]{}|\\^`]+"
    rf"|(?<![\w@.-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+{_TLD}(?::\d+)?(?:/[^\s<>\"'\[\]{{}}|\\^`]*)?(?![\w@-])",
    re.IGNORECASE,
)


class UrlRecognizer(Recognizer):
    type = "URL"

    def find(self, ctx: Context) -> list[Detection]:
        text = ctx.text
        out = []
        for m in _URL_RX.finditer(text):
            s, e = m.start(), m.end()
            frag = text[s:e]
            # trailing sentence punctuation and unbalanced closing brackets are not part of a URL
            while frag and (frag[-1] in ".,;:!?'\"" or (frag[-1] == ")" and frag.count("(") < frag.count(")"))):
                frag = frag[:-1]
            if not frag:
                continue
            bare = not re.match(r"(?:https?://|www\.)", frag, re.IGNORECASE)
            if bare:
                host = frag.split("/", 1)[0]
                # "ASP.NET" or "VB.NET" are product names, not addresses
                if is_acronym(host.replace(".", "")) and "/" not in frag:
                    continue
            out.append(Detection(s, s + len(frag), "URL", "regex"))
        return out
