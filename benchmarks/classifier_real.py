"""Benchmark: theme tagging on real text (``../shared/data/nhs-real``), the shipped model beside baselines.

The 200 real passages (quotes from trust leaders and paragraphs of reports, board papers, strategies
and trade press), coded by two people and adjudicated, come split by source page into ``train`` (99)
and ``dev`` (101). Every figure here is on ``dev`` (a fixed split, as the data gives it); nothing is
tuned on it. The texts are read at run time and never stored: results hold numbers only.

Compared, each tagging all dev passages:
  * shipped:       the default model (models/nhs-digital), as ``insightkit tag`` runs it;
  * shipped-fast:  the same model in fast mode (static vectors);
  * zero-shot:     the codebook's descriptions only (``ThemeClassifier(zero_shot=True)``);
  * tfidf-svc:     word 1-2-gram TF-IDF + one LinearSVC per theme, trained on the written corpus
                   (corpora/labelled/train.csv) plus the real ``train`` passages;
  * minilm-lr:     MiniLM sentence embeddings + one logistic regression per theme, same training data.

Per model: macro-F1, per-theme precision and recall, prevalence error (mean absolute difference,
over themes, between the share of dev passages tagged with a theme and the share coded with it) and
the time to tag 1,000 texts no cache has seen (dev passages, each made unique; the run uses a fresh
embedding cache of its own). This is
the harness issue 15's candidates are to be added to; it is a baseline, not a claim of progress.

Run:  python benchmarks/classifier_real.py [--no-write]
Writes benchmarks/results/classifier_real.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# a cache of its own, so timings encode for real and the user's embedding cache is left alone
os.environ["INSIGHTKIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="insightkit-bench-")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from classifier_pxtextmining import machine  # noqa: E402

REAL = REPO.parent / "shared" / "data" / "nhs-real" / "passages.jsonl"
LABELLED = REPO / "corpora" / "labelled" / "train.csv"
RESULTS = REPO / "benchmarks" / "results"


def load_real() -> list[dict]:
    if not REAL.is_file():
        sys.exit(f"{REAL} is absent: this benchmark needs the shared real data beside the repository")
    return [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines() if line.strip()]


def label_matrix(rows: list[dict], ids: list[str]) -> np.ndarray:
    return np.array([[int(t in r["themes"]) for t in ids] for r in rows], dtype=int)


def scores(Y: np.ndarray, P: np.ndarray, ids: list[str]) -> dict:
    from sklearn.metrics import f1_score, precision_score, recall_score

    per = {t: {"precision": round(float(precision_score(Y[:, j], P[:, j], zero_division=0)), 4),
               "recall": round(float(recall_score(Y[:, j], P[:, j], zero_division=0)), 4),
               "true_share": round(float(Y[:, j].mean()), 4), "tagged_share": round(float(P[:, j].mean()), 4)}
           for j, t in enumerate(ids)}
    return {"macro_f1": round(float(f1_score(Y, P, average="macro", zero_division=0)), 4),
            "prevalence_mae_points": round(float(100 * np.mean(np.abs(P.mean(axis=0) - Y.mean(axis=0)))), 2),
            "no_theme_texts": int((P.sum(axis=1) == 0).sum()), "per_theme": per}


def time_per_1000(predict, texts: list[str], name: str) -> float:
    """Seconds to tag 1,000 texts no cache has seen (dev passages, each made unique for this model)."""
    batch = [f"{t} ({name} {k})" for k, t in enumerate((texts * (1000 // len(texts) + 1))[:1000])]
    t0 = time.perf_counter()
    predict(batch)
    return round(time.perf_counter() - t0, 2)


def training_data(real_train: list[dict], ids: list[str]) -> tuple[list[str], np.ndarray]:
    corpus = pd.read_csv(LABELLED)
    texts = corpus["text"].astype(str).tolist() + [r["text"] for r in real_train]
    Y = np.vstack([corpus[[f"theme_{t}" if f"theme_{t}" in corpus else t for t in ids]].to_numpy(dtype=int),
                   label_matrix(real_train, ids)])
    return texts, Y


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)

    from sklearn.linear_model import LogisticRegression
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    from insightkit.classify import ThemeClassifier, load_model
    from insightkit.embed import get_embedder

    rows = load_real()
    train = [r for r in rows if r["split"] == "train"]
    dev = [r for r in rows if r["split"] == "dev"]
    shipped = load_model()
    ids = [t.id for t in shipped.codebook_.themes]
    dev_texts = [r["text"] for r in dev]
    Y = label_matrix(dev, ids)
    out: dict = {"split": "nhs-real dev (fixed split by source page)", "n_dev": len(dev), "n_real_train": len(train),
                 "themes": ids, "models": {}}

    def record(name: str, predict, fit_s: float | None = None):
        P = np.asarray(predict(dev_texts), dtype=int)
        rep = scores(Y, P, ids)
        rep["tag_1000_s"] = time_per_1000(predict, dev_texts, name)
        rep["train_s"] = fit_s
        out["models"][name] = rep
        print(f"{name:14s} macro-F1 {rep['macro_f1']:.3f}  prevalence MAE {rep['prevalence_mae_points']:.1f} pts  "
              f"no-theme {rep['no_theme_texts']:3d}  tag 1k {rep['tag_1000_s']:.1f} s", flush=True)

    record("shipped", shipped.predict)
    try:
        fast = shipped.at_speed("fast")
        record("shipped-fast", fast.predict)
    except Exception as exc:  # fast head absent or static vectors unavailable: say so
        out["models"]["shipped-fast"] = {"error": str(exc).splitlines()[0]}
    t0 = time.perf_counter()
    zs = ThemeClassifier(codebook=shipped.codebook_, zero_shot=True).fit()
    record("zero-shot", zs.predict, round(time.perf_counter() - t0, 2))

    texts, Ytr = training_data(train, ids)
    t0 = time.perf_counter()
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    Xtr = vec.fit_transform(texts)
    svcs = [LinearSVC(C=1.0, class_weight="balanced", random_state=0).fit(Xtr, Ytr[:, j]) for j in range(len(ids))]
    fit_s = round(time.perf_counter() - t0, 2)
    record("tfidf-svc", lambda ts: np.column_stack([m.predict(vec.transform(ts)) for m in svcs]), fit_s)

    emb = get_embedder()
    t0 = time.perf_counter()
    Etr = emb.encode(texts)
    lrs = [LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(Etr, Ytr[:, j])
           for j in range(len(ids))]
    fit_s = round(time.perf_counter() - t0, 2)
    record("minilm-lr", lambda ts: np.column_stack([m.predict(emb.encode(ts)) for m in lrs]), fit_s)

    out["machine"] = machine()
    out["run"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "classifier_real.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        (RESULTS / "classifier_real.md").write_text(markdown(out), encoding="utf-8")
    return 0


def markdown(out: dict) -> str:
    lines = ["# Theme tagging on real text (baseline)", "",
             f"Run {out['run']} on {', '.join(f'{k} {v}' for k, v in out['machine'].items())}. Produced by `python benchmarks/classifier_real.py`; "
             "method in the script's docstring.", "",
             f"Data: `../shared/data/nhs-real`, {out['n_dev']} real passages of the `dev` split, coded by two "
             f"people and adjudicated (read at run time, never stored). Trained baselines use the written "
             f"corpus plus the {out['n_real_train']} real `train` passages; nothing is tuned on `dev`.", "",
             "| model | macro-F1 | prevalence error (mean abs., points) | texts with no theme | train (s) | tag 1,000 texts (s) |",
             "|---|---|---|---|---|---|"]
    for name, rep in out["models"].items():
        if "error" in rep:
            lines.append(f"| {name} | not run: {rep['error']} | | | | |")
            continue
        train = "" if rep["train_s"] is None else f"{rep['train_s']:.1f}"
        lines.append(f"| {name} | {rep['macro_f1']:.3f} | {rep['prevalence_mae_points']:.1f} | "
                     f"{rep['no_theme_texts']} / {out['n_dev']} | {train} | {rep['tag_1000_s']:.1f} |")
    lines += ["", "Per theme (precision / recall; tagged share vs coded share):", "",
              "| model | " + " | ".join(out["themes"]) + " |", "|---|" + "---|" * len(out["themes"])]
    for name, rep in out["models"].items():
        if "error" in rep:
            continue
        cells = [f"{v['precision']:.2f} / {v['recall']:.2f}; {100 * v['tagged_share']:.0f}% vs "
                 f"{100 * v['true_share']:.0f}%" for v in rep["per_theme"].values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
