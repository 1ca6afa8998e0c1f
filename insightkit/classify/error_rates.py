"""The classifier's known error rates: per-theme confusion counts, as a model folder records them.

``meta.json`` may carry an ``"error_rates"`` entry, written by :func:`insightkit.classify.persist.save_model`::

    "error_rates": {
      "method": "5-fold cross-validation grouped by source page on real labelled passages",
      "data": {"name": "nhs-real", "n_texts": 200, "sha256": "..."},
      "default": {"epr": {"tp": 30, "fn": 8, "fp": 5, "tn": 157}, ...},
      "fast": {...},
      "calibration": {"default": {"epr": {"scores": [0.91, 0.12, ...], "labels": [1, 0, ...]}, ...}, "fast": {...}}
    }

Counts are of texts at the model's own thresholds, one entry per theme for each speed given
(``default``, ``fast``; either may be left out, but one that is given names every theme).
:mod:`insightkit.report.adjusted` turns them into prevalence that corrects for the errors.
``calibration`` (optional) keeps the same cross-validation's out-of-fold scores with the true labels,
per speed and theme: :mod:`insightkit.report.calibrated` maps scores to probabilities with them
(Platt scaling) and averages those, the estimator the report prefers.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from insightkit.errors import ModelError, ParameterError

__all__ = ["COUNT_KEYS", "error_rates_from_predictions", "check_error_rates", "rates_at_speed",
           "calibration_pairs", "calibration_at_speed"]

COUNT_KEYS = ("tp", "fn", "fp", "tn")
_SPEEDS = ("default", "fast")


def error_rates_from_predictions(Y_true, Y_pred, theme_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per-theme counts ``{"tp", "fn", "fp", "tn"}`` of 0/1 predictions against 0/1 labels.

    ``Y_true`` and ``Y_pred`` are (texts x themes) arrays in the order of ``theme_ids`` (out-of-fold
    predictions at the model's thresholds, for a model's ``error_rates``).
    """
    yt = np.asarray(Y_true).astype(bool)
    yp = np.asarray(Y_pred).astype(bool)
    ids = list(theme_ids)
    if yt.ndim != 2 or yt.shape != yp.shape or yt.shape[1] != len(ids):
        raise ParameterError(f"Y_true {yt.shape} and Y_pred {yp.shape} must both be (texts x {len(ids)} themes)")
    return {t: {"tp": int((yt[:, j] & yp[:, j]).sum()), "fn": int((yt[:, j] & ~yp[:, j]).sum()),
                "fp": int((~yt[:, j] & yp[:, j]).sum()), "tn": int((~yt[:, j] & ~yp[:, j]).sum())}
            for j, t in enumerate(ids)}


def _counts(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, Mapping) or set(value) != set(COUNT_KEYS):
        raise ModelError(f"{where}: must hold exactly the counts {', '.join(COUNT_KEYS)}")
    out = {}
    for k in COUNT_KEYS:
        v = value[k]
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ModelError(f"{where}: {k} must be a non-negative whole number, got {v!r}")
        out[k] = int(v)
    return out


def check_error_rates(error_rates: Any, theme_ids: Sequence[str], where: str = "error_rates") -> dict:
    """``error_rates`` checked (every theme of the model, non-negative whole counts, each speed given
    complete) and returned as plain JSON-ready dicts; raises ModelError naming what is wrong."""
    if not isinstance(error_rates, Mapping):
        raise ModelError(f"{where}: must be a mapping with 'method' and counts per speed")
    unknown = [k for k in error_rates if k not in ("method", "data", "calibration", *_SPEEDS)]
    if unknown:
        raise ModelError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
    if not isinstance(error_rates.get("method"), str) or not error_rates["method"].strip():
        raise ModelError(f"{where}: 'method' must say how the counts were measured")
    data = error_rates.get("data")
    if data is not None and not isinstance(data, Mapping):
        raise ModelError(f"{where}: 'data' must be a mapping (name, n_texts, sha256)")
    speeds = [s for s in _SPEEDS if s in error_rates]
    if not speeds:
        raise ModelError(f"{where}: no counts: give 'default' and/or 'fast'")
    out: dict[str, Any] = {"method": error_rates["method"]}
    if data is not None:
        out["data"] = dict(data)
    ids = list(theme_ids)
    for s in speeds:
        per = error_rates[s]
        if not isinstance(per, Mapping):
            raise ModelError(f"{where}.{s}: must map each theme to its counts")
        missing = [t for t in ids if t not in per]
        extra = [t for t in per if t not in ids]
        if missing or extra:
            raise ModelError(f"{where}.{s}: themes do not match the model's "
                             f"(missing: {', '.join(missing) or 'none'}; unknown: {', '.join(map(str, extra)) or 'none'})")
        out[s] = {t: _counts(per[t], f"{where}.{s}.{t}") for t in ids}
    cal = error_rates.get("calibration")
    if cal is not None:
        out["calibration"] = _check_calibration(cal, ids, f"{where}.calibration")
    return out


def _check_calibration(cal: Any, ids: list[str], where: str) -> dict:
    if not isinstance(cal, Mapping) or not cal or any(s not in _SPEEDS for s in cal):
        raise ModelError(f"{where}: must map 'default' and/or 'fast' to per-theme scores and labels")
    out: dict[str, Any] = {}
    for s, per in cal.items():
        if not isinstance(per, Mapping) or sorted(per) != sorted(ids):
            raise ModelError(f"{where}.{s}: must give scores and labels for every theme of the model")
        out[s] = {}
        for t in ids:
            e = per[t]
            if not isinstance(e, Mapping) or set(e) != {"scores", "labels"}:
                raise ModelError(f"{where}.{s}.{t}: must hold exactly 'scores' and 'labels'")
            sc, lb = e["scores"], e["labels"]
            if (not isinstance(sc, list) or not isinstance(lb, list) or len(sc) != len(lb) or not sc
                    or any(isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1 for v in sc)
                    or any(v not in (0, 1) or isinstance(v, bool) for v in lb)):
                raise ModelError(f"{where}.{s}.{t}: scores (numbers in [0, 1]) and labels (0 or 1) must be "
                                 "lists of the same, non-zero length")
            out[s][t] = {"scores": [float(v) for v in sc], "labels": [int(v) for v in lb]}
    return out


def calibration_pairs(scores, Y_true, theme_ids: Sequence[str], digits: int = 5) -> dict[str, dict[str, list]]:
    """The ``calibration`` entry of one speed: each theme's out-of-fold scores (rounded) and labels."""
    S = np.asarray(scores, dtype=float)
    Y = np.asarray(Y_true).astype(int)
    return {t: {"scores": [round(float(v), digits) for v in S[:, j]], "labels": [int(v) for v in Y[:, j]]}
            for j, t in enumerate(theme_ids)}


def calibration_at_speed(error_rates: Mapping | None, speed: str = "default") -> dict[str, dict] | None:
    """Per-theme ``{"scores", "labels"}`` for ``speed`` from a model's ``error_rates``, or None."""
    if not error_rates:
        return None
    per = (error_rates.get("calibration") or {}).get(speed)
    return dict(per) if per else None


def rates_at_speed(error_rates: Mapping | None, speed: str = "default") -> dict[str, dict[str, int]] | None:
    """The per-theme counts for ``speed`` ("default" or "fast") from a model's ``error_rates``, or None."""
    if not error_rates:
        return None
    per = error_rates.get(speed)
    return dict(per) if per else None
