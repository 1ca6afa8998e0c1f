"""Theme shares that correct for the classifier's known errors: adjusted classify-and-count.

A classifier that misses a third of the texts about a theme and rarely tags a text wrongly
reports too small a share. If it tags a text about the theme with probability ``tpr`` (true-positive
rate, recall) and a text not about it with probability ``fpr`` (false-positive rate), the tagged
share ``q`` is on average ``p * tpr + (1 - p) * fpr`` for a true share ``p``, so

    p = (q - fpr) / (tpr - fpr),   clipped to [0, 1]

is unbiased for ``p`` wherever the rates hold (Forman's adjusted classify-and-count). The rates come
from the model folder (``error_rates`` in meta.json, :mod:`insightkit.classify.error_rates`):
counts of true and false positives and negatives from cross-validation on real labelled texts.

The interval is a seeded parametric bootstrap that carries both sources of uncertainty: each draw
takes the tagged share from its Jeffreys posterior ``Beta(k + 1/2, n - k + 1/2)`` (sampling) and
``tpr``, ``fpr`` from the Jeffreys posteriors of the cross-validation counts,
``Beta(tp + 1/2, fn + 1/2)`` and ``Beta(fp + 1/2, tn + 1/2)`` (error-rate uncertainty), and corrects;
the interval is the central ``level`` share of the corrected draws, widened if need be to hold the
estimate. The same seed gives the same interval.

**People, not segments.** A person is tagged with a theme when any of their segments is, so the
segment rates do not carry over to a person with many segments: each segment is one more chance of
a false positive, and a person who raises a theme in several segments is missed only if every one
is missed. With ``n_i`` segments a person who never raises the theme is tagged with probability
``1 - (1 - fpr)^n_i`` (false positives strike segments independently); a person who raises it in
``m_i`` of them with ``1 - (1 - tpr)^m_i (1 - fpr)^(n_i - m_i)``. ``m_i`` is not observed: we take
the corrected share of *segments* about the theme, ``p_s`` (the formula above, over all segments),
and spread those segments evenly over the people who raise it, ``m_i = n_i * p_s / pi`` (at least 1,
at most ``n_i``), where ``pi`` is the share of people who raise it. The expected share of people
tagged then rises with ``pi`` and we solve it equal to the observed share. With one segment each
this is the segment formula exactly. Its limits: it assumes a raiser's errors are independent
across their segments and that raisers talk about the theme in a similar share of their segments;
when a few people talk about it at length and others mention it once, it over-corrects a little for
the people who mention it once. The bootstrap draws the person share, the segment share and both
rates.

**When it does not correct.** Without error rates for a theme (the model carries none, or not for
that theme), or when ``tpr - fpr`` is below :data:`MIN_SEPARATION` (the classifier barely tells the
theme apart, so the correction would divide by almost nothing), the estimate is the tagged share with
its Wilson interval and ``method`` says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from insightkit.errors import ParameterError

__all__ = ["model_error_rates", "wilson_interval", "ShareEstimate", "estimate_share", "MIN_SEPARATION", "METHOD_UNCORRECTED",
           "METHOD_SEGMENTS", "METHOD_PEOPLE", "CORRECTED_METHODS", "model_error_entry"]

#: the smallest ``tpr - fpr`` the correction divides by; below it the tagged share is reported
MIN_SEPARATION = 0.2
METHOD_UNCORRECTED = "tagged share (Wilson), no error rates"
METHOD_SEGMENTS = "adjusted classify-and-count (cross-validated error rates), bootstrap interval"
METHOD_PEOPLE = "adjusted classify-and-count, person level from segment error rates, bootstrap interval"
#: the methods that correct (the others report the tagged share)
CORRECTED_METHODS = (METHOD_SEGMENTS, METHOD_PEOPLE)
#: draws of the bootstrap
DRAWS = 2000


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n (proportions in [0, 1]), from SciPy's
    ``binomtest(k, n).proportion_ci(level, method="wilson")``.

    The interval always contains the estimate ``k / n``: with k = 0 the lower bound is exactly 0 and
    with k = n the upper bound is exactly 1 (the closed form leaves a rounding residue such as 5.6e-17
    there, which put the bound on the wrong side of the estimate and made error bars negative).
    Scaling all three by the same positive factor (``100 * (k / n)`` for percent) keeps the order.
    """
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= k <= n:
        raise ParameterError(f"k must be between 0 and n={n}; got {k}")
    from scipy.stats import binomtest

    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    p = k / n
    lo = 0.0 if k == 0 else min(p, max(0.0, float(ci.low)))
    hi = 1.0 if k == n else max(p, min(1.0, float(ci.high)))
    return (lo, hi)


@dataclass(frozen=True)
class ShareEstimate:
    """One theme's share in one group: ``estimate`` in [ci_low, ci_high], ``tagged_share`` the raw
    share tagged (all proportions), ``method`` how the estimate was made."""

    estimate: float
    ci_low: float
    ci_high: float
    tagged_share: float
    method: str


def _rates(counts: Mapping | None) -> tuple[float, float] | None:
    if not counts:
        return None
    pos, neg = counts["tp"] + counts["fn"], counts["fp"] + counts["tn"]
    if pos <= 0 or neg <= 0:
        return None
    return counts["tp"] / pos, counts["fp"] / neg


def _correct(q, tpr, fpr):
    return np.clip((q - fpr) / np.maximum(tpr - fpr, 1e-9), 0.0, 1.0)


def _person_share(Q, ps, tpr, fpr, sizes, weights, iters: int = 50):
    """Share of people ``pi`` at which the expected share tagged equals ``Q`` (arrays of draws; module
    docstring). ``sizes``: distinct segment counts per person, ``weights``: the share of people with each."""
    Q, ps, tpr, fpr = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (Q, ps, tpr, fpr))
    n = np.asarray(sizes, dtype=float)[None, :]
    w = np.asarray(weights, dtype=float)[None, :]
    la = np.log1p(-np.minimum(tpr, 1 - 1e-12))[:, None]
    lb = np.log1p(-np.minimum(fpr, 1 - 1e-12))[:, None]
    ps_ = ps[:, None]

    def expected(pi):
        pi = np.maximum(pi, 1e-12)[:, None]
        m = np.clip(n * ps_ / pi, 1.0, n)
        tagged_if_raiser = 1 - np.exp(m * la + (n - m) * lb)
        tagged_if_not = 1 - np.exp(n * lb)
        return ((pi * tagged_if_raiser + (1 - pi) * tagged_if_not) * w).sum(axis=1)

    lo, hi = np.minimum(ps, 1.0), np.ones_like(Q)
    for _ in range(iters):
        mid = (lo + hi) / 2
        below = expected(mid) < Q
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    pi = (lo + hi) / 2
    pi = np.where(expected(np.minimum(ps, 1.0)) >= Q, np.minimum(ps, 1.0), pi)  # fewer tagged than the least expected
    return pi


def estimate_share(k: int, n: int, counts: Mapping | None = None, *, segments: np.ndarray | None = None,
                   tagged_segments: int | None = None, level: float = 0.95, draws: int = DRAWS,
                   seed: int = 0) -> ShareEstimate:
    """The share of ``n`` units with a theme, ``k`` of them tagged, corrected with the confusion
    ``counts`` (``{"tp", "fn", "fp", "tn"}``; None: not corrected). Units are segments unless
    ``segments`` gives each unit's number of segments (people) and ``tagged_segments`` how many
    of all those segments are tagged. See the module docstring for the method and its limits.
    """
    if n <= 0:
        return ShareEstimate(math.nan, math.nan, math.nan, math.nan, METHOD_UNCORRECTED)
    if not 0 <= k <= n:
        raise ParameterError(f"k must be between 0 and n={n}; got {k}")
    if not 0 < level < 1:
        raise ParameterError(f"level must be between 0 and 1, got {level!r}")
    q = k / n
    rates = _rates(counts)
    if rates is None or rates[0] - rates[1] < MIN_SEPARATION:
        lo, hi = wilson_interval(k, n, level)
        method = METHOD_UNCORRECTED if rates is None else (
            f"tagged share (Wilson), not corrected: tpr - fpr = {rates[0] - rates[1]:.2f} is too small to correct")
        return ShareEstimate(q, lo, hi, q, method)
    assert counts is not None
    tpr, fpr = rates
    rng = np.random.default_rng(seed)
    tpr_d = rng.beta(counts["tp"] + 0.5, counts["fn"] + 0.5, draws)
    fpr_d = rng.beta(counts["fp"] + 0.5, counts["tn"] + 0.5, draws)
    q_d = rng.beta(k + 0.5, n - k + 0.5, draws)
    sizes = None if segments is None else np.asarray(segments, dtype=int)
    if sizes is None or (sizes == 1).all():
        est = float(_correct(q, tpr, fpr))
        boot = _correct(q_d, tpr_d, fpr_d)
        method = METHOD_SEGMENTS
    else:
        if len(sizes) != n or (sizes < 1).any() or tagged_segments is None:
            raise ParameterError("segments must give each of the n people's segment count (at least 1), "
                                 "with tagged_segments")
        total = int(sizes.sum())
        if not 0 <= tagged_segments <= total:
            raise ParameterError(f"tagged_segments must be between 0 and {total}; got {tagged_segments}")
        uniq, cnt = np.unique(sizes, return_counts=True)
        weights = cnt / cnt.sum()
        ps_d = _correct(rng.beta(tagged_segments + 0.5, total - tagged_segments + 0.5, draws), tpr_d, fpr_d)
        est = float(_person_share(q, _correct(tagged_segments / total, tpr, fpr), tpr, fpr, uniq, weights)[0])
        boot = _person_share(q_d, ps_d, tpr_d, fpr_d, uniq, weights)
        method = METHOD_PEOPLE
    alpha = (1 - level) / 2
    lo, hi = (float(v) for v in np.quantile(boot, [alpha, 1 - alpha]))
    return ShareEstimate(est, min(lo, est), max(hi, est), q, method)


def model_error_rates(model: object = None, speed: str = "default") -> tuple[dict | None, str | None]:
    """A model's per-theme confusion counts for ``speed`` ("default", or "fast" for ``tag --fast``)
    and how they were measured: ``(counts, method)``, or ``(None, None)`` when it records none.

    ``model`` is a loaded classifier (its ``error_rates_``), a model folder (read from its verified
    meta.json without loading the encoder) or None for the shipped model.
    """
    from insightkit.classify.error_rates import rates_at_speed

    entry = model_error_entry(model, speed)
    counts = rates_at_speed(entry, speed)
    return (counts, entry["method"]) if counts and entry else (None, None)


def model_error_entry(model: object = None, speed: str = "default") -> dict | None:
    """A model's whole ``error_rates`` entry (a loaded classifier's ``error_rates_``, a model folder's
    verified meta.json read without loading the encoder, or the shipped model's for None)."""
    if speed not in ("default", "fast"):
        raise ParameterError(f"speed must be 'default' or 'fast', got {speed!r}")
    if model is None or isinstance(model, (str, Path)):
        from insightkit.classify.persist import default_theme_model_path, folder_error_rates, verify_model_folder

        folder = default_theme_model_path() if model is None else Path(model)
        return folder_error_rates(verify_model_folder(folder), folder)
    return getattr(model, "error_rates_", None)
