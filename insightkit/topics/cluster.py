"""A clustering step that cannot crash: HDBSCAN where the data carry it, a fallback otherwise.

BERTopic takes any estimator with ``fit`` and ``labels_`` as its cluster model. HDBSCAN raises on
inputs smaller than ``min_samples`` and may return no cluster at all on small or uniform corpora;
this class then falls back to hierarchical (Ward) clustering, cutting the tree at the number of
topics with the best silhouette, and to a single topic where no cut separates anything. Every
step is deterministic; ``method_`` and ``note_`` say what happened.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["AdaptiveClusterer"]

#: Above this many points the fallback uses k-means (Ward's O(n^2) memory is too much).
_WARD_MAX_N = 3000
#: Silhouette below which a cut is not believed: everything becomes one topic.
MIN_SILHOUETTE = 0.04


class AdaptiveClusterer:
    """Cluster model for BERTopic (``fit``/``predict``/``labels_``) that never raises on small data.

    ``use_hdbscan=False`` goes straight to the hierarchical fallback (small corpora). Clusters
    smaller than ``min_cluster_size`` become outliers (-1), as HDBSCAN would mark them.
    """

    def __init__(self, min_cluster_size: int = 5, min_samples: int | None = None, *, use_hdbscan: bool = True,
                 max_topics: int = 10, normalize: bool = False, seed: int = 42,
                 min_silhouette: float = MIN_SILHOUETTE, max_cluster_size: int | None = None):
        self.min_cluster_size = max(2, int(min_cluster_size))
        self.min_samples = None if min_samples is None else max(1, int(min_samples))
        self.use_hdbscan = use_hdbscan
        self.max_topics = max(1, int(max_topics))
        self.normalize = normalize
        self.seed = int(seed)
        self.min_silhouette = float(min_silhouette)
        self.max_cluster_size = int(max_cluster_size) if max_cluster_size else 0

    # sklearn-style parameters so BERTopic's get_params/str work on it
    def get_params(self, deep: bool = False) -> dict:
        return {k: getattr(self, k) for k in ("min_cluster_size", "min_samples", "use_hdbscan", "max_topics",
                                              "normalize", "seed", "min_silhouette", "max_cluster_size")}

    def _prep(self, X) -> np.ndarray:
        X = np.nan_to_num(np.asarray(X, dtype=np.float64))
        if self.normalize:
            norms = np.linalg.norm(X, axis=1, keepdims=True)
            X = X / np.where(norms > 0, norms, 1.0)
        return X

    def fit(self, X, y=None):
        X = self._prep(X)
        n = len(X)
        self.note_ = ""
        labels = None
        probs = None
        if n == 0:
            self.labels_ = np.zeros(0, dtype=int)
            self.probabilities_ = np.zeros(0)
            self.method_ = "none"
            self._centroids = np.zeros((0, X.shape[1] if X.ndim == 2 else 0))
            return self
        if self.use_hdbscan and n >= max(2 * self.min_cluster_size, (self.min_samples or 0) + 1):
            labels, probs = self._hdbscan(X)
        if labels is None:
            labels = self._hierarchical(X)
            probs = (labels >= 0).astype(float)
        self.labels_ = np.asarray(labels, dtype=int)
        self.probabilities_ = np.asarray(probs, dtype=float)
        ids = sorted(set(self.labels_) - {-1})
        self._centroids = np.array([X[self.labels_ == k].mean(axis=0) for k in ids]) if ids else np.zeros((0, X.shape[1]))
        self._centroid_ids = np.array(ids, dtype=int)
        return self

    def predict(self, X) -> np.ndarray:
        X = self._prep(X)
        if len(self._centroid_ids) == 0:
            return np.full(len(X), -1, dtype=int)
        d = ((X[:, None, :] - self._centroids[None, :, :]) ** 2).sum(axis=2)
        return self._centroid_ids[np.argmin(d, axis=1)]

    # ------------------------------------------------------------------------------------
    def _hdbscan(self, X):
        try:
            from hdbscan import HDBSCAN

            model = HDBSCAN(min_cluster_size=self.min_cluster_size, min_samples=self.min_samples,
                            metric="euclidean", cluster_selection_method="eom", prediction_data=False,
                            max_cluster_size=self.max_cluster_size)
        except ImportError:  # pragma: no cover - hdbscan comes with bertopic
            from sklearn.cluster import HDBSCAN

            model = HDBSCAN(min_cluster_size=self.min_cluster_size, min_samples=self.min_samples,
                            max_cluster_size=self.max_cluster_size or None)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X)
        except (ValueError, IndexError) as exc:  # tiny or degenerate input
            self.note_ = f"HDBSCAN could not cluster these segments ({exc}); fell back to hierarchical clustering"
            return None, None
        labels = np.asarray(model.labels_, dtype=int)
        k = len(set(labels) - {-1})
        if k < 2:
            self.note_ = (f"HDBSCAN found {k} cluster(s) in {len(X)} segments; "
                          "fell back to hierarchical clustering")
            return None, None
        self.method_ = "hdbscan"
        return labels, np.asarray(getattr(model, "probabilities_", (labels >= 0).astype(float)), dtype=float)

    def _hierarchical(self, X) -> np.ndarray:
        """Cut a Ward tree (k-means above ``_WARD_MAX_N``) at the k with the best silhouette."""
        from sklearn.metrics import silhouette_score

        n = len(X)
        kmax = min(self.max_topics, n // self.min_cluster_size, n - 1)
        distinct = len(np.unique(np.round(X, 6), axis=0))
        kmax = min(kmax, distinct)
        self.method_ = "single"
        if n < self.min_cluster_size:  # e.g. the few segments zero-shot mode leaves to cluster
            self.method_ = "none"
            return np.full(n, -1, dtype=int)
        if kmax < 2:
            return np.zeros(n, dtype=int)
        candidates = {}
        if n <= _WARD_MAX_N:
            from scipy.cluster.hierarchy import fcluster, linkage

            tree = linkage(X, method="ward")
            for k in range(2, kmax + 1):
                candidates[k] = fcluster(tree, t=k, criterion="maxclust") - 1
            method = "ward"
        else:
            from sklearn.cluster import KMeans

            for k in range(2, kmax + 1):
                candidates[k] = KMeans(n_clusters=k, n_init=4, random_state=self.seed).fit_predict(X)
            method = "kmeans"
        rng = np.random.default_rng(self.seed)
        sample = np.sort(rng.choice(n, size=min(n, 2000), replace=False))
        best_k, best_s = None, -1.0
        for k, lab in candidates.items():
            big = self._drop_small(lab)
            keep = big[sample] >= 0
            if len(set(big[sample][keep])) < 2 or keep.sum() <= len(set(big[sample][keep])):
                continue
            s = float(silhouette_score(X[sample][keep], big[sample][keep], metric="euclidean"))
            if s > best_s + 1e-9:
                best_k, best_s = k, s
        if best_k is None or best_s < self.min_silhouette:
            note = "no split of these segments into topics was clear; kept them as one topic"
            self.note_ = f"{self.note_}; {note}" if self.note_ else note
            return np.zeros(n, dtype=int)
        self.method_ = method
        return self._relabel(self._drop_small(candidates[best_k]))

    def _drop_small(self, labels: np.ndarray) -> np.ndarray:
        labels = np.asarray(labels, dtype=int).copy()
        ids, counts = np.unique(labels[labels >= 0], return_counts=True)
        for k, c in zip(ids, counts):
            if c < self.min_cluster_size:
                labels[labels == k] = -1
        return labels

    @staticmethod
    def _relabel(labels: np.ndarray) -> np.ndarray:
        """Ids 0..k-1 in order of first appearance (BERTopic re-sorts them by size later)."""
        out = np.full(len(labels), -1, dtype=int)
        mapping: dict[int, int] = {}
        for i, lab in enumerate(labels):
            if lab >= 0:
                out[i] = mapping.setdefault(int(lab), len(mapping))
        return out
