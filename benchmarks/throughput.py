"""Throughput and peak memory of each stage at 1,000, 10,000 and 100,000 segments (issue 7).

Stages, each run in its own fresh Python process so that its peak memory (``ru_maxrss``) is its own:

* ``clean``: ``insightkit.read`` of a survey CSV (read + clean + redact with spaCy NER).
* ``encoder``: the bare encoder, ``Embedder.encode_uncached`` (sentence-transformers, no cache).
* ``tag_default``: ``model.tag`` with the default model and an empty embedding cache, in the same
  process as ``encoder`` and right after it, so ``tag_default / encoder`` is the tagging overhead
  over the bare encoder (target at most 1.15).
* ``tag_cached``: the same tagging again in a new process, vectors now coming from the disk
  cache: ``tag_default / tag_cached`` is the cache speed-up (target at least 20).
* ``tag_fast``: ``model.tag(..., speed="fast")`` (static embeddings; the one-off distillation is
  not timed here, its time is reported from the cache's record).
* ``topics``: ``discover_topics`` on the tagged segments with cached embeddings.
* ``quotes``: ``select_quotes`` (3 per theme) on the tagged segments with the model.

Model loading is outside the timed part of every stage and reported separately. Texts are
synthetic but varied: sentences of the labelled corpus recombined at random (``benchmarks/synth.py``)
and used only here, never for training. The input survey CSV has one text column and two attribute
columns (trust type, region), so segments = answers minus blanks/non-answers.

At 100,000 segments only ``clean`` and ``tag_fast`` run by default: the MiniLM encoder manages
some tens of texts a second on 2 cores, so ``encoder``/``tag_default`` would take about an hour
each, and ``topics``/``quotes`` need every segment's MiniLM vector (the same hour) before they
start. Pass ``--full-100k`` to run them anyway.

    python benchmarks/throughput.py [--sizes 1000 10000 100000] [--out benchmarks/results/throughput]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
WORK = ROOT / "benchmarks" / ".cache" / "throughput"
SLOW_AT_100K = ("encoder", "tag_default", "tag_cached", "topics", "quotes")
STAGES = ("clean", "encoder+tag_default", "tag_cached", "tag_fast", "topics", "quotes")


# ----------------------------------------------------------------------------------------------
# inputs
# ----------------------------------------------------------------------------------------------

def survey_csv(n: int) -> Path:
    """A survey export of ``n`` rows: id, trust type, region, one free-text answer."""
    import csv
    import random

    from synth import synthetic_texts

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"survey_{n}.csv"
    if path.exists():
        return path
    rng = random.Random(n)
    types = ["Acute", "Community", "Mental health", "Ambulance", "Combined acute and community"]
    regions = ["London", "South East", "South West", "Midlands", "East of England", "North West",
               "North East and Yorkshire"]
    texts = synthetic_texts(n, seed=11)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["respondent_id", "trust_type", "region", "answer"])
        for i, t in enumerate(texts):
            w.writerow([f"R{i:06d}", rng.choice(types), rng.choice(regions), t])
    tmp.replace(path)
    return path


# ----------------------------------------------------------------------------------------------
# one stage in a child process
# ----------------------------------------------------------------------------------------------

def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child(stage: str, n: int) -> dict:
    os.environ.setdefault("INSIGHTKIT_PROGRESS", "0")
    import pandas as pd

    out: dict = {"stage": stage, "segments_requested": n}
    segs_path = WORK / f"segments_{n}.parquet"
    tagged_path = WORK / f"tagged_{n}.parquet"

    if stage == "clean":
        import insightkit

        src = survey_csv(n)
        from insightkit.nlp import get_nlp

        t = time.perf_counter()
        get_nlp(("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"))
        out["load_seconds"] = round(time.perf_counter() - t, 2)
        t, c = time.perf_counter(), time.process_time()
        res = insightkit.read(src, text_columns=["answer"], show_progress=False)
        dt, cpu = time.perf_counter() - t, time.process_time() - c
        res.segments.to_parquet(segs_path, index=False)
        out.update(items=n, seconds=dt, cpu_seconds=cpu, segments=len(res.segments), rejected=len(res.rejected))
        return out

    segs = pd.read_parquet(segs_path)
    texts = segs["text"].tolist()
    from insightkit.classify import load_model

    if stage == "encoder+tag_default":
        from insightkit.embed import Embedder

        bare = Embedder(cache_dir=False)
        t = time.perf_counter()
        bare.encode_uncached(["warm up"])  # loads the encoder
        model = load_model()
        out["load_seconds"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        bare.encode_uncached(texts)
        encoder_s = time.perf_counter() - t
        del bare
        t, c = time.perf_counter(), time.process_time()
        tagged = model.tag(segs)
        dt, cpu = time.perf_counter() - t, time.process_time() - c
        tagged.to_parquet(tagged_path, index=False)
        out.update(items=len(texts), seconds=dt, cpu_seconds=cpu, encoder_seconds=encoder_s,
                   overhead_ratio=dt / encoder_s, encoded=model.embedder_.n_encoded)
        return out

    if stage in ("tag_cached", "tag_fast"):
        t = time.perf_counter()
        model = load_model()
        if stage == "tag_fast":
            model.predict_proba(["warm up"], speed="fast")  # loads the static table (distilled once)
            static = model.static_embedder_
            out["static_distill_seconds_when_first_built"] = static.distill_seconds
        out["load_seconds"] = round(time.perf_counter() - t, 2)
        t, c = time.perf_counter(), time.process_time()
        tagged = model.tag(segs, speed="fast") if stage == "tag_fast" else model.tag(segs)
        dt, cpu = time.perf_counter() - t, time.process_time() - c
        out.update(items=len(texts), seconds=dt, cpu_seconds=cpu)
        if stage == "tag_cached":
            out["encoded"] = model.embedder_.n_encoded  # 0: every vector from the disk cache
        else:
            default = pd.read_parquet(tagged_path) if tagged_path.exists() else None
            if default is not None:
                cols = [c for c in tagged.columns if c.startswith("theme_")]
                out["label_agreement_with_default"] = float((tagged[cols].to_numpy()
                                                             == default[cols].to_numpy()).mean())
        return out

    if stage == "topics":
        from insightkit.topics import discover_topics

        tagged = pd.read_parquet(tagged_path)
        t = time.perf_counter()
        from insightkit.embed import get_embedder

        get_embedder().encode(["warm up"])
        out["load_seconds"] = round(time.perf_counter() - t, 2)
        t, c = time.perf_counter(), time.process_time()
        res = discover_topics(tagged)
        dt, cpu = time.perf_counter() - t, time.process_time() - c
        out.update(items=len(texts), seconds=dt, cpu_seconds=cpu, topics=int(len(res.topics)))
        return out

    if stage == "quotes":
        from insightkit.quotes import select_quotes

        tagged = pd.read_parquet(tagged_path)
        t = time.perf_counter()
        model = load_model()
        model.embedder_.encode(["warm up"])
        from insightkit.nlp import get_nlp

        get_nlp()
        out["load_seconds"] = round(time.perf_counter() - t, 2)
        t, c = time.perf_counter(), time.process_time()
        sel = select_quotes(tagged, n=3, model=model)
        dt, cpu = time.perf_counter() - t, time.process_time() - c
        out.update(items=len(texts), seconds=dt, cpu_seconds=cpu, quotes=int(len(sel.quotes)))
        return out
    raise SystemExit(f"unknown stage {stage}")


def run_child(stage: str, n: int, cache_dir: Path, timeout: int) -> dict:
    env = dict(os.environ, INSIGHTKIT_CACHE_DIR=str(cache_dir), INSIGHTKIT_PROGRESS="0",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    cmd = [sys.executable, __file__, "--child", stage, str(n)]
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"stage": stage, "segments_requested": n, "error": f"timed out after {timeout} s"}
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        return {"stage": stage, "segments_requested": n, "error": proc.stderr.strip().splitlines()[-5:]}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["process_wall_seconds"] = round(wall, 2)
    return res


# ----------------------------------------------------------------------------------------------
# report
# ----------------------------------------------------------------------------------------------

def _rows(results: list[dict]) -> list[dict]:
    rows = []
    for r in results:
        if "error" in r or "skipped" in r:
            rows.append(r)
            continue
        row = dict(r)
        row["texts_per_second"] = round(r["items"] / r["seconds"], 1) if r["seconds"] else None
        row["seconds"] = round(r["seconds"], 2)
        row["cpu_seconds"] = round(r["cpu_seconds"], 2)
        if "encoder_seconds" in r:
            row["encoder_seconds"] = round(r["encoder_seconds"], 2)
            row["encoder_texts_per_second"] = round(r["items"] / r["encoder_seconds"], 1)
            row["overhead_ratio"] = round(r["overhead_ratio"], 3)
        rows.append(row)
    return rows


def _markdown(meta: dict, rows: list[dict], summary: dict) -> str:
    lines = [f"# Throughput ({meta['date']})", "",
             f"insightkit {meta['insightkit_version']} on {meta['machine']['platform']}, "
             f"{meta['machine']['cpus']} CPUs, python {meta['machine']['python']}; "
             f"1-minute load average {meta['load_average_start']} at the start and "
             f"{meta['load_average_end']} at the end (other work shared the machine when above 2).", "",
             "Texts are synthetic recombinations of labelled-corpus sentences (throughput only). "
             "Each stage ran in its own process; model loading is not timed (column 'load s').", "",
             "| stage | segments | seconds | CPU s | texts/s | peak RSS MB | load s | notes |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        if "skipped" in r or "error" in r:
            lines.append(f"| {r['stage']} | {r['segments_requested']} | - | - | - | - | - | "
                         f"{r.get('skipped') or r.get('error')} |")
            continue
        notes = []
        if "overhead_ratio" in r:
            notes.append(f"bare encoder {r['encoder_seconds']} s ({r['encoder_texts_per_second']}/s); "
                         f"tag/encoder = {r['overhead_ratio']}")
        if "label_agreement_with_default" in r:
            notes.append(f"cell agreement with default labels {r['label_agreement_with_default']:.3f}")
        if r.get("encoded") is not None:
            notes.append(f"texts encoded: {r['encoded']}")
        if r["stage"] == "clean":
            notes.append(f"{r['segments']} segments, {r['rejected']} rejected")
        lines.append(f"| {r['stage']} | {r['items']} | {r['seconds']} | {r['cpu_seconds']} | {r['texts_per_second']} "
                     f"| {r['peak_rss_mb']} | {r.get('load_seconds')} | {'; '.join(notes)} |")
    lines += ["", "## Summary", ""]
    for k, v in summary.items():
        lines.append(f"- **{k}**: {v}")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=2, metavar=("STAGE", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    ap.add_argument("--full-100k", action="store_true", help="also run the MiniLM stages at 100,000")
    ap.add_argument("--timeout", type=int, default=7200, help="seconds per stage")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "throughput"))
    args = ap.parse_args()

    if args.child:
        res = child(args.child[0], int(args.child[1]))
        res["peak_rss_mb"] = _peak_mb()
        print(json.dumps(res))
        return 0

    import insightkit

    meta = {
        "benchmark": "throughput",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "insightkit_version": insightkit.__version__,
        "load_average_start": round(os.getloadavg()[0], 2),
    }
    results: list[dict] = []
    for n in args.sizes:
        cache = WORK / f"embcache_{n}"
        shutil.rmtree(cache, ignore_errors=True)  # tag_default must start from an empty cache
        cache.mkdir(parents=True)
        # the static table is distilled once per machine: share it from the user cache
        from insightkit.embed import default_cache_dir

        user_static = default_cache_dir() / "static"
        if user_static.is_dir():
            shutil.copytree(user_static, cache / "static", dirs_exist_ok=True)
        for stage in args.stages:
            names = stage.split("+")
            if n >= 100_000 and not args.full_100k and any(s in SLOW_AT_100K for s in names):
                for s in names:
                    results.append({"stage": s, "segments_requested": n, "skipped":
                                    "MiniLM on 2 cores: about an hour for 100,000 texts (see docstring)"})
                continue
            print(f"[{datetime.now():%H:%M:%S}] {stage} @ {n}", file=sys.stderr, flush=True)
            r = run_child(stage, n, cache, args.timeout)
            if stage == "encoder+tag_default":
                r["stage"] = "tag_default"
            results.append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
            if "error" in r and stage == "clean":
                break
    meta["load_average_end"] = round(os.getloadavg()[0], 2)
    rows = _rows(results)

    summary: dict = {}
    by = {(r["stage"], r["segments_requested"]): r for r in rows if "seconds" in r}
    for n in args.sizes:
        d, c, f = by.get(("tag_default", n)), by.get(("tag_cached", n)), by.get(("tag_fast", n))
        if d:
            summary[f"tag overhead over the bare encoder at {n}"] = (
                f"{d['overhead_ratio']} (target <= 1.15: {'met' if d['overhead_ratio'] <= 1.15 else 'NOT met'})")
        if d and c:
            sp = d["seconds"] / max(c["seconds"], 1e-9)
            summary[f"cache speed-up at {n}"] = f"{sp:.1f}x (target >= 20: {'met' if sp >= 20 else 'NOT met'})"
        if d and f:
            sp = d["seconds"] / max(f["seconds"], 1e-9)
            summary[f"fast vs default tagging at {n}"] = f"{sp:.1f}x (target >= 30: {'met' if sp >= 30 else 'NOT met'})"
    out = {**meta, "results": rows, "summary": summary}
    base = Path(args.out)
    base.parent.mkdir(parents=True, exist_ok=True)
    base.with_suffix(".json").write_text(json.dumps(out, indent=2) + "\n")
    base.with_suffix(".md").write_text(_markdown(meta, rows, summary))
    print(base.with_suffix(".md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
