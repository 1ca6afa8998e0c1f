"""XLSX workbooks: the archive checks (also used for DOCX) and the cell-by-cell reader."""

from __future__ import annotations

import codecs
import functools
import io
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from insightkit.errors import InputError
from insightkit.io.base import (_mb, check_zip_archive, max_unpacked_bytes, read_file_bytes)
from insightkit.io.tables.common import (MAX_COLUMNS, _dedupe, _too_many_cells, cell_too_long, max_cell_chars, max_cells,
                                         max_xlsx_cells)



#: text a workbook's cells may hand on: this many times the archive's unpacked size (at least
#: _MIN_TEXT_BUDGET characters, at most INSIGHTKIT_MAX_UNPACKED_MB)
_TEXT_AMPLIFICATION = 4
_MIN_TEXT_BUDGET = 16 * 1024 * 1024
# styles, workbook, relationships and the like are parsed into objects at tens of microseconds each:
# a workbook's parts other than its sheets and shared strings are kept to a size no real one nears
_MAX_META_PART = 32 * 1024 * 1024
_DATA_PART = re.compile(r"(?i)^xl/(?:worksheets/[^/]+|sharedStrings[^/]*|drawings/[^/]+|charts/[^/]+)$")


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
            elif decoder is not None:
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
