"""Tagging a table chunk by chunk: each chunk's distinct texts are scored once.

The file side (reading chunks, writing them atomically) is :mod:`insightkit.stream` and
:mod:`insightkit.spark`; this module only turns chunks of rows into tagged chunks.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from insightkit.errors import ParameterError
from insightkit.segments import is_missing


def texts_of(values) -> list[str]:
    """Cells as texts: missing values (None, NA, NaN) become empty texts."""
    out = []
    for v in values:
        if is_missing(v):
            out.append("")
        else:
            out.append(str(v))
    return out


def score_unique(score: Callable[[list[str]], np.ndarray], texts: list[str]) -> tuple[np.ndarray, int]:
    """``score`` applied to each distinct text once, spread back to every row: (scores, n_distinct)."""
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    if len(uniques) == len(texts):
        return score(texts), len(texts)
    P = score([str(u) for u in uniques])
    return P[codes], len(uniques)


def attach_scores(model: Any, df: pd.DataFrame, P: np.ndarray) -> pd.DataFrame:
    """``df`` with ``theme_<id>`` and ``score_<id>`` columns, exactly as the model's ``tag`` adds them."""
    if hasattr(model, "with_scores"):
        return model.with_scores(df, P)
    from insightkit.segments import add_theme_columns

    return add_theme_columns(df, model.theme_ids_, P, model.thresholds_)


def head_for(model: Any, speed: str | None):
    """The head that scores at ``speed`` (the model itself, or its fast head): its thresholds too."""
    head = model.at_speed(speed) if hasattr(model, "at_speed") else model
    if head is model and speed not in (None, "default", getattr(model, "speed", None)):
        raise ParameterError(f"speed must be 'default' or 'fast', got {speed!r}")
    return head


def tag_chunks(model: Any, chunks: Iterable[pd.DataFrame], text_column: str, *, speed: str | None = None,
               stats: dict | None = None) -> Iterator[pd.DataFrame]:
    """Each chunk tagged by ``model`` at ``speed``; ``stats`` (when given) counts rows, texts and themes."""
    head = head_for(model, speed)
    stats = {} if stats is None else stats
    for key in ("rows", "distinct_texts", "chunks", "empty_texts"):
        stats.setdefault(key, 0)
    for chunk in chunks:
        texts = texts_of(chunk[text_column].tolist())
        if texts:
            P, n_distinct = score_unique(head.predict_proba, texts)
        else:
            P, n_distinct = np.zeros((0, len(model.theme_ids_))), 0
        tagged = attach_scores(head, chunk, P)
        stats["rows"] += len(chunk)
        stats["distinct_texts"] += n_distinct
        stats["empty_texts"] += sum(1 for t in texts if not t.strip())
        stats["chunks"] += 1
        for tid in model.theme_ids_:
            stats.setdefault("theme_rows", {}).setdefault(tid, 0)
            stats["theme_rows"][tid] += int(tagged[f"theme_{tid}"].sum()) if len(tagged) else 0
        stats["no_theme_rows"] = stats.get("no_theme_rows", 0) + (
            int((tagged[[f"theme_{t}" for t in model.theme_ids_]].sum(axis=1) == 0).sum()) if len(tagged) else 0)
        yield tagged
