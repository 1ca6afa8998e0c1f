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

from pathlib import Path
from typing import Generator

import pandas as pd

from insightkit.errors import InputError
from insightkit.io.base import MAX_COMPRESSION_RATIO, max_unpacked_bytes, open_regular_file
from insightkit.io.tables.common import (INPUT_EXTENSIONS, MAX_COLUMNS, _INT_COLUMNS, _too_many_cells, cell_too_long,
                                         max_cell_chars, max_cells, max_survey_cells, max_xlsx_cells, table_format)
from insightkit.io.tables.csv import _fix_csv_chunk, _iter_csv, open_text_table
from insightkit.io.tables.parquet import _iter_parquet, _parquet_errors
from insightkit.io.tables.xlsx import XlsxBook, _xlsx_frame, check_archive


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
    "cell_too_long",
]


# ----------------------------------------------------------------------------------------------
# the readers every command uses
# ----------------------------------------------------------------------------------------------

def iter_table(path: str | Path, chunk_rows: int = 10_000, *, whole: bool = False) -> Generator[pd.DataFrame, None, None]:
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
