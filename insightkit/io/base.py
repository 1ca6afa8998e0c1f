"""Shapes the format readers hand to the pipeline: transcript turns and survey cells."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from insightkit.alignment import AlignedText
from insightkit.errors import InputError

try:
    from lzma import LZMAError as _LZMAError
except ImportError:  # pragma: no cover - Python built without lzma
    class _LZMAError(Exception):
        pass

__all__ = ["Turn", "TranscriptParse", "SurveyCell", "SurveyParse", "trim", "check_zip_archive", "read_zip_member",
           "MAX_TURN_CHARS"]

#: a transcript turn (or header text) longer than this is not cleaned but left out, with a
#: ``too_long`` row in the rejected table (about 35,000 words: hours of one person talking)
MAX_TURN_CHARS = 200_000


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
    pieces = at.pieces
    i, j = 0, len(pieces)
    while i < j and not pieces[i].verbatim and pieces[i].text == "":
        i += 1
    while j > i and not pieces[j - 1].verbatim and pieces[j - 1].text == "":
        j -= 1
    return at if (i, j) == (0, len(pieces)) else AlignedText(pieces[i:j])


def check_zip_archive(path: str | Path | None, data: bytes, *, what: str = "archive", max_members: int = 10_000,
                      max_unpacked: int = 512 * 2**20, max_ratio: float = 200.0) -> zipfile.ZipFile:
    """Open ``data`` as a zip archive (.docx, .xlsx), refusing what would take absurd work to unpack.

    Refused with an :class:`InputError` naming ``path``: bytes that are not a readable zip, more than
    ``max_members`` entries, a declared unpacked size over ``max_unpacked`` bytes in all, an entry over
    1 MB compressed more than ``max_ratio`` times (a zip bomb), and encrypted entries. Python's
    zipfile never inflates an entry past its declared size (it raises instead), so the declared
    sizes checked here bound the memory any later read can take.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise InputError(path, f"not a valid {what} (it could not be opened as a zip archive: {_one_line(exc)})") \
            from None
    if len(infos) > max_members:
        raise InputError(path, f"not a valid {what}: the archive holds {len(infos):,} entries (the limit is "
                               f"{max_members:,})")
    total = sum(i.file_size for i in infos)
    if total > max_unpacked:
        raise InputError(path, f"refused: the {what} unpacks to {total / 2**20:,.0f} MB (the limit is "
                               f"{max_unpacked // 2**20:,} MB)")
    for i in infos:
        if i.flag_bits & 0x1:
            raise InputError(path, f"the {what} is encrypted (password-protected); save an unprotected copy")
        if i.file_size > 2**20 and i.file_size > max_ratio * max(i.compress_size, 1):
            raise InputError(path, f"refused: {i.filename[:80]!r} in the {what} is compressed "
                                   f"{i.file_size / max(i.compress_size, 1):,.0f} times (a zip bomb?)")
    return zf


def read_zip_member(path: str | Path | None, zf: zipfile.ZipFile, name: str, *, what: str = "archive",
                    max_size: int | None = None) -> bytes:
    """The bytes of one entry of an archive opened with :func:`check_zip_archive`; a damaged entry,
    an unsupported compression or one larger than ``max_size`` is an :class:`InputError`."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise InputError(path, f"not a valid {what}: it has no {name}") from None
    if max_size is not None and info.file_size > max_size:
        raise InputError(path, f"refused: {name} in the {what} unpacks to {info.file_size / 2**20:,.0f} MB "
                               f"(the limit is {max_size // 2**20:,} MB)")
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, zlib.error, _LZMAError, ValueError, OSError, EOFError, NotImplementedError,
            RuntimeError) as exc:  # a damaged stream, an unknown compression method, a wrong CRC
        raise InputError(path, f"not a valid {what}: {name} could not be unpacked ({_one_line(exc)})") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]
