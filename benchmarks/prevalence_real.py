"""Theme prevalence on real text: the tagged share, adjusted classify-and-count, calibrated probabilities.

The report's headline numbers are theme shares. On the real passages of ``../shared/data/nhs-real``
(read at run time; fixed split by source page) this trains the shipped recipe on the written corpus
plus the real ``train`` passages, measures its out-of-fold scores and error rates on those ``train``
passages by 5-fold cross-validation grouped by source page (as ``insightkit train --add ... --groups
url`` does), and estimates each theme's share of the ``dev`` passages three ways:

* ``tagged``: the share the classifier tags;
* ``acc``: adjusted classify-and-count from the out-of-fold error rates (:mod:`insightkit.report.adjusted`);
* ``calibrated``: Platt-calibrated probabilities averaged (:mod:`insightkit.report.calibrated`), what
  ``insightkit prevalence`` and the report use when the model keeps its calibration pairs.

Dev labels are used only to score the estimates: mean absolute error in percentage points, and for
how many themes the 95% interval holds the true share. Both heads (default, fast).

    python benchmarks/prevalence_real.py      # writes benchmarks/results/prevalence_real.{json,md}
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RESULTS = HERE / "results"


def main() -> int:
    import classifier_real as cr  # the shared loading, training data and recipe

    if not cr.REAL.is_file():
        print(f"skipped: {cr.REAL} is absent (the real passages are read from ../shared at run time)")
        return 0
    from insightkit.classify import ThemeClassifier, load_model
    from insightkit.classify.calibration import grouped_out_of_fold
    from insightkit.report.adjusted import estimate_share
    from insightkit.report.calibrated import Calibrator

    rows = cr.load_real()
    train = [r for r in rows if r["split"] == "train"]
    dev = [r for r in rows if r["split"] == "dev"]
    shipped = load_model()
    ids = [t.id for t in shipped.codebook_.themes]
    dev_texts = [r["text"] for r in dev]
    Y = cr.label_matrix(dev, ids)
    texts, Ytr = cr.training_data(train, ids)
    n_w = len(texts) - len(train)
    params = cr.CANDIDATES[cr.PRIMARY]
    t0 = time.perf_counter()
    model = ThemeClassifier(shipped.codebook_, **params)
    model.fit(texts, Ytr, sample_weight=np.r_[np.ones(n_w), np.full(len(train), cr.REAL_WEIGHT)])
    Yr = cr.label_matrix(train, ids)
    oof = grouped_out_of_fold(lambda: ThemeClassifier(shipped.codebook_, **params), list(texts[:n_w]), Ytr[:n_w],
                              [r["text"] for r in train], Yr, [r["url"] for r in train], folds=5,
                              cal_weight=cr.REAL_WEIGHT)
    rates = oof.error_rates(Yr, ids, method="5-fold CV on the real train passages, grouped by page", data={})
    out: dict = {"split": "nhs-real: calibration and error rates from train (5 folds by page), scored on dev",
                 "n_train": len(train), "n_dev": len(dev), "themes": ids, "fit_and_cv_s": None, "heads": {}}
    out["fit_and_cv_s"] = round(time.perf_counter() - t0, 1)
    for speed, head in (("default", model), ("fast", model.at_speed("fast"))):
        P = head.predict_proba(dev_texts)
        T = (P >= head.thresholds_[None, :]).astype(int)
        per: dict = {}
        for j, t in enumerate(ids):
            true = float(Y[:, j].mean())
            k = int(T[:, j].sum())
            acc = estimate_share(k, len(dev), rates[speed][t])
            cal = Calibrator(oof.scores[speed][:, j], Yr[:, j]).share(P[:, j], tagged_share=k / len(dev))
            per[t] = {"true": round(true, 4), "tagged": round(k / len(dev), 4),
                      "acc": [round(acc.estimate, 4), round(acc.ci_low, 4), round(acc.ci_high, 4)],
                      "calibrated": [round(cal.estimate, 4), round(cal.ci_low, 4), round(cal.ci_high, 4)]}
        summary = {
            "mae_points": {
                "tagged": round(100 * float(np.mean([abs(v["tagged"] - v["true"]) for v in per.values()])), 2),
                "acc": round(100 * float(np.mean([abs(v["acc"][0] - v["true"]) for v in per.values()])), 2),
                "calibrated": round(100 * float(np.mean([abs(v["calibrated"][0] - v["true"]) for v in per.values()])), 2),
            },
            "covered": {m: int(sum(v[m][1] <= v["true"] <= v[m][2] for v in per.values())) for m in ("acc", "calibrated")},
        }
        out["heads"][speed] = {"themes": per, **summary}
        print(f"{speed}: MAE tagged {summary['mae_points']['tagged']:.1f}, acc {summary['mae_points']['acc']:.1f}, "
              f"calibrated {summary['mae_points']['calibrated']:.1f} points; truth in the interval: acc "
              f"{summary['covered']['acc']}/6, calibrated {summary['covered']['calibrated']}/6", flush=True)
    out["run"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out["machine"] = cr.machine()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "prevalence_real.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "prevalence_real.md").write_text(markdown(out), encoding="utf-8")
    return 0


def markdown(out: dict) -> str:
    lines = ["# Prevalence on real text", "", f"Run {out['run']}. {out['split']}: {out['n_train']} train passages, "
             f"{out['n_dev']} dev passages. Reproduce: `python benchmarks/prevalence_real.py`.", "",
             "Mean absolute error of the per-theme shares on dev, in percentage points, and how many of the 6 "
             "themes' 95% intervals hold the true share (the tagged share has no correction interval).", "",
             "| head | tagged share | adjusted classify-and-count | calibrated probabilities | ACC intervals covering | "
             "calibrated intervals covering |", "|---|---:|---:|---:|---:|---:|"]
    for speed, h in out["heads"].items():
        m, c = h["mae_points"], h["covered"]
        lines.append(f"| {speed} | {m['tagged']:.1f} | {m['acc']:.1f} | {m['calibrated']:.1f} | {c['acc']} of 6 | "
                     f"{c['calibrated']} of 6 |")
    for speed, h in out["heads"].items():
        lines += ["", f"## {speed} head, per theme (percent)", "",
                  "| theme | true | tagged | ACC (interval) | calibrated (interval) |", "|---|---:|---:|---:|---:|"]
        for t, v in h["themes"].items():
            a, c = v["acc"], v["calibrated"]
            lines.append(f"| {t} | {100 * v['true']:.1f} | {100 * v['tagged']:.1f} | {100 * a[0]:.1f} "
                         f"({100 * a[1]:.1f}-{100 * a[2]:.1f}) | {100 * c[0]:.1f} ({100 * c[1]:.1f}-{100 * c[2]:.1f}) |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
