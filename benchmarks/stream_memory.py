"""Peak memory and speed of ``insightkit tag`` streaming a 1,000,000-row file (issue 7: under 2 GB).

Makes (once, cached in benchmarks/.cache/) a survey-like CSV of N rows (respondent id, region,
answer; 5% blank or non-answers), texts recombined from labelled-corpus sentences (throughput only,
never training), and the same table as Parquet (written in row groups, without loading it whole).
Then runs the real command line in a child process, by default in fast mode:

    insightkit tag BIG.csv --text-column text --fast --no-clean --out OUT.csv [--model DIR]

and reports the child's peak resident memory (``ru_maxrss`` from ``wait4``, the number
``/usr/bin/time -v`` prints as "Maximum resident set size"), the sampled peak of the child's whole
process tree (so worker processes cannot hide memory), wall and CPU time, rows a second, the
load average (the machine may be shared) and the progress bar's lines (rate and time left). The
output is checked: every input row, in order, no missing theme cell, and every 500th row re-tagged
in memory with ``model.tag`` gives the same themes and scores.

    python benchmarks/stream_memory.py [--rows 1000000] [--formats csv parquet] [--model DIR] [--default-mode]

``--default-mode`` tags with MiniLM instead (hours for a million rows on 2 cores; use --rows).
Results are merged by format into benchmarks/results/stream_memory.{json,md} (``--fresh``: start anew).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
WORK = ROOT / "benchmarks" / ".cache" / "stream"


def make_inputs(rows: int, formats: list[str]) -> dict[str, Path]:
    from synth import synthetic_csv

    csv_path = synthetic_csv(rows, seed=3, dup_rate=0.05)
    out = {"csv": csv_path}
    if "parquet" in formats:
        pq_path = csv_path.with_suffix(".parquet")
        if not pq_path.exists():
            import pyarrow as pa
            import pyarrow.csv as pacsv
            import pyarrow.parquet as pq

            convert = pacsv.ConvertOptions(column_types={"respondent_id": pa.string(), "region": pa.string(),
                                                         "text": pa.string()}, strings_can_be_null=False)
            reader = pacsv.open_csv(csv_path, convert_options=convert,
                                    read_options=pacsv.ReadOptions(block_size=1 << 24))
            tmp = pq_path.with_suffix(".tmp")
            with pq.ParquetWriter(tmp, reader.schema) as w:
                for batch in reader:
                    w.write_batch(batch)
            tmp.replace(pq_path)
        out["parquet"] = pq_path
    return out


def _tree_rss_kb(root: int) -> int:
    """Resident memory (kB) of ``root`` and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                stat = fh.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{d}/status") as fh:
                kb = next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
        rss[int(d)] = kb
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def run(input_path: Path, out_path: Path, fast: bool, chunk_rows: int, model: str | None = None) -> dict:
    """Run ``insightkit tag`` as a child; its peak RSS from wait4 and, sampled, of its whole process tree.

    ``ru_maxrss`` from ``wait4`` is the largest single process (the tag process, or a worker it
    started); the sampled tree total (every second) adds up the tag process and any workers alive at
    the same moment, so memory held by helper processes cannot hide.
    """
    import threading

    cmd = [sys.executable, "-m", "insightkit", "tag", str(input_path), "--text-column", "text",
           "--out", str(out_path), "--chunk-rows", str(chunk_rows), "--no-clean"]  # synthetic, already clean
    if fast:
        cmd.append("--fast")
    if model:
        cmd += ["--model", model]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop("INSIGHTKIT_PROGRESS", None)  # the progress bar stays on: its last line is kept as evidence
    log = out_path.with_suffix(out_path.suffix + ".log")
    peak_tree = [0]
    t = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(1.0):  # the tag process's own peak comes from wait4; this adds workers
                peak_tree[0] = max(peak_tree[0], _tree_rss_kb(proc.pid))

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        th.join()
    wall = time.perf_counter() - t
    text = log.read_text(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"insightkit tag failed ({proc.returncode}):\n{text[-3000:]}")
    frames = [f.strip() for f in text.replace("\r", "\n").splitlines() if f.strip()]
    bar = [f for f in frames if "/s" in f and "%" in f]
    return {"command": " ".join(["insightkit"] + cmd[3:]), "wall_seconds": round(wall, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "peak_tree_rss_mb_sampled": round(peak_tree[0] / 1024, 1),
            "progress_bar_mid": bar[len(bar) // 2] if bar else None,
            "progress_bar_last": bar[-1] if bar else None,
            "summary": [f for f in frames if f not in bar][-4:]}


def check_output(input_path: Path, out_path: Path, fast: bool, model_path: str | None = None,
                 sample_every: int = 500) -> dict:
    """Every input row in the output, in order, tagged; a sample re-tagged in memory must agree."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    from insightkit.classify import load_model

    model = load_model(model_path)
    themes = [f"theme_{t}" for t in model.theme_ids_]
    scores = [f"score_{t}" for t in model.theme_ids_]
    if out_path.suffix == ".parquet":
        out = pq.read_table(out_path, columns=["respondent_id", *themes, *scores]).to_pandas()
        src = pq.read_table(input_path, columns=["respondent_id", "text"]).to_pandas()
    else:
        out = pd.read_csv(out_path, usecols=["respondent_id", *themes, *scores], dtype={"respondent_id": str})
        src = pd.read_csv(input_path, usecols=["respondent_id", "text"], dtype=str, keep_default_na=False)
    res = {"rows_in": len(src), "rows_out": len(out),
           "same_rows_in_order": bool(len(src) == len(out) and (src["respondent_id"].to_numpy()
                                                                 == out["respondent_id"].to_numpy()).all()),
           "theme_cells_missing": int(out[themes].isna().sum().sum()),
           "rows_with_a_theme": int((out[themes].sum(axis=1) > 0).sum())}
    # a sample spread over the whole file, tagged in this process the ordinary (in-memory) way
    idx = np.arange(0, len(src), sample_every)
    sample = src.iloc[idx].reset_index(drop=True)
    kw = {"speed": "fast"} if fast else {}
    expected = model.tag(sample, "text", **kw)
    got = out.iloc[idx].reset_index(drop=True)
    res["sample_rows_checked"] = len(idx)
    res["sample_theme_cells_equal"] = float((got[themes].to_numpy() == expected[themes].to_numpy()).mean()) \
        if len(idx) else None
    res["sample_max_score_difference"] = float(np.abs(got[scores].to_numpy(dtype=float)
                                                      - expected[scores].to_numpy(dtype=float)).max()) \
        if len(idx) else None
    return res


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("pandas", "pyarrow", "numpy", "scikit-learn", "model2vec", "torch", "sentence-transformers"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _markdown(res: dict) -> str:
    lines = [f"# Streaming {res['rows']:,} rows through `insightkit tag` ({res['date']})", "",
             f"insightkit {res['insightkit_version']}, {res['machine']['platform']}, {res['machine']['cpus']} CPUs, "
             f"no GPU; " + ", ".join(f"{k} {v}" for k, v in res["versions"].items()) + ".", "",
             f"Mode: {res['mode']}; chunks of {res['chunk_rows']:,} rows; model: {res['model']}. The input is a survey-like CSV "
             "(respondent id, region, answer; 5% of answers blank or non-answers such as 'N/A') and the same "
             "table as Parquet. The load column gives the 1-minute load average at the start and the end of "
             "each run (2.0 = both cores busy, by the run itself or by other jobs): wall time and rows a second "
             "depend on it, peak memory does not.", "",
             "| input | size MB | wall s | CPU s | rows/s | peak RSS MB | peak tree RSS MB | < 2 GB | rows out = rows in, in order | sample re-tagged in memory agrees | load (1-min) |",
             "|---|---:|---:|---:|---:|---:|---:|---|---|---|---|"]
    for r in res["results"]:
        agree = (f"{r['sample_theme_cells_equal']:.4f} of theme cells equal, max score diff "
                 f"{r['sample_max_score_difference']:.2g} ({r['sample_rows_checked']:,} rows)")
        lines.append(f"| {r['format']} | {r['input_mb']} | {r['wall_seconds']} | {r['cpu_seconds']} | "
                     f"{r['rows_per_second']} | {r['peak_rss_mb']} | {r['peak_tree_rss_mb_sampled']} | "
                     f"{'yes' if r['under_2_gb'] else 'NO'} | "
                     f"{'yes' if r['same_rows_in_order'] else 'NO'} ({r['rows_out']:,} of {r['rows_in']:,}) | "
                     f"{agree} | {r['loadavg_start'][0]} / {r['loadavg_end'][0]} |")
    lines += ["", res["note"], ""]
    for r in res["results"]:
        lines += [f"Progress bar of the {r['format']} run, half-way and at the end (rate and time left):", "",
                  "```text", str(r.get("progress_bar_mid")), str(r.get("progress_bar_last")), "```", ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--formats", nargs="+", default=["csv", "parquet"], choices=["csv", "parquet"])
    ap.add_argument("--default-mode", action="store_true", help="tag with MiniLM instead of fast mode")
    ap.add_argument("--chunk-rows", type=int, default=10_000)
    ap.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model; fast mode "
                    "needs one with a fast head)")
    ap.add_argument("--fresh", action="store_true",
                    help="start a new results file (default: replace only the formats run now)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "stream_memory"))
    args = ap.parse_args()

    import insightkit

    base = Path(args.out)
    mode = "default" if args.default_mode else "fast"
    previous = {}
    if not args.fresh and base.with_suffix(".json").is_file():
        previous = json.loads(base.with_suffix(".json").read_text())
        if (previous.get("rows"), previous.get("mode"), previous.get("chunk_rows")) != (args.rows, mode, args.chunk_rows):
            previous = {}
    t = time.perf_counter()
    inputs = make_inputs(args.rows, args.formats)
    prep = time.perf_counter() - t
    results = []
    for fmt in args.formats:
        src = inputs[fmt]
        out = WORK / f"tagged_{args.rows}.{fmt}"
        WORK.mkdir(parents=True, exist_ok=True)
        if out.exists():
            out.unlink()
        print(f"[{datetime.now():%H:%M:%S}] tagging {src.name} -> {out.name}", file=sys.stderr, flush=True)
        load0 = [round(x, 2) for x in os.getloadavg()]
        r = run(src, out, not args.default_mode, args.chunk_rows, args.model)
        r["loadavg_start"], r["loadavg_end"] = load0, [round(x, 2) for x in os.getloadavg()]
        r["date"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        r.update(check_output(src, out, not args.default_mode, args.model))
        r.update({"format": fmt, "input_mb": round(src.stat().st_size / 2**20, 1),
                  "output_mb": round(out.stat().st_size / 2**20, 1),
                  "rows_per_second": round(args.rows / r["wall_seconds"], 1),
                  "under_2_gb": max(r["peak_rss_mb"], r["peak_tree_rss_mb_sampled"]) < 2048})
        results.append(r)
        print(json.dumps(r), file=sys.stderr, flush=True)
        out.unlink()  # hundreds of MB; the numbers are what we keep
    done = {r["format"] for r in results}
    results = [r for r in previous.get("results", []) if r["format"] not in done] + results
    results.sort(key=lambda r: ["csv", "parquet"].index(r["format"]))
    res = {
        "benchmark": "stream_memory",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "gpu": None,
                    "python": sys.version.split()[0]},
        "insightkit_version": insightkit.__version__,
        "versions": _versions(),
        "rows": args.rows,
        "mode": mode,
        "chunk_rows": args.chunk_rows,
        "model": args.model or "shipped default",
        "input_preparation_seconds": round(prep, 1),
        "results": results,
        "note": ("Wall and CPU time include the process start and model loading (the static table was already "
                 "distilled and cached). Peak RSS is the 'insightkit tag' process's maximum resident set size "
                 "(wait4's ru_maxrss, what /usr/bin/time -v reports); the tree figure is the largest sum, sampled "
                 "every second, of the RSS of that process and every process it started. 'Sample re-tagged' "
                 "takes every 500th row, tags it in memory with model.tag and compares with the streamed output."),
    }
    base.parent.mkdir(parents=True, exist_ok=True)
    base.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n")
    base.with_suffix(".md").write_text(_markdown(res))
    print(_markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
