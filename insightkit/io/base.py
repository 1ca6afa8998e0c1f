"""Shapes the format readers hand to the pipeline (transcript turns, survey cells), and the one
place input files are opened (:func:`open_regular_file`, :func:`read_file_bytes`)."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from insightkit.alignment import AlignedText
from insightkit.errors import InputError

__all__ = ["Turn", "TranscriptParse", "SurveyCell", "SurveyParse", "trim", "open_regular_file",
           "check_regular_file", "read_file_bytes", "max_file_bytes"]


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


# -- opening input files --------------------------------------------------------------------------
#
# Every input path of every command goes through these: a FIFO, a device (a symlink to /dev/zero),
# a socket or a folder is refused before a byte is read, and a file read whole into memory is capped.

#: largest file read whole into memory (a transcript, a survey export, a table read at once), in MB;
#: the environment variable INSIGHTKIT_MAX_FILE_MB raises or lowers it
DEFAULT_MAX_FILE_MB = 256


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value > 0 else default


def max_file_bytes() -> int:
    """Largest file read whole, in bytes (INSIGHTKIT_MAX_FILE_MB, default 256)."""
    return int(_env_number("INSIGHTKIT_MAX_FILE_MB", DEFAULT_MAX_FILE_MB) * 1024 * 1024)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def open_regular_file(path):
    """Open ``path`` for reading bytes, refusing anything but a regular file (symlinks resolved).

    The file is opened without blocking (a FIFO would otherwise wait for a writer) and checked on
    the open descriptor, so it cannot be swapped between the check and the read. Raises
    :class:`InputError` naming the file; returns a binary file object the caller closes.
    """
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputError(p, "no such file") from None
    except IsADirectoryError:
        raise InputError(p, "is a folder, not a file") from None
    except PermissionError:
        raise InputError(p, "permission denied: cannot read the file") from None
    except OSError as exc:
        why = {errno.ELOOP: "a loop of symbolic links", errno.ENAMETOOLONG: "the name is too long",
               errno.ENOTDIR: "a part of the path is not a folder", errno.ENXIO: "not a regular file (a socket?)"}
        raise InputError(p, f"cannot open the file: {why.get(exc.errno, exc.strerror or exc)}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(p, "is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else
                    "a character device" if stat.S_ISCHR(st.st_mode) else
                    "a block device" if stat.S_ISBLK(st.st_mode) else
                    "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
            raise InputError(p, f"is {kind}, not a regular file; only regular files are read")
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def check_regular_file(path) -> int:
    """Raise :class:`InputError` unless ``path`` is a regular file (symlinks resolved); its size."""
    with open_regular_file(path) as fh:
        return os.fstat(fh.fileno()).st_size


def read_file_bytes(path, limit: int | None = None) -> bytes:
    """The bytes of a regular file, refusing files larger than ``limit`` (default
    :func:`max_file_bytes`) with an :class:`InputError` that says how to raise the limit."""
    limit = max_file_bytes() if limit is None else int(limit)
    p = Path(path)
    with open_regular_file(p) as fh:
        size = os.fstat(fh.fileno()).st_size
        too_big = InputError(p, f"the file is {_mb(max(size, limit + 1))}, more than the {_mb(limit)} read whole "
                                "at most (set INSIGHTKIT_MAX_FILE_MB to raise the limit)")
        if size > limit:
            raise too_big
        try:
            data = fh.read(limit + 1)  # a file that grows while read (or a /proc file) stops here
        except OSError as exc:
            raise InputError(p, f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise too_big
    return data
