"""``insightkit tag``: add theme_<id> (0/1) and score_<id> columns to a table of texts.

Safe by default: a table that is not a segment table from ``insightkit clean``
(:func:`insightkit.segments.is_segment_table`), such as a raw survey export, is first cleaned and
redacted exactly as ``clean`` does, before any text is scored, embedded or cached; its non-answers
("N/A") and other rejected rows go to ``OUT.rejected.<ext>`` with their ids, and the summary says
it was cleaned. ``--no-clean`` tags a table that is already clean as it is.

Tagging keeps every row and column of the table it tags, in order; empty texts get score 0 and no
theme. CSV, TSV and Parquet input that needs no cleaning is streamed in chunks (bounded memory,
however long the file) and the output appears only when complete, so an interrupted run leaves no
half-written file (:func:`insightkit.stream.tag_table`). ``--fast`` scores with the model's
static-embedding head.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from insightkit.cli._common import add_model_options, add_out, add_quiet, add_text_column
from insightkit.errors import InputError

HELP = "tag a segment table with the codebook's themes (a raw export is cleaned and redacted first)"


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
            "table, normally the segment table from 'insightkit clean'; OUT keeps every column of it and "
            "adds theme_<id> (0/1) and score_<id> (0-1) for every theme. Any other table (a raw survey export, CSV, "
            "TSV or XLSX) is first cleaned and redacted as 'insightkit clean' does, before any text is scored or "
            "cached: OUT is "
            "then its segment table, tagged, and the rows set aside (non-answers such as 'N/A', duplicates) go to "
            "OUT.rejected beside it; --no-clean tags a table that is already clean as it is. The output type "
            "follows OUT's extension. CSV, TSV and Parquet input that needs no cleaning is read in chunks, so "
            "memory stays bounded for any number of rows; XLSX, and input that is cleaned, is read whole. OUT "
            "is written to a temporary file and renamed when complete: an interrupted run leaves no "
            "half-written output."),
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
    p.add_argument("--no-clean", action="store_true",
                   help="tag INPUT as it is, without cleaning and redacting it first: only for a table that is "
                        "already clean (a segment table from 'insightkit clean' is recognised and never cleaned again)")
    add_quiet(p, help="no progress bar and no summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from insightkit.classify import load_model
    from insightkit.cli import model_pin
    from insightkit.cli.clean import rejected_path
    from insightkit.export import TABLE_EXTENSIONS
    from insightkit.stream import tag_table

    out = Path(args.out)
    if str(args.input).lower().endswith(".qdpx"):
        return _tag_qdpx(args, out)
    if out.suffix.lower() not in TABLE_EXTENSIONS:
        raise InputError(out, f"unsupported output type {out.suffix or '(none)'!r}; use one of: {', '.join(TABLE_EXTENSIONS)}")
    from insightkit.export import check_outputs

    check_outputs([out], [args.input])
    header = _columns(args.input)
    if args.text_column not in header:
        raise InputError(args.input, f"no text column {args.text_column!r} (columns: {', '.join(map(str, header))}); "
                                     "name it with --text-column")
    clean = not args.no_clean and not _is_clean(args.input)
    if clean:
        if Path(args.input).suffix.lower() in (".parquet", ".pq"):
            raise InputError(args.input, "not a segment table from 'insightkit clean', and a Parquet table cannot be "
                                         "cleaned and redacted here: run 'insightkit clean' on the CSV or XLSX "
                                         "export first, or pass --no-clean if the texts are already clean")
        check_outputs([out, rejected_path(out)], [args.input])
    model = load_model(args.model, sha256=model_pin(args))
    speed = "fast" if args.fast else "default"
    model.at_speed(speed)  # a model without a fast head fails here, before any work
    if clean:
        stats = _clean_and_tag(args, model, out, speed)
    else:
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


def _is_clean(path) -> bool:
    """Whether the table's first rows are a segment table from ``insightkit clean``."""
    from insightkit.io.tables import iter_table
    from insightkit.segments import is_segment_table

    chunks = iter_table(path, 1000)
    try:
        return is_segment_table(next(chunks))
    finally:
        chunks.close()


def _clean_and_tag(args: argparse.Namespace, model, out: Path, speed: str) -> dict:
    """Clean and redact a raw table as ``insightkit clean`` does, then tag its segments; writes OUT and
    the rejected rows beside it, all or nothing. Nothing unredacted reaches the model or its cache."""
    import sys
    import warnings

    from insightkit.cli.clean import rejected_path
    from insightkit.export import write_tables
    from insightkit.pipeline import read_batch
    from insightkit.stream import tag_frame

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = read_batch([args.input], text_columns=[args.text_column], force_format="survey", redact=True,
                            show_progress=False if args.quiet else None, warn=False)
    seg, rej = result.segments, result.rejected
    if not args.quiet:
        for w in caught:
            print(f"insightkit tag: warning: {w.message}", file=sys.stderr)
    tagged, stats = tag_frame(model, seg, text_column="text", chunk_rows=args.chunk_rows, speed=speed,
                              show_progress=False if args.quiet else None)
    rej_out = rejected_path(out)
    write_tables([(tagged, out), (rej, rej_out)])
    if not args.quiet:
        from insightkit.cli.clean import _counts

        red = result.redactions
        print(f"cleaned and redacted {args.input} first, as 'insightkit clean' does (it is not a segment table from "
              "'insightkit clean'; --no-clean tags a clean table as it is):")
        print(f"  segments: {len(seg):,}; rejected: {len(rej):,} ({_counts(rej['reason'])}) -> {rej_out}")
        print(f"  redactions: {len(red):,} ({_counts(red['type'])})")
    return stats


def _columns(path) -> list:
    """The input's column names, read without reading the table (XLSX: read whole, as tagging will)."""
    from insightkit.io.tables import table_columns

    return table_columns(path)


def _tag_qdpx(args: argparse.Namespace, out: Path) -> int:
    """A REFI-QDA project: its text sources read (redacted) and tagged, and the same project written
    to OUT with the model's codings added under a user of its own; every human coding untouched."""
    import sys
    import warnings

    from insightkit.classify import load_model
    from insightkit.cli import model_pin
    from insightkit.export import check_outputs
    from insightkit.io.qdpx import write_project
    from insightkit.pipeline.qdpx import add_model_codings, model_user_name, read_qdpx
    from insightkit.stream import tag_frame

    if out.suffix.lower() != ".qdpx":
        raise InputError(out, "tagging a .qdpx project writes a .qdpx project: name OUT with .qdpx")
    check_outputs([out], [args.input])
    model = load_model(args.model, sha256=model_pin(args))
    speed = "fast" if args.fast else "default"
    model.at_speed(speed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = read_qdpx(args.input, show_progress=False if args.quiet else None)
    if not args.quiet:
        for w in caught:
            print(f"insightkit tag: warning: {w.message}", file=sys.stderr)
    tagged, stats = tag_frame(model, result.segments, text_column="text", chunk_rows=args.chunk_rows, speed=speed,
                              show_progress=False if args.quiet else None)
    name = Path(args.model).name if args.model else "nhs-digital"
    user = model_user_name(model, name)
    counts = add_model_codings(result, tagged, model.codebook_, user)
    write_project(result.project, out)
    if not args.quiet:
        print(f"tagged {len(tagged):,} segments of {len(result.documents):,} source(s) -> {out} (as user {user!r})")
        print("  segments per code: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    return 0
