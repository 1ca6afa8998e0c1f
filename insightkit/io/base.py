"""Shapes the format readers hand to the pipeline: transcript turns and survey cells."""

from __future__ import annotations

from dataclasses import dataclass, field

from insightkit.alignment import AlignedText

__all__ = ["Turn", "TranscriptParse", "SurveyCell", "SurveyParse", "trim"]


@dataclass
class Turn:
    """A speaker turn as found in the source: the label as written and the aligned text."""

    label: str
    at: AlignedText
    line_offset: int  # source offset whose line number the segment reports (the label's line)
    timestamp: str = ""


@dataclass
class TranscriptParse:
    turns: list[Turn]
    header: list[tuple[int, int]] = field(default_factory=list)  # source spans of header lines
    extra_names: list[str] = field(default_factory=list)  # names found in header lines


@dataclass
class SurveyCell:
    """One cell of a survey export. ``at`` is set for text cells (aligned to the decoded CSV text or,
    for XLSX, to the cell value)."""

    value: str
    at: AlignedText | None = None
    line: int = 0  # 1-based source line (CSV) or sheet row (XLSX)
    cell: str = ""  # XLSX cell reference such as "Responses!G12"
    offset: int = 0  # CSV: where the field starts in the decoded text (kept for empty cells)


@dataclass
class SurveyParse:
    columns: list[str]  # header names as written
    rows: list[list[SurveyCell]]  # data rows, each padded to len(columns)
    row_lines: list[int]  # 1-based line (CSV) or sheet row (XLSX) of each data row
    # rows that do not fit the header: (line, raw row text aligned, why, cell reference or "")
    bad_rows: list[tuple[int, AlignedText, str, str]] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)  # XLSX: cell reference -> value
    sheet: str = ""
    # rows above the header (a title, "Exported 04/03/2026") and extra header rows (Qualtrics'
    # question-text and ImportId rows): (line, row text aligned, why, cell reference or "")
    header_rows: list[tuple[int, AlignedText, str, str]] = field(default_factory=list)
    raw_columns: list[str] = field(default_factory=list)  # header names as written, duplicates kept
    labels: dict[str, str] = field(default_factory=dict)  # column -> question text (Qualtrics' second row)
    notes: list[str] = field(default_factory=list)  # warnings for the user (sheets not read, ...)


def trim(at: AlignedText) -> AlignedText:
    """Drop leading/trailing whitespace and pure deletions so start/end hug the kept text."""
    text = at.text
    i = len(text) - len(text.lstrip())
    j = len(text.rstrip())
    if i >= j:
        return AlignedText([])
    if i or j < len(text):
        at = at.slice(i, j)
    pieces = list(at.pieces)
    while pieces and not pieces[0].verbatim and pieces[0].text == "":
        pieces.pop(0)
    while pieces and not pieces[-1].verbatim and pieces[-1].text == "":
        pieces.pop()
    return AlignedText(pieces)
