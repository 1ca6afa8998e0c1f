"""``PHONE``: UK numbers (mobiles, geographic, 03/08 numbers, +44 forms) checked by digit count."""

from __future__ import annotations

import re

from insightkit.redact.recognizers.base import Context, Recognizer
from insightkit.redact.types import Detection

__all__ = ["PhoneRecognizer"]

_PHONE_RX = re.compile(
    r"(?<![\w+/.-])(?:(?:\+|00)[ ]?44[ -]?(?:\(0\)[ -]?)?\(?|\(?0)\d+"
    r"(?:(?:\)[ -]?|[ ]?-[ ]?|[ .])\d+)*"
)


def _national_ok(digits: str) -> bool:
    """Digit count of a UK number in national form (leading 0) for its prefix."""
    n = len(digits)
    if len(digits) < 10 or digits[0] != "0":
        return False
    p = digits[1]
    if p in "237":
        return n == 11
    if p in "18":
        return n in (10, 11)
    if p == "5":
        return n == 11
    return False


class PhoneRecognizer(Recognizer):
    type = "PHONE"

    def find(self, ctx: Context) -> list[Detection]:
        text = ctx.text
        out = []
        pos_scan = 0
        while True:
            m = _PHONE_RX.search(text, pos_scan)
            if m is None:
                break
            pos_scan = m.end()
            frag = m.group(0)
            intl = re.match(r"\(?(?:\+|00)[ ]?44", frag)
            groups = [(g.start(), g.group(0)) for g in re.finditer(r"\d+", frag)]  # (offset, digits)
            if intl:  # drop the country code (and a "(0)") so the rest reads as a national number
                cc_end = intl.end()
                sizes_src = []
                for pos, g in groups:
                    if pos + len(g) <= cc_end:
                        continue
                    if pos < cc_end:
                        g, pos = g[cc_end - pos :], cc_end
                    sizes_src.append((pos, g))
                if "(0)" in frag and sizes_src and sizes_src[0][1] == "0":
                    sizes_src = sizes_src[1:]
                groups_n = sizes_src
                prefix = "0"
            else:
                groups_n = groups
                prefix = ""
            # the longest leading run of digit groups that makes a valid UK number
            for k in range(len(groups_n), 0, -1):
                national = prefix + "".join(g for _, g in groups_n[:k])
                sizes = [len(g) for _, g in groups_n[:k]]
                if not _national_ok(national):
                    continue
                # UK numbers are written in groups of 3+ digits after the first (which may be 2)
                if sizes[0] >= 2 and all(sz >= 3 for sz in sizes[1:]):
                    pos, g = groups_n[k - 1]
                    out.append(Detection(m.start(), m.start() + pos + len(g), "PHONE", "regex"))
                    pos_scan = m.start() + pos + len(g)  # the rest may hold another number
                    break
        return out
