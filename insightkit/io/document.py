"""A file as read (:class:`Document`) and its raw items (:class:`Item`): what the readers hand to
cleaning, redaction and the segment table (:mod:`insightkit.pipeline`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from insightkit.alignment import AlignedText
from insightkit.segments import SEGMENT_COLUMNS

__all__ = ["Document", "Item", "EXTRA_SEGMENT_COLUMNS"]

#: columns every table from ``read`` has after SEGMENT_COLUMNS, before the attributes
EXTRA_SEGMENT_COLUMNS = ["cell", "role_source", "source_display"]
#: column names an attribute may not take (it gets a ``survey_`` prefix instead)
_RESERVED = set(SEGMENT_COLUMNS) | set(EXTRA_SEGMENT_COLUMNS) | {"reason", "detail", "segment_id"}


@dataclass
class Document:
    """One file as read: its source text and its raw items, in order."""

    doc_id: str
    source: str  # file name
    path: Path
    kind: str  # transcript | survey
    fmt: str
    text: object  # str, or {cell: value} for xlsx
    names: list[str] = field(default_factory=list)  # names to redact in every item of this document
    items: list["Item"] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    attr_columns: list[str] = field(default_factory=list)  # survey: attribute columns kept from the file
    plain_attr_columns: list[str] = field(default_factory=list)  # trust type, region, role, id: no NER
    digest: str = ""  # sha1 of the file's bytes
    source_display: str = ""  # the file name with names redacted: what ids and exports show
    sheet: str = ""  # xlsx: the sheet read (its name as written; ``cell`` refs name it)
    attr_headers: dict = field(default_factory=dict)  # survey: attribute name -> its header as written
    kept: list[str] = field(default_factory=list)  # the ``keep_columns`` names this file has
    field_log: list[dict] = field(default_factory=list)  # edits of the file and sheet names (redaction log)


@dataclass
class Item:
    """One turn, answer cell or set-aside row of a document; ``at`` is its text aligned to the source."""

    doc: Document
    kind: str
    at: AlignedText
    turn: int
    line: int
    fallback: tuple[int, int]
    label: str = ""
    timestamp: str = ""
    question: str = ""
    cell: str = ""
    reason: str = ""
    detail: str = ""
    speaker: str = ""
    role: str = ""
    role_source: str = ""
    attrs: dict = field(default_factory=dict)
    raw_text: str = ""
    redactions: list = field(default_factory=list)
    field_log: list = field(default_factory=list)  # edits of its question and attributes (redaction log)
