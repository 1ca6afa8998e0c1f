"""``TopicModel``: BERTopic with insightkit's parts, sized from the corpus, and saved without pickle.

Parts (each swappable through the constructor): the embedding backend is the shared
:class:`insightkit.embed.Embedder` (vectors come from its cache, so no text is encoded twice), UMAP
and HDBSCAN sized by :func:`insightkit.topics.params.choose_params`, an
:class:`~insightkit.topics.cluster.AdaptiveClusterer` that cannot crash on small inputs, a
CountVectorizer without stop, filler or placeholder words, and c-TF-IDF keywords (optionally
re-ranked by BERTopic's MMR or KeyBERT-inspired representation with the same embedder).

BERTopic is imported only when a model is fitted or loaded: ``import insightkit`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from insightkit.errors import InputError, InsightkitError, ModelError, ParameterError
from insightkit.topics.backend import load_bertopic, make_backend, model_hash, model_path, normalise, quiet
from insightkit.topics.cluster import AdaptiveClusterer
from insightkit.topics.labels import phrase_label, ranked_phrases, supported_keywords
from insightkit.topics.reduce import ExactKnnUMAP
from insightkit.topics.params import TopicParams, choose_params, make_vectorizer, strip_placeholders
from insightkit.topics.privacy import NameGuard, hidden_from

__all__ = ["TopicModel", "OUTLIER_LABEL", "TOPIC_TABLE_COLUMNS"]

#: Label of topic -1: segments no topic is close enough to (after outlier reduction).
OUTLIER_LABEL = "(outliers: no clear topic)"
#: Columns of ``TopicModel.topic_table()``; ``discover_topics`` adds theme and emergent columns.
TOPIC_TABLE_COLUMNS = ["topic", "label", "keywords", "phrase", "size", "representative_ids", "representative_text"]
#: Cosine similarity to a topic's centroid above which an outlier is moved into that topic.
#: MiniLM places members of a topic at 0.49-0.81 from its centroid (10th-90th percentile on the
#: pxtextmining answers); 0.35 takes the near misses and leaves segments about nothing in particular.
DEFAULT_OUTLIER_THRESHOLD = {"embeddings": 0.35, "c-tf-idf": 0.1}
META_FILE = "insightkit_topics.json"
_FORMAT = 1
_N_KEYWORDS = 10
_N_REPRESENTATIVES = 3
#: c-TF-IDF words BERTopic keeps per topic; keywords are the supported ones among them.
_POOL = 30


# --- helpers ----------------------------------------------------------------------------

def _vocabulary_size(docs: Sequence[str], *, stop_words: bool) -> int:
    """Distinct keyword candidates in ``docs`` (BERTopic's c-TF-IDF fails below two)."""
    try:
        return len(make_vectorizer(stop_words=stop_words).fit(docs).vocabulary_)
    except ValueError:  # "empty vocabulary"
        return 0


class TopicModel:
    """Topics of a list of texts, with BERTopic underneath.

    ``mode``: ``"auto"`` (unsupervised), ``"guided"`` (``seed_topic_list``: seed words per topic)
    or ``"zeroshot"`` (``zeroshot_topic_list``: topic descriptions; segments at least
    ``zeroshot_min_similarity`` cosine-similar to one go to it, the rest are clustered).
    ``representation``: ``"ctfidf"`` (keywords straight from c-TF-IDF), ``"mmr"`` or ``"keybert"``
    (re-ranked with the embedder; nothing is downloaded). Any of ``umap_model``,
    ``cluster_model``, ``vectorizer_model``, ``representation_model`` replaces the default part.
    ``redact_labels`` (default True, or a shared :class:`~insightkit.topics.privacy.NameGuard`):
    keep names out of keywords, key phrases, labels and representative texts even when the text
    redaction missed them (``extra_names``: names to keep out whatever the context); see
    :mod:`insightkit.topics.privacy`. ``label_weights`` (word stem -> weight in 0-1) pushes words
    down in labels, e.g. another theme's words in a sub-theme model
    (:func:`~insightkit.topics.labels.theme_word_weights`).
    """

    def __init__(self, *, embedder=None, mode: str = "auto", seed_topic_list: list[list[str]] | None = None,
                 zeroshot_topic_list: list[str] | None = None, zeroshot_min_similarity: float = 0.5,
                 zeroshot_labels: list[str] | None = None,
                 min_topic_size: int | None = None, seed: int = 42, representation: str = "ctfidf",
                 umap_model=None, cluster_model=None, vectorizer_model=None, representation_model=None,
                 reduce_outliers: bool = True, outlier_strategy: str = "embeddings",
                 outlier_threshold: float | None = None, top_n_words: int = _N_KEYWORDS,
                 redact_labels: "bool | NameGuard" = True, extra_names: Sequence[str] = (),
                 label_weights: dict[str, float] | None = None):
        if mode not in ("auto", "guided", "zeroshot"):
            raise ParameterError(f"unknown topic mode {mode!r}: use auto, guided or zeroshot")
        if mode == "guided" and not seed_topic_list:
            raise ParameterError("guided mode needs seed words (a codebook's 'includes')")
        if mode == "zeroshot" and not zeroshot_topic_list:
            raise ParameterError("zero-shot mode needs topic descriptions (a codebook's themes)")
        if representation not in ("ctfidf", "mmr", "keybert"):
            raise ParameterError(f"unknown representation {representation!r}: use ctfidf, mmr or keybert")
        if outlier_strategy not in DEFAULT_OUTLIER_THRESHOLD:
            raise ParameterError(f"unknown outlier strategy {outlier_strategy!r}: use embeddings or c-tf-idf")
        self.embedder = embedder
        self.mode = mode
        self.seed_topic_list = [list(map(str, s)) for s in seed_topic_list] if seed_topic_list else None
        self.zeroshot_topic_list = list(map(str, zeroshot_topic_list)) if zeroshot_topic_list else None
        self.zeroshot_min_similarity = float(zeroshot_min_similarity)
        self.zeroshot_labels = list(map(str, zeroshot_labels)) if zeroshot_labels else None
        self.min_topic_size = min_topic_size
        self.seed = int(seed)
        self.representation = representation
        self.umap_model = umap_model
        self.cluster_model = cluster_model
        self.vectorizer_model = vectorizer_model
        self.representation_model = representation_model
        self.reduce_outliers = reduce_outliers
        self.outlier_strategy = outlier_strategy
        self.outlier_threshold = (DEFAULT_OUTLIER_THRESHOLD[outlier_strategy] if outlier_threshold is None
                                  else float(outlier_threshold))
        self.top_n_words = int(top_n_words)
        self.label_weights = dict(label_weights) if label_weights else None
        if isinstance(redact_labels, NameGuard):
            self.guard: NameGuard | None = redact_labels
        else:
            self.guard = NameGuard(extra_names) if redact_labels else None
        # fitted state
        self.bertopic_ = None
        self.params_: TopicParams | None = None
        self.topics_: np.ndarray | None = None
        self.info_: pd.DataFrame | None = None
        self.outliers_: dict = {}
        self.messages_: list[str] = []
        self.zeroshot_topics_: dict[int, int] = {}
        self.coords_: np.ndarray | None = None
        self.centroids_: dict[int, np.ndarray] = {}
        self.cluster_method_: str = ""
        # words dropped from keywords and phrases as name-like: kept out of the saved model too
        self._hidden_words: set[str] = set()
        # (texts, texts for keywords, embeddings) of the fit
        self._fit_data: tuple[list[str], list[str], np.ndarray] | None = None

    # --- embeddings ---------------------------------------------------------------------
    def _get_embedder(self):
        if self.embedder is None:
            from insightkit.embed import get_embedder

            self.embedder = get_embedder()
        return self.embedder

    def _needs_backend(self) -> bool:
        return self.mode != "auto" or self.representation != "ctfidf" or self.representation_model is not None

    def embed(self, texts: Sequence[str], embeddings=None) -> np.ndarray:
        """Unit-length vectors for ``texts``: the ones given, else from the (cached) embedder."""
        if embeddings is None:
            if len(texts) == 0:
                return np.zeros((0, 1), dtype=np.float32)
            embeddings = self._get_embedder().encode(list(texts))
        emb = np.asarray(embeddings, dtype=np.float32)
        if emb.ndim != 2 or emb.shape[0] != len(texts):
            raise ParameterError(f"embeddings have shape {emb.shape}; expected ({len(texts)}, dim), one row per text")
        if not np.isfinite(emb).all():
            raise ParameterError("embeddings contain NaN or infinite values")
        return normalise(emb)

    # --- fitting ------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], embeddings=None) -> "TopicModel":
        """Fit on ``texts`` (non-empty strings) with their ``embeddings`` (computed when None)."""
        texts = ["" if t is None else str(t) for t in texts]
        emb = self.embed(texts, embeddings)
        n = len(texts)
        self.messages_ = []
        self._hidden_words = set()
        self.params_ = p = choose_params(n, min_topic_size=self.min_topic_size)
        self.outliers_ = {"initial": 0, "reassigned": 0, "remaining": 0, "threshold": self.outlier_threshold,
                          "strategy": self.outlier_strategy}
        self.zeroshot_topics_ = {}
        self.bertopic_ = None
        if p.method == "none":
            self.messages_.append(f"too few segments to model topics: {n} (at least 8 are needed); "
                                  "every segment is left in topic -1")
            self.topics_ = np.full(n, -1, dtype=int)
            self.outliers_.update(initial=n, remaining=n)
            self.cluster_method_ = "none"
            self._fit_data = (texts, texts, emb)
            self._summarise(texts, emb, keywords={})
            self.coords_ = self._coords(emb, None)
            return self

        docs = [strip_placeholders(t) for t in texts]
        stop_words = _vocabulary_size(docs, stop_words=True) >= 2
        if not stop_words:
            if _vocabulary_size(docs, stop_words=False) < 2:
                return self._fit_without_words(texts, emb, p)
            self.messages_.append("these segments hold almost only stop or filler words; keywords include them")
        bt, topics, clusterer = self._fit_bertopic(docs, emb, p, stop_words=stop_words)
        self.bertopic_ = bt
        self.cluster_method_ = getattr(clusterer, "method_", type(clusterer).__name__)
        if self.mode == "zeroshot":
            self.cluster_method_ = f"zero-shot + {self.cluster_method_}"
        note = getattr(clusterer, "note_", "")
        if note:
            self.messages_.append(note)
        self.zeroshot_topics_ = {int(k): int(v) for k, v in getattr(bt, "_topic_id_to_zeroshot_topic_idx", {}).items()}
        topics = self._reduce_outliers(bt, docs, emb, np.asarray(topics, dtype=int))
        self.topics_ = topics
        self._set_centroids(bt, topics, emb)
        self._fit_data = (texts, docs, emb)
        self._describe(bt, topics)
        reduced = getattr(bt.umap_model, "embedding_", None)
        self.coords_ = self._coords(emb, reduced)
        return self

    def _describe(self, bt, topics: np.ndarray, ids: Sequence | None = None) -> None:
        if self._fit_data is None:
            raise InsightkitError("a loaded model holds no segment texts: refit to describe its topics")
        texts, docs, emb = self._fit_data
        keywords = self._keywords(bt, docs, topics)
        self._summarise(texts, emb, keywords, ids=ids)
        info = self._fitted_info()
        labels = dict(zip(info["topic"], info["label"]))
        with quiet():
            bt.set_topic_labels({int(t): lbl for t, lbl in labels.items()})

    def update_topics(self, topics: Sequence[int]) -> "TopicModel":
        """Replace the fitted assignment (e.g. after splitting a topic) and redo keywords and labels.

        Topic ids must stay -1 (outliers) and 0..k-1, as BERTopic numbers them.
        """
        fitted = self._fitted_topics()
        assigned = np.asarray(topics, dtype=int)
        if self.bertopic_ is None or len(assigned) != len(fitted):
            raise InsightkitError("update_topics needs a fitted model and one topic per fitted segment")
        real = sorted(set(assigned.tolist()) - {-1})
        if real != list(range(len(real))):
            raise InsightkitError("topic ids must be 0..k-1 (and -1 for outliers)")
        if self._fit_data is None:
            raise InsightkitError("a loaded model holds no segment texts: refit to change its topics")
        texts, docs, emb = self._fit_data
        bt = self.bertopic_
        self._bertopic_update(bt, docs, assigned)
        self.topics_ = assigned
        self._set_centroids(bt, assigned, emb)
        self._describe(bt, assigned, ids=getattr(self, "_row_ids", None))
        return self

    def _fit_without_words(self, texts: list[str], emb: np.ndarray, p: TopicParams) -> "TopicModel":
        """Segments with (almost) no words, e.g. scores or "5": group by meaning, no keywords."""
        cl = AdaptiveClusterer(p.min_cluster_size, use_hdbscan=False, max_topics=min(10, p.max_topics or 10),
                               normalize=True, seed=self.seed).fit(emb)
        self.topics_ = np.asarray(cl.labels_, dtype=int)
        self.cluster_method_ = cl.method_
        self.messages_.append("these segments have fewer than two distinct words: grouped by meaning only, "
                              "without keywords")
        n_out = int((self.topics_ == -1).sum())
        self.outliers_.update(initial=n_out, remaining=n_out)
        self.centroids_ = {int(t): emb[self.topics_ == t].mean(axis=0) for t in sorted(set(self.topics_))}
        self._fit_data = (texts, texts, emb)
        self._summarise(texts, emb, keywords={})
        self.coords_ = self._coords(emb, None)
        return self

    def _fit_bertopic(self, docs, emb, p: TopicParams, *, stop_words: bool):
        with quiet():
            from bertopic import BERTopic
            from bertopic.dimensionality import BaseDimensionalityReduction
            from bertopic.vectorizers import ClassTfidfTransformer

            if self.umap_model is not None:
                reducer = self.umap_model
            elif p.method == "umap+hdbscan":
                if p.n_neighbors is None or p.n_components is None:
                    raise ParameterError("UMAP settings need n_neighbors and n_components")
                reducer = ExactKnnUMAP(n_neighbors=p.n_neighbors, n_components=p.n_components, min_dist=0.0,
                                       random_state=self.seed, n_epochs=p.n_epochs)
            else:
                reducer = BaseDimensionalityReduction()
            clusterer = self.cluster_model or AdaptiveClusterer(
                p.min_cluster_size, p.min_samples, use_hdbscan=p.method == "umap+hdbscan",
                max_topics=p.max_topics or 10, normalize=p.method != "umap+hdbscan", seed=self.seed,
                max_cluster_size=p.max_cluster_size)
            vectorizer = self.vectorizer_model if (self.vectorizer_model is not None and stop_words) \
                else make_vectorizer(stop_words=stop_words)
            backend = make_backend(self._get_embedder()) if self._needs_backend() else None
            representation = self.representation_model
            if representation is None and self.representation == "mmr":
                from bertopic.representation import MaximalMarginalRelevance

                representation = MaximalMarginalRelevance(diversity=0.3, top_n_words=_POOL)
            elif representation is None and self.representation == "keybert":
                from bertopic.representation import KeyBERTInspired

                class _KeyBERT(KeyBERTInspired):
                    # BERTopic 0.17.4 indexes the document embeddings it is given with positions in
                    # its list of representative documents (the wrong rows); let it look the
                    # representative documents up in the embedder instead (cache hits, no encoding).
                    def extract_topics(self, topic_model, documents, c_tf_idf, topics, embeddings=None):
                        return super().extract_topics(topic_model, documents, c_tf_idf, topics, None)

                representation = _KeyBERT(top_n_words=_POOL, random_state=self.seed)
            bt = BERTopic(
                language=None,  # keep punctuation handling the same with or without a backend
                top_n_words=_POOL,
                min_topic_size=p.min_cluster_size,
                seed_topic_list=self.seed_topic_list if self.mode == "guided" else None,
                zeroshot_topic_list=self.zeroshot_topic_list if self.mode == "zeroshot" else None,
                zeroshot_min_similarity=self.zeroshot_min_similarity,
                embedding_model=backend,
                umap_model=reducer,
                hdbscan_model=clusterer,
                vectorizer_model=vectorizer,
                ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
                representation_model=representation,
                calculate_probabilities=False,
            )
            # guided mode moves embeddings towards the seeds in place: give BERTopic a copy
            topics, _ = bt.fit_transform(list(docs), embeddings=emb.copy())
        return bt, np.asarray(topics, dtype=int), clusterer

    def _keywords(self, bt, docs: list[str], topics: np.ndarray) -> dict[int, list[str]]:
        """Per topic: BERTopic's ranked c-TF-IDF words that enough members use (see labels.py)."""
        X = bt.vectorizer_model.transform(docs)
        vocab = bt.vectorizer_model.vocabulary_
        X.data[:] = 1  # document frequency, not counts
        out = {}
        for t in sorted(set(int(x) for x in topics)):
            pool = [w for w, _ in (bt.get_topic(t) or []) if w]
            members = np.flatnonzero(topics == t)
            cols = [vocab[w] for w in pool if w in vocab]
            counts: np.ndarray | list[int] = np.asarray(X[members][:, cols].sum(axis=0)).ravel() if cols else []
            df = {w: int(c) for w, c in zip([w for w in pool if w in vocab], counts)}
            out[t] = supported_keywords(pool, df, len(members), self.top_n_words)
        return out

    def _set_centroids(self, bt, topics: np.ndarray, emb: np.ndarray) -> None:
        """Topic embeddings = mean of member embeddings (BERTopic's convention: -1 first if present)."""
        ids = sorted(set(int(t) for t in topics))
        cents = []
        self.centroids_ = {}
        for t in ids:
            c = emb[topics == t].mean(axis=0)
            cents.append(c)
            self.centroids_[t] = c
        if bt is not None and ids:
            bt.topic_embeddings_ = np.asarray(cents, dtype=np.float32)

    def _bertopic_update(self, bt, docs, topics: np.ndarray) -> None:
        """BERTopic's ``update_topics`` for a new assignment (c-TF-IDF and keywords recomputed)."""
        saved_backend = bt.embedding_model
        if self.representation == "ctfidf" and self.representation_model is None:
            bt.embedding_model = None  # topic vectors are set from centroids afterwards; no word encoding
        try:
            with quiet():
                bt.update_topics(list(docs), topics=topics.tolist(), top_n_words=_POOL,
                                 vectorizer_model=bt.vectorizer_model, ctfidf_model=bt.ctfidf_model,
                                 representation_model=bt.representation_model)
        finally:
            bt.embedding_model = saved_backend

    def _reduce_outliers(self, bt, docs, emb, topics: np.ndarray) -> np.ndarray:
        n_out = int((topics == -1).sum())
        self.outliers_.update(initial=n_out, remaining=n_out)
        real = sorted(set(topics.tolist()) - {-1})
        if not n_out or not real or not self.reduce_outliers:
            return topics
        if real != list(range(len(real))):  # BERTopic numbers topics 0..k-1; anything else: leave as is
            self.messages_.append("topic ids are not contiguous; outliers were not reduced")
            return topics
        self._set_centroids(bt, topics, emb)
        with quiet():
            new = np.asarray(bt.reduce_outliers(list(docs), topics.tolist(), strategy=self.outlier_strategy,
                                                embeddings=emb, threshold=self.outlier_threshold), dtype=int)
        moved = int(((topics == -1) & (new != -1)).sum())
        if moved:
            self._bertopic_update(bt, docs, new)
        remaining = int((new == -1).sum())
        self.outliers_.update(reassigned=moved, remaining=remaining)
        self.messages_.append(
            f"outliers: {n_out} of {len(topics)} segments fitted no cluster; {moved} moved to the topic whose "
            f"centre is closest ({self.outlier_strategy} similarity >= {self.outlier_threshold}); "
            f"{remaining} remain in topic -1")
        return new

    def _coords(self, emb: np.ndarray, reduced) -> np.ndarray:
        """2-D positions for a map of the segments: PCA of the UMAP space (or of the embeddings)."""
        base = np.asarray(reduced if reduced is not None and len(reduced) == len(emb) else emb, dtype=np.float64)
        if len(base) == 0:
            return np.zeros((0, 2))
        base = base - base.mean(axis=0)
        if len(base) < 3:
            return np.zeros((len(base), 2))
        u, s, _ = np.linalg.svd(base, full_matrices=False)
        xy = u[:, :2] * s[:2]
        if xy.shape[1] < 2:
            xy = np.hstack([xy, np.zeros((len(xy), 2 - xy.shape[1]))])
        # fix the sign so that the picture does not flip between platforms
        for j in range(2):
            if xy[np.argmax(np.abs(xy[:, j])), j] < 0:
                xy[:, j] = -xy[:, j]
        return xy

    def _summarise(self, texts: list[str], emb: np.ndarray, keywords: dict[int, list[str]],
                   ids: Sequence | None = None) -> None:
        """The topic table, largest topic first (outliers last): a label that is a phrase from the
        segments, keywords, the key phrase, and the most central segments."""
        topics = self._fitted_topics()
        ids = list(range(len(texts))) if ids is None else list(ids)
        self._row_ids = ids
        rows = []
        ranked = ranked_phrases(texts, topics, self.label_weights) if len(texts) else {}
        sizes = {int(t): int((topics == t).sum()) for t in set(int(x) for x in topics)}
        for t in sorted(sizes, key=lambda x: (x == -1, -sizes[x], x)):
            members = np.flatnonzero(topics == t)
            kw = list(keywords.get(t, []))
            centre = emb[members].mean(axis=0)
            norm = np.linalg.norm(centre)
            sims = emb[members] @ (centre / norm if norm > 0 else centre)
            order = members[np.lexsort((members, -sims))][:_N_REPRESENTATIVES]
            phrases = list(ranked.get(t, []))
            if self.guard is not None and (kw or phrases):  # no name in what the topic shows
                named = self.guard.name_words([w for term in [*kw, *(p for p, _, _ in phrases)] for w in term.split()],
                                              [texts[i] for i in members])
                self._hidden_words |= named
                kw = self.guard.keep(kw, named)
                shown = set(self.guard.keep([p for p, _, _ in phrases], named))
                phrases = [x for x in phrases if x[0] in shown]
            phrase = phrases[0][0] if phrases else ""
            if t == -1:
                label = OUTLIER_LABEL if self._fitted_params().method != "none" else "(too few segments to model)"
            elif self.mode == "zeroshot" and t in self.zeroshot_topics_:
                names = self.zeroshot_labels or self.zeroshot_topic_list
                if names is None:
                    raise InsightkitError("a zero-shot model needs its topic descriptions or labels")
                label = names[self.zeroshot_topics_[t]]
            else:
                label = phrase_label(phrases, kw, len(members)) or f"topic {t}"
            text = " ".join(texts[order[0]].split()) if len(order) else ""
            if self.guard is not None and text:
                text = self.guard.text(text)
            rows.append({
                "topic": t,
                "label": label,
                "keywords": ", ".join(kw),
                "phrase": phrase,
                "size": int(len(members)),
                "representative_ids": "; ".join(str(ids[i]) for i in order),
                "representative_text": text if len(text) <= 200 else text[:197].rstrip() + "...",
            })
        self.info_ = pd.DataFrame(rows, columns=TOPIC_TABLE_COLUMNS)

    def set_row_ids(self, ids: Sequence) -> None:
        """Name segments by ``ids`` (e.g. segment_id) in ``representative_ids`` instead of positions."""
        ids = list(ids)
        if self.info_ is None or self.topics_ is None or len(ids) != len(self.topics_):
            raise InsightkitError("set_row_ids needs one id per fitted segment")
        old = {str(i): str(ids[i]) for i in range(len(ids))}
        self.info_["representative_ids"] = [
            "; ".join(old.get(x.strip(), x.strip()) for x in s.split(";")) if s else ""
            for s in self.info_["representative_ids"]]
        self._row_ids = ids

    # --- results ------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        self._fitted_topics()

    def _fitted_topics(self) -> np.ndarray:
        """The fitted topic of each segment (``topics_``); raises if the model is not fitted."""
        if self.topics_ is None:
            raise InsightkitError("the topic model is not fitted: call fit() first")
        return self.topics_

    def _fitted_info(self) -> pd.DataFrame:
        """The fitted topic table (``info_``); raises if the model is not fitted."""
        self._check_fitted()
        if self.info_ is None:
            raise InsightkitError("the topic model has no topic table: call fit() first")
        return self.info_

    def _fitted_params(self) -> TopicParams:
        """The settings of the fit (``params_``); raises if the model is not fitted."""
        if self.params_ is None:
            raise InsightkitError("the topic model has no fitted settings: call fit() first")
        return self.params_

    def topic_table(self) -> pd.DataFrame:
        """One row per topic: topic, label, keywords, phrase, size, representative ids and text."""
        return self._fitted_info().copy()

    @property
    def labels_(self) -> dict[int, str]:
        info = self._fitted_info()
        return dict(zip(info["topic"].astype(int), info["label"]))

    def transform(self, texts: Sequence[str] | None = None, embeddings=None, threshold: float | None = None) -> np.ndarray:
        """Topic of new segments: the nearest topic centre, or -1 below ``threshold`` cosine similarity."""
        self._check_fitted()
        if embeddings is None and texts is None:
            raise ParameterError("give texts or embeddings")
        if texts is None:
            texts = [""] * len(embeddings)
        emb = self.embed(list(texts), embeddings)
        ids = np.array([t for t in sorted(self.centroids_) if t != -1], dtype=int)
        if len(ids) == 0:
            return np.full(len(emb), -1, dtype=int)
        cents = normalise(np.vstack([self.centroids_[t] for t in ids]))
        sims = emb @ cents.T
        best = np.argmax(sims, axis=1)
        thr = self.outlier_threshold if threshold is None else float(threshold)
        return np.where(sims[np.arange(len(emb)), best] >= thr, ids[best], -1)

    # --- persistence --------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Save to a folder: BERTopic's safetensors + JSON files and ``insightkit_topics.json``.

        No pickle: topic embeddings and c-TF-IDF are safetensors, everything else JSON. The
        embedding model is recorded as its local folder and weights hash, never copied.
        """
        topics = self._fitted_topics()
        info = self._fitted_info()
        params = self._fitted_params()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        emb_hash = model_hash(self.embedder)
        if self.bertopic_ is not None:
            with quiet(), hidden_from(self.bertopic_, self.guard, self._hidden_words):
                self.bertopic_.save(str(path), serialization="safetensors", save_ctfidf=True,
                                    save_embedding_model=model_path(self.embedder) or False)
        from insightkit import __version__

        meta = {
            "format": _FORMAT,
            "insightkit_version": __version__,
            "mode": self.mode,
            "seed": self.seed,
            "representation": self.representation,
            "params": params.to_dict(),
            "cluster_method": self.cluster_method_,
            "outliers": self.outliers_,
            "messages": self.messages_,
            "zeroshot_topics": {str(k): v for k, v in self.zeroshot_topics_.items()},
            "zeroshot_topic_list": self.zeroshot_topic_list,
            "zeroshot_labels": self.zeroshot_labels,
            "seed_topic_list": self.seed_topic_list,
            "embedding_model_sha256": emb_hash,
            "centroids": {str(k): [float(x) for x in v] for k, v in self.centroids_.items()},
            "topics": [int(t) for t in topics],
            # representative_text is left out: the folder holds no segment text
            "topic_table": info.drop(columns=["representative_text"]).to_dict(orient="records"),
        }
        (path / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, embedder=None) -> "TopicModel":
        """Load a folder written by :meth:`save`; the embedder defaults to the local model."""
        path = Path(path)
        meta_path = path / META_FILE
        if not meta_path.is_file():
            raise InputError(path, f"not an insightkit topic model folder (no {META_FILE})")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(meta_path, f"unreadable topic model metadata: {exc}") from exc
        if meta.get("format") != _FORMAT:
            raise InputError(meta_path, f"unsupported topic model format {meta.get('format')!r}")
        if embedder is None:  # the local model; it loads its weights only if something is encoded
            from insightkit.embed import get_embedder

            embedder = get_embedder()
        model = cls(embedder=embedder, seed=meta["seed"], representation=meta.get("representation", "ctfidf"),
                    mode="auto")
        model.mode = meta["mode"]
        model.seed_topic_list = meta.get("seed_topic_list")
        model.zeroshot_topic_list = meta.get("zeroshot_topic_list")
        model.zeroshot_labels = meta.get("zeroshot_labels")
        model.params_ = TopicParams(**meta["params"])
        model.cluster_method_ = meta.get("cluster_method", "")
        model.outliers_ = meta.get("outliers", {})
        model.outlier_threshold = float(model.outliers_.get("threshold", model.outlier_threshold))
        model.messages_ = list(meta.get("messages", []))
        model.zeroshot_topics_ = {int(k): int(v) for k, v in meta.get("zeroshot_topics", {}).items()}
        model.centroids_ = {int(k): np.asarray(v, dtype=np.float32) for k, v in meta.get("centroids", {}).items()}
        model.topics_ = np.asarray(meta["topics"], dtype=int)
        table = pd.DataFrame(meta["topic_table"])
        table["representative_text"] = ""
        model.info_ = table[TOPIC_TABLE_COLUMNS]
        saved_hash = meta.get("embedding_model_sha256")
        if embedder is not None and saved_hash and model_hash(embedder) and model_hash(embedder) != saved_hash:
            raise ModelError(f"{path}: the topic model was fitted with a different embedding model "
                             f"(weights sha256 {saved_hash[:12]}...); load it with the same model")
        if (path / "config.json").is_file():
            model.bertopic_ = load_bertopic(path, embedder)
        model._fit_data = None  # the training texts are not saved: keywords cannot be recomputed
        return model
