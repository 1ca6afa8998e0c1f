"""Benchmark: the default theme model on the labelled corpus, plus harder checks of generalisation.

Reports, for the NHS digital codebook:
  * dev:        the shipped model (models/nhs-digital) on corpora/labelled/dev.csv, overall and by style;
  * cross-part: the same recipe trained on train.csv without one writer's part, scored on every
                text of that part (train and dev rows): a new writer is the closest we have to new
                real-world text;
  * cv:         5-fold stratified cross-validation of the recipe on train.csv;
  * baselines:  zero-shot mode, and "rank themes by similarity to their descriptions" (top theme
                only), on dev;
  * seeds:      a sanity check on the six quoted paragraphs under the theme headings of the survey
                report in ../shared/seeds (which heading's theme the model finds); the texts are read
                at run time and never stored.

Run:  python benchmarks/classifier_dev.py [--skip-cv] [--skip-cross-part]
Writes benchmarks/results/classifier_dev.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from classifier_pxtextmining import machine  # noqa: E402

LABELLED = REPO / "corpora" / "labelled"
MODEL = REPO / "models" / "nhs-digital"
SEEDS = REPO.parent / "shared" / "seeds"
RESULTS = REPO / "benchmarks" / "results"
HEADINGS = {
    "Frontline digitisation": "epr",
    "Investing in IT infrastructure": "infrastructure_cyber",
    "Using data": "data",
    "Developing a digital strategy": "strategy",
    "Enhancing efficiency": "productivity",
    "Upskilling staff": "skills",
}


def brief(rep: dict) -> dict:
    return {"n_texts": rep["n_texts"], "macro_f1": round(rep["macro_f1"], 4), "micro_f1": round(rep["micro_f1"], 4),
            "samples_f1": round(rep["samples_f1"], 4),
            "per_theme": {t: {k: (round(v[k], 4) if isinstance(v[k], float) else v[k])
                              for k in ("precision", "recall", "f1", "support")} for t, v in rep["themes"].items()}}


def seed_quotes() -> list[tuple[str, str]]:
    """(heading theme, paragraph) for each attributed quote under a theme heading of the survey report."""
    files = sorted(SEEDS.glob("000_*.txt"))
    if not files:
        return []
    paras = [p.strip() for p in files[0].read_text(encoding="utf-8").split("\n") if p.strip()]
    out, current = [], None
    for i, p in enumerate(paras):
        for head, tid in HEADINGS.items():
            if p.startswith(head):
                current = tid
        if current and i > 0 and len(p) < 120 and re.search(r"\btrust, [A-Z]", p):
            out.append((current, paras[i - 1]))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-cv", action="store_true")
    ap.add_argument("--skip-cross-part", action="store_true")
    ap.add_argument("--model", type=Path, default=MODEL)
    args = ap.parse_args(argv)

    from insightkit.classify import ThemeClassifier, load_model
    from insightkit.evaluate import MultilabelStratifiedKFold, evaluate_predictions

    model = load_model(args.model)
    ids = model.theme_ids_
    train = pd.read_csv(LABELLED / "train.csv", keep_default_na=False)
    dev = pd.read_csv(LABELLED / "dev.csv", keep_default_na=False)
    result: dict = {"benchmark": "classifier_dev", "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
                    "machine": machine(), "model": str(args.model.relative_to(REPO) if args.model.is_relative_to(REPO) else args.model),
                    "model_meta": {k: model.meta_[k] for k in ("thresholds", "config")}}

    # the shipped model on dev
    P = model.predict_proba(dev["text"].tolist())
    pred = (P >= model.thresholds_).astype(int)
    result["dev"] = brief(evaluate_predictions(dev[ids].to_numpy(), pred, ids))
    result["dev_by_style"] = {s: brief(evaluate_predictions(dev.loc[m, ids].to_numpy(), pred[m.to_numpy()], ids))
                              for s in ("survey", "interview", "prose") for m in [dev["style"] == s]}
    print(f"dev macro-F1 {result['dev']['macro_f1']:.3f}", flush=True)

    # baselines on dev
    zs = ThemeClassifier.zero_shot_model(model.codebook_)
    result["dev_zero_shot"] = brief(evaluate_predictions(dev[ids].to_numpy(), zs.predict(dev["text"].tolist()), ids))
    from insightkit.classify.zero_shot import _theme_similarity

    E = model.embedder_.encode(dev["text"].tolist())
    heads = model.embedder_.encode([f"{t.label}. {t.description}" for t in model.codebook_.themes])
    top = np.argmax(_theme_similarity(E, heads, np.arange(len(ids)), len(ids)), axis=1)
    result["dev_similarity_top1"] = brief(evaluate_predictions(dev[ids].to_numpy(), np.eye(len(ids), dtype=int)[top], ids))
    print(f"dev zero-shot {result['dev_zero_shot']['macro_f1']:.3f}, similarity top-1 "
          f"{result['dev_similarity_top1']['macro_f1']:.3f}", flush=True)

    params = {k: v for k, v in model.get_params().items() if k not in ("codebook", "embedding_model", "show_progress")}

    def recipe():
        return ThemeClassifier(model.codebook_, **params)

    if not args.skip_cross_part:
        allrows = pd.concat([train, dev], ignore_index=True)
        cross = {}
        for part in sorted(allrows["part"].unique()):
            tr = train[train["part"] != part]
            te = allrows[allrows["part"] == part]
            m = recipe().fit(tr["text"].tolist(), tr[ids].to_numpy())
            cross[part] = brief(evaluate_predictions(te[ids].to_numpy(), m.predict(te["text"].tolist()), ids))
            print(f"cross-part: without part {part} -> part {part}: macro-F1 {cross[part]['macro_f1']:.3f}", flush=True)
        result["cross_part"] = cross
        result["cross_part_mean_macro_f1"] = round(float(np.mean([v["macro_f1"] for v in cross.values()])), 4)

    if not args.skip_cv:
        Y = train[ids].to_numpy()
        oof = np.zeros(Y.shape, dtype=int)
        for tr, te in MultilabelStratifiedKFold(5, random_state=0).split(None, Y):
            m = recipe().fit(train["text"].iloc[tr].tolist(), Y[tr])
            oof[te] = m.predict(train["text"].iloc[te].tolist())
        result["cv5_train"] = brief(evaluate_predictions(Y, oof, ids))
        print(f"5-fold CV on train: macro-F1 {result['cv5_train']['macro_f1']:.3f}", flush=True)

    quotes = seed_quotes()
    if quotes:
        Pq = model.predict_proba([q for _, q in quotes])
        rows = []
        for (head, _), p in zip(quotes, Pq):
            on = [t for t, s, th in zip(ids, p, model.thresholds_) if s >= th]
            rows.append({"heading_theme": head, "predicted": on, "heading_theme_found": head in on})
        result["seed_quotes"] = {"n": len(rows), "heading_theme_found": sum(r["heading_theme_found"] for r in rows),
                                 "quotes": rows}
    else:
        result["seed_quotes"] = "skipped: ../shared/seeds not available"

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "classifier_dev.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "classifier_dev.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


def markdown(r: dict) -> str:
    m = r["machine"]
    ids = list(r["dev"]["per_theme"])
    out = ["# Default theme model on the labelled corpus", "",
           f"Date {r['date']}; insightkit {m['insightkit']}, scikit-learn {m['scikit-learn']}; {m['cpu']} "
           f"({m['cpu_count']} cores). Model `{r['model']}`.", "",
           "| check | texts | macro-F1 | micro-F1 | samples-F1 |", "|---|---|---|---|---|"]

    def row(name, b):
        out.append(f"| {name} | {b['n_texts']} | {b['macro_f1']:.3f} | {b['micro_f1']:.3f} | {b['samples_f1']:.3f} |")

    row("dev (shipped model)", r["dev"])
    for s, b in r["dev_by_style"].items():
        row(f"dev, {s} only", b)
    for part, b in r.get("cross_part", {}).items():
        row(f"cross-part: trained without part {part}, scored on part {part}", b)
    if "cv5_train" in r:
        row("5-fold CV on train.csv", r["cv5_train"])
    row("dev, zero-shot mode (no training)", r["dev_zero_shot"])
    row("dev, top theme by similarity to descriptions", r["dev_similarity_top1"])
    out += ["", "Per theme on dev (shipped model):", "", "| theme | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for t in ids:
        v = r["dev"]["per_theme"][t]
        out.append(f"| {t} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |")
    sq = r["seed_quotes"]
    if isinstance(sq, dict):
        out += ["", f"Seed sanity check: the heading's theme was among the predicted themes for "
                    f"{sq['heading_theme_found']} of {sq['n']} quoted paragraphs in the survey report.", ""]
        for q in sq["quotes"]:
            out.append(f"- under `{q['heading_theme']}`: predicted {', '.join(q['predicted']) or 'none'}")
    out += ["", "Reproduce: `python benchmarks/classifier_dev.py`.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
