"""Benchmark: the fast CPU mode (static model2vec vectors) against the default (MiniLM), issue 7.

Two questions, answered in one run:

* **Accuracy**: macro-F1 of the default head and of the fast head of the *same* model (trained
  together with ``fast_head=True``, as ``insightkit train`` does) on
  - the labelled dev set: train on ``corpora/labelled/train.csv``, test on ``dev.csv``;
  - the pxtextmining benchmark: the split and label filter of ``classifier_pxtextmining.py``
    (imported, not copied), 80/20 splits with seeds 0-4.
  Target: fast no more than 0.03 below default on both.
* **Speed**: texts a second of ``model.tag`` at default speed (MiniLM, empty embedding cache) and
  at fast speed on the same N texts, in one child process whose cache holds only the static table
  (so the default run really encodes). Target: fast at least 30 times the default on 2 cores.
  The machine's load average is recorded: other jobs on the same cores slow both modes.

Run:  python benchmarks/fast_mode.py [--seeds 0 1 2 3 4] [--speed-n 2000]
Writes benchmarks/results/fast_mode.{json,md}. Without ../shared the pxtextmining part is skipped
(and the speed texts come from the dev set).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import classifier_pxtextmining as px  # noqa: E402  (its load() and machine(): the same protocol)

RESULTS = REPO / "benchmarks" / "results"
LABELLED = REPO / "corpora" / "labelled"


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def versions() -> dict:
    from importlib.metadata import version

    out = {}
    for pkg in ("model2vec", "sentence-transformers", "torch", "numpy", "scikit-learn", "pandas"):
        try:
            out[pkg] = version(pkg)
        except Exception:
            out[pkg] = None
    return out


def fit_both(texts, Y, codebook, seed=0):
    from insightkit.classify import ThemeClassifier

    t0 = time.perf_counter()
    model = ThemeClassifier(codebook, seed=seed, fast_head=True).fit(texts, Y)
    return model, time.perf_counter() - t0


def evaluate(model, texts, Y, ids) -> dict:
    from insightkit.evaluate import evaluate_predictions

    out = {}
    for speed in ("default", "fast"):
        rep = evaluate_predictions(Y, model.at_speed(speed).predict(texts), ids)
        out[speed] = {"macro_f1": round(rep["macro_f1"], 4), "micro_f1": round(rep["micro_f1"], 4),
                      "per_theme_f1": {k: round(v["f1"], 4) for k, v in rep["themes"].items()}}
    out["gap"] = round(out["default"]["macro_f1"] - out["fast"]["macro_f1"], 4)
    out["cv_macro_f1"] = {"default": round(model.cv_report_["macro_f1"], 4),
                          "fast": round(model.fast_.cv_report_["macro_f1"], 4)}
    return out


def dev_part() -> tuple[dict, object]:
    from insightkit.classify.labelled import read_labelled
    from insightkit.codebook import Codebook

    cb = Codebook.default()
    texts, Y, _ = read_labelled(LABELLED / "train.csv", cb, "text")
    dtexts, dY, _ = read_labelled(LABELLED / "dev.csv", cb, "text", require_positives=False)
    load0 = load_avg()
    model, secs = fit_both(texts, Y, cb)
    res = evaluate(model, dtexts, dY, cb.ids)
    res.update({"train_texts": len(texts), "dev_texts": len(dtexts), "fit_seconds_both_heads": round(secs, 1),
                "load_avg_before": load0, "load_avg_after": load_avg()})
    return res, model


def px_part(seeds) -> dict | None:
    if not px.DATA.is_file():
        return None
    from insightkit.codebook import Codebook
    from insightkit.evaluate import multilabel_train_test_split

    texts, Y, labels, counts = px.load(px.DATA)
    cb = Codebook.from_labels(labels, name="pxtextmining v6")
    runs = []
    for seed in seeds:
        load0 = load_avg()
        tr, te = multilabel_train_test_split(Y, test_size=0.2, seed=seed)
        model, secs = fit_both([texts[i] for i in tr], Y[tr], cb)
        r = evaluate(model, [texts[i] for i in te], Y[te], cb.ids)
        r.update({"seed": seed, "fit_seconds_both_heads": round(secs, 1), "load_avg_before": load0,
                  "load_avg_after": load_avg()})
        for speed in ("default", "fast"):
            r[speed].pop("per_theme_f1")
        runs.append(r)
        print(f"pxtextmining seed {seed}: default {r['default']['macro_f1']:.4f}  fast {r['fast']['macro_f1']:.4f}  "
              f"gap {r['gap']:+.4f}  ({secs:.0f} s, load {load0[0]})", flush=True)
    d = np.array([r["default"]["macro_f1"] for r in runs])
    f = np.array([r["fast"]["macro_f1"] for r in runs])
    return {"data": {"file": px.DATA.name, **counts}, "seeds": list(seeds), "runs": runs,
            "default_macro_f1_mean": round(float(d.mean()), 4), "fast_macro_f1_mean": round(float(f.mean()), 4),
            "gap_mean": round(float((d - f).mean()), 4), "gap_max": round(float((d - f).max()), 4)}


# ----------------------------------------------------------------------------------------------
# speed, in a child process with an empty embedding cache
# ----------------------------------------------------------------------------------------------

def speed_texts(n: int) -> list[str]:
    if px.DATA.is_file():
        texts = px.load(px.DATA)[0]
    else:
        import pandas as pd

        texts = pd.read_csv(LABELLED / "dev.csv")["text"].tolist() + pd.read_csv(LABELLED / "train.csv")["text"].tolist()
    texts = list(dict.fromkeys(t for t in texts if t.strip()))
    return texts[:n]


def child(model_dir: str, texts_file: str, repeats: int) -> int:
    """Time model.tag default (MiniLM, empty cache) and fast on the same texts; print JSON."""
    import pandas as pd
    import torch

    from insightkit.classify import load_model

    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    df = pd.DataFrame({"id": range(len(texts)), "text": texts})
    model = load_model(model_dir)
    warm = pd.DataFrame({"text": ["a warm-up sentence that is not in the set"]})
    out = {"n_texts": len(texts), "torch_threads": torch.get_num_threads(), "load_avg_before": load_avg()}
    t0 = time.perf_counter()
    model.at_speed("fast").tag(warm)  # loads the static table (distilled before this run)
    out["fast_first_use_seconds"] = round(time.perf_counter() - t0, 3)
    fast_times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        tagged_fast = model.at_speed("fast").tag(df)
        fast_times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    model.tag(warm)  # loads MiniLM
    out["default_model_load_seconds"] = round(time.perf_counter() - t0, 3)
    emb = model.embedder_
    before = emb.n_encoded if hasattr(emb, "n_encoded") else None
    load_mid = load_avg()
    t0 = time.perf_counter()
    tagged_default = model.tag(df)
    t_default = time.perf_counter() - t0
    if before is not None and hasattr(emb, "n_encoded"):
        out["default_texts_encoded"] = emb.n_encoded - before
    out["load_avg_during_default"] = load_mid
    # fast again after the default run, so both see similar machine load
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.at_speed("fast").tag(df)
        fast_times.append(time.perf_counter() - t0)
    t_fast = float(np.median(fast_times))
    themes = [c for c in tagged_default.columns if c.startswith("theme_")]
    agree = float((tagged_default[themes].to_numpy() == tagged_fast[themes].to_numpy()).mean())
    out.update({
        "default_seconds": round(t_default, 3),
        "default_texts_per_second": round(len(texts) / t_default, 1),
        "fast_seconds_median": round(t_fast, 4),
        "fast_seconds_all": [round(x, 4) for x in fast_times],
        "fast_texts_per_second": round(len(texts) / t_fast, 1),
        "speed_ratio": round(t_default / t_fast, 1),
        "label_agreement_default_vs_fast": round(agree, 4),
        "load_avg_after": load_avg(),
    })
    print("RESULT " + json.dumps(out), flush=True)
    return 0


def speed_part(model, n: int, repeats: int) -> dict:
    from insightkit.embed import get_static_embedder

    texts = speed_texts(n)
    static = get_static_embedder()
    static.model  # noqa: B018 - make sure the table exists in the user's cache
    with tempfile.TemporaryDirectory(prefix="ik-fast-bench-") as tmp:
        tmp = Path(tmp)
        model_dir = model.save(tmp / "model")
        (tmp / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
        cache = tmp / "cache"
        (cache / "static").mkdir(parents=True)
        shutil.copytree(static.folder, cache / "static" / static.folder.name)
        env = {**os.environ, "INSIGHTKIT_CACHE_DIR": str(cache), "INSIGHTKIT_PROGRESS": "0"}
        proc = subprocess.run([sys.executable, __file__, "--child", str(model_dir), str(tmp / "texts.json"),
                               str(repeats)], env=env, capture_output=True, text=True)
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode != 0 or not line:
            raise SystemExit(f"speed child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        res = json.loads(line[-1][len("RESULT "):])
    res["texts"] = "pxtextmining FFT answers (unique, first N)" if px.DATA.is_file() else "labelled dev+train texts"
    res["mean_characters"] = round(float(np.mean([len(t) for t in texts])), 1)
    meta = json.loads((static.folder / "static.json").read_text(encoding="utf-8"))
    res["static_table"] = {"sha256": meta["vectors_sha256"], "shape": meta["shape"],
                           "distill_seconds_when_made": meta.get("distill_seconds"), "settings": meta["settings"]}
    return res


def markdown(r: dict) -> str:
    lines = [f"# Fast mode vs default ({r['date']})", "",
             f"Machine: {r['machine']['cpu']}, {r['machine']['cpu_count']} cores; Python {r['machine']['python']}; "
             + ", ".join(f"{k} {v}" for k, v in r["versions"].items()) + ".", "",
             "## Accuracy (macro-F1)", "",
             "| data | default | fast | gap (default - fast) | target gap <= 0.03 |", "|---|---|---|---|---|"]
    d = r["dev"]
    lines.append(f"| labelled dev ({d['dev_texts']} texts; trained on {d['train_texts']}) | {d['default']['macro_f1']:.4f} | "
                 f"{d['fast']['macro_f1']:.4f} | {d['gap']:+.4f} | {'met' if d['gap'] <= 0.03 else 'NOT met'} |")
    p = r.get("pxtextmining")
    if p:
        lines.append(f"| pxtextmining, mean of seeds {', '.join(map(str, p['seeds']))} | {p['default_macro_f1_mean']:.4f} | "
                     f"{p['fast_macro_f1_mean']:.4f} | {p['gap_mean']:+.4f} (worst seed {p['gap_max']:+.4f}) | "
                     f"{'met' if p['gap_mean'] <= 0.03 else 'NOT met'} |")
        lines += ["", "| pxtextmining seed | default | fast | gap | load avg |", "|---|---|---|---|---|"]
        for run in p["runs"]:
            lines.append(f"| {run['seed']} | {run['default']['macro_f1']:.4f} | {run['fast']['macro_f1']:.4f} | "
                         f"{run['gap']:+.4f} | {run['load_avg_before'][0]} |")
    else:
        lines.append("| pxtextmining | skipped: ../shared/data/pxtextmining absent | | | |")
    s = r["speed"]
    lines += ["", "## Tagging speed (`model.tag`, same texts, same process)", "",
              f"{s['n_texts']} texts ({s['texts']}, mean {s['mean_characters']} characters); default with an empty "
              f"embedding cache; fast median of {len(s['fast_seconds_all'])} runs.", "",
              "| mode | seconds | texts per second |", "|---|---|---|",
              f"| default (MiniLM) | {s['default_seconds']} | {s['default_texts_per_second']} |",
              f"| fast (static) | {s['fast_seconds_median']} | {s['fast_texts_per_second']} |", "",
              f"Speed ratio fast/default: **{s['speed_ratio']}x** (target >= 30: "
              f"{'met' if s['speed_ratio'] >= 30 else 'NOT met'}). Labels agree on "
              f"{100 * s['label_agreement_default_vs_fast']:.1f}% of text-theme cells.", "",
              f"Load average (1, 5, 15 min) during the default run: {s['load_avg_during_default']} on "
              f"{r['machine']['cpu_count']} cores (the benchmark's own fast runs just before count in it). First use in a process: static "
              f"table load {s['fast_first_use_seconds']} s, MiniLM load {s['default_model_load_seconds']} s; the one-off "
              f"distillation of the table took {s['static_table']['distill_seconds_when_made']} s when it was made.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        return child(argv[1], argv[2], int(argv[3]))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--speed-n", type=int, default=2000, help="texts timed in the speed part (default 2000)")
    ap.add_argument("--repeats", type=int, default=5, help="fast-mode timing repeats (median reported)")
    ap.add_argument("--skip-px", action="store_true", help="skip the pxtextmining part")
    ap.add_argument("--out", type=Path, default=RESULTS / "fast_mode")
    args = ap.parse_args(argv)
    os.environ.setdefault("INSIGHTKIT_PROGRESS", "0")

    t0 = time.perf_counter()
    dev, model = dev_part()
    print(f"dev: default {dev['default']['macro_f1']:.4f}  fast {dev['fast']['macro_f1']:.4f}  gap {dev['gap']:+.4f}",
          flush=True)
    speed = speed_part(model, args.speed_n, args.repeats)
    print(f"speed: default {speed['default_texts_per_second']}/s  fast {speed['fast_texts_per_second']}/s  "
          f"ratio {speed['speed_ratio']}x", flush=True)
    pxres = None if args.skip_px else px_part(args.seeds)
    result = {
        "benchmark": "fast_mode",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": px.machine(),
        "versions": versions(),
        "protocol": ("one model per training set with fast_head=True (both heads share data, views and seed); "
                     "macro-F1 over all themes/labels (zero_division=0); speed = model.tag on the same texts in one "
                     "child process, default with an empty embedding cache"),
        "dev": dev,
        "pxtextmining": pxres,
        "speed": speed,
        "targets": {"max_macro_f1_gap": 0.03, "min_speed_ratio": 30},
        "seconds": round(time.perf_counter() - t0, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
