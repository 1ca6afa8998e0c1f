"""Per-theme decision thresholds, tuned on out-of-fold scores of the training data only."""

from __future__ import annotations

import numpy as np


def _f1_curve(p: np.ndarray, y: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """F1 of ``p >= t`` against 0/1 ``y`` for every threshold ``t`` in ``grid``."""
    pred = p[None, :] >= grid[:, None]
    tp = (pred & (y[None, :] == 1)).sum(axis=1)
    denom = pred.sum(axis=1) + y.sum()
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def tune_thresholds(P: np.ndarray, Y: np.ndarray, shrinkage: float = 20.0) -> tuple[np.ndarray, float]:
    """Per-theme thresholds maximising F1 of out-of-fold scores, shrunk to one shared threshold.

    Each theme's own best threshold is weighted by n_pos / (n_pos + shrinkage) against the
    threshold that maximises the mean F1 over all themes: a theme with five positives mostly
    follows the shared value, one with hundreds mostly its own. Within a plateau of equally good
    thresholds the middle one is taken, which is less brittle than the first.
    """
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    curves = np.stack([_f1_curve(P[:, j], Y[:, j], grid) for j in range(Y.shape[1])])  # (k, g)

    def plateau_mid(curve: np.ndarray) -> float:
        best = curve.max()
        idx = np.flatnonzero(curve >= best - 1e-9)
        # the longest run of best values around the first maximum
        run = [idx[0]]
        for i in idx[1:]:
            if i == run[-1] + 1:
                run.append(i)
            else:
                break
        return float(grid[run[len(run) // 2]])

    shared = plateau_mid(curves.mean(axis=0))
    own = np.array([plateau_mid(c) for c in curves])
    n_pos = Y.sum(axis=0).astype(float)
    w = n_pos / (n_pos + float(shrinkage)) if shrinkage > 0 else np.ones_like(n_pos)
    return np.round(w * own + (1 - w) * shared, 4), shared
