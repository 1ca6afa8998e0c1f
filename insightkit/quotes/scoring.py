"""The four scores of a candidate window for a theme, and how they combine.

* **theme score**: the classifier's probability for the theme on the window itself (when a model is
  given), else the segment's ``score_<id>``;
* **representativeness**: cosine similarity of the window to the centroid of the participant
  segments tagged with the theme;
* **specificity**: concrete detail (numbers, named systems or acronyms, actions taken);
* **voice**: a person's own spoken words rather than report-like prose
  (:func:`insightkit.quotes.voice.spoken_voice`).

``score = 0.4 * theme_score + 0.2 * representativeness + 0.15 * specificity + 0.25 * voice``
(docs/quotes.md).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from insightkit.quotes.voice import spoken_voice
from insightkit.sentences import starts_sentence

__all__ = ["WEIGHTS", "specificity", "window_theme_scores", "theme_centroid", "combined_scores", "score_formula"]

_NUMBER_RX = re.compile(r"(?<![A-Za-z])(?:£\s?)?\d[\d,.]*\s?(?:%|per ?cent|k|m|bn|million|billion|hours?|days?|weeks?|months?|years?|minutes?)?")
_ACRONYM_RX = re.compile(r"\b[A-Z][A-Z0-9]{1,6}s?\b")
_ACTION_RX = re.compile(
    r"\b(?:implemented|rolled out|went live|gone live|launched|introduced|deployed|replaced|migrated|moved|built|"
    r"trained|recruited|appointed|reduced|saved|cut|halved|doubled|automated|switched|procured|signed|installed|"
    r"upgraded|set up|created|established|merged|converged|retired|decommissioned)\b",
    re.I,
)
_CAPITALISED_RX = re.compile(r"\b[A-Z][a-z]+[A-Z]?[a-z]*\b")

WEIGHTS = {"theme_score": 0.4, "representativeness": 0.2, "specificity": 0.15, "voice": 0.25}
#: How each score is named where a reason spells the formula out.
_SHORT = {"theme_score": "theme", "representativeness": "typical", "specificity": "specific", "voice": "voice"}


def score_formula(parts: dict | None = None) -> str:
    """``"0.4 x theme + 0.2 x typical + ..."``; with ``parts`` (a candidate's scores) the values too."""
    terms = []
    for k, w in WEIGHTS.items():
        value = f" {parts[k]:.2f}" if parts is not None else ""
        terms.append(f"{w:g} x {_SHORT[k]}{value}")
    return " + ".join(terms)


def specificity(text: str) -> float:
    """Concrete detail (numbers, named systems or acronyms, actions taken) in [0, 1)."""
    numbers = len(_NUMBER_RX.findall(text))
    names = len(_ACRONYM_RX.findall(text))
    # capitalised words that do not start a sentence: systems, places, programmes
    caps = sum(1 for m in _CAPITALISED_RX.finditer(text) if not starts_sentence(text, m.start()))
    actions = len(_ACTION_RX.findall(text))
    f = min(numbers, 2) + min(names + caps, 2) + min(actions, 2)
    return float(1 - math.exp(-f / 2.0))


def _accepts_embeddings(model) -> bool:
    import inspect

    try:
        return "embeddings" in inspect.signature(model.predict_proba).parameters
    except (TypeError, ValueError):
        return False


def window_theme_scores(model, cand: pd.DataFrame, cand_vecs: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """The model's probability of each theme on each candidate window, and its thresholds
    (both empty without a model or candidates)."""
    thresholds: dict[str, float] = {}
    window_scores: dict[str, np.ndarray] = {}
    if model is None or not len(cand):
        return window_scores, thresholds
    ids = [t.id for t in model.codebook.themes]
    proba = model.predict_proba(cand["quote"].tolist(), embeddings=cand_vecs) if _accepts_embeddings(model) \
        else model.predict_proba(cand["quote"].tolist())
    th = getattr(model, "thresholds_", None)
    for j, tid in enumerate(ids):
        window_scores[tid] = np.asarray(proba)[:, j]
        if th is not None:
            thresholds[tid] = float(np.asarray(th)[j])
    return window_scores, thresholds


def theme_centroid(seg_vecs: np.ndarray, people_mask: np.ndarray) -> np.ndarray:
    """Unit centroid of the participant segments tagged with a theme (zeros when there are none)."""
    centroid = seg_vecs[people_mask].mean(axis=0) if people_mask.any() else np.zeros(seg_vecs.shape[1])
    return centroid / (np.linalg.norm(centroid) or 1.0)


def voice_scores(quotes) -> np.ndarray:
    """:func:`~insightkit.quotes.voice.spoken_voice` of each window."""
    return np.array([spoken_voice(q) for q in quotes], dtype=float)


def combined_scores(theme_score: np.ndarray, cand_vecs: np.ndarray, centroid: np.ndarray, quotes,
                    voice: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(representativeness, specificity, voice, combined)`` of the windows with vectors ``cand_vecs``
    (``voice``: the windows' voice scores when already computed)."""
    rep = np.clip(cand_vecs @ centroid, 0, 1) if len(cand_vecs) else np.zeros(0)
    quotes = list(quotes)
    spec = np.array([specificity(q) for q in quotes], dtype=float)
    vo = voice_scores(quotes) if voice is None else np.asarray(voice, dtype=float)
    total = (WEIGHTS["theme_score"] * theme_score + WEIGHTS["representativeness"] * rep
             + WEIGHTS["specificity"] * spec + WEIGHTS["voice"] * vo)
    return rep, spec, vo, total
