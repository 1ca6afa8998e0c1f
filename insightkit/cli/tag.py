"""``insightkit tag``: add theme_<id> (0/1) and score_<id> columns to a table of texts.

Every input row and column is kept in the output, in order; empty texts get score 0 and no theme.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from insightkit.errors import InputError, ModelError

HELP = "tag texts (a segment table or any CSV/XLSX/Parquet) with the codebook's themes"
_CHUNK = 256


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "tag", help=HELP,
        description=(
            "Tag each row of INPUT with the themes of a model's codebook. INPUT is a CSV, TSV, XLSX or Parquet "
            "table (for example the segment table from 'insightkit clean'); OUT keeps every input column and "
            "adds theme_<id> (0/1) and score_<id> (0-1) for every theme. The output type follows OUT's extension."),
    )
    p.add_argument("input", metavar="INPUT", help="table of texts (CSV, TSV, XLSX or Parquet)")
    p.add_argument("--text-column", default="text", metavar="COL", help="column holding the texts (default: text)")
    p.add_argument("--model", metavar="DIR", help="model folder (default: the shipped nhs-digital model)")
    p.add_argument("--out", required=True, metavar="FILE", help="output table: .csv, .tsv, .xlsx or .parquet")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from insightkit.classify import load_model
    from insightkit.export import TABLE_EXTENSIONS, read_table, write_table
    from insightkit.progress import progress

    out = Path(args.out)
    if out.suffix.lower() not in TABLE_EXTENSIONS:
        raise InputError(out, f"unsupported output type {out.suffix or '(none)'!r}; use one of: {', '.join(TABLE_EXTENSIONS)}")
    df = read_table(args.input)
    if args.text_column not in df.columns:
        raise InputError(args.input, f"no text column {args.text_column!r} (columns: {', '.join(map(str, df.columns))}); "
                                     "name it with --text-column")
    model = load_model(args.model)
    texts = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in df[args.text_column]]
    k = len(model.theme_ids_)
    P = np.zeros((len(texts), k))
    with progress(total=len(texts), desc="tagging", unit="text", disable=True if args.quiet else None) as bar:
        # encode all texts once (cached), then score in chunks so the bar moves
        embedder = model.embedder_ if (model.zero_shot or "embedding" in model.views_) else None
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start:start + _CHUNK]
            emb = embedder.encode(chunk) if embedder is not None else None
            P[start:start + len(chunk)] = model.predict_proba(chunk, embeddings=emb)
            bar.update(len(chunk))
    tagged = model.with_scores(df, P)
    if len(tagged) != len(df):  # pragma: no cover - guard for the "nothing lost" rule
        raise ModelError("internal error: tagging changed the number of rows")
    write_table(tagged, out)
    if not args.quiet:
        counts = ", ".join(f"{tid} {int(tagged[f'theme_{tid}'].sum())}" for tid in model.theme_ids_)
        n_empty = sum(1 for t in texts if not t.strip())
        print(f"tagged {len(tagged)} rows -> {out}")
        print(f"  rows per theme: {counts}")
        none = int((tagged[[f"theme_{t}" for t in model.theme_ids_]].sum(axis=1) == 0).sum())
        print(f"  rows with no theme: {none}" + (f" (of which {n_empty} empty)" if n_empty else ""))
    return 0
