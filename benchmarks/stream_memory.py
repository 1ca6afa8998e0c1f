"""Peak memory and speed of ``insightkit tag`` streaming a 1,000,000-row file (issue 7: under 2 GB).

Makes (once, cached in benchmarks/.cache/) a survey-like CSV of N rows (respondent id, region,
answer), texts recombined from labelled-corpus sentences (throughput only, never training), and
the same table as Parquet (written in row groups, without loading it whole). Then runs the real
command line in a child process, by default in fast mode:

    insightkit tag BIG.csv --text-column text --fast --out OUT.csv

and reports the child's peak resident memory (``ru_maxrss`` of the waited-for child, the number
``/usr/bin/time -v`` prints as "Maximum resident set size"), wall time and rows per second. The
output is checked to hold every input row, in order.

    python benchmarks/stream_memory.py [--rows 1000000] [--formats csv parquet] [--default-mode]

``--default-mode`` tags with MiniLM instead (hours for a million rows on 2 cores; use --rows).
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


def run(input_path: Path, out_path: Path, fast: bool, chunk_rows: int) -> dict:
    cmd = [sys.executable, "-m", "insightkit", "tag", str(input_path), "--text-column", "text",
           "--out", str(out_path), "--chunk-rows", str(chunk_rows)]
    if fast:
        cmd.append("--fast")
    env = dict(os.environ, INSIGHTKIT_PROGRESS="0", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    # a fresh measuring process per run, so the peak is this run's alone
    measure = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(p.returncode)")
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", measure, *cmd], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"insightkit tag failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    return {"command": " ".join(["insightkit"] + cmd[3:]), "wall_seconds": round(wall, 1),
            "peak_rss_mb": round(peak_kb / 1024, 1), "stdout": proc.stdout.strip().splitlines()[-4:]}


def check_output(input_path: Path, out_path: Path) -> dict:
    import pyarrow.parquet as pq

    if out_path.suffix == ".parquet":
        ids_out = pq.read_table(out_path, columns=["respondent_id"]).column(0).to_pylist()
        ids_in = pq.read_table(input_path, columns=["respondent_id"]).column(0).to_pylist()
    else:
        import pandas as pd

        ids_out = pd.read_csv(out_path, usecols=["respondent_id"], dtype=str)["respondent_id"].tolist()
        ids_in = pd.read_csv(input_path, usecols=["respondent_id"], dtype=str)["respondent_id"].tolist()
    return {"rows_in": len(ids_in), "rows_out": len(ids_out), "same_rows_in_order": ids_in == ids_out}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--formats", nargs="+", default=["csv", "parquet"], choices=["csv", "parquet"])
    ap.add_argument("--default-mode", action="store_true", help="tag with MiniLM instead of fast mode")
    ap.add_argument("--chunk-rows", type=int, default=10_000)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "stream_memory"))
    args = ap.parse_args()

    import insightkit

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
        r = run(src, out, not args.default_mode, args.chunk_rows)
        r.update(check_output(src, out))
        r.update({"format": fmt, "input_mb": round(src.stat().st_size / 2**20, 1),
                  "output_mb": round(out.stat().st_size / 2**20, 1),
                  "rows_per_second": round(args.rows / r["wall_seconds"], 1),
                  "under_2_gb": r["peak_rss_mb"] < 2048})
        results.append(r)
        print(json.dumps(r), file=sys.stderr, flush=True)
        out.unlink()  # hundreds of MB; the numbers are what we keep
    res = {
        "benchmark": "stream_memory",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "load_average_1min_at_end": round(os.getloadavg()[0], 2)},
        "insightkit_version": insightkit.__version__,
        "rows": args.rows,
        "mode": "default" if args.default_mode else "fast",
        "chunk_rows": args.chunk_rows,
        "input_preparation_seconds": round(prep, 1),
        "results": results,
        "note": ("wall time includes the process start and model loading; the static table was already "
                 "distilled (cached). Peak RSS is the whole 'insightkit tag' process."),
    }
    base = Path(args.out)
    base.parent.mkdir(parents=True, exist_ok=True)
    base.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n")
    lines = [f"# Streaming {args.rows:,} rows ({res['date']})", "",
             f"insightkit {res['insightkit_version']}, {res['machine']['platform']}, {res['machine']['cpus']} CPUs; "
             f"mode: {res['mode']}; chunks of {args.chunk_rows:,} rows; load average at the end "
             f"{res['machine']['load_average_1min_at_end']}.", "",
             "| input | size MB | wall s | rows/s | peak RSS MB | < 2 GB | all rows in order |",
             "|---|---:|---:|---:|---:|---|---|"]
    for r in results:
        lines.append(f"| {r['format']} | {r['input_mb']} | {r['wall_seconds']} | {r['rows_per_second']} | "
                     f"{r['peak_rss_mb']} | {'yes' if r['under_2_gb'] else 'NO'} | "
                     f"{'yes' if r['same_rows_in_order'] else 'NO'} |")
    lines += ["", res["note"], ""]
    base.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
