"""The one reading layer for tables: CSV, TSV, XLSX and Parquet, for every command.

``insightkit tag``, ``quotes``, ``agreement``, ``topics``, ``train`` and ``evaluate`` read their
tables here (:func:`read_table` whole, :func:`iter_table` in chunks), and the survey reader behind
``clean`` and ``report`` opens workbooks here (:class:`XlsxBook`), so a broken or hostile file gives
every command the same one-line :class:`~insightkit.errors.InputError` naming the file (exit code 2).

What an input may not do (each is refused with a message that names the limit and how to raise it):

============================  ==================================================================
regular files only            a FIFO, a device (a link to ``/dev/zero``), a socket or a folder is
                              refused before a byte is read (:func:`~insightkit.io.base.open_regular_file`)
``INSIGHTKIT_MAX_FILE_MB``    256: largest file read whole (a transcript, a survey export, a table
                              read at once, an XLSX/DOCX archive). Streamed CSV (``tag``) has no
                              size limit, but a line longer than this is refused
``INSIGHTKIT_MAX_UNPACKED_MB``  256: what an XLSX/DOCX archive's parts add up to unpacked (as the
                              archive declares them; a part cannot unpack to more), and what a
                              Parquet table's values add up to when read whole
compression ratio             an archive part over 1 MB may unpack to at most
                              :data:`MAX_COMPRESSION_RATIO` (100) times its packed size, and a
                              streamed Parquet file's values to 100 times the file's size
                              (decompression bombs)
``INSIGHTKIT_MAX_CELLS``      20,000,000: cells of a table read whole
``INSIGHTKIT_MAX_XLSX_CELLS``   5,000,000: rows and cells of a workbook (XML is slow to parse)
``INSIGHTKIT_MAX_SURVEY_CELLS`` 2,000,000: cells of a survey export read by ``clean``/``report``
``INSIGHTKIT_MAX_CELL_CHARS``   1,000,000: characters in one cell
:data:`MAX_COLUMNS`           16,384 columns (Excel's own limit)
DTD or entities in XLSX XML   refused: Office never writes one; an external entity (XXE) or
                              nested entities ("billion laughs") are an attack. Nothing here
                              resolves entities; parts must be UTF-8 or UTF-16 as Office writes
============================  ==================================================================

A workbook is read cell by cell from its XML (openpyxl's streaming parser): the ``<dimension>`` a
sheet declares is ignored, rows that hold nothing are skipped, and columns that have neither a name
nor a value are left out, so a lone cell at ``XFD1048576`` costs one cell, not seventeen billion.

CSV text is decoded as :func:`insightkit.io.encoding.decode_bytes` decodes it (byte-order marks,
UTF-16, UTF-8, Windows-1252, UTF-8 with Windows-1252 pasted in), also when streamed; NUL bytes and
other binary content are refused.
"""

from __future__ import annotations

import codecs
import functools
import io
import json
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any, Iterator

import pandas as pd

from insightkit.errors import InputError
from insightkit.io.base import (MAX_COMPRESSION_RATIO, _env_number, _mb, check_zip_archive, max_file_bytes,
                                max_unpacked_bytes, open_regular_file, read_file_bytes)

__all__ = [
    "INPUT_EXTENSIONS",
    "MAX_COLUMNS",
    "MAX_COMPRESSION_RATIO",
    "max_unpacked_bytes",
    "max_cells",
    "max_survey_cells",
    "max_cell_chars",
    "max_xlsx_cells",
    "table_format",
    "read_table",
    "iter_table",
    "table_columns",
    "count_rows",
    "check_archive",
    "check_segment_table",
    "XlsxBook",
    "open_text_table",
]

#: table files the readers accept, by extension
INPUT_EXTENSIONS = (".csv", ".tsv", ".parquet", ".pq", ".xlsx")
#: widest table read (Excel's own limit is 16,384 columns)
MAX_COLUMNS = 16_384
DEFAULT_MAX_CELLS = 20_000_000
DEFAULT_MAX_SURVEY_CELLS = 2_000_000
DEFAULT_MAX_XLSX_CELLS = 5_000_000
DEFAULT_MAX_CELL_CHARS = 1_000_000
#: cells per chunk handed on by :func:`iter_table` (fewer rows per chunk for very wide tables)
CHUNK_CELLS = 2_000_000
#: text a workbook's cells may hand on: this many times the archive's unpacked size (at least
#: _MIN_TEXT_BUDGET characters, at most INSIGHTKIT_MAX_UNPACKED_MB)
_TEXT_AMPLIFICATION = 4
_MIN_TEXT_BUDGET = 16 * 1024 * 1024
# styles, workbook, relationships and the like are parsed into objects at tens of microseconds each:
# a workbook's parts other than its sheets and shared strings are kept to a size no real one nears
_MAX_META_PART = 32 * 1024 * 1024
_DATA_PART = re.compile(r"(?i)^xl/(?:worksheets/[^/]+|sharedStrings[^/]*|drawings/[^/]+|charts/[^/]+)$")
_INT_COLUMNS = ("turn", "line", "start", "end", "index", "src_start", "src_end")


def max_cells() -> int:
    """Most cells of a table or workbook read whole (INSIGHTKIT_MAX_CELLS, default 20,000,000)."""
    return int(_env_number("INSIGHTKIT_MAX_CELLS", DEFAULT_MAX_CELLS))


def max_survey_cells() -> int:
    """Most cells of a survey export read by ``clean``/``report``, where every cell is aligned to
    its source and so costs far more than in a table (INSIGHTKIT_MAX_SURVEY_CELLS, default 2,000,000)."""
    return int(_env_number("INSIGHTKIT_MAX_SURVEY_CELLS", DEFAULT_MAX_SURVEY_CELLS))


def max_xlsx_cells() -> int:
    """Most rows and cells of a workbook read as a table; each costs some microseconds of XML
    parsing, so this bounds the time too (INSIGHTKIT_MAX_XLSX_CELLS, default 5,000,000)."""
    return int(_env_number("INSIGHTKIT_MAX_XLSX_CELLS", DEFAULT_MAX_XLSX_CELLS))


def max_cell_chars() -> int:
    """Longest cell read, in characters (INSIGHTKIT_MAX_CELL_CHARS, default 1,000,000): no survey
    answer or segment is that long, and the language models downstream cannot take one that is."""
    return int(_env_number("INSIGHTKIT_MAX_CELL_CHARS", DEFAULT_MAX_CELL_CHARS))


def _too_many_cells(path, n: int, what: str = "the table", env: str = "INSIGHTKIT_MAX_CELLS") -> InputError:
    return InputError(path, f"{what} holds more than {n:,} cells, the most read at once "
                            f"(set {env} to raise the limit)")


def cell_too_long(path, n: int, where: str = "", line: int | None = None) -> InputError:
    """The error for a cell longer than :func:`max_cell_chars`."""
    return InputError(path, f"{where + ': ' if where else ''}a cell of {n:,} characters, more than the "
                            f"{max_cell_chars():,} read (set INSIGHTKIT_MAX_CELL_CHARS to raise the limit)",
                      line=line)


def _check_cell_sizes(df: pd.DataFrame, path, first_row: int) -> None:
    """InputError naming the row and column of a text cell longer than :func:`max_cell_chars`."""
    limit = max_cell_chars()
    for c in df.columns:
        s = df[c]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)) or not len(s):
            continue
        lengths = s.map(lambda v: len(v) if isinstance(v, str) else 0) if s.dtype == object else s.str.len()
        longest = lengths.max()
        if pd.notna(longest) and longest > limit:
            row = int(lengths.to_numpy().argmax())
            where = "the header" if first_row < 0 else f"data row {first_row + row + 1}"
            raise cell_too_long(path, int(longest), f"{where}, column {str(c)!r}")


def table_format(path: str | Path) -> str:
    """'csv', 'tsv', 'parquet' or 'xlsx' from the extension; InputError for anything else."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext in (".parquet", ".pq"):
        return "parquet"
    if ext in (".csv", ".tsv", ".xlsx"):
        return ext[1:]
    raise InputError(p, f"unsupported table type {ext or '(none)'!r}; use one of: {', '.join(INPUT_EXTENSIONS)}")


# ----------------------------------------------------------------------------------------------
# archives (XLSX, DOCX)
# ----------------------------------------------------------------------------------------------

_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
               NotImplementedError, IndexError, KeyError, OverflowError)
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_DTD_TEXT = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_NOT_XML = re.compile(r"(?i)\.(?:png|jpe?g|gif|bmp|emf|wmf|tiff?|bin|ttf|odttf|fntdata|wdp|svg|mp[34]|wav)$")


def check_archive(data: bytes, path=None, what: str = "Excel .xlsx workbook", refuse_dtd: bool = True) -> None:
    """Refuse a ZIP-based file (XLSX, DOCX) that is not a ZIP archive, is damaged or encrypted, or
    would unpack to an absurd size: more than :func:`max_unpacked_bytes` in all, or a member over
    1 MB unpacking to more than :data:`MAX_COMPRESSION_RATIO` times its packed size.

    With ``refuse_dtd`` every XML part is also read (the sizes checked first bound that) and a part
    that declares a DTD or an entity is refused: OOXML never has one, and an external entity
    (XXE) or nested entities ("billion laughs") are an attack.
    """
    zf = check_zip_archive(path, data, what=what)  # not a zip, encrypted, too many parts, a bomb
    try:
        with zf as z:
            if refuse_dtd:
                for info in z.infolist():
                    size = max(int(info.file_size), 0)
                    if size > _MAX_META_PART and info.filename.lower().endswith((".xml", ".rels")) \
                            and not _DATA_PART.match(info.filename):
                        raise InputError(path, f"not a usable {what}: its part {info.filename!r} is {_mb(size)}; "
                                               f"parts other than sheets and shared strings are far smaller "
                                               f"(at most {_mb(_MAX_META_PART)} read)")
                for info in z.infolist():
                    if not info.is_dir() and not _NOT_XML.search(info.filename):
                        _scan_for_dtd(z, info, path, what)
    except InputError:
        raise
    except _ZIP_ERRORS as exc:
        raise InputError(path, f"not a valid {what}: {_zip_reason(exc)}") from None


def _zip_reason(exc: BaseException) -> str:
    if isinstance(exc, zipfile.BadZipFile) and "not a zip file" in str(exc).lower():
        return "it is not a ZIP archive"
    msg = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return f"the archive is damaged ({msg})"


_XML_DECL_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
#: encodings in which "<!DOCTYPE" is spelt in ASCII bytes (what the byte scan looks for)
_ASCII_SAFE = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"}


def _part_encoding(head: bytes, name: str, path, what: str) -> str:
    """'bytes' (UTF-8 or another ASCII-compatible encoding) or 'utf-16-le'/'utf-16-be': how to look
    for a DTD in a part. Parts in any other encoding (UTF-32, EBCDIC, UTF-7) are refused: the XML
    parser could read a DTD that a byte scan would not see, and Office writes UTF-8 or UTF-16."""
    def refuse(enc: str) -> InputError:
        return InputError(path, f"the {what}'s part {name!r} is encoded as {enc}, not UTF-8 or UTF-16 as Office "
                                "writes: not read")

    if head.startswith(codecs.BOM_UTF32_LE) or head.startswith(codecs.BOM_UTF32_BE) or \
            head[:4] in (b"<\x00\x00\x00", b"\x00\x00\x00<"):
        raise refuse("UTF-32")
    if head.startswith(codecs.BOM_UTF16_LE) or head[:2] == b"<\x00":
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE) or head[:2] == b"\x00<":
        return "utf-16-be"
    if head.removeprefix(codecs.BOM_UTF8).lstrip()[:1] not in (b"<", b""):
        raise InputError(path, f"the {what}'s part {name!r} is not UTF-8 or UTF-16 XML as Office writes: not read")
    m = _XML_DECL_ENCODING.match(head.removeprefix(codecs.BOM_UTF8))
    if m and m.group(1).decode("ascii").lower() not in _ASCII_SAFE:
        declared = m.group(1).decode("ascii")
        if declared.lower().replace("_", "-") in ("utf-16", "utf-16le", "utf-16be", "utf-16-le", "utf-16-be"):
            raise InputError(path, f"the {what}'s part {name!r} declares UTF-16 but is not UTF-16 text: not read")
        raise refuse(declared)
    return "bytes"


def _scan_for_dtd(z: zipfile.ZipFile, info: zipfile.ZipInfo, path, what: str) -> None:
    """Refuse a part that declares a DTD or an entity; read in blocks (sizes already checked)."""
    found = InputError(path, f"the {what} declares a DTD or entities in {info.filename!r} (Office never "
                             "writes one; external or nested entities are an attack): not read")
    tail_b, tail_s = b"", ""
    decoder = None
    mode = None
    with z.open(info) as fh:
        while True:
            block = fh.read(1 << 20)
            if mode is None:
                mode = _part_encoding(block[:512], info.filename, path, what)
                if mode != "bytes":
                    decoder = codecs.getincrementaldecoder(mode)("replace")
            if mode == "bytes":
                chunk = tail_b + block
                if _DTD.search(chunk):
                    raise found
                tail_b = chunk[-64:]
            else:
                text = tail_s + decoder.decode(block, final=not block)
                if _DTD_TEXT.search(text):
                    raise found
                tail_s = text[-64:]
            if not block:
                return


# ----------------------------------------------------------------------------------------------
# XLSX, read cell by cell
# ----------------------------------------------------------------------------------------------

def _xlsx_errors() -> tuple:
    from xml.etree.ElementTree import ParseError

    errors = [*_ZIP_ERRORS, ParseError, TypeError, AttributeError, SyntaxError, UnicodeError, ArithmeticError,
              LookupError, AssertionError]
    try:
        from openpyxl.utils.exceptions import InvalidFileException, ReadOnlyWorkbookException

        errors += [InvalidFileException, ReadOnlyWorkbookException]
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


def _excel_error(path, exc: BaseException, where: str = "") -> InputError:
    msg = str(exc).splitlines()[0][:160] if str(exc) else ""
    detail = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    return InputError(path, f"not a valid Excel .xlsx workbook{where} ({detail})")


class XlsxBook:
    """A workbook opened for reading cell by cell. Use as a context manager.

    The archive is checked first (:func:`check_archive`); ``sheetnames`` lists the worksheets;
    :meth:`rows` yields each row that holds a value as ``(row number, {column number: value})``
    with openpyxl's values (str, int, float, bool, datetime, ...); a formula without a stored
    result gives its formula text (``=HYPERLINK(...)``), as typed.
    """

    def __init__(self, data: bytes, path=None, cells: int | None = None, cells_env: str = "INSIGHTKIT_MAX_XLSX_CELLS"):
        self.path = path
        check_archive(data, path)
        try:
            import openpyxl
        except ImportError as exc:  # pragma: no cover
            raise InputError(path, "openpyxl is not installed") from exc
        errors = _xlsx_errors()
        import warnings

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "no default style", unknown extensions: not the user's concern
                self._wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        except errors as exc:
            raise _excel_error(path, exc) from None
        try:
            self.sheetnames = [ws.title for ws in self._wb.worksheets]
        except errors as exc:
            self.close()
            raise _excel_error(path, exc) from None
        self._limit = max_xlsx_cells() if cells is None else int(cells)
        self._budget = self._limit
        self._env = cells_env
        # Text handed on is bounded by the data too: a shared string is stored once and may be
        # referenced by every cell, so a small workbook could otherwise expand to gigabytes of text.
        try:
            unpacked = sum(max(int(i.file_size), 0) for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
        except _ZIP_ERRORS:  # pragma: no cover - check_archive has opened it already
            unpacked = len(data)
        self._text_limit = min(max_unpacked_bytes(), max(_MIN_TEXT_BUDGET, _TEXT_AMPLIFICATION * unpacked))
        self._text_budget = self._text_limit

    def __enter__(self) -> "XlsxBook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        wb = getattr(self, "_wb", None)
        if wb is not None:
            try:
                wb.close()
            except OSError:  # pragma: no cover
                pass
            self._wb = None

    def rows(self, title: str) -> Iterator[tuple[int, dict[int, Any]]]:
        """The rows of sheet ``title`` that hold a value, in file order (see the class docstring).

        Rows and cells read count against ``INSIGHTKIT_MAX_CELLS`` for the whole book; past it,
        an InputError.
        """
        path = self.path
        errors = _xlsx_errors()
        char_limit = max_cell_chars()
        wb = self._wb
        try:
            ws = wb[title]
            src = ws._get_source()
        except errors as exc:
            raise _excel_error(path, exc, f": sheet {title!r} could not be opened") from None
        parser = _cell_parser_class()(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                      date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        import warnings

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for rownum, cells in parser.parse():
                    self._budget -= 1 + len(cells)
                    if self._budget < 0:
                        raise _too_many_cells(path, self._limit, "the workbook", self._env)
                    values = {}
                    for c in cells:
                        v = c["value"]
                        if v is None or (isinstance(v, str) and v == ""):
                            continue
                        if isinstance(v, str):
                            if len(v) > char_limit:
                                raise cell_too_long(path, len(v), f"sheet {title!r} row {c['row']}")
                            self._text_budget -= len(v)
                            if self._text_budget < 0:
                                raise InputError(path, f"the workbook's cells hold more than {self._text_limit:,} "
                                                       "characters of text, far more than its files hold (one "
                                                       "shared string repeated in many cells?): not read "
                                                       f"(sheet {title!r}, row {c['row']})")
                        col = int(c["column"])
                        if not 1 <= col <= MAX_COLUMNS or int(c["row"]) < 1:
                            raise InputError(path, f"sheet {title!r} has a cell outside Excel's grid "
                                                   f"(row {c['row']}, column {col})")
                        values[col] = v
                    if values:
                        yield int(rownum), values
        except InputError:
            raise
        except errors as exc:
            raise _excel_error(path, exc, f": sheet {title!r} could not be read") from None
        finally:
            try:
                src.close()
            except OSError:  # pragma: no cover
                pass


@functools.lru_cache(maxsize=None)
def _cell_parser_class():
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class CellParser(WorkSheetParser):
        """openpyxl's streaming sheet parser; a formula cell with no stored result gives its formula."""

        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if element.find(FORMULA_TAG) is not None:
                formula = self.parse_formula(element)  # also remembers shared formulas
                if cell["value"] is None:
                    text = formula if isinstance(formula, str) else getattr(formula, "text", None)
                    if isinstance(text, str) and text != "=":
                        cell["value"] = text
            return cell

    return CellParser


def _pandas_str(v) -> str:
    """A cell value as pandas' ``read_excel(dtype=str)`` shows it."""
    import datetime as dt

    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return str(pd.Timestamp(v)) if pd.Timestamp.min <= pd.Timestamp(v) <= pd.Timestamp.max else str(v)
    return str(v)


def _dedupe(names: list[str]) -> list[str]:
    """Column names made unique the way pandas does it for CSV: 'a', 'a.1', 'a.2'."""
    out: list[str] = []
    seen: dict[str, int] = {}
    taken = set(names)
    for name in names:
        if name in seen:
            k = seen[name]
            while True:
                k += 1
                cand = f"{name}.{k}"
                if cand not in taken:
                    break
            seen[name] = k
            taken.add(cand)
            out.append(cand)
        else:
            seen[name] = 0
            out.append(name)
    return out


def _xlsx_frame(path: Path) -> pd.DataFrame:
    """The first sheet of a workbook as a table of strings: the first row holding a value is the
    header; rows holding nothing are skipped; a value right of the header gets a column of its own
    (``Unnamed: <n>``) when the table stays within the cell limit."""
    data = read_file_bytes(path)
    with XlsxBook(data, path) as book:
        if not book.sheetnames:
            raise InputError(path, "the workbook has no worksheets")
        title = book.sheetnames[0]
        rows = list(book.rows(title))
    if not rows:
        raise InputError(path, f"sheet {title!r} of the workbook is empty (no header row)")
    _, header = rows[0]
    body = rows[1:]
    # the columns that have a header or hold a value: a lone cell at XFD1048576 adds one column,
    # not the 16,000 empty ones before it
    used = sorted(set(header).union(*(r.keys() for _, r in body)))
    if len(body) * len(used) > max_cells():
        raise _too_many_cells(path, max_cells(), f"sheet {title!r}")
    names = _dedupe([_pandas_str(header[c]).strip() if c in header else f"Unnamed: {c - 1}" for c in used])
    columns = {name: [_pandas_str(r[c]) if c in r else "" for _, r in body] for c, name in zip(used, names)}
    return pd.DataFrame(columns, columns=names, dtype=object)


# ----------------------------------------------------------------------------------------------
# CSV and TSV text
# ----------------------------------------------------------------------------------------------

def _utf8_mixed(fh: IO[bytes]) -> bool:
    """True when the file (read from its start) holds any well-formed multi-byte UTF-8 sequence."""
    from insightkit.io.encoding import _UTF8_MULTIBYTE

    fh.seek(0)
    tail = b""
    while True:
        block = fh.read(1 << 22)
        if not block:
            return False
        if _UTF8_MULTIBYTE.search(tail + block):
            return True
        tail = block[-3:]


def open_text_table(path: str | Path, whole: bool = False) -> tuple[IO[str], str]:
    """Open a CSV/TSV file as text, decoded as :func:`~insightkit.io.encoding.decode_bytes` would
    decode it, without reading it whole: ``(text handle, encoding)``. The caller closes the handle.

    The whole file is read once here (in blocks): to choose UTF-8 or Windows-1252, to refuse NUL
    bytes and binary content, and to refuse a line longer than ``INSIGHTKIT_MAX_FILE_MB``. With
    ``whole`` (the table will be held in memory) a file larger than that is refused too.
    """
    from insightkit.io.encoding import _utf16_without_bom, check_magic, check_not_binary, decode_bytes

    p = Path(path)
    fh = open_regular_file(p)
    try:
        size = os.fstat(fh.fileno()).st_size
        if whole and size > max_file_bytes():
            raise InputError(p, f"the file is {_mb(size)}, more than the {_mb(max_file_bytes())} read whole at "
                                "most (set INSIGHTKIT_MAX_FILE_MB to raise the limit)")
        head = fh.read(1 << 16)
        if not head:
            raise InputError(p, "the file is empty")
        check_magic(head, p)
        errors = "strict"
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
            encoding = "utf-16"
        else:
            encoding = _utf16_without_bom(head) or "utf-8"
        whole = len(head) >= size and not fh.read(1)
        if whole:
            # small file: the same decoding and checks as every other text input
            text, enc = decode_bytes(head, p)
            fh.close()
            return _StringHandle(text), enc
        # the binary checks on the first block, cut at a line break so no character is split
        cut = max(head.rfind(b"\n"), head.rfind(b"\r"))
        sample = head[:cut + 1] if cut > 0 and not encoding.startswith("utf-16") else head
        if encoding.startswith("utf-16"):
            sample = sample[: len(sample) // 2 * 2]
        text = sample.decode(encoding.replace("-sig", "") if encoding != "utf-16" else "utf-16",
                             errors="insightkit-cp1252" if encoding.startswith("utf-8") else "replace")
        if not encoding.startswith("utf-16") and "\x00" in text:
            raise InputError(p, "this looks like a binary file (it contains NUL bytes), not text")
        check_not_binary(text, p)
        # one pass over the file: UTF-8 or not, NUL bytes, longest line
        fh.seek(0)
        limit = max_file_bytes()
        block_size = min(1 << 22, max(limit, 4096))  # lines inside one block are shorter than the limit
        decoder = codecs.getincrementaldecoder("utf-8")("strict") if encoding.startswith("utf-8") else None
        utf8_ok = decoder is not None
        since_break = 0
        line = 1
        while True:
            block = fh.read(block_size)
            if not block:
                break
            if not encoding.startswith("utf-16") and b"\x00" in block:
                raise InputError(p, "this looks like a binary file (it contains NUL bytes), not text",
                                 line=line + block[:block.index(b"\x00")].count(b"\n"))
            if utf8_ok:
                try:
                    decoder.decode(block)  # a UTF-8 byte-order mark is valid UTF-8 too
                except UnicodeDecodeError:
                    utf8_ok = False
            last = max(block.rfind(b"\n"), block.rfind(b"\r"))
            if last < 0:
                since_break += len(block)
            else:
                first = min(i for i in (block.find(b"\n"), block.find(b"\r")) if i >= 0)
                if since_break + first > limit:
                    raise InputError(p, f"a line longer than {_mb(limit)} (set INSIGHTKIT_MAX_FILE_MB to raise "
                                        "the limit)", line=line)
                line += block.count(b"\n")
                since_break = len(block) - last - 1
            if since_break > limit:
                raise InputError(p, f"a line longer than {_mb(limit)} (set INSIGHTKIT_MAX_FILE_MB to raise the "
                                    "limit)", line=line)
        if decoder is not None and utf8_ok:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_ok = False
        if decoder is not None and not utf8_ok:
            if encoding == "utf-8-sig" or _utf8_mixed(fh):
                encoding, errors = encoding, "insightkit-cp1252"  # UTF-8 with Windows-1252 bytes pasted in
            else:
                encoding = "cp1252"
        fh.seek(0)
        handle = io.TextIOWrapper(fh, encoding=encoding, errors=errors, newline="")
        return handle, encoding + ("+cp1252" if errors != "strict" else "")
    except BaseException:
        fh.close()
        raise


class _StringHandle(io.StringIO):
    """Decoded text of a small file, newlines as they were (``newline=''``)."""

    def __init__(self, text: str):
        super().__init__(text, newline="")


def _header_width(handle: IO[str], sep: str) -> int:
    """How many fields the first record has, without letting pandas build a huge header."""
    start = handle.tell()
    first = handle.readline()
    handle.seek(start)
    if first.count('"') % 2:  # a quoted field with a line break: the header spans lines; count roughly
        return first.count(sep) + 1
    return re.sub(r'"(?:[^"]|"")*"', "", first).count(sep) + 1


def _csv_error(path, exc: BaseException, row: int) -> InputError:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    msg = re.sub(r"^Error tokenizing data\. C error: ", "", msg)
    if "EOF inside string" in msg or "EOF inside quoted" in msg.lower():
        return InputError(path, f"a quoted field is never closed ({msg})")
    return InputError(path, f"malformed CSV near data row {row}: {msg}")


def _iter_csv(p: Path, fmt: str, chunk_rows: int, whole: bool) -> Iterator[pd.DataFrame]:
    sep = "\t" if fmt == "tsv" else ","
    handle, _ = open_text_table(p, whole=whole)
    try:
        width = _header_width(handle, sep)
        if width > MAX_COLUMNS:
            raise InputError(p, f"the header has {width:,} columns, more than {MAX_COLUMNS:,}", line=1)
        chunk_rows = max(1, min(chunk_rows, CHUNK_CELLS // max(width, 1)))
        start = 0
        try:
            # the header is read as a row (header=None), so a data row with more fields than the
            # header is an error: with header=0 pandas would quietly take the first column as an
            # index and shift every value one column to the left
            try:
                reader = pd.read_csv(handle, header=None, dtype=str, keep_default_na=False, sep=sep, iterator=True)
            except pd.errors.EmptyDataError:
                raise InputError(p, "the file is empty (no header row)") from None
            try:
                try:
                    df = reader.get_chunk(chunk_rows + 1)
                except StopIteration:
                    raise InputError(p, "the file is empty (no header row)") from None
                _check_cell_sizes(df.iloc[:1], p, -1)
                names = _dedupe([v if v != "" else f"Unnamed: {k}" for k, v in enumerate(df.iloc[0].tolist())])
                int_columns = [c for c in _INT_COLUMNS if c in names]
                df = df.iloc[1:]
                first = True
                while True:
                    df.columns = names
                    _check_cell_sizes(df, p, start)
                    df = _fix_csv_chunk(df.reset_index(drop=True), int_columns)
                    df.index = pd.RangeIndex(start, start + len(df))
                    start += len(df)
                    if len(df) or first:
                        yield df
                    first = False
                    try:
                        df = reader.get_chunk(chunk_rows)
                    except StopIteration:
                        break
            finally:
                reader.close()
        except InputError:
            raise
        except pd.errors.ParserError as exc:
            raise _csv_error(p, exc, start + 1) from None
        except UnicodeDecodeError as exc:
            raise InputError(p, f"cannot decode the text near data row {start + 1} ({exc.reason})") from None
        except (ValueError, OverflowError, MemoryError) as exc:  # pandas' C tokenizer on hostile input
            raise _csv_error(p, exc, start + 1) from None
    finally:
        handle.close()


def _restore(v):
    if isinstance(v, str) and len(v) > 1 and v[0] == "'" and v[1] in "=+-@\t\r":
        return v[1:]
    return v


def _fix_csv_chunk(df: pd.DataFrame, int_columns: list[str]) -> pd.DataFrame:
    """Cells as they were before :func:`insightkit.export.write_table` wrote them: formula
    apostrophes taken away (in a segment table also from ``edits``), offset columns as integers
    where every value is one."""
    from insightkit.export import _without_apostrophe

    if any(isinstance(c, str) and c != _restore(c) for c in df.columns):  # neutralised header names too
        df = df.rename(columns={c: _restore(c) for c in df.columns})
    restored = None
    if {"text", "start", "edits"} <= set(df.columns) and len(df):
        restored = df["text"].map(lambda v: _restore(v) != v).to_numpy(dtype=bool)
    for c in df.columns:
        df[c] = df[c].map(_restore)
    if restored is not None and restored.any():
        df.loc[restored, "edits"] = [_without_apostrophe(e, st) for e, st in zip(df.loc[restored, "edits"],
                                                                                 df.loc[restored, "start"])]
    for c in int_columns:
        try:
            df[c] = df[c].astype("int64")
        except (ValueError, TypeError, OverflowError):
            pass
    return df


# ----------------------------------------------------------------------------------------------
# Parquet
# ----------------------------------------------------------------------------------------------

def _parquet_errors() -> tuple:
    import pyarrow as pa

    return (pa.ArrowException, OSError, ValueError, TypeError, IndexError, KeyError, OverflowError,
            NotImplementedError, EOFError)


def _is_text_type(t) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or \
        pa.types.is_large_binary(t)


def _is_nested(t) -> bool:
    import pyarrow as pa

    return pa.types.is_nested(t) or pa.types.is_dictionary(t) and pa.types.is_nested(t.value_type)


def _decode_binary(v):
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).decode("utf-8", errors="insightkit-cp1252")
    return v


def _as_text(v):
    if v is None:
        return None
    try:
        return json.dumps(v, ensure_ascii=False, default=str, sort_keys=False)
    except (TypeError, ValueError, OverflowError):
        return str(v)


def _logical_bytes(col) -> int:
    """Bytes a column's values take once decoded (dictionary-encoded strings counted per row)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(col, pa.ChunkedArray):
        return sum(_logical_bytes(c) for c in col.chunks)
    if pa.types.is_dictionary(col.type):
        if not _is_text_type(col.type.value_type):
            return col.nbytes
        lengths = pc.binary_length(col.dictionary)
        total = pc.sum(pc.take(lengths, col.indices)).as_py() or 0
        return int(total) + col.indices.nbytes
    return col.nbytes


def _iter_parquet(p: Path, chunk_rows: int, whole: bool) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    errors = _parquet_errors()
    fh = open_regular_file(p)
    try:
        size = os.fstat(fh.fileno()).st_size
        try:
            probe = pq.ParquetFile(fh)
            n_rows = int(probe.metadata.num_rows)
            schema = probe.schema_arrow
        except errors as exc:
            raise InputError(p, f"not a readable Parquet file ({_arrow_msg(exc)})") from None
        n_cols = len(schema)
        if n_cols > MAX_COLUMNS:
            raise InputError(p, f"the table has {n_cols:,} columns, more than {MAX_COLUMNS:,}")
        if whole and n_rows * max(n_cols, 1) > max_cells():
            raise _too_many_cells(p, max_cells())
        # text is read dictionary-encoded, so a value repeated a million times (a few bytes in the
        # file) is counted before it is spelt out
        text_cols = [f.name for f in schema if _is_text_type(f.type)]
        budget = max_unpacked_bytes() if whole else max(max_unpacked_bytes(), MAX_COMPRESSION_RATIO * size)
        chunk_rows = max(1, min(chunk_rows, CHUNK_CELLS // max(n_cols, 1)))
        try:
            fh.seek(0)
            batches = pq.ParquetFile(fh, read_dictionary=text_cols or None).iter_batches(batch_size=chunk_rows)
        except errors as exc:
            raise InputError(p, f"not a readable Parquet file ({_arrow_msg(exc)})") from None
        start = 0
        unpacked = 0
        yielded = False
        while True:
            try:
                batch = next(batches, None)
            except errors as exc:
                raise InputError(p, f"not a readable Parquet file: rows from {start + 1} are damaged "
                                    f"({_arrow_msg(exc)})") from None
            if batch is None:
                break
            unpacked += sum(_logical_bytes(c) for c in batch.columns)
            if unpacked > budget:
                if whole:
                    raise InputError(p, f"the table's values unpack to more than {_mb(budget)} (set "
                                        "INSIGHTKIT_MAX_UNPACKED_MB to raise the limit)")
                raise InputError(p, f"the table's values unpack to more than {_mb(budget)}, over "
                                    f"{MAX_COMPRESSION_RATIO} times the file's size: a decompression bomb? "
                                    "(set INSIGHTKIT_MAX_UNPACKED_MB to raise the limit)")
            df = _arrow_to_pandas(batch, schema, p, start)
            _check_cell_sizes(df, p, start)
            df.index = pd.RangeIndex(start, start + len(df))
            start += len(df)
            yielded = True
            yield df
        if not yielded:
            yield _arrow_to_pandas(schema.empty_table(), schema, p, 0)
    finally:
        fh.close()


def _arrow_msg(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def _arrow_to_pandas(batch, schema, path, start: int) -> pd.DataFrame:
    """A batch as pandas would read the file: text spelt out again, binary values as text (UTF-8,
    Windows-1252 bytes tolerated), nested values (lists, structs, maps) as JSON text, duplicate
    column names made unique ('a', 'a.1')."""
    import pyarrow as pa

    try:
        arrays = []
        for field, col in zip(schema, batch.columns):
            if pa.types.is_dictionary(col.type) and not pa.types.is_dictionary(field.type):
                col = col.dictionary_decode()
            arrays.append(col)
        names = [str(n) for n in schema.names]
        nested = {i: [_as_text(v) for v in col.to_pylist()] for i, col in enumerate(arrays) if _is_nested(col.type)}
        binary = {i for i, col in enumerate(arrays) if pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type)}
        unique = _dedupe(names)
        if unique != names or nested:
            plain = [pa.nulls(len(a)) if i in nested else a for i, a in enumerate(arrays)]
            df = pa.Table.from_arrays(plain, names=unique).to_pandas()
        else:
            try:
                df = pa.Table.from_arrays(arrays, schema=schema).to_pandas()
            except (ValueError, KeyError, TypeError, IndexError):  # pandas metadata that does not fit
                df = pa.Table.from_arrays(arrays, names=unique).to_pandas()
        df = df.reset_index(drop=True)
        df = df[[c for c in df.columns if not re.fullmatch(r"__index_level_\d+__", str(c))]]
        for i in nested:
            df[unique[i]] = pd.Series(nested[i], dtype=object)
        for i in binary:
            df[unique[i]] = df[unique[i]].map(_decode_binary)
    except _parquet_errors() as exc:
        raise InputError(path, f"rows from {start + 1} cannot be read ({_arrow_msg(exc)})") from None
    return df


# ----------------------------------------------------------------------------------------------
# the readers every command uses
# ----------------------------------------------------------------------------------------------

def iter_table(path: str | Path, chunk_rows: int = 10_000, *, whole: bool = False) -> Iterator[pd.DataFrame]:
    """Chunks of at most ``chunk_rows`` rows (fewer for very wide tables), with a RangeIndex
    continuing across chunks. Every chunk has the same columns; the first chunk is yielded even
    when the table has no rows, so a caller still learns the columns.

    CSV/TSV cells are text (our formula apostrophes removed, offset columns as integers), Parquet
    keeps its types, XLSX (read whole) gives text. ``whole=True`` applies the limits for reading
    at once (file size, unpacked size, cells). Any problem is one :class:`InputError` naming the file.
    """
    p = Path(path)
    fmt = table_format(p)
    chunk_rows = max(1, int(chunk_rows))
    if fmt in ("csv", "tsv"):
        yield from _iter_csv(p, fmt, chunk_rows, whole)
    elif fmt == "parquet":
        yield from _iter_parquet(p, chunk_rows, whole)
    else:
        df = _xlsx_frame(p)
        df = _fix_csv_chunk(df, [c for c in _INT_COLUMNS if c in df.columns])
        for s in range(0, max(len(df), 1), chunk_rows):
            yield df.iloc[s:s + chunk_rows]


def read_table(path: str | Path) -> pd.DataFrame:
    """A whole table (CSV, TSV, XLSX or Parquet) as :func:`insightkit.export.write_table` wrote it;
    see :func:`iter_table` for cell types, and the module docstring for what is refused."""
    p = Path(path)
    limit = max_cells()
    parts = []
    cells = 0
    for chunk in iter_table(p, 100_000, whole=True):
        cells += chunk.size
        if cells > limit:
            raise _too_many_cells(p, limit)
        parts.append(chunk)
    df = parts[0] if len(parts) == 1 else pd.concat(parts)
    return df.reset_index(drop=True)


#: columns of a segment table and what they must hold
_SEGMENT_INTS = ("turn", "line", "start", "end")


def check_segment_table(df: pd.DataFrame, path) -> pd.DataFrame:
    """``df`` with a segment table's offsets as integers and its ``score_<id>`` columns as numbers,
    or one InputError naming the file, column and data row that holds something else. A table
    without ``segment_id``, ``text``, ``start`` and ``end`` is returned as it is."""
    if not {"segment_id", "text", "start", "end"} <= set(map(str, df.columns)):
        return df
    df = df.copy()
    checks = [(c, "whole numbers (source offsets and positions)", True) for c in _SEGMENT_INTS if c in df.columns]
    checks += [(c, "numbers (theme scores)", False) for c in df.columns if str(c).startswith("score_")]
    for c, what, whole in checks:
        col = df[c]
        if pd.api.types.is_integer_dtype(col.dtype) or (not whole and pd.api.types.is_float_dtype(col.dtype)):
            continue
        num = pd.to_numeric(col.map(lambda v: v.strip() if isinstance(v, str) else v), errors="coerce")
        bad = num.isna().to_numpy() if not whole else (num.isna() | (num % 1 != 0)).to_numpy()
        if not whole:
            bad = bad & col.notna().to_numpy(dtype=bool) & col.map(lambda v: v != "").to_numpy(dtype=bool)
        if bad.any():
            i = int(bad.argmax())
            raise InputError(path, f"column {str(c)!r} must hold {what}; data row {i + 1} has {col.iloc[i]!r}")
        df[c] = num.astype("int64") if whole else num.astype("float64")
    return df


def table_columns(path: str | Path) -> list[str]:
    """The column names of a table (XLSX is read whole to find them)."""
    chunks = iter_table(path, 1)
    try:
        return [str(c) for c in next(chunks).columns]
    finally:
        chunks.close()


def count_rows(path: str | Path) -> tuple[int | None, bool]:
    """(rows, exact) for a progress bar: Parquet from its footer (exact); CSV/TSV by counting line
    breaks (an upper bound when a quoted cell holds one); (None, False) for XLSX or a file that
    cannot be read (reading it then reports why)."""
    p = Path(path)
    ext = p.suffix.lower()
    try:
        if ext in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            with open_regular_file(p) as fh:
                try:
                    return int(pq.ParquetFile(fh).metadata.num_rows), True
                except _parquet_errors():
                    return None, False
        if ext in (".csv", ".tsv"):
            lines = 0
            last = b"\n"
            with open_regular_file(p) as fh:
                while True:
                    block = fh.read(1 << 22)
                    if not block:
                        break
                    lines += block.count(b"\n")
                    last = block[-1:]
            if last != b"\n":
                lines += 1  # the final line has no line break
            return max(lines - 1, 0), False  # minus the header
    except InputError:
        return None, False
    return None, False
