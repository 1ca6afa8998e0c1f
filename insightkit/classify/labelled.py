"""Labelled tables: texts and one 0/1 column per theme, read with errors that name the file, the
column and the line (a silently skipped row would change what a model learns or how it scores)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from insightkit.errors import InputError
from insightkit.segments import is_missing

__all__ = ["read_labelled", "label_value"]

_TRUE = {"1", "1.0", "true", "yes"}
_FALSE = {"0", "0.0", "false", "no"}


def read_labelled(path: str | Path, codebook, text_column: str, *, require_positives: bool = True
                  ) -> tuple[list[str], np.ndarray, pd.DataFrame]:
    """Texts and the (n, k) label matrix of a labelled table, with errors naming file, column and line.

    A table (CSV, TSV, XLSX, Parquet) has one 0/1 column per theme. JSON Lines (``.jsonl``) has one
    object a line with the text and either those columns or a ``themes`` list of theme ids (the form
    coders' exports and ``../shared/data/nhs-real`` use); other fields are kept in the returned frame.
    """
    from insightkit.export import read_table

    path = Path(path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        df = _read_jsonl(path, codebook)
    else:
        df = read_table(path)
    if df.empty:
        raise InputError(path, "the table has no rows")
    cols = [str(c) for c in df.columns]
    if text_column not in cols:
        raise InputError(path, f"no text column {text_column!r} (columns: {', '.join(cols)}); "
                               "name it with --text-column")
    line0 = 2 if path.suffix.lower() in (".csv", ".tsv", ".xlsx") else 1  # header is line 1
    texts_raw = df[text_column].tolist()
    texts = []
    for i, t in enumerate(texts_raw):
        if is_missing(t) or not str(t).strip():  # a blank text is missing here too
            raise InputError(path, f"empty text in column {text_column!r}; remove the row or fill it in",
                             line=i + line0)
        texts.append(str(t))
    missing = [t.id for t in codebook.themes if codebook.column_for(t.id, cols) is None]
    if missing:
        raise InputError(path, f"no label column for theme(s) {', '.join(missing)}; the table needs one 0/1 "
                               f"column per theme id of codebook {codebook.name!r} (columns: {', '.join(cols)})")
    Y = np.zeros((len(df), len(codebook)), dtype=np.int8)
    for j, theme in enumerate(codebook.themes):
        col = codebook.column_for(theme.id, cols)
        for i, v in enumerate(df[col].tolist()):
            Y[i, j] = label_value(v, path, col, i + line0)
        if require_positives and Y[:, j].sum() == 0:
            raise InputError(path, f"theme {theme.id!r} (column {col!r}) has no positive rows; a classifier "
                                   "cannot learn a theme it never sees (add examples or drop it from the codebook)")
    return texts, Y, df


def _read_jsonl(path: Path, codebook) -> pd.DataFrame:
    """One object a line; a ``themes`` list becomes one 0/1 column per theme id (unknown ids refused)."""
    import json

    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text ({exc.reason})") from None
    ids = set(codebook.ids)
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not a JSON object ({exc.msg})", line=i) from None
        if not isinstance(obj, dict):
            raise InputError(path, "each line must be a JSON object", line=i)
        themes = obj.get("themes")
        if themes is not None:
            if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
                raise InputError(path, "'themes' must be a list of theme ids", line=i)
            unknown = sorted(set(themes) - ids)
            if unknown:
                raise InputError(path, f"unknown theme id(s) {', '.join(unknown)} (codebook {codebook.name!r} has "
                                       f"{', '.join(codebook.ids)})", line=i)
            obj = {**{k: v for k, v in obj.items() if k != "themes" and k not in ids},
                   **{t: int(t in themes) for t in codebook.ids}}
        rows.append({k: (json.dumps(v) if isinstance(v, (list, dict)) else v) for k, v in obj.items()})
    return pd.DataFrame(rows)


def label_value(v, path: Path, col: str, line: int) -> int:
    """A label cell as 0 or 1 (1/0, true/false, yes/no, 1.0/0.0); anything else is an InputError at its line."""
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (int, np.integer)) and v in (0, 1):
        return int(v)
    if isinstance(v, (float, np.floating)) and v in (0.0, 1.0):
        return int(v)
    s = str(v).strip().lower()
    if s in _TRUE:
        return 1
    if s in _FALSE:
        return 0
    raise InputError(path, f"column {col!r}: value {v!r} is not 0 or 1", line=line)
