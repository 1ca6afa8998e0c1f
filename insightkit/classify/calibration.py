"""A model's error rates on real texts, measured by cross-validation grouped by source.

Corrected prevalence (:mod:`insightkit.report.adjusted`) needs each theme's true- and false-positive
rates on the kind of text the model will tag. They are measured here: labelled texts of that kind
(real passages, a team's own coded batch) are split into folds by source (a whole page, interview
or respondent on one side, so a fold never sees its own source), and for each fold the whole model
(encoder fine-tuning included, unless the encoder learns from the other texts only) is refitted on
everything else and tags the fold. The out-of-fold tags, at each refit's own thresholds, give the
counts a model folder records as ``"error_rates"``; the out-of-fold scores are returned as well so
that thresholds can be judged on the same honest footing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from insightkit.classify.error_rates import calibration_pairs, error_rates_from_predictions
from insightkit.errors import ParameterError

__all__ = ["OutOfFold", "grouped_out_of_fold"]


@dataclass
class OutOfFold:
    """Out-of-fold scores and tags of the calibration texts, per speed ("default", and "fast" when
    the model has a fast head), and the confusion counts they give."""

    scores: dict[str, np.ndarray]
    tags: dict[str, np.ndarray]
    folds: int

    def error_rates(self, Y: np.ndarray, theme_ids: Sequence[str], *, method: str, data: dict) -> dict:
        """The ``"error_rates"`` entry of a model folder (counts per speed, how they were measured)."""
        return {"method": method, "data": data,
                **{speed: error_rates_from_predictions(Y, tags, theme_ids) for speed, tags in self.tags.items()},
                "calibration": {speed: calibration_pairs(sc, Y, theme_ids) for speed, sc in self.scores.items()}}


def grouped_out_of_fold(make_model, base_texts: list[str], base_Y: np.ndarray, cal_texts: list[str],
                        cal_Y: np.ndarray, groups: Sequence, *, folds: int = 5, cal_weight: float = 1.0,
                        encoder_from_base_only: bool = False) -> OutOfFold:
    """Refit ``make_model()`` ``folds`` times on ``base`` plus the calibration texts outside one group
    fold (weighted ``cal_weight``) and tag that fold; folds are whole groups (sklearn ``GroupKFold``,
    deterministic). ``encoder_from_base_only`` fine-tunes the encoder on the base texts alone (one
    encoder for every fold, so the calibration texts never reach it)."""
    from sklearn.model_selection import GroupKFold

    group_ids = np.asarray(["" if g is None else str(g) for g in groups])
    n_groups = len(set(group_ids.tolist()))
    if len(group_ids) != len(cal_texts) or len(cal_texts) != len(cal_Y):
        raise ParameterError("the calibration texts, labels and groups must have one entry per text")
    if n_groups < folds or folds < 2:
        raise ParameterError(f"cross-validation needs at least {max(folds, 2)} groups of calibration texts; "
                             f"there are {n_groups}")
    k = base_Y.shape[1]
    scores: dict[str, np.ndarray] = {}
    tags: dict[str, np.ndarray] = {}
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(cal_texts, cal_Y, group_ids):
        texts = list(base_texts) + [cal_texts[i] for i in train_idx]
        Y = np.vstack([base_Y, cal_Y[train_idx]])
        w = np.r_[np.ones(len(base_texts)), np.full(len(train_idx), float(cal_weight))]
        model = make_model()
        kwargs = {}
        if encoder_from_base_only and getattr(model, "fine_tune", None) is not None:
            kwargs["encoder_weight"] = np.r_[np.ones(len(base_texts)), np.zeros(len(train_idx))]
        model.fit(texts, Y, sample_weight=w, **kwargs)
        held = [cal_texts[i] for i in test_idx]
        heads = {"default": model}
        if getattr(model, "fast_", None) is not None:
            heads["fast"] = model.at_speed("fast")
        for speed, head in heads.items():
            P = head.predict_proba(held)
            scores.setdefault(speed, np.zeros((len(cal_texts), k)))[test_idx] = P
            tags.setdefault(speed, np.zeros((len(cal_texts), k), dtype=np.int64))[test_idx] = \
                (P >= head.thresholds_[None, :]).astype(np.int64)
    return OutOfFold(scores=scores, tags=tags, folds=folds)
