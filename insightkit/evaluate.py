"""Scoring theme labels: a model against a gold standard, and two coders against each other.

``evaluate_predictions`` answers "how good is the tagger?" (precision, recall and F1 per theme, and
the macro, micro and samples averages that summarise them); ``agreement`` answers "how far do two
label sets agree beyond chance?" (Cohen's kappa and Krippendorff's alpha per theme), which is the
yardstick a qualitative team already uses between human coders. The multi-label splitters keep
every theme represented in each fold, so rare themes are not left out of a test split by chance.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Iterator, Sequence

import numpy as np

__all__ = [
    "evaluate_predictions",
    "agreement",
    "format_report",
    "format_agreement",
    "multilabel_kfold",
    "multilabel_train_test_split",
    "as_label_matrix",
]


def as_label_matrix(Y: Any, theme_ids: Sequence[str] | None = None, name: str = "labels") -> np.ndarray:
    """A (n, k) int8 0/1 matrix from an array or DataFrame; raises ValueError on anything else."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(Y, pd.DataFrame):
        if theme_ids is not None:
            missing = [t for t in theme_ids if t not in Y.columns]
            if missing:
                raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
            Y = Y[list(theme_ids)]
        Y = Y.to_numpy()
    arr = np.asarray(Y)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D matrix (n_texts, n_themes), got shape {arr.shape}")
    if theme_ids is not None and arr.shape[1] != len(theme_ids):
        raise ValueError(f"{name}: {arr.shape[1]} columns but {len(theme_ids)} themes")
    try:
        num = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: values must be 0 or 1") from exc
    if np.isnan(num).any() or not np.isin(num, (0.0, 1.0)).all():
        bad = num[~np.isin(num, (0.0, 1.0))]
        raise ValueError(f"{name}: values must be 0 or 1 (found {bad.flat[0]!r})")
    return num.astype(np.int8)


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def evaluate_predictions(Y_true: Any, Y_pred: Any, theme_ids: Sequence[str]) -> dict[str, Any]:
    """Per-theme precision/recall/F1/support and macro, micro and samples F1.

    Precision of a theme that was never predicted, and recall of a theme with no true examples,
    count as 0 (scikit-learn's ``zero_division=0``) so that a silent theme cannot flatter the
    macro average; ``themes_without_support`` lists themes with no true examples.
    """
    theme_ids = list(theme_ids)
    yt = as_label_matrix(Y_true, theme_ids, "Y_true")
    yp = as_label_matrix(Y_pred, theme_ids, "Y_pred")
    if yt.shape != yp.shape:
        raise ValueError(f"Y_true has shape {yt.shape} but Y_pred has {yp.shape}")
    per: dict[str, dict[str, float]] = {}
    tp_all = fp_all = fn_all = 0
    for j, tid in enumerate(theme_ids):
        t, p = yt[:, j].astype(bool), yp[:, j].astype(bool)
        tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        per[tid] = {"precision": prec, "recall": rec, "f1": _f1(prec, rec), "support": int(t.sum()),
                    "predicted": int(p.sum())}
    micro_p = tp_all / (tp_all + fp_all) if tp_all + fp_all else 0.0
    micro_r = tp_all / (tp_all + fn_all) if tp_all + fn_all else 0.0
    # samples F1: per text, F1 of its label set; a text with no true and no predicted labels scores 1
    inter = (yt & yp).sum(axis=1)
    denom = yt.sum(axis=1) + yp.sum(axis=1)
    samples = np.where(denom == 0, 1.0, 2 * inter / np.maximum(denom, 1))
    macro = {k: float(np.mean([v[k] for v in per.values()])) for k in ("precision", "recall", "f1")}
    return {
        "n_texts": int(yt.shape[0]),
        "themes": per,
        "macro": macro,
        "micro": {"precision": micro_p, "recall": micro_r, "f1": _f1(micro_p, micro_r)},
        "macro_f1": macro["f1"],
        "micro_f1": _f1(micro_p, micro_r),
        "samples_f1": float(samples.mean()) if len(samples) else 0.0,
        "exact_match": float((yt == yp).all(axis=1).mean()) if len(yt) else 0.0,
        "themes_without_support": [t for t, v in per.items() if v["support"] == 0],
    }


def _cohen_kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    n = len(a)
    if n == 0:
        return None
    po = float((a == b).mean())
    pa, pb = float(a.mean()), float(b.mean())
    pe = pa * pb + (1 - pa) * (1 - pb)
    if pe >= 1.0:  # both coders used one and the same value throughout: chance explains everything
        return None
    return (po - pe) / (1 - pe)


def _kripp_alpha(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) == 0 or len(np.unique(np.concatenate([a, b]))) < 2:
        return None  # no variation at all: alpha is undefined
    import krippendorff

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = krippendorff.alpha(reliability_data=np.vstack([a, b]).astype(float),
                                   level_of_measurement="nominal")
    return None if value is None or math.isnan(value) else float(value)


def agreement(A: Any, B: Any, theme_ids: Sequence[str]) -> dict[str, Any]:
    """Per-theme Cohen's kappa and Krippendorff's alpha (nominal) between two 0/1 label sets.

    Where a theme has no variation (both label sets all 0, say) kappa and alpha are undefined:
    they are reported as ``None`` with a ``note``, and the observed agreement is still given.
    Means are taken over the themes where the statistic is defined.
    """
    theme_ids = list(theme_ids)
    a = as_label_matrix(A, theme_ids, "A")
    b = as_label_matrix(B, theme_ids, "B")
    if a.shape != b.shape:
        raise ValueError(f"A has {a.shape[0]} rows but B has {b.shape[0]}; they must describe the same texts")
    per: dict[str, dict[str, Any]] = {}
    for j, tid in enumerate(theme_ids):
        x, y = a[:, j], b[:, j]
        kappa, alpha = _cohen_kappa(x, y), _kripp_alpha(x, y)
        row: dict[str, Any] = {
            "kappa": kappa,
            "alpha": alpha,
            "observed_agreement": float((x == y).mean()) if len(x) else None,
            "positives_a": int(x.sum()),
            "positives_b": int(y.sum()),
        }
        if kappa is None or alpha is None:
            row["note"] = "undefined: no variation in this theme" if len(x) else "no rows"
        per[tid] = row

    def mean(key: str) -> float | None:
        vals = [v[key] for v in per.values() if v[key] is not None]
        return float(np.mean(vals)) if vals else None

    overall_alpha = None
    if a.size and len(np.unique(np.concatenate([a.ravel(), b.ravel()]))) > 1:
        overall_alpha = _kripp_alpha(a.ravel(), b.ravel())
    return {
        "n_texts": int(a.shape[0]),
        "themes": per,
        "mean_kappa": mean("kappa"),
        "mean_alpha": mean("alpha"),
        "pooled_alpha": overall_alpha,
    }


# printing -------------------------------------------------------------------------------

def _fmt(x: Any, width: int = 9) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-".rjust(width)
    if isinstance(x, float):
        return f"{x:.3f}".rjust(width)
    return str(x).rjust(width)


def format_report(report: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    """A plain-text table of ``evaluate_predictions`` output."""
    ids = list(report["themes"])
    w = max([len("theme"), *map(len, ids)]) + 2
    lines = ["theme".ljust(w) + "precision   recall       f1  support"]
    for tid in ids:
        v = report["themes"][tid]
        lines.append(tid.ljust(w) + _fmt(v["precision"]) + _fmt(v["recall"]) + _fmt(v["f1"])
                     + _fmt(v["support"]))
    lines.append("")
    m = report["macro"]
    lines.append("macro".ljust(w) + _fmt(m["precision"]) + _fmt(m["recall"]) + _fmt(m["f1"])
                 + _fmt(report["n_texts"]))
    mi = report["micro"]
    lines.append("micro".ljust(w) + _fmt(mi["precision"]) + _fmt(mi["recall"]) + _fmt(mi["f1"]))
    lines.append("samples".ljust(w) + _fmt(None) + _fmt(None) + _fmt(report["samples_f1"]))
    if report.get("themes_without_support"):
        lines.append(f"no true examples (F1 counted as 0): {', '.join(report['themes_without_support'])}")
    return "\n".join(lines)


def format_agreement(report: dict[str, Any]) -> str:
    """A plain-text table of ``agreement`` output."""
    ids = list(report["themes"])
    w = max([len("theme"), *map(len, ids)]) + 2
    lines = ["theme".ljust(w) + "    kappa    alpha   agree%      n+A      n+B"]
    for tid in ids:
        v = report["themes"][tid]
        agree = None if v["observed_agreement"] is None else 100 * v["observed_agreement"]
        lines.append(tid.ljust(w) + _fmt(v["kappa"]) + _fmt(v["alpha"])
                     + (_fmt(None) if agree is None else f"{agree:9.1f}")
                     + _fmt(v["positives_a"]) + _fmt(v["positives_b"]) + (f"  ({v['note']})" if v.get("note") else ""))
    lines.append("")
    lines.append("mean".ljust(w) + _fmt(report["mean_kappa"]) + _fmt(report["mean_alpha"]))
    lines.append(f"pooled alpha over all themes: {_fmt(report['pooled_alpha'], 0).strip()}   texts: {report['n_texts']}")
    return "\n".join(lines)


# splitting ------------------------------------------------------------------------------

def _iterative_assign(Y: np.ndarray, proportions: Sequence[float], seed: int) -> np.ndarray:
    """Iterative stratification (Sechidis et al., 2011): fold index per row.

    Rarest labels are placed first, each row going to the fold that most lacks that label, so
    every fold gets its share of every theme; rows without labels are spread by fold size.
    """
    rng = np.random.default_rng(seed)
    n, k = Y.shape
    props = np.asarray(proportions, dtype=float)
    props = props / props.sum()
    folds = np.full(n, -1, dtype=np.int64)
    want_rows = props * n
    want_label = np.outer(props, Y.sum(axis=0)).astype(float)  # (folds, k)
    order_tiebreak = rng.permutation(n)
    remaining = np.ones(n, dtype=bool)
    Yb = Y.astype(bool)
    while True:
        counts = (Yb & remaining[:, None]).sum(axis=0)
        active = np.where(counts > 0)[0]
        if len(active) == 0:
            break
        label = active[np.argmin(counts[active])]
        rows = np.where(Yb[:, label] & remaining)[0]
        rows = rows[np.argsort(order_tiebreak[rows], kind="stable")]
        for r in rows:
            cand = np.flatnonzero(want_label[:, label] == want_label[:, label].max())
            if len(cand) > 1:
                sub = want_rows[cand]
                cand = cand[sub == sub.max()]
            f = int(cand[rng.integers(len(cand))]) if len(cand) > 1 else int(cand[0])
            folds[r] = f
            remaining[r] = False
            want_label[f] -= Yb[r]
            want_rows[f] -= 1
    for r in np.where(remaining)[0][np.argsort(order_tiebreak[remaining], kind="stable")]:
        cand = np.flatnonzero(want_rows == want_rows.max())
        f = int(cand[rng.integers(len(cand))]) if len(cand) > 1 else int(cand[0])
        folds[r] = f
        want_rows[f] -= 1
    return folds


def multilabel_kfold(Y: Any, n_splits: int = 5, seed: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(train_idx, test_idx) pairs of a stratified multi-label K-fold split."""
    Y = as_label_matrix(Y)
    if n_splits < 2:
        raise ValueError("n_splits must be at least 2")
    folds = _iterative_assign(Y, [1.0] * n_splits, seed)
    for f in range(n_splits):
        yield np.where(folds != f)[0], np.where(folds == f)[0]


def multilabel_train_test_split(Y: Any, test_size: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test) of a stratified multi-label split."""
    Y = as_label_matrix(Y)
    if not 0 < test_size < 1:
        raise ValueError("test_size must be between 0 and 1")
    folds = _iterative_assign(Y, [1 - test_size, test_size], seed)
    return np.where(folds == 0)[0], np.where(folds == 1)[0]
