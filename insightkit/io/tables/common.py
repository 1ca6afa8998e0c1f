"""Limits shared by the table readers (cells, cell length, columns) and the table formats read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from insightkit.errors import InputError
from insightkit.io.base import _env_number

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
