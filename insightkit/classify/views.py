"""The views of a text and their per-theme models: how each view is fitted and scored.

A view turns texts into per-theme scores in [0, 1]:

* ``embedding``: a logistic regression per theme on the text's sentence embedding;
* ``words`` and ``chars``: a logistic regression per theme on word or character n-gram TF-IDF;
* ``neighbours``: the similarity-weighted share of each theme among the text's nearest training
  texts in embedding space (nothing to fit: the training vectors and labels are kept).

A fitted view is a dict: ``coef``/``intercept``/``vectorizer`` for a regression view,
``vectors``/``labels`` for the neighbours view. :func:`fit_views` fits every view of a model,
:func:`view_proba` scores one regression view; :mod:`insightkit.classify.scoring` combines them.
To add a view, see ``docs/classifier.md`` ("Adding a view").
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

FEATURES = ("embedding", "words", "chars", "neighbours")
#: views that read the text's embedding (the others read its words)
_EMBEDDING_VIEWS = ("embedding", "neighbours")
#: "neighbours" view: softmax temperature over cosine similarities of the k nearest training texts
_NN_TEMPERATURE = 20.0

_TFIDF_PARAMS = {
    "words": {"analyzer": "word", "ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True,
              "lowercase": True, "strip_accents": "unicode", "token_pattern": r"(?u)\b\w[\w'-]*\b"},
    "chars": {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "sublinear_tf": True,
              "lowercase": True, "strip_accents": "unicode"},
}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _embeddings_for(view: str, E: np.ndarray | None) -> np.ndarray:
    """``E``, which the embedding and neighbours views cannot do without."""
    if E is None:
        raise ValueError(f"internal error: the {view!r} view needs embeddings")
    return E


def _unit_rows(E: np.ndarray) -> np.ndarray:
    E = np.asarray(E, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    return E / np.where(norms > 0, norms, 1.0)


def _neighbour_scores(Q: np.ndarray, V: np.ndarray, L: np.ndarray, k: int, chunk: int = 2048) -> np.ndarray:
    """Per theme, the similarity-weighted share of positives among a text's k nearest training texts.

    ``Q`` (n, d) query vectors, ``V`` (m, d) unit-length training vectors, ``L`` (m, t) their 0/1
    labels. Weights are a softmax of cosine similarity (temperature ``_NN_TEMPERATURE``); queries
    are scored in chunks so memory stays at chunk x m however many texts are tagged.
    """
    k = max(1, min(int(k), V.shape[0]))
    Q = _unit_rows(Q)
    V = np.asarray(V, dtype=np.float64)
    L = np.asarray(L, dtype=np.float64)
    out = np.zeros((Q.shape[0], L.shape[1]))
    for s in range(0, Q.shape[0], chunk):
        S = Q[s:s + chunk] @ V.T
        idx = np.argpartition(-S, k - 1, axis=1)[:, :k] if k < V.shape[0] else np.broadcast_to(
            np.arange(V.shape[0]), S.shape)
        sims = np.take_along_axis(S, idx, axis=1)
        w = np.exp(_NN_TEMPERATURE * (sims - sims.max(axis=1, keepdims=True)))
        w /= w.sum(axis=1, keepdims=True)
        out[s:s + chunk] = np.einsum("nk,nkt->nt", w, L[idx])
    return out


def _make_vectorizer(view: str, max_features: int, vocabulary=None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    params = dict(_TFIDF_PARAMS[view])
    return TfidfVectorizer(max_features=max_features if vocabulary is None else None,
                           vocabulary=vocabulary, dtype=np.float64, **params)


def _fit_vectorizer(view: str, texts: Sequence[str], max_features: int):
    vec = _make_vectorizer(view, max_features)
    try:
        X = vec.fit_transform(texts)
    except ValueError:  # too few texts for min_df=2: keep every term seen
        vec.set_params(min_df=1)
        X = vec.fit_transform(texts)
    return vec, X


def _ngram_transformer(part: dict):
    """The view's fast TF-IDF transform (same matrix as its vectoriser's), built once per view."""
    from insightkit.ngrams import NgramTransformer

    ng = part.get("ngrams")
    if ng is None or ng.vectorizer is not part["vectorizer"]:
        ng = part["ngrams"] = NgramTransformer(part["vectorizer"])
    return ng


def _fit_logreg(X, y: np.ndarray, C: float, class_weight, seed: int, dense: bool, sample_weight=None):
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():  # a fold without positives (or negatives) of a rare theme: predict its base rate
        rate = (y.sum() + 0.5) / (len(y) + 1.0)
        return np.zeros(X.shape[1], dtype=np.float64), float(np.log(rate / (1 - rate)))

    solver = "lbfgs" if dense else "liblinear"
    model = LogisticRegression(C=C, class_weight=class_weight, solver=solver, max_iter=5000,
                               random_state=seed, tol=1e-6)
    # one BLAS thread: many small fits are faster without thread contention, and the weights do
    # not depend on how many cores the machine has
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        model.fit(X, y, sample_weight=sample_weight)
    return model.coef_.ravel().astype(np.float64), float(model.intercept_[0])


def tfidf_config(features: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The TF-IDF settings of the n-gram views among ``features`` (JSON-safe), as meta.json records them."""
    return {v: {k: (list(x) if isinstance(x, tuple) else x) for k, x in _TFIDF_PARAMS[v].items()}
            for v in ("words", "chars") if v in features}


def fit_views(model, texts: list[str], E: np.ndarray | None, Y: np.ndarray, bar=None, *,
              sample_weight: np.ndarray | None = None) -> dict:
    """Every view of ``model`` (``features_``) fitted on texts, their embeddings ``E`` and labels ``Y``
    (``sample_weight`` weighs the regressions; the neighbours view keeps every text as it is)."""
    views: dict[str, dict] = {}
    k = Y.shape[1]
    for view in model.features_:
        if view == "neighbours":  # nothing to fit: keep unit-length vectors and the labels
            views[view] = {"vectors": _unit_rows(_embeddings_for(view, E)).astype(np.float32), "labels": Y.astype(np.uint8),
                           "vectorizer": None}
            if bar is not None:
                bar.update(k)
            continue
        if view == "embedding":
            X, vec = _embeddings_for(view, E).astype(np.float64), None
            C, dense = float(model.C_embedding), True
        else:
            cap = int(model.max_words if view == "words" else model.max_chars)
            vec, X = _fit_vectorizer(view, texts, cap)
            C, dense = float(model.C_words if view == "words" else model.C_chars), False
        coef = np.zeros((k, X.shape[1]), dtype=np.float64)
        intercept = np.zeros(k, dtype=np.float64)
        for j in range(k):
            coef[j], intercept[j] = _fit_logreg(X, Y[:, j], C, model.class_weight, int(model.seed), dense,
                                                sample_weight)
            if bar is not None:
                bar.update(1)
        views[view] = {"coef": coef, "intercept": intercept, "vectorizer": vec}
    return views


def view_proba(view: str, part: dict, texts: list[str], E: np.ndarray | None) -> np.ndarray:
    """One logistic-regression view's scores (n_texts, n_themes)."""
    if view == "embedding":
        z = _embeddings_for(view, E).astype(np.float64) @ part["coef"].T + part["intercept"]
    else:
        X = _ngram_transformer(part).transform(texts)
        z = np.asarray(X @ part["coef"].T) + part["intercept"]
    return _sigmoid(z)
