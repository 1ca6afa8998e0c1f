"""CSV and TSV tables: decoded as insightkit.io.encoding decodes text, read in chunks."""

from __future__ import annotations

import codecs
import io
import os
import re
from pathlib import Path
from typing import IO, Iterator

import pandas as pd

from insightkit.errors import InputError
from insightkit.io.base import (_mb, max_file_bytes,
                                open_regular_file)
from insightkit.io.formulas import restore, without_apostrophe
from insightkit.io.tables.common import (CHUNK_CELLS, MAX_COLUMNS, _INT_COLUMNS, _check_cell_sizes, _dedupe)



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
            if utf8_ok and decoder is not None:
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


def _fix_csv_chunk(df: pd.DataFrame, int_columns: list[str]) -> pd.DataFrame:
    """Cells as they were before :func:`insightkit.export.write_table` wrote them: formula
    apostrophes taken away (in a segment table also from ``edits``), offset columns as integers
    where every value is one."""
    if any(isinstance(c, str) and c != restore(c) for c in df.columns):  # neutralised header names too
        df = df.rename(columns={c: restore(c) for c in df.columns})
    restored = None
    if {"text", "start", "edits"} <= set(df.columns) and len(df):
        restored = df["text"].map(lambda v: restore(v) != v).to_numpy(dtype=bool)
    for c in df.columns:
        df[c] = df[c].map(restore)
    if restored is not None and restored.any():
        df.loc[restored, "edits"] = [without_apostrophe(e, st) for e, st in zip(df.loc[restored, "edits"],
                                                                                 df.loc[restored, "start"])]
    for c in int_columns:
        try:
            df[c] = df[c].astype("int64")
        except (ValueError, TypeError, OverflowError):
            pass
    return df
