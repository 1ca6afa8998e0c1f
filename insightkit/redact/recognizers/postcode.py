"""``POSTCODE``: full UK postcodes whose area is a real postcode area."""

from __future__ import annotations

import re

from insightkit.redact.recognizers.base import Context, Recognizer
from insightkit.redact.types import Detection

__all__ = ["PostcodeRecognizer"]

_POSTCODE_AREAS = (
    "AB AL B BA BB BD BF BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC "
    "EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M "
    "ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW "
    "SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE"
).split()
_POSTCODE_RX = re.compile(
    r"(?<![\w-])(?:(?:" + "|".join(sorted(_POSTCODE_AREAS, key=len, reverse=True)) + r")\d[A-Z\d]?"
    r"[ \u00a0]?\d[ABD-HJLNP-UW-Z]{2}|GIR[ ]?0AA)(?![\w-])",
    re.IGNORECASE,
)
_ORDINAL_INWARD = re.compile(r"\d(?:st|nd|rd|th)$", re.IGNORECASE)


class PostcodeRecognizer(Recognizer):
    type = "POSTCODE"

    def find(self, ctx: Context) -> list[Detection]:
        out = []
        for m in _POSTCODE_RX.finditer(ctx.text):
            frag = m.group(0)
            if not frag.isupper() and _ORDINAL_INWARD.search(frag):
                continue  # "b2 1st", "se1 2nd": ordinals, not postcodes, unless written in capitals
            out.append(Detection(m.start(), m.end(), "POSTCODE", "regex"))
        return out
