"""``insightkit tag``: add theme_<id> (0/1) and score_<id> columns to a table of texts.

Every input row and column is kept in the output, in order; empty texts get score 0 and no theme.
CSV, TSV and Parquet input is streamed in chunks (bounded memory, however long the file) and the
output appears only when complete, so an interrupted run leaves no half-written file
(:func:`insightkit.stream.tag_table`). ``--fast`` scores with the model's static-embedding head.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from insightkit.cli._common import add_model_options, add_out, add_quiet, add_text_column
from insightkit.errors import InputError

HELP = "tag texts (a segment table or any CSV/XLSX/Parquet) with the codebook's themes"


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def register(subparsers) -> None:
    from insightkit.stream import DEFAULT_CHUNK_ROWS

    p = subparsers.add_parser(
        "tag", help=HELP,
        description=(
            "Tag each row of INPUT with the themes of a model's codebook. INPUT is a CSV, TSV, XLSX or Parquet "
            "table (for example the segment table from 'insightkit clean'); OUT keeps every input column and "
            "adds theme_<id> (0/1) and score_<id> (0-1) for every theme. The output type follows OUT's extension. "
            "CSV, TSV and Parquet input is read in chunks, so memory stays bounded for any number of rows; "
            "XLSX is read whole. OUT is written to a temporary file and renamed when complete: an interrupted "
            "run leaves no half-written output."),
    )
    p.add_argument("input", metavar="INPUT", help="table of texts (CSV, TSV, XLSX or Parquet)")
    add_text_column(p)
    add_model_options(p, help="model folder (default: the shipped nhs-digital model)")
    add_out(p, "FILE", "output table: .csv, .tsv, .xlsx or .parquet")
    p.add_argument("--fast", action="store_true",
                   help="fast CPU mode: score with the model's static-embedding head (tens of times faster, "
                        "slightly less accurate; distils static vectors from MiniLM on first use, about a minute)")
    p.add_argument("--chunk-rows", type=_positive_int, default=DEFAULT_CHUNK_ROWS, metavar="N",
                   help=f"rows read, tagged and written at a time (default: {DEFAULT_CHUNK_ROWS})")
    add_quiet(p, help="no progress bar and no summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from insightkit.classify import load_model
    from insightkit.cli import model_pin
    from insightkit.export import TABLE_EXTENSIONS
    from insightkit.stream import tag_table

    out = Path(args.out)
    if out.suffix.lower() not in TABLE_EXTENSIONS:
        raise InputError(out, f"unsupported output type {out.suffix or '(none)'!r}; use one of: {', '.join(TABLE_EXTENSIONS)}")
    from insightkit.export import check_outputs

    check_outputs([out], [args.input])
    header = _columns(args.input)
    if args.text_column not in header:
        raise InputError(args.input, f"no text column {args.text_column!r} (columns: {', '.join(map(str, header))}); "
                                     "name it with --text-column")
    model = load_model(args.model, sha256=model_pin(args))
    speed = "fast" if args.fast else "default"
    model.at_speed(speed)  # a model without a fast head fails here, before any work
    stats = tag_table(model, args.input, out, text_column=args.text_column, chunk_rows=args.chunk_rows,
                      speed=speed, show_progress=False if args.quiet else None)
    if not args.quiet:
        counts = ", ".join(f"{tid} {stats.get('theme_rows', {}).get(tid, 0)}" for tid in model.theme_ids_)
        rate = stats["rows"] / stats["seconds"] if stats["seconds"] > 0 else float("inf")
        print(f"tagged {stats['rows']} rows -> {out} ({speed} mode, {stats['seconds']:.1f} s, {rate:,.0f} rows/s)")
        print(f"  rows per theme: {counts}")
        n_empty = stats["empty_texts"]
        print(f"  rows with no theme: {stats.get('no_theme_rows', 0)}" + (f" (of which {n_empty} empty)" if n_empty else ""))
    return 0


def _columns(path) -> list:
    """The input's column names, read without reading the table (XLSX: read whole, as tagging will)."""
    from insightkit.io.tables import table_columns

    return table_columns(path)
