"""Writing tables safely: CSV that spreadsheets cannot execute, Parquet, XLSX, all written atomically.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel
and LibreOffice (CSV injection): a survey answer such as ``=HYPERLINK(...)`` would run when the file
is opened. CSV and XLSX output therefore give such cells a leading apostrophe (in a segment table
also recorded in ``edits``, so the written file stays self-consistent); Parquet keeps values
exactly. :func:`read_table` reads our own files back and removes the apostrophe again.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from insightkit.errors import InputError

__all__ = ["FORMULA_PREFIXES", "neutralise_formulas", "safe_csv", "write_table", "read_table", "TABLE_EXTENSIONS"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TABLE_EXTENSIONS = (".csv", ".tsv", ".parquet", ".pq", ".xlsx")
# characters XML 1.0 (and so XLSX) cannot hold
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _neutral(v):
    if isinstance(v, str) and v.startswith(FORMULA_PREFIXES):
        return "'" + v
    return v


def _text_columns(df: pd.DataFrame) -> list:
    return [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c].dtype)]


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy in which text cells that a spreadsheet would run as a formula start with an apostrophe.

    In a segment table (``text``, ``start``, ``edits``) the apostrophe added to ``text`` is also
    added to ``edits``, as an insertion at ``start``, so the written file still satisfies
    ``apply_edits(source, start, end, edits) == text`` for a reader who does not use
    :func:`read_table` (which takes both away again).
    """
    out = df.copy()
    segment_like = {"text", "start", "edits"} <= set(out.columns)
    if segment_like:
        flagged = out["text"].map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES))
    for c in _text_columns(out):
        out[c] = out[c].map(_neutral)
    if segment_like and flagged.any():
        out.loc[flagged, "edits"] = [_with_apostrophe(e, st) for e, st in zip(out.loc[flagged, "edits"],
                                                                              out.loc[flagged, "start"])]
    return out


def _with_apostrophe(edits, start):
    from insightkit.alignment import edits_from_json, edits_to_json

    try:
        return edits_to_json([(int(start), int(start), "'"), *edits_from_json(edits)])
    except (ValueError, TypeError, OverflowError):  # not a valid segment row (a table read from elsewhere)
        return edits


def _without_apostrophe(edits, start):
    from insightkit.alignment import edits_from_json, edits_to_json

    try:
        e = edits_from_json(edits)
        if e and e[0] == (int(start), int(start), "'"):
            return edits_to_json(e[1:])
    except (ValueError, TypeError):
        pass
    return edits


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic(path: str | Path, write) -> Path:
    """Call ``write(tmp_path)`` then move the finished file into place, so readers never see half a file.

    A folder that cannot be created or written to is an :class:`InputError` naming the file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    except OSError as exc:
        raise InputError(path, f"cannot write the output: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        write(tmp)
        # mkstemp makes the file private (0600); give it the mode a normal write would have
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise InputError(path, f"cannot write the output: {exc.strerror or exc}") from None
        raise
    return path


def safe_csv(df: pd.DataFrame, path: str | Path, sep: str = ",") -> Path:
    """Write ``df`` as UTF-8 CSV with formulas neutralised, atomically."""
    safe = neutralise_formulas(df)
    return _atomic(path, lambda tmp: safe.to_csv(tmp, index=False, sep=sep, encoding="utf-8", lineterminator="\n"))


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as CSV, TSV, Parquet or XLSX, chosen by the file extension."""
    ext = Path(path).suffix.lower()
    if ext == ".csv":
        return safe_csv(df, path)
    if ext == ".tsv":
        return safe_csv(df, path, sep="\t")
    if ext in (".parquet", ".pq"):
        return _atomic(path, lambda tmp: df.to_parquet(tmp, index=False))
    if ext == ".xlsx":
        safe = neutralise_formulas(df)
        for c in _text_columns(safe):
            safe[c] = safe[c].map(lambda v: _ILLEGAL_XML.sub("", v) if isinstance(v, str) else v)
        return _atomic(path, lambda tmp: safe.to_excel(tmp, index=False, engine="openpyxl"))
    raise InputError(path, f"unsupported output type {ext or '(none)'!r}; use one of: {', '.join(TABLE_EXTENSIONS)}")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_table` (CSV cells as text, offsets as integers).

    Any CSV, TSV, XLSX or Parquet file is read through :func:`insightkit.io.tables.read_table`, the
    one reading layer every command uses: a broken, hostile or oversized file is one
    :class:`~insightkit.errors.InputError` naming it.
    """
    from insightkit.io.tables import read_table as _read

    return _read(path)
