"""What goes in and what comes out: reading X and Y, and tagging a segment table.

X is a sequence of texts or a DataFrame with a text column (and, optionally, a column of
precomputed embeddings); Y a 0/1 matrix or DataFrame with a column per theme. Tagging adds
``theme_<id>`` (0/1) and ``score_<id>`` columns (:func:`insightkit.segments.add_theme_columns`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from insightkit.codebook import Codebook
from insightkit.errors import ParameterError
from insightkit.segments import is_missing


def uses_stored_vectors(model) -> bool:
    """Whether a table's stored embedding column can stand in for ``model``'s own encoding: only for
    a default-speed model on the installed encoder (or the one ``embedding_model`` names)."""
    return model.speed != "fast" and getattr(model, "encoder_path_", None) is None


def read_X(model, X: Any, embeddings: Any = None, *, where: str) -> tuple[list[str], np.ndarray | None]:
    """Texts (and embeddings, when given) from a sequence of strings or a DataFrame."""
    emb = embeddings
    if isinstance(X, pd.DataFrame):
        if model.text_column not in X.columns:
            raise ParameterError(f"{where}: X has no text column {model.text_column!r} "
                                 f"(columns: {', '.join(map(str, X.columns))})")
        # a stored embedding column holds the installed sentence-transformer's vectors: not for the
        # fast mode, nor for a model with a fine-tuned encoder of its own
        if emb is None and model.embedding_column in X.columns and uses_stored_vectors(model):
            emb = np.stack([np.asarray(v, dtype=np.float32) for v in X[model.embedding_column]]) \
                if len(X) else np.zeros((0, 0), dtype=np.float32)
        values = X[model.text_column].tolist()
    elif isinstance(X, (str, bytes)):
        raise ValueError(f"{where}: X must be a sequence of texts, not a single string")
    elif isinstance(X, pd.Series):
        values = X.tolist()
    elif isinstance(X, np.ndarray):
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        if X.ndim != 1:
            raise ValueError(f"{where}: X must be a 1-D sequence of texts, got an array of shape {X.shape}")
        values = X.tolist()
    else:
        try:
            values = list(X)
        except TypeError as exc:
            raise ValueError(f"{where}: X must be a sequence of texts, got {type(X).__name__}") from exc
    texts: list[str] = []
    for i, v in enumerate(values):
        if is_missing(v):
            texts.append("")
        elif isinstance(v, str):
            texts.append(v)
        else:
            raise ValueError(f"{where}: item {i} of X is {type(v).__name__}, not text")
    if emb is not None:
        emb = np.asarray(emb, dtype=np.float32)
        if emb.ndim != 2 or emb.shape[0] != len(texts):
            raise ValueError(f"{where}: embeddings must have shape ({len(texts)}, dim), got {emb.shape}")
        if not np.isfinite(emb).all():
            raise ValueError(f"{where}: embeddings contain NaN or infinite values")
    return texts, emb


def codebook_for(model, Y: Any, k: int) -> Codebook:
    """The model's codebook, or one named after the columns of ``Y`` (or theme_0...)."""
    if model.codebook is not None:
        if not isinstance(model.codebook, Codebook):
            raise ParameterError(f"codebook must be a Codebook, got {type(model.codebook).__name__}")
        return model.codebook
    if isinstance(Y, pd.DataFrame):
        return Codebook.from_labels([str(c) for c in Y.columns], name="custom")
    return Codebook.from_dict({"name": "custom", "themes": [
        {"id": f"theme_{j}", "label": f"theme {j}", "description": f"theme {j}"} for j in range(k)]})


def read_Y(Y: Any, n: int, codebook: Codebook | None) -> np.ndarray:
    """A (n, k) 0/1 matrix from ``Y``; a DataFrame's columns are matched to the codebook's themes."""
    from insightkit.evaluate import as_label_matrix

    if isinstance(Y, pd.DataFrame) and codebook is not None:
        cols = []
        for tid in codebook.ids:
            col = codebook.column_for(tid, [str(c) for c in Y.columns])
            cols.append(col)
        if all(c is not None for c in cols):
            Y = Y[cols]
        elif Y.shape[1] != len(codebook):
            missing = [t for t, c in zip(codebook.ids, cols) if c is None]
            raise ValueError(f"Y has no column for theme(s) {', '.join(missing)}")
    try:
        Ym = as_label_matrix(Y, None, "Y")
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    if Ym.shape[0] != n:
        raise ValueError(f"X has {n} texts but Y has {Ym.shape[0]} rows")
    return Ym


def read_weights(sample_weight: Any, n: int) -> np.ndarray | None:
    """``sample_weight`` as a float array of one non-negative weight per text (None stays None)."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if w.shape != (n,):
        raise ValueError(f"sample_weight has {w.size} values but there are {n} texts")
    if not np.all(np.isfinite(w)) or (w < 0).any() or not w.sum() > 0:
        raise ValueError("sample_weight must be finite, non-negative and not all zero")
    return w


def tag(model, segments: pd.DataFrame, text_column: str | None = None, *, embeddings: Any = None) -> pd.DataFrame:
    """A copy of ``segments`` with ``theme_<id>`` (0/1) and ``score_<id>`` for every theme of ``model``."""
    if not isinstance(segments, pd.DataFrame):
        raise ValueError(f"tag expects a DataFrame (a segment table), got {type(segments).__name__}")
    col = text_column or model.text_column
    if col not in segments.columns:
        raise ParameterError(f"the table has no text column {col!r} (columns: {', '.join(map(str, segments.columns))})")
    texts = ["" if is_missing(v) else str(v) for v in segments[col].tolist()]
    emb = embeddings
    if emb is None and model.embedding_column in segments.columns and len(segments) and uses_stored_vectors(model):
        emb = np.stack([np.asarray(v, dtype=np.float32) for v in segments[model.embedding_column]])
    P = model.predict_proba(texts, embeddings=emb)
    return with_scores(model, segments, P)


def with_scores(model, segments: pd.DataFrame, P: np.ndarray) -> pd.DataFrame:
    """A copy of ``segments`` with the theme_/score_ columns for scores ``P`` (n, k), cut at ``model``'s thresholds."""
    P = np.asarray(P, dtype=np.float64)
    if P.shape != (len(segments), model.n_themes_):
        raise ValueError(f"scores have shape {P.shape}, expected ({len(segments)}, {model.n_themes_})")
    out = segments.copy()
    clash = [c for c in out.columns if c in {f"theme_{t}" for t in model.theme_ids_}
             or c in {f"score_{t}" for t in model.theme_ids_}]
    if clash:
        warnings.warn(f"tag: replacing existing column(s) {', '.join(clash)}", stacklevel=3)
    from insightkit.segments import add_theme_columns

    return add_theme_columns(out, model.theme_ids_, P, model.thresholds_)
