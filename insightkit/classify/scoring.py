"""Combining the views' scores: view weights, their average, and sentence-level scoring.

A text's score for a theme is the weighted average of its views' scores. With ``sentence_weight``
above 0, a text of several sentences also gets, from each regression view, the highest score any
one of its sentences gets (sentences from the one splitter, :mod:`insightkit.sentences`), and its
score is ``(1 - w) * whole-text score + w * that``: a theme raised in one sentence of a long answer
is not diluted by the rest.
"""

from __future__ import annotations

import numpy as np

from insightkit.classify.views import _embeddings_for, _neighbour_scores, view_proba
from insightkit.errors import ParameterError
from insightkit.sentences import SentenceSplitter, sentence_spans

#: sentences for sentence-level scoring: the one splitter, fragments under 3 characters left out
_SCORING_SPLITTER = SentenceSplitter(min_chars=3)


def split_sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the sentences of ``text`` for sentence-level scoring: the one sentence splitter
    (:mod:`insightkit.sentences`), fragments under 3 characters left out; the whole text if none is left."""
    return sentence_spans(text, _SCORING_SPLITTER) or [(0, len(text))]


def view_weights(model) -> dict[str, float]:
    """The model's weight of each of its views (``features_``), normalised to sum to 1."""
    w = {f: 1.0 for f in model.features_}
    if model.view_weights:
        for k, v in dict(model.view_weights).items():
            if k not in w:
                raise ParameterError(f"view_weights names {k!r}, which is not among features {list(w)}")
            w[k] = float(v)
    total = sum(w.values())
    if total <= 0:
        raise ParameterError("view_weights must not all be zero")
    return {k: v / total for k, v in w.items()}


def views_proba(model, views: dict, texts: list[str], E: np.ndarray | None) -> np.ndarray:
    """The weighted average of the fitted ``views``' scores, mixed with sentence scores (sentence_weight)."""
    weights = view_weights(model)
    P: np.ndarray | None = None
    per_view: dict[str, np.ndarray] = {}
    for view, part in views.items():
        if view == "neighbours":
            p = _neighbour_scores(_embeddings_for(view, E), part["vectors"], part["labels"], int(model.n_neighbours))
        else:
            p = per_view[view] = view_proba(view, part, texts, E)
        P = p * weights[view] if P is None else P + p * weights[view]
    if P is None:
        raise ValueError("internal error: the model has no fitted views to score with")
    w = float(model.sentence_weight)
    if w > 0 and per_view:
        P = (1.0 - w) * P + w * sentence_max(model, views, texts, per_view, weights)
    return P


def sentence_max(model, views: dict, texts: list[str], per_view: dict, weights: dict) -> np.ndarray:
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
        Es = model._embeddings(sents, None) if "embedding" in per_view else None
        for v in per_view:
            ps = view_proba(v, views[v], sents, Es)
            out[v][multi] = np.maximum.reduceat(ps, starts, axis=0)
    total = sum(weights[v] for v in out)
    return sum(out[v] * (weights[v] / total) for v in out)
