"""The theme classifier: multi-label tagging of texts with a codebook's themes.

Why it is built this way:

* Several views of a text, each with its own regularised logistic regression per theme, averaged:
  sentence-transformer embeddings (all-MiniLM-L6-v2) carry meaning across wordings the training set
  never used; word and character n-gram TF-IDF carry the exact vocabulary of a domain (EPR, DSPT,
  RPA) and survive typos. Averaging the probabilities of separately regularised views did better
  when training on three writers' texts and testing on a fourth than one model over all features
  (see ``docs/classifier.md`` for that and the other evidence). A fourth view, "neighbours", scores
  a theme by its share among the text's nearest training texts in embedding space; it helped in
  cross-validation on both our corpus and the pxtextmining data (``benchmarks/classifier_tuning.py``).
* Per-theme decision thresholds are tuned on out-of-fold predictions of the training data only
  (stratified multi-label K-fold), then shrunk towards one shared threshold so that a theme with
  few examples does not get a threshold fitted to noise.
* A zero-shot mode scores texts by their similarity to each theme's description, cues and examples,
  for a codebook that has no labelled texts yet.
* A fast mode (``speed="fast"``) swaps MiniLM for static vectors distilled from it (model2vec),
  tens of times faster on a CPU. Its vectors differ from MiniLM's, so it is a second, separately
  trained head with its own thresholds (``fast_head=True``; saved in the sub-folder ``fast/``),
  never MiniLM's weights applied to other vectors (see ``docs/fast_mode.md``).
* A model is a folder: ``meta.json`` plus safetensors weights and JSON vocabularies, each file hashed
  in ``meta.json``; loading refuses an altered folder or a different embedding model. Nothing is
  pickled.

The estimator follows scikit-learn's API (``fit``, ``predict_proba``, ``predict``, ``get_params``) so
it works in ``cross_validate`` and a ``Pipeline``; X is a sequence of texts or a DataFrame with a
text column (and, optionally, a column of precomputed embeddings).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from threadpoolctl import threadpool_limits

from insightkit.codebook import Codebook
from insightkit.errors import ModelError
from insightkit.sentences import SentenceSplitter, sentence_spans

__all__ = [
    "ThemeClassifier",
    "load_model",
    "default_model_path",
    "verify_model_folder",
    "split_sentence_spans",
    "FEATURES",
    "SPEEDS",
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
]

MODEL_FORMAT = "insightkit-theme-model"
MODEL_FORMAT_VERSION = 1
DEFAULT_MODEL = "nhs-digital"
FEATURES = ("embedding", "words", "chars", "neighbours")
#: views that read the text's embedding (the others read its words)
_EMBEDDING_VIEWS = ("embedding", "neighbours")
#: "neighbours" view: softmax temperature over cosine similarities of the k nearest training texts
_NN_TEMPERATURE = 20.0
#: sentences for sentence-level scoring: the one splitter, fragments under 3 characters left out
_SCORING_SPLITTER = SentenceSplitter(min_chars=3)
#: "default": MiniLM sentence embeddings; "fast": static model2vec vectors distilled from it
SPEEDS = ("default", "fast")
_FAST_DIR = "fast"
_WEIGHTS = "weights.safetensors"
_META = "meta.json"

#: Zero-shot calibration: a text's score for a theme is sigmoid(_ZS_SLOPE * (sim - centre)) where
#: ``centre`` sits between how close the theme's own cues are to each other and how close they are
#: to other themes' cues (see ``_zero_shot_centres``); _ZS_RELATIVE adds a pull towards the
#: text's best-matching theme, because a theme's similarity means more relative to the others.
_ZS_SLOPE = 25.0
_ZS_RELATIVE = 12.0


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------

def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    from insightkit.integrity import file_sha256

    return file_sha256(path)


def training_data_hash(texts: Sequence[str], Y: np.ndarray, theme_ids: Sequence[str]) -> str:
    """sha256 over the texts, the theme ids and the label matrix, in order: what the model learned from."""
    h = hashlib.sha256()
    h.update(json.dumps(list(theme_ids)).encode())
    for t, row in zip(texts, np.asarray(Y, dtype=np.int8)):
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
        h.update(row.tobytes())
        h.update(b"\x01")
    return h.hexdigest()


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


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


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


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


#: Largest difference allowed between a fast model's stored probe vectors and those of the static
#: table in use when the table's sha256 differs (float rounding of another CPU or BLAS; a different
#: table, PCA basis or sign differs by orders of magnitude more). See docs/fast_mode.md.
STATIC_FINGERPRINT_TOL = 1e-4


def _check_static_source(emb_meta: dict, embedding_model: str | None, path: Path) -> None:
    """A fast model's static vectors must come from the installed sentence-transformer."""
    from insightkit.embed import STATIC_FORMAT, default_model_path, model_weights_hash

    static = emb_meta.get("static")
    if not isinstance(static, dict) or "sha256" not in static or "source_sha256" not in static:
        raise ModelError(f"{path / _META}: a fast-mode model must record its static vectors (embedding.static)")
    if static.get("format") != STATIC_FORMAT:
        raise ModelError(f"{path / _META}: static vectors of format {static.get('format')!r}; this insightkit "
                         f"makes format {STATIC_FORMAT}: retrain the model")
    src = Path(embedding_model) if embedding_model else default_model_path()
    try:
        installed = model_weights_hash(src)
    except Exception as exc:
        raise ModelError(f"{path}: the fast head needs the embedding model it was distilled from "
                         f"({emb_meta.get('name')}): {exc}") from exc
    if installed != static["source_sha256"]:
        raise ModelError(
            f"{path}: the fast head's static vectors were distilled from embedding weights sha256 "
            f"{static['source_sha256'][:16]}… but the embedding model in use has {installed[:16]}…; retrain the model")


def _check_static_table(emb, expected: dict, path: Path | None) -> None:
    """Refuse a static table other than the one a fast model was trained on (ModelError).

    Equal sha256: fine. Otherwise the stored probe vectors decide: a table distilled on another
    CPU may differ in the last float bits (accepted when every probe coordinate is within
    ``STATIC_FINGERPRINT_TOL``); anything more is a different table and is refused, never used.
    """
    where = f"{path}: " if path else ""
    desc = emb.describe()
    if desc["settings"] != expected.get("settings") or desc["dim"] != expected.get("dim"):
        raise ModelError(f"{where}the static vectors in use (settings {desc['settings']}, dim {desc['dim']}) are not "
                         f"those the fast head was trained on (settings {expected.get('settings')}, "
                         f"dim {expected.get('dim')}); retrain the model")
    if desc["sha256"] == expected["sha256"]:
        return
    fp = expected.get("fingerprint")
    folder = getattr(emb, "folder", None)
    hint = (f"delete {folder} to distil them again, or retrain the model" if folder is not None
            else "retrain the model")
    if fp is None:
        raise ModelError(f"{where}the static vectors in use (sha256 {desc['sha256'][:16]}…) are not the ones the fast "
                         f"head was trained on ({expected['sha256'][:16]}…); {hint}")
    got = np.asarray(emb.fingerprint(), dtype=np.float64)
    fp = np.asarray(fp, dtype=np.float64)
    diff = float(np.max(np.abs(got - fp))) if got.shape == fp.shape else float("inf")
    if not diff <= STATIC_FINGERPRINT_TOL:
        raise ModelError(f"{where}the static vectors in use (sha256 {desc['sha256'][:16]}…) differ from the ones the "
                         f"fast head was trained on ({expected['sha256'][:16]}…) by up to {diff:.3g} on the probe "
                         f"phrases (tolerance {STATIC_FINGERPRINT_TOL:g}); {hint}")


# ----------------------------------------------------------------------------------------------
# feature views
# ----------------------------------------------------------------------------------------------

_TFIDF_PARAMS = {
    "words": {"analyzer": "word", "ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True,
              "lowercase": True, "strip_accents": "unicode", "token_pattern": r"(?u)\b\w[\w'-]*\b"},
    "chars": {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "sublinear_tf": True,
              "lowercase": True, "strip_accents": "unicode"},
}


def split_sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the sentences of ``text`` for sentence-level scoring: the one sentence splitter
    (:mod:`insightkit.sentences`), fragments under 3 characters left out; the whole text if none is left."""
    return sentence_spans(text, _SCORING_SPLITTER) or [(0, len(text))]


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


def _fit_logreg(X, y: np.ndarray, C: float, class_weight, seed: int, dense: bool):
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
        model.fit(X, y)
    return model.coef_.ravel().astype(np.float64), float(model.intercept_[0])


# ----------------------------------------------------------------------------------------------
# the estimator
# ----------------------------------------------------------------------------------------------

class ThemeClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label theme classifier over a :class:`~insightkit.codebook.Codebook`.

    Parameters
    ----------
    codebook : Codebook, optional
        The themes, in column order of ``Y``. Without one, themes are named after the columns of a
        DataFrame ``Y`` (or ``theme_0``...) and described by their names.
    features : tuple of {"embedding", "words", "chars", "neighbours"}
        The views whose per-theme scores are averaged: logistic regressions on the embedding and on
        word and character TF-IDF, and "neighbours", the similarity-weighted share of each theme
        among a text's nearest training texts in embedding space (it keeps the training texts'
        embeddings, not their words, in the model folder).
    C_embedding, C_words, C_chars : float
        Inverse regularisation strength of each view's logistic regressions.
    n_neighbours : int
        How many nearest training texts the "neighbours" view reads.
    view_weights : dict, optional
        Weight of each view in the average (default: equal).
    class_weight : "balanced" or None
        Reweight positives of rare themes while fitting (thresholds are tuned afterwards anyway).
    max_words, max_chars : int
        Vocabulary caps for the TF-IDF views (keeps a model folder small).
    threshold_folds : int
        Folds of the internal cross-validation that tunes the per-theme thresholds (0: all 0.5).
    threshold_shrinkage : float
        Pseudo-count pulling each theme's threshold towards the shared one (see ``tune_thresholds``).
    zero_shot : bool
        Score by similarity to the codebook only; ``fit`` needs no labels.
    text_column, embedding_column : str
        Columns read when X is a DataFrame; ``embedding_column`` is used only if present.
    embedding_model : str, optional
        Folder of a sentence-transformers model; default: the installed all-MiniLM-L6-v2.
    seed : int
        Seeds the folds and the solvers: same data and seed give the same weights.
    show_progress : bool
        Progress bars while fitting and encoding.
    speed : {"default", "fast"}
        Which vectors the "embedding" view uses: "default" encodes with the sentence-transformer
        (MiniLM); "fast" uses static token vectors distilled from the same model with model2vec
        (:class:`~insightkit.embed.StaticEmbedder`), tens of times faster on a CPU, and never loads
        the transformer. A "fast" classifier is a complete estimator of its own.
    fast_head : bool
        Also fit a second, separately trained classifier with ``speed="fast"`` (same views and data,
        its own cross-validated thresholds), kept as ``fast_`` and saved in the sub-folder ``fast/``,
        so that ``predict(X, speed="fast")`` works on this model. Only for ``speed="default"``.
    fast_params : dict, optional
        Constructor parameters of the fast head that differ from this model's (e.g. ``C_embedding``).
    sentence_weight : float in [0, 1]
        Weight of sentence-level scoring (0 turns it off). A text of several sentences also gets,
        from each of the embedding, words and chars views it has (the neighbours view reads whole
        texts only), the highest score any one of its sentences gets, and its score is
        ``(1 - w) * whole-text score + w * that``: a theme raised in one sentence of a long answer
        is not diluted by the rest. It costs encoding every sentence of such texts as well as the
        text (with ``embeddings=`` given, the sentences are still encoded by the model's encoder);
        see ``docs/classifier.md`` for what it gained in cross-validation and what it costs.
    """

    def __init__(self, codebook: Codebook | None = None, *, features: Sequence[str] = FEATURES,
                 C_embedding: float = 4.0, C_words: float = 16.0, C_chars: float = 16.0,
                 n_neighbours: int = 30, view_weights: dict | None = None, class_weight: str | None = "balanced",
                 max_words: int = 20000, max_chars: int = 30000, threshold_folds: int = 5,
                 threshold_shrinkage: float = 20.0, zero_shot: bool = False, text_column: str = "text",
                 embedding_column: str = "embedding", embedding_model: str | None = None, seed: int = 0,
                 show_progress: bool = False, speed: str = "default", fast_head: bool = False,
                 fast_params: dict | None = None, sentence_weight: float = 0.5):
        self.codebook = codebook
        self.features = features
        self.C_embedding = C_embedding
        self.C_words = C_words
        self.C_chars = C_chars
        self.n_neighbours = n_neighbours
        self.view_weights = view_weights
        self.class_weight = class_weight
        self.max_words = max_words
        self.max_chars = max_chars
        self.threshold_folds = threshold_folds
        self.threshold_shrinkage = threshold_shrinkage
        self.zero_shot = zero_shot
        self.text_column = text_column
        self.embedding_column = embedding_column
        self.embedding_model = embedding_model
        self.seed = seed
        self.show_progress = show_progress
        self.speed = speed
        self.fast_head = fast_head
        self.fast_params = fast_params
        self.sentence_weight = sentence_weight

    # scikit-learn metadata -------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        if tags.classifier_tags is not None:
            tags.classifier_tags.multi_label = True
        return tags

    @classmethod
    def zero_shot_model(cls, codebook: Codebook, **params) -> "ThemeClassifier":
        """A ready-to-use zero-shot classifier for ``codebook`` (no labelled texts needed)."""
        return cls(codebook, zero_shot=True, **params).fit()

    def fit_zero_shot(self) -> "ThemeClassifier":
        """Fit in zero-shot mode from the codebook alone (sets ``zero_shot=True``)."""
        self.zero_shot = True
        return self.fit()

    @property
    def embedder_(self):
        """The shared Embedder this model encodes with (cached vectors are reused across stages)."""
        return self._embedder()

    # input handling --------------------------------------------------------------------
    def _embedder(self):
        if self.speed == "fast":
            return self._static_embedder()
        from insightkit.embed import get_embedder

        return get_embedder(self.embedding_model)

    def _static_embedder(self):
        """The static (model2vec) embedder of the fast mode, checked against a loaded model's record."""
        from insightkit.embed import get_static_embedder

        expected = getattr(self, "static_meta_", None)
        settings = (expected or {}).get("settings") or {}
        emb = get_static_embedder(self.embedding_model, pca_dims=settings.get("pca_dims"),
                                  sif_coefficient=settings.get("sif_coefficient"))
        if expected is not None and not getattr(self, "_static_checked", False):
            _check_static_table(emb, expected, getattr(self, "path_", None))
            self._static_checked = True
        return emb

    # speeds ----------------------------------------------------------------------------
    def at_speed(self, speed: str | None = None) -> "ThemeClassifier":
        """The fitted classifier that scores at ``speed``: this one, or its fast head ``fast_``.

        ``None`` means this model's own speed. Raises ModelError when the model has no head for
        that speed (for example a model trained with ``--no-fast``), naming the fix.
        """
        if speed is None or speed == self.speed:
            return self
        if speed not in SPEEDS:
            raise ValueError(f"speed must be one of {list(SPEEDS)}, got {speed!r}")
        self._check_fitted()
        if speed == "fast":
            head = getattr(self, "fast_", None)
            if head is None and self.zero_shot:
                raise ModelError(
                    "fast mode is not available for zero-shot models: their scores are calibrated on the "
                    "sentence-transformer's similarities (see docs/fast_mode.md); tag without --fast, or label "
                    "some texts and train a model with 'insightkit train'")
            if head is None:
                where = f" ({self.path_})" if getattr(self, "path_", None) else ""
                raise ModelError(
                    f"this model{where} has no fast head; retrain it with 'insightkit train' (without --no-fast) "
                    "or ThemeClassifier(..., fast_head=True).fit(...), or tag without --fast / speed='fast'")
            return head
        raise ModelError("this is a fast-only model (speed='fast'); it cannot score at speed='default': "
                         "load the parent model folder instead")

    def _read_X(self, X: Any, embeddings: Any = None, *, where: str) -> tuple[list[str], np.ndarray | None]:
        """Texts (and embeddings, when given) from a sequence of strings or a DataFrame."""
        emb = embeddings
        if isinstance(X, pd.DataFrame):
            if self.text_column not in X.columns:
                raise ValueError(f"{where}: X has no text column {self.text_column!r} "
                                 f"(columns: {', '.join(map(str, X.columns))})")
            # a stored embedding column holds sentence-transformer vectors: not for the fast mode
            if emb is None and self.embedding_column in X.columns and self.speed != "fast":
                emb = np.stack([np.asarray(v, dtype=np.float32) for v in X[self.embedding_column]]) \
                    if len(X) else np.zeros((0, 0), dtype=np.float32)
            values = X[self.text_column].tolist()
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
            if _is_missing(v):
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

    def _embeddings(self, texts: list[str], given: np.ndarray | None) -> np.ndarray:
        embedder = self._embedder()
        if given is not None:
            if given.shape[1] != embedder.dim:
                raise ValueError(f"embeddings have {given.shape[1]} dimensions but the embedding model "
                                 f"gives {embedder.dim}")
            return given
        embedder.show_progress = bool(self.show_progress)
        return embedder.encode(texts)

    def _needs_embeddings(self) -> bool:
        return bool(self.zero_shot) or any(v in self.features_ for v in _EMBEDDING_VIEWS)

    def _codebook_for(self, Y: Any, k: int) -> Codebook:
        if self.codebook is not None:
            if not isinstance(self.codebook, Codebook):
                raise ValueError(f"codebook must be a Codebook, got {type(self.codebook).__name__}")
            return self.codebook
        if isinstance(Y, pd.DataFrame):
            return Codebook.from_labels([str(c) for c in Y.columns], name="custom")
        return Codebook.from_dict({"name": "custom", "themes": [
            {"id": f"theme_{j}", "label": f"theme {j}", "description": f"theme {j}"} for j in range(k)]})

    def _read_Y(self, Y: Any, n: int, codebook: Codebook | None) -> np.ndarray:
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

    # fitting ---------------------------------------------------------------------------
    def _check_params(self) -> None:
        feats = tuple(self.features)
        unknown = [f for f in feats if f not in FEATURES]
        if unknown:
            raise ValueError(f"unknown feature view(s) {unknown}; choose from {list(FEATURES)}")
        if not feats and not self.zero_shot:
            raise ValueError("features must name at least one view")
        for name in ("C_embedding", "C_words", "C_chars"):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"{name} must be positive")
        if "neighbours" in feats and not int(self.n_neighbours) >= 1:
            raise ValueError("n_neighbours must be at least 1")
        if self.class_weight not in (None, "balanced"):
            raise ValueError("class_weight must be 'balanced' or None")
        if int(self.threshold_folds) == 1 or int(self.threshold_folds) < 0:
            raise ValueError("threshold_folds must be 0 (no tuning) or at least 2")
        if not 0.0 <= float(self.sentence_weight) <= 1.0:
            raise ValueError(f"sentence_weight must be between 0 and 1, got {self.sentence_weight!r}")
        if self.speed not in SPEEDS:
            raise ValueError(f"speed must be one of {list(SPEEDS)}, got {self.speed!r}")
        if self.fast_head and self.speed != "default":
            raise ValueError("fast_head=True needs speed='default' (a fast model has no second head)")
        if self.zero_shot and (self.fast_head or self.speed == "fast"):
            raise ValueError("zero-shot models have no fast mode: their scores are calibrated on the "
                             "sentence-transformer's similarities (see docs/fast_mode.md)")
        self.features_ = feats

    def _weights_for(self) -> dict[str, float]:
        w = {f: 1.0 for f in self.features_}
        if self.view_weights:
            for k, v in dict(self.view_weights).items():
                if k not in w:
                    raise ValueError(f"view_weights names {k!r}, which is not among features {list(w)}")
                w[k] = float(v)
        total = sum(w.values())
        if total <= 0:
            raise ValueError("view_weights must not all be zero")
        return {k: v / total for k, v in w.items()}

    def _fit_views(self, texts: list[str], E: np.ndarray | None, Y: np.ndarray, bar=None) -> dict:
        views: dict[str, dict] = {}
        k = Y.shape[1]
        for view in self.features_:
            if view == "neighbours":  # nothing to fit: keep unit-length vectors and the labels
                views[view] = {"vectors": _unit_rows(E).astype(np.float32), "labels": Y.astype(np.uint8),
                               "vectorizer": None}
                if bar is not None:
                    bar.update(k)
                continue
            if view == "embedding":
                X, vec = E.astype(np.float64), None
                C, dense = float(self.C_embedding), True
            else:
                cap = int(self.max_words if view == "words" else self.max_chars)
                vec, X = _fit_vectorizer(view, texts, cap)
                C, dense = float(self.C_words if view == "words" else self.C_chars), False
            coef = np.zeros((k, X.shape[1]), dtype=np.float64)
            intercept = np.zeros(k, dtype=np.float64)
            for j in range(k):
                coef[j], intercept[j] = _fit_logreg(X, Y[:, j], C, self.class_weight, int(self.seed), dense)
                if bar is not None:
                    bar.update(1)
            views[view] = {"coef": coef, "intercept": intercept, "vectorizer": vec}
        return views

    @staticmethod
    def _view_proba(view: str, part: dict, texts: list[str], E: np.ndarray | None) -> np.ndarray:
        """One logistic-regression view's scores (n_texts, n_themes)."""
        if view == "embedding":
            z = E.astype(np.float64) @ part["coef"].T + part["intercept"]
        else:
            X = _ngram_transformer(part).transform(texts)
            z = np.asarray(X @ part["coef"].T) + part["intercept"]
        return _sigmoid(z)

    def _views_proba(self, views: dict, texts: list[str], E: np.ndarray | None) -> np.ndarray:
        weights = self._weights_for()
        P = None
        per_view: dict[str, np.ndarray] = {}
        for view, part in views.items():
            if view == "neighbours":
                p = _neighbour_scores(E, part["vectors"], part["labels"], int(self.n_neighbours))
            else:
                p = per_view[view] = self._view_proba(view, part, texts, E)
            P = p * weights[view] if P is None else P + p * weights[view]
        w = float(self.sentence_weight)
        if w > 0 and per_view:
            P = (1.0 - w) * P + w * self._sentence_max(views, texts, per_view, weights)
        return P

    def _sentence_max(self, views: dict, texts: list[str], per_view: dict, weights: dict) -> np.ndarray:
        """Each view's highest sentence score per text, averaged with the views' weights.

        A text of one sentence keeps its whole-text score (nothing is encoded twice).
        """
        spans = [split_sentence_spans(t) for t in texts]
        multi = [i for i, sp in enumerate(spans) if len(sp) > 1]
        out = {v: p.copy() for v, p in per_view.items()}
        if multi:
            sents = [texts[i][a:b] for i in multi for a, b in spans[i]]
            counts = np.array([len(spans[i]) for i in multi])
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            Es = self._embeddings(sents, None) if "embedding" in per_view else None
            for v in per_view:
                ps = self._view_proba(v, views[v], sents, Es)
                out[v][multi] = np.maximum.reduceat(ps, starts, axis=0)
        total = sum(weights[v] for v in out)
        return sum(out[v] * (weights[v] / total) for v in out)

    def fit(self, X: Any = None, Y: Any = None, *, embeddings: Any = None) -> "ThemeClassifier":
        """Learn per-theme models and thresholds from texts ``X`` and 0/1 labels ``Y`` (n, k).

        In zero-shot mode ``X`` and ``Y`` may be omitted: only the codebook is used.
        """
        from insightkit.progress import progress

        self._check_params()
        if self.zero_shot:
            if self.codebook is None:
                raise ValueError("zero-shot mode needs a codebook")
            self.codebook_ = self._codebook_for(None, 0)
            self.theme_ids_ = self.codebook_.ids
            self.classes_ = [np.array([0, 1])] * len(self.theme_ids_)
            self.n_themes_ = len(self.theme_ids_)
            self.views_ = {}
            self._prepare_zero_shot()
            self.thresholds_ = np.full(self.n_themes_, 0.5)
            self.shared_threshold_ = 0.5
            self.cv_report_ = None
            self.training_hash_ = None
            self.n_train_ = 0
            self.embedding_hash_ = self._embedder().model_hash
            self.fast_ = None
            return self
        if X is None or Y is None:
            raise ValueError("fit needs texts X and labels Y (or zero_shot=True)")
        texts, given = self._read_X(X, embeddings, where="fit")
        if not texts:
            raise ValueError("fit: X is empty")
        empty = [i for i, t in enumerate(texts) if not t.strip()]
        if empty:
            raise ValueError(f"fit: text {empty[0]} is empty or missing ({len(empty)} empty in all); "
                             "drop empty texts before training")
        codebook = self.codebook if self.codebook is not None else None
        Ym = self._read_Y(Y, len(texts), codebook)
        codebook = self._codebook_for(Y, Ym.shape[1])
        if Ym.shape[1] != len(codebook):
            raise ValueError(f"Y has {Ym.shape[1]} columns but the codebook has {len(codebook)} themes")
        pos = Ym.sum(axis=0)
        for tid, n_pos in zip(codebook.ids, pos):
            if n_pos < 1:
                raise ValueError(f"theme {tid!r} has 0 positive texts; a classifier cannot learn a theme "
                                 "it never sees")
            if n_pos == len(texts):
                raise ValueError(f"theme {tid!r} is 1 for every text; a classifier needs negatives too")

        self.codebook_ = codebook
        self.theme_ids_ = codebook.ids
        self.n_themes_ = len(codebook)
        self.classes_ = [np.array([0, 1])] * self.n_themes_
        E = self._embeddings(texts, given) if any(v in self.features_ for v in _EMBEDDING_VIEWS) else None
        self.embedding_hash_ = self._embedder().model_hash if E is not None else None

        folds = int(self.threshold_folds)
        n_splits = min(folds, len(texts) // 2) if folds else 0
        steps = (n_splits + 1) * len(self.features_) * self.n_themes_
        with progress(total=steps, desc="training themes", unit="fit",
                      disable=None if self.show_progress else True) as bar:
            if n_splits >= 2:
                from insightkit.evaluate import multilabel_kfold

                oof = np.zeros(Ym.shape, dtype=np.float64)
                for tr, te in multilabel_kfold(Ym, n_splits=n_splits, seed=int(self.seed)):
                    views = self._fit_views([texts[i] for i in tr], None if E is None else E[tr], Ym[tr], bar)
                    oof[te] = self._views_proba(views, [texts[i] for i in te], None if E is None else E[te])
                self.thresholds_, self.shared_threshold_ = tune_thresholds(oof, Ym, float(self.threshold_shrinkage))
                from insightkit.evaluate import evaluate_predictions

                self.cv_report_ = evaluate_predictions(Ym, (oof >= self.thresholds_).astype(int), self.theme_ids_)
                self.cv_report_["folds"] = n_splits
            else:
                self.thresholds_ = np.full(self.n_themes_, 0.5)
                self.shared_threshold_ = 0.5
                self.cv_report_ = None
            self.views_ = self._fit_views(texts, E, Ym, bar)
        self.training_hash_ = training_data_hash(texts, Ym, self.theme_ids_)
        self.n_train_ = len(texts)
        self.train_positives_ = {t: int(p) for t, p in zip(self.theme_ids_, pos)}
        self.fast_ = self._make_fast_head().fit(texts, Ym) if self.fast_head else None
        return self

    def _make_fast_head(self) -> "ThemeClassifier":
        """An unfitted fast twin: this model's parameters, ``speed="fast"``, then ``fast_params``."""
        params = self.get_params(deep=False)
        params.update({"codebook": getattr(self, "codebook_", self.codebook), "fast_head": False,
                       "fast_params": None})
        params.update(dict(self.fast_params or {}))
        params["speed"] = "fast"
        return type(self)(**params)

    # zero-shot -------------------------------------------------------------------------
    def _prepare_zero_shot(self) -> None:
        """Embed each theme's prototypes and place its sigmoid centre between in- and out-theme similarity."""
        embedder = self._embedder()
        protos = [t.prototypes() for t in self.codebook_.themes]
        flat = [p for ps in protos for p in ps]
        V = embedder.encode(flat)
        owner = np.repeat(np.arange(len(protos)), [len(p) for p in protos])
        self.prototypes_ = V
        self.prototype_owner_ = owner
        self.zs_centres_ = _zero_shot_centres(V, owner, len(protos))

    def _zero_shot_scores(self, E: np.ndarray) -> np.ndarray:
        S = _theme_similarity(E, self.prototypes_, self.prototype_owner_, self.n_themes_)
        rel = S - S.max(axis=1, keepdims=True)
        return _sigmoid(_ZS_SLOPE * (S - self.zs_centres_) + _ZS_RELATIVE * rel)

    # prediction ------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "thresholds_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this ThemeClassifier is not fitted yet; call fit() or load a model")

    def predict_proba(self, X: Any, *, embeddings: Any = None, speed: str | None = None) -> np.ndarray:
        """Scores in [0, 1], shape (n_texts, n_themes); empty texts score 0 for every theme.

        ``speed="fast"`` scores with the fast head (static vectors; MiniLM is never loaded);
        ``embeddings``, if given, must then be static vectors too.
        """
        self._check_fitted()
        head = self.at_speed(speed)
        if head is not self:
            return head.predict_proba(X, embeddings=embeddings)
        texts, given = self._read_X(X, embeddings, where="predict")
        if not texts:
            return np.zeros((0, self.n_themes_))
        needs_e = self.zero_shot or any(v in self.views_ for v in _EMBEDDING_VIEWS)
        E = self._embeddings(texts, given) if needs_e else None
        if self.zero_shot:
            P = self._zero_shot_scores(E)
        else:
            P = self._views_proba(self.views_, texts, E)
        empty = np.array([not t.strip() for t in texts])
        P[empty] = 0.0
        return np.clip(P, 0.0, 1.0)

    def predict(self, X: Any, *, embeddings: Any = None, speed: str | None = None) -> np.ndarray:
        """0/1 matrix (n_texts, n_themes): a theme is on when its score reaches its threshold.

        At ``speed="fast"`` the fast head's scores and its own thresholds are used.
        """
        self._check_fitted()
        head = self.at_speed(speed)
        P = head.predict_proba(X, embeddings=embeddings)
        return (P >= head.thresholds_[None, :]).astype(np.int64)

    def score(self, X: Any, y: Any, sample_weight=None) -> float:
        """Macro-F1 over themes (what the model card reports), not subset accuracy."""
        from insightkit.evaluate import evaluate_predictions

        Ym = self._read_Y(y, len(self._read_X(X, where="score")[0]), self.codebook_)
        return evaluate_predictions(Ym, self.predict(X), self.theme_ids_)["macro_f1"]

    def tag(self, segments: pd.DataFrame, text_column: str | None = None, *,
            embeddings: Any = None, speed: str | None = None) -> pd.DataFrame:
        """A copy of ``segments`` with ``theme_<id>`` (0/1) and ``score_<id>`` for every theme.

        Every input row and column is kept; empty or missing texts get score 0 and no theme.
        Embeddings come from the shared cache, so a later stage does not encode the texts again.
        ``speed="fast"`` tags with the fast head (static vectors, its own thresholds).
        """
        self._check_fitted()
        head = self.at_speed(speed)
        if head is not self:
            return head.tag(segments, text_column, embeddings=embeddings)
        if not isinstance(segments, pd.DataFrame):
            raise ValueError(f"tag expects a DataFrame (a segment table), got {type(segments).__name__}")
        col = text_column or self.text_column
        if col not in segments.columns:
            raise ValueError(f"the table has no text column {col!r} (columns: {', '.join(map(str, segments.columns))})")
        texts = ["" if _is_missing(v) else str(v) for v in segments[col].tolist()]
        emb = embeddings
        if emb is None and self.embedding_column in segments.columns and len(segments) and self.speed != "fast":
            emb = np.stack([np.asarray(v, dtype=np.float32) for v in segments[self.embedding_column]])
        P = self.predict_proba(texts, embeddings=emb)
        return self.with_scores(segments, P)

    def with_scores(self, segments: pd.DataFrame, P: np.ndarray, *, speed: str | None = None) -> pd.DataFrame:
        """A copy of ``segments`` with the theme_/score_ columns for scores ``P`` (n, k).

        ``speed`` names the head that made ``P``: its thresholds turn scores into 0/1.
        """
        head = self.at_speed(speed)
        if head is not self:
            return head.with_scores(segments, P)
        P = np.asarray(P, dtype=np.float64)
        if P.shape != (len(segments), self.n_themes_):
            raise ValueError(f"scores have shape {P.shape}, expected ({len(segments)}, {self.n_themes_})")
        out = segments.copy()
        clash = [c for c in out.columns if c in {f"theme_{t}" for t in self.theme_ids_}
                 or c in {f"score_{t}" for t in self.theme_ids_}]
        if clash:
            warnings.warn(f"tag: replacing existing column(s) {', '.join(clash)}", stacklevel=2)
        from insightkit.segments import add_theme_columns

        return add_theme_columns(out, self.theme_ids_, P, self.thresholds_)

    # persistence -----------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """The constructor parameters that matter for a saved model (JSON-safe)."""
        return {
            "features": list(self.features_ if hasattr(self, "features_") else self.features),
            "C_embedding": float(self.C_embedding),
            "C_words": float(self.C_words),
            "C_chars": float(self.C_chars),
            "n_neighbours": int(self.n_neighbours),
            "view_weights": None if self.view_weights is None else {k: float(v) for k, v in self.view_weights.items()},
            "class_weight": self.class_weight,
            "max_words": int(self.max_words),
            "max_chars": int(self.max_chars),
            "threshold_folds": int(self.threshold_folds),
            "threshold_shrinkage": float(self.threshold_shrinkage),
            "zero_shot": bool(self.zero_shot),
            "text_column": self.text_column,
            "embedding_column": self.embedding_column,
            "seed": int(self.seed),
            "speed": self.speed,
            "sentence_weight": float(self.sentence_weight),
            "tfidf": {v: {k: (list(x) if isinstance(x, tuple) else x) for k, x in _TFIDF_PARAMS[v].items()}
                      for v in ("words", "chars") if v in (self.features_ if hasattr(self, "features_") else ())},
        }

    def save(self, path: str | Path, *, metrics: dict | None = None, training_file: dict | None = None) -> Path:
        """Write the model folder (meta.json, weights.safetensors, vocabulary JSON); no pickle."""
        from safetensors.numpy import save as st_save

        import insightkit
        from insightkit.embed import DEFAULT_MODEL_NAME, default_model_path_or_none

        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        files: dict[str, bytes] = {}
        tensors: dict[str, np.ndarray] = {"thresholds": np.asarray(self.thresholds_, dtype=np.float64)}
        for view, part in self.views_.items():
            if view == "neighbours":
                tensors["neighbours.vectors"] = np.ascontiguousarray(part["vectors"], dtype=np.float32)
                tensors["neighbours.labels"] = np.ascontiguousarray(part["labels"], dtype=np.uint8)
                continue
            tensors[f"{view}.coef"] = np.ascontiguousarray(part["coef"], dtype=np.float64)
            tensors[f"{view}.intercept"] = np.ascontiguousarray(part["intercept"], dtype=np.float64)
            if part["vectorizer"] is not None:
                vec = part["vectorizer"]
                vocab = sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])
                if [i for _, i in vocab] != list(range(len(vocab))):
                    raise ModelError("internal error: TF-IDF vocabulary indices are not contiguous")
                tensors[f"{view}.idf"] = np.ascontiguousarray(vec.idf_, dtype=np.float64)
                files[f"vocab_{view}.json"] = (json.dumps([t for t, _ in vocab], ensure_ascii=False,
                                                          separators=(",", ":")) + "\n").encode("utf-8")
        if self.zero_shot:
            tensors["zero_shot.centres"] = np.asarray(self.zs_centres_, dtype=np.float64)
        if self.speed == "fast":
            # probe vectors: let a load on another machine tell float noise from a different table
            tensors["static.fingerprint"] = np.ascontiguousarray(self._embedder().fingerprint(), dtype=np.float64)
        files[_WEIGHTS] = st_save(tensors, metadata={"format": MODEL_FORMAT})

        if self.speed == "fast":
            emb_path = Path(self._embedder().source_path)
        else:
            emb_path = Path(self._embedder().model_path)
        default = default_model_path_or_none()
        emb_name = DEFAULT_MODEL_NAME if (default is not None and emb_path == default) else str(emb_path)
        fast_entry = None
        fast_dir = path / _FAST_DIR
        if getattr(self, "fast_", None) is not None:
            self.fast_.save(fast_dir, metrics=(metrics or {}).get("fast"), training_file=training_file)
            fast_files = {f"{_FAST_DIR}/{p.relative_to(fast_dir).as_posix()}": _file_sha256(p)
                          for p in sorted(fast_dir.rglob("*")) if p.is_file()}
            fast_meta = json.loads((fast_dir / _META).read_text(encoding="utf-8"))
            fast_entry = {"folder": _FAST_DIR, "meta_sha256": fast_meta["meta_sha256"],
                          "embedding": fast_meta["embedding"]["name"]}
        elif (fast_dir / _META).is_file():  # an older model's fast head that this one does not have
            import shutil

            shutil.rmtree(fast_dir)
        import sklearn

        meta: dict[str, Any] = {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "library": {"insightkit": insightkit.__version__, "scikit-learn": sklearn.__version__},
            "codebook": self.codebook_.to_dict(),
            "themes": list(self.theme_ids_),
            "embedding": {"name": emb_name, "sha256": self._embedder().model_hash,
                          "dim": int(self._embedder().dim),
                          "used": bool(self.zero_shot or any(v in self.views_ for v in _EMBEDDING_VIEWS)),
                          **({"static": self._embedder().describe()} if self.speed == "fast" else {})},
            "training_data": {"sha256": self.training_hash_, "n_texts": int(self.n_train_),
                              "positives": getattr(self, "train_positives_", {}),
                              **({"file": training_file} if training_file else {})},
            "thresholds": {t: float(v) for t, v in zip(self.theme_ids_, self.thresholds_)},
            "shared_threshold": float(self.shared_threshold_),
            "config": self.config(),
            "seed": int(self.seed),
            "metrics": {"cross_validation": _jsonable(self.cv_report_), **_jsonable(metrics or {})},
            "files": {**{name: _sha256_bytes(data) for name, data in sorted(files.items())},
                      **(fast_files if fast_entry else {})},
            "fast": fast_entry,
        }
        meta["meta_sha256"] = _sha256_bytes(_canonical(meta))
        files[_META] = (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        # remove files of an older model that this one does not write
        for old in path.iterdir():
            if old.is_file() and old.name not in files:
                old.unlink()
        for name, data in files.items():
            tmp = path / f".{name}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, path / name)
        return path

    @classmethod
    def load(cls, path: str | Path, *, embedding_model: str | None = None,
             sha256: str | None = None) -> "ThemeClassifier":
        """Load a model folder, verifying its files and the embedding model; raises ModelError.

        ``sha256``: the folder digest it must have (:func:`insightkit.model_digest`), checked before
        anything in the folder is read as a model.
        """
        from safetensors.numpy import load as st_load

        path = Path(path)
        if sha256 is not None:
            from insightkit.integrity import check_model_digest

            check_model_digest(path, sha256)
        meta = verify_model_folder(path)
        cfg = meta["config"]
        try:
            codebook = Codebook.from_dict(meta["codebook"], source=f"{path / _META} (codebook)")
        except Exception as exc:
            raise ModelError(f"{path / _META}: the codebook inside is not valid: {exc}") from exc
        model = cls(codebook, features=tuple(cfg["features"]), C_embedding=cfg["C_embedding"],
                    C_words=cfg["C_words"], C_chars=cfg["C_chars"], n_neighbours=cfg.get("n_neighbours", 30),
                    view_weights=cfg["view_weights"],
                    class_weight=cfg["class_weight"], max_words=cfg["max_words"], max_chars=cfg["max_chars"],
                    threshold_folds=cfg["threshold_folds"], threshold_shrinkage=cfg["threshold_shrinkage"],
                    zero_shot=cfg["zero_shot"], text_column=cfg["text_column"],
                    embedding_column=cfg["embedding_column"], embedding_model=embedding_model, seed=cfg["seed"],
                    speed=cfg.get("speed", "default"), sentence_weight=cfg.get("sentence_weight", 0.0))
        model.features_ = tuple(cfg["features"])
        emb_meta = meta["embedding"]
        if model.speed == "fast":
            # the static table is checked when it is first used (it may need distilling); the source
            # model it comes from is checked now, without loading it
            _check_static_source(emb_meta, embedding_model, path)
            model.static_meta_ = emb_meta["static"]
        elif emb_meta.get("used", True):
            try:
                installed = model._embedder().model_hash
            except ModelError as exc:
                raise ModelError(f"{path}: the model needs the embedding model {emb_meta['name']}: {exc}") from exc
            if installed != emb_meta["sha256"]:
                raise ModelError(
                    f"{path}: the model was trained with embedding weights sha256 {emb_meta['sha256'][:16]}… "
                    f"({emb_meta['name']}) but the embedding model in use has {installed[:16]}…; "
                    "retrain the model or install the embedding model it was trained with")
        tensors = st_load((path / _WEIGHTS).read_bytes())
        theme_ids = list(meta["themes"])
        if theme_ids != codebook.ids:
            raise ModelError(f"{path / _META}: 'themes' does not match the codebook's theme ids")
        k = len(theme_ids)
        try:
            views: dict[str, dict] = {}
            for view in model.features_ if not cfg["zero_shot"] else ():
                if view == "neighbours":
                    vectors, labels = tensors["neighbours.vectors"], tensors["neighbours.labels"]
                    if labels.ndim != 2 or labels.shape[1] != k or vectors.shape[0] != labels.shape[0]:
                        raise ModelError(f"{path / _WEIGHTS}: neighbours vectors and labels do not match the themes")
                    views[view] = {"vectors": vectors, "labels": labels, "vectorizer": None}
                    continue
                coef, intercept = tensors[f"{view}.coef"], tensors[f"{view}.intercept"]
                if coef.shape[0] != k or intercept.shape != (k,):
                    raise ModelError(f"{path / _WEIGHTS}: {view} weights do not have one row per theme")
                vec = None
                if view != "embedding":
                    vocab = json.loads((path / f"vocab_{view}.json").read_text(encoding="utf-8"))
                    vec = _make_vectorizer(view, 0, vocabulary={t: i for i, t in enumerate(vocab)})
                    vec.idf_ = tensors[f"{view}.idf"]
                    if coef.shape[1] != len(vocab):
                        raise ModelError(f"{path / _WEIGHTS}: {view} weights do not match its vocabulary")
                views[view] = {"coef": coef, "intercept": intercept, "vectorizer": vec}
            thresholds = tensors["thresholds"]
        except KeyError as exc:
            raise ModelError(f"{path / _WEIGHTS}: missing tensor {exc}") from None
        model.codebook_ = codebook
        model.theme_ids_ = theme_ids
        model.n_themes_ = k
        model.classes_ = [np.array([0, 1])] * k
        model.views_ = views
        model.thresholds_ = np.asarray(thresholds, dtype=np.float64)
        model.shared_threshold_ = float(meta.get("shared_threshold", 0.5))
        model.cv_report_ = meta.get("metrics", {}).get("cross_validation")
        model.training_hash_ = meta["training_data"]["sha256"]
        model.n_train_ = meta["training_data"]["n_texts"]
        model.train_positives_ = meta["training_data"].get("positives", {})
        model.embedding_hash_ = emb_meta["sha256"]
        model.meta_ = meta
        model.path_ = path
        if model.speed == "fast":
            fp = tensors.get("static.fingerprint")
            model.static_meta_ = {**model.static_meta_, "fingerprint": None if fp is None else np.asarray(fp)}
        fast = meta.get("fast")
        model.fast_ = None
        if fast:
            model.fast_ = cls.load(path / fast["folder"], embedding_model=embedding_model)
            if model.fast_.meta_.get("meta_sha256") != fast.get("meta_sha256"):
                raise ModelError(f"{path / fast['folder']}: the fast head is not the one saved with this model")
            if model.fast_.speed != "fast":
                raise ModelError(f"{path / fast['folder']}: not a fast-mode model")
        model.fast_head = bool(fast)
        if cfg["zero_shot"]:
            model._prepare_zero_shot()
        return model


def _zero_shot_centres(V: np.ndarray, owner: np.ndarray, k: int) -> np.ndarray:
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


def _canonical(meta: dict) -> bytes:
    body = {k: v for k, v in meta.items() if k != "meta_sha256"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return None if math.isnan(v) else round(v, 6)
    return obj


def verify_model_folder(path: str | Path) -> dict:
    """Check a model folder against its ``meta.json``; return the metadata or raise ModelError."""
    path = Path(path)
    if not path.is_dir():
        raise ModelError(f"model folder not found: {path}")
    meta_path = path / _META
    if not meta_path.is_file():
        raise ModelError(f"{path}: not a model folder (no {_META})")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{meta_path}: not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        raise ModelError(f"{meta_path}: not an insightkit theme model (format {meta.get('format') if isinstance(meta, dict) else None!r})")
    if meta.get("format_version") != MODEL_FORMAT_VERSION:
        raise ModelError(f"{meta_path}: model format version {meta.get('format_version')!r} is not supported "
                         f"(this insightkit reads version {MODEL_FORMAT_VERSION})")
    for key in ("codebook", "themes", "embedding", "training_data", "config", "files"):
        if key not in meta:
            raise ModelError(f"{meta_path}: missing field {key!r}")
    if meta.get("meta_sha256") != _sha256_bytes(_canonical(meta)):
        raise ModelError(f"{meta_path}: the metadata was altered after the model was saved (checksum mismatch)")
    listed: dict[str, str] = meta["files"]
    present = sorted(p.relative_to(path).as_posix() for p in path.rglob("*")
                     if p.is_file() and p != meta_path)
    unexpected = [p for p in present if p not in listed]
    if unexpected:
        raise ModelError(f"{path}: unexpected file(s) in the model folder: {', '.join(unexpected)} "
                         "(a model folder holds only the files listed in meta.json)")
    for name, digest in listed.items():
        f = path / name
        if not f.is_file():
            raise ModelError(f"{path}: file {name} listed in meta.json is missing")
        if _file_sha256(f) != digest:
            raise ModelError(f"{f}: file was altered (sha256 does not match meta.json); refusing to load")
    return meta


def default_model_path() -> Path:
    """Where the default model lives: the repository's ``models/nhs-digital`` or the packaged copy."""
    repo_copy = Path(__file__).resolve().parents[1] / "models" / DEFAULT_MODEL
    if (repo_copy / _META).is_file():
        return repo_copy
    ref = resources.files("insightkit") / "data" / "models" / DEFAULT_MODEL
    pkg = Path(str(ref))
    if (pkg / _META).is_file():
        return pkg
    raise ModelError(f"the default model {DEFAULT_MODEL!r} is not installed (looked in {repo_copy} and {pkg})")


def load_model(path: str | Path | None = None, *, embedding_model: str | None = None,
               sha256: str | None = None) -> ThemeClassifier:
    """Load a saved theme model; without ``path``, the default NHS digital model.

    ``sha256`` pins the folder: its digest (:func:`insightkit.model_digest`) must equal it, or a
    ModelError is raised before anything is loaded. Without ``sha256``, the environment variable
    ``INSIGHTKIT_MODEL_SHA256`` pins it when set (docs/concepts/model-folders.md).
    """
    from insightkit.integrity import check_model_digest, pinned_digest

    folder = default_model_path() if path is None else path
    pin, what = pinned_digest(sha256)
    if pin is not None:
        check_model_digest(folder, pin, what)
    return ThemeClassifier.load(folder, embedding_model=embedding_model)
