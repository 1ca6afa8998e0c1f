"""Benchmark: tagging speed of the shipped model against a previous one, on the same texts, in one process.

Why: issue 15 allows the default model to be at most 1.5 times slower than before, and fast mode to
keep its speed. Both models tag the same real passages (``../shared/data/nhs-real``, read at run time,
each made unique per model and round so no cache helps), alternating, two rounds; the first fast
call of each model includes distilling its static vectors and is reported apart.

Run:  python benchmarks/model_speed.py [--previous REV]   (default REV: b264315, the model before issue 15)
Writes benchmarks/results/model_speed.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["INSIGHTKIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="insightkit-speed-")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from classifier_pxtextmining import machine  # noqa: E402

REAL = REPO.parent / "shared" / "data" / "nhs-real" / "passages.jsonl"
RESULTS = REPO / "benchmarks" / "results"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--previous", default="b264315", help="git revision whose models/nhs-digital is compared")
    ap.add_argument("--n-default", type=int, default=500)
    ap.add_argument("--n-fast", type=int, default=5000)
    args = ap.parse_args(argv)
    if not REAL.is_file():
        print(f"skipped: {REAL} is absent")
        return 0
    from insightkit.classify import load_model

    old_dir = Path(tempfile.mkdtemp(prefix="insightkit-prev-model-"))
    archive = subprocess.run(["git", "-C", str(REPO), "archive", args.previous, "models/nhs-digital"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old_dir)], input=archive, check=True)
    texts = [json.loads(line)["text"] for line in REAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    models = {"previous": load_model(old_dir / "models" / "nhs-digital"), "current": load_model()}
    out: dict = {"previous": args.previous, "texts": "nhs-real passages, made unique", "rounds": []}
    for name, m in models.items():  # first fast call distils the static vectors: timed apart
        t0 = time.perf_counter()
        m.at_speed("fast").predict(texts[:5])
        out[f"{name}_fast_first_call_s"] = round(time.perf_counter() - t0, 2)
        m.predict(texts[:5])
    for rnd in range(2):
        row: dict = {"round": rnd}
        for name, m in models.items():
            batch = [f"{t} ({name} {rnd} {k})" for k, t in enumerate((texts * (args.n_default // len(texts) + 1))[:args.n_default])]
            t0 = time.perf_counter()
            m.predict(batch)
            row[f"{name}_default_texts_per_s"] = round(args.n_default / (time.perf_counter() - t0), 1)
            batch = [f"{t} (fast {name} {rnd} {k})" for k, t in enumerate((texts * (args.n_fast // len(texts) + 1))[:args.n_fast])]
            fast = m.at_speed("fast")
            t0 = time.perf_counter()
            fast.predict(batch)
            row[f"{name}_fast_texts_per_s"] = round(args.n_fast / (time.perf_counter() - t0), 1)
        out["rounds"].append(row)
        print(row, flush=True)
    out["machine"] = machine()
    out["run"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "model_speed.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    lines = ["# Tagging speed: current model against the previous one", "",
             f"Run {out['run']}; previous model from revision `{args.previous}`; texts: {out['texts']} "
             f"({args.n_default} at default speed, {args.n_fast} fast). Produced by `python benchmarks/model_speed.py`.", "",
             "| round | previous, default (texts/s) | current, default (texts/s) | previous, fast (texts/s) | current, fast (texts/s) |",
             "|---|---|---|---|---|"]
    for r in out["rounds"]:
        lines.append(f"| {r['round']} | {r['previous_default_texts_per_s']} | {r['current_default_texts_per_s']} | "
                     f"{r['previous_fast_texts_per_s']} | {r['current_fast_texts_per_s']} |")
    lines += ["", f"First fast call (distils the static vectors): previous {out['previous_fast_first_call_s']} s, "
              f"current {out['current_fast_first_call_s']} s."]
    (RESULTS / "model_speed.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
