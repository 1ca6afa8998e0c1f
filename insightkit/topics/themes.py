"""Themes in topic modelling: the tags of a table, codebook themes for guided and zero-shot modes,
and the theme each topic belongs to."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from insightkit.errors import InputError, ParameterError
from insightkit.segments import theme_ids
from insightkit.topics.params import STOP_WORDS

__all__ = ["codebook_themes", "default_codebook_themes", "tag_matrix", "seed_lists", "topic_theme_columns",
           "tag_untagged"]


def codebook_themes(themes) -> list | None:
    """Theme objects (``id``, ``label``, ``description``, ``includes``) of a Codebook-like object."""
    if themes is not None and hasattr(themes, "themes"):
        return list(themes.themes)
    if isinstance(themes, (list, tuple)) and themes and all(hasattr(t, "id") and hasattr(t, "label") for t in themes):
        return list(themes)
    return None


def default_codebook_themes():
    try:
        from insightkit.codebook import Codebook
    except ImportError as exc:  # pragma: no cover - codebook ships with the package
        raise ParameterError("guided and zero-shot modes need a codebook: pass themes=Codebook(...)") from exc
    return list(Codebook.default().themes)


def _as_flags(series: pd.Series, name: str) -> np.ndarray:
    values = pd.to_numeric(series.replace({"": np.nan, "True": 1, "False": 0, "true": 1, "false": 0}),
                           errors="coerce")
    bad = series.notna() & (series.astype(str).str.strip() != "") & values.isna()
    if bad.any():
        raise InputError(None, f"column {name} must hold 0/1 tags; row {int(np.flatnonzero(bad.to_numpy())[0])} "
                               f"has {series[bad].iloc[0]!r}")
    return (values.fillna(0).to_numpy(dtype=float) > 0.5)


def tag_matrix(df: pd.DataFrame, ids: list[str]) -> tuple[np.ndarray | None, np.ndarray | None, list[str]]:
    """(tags n x k bool, scores n x k float or None, ids that have a theme column)."""
    present = [t for t in ids if f"theme_{t}" in df.columns]
    if not present:
        return None, None, []
    tags = np.column_stack([_as_flags(df[f"theme_{t}"], f"theme_{t}") for t in present])
    if all(f"score_{t}" in df.columns for t in present):
        scores = np.column_stack([pd.to_numeric(df[f"score_{t}"], errors="coerce").fillna(0).to_numpy(float)
                                  for t in present])
    else:
        scores = None
    return tags, scores, present


def seed_lists(themes: list) -> list[list[str]]:
    """Seed words per theme for guided mode: its ``includes`` cues plus their content words."""
    stop = set(STOP_WORDS)
    out = []
    for th in themes:
        cues = [str(c).lower() for c in (getattr(th, "includes", None) or ())] or [str(th.label).lower()]
        words = []
        for c in cues:
            for w in re.findall(r"[a-z][a-z\-]+", c):
                if w not in stop and w not in words:
                    words.append(w)
        out.append(cues + words)
    return out


def topic_theme_columns(table: pd.DataFrame, topics: np.ndarray, tags, open_, theme_ids: list[str],
                       emergent_share: float, *, zeroshot: dict[int, str], zeroshot_mode: bool) -> pd.DataFrame:
    """The topic table with theme (dominant tagged theme; empty when emergent), theme_share,
    open_share and emergent. (Not the segment table's ``theme_<id>`` columns: see
    :func:`insightkit.segments.add_theme_columns` for those.)"""
    theme, theme_share, open_share, emergent = [], [], [], []
    for t in table["topic"].astype(int):
        members = topics == t
        if tags is not None and members.any():
            shares = tags[members].mean(axis=0)
            o = float(open_[members].mean())
            j = int(np.argmax(shares)) if len(shares) else -1
            is_em = t != -1 and o >= emergent_share
            th = theme_ids[j] if j >= 0 and shares[j] > 0 and not is_em and t != -1 else ""
            if t in zeroshot and not is_em:
                th = zeroshot[t]
            theme.append(th)
            theme_share.append(round(float(shares[j]), 4) if th and j >= 0 and theme_ids[j] == th else
                               (round(float(shares[theme_ids.index(th)]), 4) if th in theme_ids else np.nan))
            open_share.append(round(o, 4))
            emergent.append(bool(is_em))
        else:
            th = zeroshot.get(t, "")
            theme.append(th)
            theme_share.append(np.nan)
            open_share.append(np.nan)
            # without tags, zero-shot mode can still say which topics matched no codebook theme
            emergent.append(bool(zeroshot_mode and t != -1 and t not in zeroshot))
    out = table.copy()
    out["theme"] = theme
    out["theme_share"] = theme_share
    out["open_share"] = open_share
    out["emergent"] = emergent
    cols = ["topic", "label", "keywords", "size", "theme", "emergent", "phrase", "representative_ids",
            "representative_text", "theme_share", "open_share"]
    return out[cols]


def tag_untagged(df: pd.DataFrame, text_column: str, notes: list[str]) -> pd.DataFrame:
    """The table tagged with the shipped theme model (``theme_<id>``/``score_<id>`` added), if the
    classifier is installed and works; else the table as it is. Either way ``notes`` says what happened.
    A model that is not the pinned one ($INSIGHTKIT_MODEL_SHA256) is refused, never run around."""
    try:
        from insightkit.classify import load_model
    except ImportError:
        notes.append("the table has no theme_<id> columns and no theme classifier is available: "
                     "topics are not linked to themes")
        return df
    try:
        model = load_model()
        tag = getattr(model, "tag", None)
        if tag is None:
            raise AttributeError("the theme model has no tag() method")
        try:
            tagged = tag(df, text_column=text_column)
        except TypeError:
            tagged = tag(df)
        tagged = getattr(tagged, "segments", tagged)
    except Exception as exc:  # the topic run must go on untagged rather than fail
        from insightkit.integrity import ModelDigestError

        if isinstance(exc, ModelDigestError):
            raise  # not the pinned model ($INSIGHTKIT_MODEL_SHA256): refused, never run around
        notes.append(f"could not tag the table with the shipped theme model ({exc}); running untagged")
        return df
    if not theme_ids(tagged) or len(tagged) != len(df):
        notes.append("the theme model returned no theme columns; running untagged")
        return df
    notes.append("tagged with the shipped theme model (theme_<id>/score_<id> columns added)")
    return tagged
