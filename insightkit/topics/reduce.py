"""UMAP on exact cosine neighbours: the same map UMAP would draw, without its JIT-heavy search.

UMAP finds neighbours with pynndescent, whose numba compilation costs a minute in every new
process on a 2-core machine. Up to a few tens of thousands of segments the exact k nearest
neighbours are cheaper with one matrix product per block, and they are exact and deterministic.
They are handed to UMAP as ``precomputed_knn``; the layout itself is UMAP's, with a fixed
``random_state``. ``transform`` (used by zero-shot mode) places new points at their fitted twin or
at the distance-weighted mean of their nearest fitted neighbours.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["ExactKnnUMAP", "exact_knn", "EXACT_KNN_MAX_N"]

#: Above this many points UMAP's own approximate search is used instead (n^2 products get slow).
EXACT_KNN_MAX_N = 30000
_BLOCK = 2048


def _unit(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


def exact_knn(X: np.ndarray, k: int, Y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices and cosine distances of the ``k`` nearest rows of ``X`` for each row of ``Y`` (default ``X``).

    Ties are broken by row index, so the result does not depend on BLAS threading.
    """
    X = _unit(X)
    Y = X if Y is None else _unit(Y)
    n, m = len(Y), len(X)
    k = min(k, m)
    idx = np.empty((n, k), dtype=np.int64)
    dist = np.empty((n, k), dtype=np.float32)
    for s in range(0, n, _BLOCK):
        sims = Y[s:s + _BLOCK] @ X.T
        sims = np.round(sims, 5)  # ignore last-bit differences between BLAS kernels
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < m else np.tile(np.arange(m), (len(sims), 1))
        psims = np.take_along_axis(sims, part, axis=1)
        order = np.lexsort((part, -psims), axis=1)
        idx[s:s + _BLOCK] = np.take_along_axis(part, order, axis=1)
        dist[s:s + _BLOCK] = np.clip(1.0 - np.take_along_axis(psims, order, axis=1), 0.0, 2.0)
    return idx, dist


class ExactKnnUMAP:
    """A UMAP reducer for BERTopic (``fit``/``fit_transform``/``transform``/``embedding_``)."""

    def __init__(self, n_neighbors: int = 15, n_components: int = 5, min_dist: float = 0.0,
                 random_state: int = 42, n_epochs: int | None = None):
        self.n_neighbors = int(n_neighbors)
        self.n_components = int(n_components)
        self.min_dist = float(min_dist)
        self.random_state = int(random_state)
        self.n_epochs = n_epochs
        self.embedding_ = None

    def get_params(self, deep: bool = False) -> dict:
        return {"n_neighbors": self.n_neighbors, "n_components": self.n_components, "min_dist": self.min_dist,
                "random_state": self.random_state, "n_epochs": self.n_epochs}

    def fit(self, X, y=None):
        from umap import UMAP

        X = _unit(np.nan_to_num(np.asarray(X, dtype=np.float32)))
        k = min(self.n_neighbors, len(X) - 1)
        kwargs = dict(n_neighbors=k, n_components=self.n_components, min_dist=self.min_dist, metric="cosine",
                      random_state=self.random_state, transform_seed=self.random_state, n_epochs=self.n_epochs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if len(X) <= EXACT_KNN_MAX_N:
                idx, dist = exact_knn(X, k)
                kwargs["precomputed_knn"] = (idx, dist, None)
            model = UMAP(**kwargs)
            if y is not None and np.any(np.asarray(y) != -1):
                self.embedding_ = model.fit_transform(X, y=np.asarray(y))
            else:
                self.embedding_ = model.fit_transform(X)
        self._X = X
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X, y).embedding_

    def transform(self, X) -> np.ndarray:
        """Coordinates of new rows: a fitted twin's, else the weighted mean of the nearest fitted rows."""
        X = np.nan_to_num(np.asarray(X, dtype=np.float32))
        if len(X) == 0:
            return np.zeros((0, self.n_components))
        if self._X is None or self.embedding_ is None:
            raise RuntimeError("ExactKnnUMAP.transform called before fit")
        idx, dist = exact_knn(self._X, min(self.n_neighbors, len(self._X)), X)
        w = 1.0 / (dist + 1e-6)
        twin = dist[:, 0] < 1e-5
        w[twin] = 0.0
        w[twin, 0] = 1.0
        w = w / w.sum(axis=1, keepdims=True)
        return np.einsum("nk,nkd->nd", w, self.embedding_[idx])
