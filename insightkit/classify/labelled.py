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
    """Texts and the (n, k) label matrix of a labelled table, with errors naming file, column and line."""
    from insightkit.export import read_table

    path = Path(path)
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
