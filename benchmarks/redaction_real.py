"""Name redaction on real patient comments: recall of names and name-free comments touched.

The written benchmark (``benchmarks/redaction.py``) measures redaction on text the project wrote; real
comments are harder (bare first names, nicknames, misspellings, lower case; places, wards and brands
that look like names). This benchmark uses real NHS patient comments from
``../shared/data/pxtextmining/phase_1_text_data.csv``, read at run time, and hand annotations kept in
``benchmarks/data/redaction_real.jsonl``: for each annotated comment its ``row_index``, a hash of its
text (checked, so a changed file is caught), the character spans of every person's name, and spans of
look-alikes (places, wards, brands, capitalised ordinary words). No comment text is stored in the
project. How the set was made: ``benchmarks/data/redaction_real.md``.

Measures, per method and split:

* name recall: a name counts as removed when detections (any type) cover every letter of it;
* name-free comments touched: comments with no annotated name that get a ``[PERSON]`` anyway, and
  that get any edit at all;
* look-alikes damaged: annotated look-alikes overlapped by a detection;
* speed: comments per second through the redactor (NER included).

Methods: ``insightkit`` (the default :class:`~insightkit.redact.Redactor`), ``insightkit_names_only``
(no spaCy), ``insightkit_no_name_list`` (the default without the given-name recognizer: close to the
redactor before it was added), ``spacy_person`` (spaCy ``en_core_web_sm`` PERSON entities alone).

Usage::

    python benchmarks/redaction_real.py                  # all methods, writes results
    python benchmarks/redaction_real.py --errors --split dev   # print misses and false positives

Writes ``benchmarks/results/redaction_real.json`` and ``redaction_real.md``, and puts the same table
first in ``benchmarks/results/redaction.md``, beside the written benchmark. Skips (exit 0, a message)
when the shared data is absent.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DATA = HERE / "data" / "redaction_real.jsonl"
SHARED = HERE.parent.parent / "shared" / "data" / "pxtextmining" / "phase_1_text_data.csv"
RESULTS = HERE / "results"
METHODS = ("insightkit", "insightkit_names_only", "insightkit_no_name_list", "spacy_person")
TARGET_RECALL = 0.95
TARGET_TOUCHED = 0.05


def load(data: Path, shared: Path) -> list[dict]:
    import pandas as pd

    df = pd.read_csv(shared)
    texts = dict(zip(df["row_index"].astype(int), df["feedback"]))
    rows = []
    with open(data, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            text = texts.get(int(row["row_index"]))
            if not isinstance(text, str):
                raise SystemExit(f"{data}:{n}: row_index {row['row_index']} is not in {shared}")
            if hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] != row["sha256"]:
                raise SystemExit(f"{data}:{n}: the text of row_index {row['row_index']} has changed")
            for s, e in row["names"] + row["lookalikes"]:
                assert 0 <= s < e <= len(text), f"{data}:{n}: bad span {(s, e)}"
            rows.append({**row, "text": text})
    return rows


def _covered(text: str, s: int, e: int, spans: list[tuple[int, int]]) -> bool:
    need = [i for i in range(s, e) if text[i].isalnum()]
    return all(any(a <= i < b for a, b in spans) for i in need)


def detect(method: str, texts: list[str]) -> tuple[list[list[dict]], float]:
    """Detections ({start, end, type}) for every text, and the seconds it took."""
    if method == "spacy_person":
        from insightkit.nlp import get_nlp

        nlp = get_nlp()
        nlp("Warm up with Priya Sharma.")
        t0 = time.perf_counter()
        out = [[{"start": e.start_char, "end": e.end_char, "type": "PERSON", "original": e.text, "method": "spacy"}
                for e in doc.ents if e.label_ == "PERSON"] for doc in nlp.pipe(texts, batch_size=256)]
        return out, time.perf_counter() - t0
    from insightkit.alignment import AlignedText
    from insightkit.redact import Redactor

    if method == "insightkit_no_name_list":
        from insightkit.redact.recognizers import default_recognizers
        from insightkit.redact.recognizers.given_names import GivenNameRecognizer

        rec = [x for x in default_recognizers() if not isinstance(x, GivenNameRecognizer)]
        r = Redactor(recognizers=rec)
    else:
        r = Redactor(use_ner=(method == "insightkit"))
    r.redact_text("Warm up with Priya Sharma.")
    t0 = time.perf_counter()
    res = r.redact_batch([AlignedText.from_source(t) for t in texts], groups=list(range(len(texts))))
    return [log for _, log in res], time.perf_counter() - t0


def evaluate(method: str, rows: list[dict], split: str) -> dict:
    dets, secs = detect(method, [r["text"] for r in rows])
    n_names = found = 0
    free = free_person = free_any = 0
    look = look_hit = 0
    misses, fps = [], []
    for row, log in zip(rows, dets):
        text = row["text"]
        spans = [(d["start"], d["end"]) for d in log]
        for s, e in row["names"]:
            n_names += 1
            if _covered(text, s, e, spans):
                found += 1
            else:
                misses.append({"row_index": row["row_index"], "item": text[s:e], "text": text})
        for d in log:
            if d["type"] == "PERSON" and not any(d["start"] < e and s < d["end"] for s, e in row["names"]):
                fps.append({"row_index": row["row_index"], "item": text[d["start"]:d["end"]],
                            "method": d.get("method", ""), "text": text})
        if not row["names"]:
            free += 1
            free_person += any(d["type"] == "PERSON" for d in log)
            free_any += bool(log)
        for s, e in row["lookalikes"]:
            look += 1
            look_hit += any(d["start"] < e and s < d["end"] for d in log)
    with_names = sum(1 for r in rows if r["names"])
    return {
        "method": method, "split": split, "comments": len(rows), "comments_with_names": with_names,
        "names": n_names, "names_removed": found, "recall": round(found / n_names, 4) if n_names else None,
        "name_free": free, "name_free_person": free_person,
        "name_free_person_share": round(free_person / free, 4) if free else None,
        "name_free_touched": free_any, "name_free_touched_share": round(free_any / free, 4) if free else None,
        "false_person_detections": len(fps), "lookalikes": look, "lookalikes_damaged": look_hit,
        "seconds": round(secs, 3), "comments_per_second": round(len(rows) / secs, 1) if secs > 0 else None,
        "misses": misses, "false_positives": fps,
    }


def markdown(runs: list[dict], meta: dict) -> str:
    out = [
        "# Name redaction on real patient comments",
        "",
        f"{meta['date']} · {meta['machine']['platform']} · {meta['machine']['cpus']} CPUs · "
        f"Python {meta['machine']['python']} · insightkit {meta['insightkit_version']}",
        "",
        f"Data: `{meta['data']}` (annotations only; the comments are read from `{meta['shared']}` at run time): "
        f"{meta['comments']} real NHS patient comments annotated by hand, {meta['with_names']} of them naming "
        f"someone ({meta['names']} names). How it was made: `benchmarks/data/redaction_real.md`. "
        f"Reproduce: `{meta['command']}`.",
        "",
        "A name is removed when detections cover all its letters. Name-free comments touched: comments with "
        "no name that get a `[PERSON]` (and any edit at all). Targets (issue 16): recall at least "
        f"{TARGET_RECALL}, at most {TARGET_TOUCHED:.0%} of name-free comments touched.",
        "",
        "`dev` is the half whose misses were read while the name rules were tuned; `holdout` is the other half, "
        "whose errors were not looked at while tuning.",
        "",
        "| method | split | names | recall | name-free comments | with false `[PERSON]` | touched at all | "
        "look-alikes damaged | comments/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        out.append(
            f"| {r['method']} | {r['split']} | {r['names']} | {r['recall']:.3f} | {r['name_free']} | "
            f"{r['name_free_person']} ({r['name_free_person_share']:.1%}) | {r['name_free_touched']} "
            f"({r['name_free_touched_share']:.1%}) | {r['lookalikes_damaged']} of {r['lookalikes']} | "
            f"{r['comments_per_second']} |"
        )
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--shared", type=Path, default=SHARED, help="the pxtextmining CSV")
    ap.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    ap.add_argument("--split", choices=["all", "dev", "holdout"], default=None,
                    help="only this split (default: all three, written to results)")
    ap.add_argument("--errors", action="store_true", help="print misses and false positives")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("INSIGHTKIT_PROGRESS", "0")
    if not args.shared.is_file():
        print(f"skipped: {args.shared} is absent (the real comments are read from ../shared at run time)")
        return 0
    import insightkit

    rows = load(args.data, args.shared)
    splits = [args.split] if args.split else ["all", "dev", "holdout"]
    runs = []
    for m in args.methods:
        for sp in splits:
            part = rows if sp == "all" else [r for r in rows if r["split"] == sp]
            s = evaluate(m, part, sp)
            runs.append(s)
            print(f"{m:<24} {sp:<8} recall {s['recall']:.3f} ({s['names_removed']}/{s['names']})  name-free with "
                  f"[PERSON] {s['name_free_person']}/{s['name_free']} ({s['name_free_person_share']:.1%}), touched "
                  f"{s['name_free_touched']}  look-alikes damaged {s['lookalikes_damaged']}/{s['lookalikes']}  "
                  f"{s['comments_per_second']}/s")
            if args.errors:
                for x in s["misses"]:
                    print(f"   MISS {x['item']!r:<22} | {x['text'][:150]!r}")
                for x in s["false_positives"]:
                    print(f"   FP   {x['item']!r:<22} ({x['method']}) | {x['text'][:150]!r}")
    if args.no_write or args.split:
        return 0
    meta = {
        "benchmark": "redaction_real",
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "insightkit_version": insightkit.__version__,
        "data": "benchmarks/data/redaction_real.jsonl",
        "shared": "../shared/data/pxtextmining/phase_1_text_data.csv",
        "comments": len(rows), "with_names": sum(1 for r in rows if r["names"]),
        "names": sum(len(r["names"]) for r in rows),
        "command": "python benchmarks/redaction_real.py",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    # misses and false positives quote real text: counts only in the committed results
    slim = [{k: v for k, v in r.items() if k not in ("misses", "false_positives")} for r in runs]
    (RESULTS / "redaction_real.json").write_text(json.dumps({**meta, "runs": slim}, indent=2) + "\n", encoding="utf-8")
    md = markdown(runs, meta)
    (RESULTS / "redaction_real.md").write_text(md, encoding="utf-8")
    _update_written_page(md)
    return 0


def _update_written_page(md: str) -> None:
    """Put these results, first, into benchmarks/results/redaction.md beside the written benchmark."""
    from redaction import REAL_END, REAL_START  # type: ignore[import-not-found]

    page = RESULTS / "redaction.md"
    text = page.read_text(encoding="utf-8") if page.is_file() else "# Redaction benchmark\n"
    body = md.replace("# Name redaction on real patient comments", "## Real patient comments (names)", 1)
    block = f"{REAL_START}\n{body.rstrip()}\n{REAL_END}"
    a, b = text.find(REAL_START), text.find(REAL_END)
    if 0 <= a < b:
        text = text[:a] + block + text[b + len(REAL_END):]
    else:
        head, _, rest = text.partition("\n\n")
        text = f"{head}\n\n{block}\n\n{rest}"
    page.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
