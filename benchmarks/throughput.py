"""Throughput and peak memory of each stage at 1,000, 10,000 and 100,000 segments (issue 7).

Stages, each run in its own fresh Python process so that its peak memory (``ru_maxrss``) is its own:

* ``clean``: ``insightkit.read`` of a survey CSV (read + clean + redact with spaCy NER).
* ``encoder`` + ``tag_default`` (one process): ``model.tag`` with the default model and an empty
  embedding cache (a fresh folder), and the bare encoder, ``Embedder.encode_uncached`` (the same
  loaded sentence-transformers model, no cache) over exactly the distinct texts tagging encodes,
  timed before and (up to ``--bare-twice-up-to`` distinct texts) after tagging. ``tag_default /
  encoder`` is the tagging overhead over the bare encoder (target at most 1.15), in wall and in
  CPU seconds (CPU seconds are barely affected by other jobs on a shared machine).
* ``tag_cached``: the same tagging again in a new process, vectors now coming from the disk
  cache: ``tag_default / tag_cached`` is the cache speed-up (target at least 20).
* ``tag_fast``: ``model.at_speed("fast").tag(...)`` (the static-embedding head; the one-off
  distillation is not timed, its time is reported from the cache's record). Needs a model with a
  fast head (``--model DIR``; the shipped model has one once retrained with ``insightkit train``).
* ``topics``: ``discover_topics`` on the tagged segments with cached embeddings.
* ``quotes``: ``select_quotes`` (3 per theme) on the tagged segments with the model (its candidate
  windows are new texts, so they are encoded).

Model loading is outside the timed part of every stage and reported separately. Every stage records
the 1-, 5- and 15-minute load averages when its timed part starts and when it ends. Texts are
synthetic but varied: sentences of the labelled corpus recombined at random (``benchmarks/synth.py``)
and used only here, never for training. The input survey CSV has one text column and two attribute
columns (trust type, region), so segments = answers minus blanks/non-answers.

At 100,000 segments only ``clean`` and ``tag_fast`` run by default: the MiniLM encoder manages
some tens of texts a second on 2 cores, so ``encoder``/``tag_default`` would take about an hour
each, and ``topics``/``quotes`` need every segment's MiniLM vector (the same hour) before they
start. Pass ``--full-100k`` to run them anyway. Results are merged into the results file by
(stage, size), so stages can be (re-)run separately; ``--fresh`` starts a new file.

    python benchmarks/throughput.py [--sizes 1000 10000 100000] [--stages ...] [--model DIR]
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

def _loadavg() -> list[float]:
    """1-, 5- and 15-minute load averages: other jobs share this machine's cores."""
    return [round(x, 2) for x in os.getloadavg()]


def _model_path() -> str | None:
    """The model folder the stages use: --model, else the shipped default model."""
    return os.environ.get("THROUGHPUT_MODEL") or None


def _cpu() -> float:
    """CPU seconds of this process (all threads) plus its finished child processes (worker pools)."""
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + c.ru_utime + c.ru_stime


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
        tiny = WORK / "survey_warmup.csv"
        tiny.write_text("respondent_id,trust_type,region,answer\n"
                        "W1,Acute,London,The EPR went live in May. Jo Bloggs led it.\n"
                        "W2,Community,Midlands,no comment\n", encoding="utf-8")
        t = time.perf_counter()
        insightkit.read(tiny, text_columns=["answer"], show_progress=False)  # loads every spaCy pipe it uses
        out["load_seconds"] = round(time.perf_counter() - t, 2)
        out["loadavg_before"] = _loadavg()
        t, c = time.perf_counter(), _cpu()
        res = insightkit.read(src, text_columns=["answer"], show_progress=False)
        dt, cpu = time.perf_counter() - t, _cpu() - c
        res.segments.to_parquet(segs_path, index=False)
        out.update(items=n, seconds=dt, cpu_seconds=cpu, segments=len(res.segments), rejected=len(res.rejected))
        return out

    segs = pd.read_parquet(segs_path)
    texts = segs["text"].tolist()
    from insightkit.classify import load_model

    if stage == "encoder+tag_default":
        # The bare encoder is the very encoder object tagging uses (same loaded model, same torch
        # threads), run without the cache over the distinct texts, i.e. exactly what tagging has to
        # encode. It runs before AND (up to --bare-twice-up-to distinct texts) after tagging and the
        # ratio uses the mean of the two, so a change in the machine's load during the run (other
        # jobs share these cores) cancels to first order. The ratio is also given in CPU seconds,
        # which other jobs affect much less.
        t = time.perf_counter()
        model = load_model(_model_path())
        emb = model.embedder_
        emb.encode_uncached(["warm up"])  # loads the encoder, outside every timed part
        out["load_seconds"] = round(time.perf_counter() - t, 2)
        distinct = list(dict.fromkeys(t for t in texts if t.strip()))
        out["distinct_texts"] = len(distinct)
        # with sentence-level scoring the model also encodes each sentence of a multi-sentence text
        # (a sentence equal to an already-encoded text is not encoded again): the bare encoder
        # encodes exactly that too, and the texts-only part is timed on its own as well
        sentences: list[str] = []
        if float(getattr(model, "sentence_weight", 0.0)) > 0:
            from insightkit.classify import split_sentence_spans

            seen = set(distinct)
            for t in distinct:
                spans = split_sentence_spans(t)
                if len(spans) > 1:
                    sentences += [t[a:b] for a, b in spans]
            sentences = [x for x in dict.fromkeys(sentences) if x not in seen]
        out["distinct_sentences"] = len(sentences)
        assert emb.cache is not None and len(emb.cache) == 0, "tag_default needs an empty embedding cache"

        def bare() -> tuple[float, float]:
            t, c = time.perf_counter(), _cpu()
            emb.encode_uncached(distinct)
            out.setdefault("encoder_texts_only_seconds", round(time.perf_counter() - t, 2))
            out.setdefault("encoder_texts_only_cpu_seconds", round(_cpu() - c, 2))
            emb.encode_uncached(sentences)
            return time.perf_counter() - t, _cpu() - c

        out["loadavg_before"] = _loadavg()
        enc1, enc1_cpu = bare()
        out["loadavg_after_encoder_1"] = _loadavg()
        n0 = emb.n_encoded
        t, c = time.perf_counter(), _cpu()
        tagged = model.tag(segs)
        dt, cpu = time.perf_counter() - t, _cpu() - c
        encoded = emb.n_encoded - n0
        out["loadavg_after_tag"] = _loadavg()
        tagged.to_parquet(tagged_path, index=False)
        if len(distinct) + len(sentences) <= int(os.environ.get("THROUGHPUT_BARE_TWICE_UP_TO", "2000")):
            enc2, enc2_cpu = bare()
        else:  # a third MiniLM pass over a large batch costs too much on a shared 2-core machine
            enc2, enc2_cpu = None, None
        enc = enc1 if enc2 is None else (enc1 + enc2) / 2
        enc_cpu = enc1_cpu if enc2_cpu is None else (enc1_cpu + enc2_cpu) / 2
        out.update(items=len(texts), seconds=dt, cpu_seconds=cpu, encoded=encoded,
                   encoder_seconds=enc, encoder_cpu_seconds=enc_cpu,
                   encoder_seconds_before=round(enc1, 2),
                   encoder_seconds_after=None if enc2 is None else round(enc2, 2),
                   encoder_cpu_seconds_before=round(enc1_cpu, 2),
                   encoder_cpu_seconds_after=None if enc2_cpu is None else round(enc2_cpu, 2),
                   overhead_ratio=dt / enc, overhead_ratio_cpu=cpu / enc_cpu,
                   cache_rows_after=len(emb.cache))
        return out

    if stage in ("tag_cached", "tag_fast"):
        t = time.perf_counter()
        model = load_model(_model_path())
        if stage == "tag_fast":
            model.at_speed("fast").predict_proba(["warm up"])  # loads the static table (distilled once)
            static = model.at_speed("fast").embedder_
            out["static_distill_seconds_when_first_built"] = static.distill_seconds
            out["static_embedder"] = static.name
        out["load_seconds"] = round(time.perf_counter() - t, 2)
        out["loadavg_before"] = _loadavg()
        n0 = model.embedder_.n_encoded
        t, c = time.perf_counter(), _cpu()
        tagged = model.at_speed("fast").tag(segs) if stage == "tag_fast" else model.tag(segs)
        dt, cpu = time.perf_counter() - t, _cpu() - c
        out.update(items=len(texts), seconds=dt, cpu_seconds=cpu)
        # MiniLM passes: 0 for tag_cached (every vector from the disk cache) and for tag_fast (no MiniLM)
        out["encoded"] = model.embedder_.n_encoded - n0
        if stage == "tag_fast":
            default = pd.read_parquet(tagged_path) if tagged_path.exists() else None
            out["model"] = _model_path() or "shipped default"
            if default is not None and _model_path() is None:  # same model's default head tagged these
                cols = [c for c in tagged.columns if c.startswith("theme_")]
                out["label_agreement_with_default"] = float((tagged[cols].to_numpy()
                                                             == default[cols].to_numpy()).mean())
        return out

    if stage == "topics":
        from insightkit.topics import discover_topics

        tagged = pd.read_parquet(tagged_path)
        t = time.perf_counter()
        import bertopic  # noqa: F401 - imports outside the timed part
        import umap  # noqa: F401

        from insightkit.embed import get_embedder

        get_embedder().model  # noqa: B018 - loads the encoder (every vector below comes from the cache)
        out["load_seconds"] = round(time.perf_counter() - t, 2)
        out["loadavg_before"] = _loadavg()
        n0 = get_embedder().n_encoded
        t, c = time.perf_counter(), _cpu()
        res = discover_topics(tagged)
        dt, cpu = time.perf_counter() - t, _cpu() - c
        out.update(items=len(texts), seconds=dt, cpu_seconds=cpu, topics=int(len(res.topics)),
                   encoded=get_embedder().n_encoded - n0)
        return out

    if stage == "quotes":
        from insightkit.quotes import select_quotes

        tagged = pd.read_parquet(tagged_path)
        t = time.perf_counter()
        model = load_model(_model_path())
        model.embedder_.model  # noqa: B018 - loads the encoder
        from insightkit.nlp import get_nlp

        get_nlp(("lemmatizer", "ner"))  # the pipeline quotes split sentences with
        out["load_seconds"] = round(time.perf_counter() - t, 2)
        out["loadavg_before"] = _loadavg()
        n0 = model.embedder_.n_encoded
        t, c = time.perf_counter(), _cpu()
        sel = select_quotes(tagged, n=3, model=model)
        dt, cpu = time.perf_counter() - t, _cpu() - c
        out.update(items=len(texts), seconds=dt, cpu_seconds=cpu, quotes=int(len(sel.quotes)),
                   encoded=model.embedder_.n_encoded - n0)  # candidate windows are new texts
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

ORDER = {"clean": 0, "encoder": 1, "tag_default": 1, "tag_cached": 2, "tag_fast": 3, "topics": 4, "quotes": 5}


def _rows(results: list[dict]) -> list[dict]:
    rows = []
    for r in results:
        if "error" in r or "skipped" in r or "texts_per_second" in r:  # already formatted (merged)
            rows.append(r)
            continue
        row = dict(r)
        row["texts_per_second"] = round(r["items"] / r["seconds"], 1) if r["seconds"] else None
        row["seconds"] = round(r["seconds"], 2)
        row["cpu_seconds"] = round(r["cpu_seconds"], 2)
        if "encoder_seconds" in r:
            row["encoder_seconds"] = round(r["encoder_seconds"], 2)
            row["encoder_cpu_seconds"] = round(r["encoder_cpu_seconds"], 2)
            row["encoder_texts_per_second"] = round((r["distinct_texts"] + r.get("distinct_sentences", 0)) / r["encoder_seconds"], 1)
            row["overhead_ratio"] = round(r["overhead_ratio"], 3)
            row["overhead_ratio_cpu"] = round(r["overhead_ratio_cpu"], 3)
        rows.append(row)
    return sorted(rows, key=lambda r: (r["segments_requested"], ORDER.get(r["stage"], 9)))


def _load(r: dict) -> str:
    a, b = r.get("loadavg_before"), r.get("loadavg_end")
    return f"{a[0]} / {b[0]}" if a and b else "-"


def _markdown(meta: dict, rows: list[dict], summary: dict) -> str:
    v = meta["versions"]
    lines = [f"# Throughput ({meta['date']})", "",
             f"insightkit {meta['insightkit_version']} on {meta['machine']['platform']} "
             f"({meta['machine']['processor']}), {meta['machine']['cpus']} CPUs, no GPU, "
             f"python {meta['machine']['python']}; " + ", ".join(f"{k} {x}" for k, x in v.items()) + ".", "",
             "The 'load' column gives the 1-minute load average when the timed part started and when the stage "
             "ended (2.0 means both cores busy, by the stage itself or by other jobs; anything above means work "
             "was waiting); wall-clock times are only comparable between stages that ran at similar loads. CPU "
             "seconds (the stage process's, all threads, plus any worker processes it started and ended) are "
             "much less affected by other jobs; the overhead ratio is also given in CPU seconds.", "",
             "Texts are synthetic recombinations of labelled-corpus sentences (throughput only, about 240 "
             "characters each). Each stage ran in its own process, so its peak resident memory (ru_maxrss) is "
             "its own; model loading is not timed (column 'load s'). 'tag_default' starts from an empty "
             "embedding cache (a fresh folder); 'tag_cached' is the same tagging again in a new process, with "
             "every vector from that disk cache; 'topics' and 'quotes' reuse the cached vectors of the tagged "
             "segments.", "",
             "| stage | segments | seconds | CPU s | texts/s | peak RSS MB | load s | load (1-min) | notes |",
             "|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        if "skipped" in r or "error" in r:
            lines.append(f"| {r['stage']} | {r['segments_requested']} | - | - | - | - | - | - | "
                         f"{r.get('skipped') or r.get('error')} |")
            continue
        notes = []
        if "overhead_ratio" in r:
            what = (f"{r['distinct_texts']} distinct texts and their {r['distinct_sentences']} sentences (what "
                    "sentence-level scoring encodes)" if r.get("distinct_sentences") else
                    f"{r['distinct_texts']} distinct texts")
            notes.append(f"bare encoder over the {what}: "
                         + (f"{r['encoder_seconds_before']} s before and {r['encoder_seconds_after']} s after tagging, "
                            f"mean {r['encoder_seconds']} s" if r.get("encoder_seconds_after") is not None
                            else f"{r['encoder_seconds']} s (before tagging only)")
                         + f" ({r['encoder_texts_per_second']}/s), CPU {r['encoder_cpu_seconds']} s; "
                         f"tag/encoder = {r['overhead_ratio']} (CPU: {r['overhead_ratio_cpu']})"
                         + (f"; the texts alone took the bare encoder {r['encoder_texts_only_seconds']} s (CPU "
                            f"{r['encoder_texts_only_cpu_seconds']} s), so tagging with sentence-level scoring took "
                            f"{r['seconds'] / r['encoder_texts_only_seconds']:.2f}x a texts-only encoder's time"
                            if r.get("distinct_sentences") else ""))
        if r.get("model") and r["model"] != "shipped default":
            notes.append(f"model folder {r['model']}")
        if "label_agreement_with_default" in r:
            notes.append(f"theme cells equal to default mode's: {r['label_agreement_with_default']:.3f}")
        if r.get("encoded") is not None:
            notes.append(f"texts encoded by MiniLM: {r['encoded']}")
        if r.get("note"):
            notes.append(f"**{r['note']}**")
        if r.get("children_peak_rss_mb"):
            notes.append(f"largest worker process {r['children_peak_rss_mb']} MB")
        if r["stage"] == "clean":
            notes.append(f"{r['segments']} segments, {r['rejected']} rejected")
        if r["stage"] == "topics":
            notes.append(f"{r['topics']} topics")
        if r["stage"] == "quotes":
            notes.append(f"{r['quotes']} quotes")
        lines.append(f"| {r['stage']} | {r['items']} | {r['seconds']} | {r['cpu_seconds']} | {r['texts_per_second']} "
                     f"| {r['peak_rss_mb']} | {r.get('load_seconds')} | {_load(r)} | {'; '.join(notes)} |")
    lines += ["", "## Summary", ""]
    for k, val in summary.items():
        lines.append(f"- **{k}**: {val}")
    if meta.get("notes"):
        lines += ["", "## Not measured here", ""] + [f"- {x}" for x in meta["notes"]]
    return "\n".join(lines) + "\n"


def _summary(rows: list[dict]) -> dict:
    summary: dict = {}
    by = {(r["stage"], r["segments_requested"]): r for r in rows if "seconds" in r}
    for n in sorted({r["segments_requested"] for r in rows}):
        d, c, f = by.get(("tag_default", n)), by.get(("tag_cached", n)), by.get(("tag_fast", n))
        if d:
            ok, ok_cpu = d["overhead_ratio"] <= 1.15, d["overhead_ratio_cpu"] <= 1.15
            summary[f"tag overhead over the bare encoder at {n}"] = (
                f"{d['overhead_ratio']} in wall time, {d['overhead_ratio_cpu']} in CPU time "
                f"(target <= 1.15: {'met' if ok_cpu else 'NOT met'} in CPU time, "
                f"{'met' if ok else 'NOT met'} in wall time" + ("; the wall-time ratio is distorted, see the "
                                                               "stage's note)" if d.get("note") else ")"))
        if d and c:
            sp = d["seconds"] / max(c["seconds"], 1e-9)
            whole = d["seconds"] / max(c["seconds"] + c["load_seconds"], 1e-9)
            summary[f"cache speed-up at {n}"] = (
                f"{sp:.1f}x for the tag call ({d['seconds']} s -> {c['seconds']} s; {whole:.1f}x counting the second "
                f"run's model loading) (target >= 20: {'met' if sp >= 20 else 'NOT met'})")
        if d and f:
            sp = d["seconds"] / max(f["seconds"], 1e-9)
            sp_cpu = d["cpu_seconds"] / max(f["cpu_seconds"], 1e-9)
            other = f.get("model") not in (None, "shipped default")
            summary[f"fast vs default tagging at {n}"] = (
                f"{sp:.1f}x in wall time, {sp_cpu:.1f}x in CPU time (target >= 30 on 2 cores: "
                f"{'met' if sp >= 30 else 'NOT met'} in wall time, "
                f"{'met' if sp_cpu >= 30 else 'NOT met'} in CPU time)"
                + (f"; fast head of {f['model']}, default head of the shipped model" if other else ""))
    return summary


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("torch", "sentence-transformers", "model2vec", "numpy", "pandas", "scikit-learn", "spacy",
                 "bertopic", "pyarrow"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=2, metavar=("STAGE", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    ap.add_argument("--full-100k", action="store_true", help="also run the MiniLM stages at 100,000")
    ap.add_argument("--timeout", type=int, default=7200, help="seconds per stage")
    ap.add_argument("--bare-twice-up-to", type=int, default=2000, metavar="N",
                    help="time the bare encoder after tagging as well as before when there are at most N "
                         "distinct texts (default 2000)")
    ap.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model); "
                    "tag_fast needs one with a fast head")
    ap.add_argument("--merge-from", nargs="+", metavar="JSON",
                    help="also take the rows of these results files (runs written to another --out)")
    ap.add_argument("--report-only", action="store_true",
                    help="run nothing: merge (--merge-from) and rewrite the results files")
    ap.add_argument("--fresh", action="store_true",
                    help="start a new results file (default: replace only the stages run now, keep the others)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "throughput"))
    args = ap.parse_args()
    os.environ["THROUGHPUT_BARE_TWICE_UP_TO"] = str(args.bare_twice_up_to)
    if args.model:
        os.environ["THROUGHPUT_MODEL"] = str(Path(args.model).resolve())

    if args.child:
        res = child(args.child[0], int(args.child[1]))
        res["loadavg_end"] = _loadavg()
        res["peak_rss_mb"] = _peak_mb()
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if kids:  # a worker pool started by the stage: its largest process, alive beside this one
            res["children_peak_rss_mb"] = round(kids / 1024, 1)
        print(json.dumps(res))
        return 0

    import insightkit

    base = Path(args.out)
    run_meta = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "sizes": args.sizes, "stages": args.stages, "loadavg_start": _loadavg()}
    results: list[dict] = []
    from insightkit.embed import default_cache_dir

    for n in ([] if args.report_only else args.sizes):
        cache = WORK / f"embcache_{n}"
        if "encoder+tag_default" in args.stages:
            shutil.rmtree(cache, ignore_errors=True)  # tag_default must start from an empty cache
        cache.mkdir(parents=True, exist_ok=True)
        # the static table (fast mode) is distilled once per machine: share it from the user cache;
        # it holds no per-text vectors, so the embedding cache stays empty
        user_static = default_cache_dir() / "static"
        if user_static.is_dir():
            shutil.copytree(user_static, cache / "static", dirs_exist_ok=True)
        for stage in args.stages:
            names = stage.split("+")
            if n >= 100_000 and not args.full_100k and any(s in SLOW_AT_100K for s in names):
                for s in names:
                    if s != "encoder":
                        results.append({"stage": s, "segments_requested": n, "skipped":
                                        "not run: MiniLM on 2 cores needs about an hour for 100,000 texts"})
                continue
            print(f"[{datetime.now():%H:%M:%S}] {stage} @ {n}", file=sys.stderr, flush=True)
            r = run_child(stage, n, cache, args.timeout)
            if stage == "encoder+tag_default":
                r["stage"] = "tag_default"
            r["date"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
            results.append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
            if "error" in r and stage == "clean":
                break
    run_meta["loadavg_end"] = _loadavg()
    if args.report_only:
        run_meta = None
    # merge with the results file as it is now (another invocation may have written it meanwhile)
    previous = {}
    if not args.fresh and base.with_suffix(".json").is_file():
        previous = json.loads(base.with_suffix(".json").read_text())
    for extra in args.merge_from or []:  # rows of runs written elsewhere (e.g. run side by side)
        other = json.loads(Path(extra).read_text())
        keys = {(r["stage"], r["segments_requested"]) for r in other["results"]}
        previous["results"] = [r for r in previous.get("results", [])
                               if (r["stage"], r["segments_requested"]) not in keys] + other["results"]
        previous["runs"] = previous.get("runs", []) + other.get("runs", [])
    rows = _rows(results)
    done = {(r["stage"], r["segments_requested"]) for r in rows}
    kept = [r for r in previous.get("results", []) if (r["stage"], r["segments_requested"]) not in done]
    rows = _rows(kept + rows)

    meta = {
        "benchmark": "throughput",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "gpu": None, "python": sys.version.split()[0]},
        "insightkit_version": insightkit.__version__,
        "versions": _versions(),
        "load": ("each stage records loadavg_before / loadavg_end (1-, 5-, 15-minute load averages); the "
                 "run's start and end loads are in 'runs'"),
        "notes": previous.get("notes") or [
            "No GPU was available for these runs, so benchmarks/gpu_encode.py has not been run and the GPU "
            "target (at least twice plain sentence-transformers' texts per second on an H100) is unmeasured.",
            "MiniLM stages at 100,000 segments (tag default/cached, topics, quotes) were not run: about an hour "
            "each on these 2 cores.",
        ],
        "runs": previous.get("runs", []) + ([run_meta] if run_meta else []),
    }
    summary = _summary(rows)
    out = {**meta, "results": rows, "summary": summary}
    base.parent.mkdir(parents=True, exist_ok=True)
    base.with_suffix(".json").write_text(json.dumps(out, indent=2) + "\n")
    base.with_suffix(".md").write_text(_markdown(meta, rows, summary))
    print(base.with_suffix(".md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
