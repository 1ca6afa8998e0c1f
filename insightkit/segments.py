"""The segment table: the one table every stage reads and extends.

Column meanings are documented in ``docs/segments.md``; this module is their single source in code.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "SEGMENT_COLUMNS",
    "REJECTED_COLUMNS",
    "REDACTION_COLUMNS",
    "ATTRIBUTE_COLUMNS",
    "DEFAULT_ATTRIBUTION_TEMPLATE",
    "KINDS",
    "ROLES",
    "make_doc_id",
    "make_segment_id",
    "format_attribution",
    "empty_segments",
    "empty_rejected",
    "empty_redactions",
    "validate_segments",
    "is_segment_table",
    "SegmentTableError",
    "is_missing",
    "theme_ids",
    "add_theme_columns",
]

KINDS = ("transcript", "survey")
ROLES = ("interviewer", "participant", "respondent")

#: Columns every segment table has, in this order. Participant attributes and any other columns a
#: survey carries follow them.
SEGMENT_COLUMNS: list[str] = [
    "doc_id",  # stable id of the source document: shown (name-redacted) file stem + hash of its bytes
    "segment_id",  # stable id of the segment, derived from doc_id and the source span
    "source",  # file name of the source document, as on disk (may name a person: shown as source_display)
    "kind",  # "transcript" | "survey"
    "turn",  # transcript: 0-based turn index; survey: 0-based data row index
    "line",  # 1-based line in the decoded source where the span starts (XLSX: sheet row)
    "speaker",  # pseudonym: P01/I01 in a transcript, R0001 in a survey (never a real name)
    "participant_id",  # one person across the corpus: "<doc_id>/<speaker>" or "<doc_id>/<respondent>"
    "role",  # "interviewer" | "participant" | "respondent"
    "question",  # survey: the free-text column the answer came from; transcript: ""
    "timestamp",  # transcript: the turn's first timestamp where the source has one, else ""
    "text",  # cleaned and redacted text
    "start",  # character offset of the span in the decoded source text (XLSX: in the cell value)
    "end",  # end offset (exclusive); source_text[start:end] is the span the segment came from
    "edits",  # JSON list of [src_start, src_end, replacement]: replaying them on the span gives text
    "attribution",  # display string beside a quote, e.g. "Acute trust, South East"; never a name
]

#: Attributes we know by name; any other metadata column is kept too.
ATTRIBUTE_COLUMNS: list[str] = ["trust_type", "region", "job_role"]

REJECTED_COLUMNS: list[str] = [
    "doc_id",
    "source",
    "kind",
    "line",
    "turn",
    "speaker",
    "role",
    "question",
    "text",  # redacted when redaction is on
    "start",
    "end",
    "reason",  # short machine-friendly reason, e.g. "non_answer", "duplicate_answer", "empty"
    "detail",  # human-readable detail
]

REDACTION_COLUMNS: list[str] = [
    "doc_id",
    "segment_id",
    "source",
    "type",  # PERSON, EMAIL, PHONE, NHS_NUMBER, POSTCODE, URL, ORG
    "start",  # source offsets of the redacted span
    "end",
    "placeholder",
    "original",  # the personal data itself: this table is never exported unless asked
    "method",  # which detector found it (regex, speaker_label, participants_file, ner, ...)
    "field",  # what was edited: text, question, attribute:<column>, attribute_name:<column>, sheet, file_name
]

DEFAULT_ATTRIBUTION_TEMPLATE = "{trust_type}, {region}"

_SLUG_RX = re.compile(r"[^A-Za-z0-9]+")


class SegmentTableError(ValueError):
    """A table does not have the shape of a segment table."""


def is_missing(value) -> bool:
    """True for a cell with no value: None, NaN, pandas' NA or NaT (an empty string is a value)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array: a value
        return False


def make_doc_id(source: str | Path, data: bytes = b"", *, digest: str | None = None) -> str:
    """Stable document id: readable stem plus the first 8 hex digits of the bytes' sha1.

    ``source`` should be the *shown* file name (names redacted, see :mod:`insightkit.redact.filenames`):
    ``interview_[PERSON].vtt`` gives ``interview-person-1a2b3c4d``. ``digest``: the sha1 hex digest
    of the bytes when already computed (then ``data`` is not read).
    """
    stem = _SLUG_RX.sub("-", Path(str(source)).stem).strip("-").lower()[:40] or "doc"
    return f"{stem}-{(digest or hashlib.sha1(data).hexdigest())[:8]}"


def make_segment_id(doc_id: str, start: int, end: int, locator: str = "") -> str:
    """Stable segment id from its document and span (``locator`` e.g. an XLSX cell reference)."""
    loc = f"{locator}:" if locator else ""
    return f"{doc_id}#{loc}{int(start)}-{int(end)}"


def _trust_phrase(value: str) -> str:
    v = value.strip()
    if not v:
        return v
    if not re.search(r"\btrusts?$", v, re.I):
        v = f"{v} trust"
    return v[0].upper() + v[1:]


def format_attribution(
    attributes: Mapping[str, object],
    template: str = DEFAULT_ATTRIBUTION_TEMPLATE,
    fallback: str = "Participant",
) -> str:
    """Build the display string for a quote from participant attributes.

    Missing or empty fields are dropped with their separator, so "{trust_type}, {region}" with no
    region gives "Acute trust". ``trust_type`` values gain " trust" when they lack it, in the seeds'
    style ("Acute" -> "Acute trust").
    """
    fields = re.findall(r"{(\w+)}", template)
    values: dict[str, str] = {}
    for f in fields:
        raw = attributes.get(f, "")
        if is_missing(raw):
            raw = ""
        raw = str(raw).strip()
        values[f] = _trust_phrase(raw) if f == "trust_type" else raw
    # literal chunks sit between fields; a chunk is kept only when the fields it joins are present
    parts = re.split(r"({\w+})", template)
    kinds = [("field", values.get(m.group(1), "")) if (m := re.fullmatch(r"{(\w+)}", p)) else ("lit", p) for p in parts]
    out: list[str] = []
    for i, (kind, val) in enumerate(kinds):
        if kind == "field":
            if val:
                out.append(val)
            continue
        left = next((v for k, v in reversed(kinds[:i]) if k == "field"), None)
        right = next((v for k, v in kinds[i + 1 :] if k == "field"), None)
        if (left is None or left) and (right is None or right) and (left or right):
            out.append(val)
    text = "".join(out).strip()
    return text or fallback


def empty_segments(extra: Iterable[str] = ()) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in [*SEGMENT_COLUMNS, *extra]})


def empty_rejected() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in REJECTED_COLUMNS})


def empty_redactions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in REDACTION_COLUMNS})


def validate_segments(df: pd.DataFrame, required: Iterable[str] = ("segment_id", "text")) -> pd.DataFrame:
    """Check that ``df`` is a segment table (at least the ``required`` columns, unique ids)."""
    if not isinstance(df, pd.DataFrame):
        raise SegmentTableError(f"expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise SegmentTableError(f"segment table is missing column(s): {', '.join(missing)}")
    if "segment_id" in df.columns and df["segment_id"].duplicated().any():
        dup = df.loc[df["segment_id"].duplicated(), "segment_id"].iloc[0]
        raise SegmentTableError(f"segment_id values must be unique; {dup!r} repeats")
    return df


#: Columns only a table written by :func:`insightkit.read` (``insightkit clean``) has together.
_READ_COLUMNS = ("doc_id", "segment_id", "text", "start", "end", "edits")


def is_segment_table(df: pd.DataFrame) -> bool:
    """True when ``df`` (or its first rows) is a segment table written by :func:`insightkit.read` or
    ``insightkit clean``: already cleaned, and redacted unless redaction was switched off there.

    The mark is the table itself: the columns ``doc_id``, ``segment_id``, ``text``, ``start``,
    ``end`` and ``edits``, and on every row a ``segment_id`` that is the one :func:`make_segment_id`
    gives its ``doc_id``, span and ``cell`` (a raw export does not hold ids that add up like this;
    a segment table later tagged, filtered or given topic columns still does).
    """
    if not isinstance(df, pd.DataFrame) or not set(_READ_COLUMNS) <= set(map(str, df.columns)):
        return False
    cells = df["cell"] if "cell" in df.columns else pd.Series([""] * len(df), index=df.index)
    for doc_id, seg_id, start, end, cell in zip(df["doc_id"], df["segment_id"], df["start"], df["end"], cells):
        try:
            expected = make_segment_id(str(doc_id), int(start), int(end), "" if is_missing(cell) else str(cell))
        except (TypeError, ValueError):
            return False
        if is_missing(seg_id) or str(seg_id) != expected:
            return False
    return True


# -- theme columns: ``theme_<id>`` (0/1) and ``score_<id>`` (0-1) added by tagging ----------------

def theme_ids(table_or_columns) -> list[str]:
    """Theme ids of a tagged table (or of its column names): every ``theme_<id>`` column, in order."""
    columns = table_or_columns.columns if hasattr(table_or_columns, "columns") else table_or_columns
    return [c[len("theme_"):] for c in columns if isinstance(c, str) and c.startswith("theme_") and len(c) > 6]


def add_theme_columns(segments: pd.DataFrame, ids: Sequence[str], scores, thresholds) -> pd.DataFrame:
    """A copy of ``segments`` with ``theme_<id>`` (score at or above the theme's threshold, 0/1) and
    ``score_<id>`` (rounded to 6 places) for scores ``scores`` of shape (rows, themes)."""
    P = np.asarray(scores, dtype=np.float64)
    out = segments.copy()
    for j, tid in enumerate(ids):
        out[f"theme_{tid}"] = (P[:, j] >= thresholds[j]).astype(np.int64)
    for j, tid in enumerate(ids):
        out[f"score_{tid}"] = np.round(P[:, j], 6)
    return out
