"""The theme classifier: multi-label tagging of texts with a codebook's themes.

Why it is built this way (``docs/classifier.md`` has the evidence):

* Several views of a text (:mod:`.views`), each with its own regularised logistic regression per
  theme, averaged (:mod:`.scoring`): sentence-transformer embeddings carry meaning across wordings
  the training set never used; word and character n-gram TF-IDF carry the exact vocabulary of a
  domain (EPR, DSPT, RPA) and survive typos; "neighbours" scores a theme by its share among the
  text's nearest training texts in embedding space.
* Per-theme decision thresholds are tuned on out-of-fold predictions of the training data only
  (stratified multi-label K-fold, :class:`insightkit.evaluate.MultilabelStratifiedKFold`), then
  shrunk towards one shared threshold (:mod:`.thresholds`).
* A zero-shot mode scores texts by their similarity to each theme's description, cues and examples,
  for a codebook that has no labelled texts yet (:mod:`.zero_shot`).
* A fast mode (``speed="fast"``) swaps MiniLM for static vectors distilled from it (model2vec); it
  is a second, separately trained head with its own thresholds (:mod:`.fast`, ``docs/fast_mode.md``).
* A model is a folder of JSON and safetensors, each file hashed; nothing is pickled (:mod:`.persist`).

The estimator follows scikit-learn's API (``fit``, ``predict_proba``, ``predict``, ``get_params``) so
it works in ``cross_validate`` and a ``Pipeline``; X is a sequence of texts or a DataFrame with a
text column (and, optionally, a column of precomputed embeddings).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from insightkit.classify import fast, persist, tagging
from insightkit.classify.fast import SPEEDS
from insightkit.classify.scoring import views_proba
from insightkit.classify.thresholds import tune_thresholds
from insightkit.classify.views import _EMBEDDING_VIEWS, FEATURES, fit_views
from insightkit.classify.zero_shot import prepare_zero_shot, zero_shot_scores
from insightkit.codebook import Codebook
from insightkit.errors import ParameterError


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
        so that ``at_speed("fast")`` gives it. Only for ``speed="default"``.
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
    fine_tune : dict, optional
        Fine-tune the sentence encoder on the training texts first (settings of
        :class:`~insightkit.embed.finetune.FineTuneSettings`; ``{}`` for the defaults), then fit the
        views on the fine-tuned embeddings. The encoder is saved in the model folder (``encoder/``)
        and the fast head's static vectors are distilled from it. ``None`` (default): the encoder
        as installed. Costs minutes of training on a CPU, nothing at tagging time.
    """

    def __init__(self, codebook: Codebook | None = None, *, features: Sequence[str] = FEATURES,
                 C_embedding: float = 4.0, C_words: float = 16.0, C_chars: float = 16.0,
                 n_neighbours: int = 30, view_weights: dict | None = None, class_weight: str | None = "balanced",
                 max_words: int = 20000, max_chars: int = 30000, threshold_folds: int = 5,
                 threshold_shrinkage: float = 20.0, zero_shot: bool = False, text_column: str = "text",
                 embedding_column: str = "embedding", embedding_model: str | None = None, seed: int = 0,
                 show_progress: bool = False, speed: str = "default", fast_head: bool = False,
                 fast_params: dict | None = None, sentence_weight: float = 0.5, fine_tune: dict | None = None):
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
        self.fine_tune = fine_tune

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
        """Fit in zero-shot mode from the codebook alone, whatever ``zero_shot`` says (``zero_shot_`` is True)."""
        return self._fit(None, None, None, zero_shot=True)

    # encoders --------------------------------------------------------------------------
    @property
    def embedder_(self):
        """The shared Embedder this model encodes with (cached vectors are reused across stages)."""
        return self._embedder()

    def _embedder(self):
        if self.speed == "fast":
            return fast.static_embedder(self)
        from insightkit.embed import get_embedder

        return get_embedder(self.encoder_source())

    def encoder_source(self) -> str | None:
        """The sentence-transformer folder this model encodes with: its fine-tuned encoder
        (``encoder_path_``, also a fast head's parent's), else ``embedding_model`` (None: installed)."""
        path = getattr(self, "encoder_path_", None)
        if path is None and not hasattr(self, "thresholds_"):
            path = getattr(self, "_inherited_encoder", None)
        return str(path) if path is not None else self.embedding_model

    def _embeddings(self, texts: list[str], given: np.ndarray | None) -> np.ndarray:
        embedder = self._embedder()
        if given is not None:
            if given.shape[1] != embedder.dim:
                raise ValueError(f"embeddings have {given.shape[1]} dimensions but the embedding model "
                                 f"gives {embedder.dim}")
            return given
        embedder.show_progress = bool(self.show_progress)
        return embedder.encode(texts)

    def at_speed(self, speed: str | None = None) -> "ThemeClassifier":
        """The fitted classifier that scores at ``speed``: this one, or its fast head ``fast_``.

        ``None`` means this model's own speed. Raises ModelError when the model has no head for
        that speed (for example a model trained with ``--no-fast``), naming the fix.
        """
        return fast.head_at_speed(self, speed)

    # fitting ---------------------------------------------------------------------------
    def _check_params(self, zero_shot: bool) -> tuple[str, ...]:
        feats = tuple(self.features)
        unknown = [f for f in feats if f not in FEATURES]
        if unknown:
            raise ParameterError(f"unknown feature view(s) {unknown}; choose from {list(FEATURES)}")
        if not feats and not zero_shot:
            raise ParameterError("features must name at least one view")
        for name in ("C_embedding", "C_words", "C_chars"):
            if not float(getattr(self, name)) > 0:
                raise ParameterError(f"{name} must be positive")
        if "neighbours" in feats and not int(self.n_neighbours) >= 1:
            raise ParameterError("n_neighbours must be at least 1")
        if self.class_weight not in (None, "balanced"):
            raise ParameterError("class_weight must be 'balanced' or None")
        if int(self.threshold_folds) == 1 or int(self.threshold_folds) < 0:
            raise ParameterError("threshold_folds must be 0 (no tuning) or at least 2")
        if not 0.0 <= float(self.sentence_weight) <= 1.0:
            raise ParameterError(f"sentence_weight must be between 0 and 1, got {self.sentence_weight!r}")
        if self.speed not in SPEEDS:
            raise ParameterError(f"speed must be one of {list(SPEEDS)}, got {self.speed!r}")
        if self.fine_tune is not None:
            from insightkit.embed.finetune import FineTuneSettings

            if not isinstance(self.fine_tune, dict):
                raise ParameterError(f"fine_tune must be a dict of settings or None, got {type(self.fine_tune).__name__}")
            FineTuneSettings.from_dict(self.fine_tune)
            if zero_shot or self.speed == "fast":
                raise ParameterError("fine_tune needs a trained default-speed model (not zero-shot, not speed='fast')")
        if self.fast_head and self.speed != "default":
            raise ParameterError("fast_head=True needs speed='default' (a fast model has no second head)")
        if zero_shot and (self.fast_head or self.speed == "fast"):
            raise ParameterError("zero-shot models have no fast mode: their scores are calibrated on the "
                                 "sentence-transformer's similarities (see docs/fast_mode.md)")
        return feats

    def fit(self, X: Any = None, Y: Any = None, *, embeddings: Any = None,
            sample_weight: Any = None, encoder_weight: Any = None) -> "ThemeClassifier":
        """Learn per-theme models and thresholds from texts ``X`` and 0/1 labels ``Y`` (n, k).

        ``sample_weight`` (one non-negative number per text) weighs texts in the regressions and in
        fine-tuning, e.g. scarce real passages above written ones. ``encoder_weight`` weighs them in
        fine-tuning alone (default: ``sample_weight``); a text weighted 0 there never reaches the
        encoder, so texts kept for measuring the model can be learned by its heads without being
        memorised by its encoder. In zero-shot mode ``X`` and ``Y`` may be omitted.
        """
        return self._fit(X, Y, embeddings, zero_shot=bool(self.zero_shot), sample_weight=sample_weight,
                         encoder_weight=encoder_weight)

    def _fit(self, X: Any, Y: Any, embeddings: Any, *, zero_shot: bool, sample_weight: Any = None,
             encoder_weight: Any = None) -> "ThemeClassifier":
        self.features_ = self._check_params(zero_shot)
        self.zero_shot_ = zero_shot
        if zero_shot:
            return self._fit_zero_shot()
        if X is None or Y is None:
            raise ValueError("fit needs texts X and labels Y (or zero_shot=True)")
        texts, given = tagging.read_X(self, X, embeddings, where="fit")
        if not texts:
            raise ValueError("fit: X is empty")
        empty = [i for i, t in enumerate(texts) if not t.strip()]
        if empty:
            raise ValueError(f"fit: text {empty[0]} is empty or missing ({len(empty)} empty in all); "
                             "drop empty texts before training")
        Ym = tagging.read_Y(Y, len(texts), self.codebook)
        codebook = tagging.codebook_for(self, Y, Ym.shape[1])
        if Ym.shape[1] != len(codebook):
            raise ValueError(f"Y has {Ym.shape[1]} columns but the codebook has {len(codebook)} themes")
        pos = Ym.sum(axis=0)
        for tid, n_pos in zip(codebook.ids, pos):
            if n_pos < 1:
                raise ValueError(f"theme {tid!r} has 0 positive texts; a classifier cannot learn a theme "
                                 "it never sees")
            if n_pos == len(texts):
                raise ValueError(f"theme {tid!r} is 1 for every text; a classifier needs negatives too")

        w = tagging.read_weights(sample_weight, len(texts))
        self.codebook_ = codebook
        self.theme_ids_ = codebook.ids
        self.n_themes_ = len(codebook)
        self.classes_ = [np.array([0, 1])] * self.n_themes_
        self.encoder_path_ = getattr(self, "_inherited_encoder", None)
        self.error_rates_ = None  # measured for a fitted model by insightkit train --groups, not by fit
        if self.fine_tune is not None:
            if given is not None:
                raise ParameterError("embeddings= cannot be used with fine_tune: the encoder is trained first, "
                                     "so precomputed vectors would come from another encoder")
            from insightkit.classify.finetuned import fine_tuned_encoder

            ew = w if encoder_weight is None else tagging.read_weights(encoder_weight, len(texts))
            self.encoder_path_ = fine_tuned_encoder(self, texts, Ym, ew)
        E = self._embeddings(texts, given) if any(v in self.features_ for v in _EMBEDDING_VIEWS) else None
        self.embedding_hash_ = self._embedder().model_hash if E is not None else None
        self._fit_thresholds_and_views(texts, E, Ym, w)
        self.training_hash_: str | None = persist.training_data_hash(texts, Ym, self.theme_ids_, w)
        self.n_train_ = len(texts)
        self.train_positives_ = {t: int(p) for t, p in zip(self.theme_ids_, pos)}
        self.fast_ = fast.make_fast_head(self).fit(texts, Ym, sample_weight=w) if self.fast_head else None
        return self

    def _fit_thresholds_and_views(self, texts: list[str], E: np.ndarray | None, Ym: np.ndarray,
                                  w: np.ndarray | None = None) -> None:
        """Thresholds from out-of-fold scores (``threshold_folds``), then the views on all the data."""
        from insightkit.evaluate import MultilabelStratifiedKFold, evaluate_predictions
        from insightkit.progress import progress

        folds = int(self.threshold_folds)
        n_splits = min(folds, len(texts) // 2) if folds else 0
        steps = (n_splits + 1) * len(self.features_) * self.n_themes_
        with progress(total=steps, desc="training themes", unit="fit",
                      disable=None if self.show_progress else True) as bar:
            if n_splits >= 2:
                oof = np.zeros(Ym.shape, dtype=np.float64)
                cv = MultilabelStratifiedKFold(n_splits=n_splits, random_state=int(self.seed))
                for tr, te in cv.split(texts, Ym):
                    views = fit_views(self, [texts[i] for i in tr], None if E is None else E[tr], Ym[tr], bar,
                                      sample_weight=None if w is None else w[tr])
                    oof[te] = views_proba(self, views, [texts[i] for i in te], None if E is None else E[te])
                self.thresholds_, self.shared_threshold_ = tune_thresholds(oof, Ym, float(self.threshold_shrinkage))
                report = evaluate_predictions(Ym, (oof >= self.thresholds_).astype(int), self.theme_ids_)
                report["folds"] = n_splits
                self.cv_report_: dict[str, Any] | None = report
            else:
                self.thresholds_ = np.full(self.n_themes_, 0.5)
                self.shared_threshold_ = 0.5
                self.cv_report_ = None
            self.views_ = fit_views(self, texts, E, Ym, bar, sample_weight=w)

    def _fit_zero_shot(self) -> "ThemeClassifier":
        if self.codebook is None:
            raise ParameterError("zero-shot mode needs a codebook")
        self.codebook_ = tagging.codebook_for(self, None, 0)
        self.theme_ids_ = self.codebook_.ids
        self.classes_ = [np.array([0, 1])] * len(self.theme_ids_)
        self.n_themes_ = len(self.theme_ids_)
        self.views_ = {}
        prepare_zero_shot(self)
        self.thresholds_ = np.full(self.n_themes_, 0.5)
        self.shared_threshold_ = 0.5
        self.cv_report_ = None
        self.training_hash_ = None
        self.n_train_ = 0
        self.embedding_hash_ = self._embedder().model_hash
        self.fast_ = None
        return self

    # prediction ------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "thresholds_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this ThemeClassifier is not fitted yet; call fit() or load a model")

    def predict_proba(self, X: Any, *, embeddings: Any = None) -> np.ndarray:
        """Scores in [0, 1], shape (n_texts, n_themes); empty texts score 0 for every theme.

        A fast model (``speed="fast"``, or ``at_speed("fast")`` of a model with a fast head) scores
        with static vectors (MiniLM is never loaded); ``embeddings``, if given, must then be static too.
        """
        self._check_fitted()
        texts, given = tagging.read_X(self, X, embeddings, where="predict")
        if not texts:
            return np.zeros((0, self.n_themes_))
        if self.zero_shot_:
            P = zero_shot_scores(self, self._embeddings(texts, given))
        else:
            E = self._embeddings(texts, given) if any(v in self.views_ for v in _EMBEDDING_VIEWS) else None
            P = views_proba(self, self.views_, texts, E)
        empty = np.array([not t.strip() for t in texts])
        P[empty] = 0.0
        return np.clip(P, 0.0, 1.0)

    def predict(self, X: Any, *, embeddings: Any = None) -> np.ndarray:
        """0/1 matrix (n_texts, n_themes): a theme is on when its score reaches its threshold."""
        self._check_fitted()
        P = self.predict_proba(X, embeddings=embeddings)
        return (P >= self.thresholds_[None, :]).astype(np.int64)

    def score(self, X: Any, y: Any, sample_weight=None) -> float:
        """Macro-F1 over themes (what the model card reports), not subset accuracy."""
        from insightkit.evaluate import evaluate_predictions

        Ym = tagging.read_Y(y, len(tagging.read_X(self, X, where="score")[0]), self.codebook_)
        return evaluate_predictions(Ym, self.predict(X), self.theme_ids_)["macro_f1"]

    def tag(self, segments: pd.DataFrame, text_column: str | None = None, *, embeddings: Any = None) -> pd.DataFrame:
        """A copy of ``segments`` with ``theme_<id>`` (0/1) and ``score_<id>`` for every theme.

        Every input row and column is kept; empty or missing texts get score 0 and no theme.
        Embeddings come from the shared cache, so a later stage does not encode the texts again.
        ``at_speed("fast").tag(...)`` tags with the fast head (static vectors, its own thresholds).
        """
        self._check_fitted()
        return tagging.tag(self, segments, text_column, embeddings=embeddings)

    def with_scores(self, segments: pd.DataFrame, P: np.ndarray) -> pd.DataFrame:
        """A copy of ``segments`` with the theme_/score_ columns for scores ``P`` (n, k) of this model."""
        return tagging.with_scores(self, segments, P)

    # persistence -----------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """The constructor parameters that matter for a saved model (JSON-safe), from ``get_params()``."""
        return persist.model_config(self)

    def save(self, path: str | Path, *, metrics: dict | None = None, training_file: dict | None = None,
             error_rates: dict | None = None) -> Path:
        """Write the model folder (meta.json, weights.safetensors, vocabulary JSON); no pickle.
        ``error_rates``: per-theme confusion counts by speed (:mod:`insightkit.classify.error_rates`)."""
        return persist.save_model(self, path, metrics=metrics, training_file=training_file, error_rates=error_rates)

    @classmethod
    def load(cls, path: str | Path, *, embedding_model: str | None = None,
             sha256: str | None = None) -> "ThemeClassifier":
        """Load a model folder, verifying its files and the embedding model; raises ModelError.

        ``sha256``: the folder digest it must have (:func:`insightkit.model_digest`), checked before
        anything in the folder is read as a model.
        """
        return persist.load_folder(cls, path, embedding_model=embedding_model, sha256=sha256)


def load_model(path: str | Path | None = None, *, embedding_model: str | None = None,
               sha256: str | None = None) -> ThemeClassifier:
    """Load a saved theme model; without ``path``, the default NHS digital model.

    ``sha256`` pins the folder: its digest (:func:`insightkit.model_digest`) must equal it, or a
    ModelError is raised before anything is loaded. Without ``sha256``, the environment variable
    ``INSIGHTKIT_MODEL_SHA256`` pins it when set (docs/concepts/model-folders.md).
    """
    from insightkit.integrity import check_model_digest, pinned_digest

    folder = persist.default_theme_model_path() if path is None else path
    pin, what = pinned_digest(sha256)
    if pin is not None:
        check_model_digest(folder, pin, what)
    return ThemeClassifier.load(folder, embedding_model=embedding_model)
