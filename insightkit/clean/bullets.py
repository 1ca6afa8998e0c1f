"""Drop a list marker at the very start of a text ("- ", "* ", "• "): layout, not words.

Survey answers are often typed as bulleted lists ("- capital\n- skills"). A leading "-" makes a
spreadsheet read the exported cell as a formula (so CSV output would have to prefix it), and says
nothing. Later markers stay: once line breaks are flattened they keep the items apart
("capital - skills"). A dash without a space after it ("-5%") is a minus sign and stays.
"""

from __future__ import annotations

import re

from insightkit.alignment import AlignedText

__all__ = ["remove_bullets"]

_BULLET = re.compile(r"^\s*[-*\u2022\u2023\u25e6\u25aa\u25cf\u2013\u2014\u2043\u2219\u00b7][ \t]+(?=\S)")


def remove_bullets(at: AlignedText) -> AlignedText:
    m = _BULLET.match(at.text)
    return at.replace(m.start(), m.end(), "") if m else at
