"""The formula guard shared by the table writers (insightkit.export) and readers (insightkit.io.tables).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to a
spreadsheet: CSV and XLSX output give it a leading apostrophe (:func:`neutral`, and in a segment
table an insertion in ``edits``, :func:`with_apostrophe`); reading our own files back takes both
away again (:func:`restore`, :func:`without_apostrophe`).
"""

from __future__ import annotations

from insightkit.alignment import edits_from_json, edits_to_json

__all__ = ["FORMULA_PREFIXES", "neutral", "restore", "with_apostrophe", "without_apostrophe"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutral(v):
    """``v`` with a leading apostrophe when a spreadsheet would run it as a formula."""
    if isinstance(v, str) and v.startswith(FORMULA_PREFIXES):
        return "'" + v
    return v


def restore(v):
    """``v`` without the apostrophe :func:`neutral` added."""
    if isinstance(v, str) and len(v) > 1 and v[0] == "'" and v[1] in "=+-@\t\r":
        return v[1:]
    return v


def with_apostrophe(edits, start):
    try:
        return edits_to_json([(int(start), int(start), "'"), *edits_from_json(edits)])
    except (ValueError, TypeError, OverflowError):  # not a valid segment row (a table read from elsewhere)
        return edits


def without_apostrophe(edits, start):
    try:
        e = edits_from_json(edits)
        if e and e[0] == (int(start), int(start), "'"):
            return edits_to_json(e[1:])
    except (ValueError, TypeError):
        pass
    return edits
