"""Zero-shot scoring: a text's similarity to each theme's description, cues and examples.

For a codebook that has no labelled texts yet. A text's score for a theme is
sigmoid(_ZS_SLOPE * (sim - centre)) where ``centre`` sits between how close the theme's own cues
are to each other and how close they are to other themes' cues (:func:`zero_shot_centres`);
_ZS_RELATIVE adds a pull towards the text's best-matching theme, because a theme's similarity
means more relative to the others.
"""

from __future__ import annotations

import warnings

import numpy as np

from insightkit.classify.views import _sigmoid

_ZS_SLOPE = 25.0
_ZS_RELATIVE = 12.0


def prepare_zero_shot(model) -> None:
    """Embed each theme's prototypes and place its sigmoid centre between in- and out-theme similarity."""
    embedder = model._embedder()
    protos = [t.prototypes() for t in model.codebook_.themes]
    flat = [p for ps in protos for p in ps]
    V = embedder.encode(flat)
    owner = np.repeat(np.arange(len(protos)), [len(p) for p in protos])
    model.prototypes_ = V
    model.prototype_owner_ = owner
    model.zs_centres_ = zero_shot_centres(V, owner, len(protos))


def zero_shot_scores(model, E: np.ndarray) -> np.ndarray:
    """Scores (n_texts, n_themes) of texts with embeddings ``E`` against a prepared model's prototypes."""
    S = _theme_similarity(E, model.prototypes_, model.prototype_owner_, model.n_themes_)
    rel = S - S.max(axis=1, keepdims=True)
    return _sigmoid(_ZS_SLOPE * (S - model.zs_centres_) + _ZS_RELATIVE * rel)


def zero_shot_centres(V: np.ndarray, owner: np.ndarray, k: int) -> np.ndarray:
    """Per theme, the midpoint between its prototypes' similarity to itself and to other themes."""
    S = _theme_similarity(V, V, owner, k, exclude_self=True)  # (n_protos, k)
    centres = np.zeros(k)
    for j in range(k):
        own = S[owner == j, j]
        others = S[owner != j, j]
        own_m = float(np.nanmean(own)) if np.isfinite(own).any() else float(np.nanmax(S[:, j]))
        oth_m = float(np.nanmean(others)) if len(others) else own_m - 0.2
        centres[j] = 0.5 * (own_m + oth_m)
    return centres


def _theme_similarity(E: np.ndarray, V: np.ndarray, owner: np.ndarray, k: int,
                      exclude_self: bool = False) -> np.ndarray:
    """(n, k): for each text and theme, the mean of the text's cosine to the theme's head prototype
    (label + description) and to its best-matching cue or example."""
    sims = E @ V.T
    if exclude_self:
        np.fill_diagonal(sims, np.nan)
    out = np.zeros((E.shape[0], k))
    for j in range(k):
        idx = np.flatnonzero(owner == j)
        head = sims[:, idx[0]]
        if len(idx) > 1:
            rest = sims[:, idx[1:]]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                best = np.nanmax(rest, axis=1)
            best = np.where(np.isnan(best), head, best)
            head = np.where(np.isnan(head), best, head)
            out[:, j] = 0.5 * head + 0.5 * best
        else:
            out[:, j] = head
    return out
