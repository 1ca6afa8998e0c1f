"""Scoring theme labels: a model against a gold standard, and two coders against each other.

``evaluate_predictions`` answers "how good is the tagger?" (precision, recall and F1 per theme, and
the macro, micro and samples averages that summarise them); ``agreement`` answers "how far do two
label sets agree beyond chance?" (Cohen's kappa and Krippendorff's alpha per theme), which is the
yardstick a qualitative team already uses between human coders. The multi-label splitters
(:class:`MultilabelStratifiedKFold`, a scikit-learn splitter, and :func:`multilabel_train_test_split`)
keep every theme represented in each fold, so rare themes are not left out of a test split by chance.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Iterator, Sequence

import numpy as np
from sklearn.model_selection import BaseCrossValidator

from insightkit.errors import ParameterError

__all__ = [
    "macro_f1_interval",
    "few_data_warnings",
    "evaluate_predictions",
    "agreement",
    "gwet_ac1",
    "format_report",
    "format_agreement",
    "MultilabelStratifiedKFold",
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


def _for_sklearn(yt: np.ndarray, yp: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Label matrices as scikit-learn's metrics read them: one theme is a binary problem (label 1)."""
    if yt.shape[1] == 1:
        return yt[:, 0], yp[:, 0], {"labels": [1]}
    return yt, yp, {}


def evaluate_predictions(Y_true: Any, Y_pred: Any, theme_ids: Sequence[str]) -> dict[str, Any]:
    """Per-theme precision/recall/F1/support and macro, micro and samples F1 (scikit-learn's metrics).

    Precision of a theme that was never predicted, and recall of a theme with no true examples,
    count as 0 (``zero_division=0``) so that a silent theme cannot flatter the macro average;
    ``themes_without_support`` lists themes with no true examples. In samples F1 a text with no
    true and no predicted labels scores 1.
    """
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    theme_ids = list(theme_ids)
    yt = as_label_matrix(Y_true, theme_ids, "Y_true")
    yp = as_label_matrix(Y_pred, theme_ids, "Y_pred")
    if yt.shape != yp.shape:
        raise ValueError(f"Y_true has shape {yt.shape} but Y_pred has {yp.shape}")
    k = len(theme_ids)
    if len(yt) and k:
        a, b, kw = _for_sklearn(yt, yp)
        prec, rec, f1, _ = precision_recall_fscore_support(a, b, average=None, zero_division=0, **kw)
        micro_p, micro_r, micro_f, _ = precision_recall_fscore_support(a, b, average="micro", zero_division=0, **kw)
        # one theme: a text's label set is its one label, so samples F1 is the share of texts right
        samples_f1 = float(f1_score(yt, yp, average="samples", zero_division=1.0)) if k > 1 \
            else float((yt == yp).mean())
    else:
        prec = rec = f1 = np.zeros(k)
        micro_p = micro_r = micro_f = samples_f1 = 0.0
    per: dict[str, dict[str, float]] = {
        tid: {"precision": float(prec[j]), "recall": float(rec[j]), "f1": float(f1[j]),
              "support": int(yt[:, j].sum()), "predicted": int(yp[:, j].sum())}
        for j, tid in enumerate(theme_ids)}
    macro = {key: float(np.mean([v[key] for v in per.values()])) for key in ("precision", "recall", "f1")}
    micro = {"precision": float(micro_p), "recall": float(micro_r), "f1": float(micro_f)}
    return {
        "n_texts": int(yt.shape[0]),
        "themes": per,
        "macro": macro,
        "micro": micro,
        "macro_f1": macro["f1"],
        "micro_f1": micro["f1"],
        "samples_f1": samples_f1,
        "exact_match": float((yt == yp).all(axis=1).mean()) if len(yt) else 0.0,
        "themes_without_support": [t for t, v in per.items() if v["support"] == 0],
    }


def macro_f1_interval(Y_true: Any, Y_pred: Any, theme_ids: Sequence[str], *, n_boot: int = 1000,
                      level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """A percentile bootstrap interval for macro-F1, resampling texts (seeded, so reproducible).

    On a small evaluation set one or two texts move macro-F1 a lot: 0.944 on 10 texts says little,
    and the interval says how little.
    """
    theme_ids = list(theme_ids)
    yt = as_label_matrix(Y_true, theme_ids, "Y_true")
    yp = as_label_matrix(Y_pred, theme_ids, "Y_pred")
    n, k = yt.shape
    if n == 0 or k == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    scores = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        t, p = yt[idx], yp[idx]
        tp = (t & p).sum(axis=0)
        fp = ((1 - t) & p).sum(axis=0)
        fn = (t & (1 - p)).sum(axis=0)
        denom = 2 * tp + fp + fn
        f1 = np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)
        scores[b] = f1.mean()
    a = (1 - level) / 2
    return (float(np.quantile(scores, a)), float(np.quantile(scores, 1 - a)))


#: below these, an evaluation or a training set is too small to trust: say so
MIN_EVAL_TEXTS = 50
MIN_EVAL_POSITIVES = 10
MIN_TRAIN_POSITIVES = 20


def few_data_warnings(n_texts: int, positives: dict[str, int], *, what: str, min_texts: int,
                      min_positives: int) -> list[str]:
    """Warnings for a labelled set with too few texts, or too few positives of a theme."""
    out = []
    if n_texts < min_texts:
        out.append(f"{what} has only {n_texts} texts (fewer than {min_texts}): its scores are not to be trusted")
    thin = [f"{t} ({n})" for t, n in positives.items() if n < min_positives]
    if thin:
        out.append(f"{what}: fewer than {min_positives} positive examples for " + ", ".join(thin))
    return out


def _cohen_kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    """scikit-learn's Cohen's kappa; None where it is undefined (no rows, or both coders used one value)."""
    if len(a) == 0 or len(np.unique(np.concatenate([a, b]))) < 2:
        return None  # chance explains everything: kappa is undefined
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(a, b))


def _kripp_alpha(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) == 0 or len(np.unique(np.concatenate([a, b]))) < 2:
        return None  # no variation at all: alpha is undefined
    import krippendorff

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = krippendorff.alpha(reliability_data=np.vstack([a, b]).astype(float),
                                   level_of_measurement="nominal")
    return None if value is None or math.isnan(value) else float(value)


def gwet_ac1(a: Any, b: Any) -> float | None:
    """Gwet's AC1 between two 0/1 label vectors: (po - pe) / (1 - pe) with pe = 2 pi (1 - pi), pi the
    mean prevalence of 1 over both coders. Unlike kappa it does not collapse when a code is rare
    (high agreement on "absent" stays high agreement). None for no rows."""
    x, y = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if not len(x):
        return None
    po = float((x == y).mean())
    pi = float((x.mean() + y.mean()) / 2)
    pe = 2 * pi * (1 - pi)
    return 1.0 if pe >= 1 else (po - pe) / (1 - pe)


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
            "ac1": gwet_ac1(x, y),
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
        "mean_ac1": mean("ac1"),
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
    lines = ["theme".ljust(w) + "    kappa    alpha      AC1   agree%      n+A      n+B"]
    for tid in ids:
        v = report["themes"][tid]
        agree = None if v["observed_agreement"] is None else 100 * v["observed_agreement"]
        lines.append(tid.ljust(w) + _fmt(v["kappa"]) + _fmt(v["alpha"]) + _fmt(v.get("ac1"))
                     + (_fmt(None) if agree is None else f"{agree:9.1f}")
                     + _fmt(v["positives_a"]) + _fmt(v["positives_b"]) + (f"  ({v['note']})" if v.get("note") else ""))
    lines.append("")
    lines.append("mean".ljust(w) + _fmt(report["mean_kappa"]) + _fmt(report["mean_alpha"])
                 + _fmt(report.get("mean_ac1")))
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


class MultilabelStratifiedKFold(BaseCrossValidator):
    """Stratified K-fold for multi-label Y: every fold gets its share of every theme.

    A scikit-learn splitter (usable as ``cv=`` in ``cross_validate``, ``GridSearchCV``...):
    ``split(X, y)`` yields (train_idx, test_idx) with ``y`` the (n, k) 0/1 label matrix; ``X`` is
    only counted (it may be None). Folds come from iterative stratification (Sechidis et al., 2011)
    seeded with ``random_state``: the same Y and seed give the same folds.
    """

    def __init__(self, n_splits: int = 5, *, random_state: int = 0):
        self.n_splits = n_splits
        self.random_state = random_state

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if y is None:
            raise ParameterError("MultilabelStratifiedKFold.split needs y, the (n_texts, n_themes) label matrix")
        Y = as_label_matrix(y)
        if int(self.n_splits) < 2:
            raise ParameterError("n_splits must be at least 2")
        if X is not None and len(X) != len(Y):
            raise ValueError(f"X has {len(X)} rows but y has {len(Y)}")
        folds = _iterative_assign(Y, [1.0] * int(self.n_splits), int(self.random_state))
        for f in range(int(self.n_splits)):
            yield np.where(folds != f)[0], np.where(folds == f)[0]

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return int(self.n_splits)


def multilabel_train_test_split(Y: Any, test_size: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test) of a stratified multi-label split."""
    Y = as_label_matrix(Y)
    if not 0 < test_size < 1:
        raise ParameterError("test_size must be between 0 and 1")
    folds = _iterative_assign(Y, [1 - test_size, test_size], seed)
    return np.where(folds == 0)[0], np.where(folds == 1)[0]
