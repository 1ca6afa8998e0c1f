"""Shapes the format readers hand to the pipeline (transcript turns, survey cells), and the one
place input files are opened (:func:`open_regular_file`, :func:`read_file_bytes`)."""

from __future__ import annotations

import errno
import io
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from insightkit.alignment import AlignedText
from insightkit.errors import InputError

try:
    from lzma import LZMAError as _LZMAError
except ImportError:  # pragma: no cover - Python built without lzma
    class _LZMAError(Exception):  # type: ignore[no-redef]  # stands in for the missing module's error
        pass

__all__ = ["Turn", "TranscriptParse", "SurveyCell", "SurveyParse", "check_zip_archive", "read_zip_member",
           "MAX_TURN_CHARS", "MAX_COMPRESSION_RATIO", "max_unpacked_bytes", "open_regular_file", "check_regular_file", "read_file_bytes", "max_file_bytes"]

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


#: an archive member over 1 MB may unpack to at most this many times its packed size
MAX_COMPRESSION_RATIO = 100
DEFAULT_MAX_UNPACKED_MB = 256
MAX_ARCHIVE_MEMBERS = 10_000
_RATIO_FLOOR = 2**20  # members smaller than this are never refused for their ratio


def max_unpacked_bytes() -> int:
    """Most bytes an archive or a Parquet table may unpack to (INSIGHTKIT_MAX_UNPACKED_MB, default 256)."""
    return int(_env_number("INSIGHTKIT_MAX_UNPACKED_MB", DEFAULT_MAX_UNPACKED_MB) * 1024 * 1024)


def check_zip_archive(path: str | Path | None, data: bytes, *, what: str = "archive",
                      max_members: int = MAX_ARCHIVE_MEMBERS, max_unpacked: int | None = None,
                      max_ratio: float = MAX_COMPRESSION_RATIO) -> zipfile.ZipFile:
    """Open ``data`` as a zip archive (.docx, .xlsx), refusing what would take absurd work to unpack.

    The one archive check of every reader. Refused with an :class:`InputError` naming ``path``:
    bytes that are not a readable zip, more than ``max_members`` parts, a declared unpacked size over
    ``max_unpacked`` bytes in all (default :func:`max_unpacked_bytes`), a part over 1 MB compressed
    more than ``max_ratio`` times (a zip bomb), and encrypted parts. Python's zipfile never inflates
    a part past its declared size (it raises instead), so the declared sizes checked here bound the
    memory any later read can take.
    """
    limit = max_unpacked_bytes() if max_unpacked is None else int(max_unpacked)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise InputError(path, f"not a valid {what} (it could not be opened as a zip archive: {_one_line(exc)})") \
            from None
    if len(infos) > max_members:
        raise InputError(path, f"not a usable {what}: the archive has {len(infos):,} parts (at most "
                               f"{max_members:,})")
    total = 0
    for i in infos:
        if i.flag_bits & 0x1:
            raise InputError(path, f"the {what} is encrypted (password-protected); save an unprotected copy "
                                   "and read that")
        size = max(int(i.file_size), 0)
        total += size
        if total > limit:
            raise InputError(path, f"the {what} would unpack to more than {_mb(limit)} "
                                   "(set INSIGHTKIT_MAX_UNPACKED_MB to raise the limit)")
        if size > _RATIO_FLOOR and size > max_ratio * max(int(i.compress_size), 1):
            raise InputError(path, f"the {what} looks like a decompression bomb (a zip bomb?): its part "
                                   f"{i.filename[:80]!r} unpacks to {_mb(size)} from {_mb(int(i.compress_size))}, "
                                   f"compressed {size / max(int(i.compress_size), 1):,.0f} times (more than "
                                   f"{max_ratio:g})")
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


def read_file_bytes(path, limit: int | None = None, advice: str | None = None) -> bytes:
    """The bytes of a regular file, refusing files larger than ``limit`` (default
    :func:`max_file_bytes`) with an :class:`InputError` that says how to raise the limit (or, for a
    fixed limit, gives ``advice``)."""
    if advice is None:
        advice = "at most (set INSIGHTKIT_MAX_FILE_MB to raise the limit)"
    else:
        advice = f"at most: {advice}"
    limit = max_file_bytes() if limit is None else int(limit)
    p = Path(path)
    with open_regular_file(p) as fh:
        size = os.fstat(fh.fileno()).st_size
        too_big = InputError(p, f"the file is {_mb(max(size, limit + 1))}, more than the {_mb(limit)} read whole "
                                f"{advice}")
        if size > limit:
            raise too_big
        try:
            data = fh.read(limit + 1)  # a file that grows while read (or a /proc file) stops here
        except OSError as exc:
            raise InputError(p, f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise too_big
    return data
