"""``insightkit topics``: topics, sub-themes and emergent themes of a segment table, with pictures."""

from __future__ import annotations

import argparse

from insightkit.cli._common import add_out, add_text_column
from insightkit.cli._types import existing_file, int_at_least, seed
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "topics",
        help="find topics, sub-themes within each theme, and emergent themes outside the codebook",
        description="Fit a BERTopic model (local embedding model, fixed seeds) on a segment table or any "
        "CSV/XLSX/Parquet table with a text column. A table with theme_<id> columns (from 'insightkit tag') "
        "also gets sub-themes per theme and emergent themes (topics of segments no theme was tagged on); an "
        "untagged table is tagged with the shipped theme model first where one is installed. Writes "
        "DIR/segments.csv (every input column plus topic columns; source holds the shown file name, names redacted), DIR/topics.csv, DIR/emergent.csv, "
        "DIR/subthemes.csv, tables by attribute and over time, DIR/topics.png, a self-contained "
        "DIR/topics.html and the model (safetensors, no pickle) in DIR/model/.",
    )
    p.add_argument("input", metavar="INPUT", help="segment table or survey table (CSV, TSV, XLSX or Parquet)")
    add_out(p, "DIR", "folder to write the results into")
    add_text_column(p, help="column holding the text (default: text)", metavar=None)
    p.add_argument("--id-column", default="segment_id",
                   help="column naming each row in the outputs (default: segment_id; row numbers when absent)")
    p.add_argument("--theme-columns", default="auto", metavar="auto|none|ID,ID",
                   help="auto: use theme_<id> columns, or tag an untagged table with the shipped model; "
                   "none: ignore themes; or a comma-separated list of theme ids")
    p.add_argument("--codebook", type=existing_file, help="codebook (YAML or REFI-QDA .qdc) for guided/zero-shot modes (default: the shipped codebook)")
    p.add_argument("--mode", choices=["auto", "guided", "zeroshot"], default="auto",
                   help="auto (unsupervised), guided (seeded by the codebook's cues) or zeroshot (codebook descriptions)")
    p.add_argument("--seed", type=seed, default=42, help="random seed for UMAP and clustering (default 42)")
    p.add_argument("--min-topic-size", type=int_at_least(2, 10**9), help="smallest topic (default: chosen from the corpus size)")
    p.add_argument("--by", help="comma-separated columns to count topics by (default: trust_type,region where present)")
    p.add_argument("--time-column", default="auto",
                   help="date or wave column for topics over time (auto: look for one; none: skip)")
    p.add_argument("--name", action="append", default=[], metavar="NAME", dest="names",
                   help="a name to keep out of topic labels, keywords and the texts shown, whatever the context "
                        "(repeatable; for example staff named in the comments). Name-like keywords are dropped "
                        "and shown texts redacted again even without it")
    p.add_argument("--no-model", action="store_true", help="do not save the fitted model")
    p.add_argument("--no-clean", action="store_true",
                   help="model a raw table as it is; by default a table that is neither a segment table from "
                        "'insightkit clean' nor tagged is cleaned and redacted first, as 'insightkit clean' does, so "
                        "no personal data reaches the embedding cache or the outputs")
    p.set_defaults(func=run)


def _read(path: str):
    from insightkit.io.tables import check_segment_table, read_table

    # the shared reading layer: one InputError naming the file
    return check_segment_table(read_table(Path(path)), Path(path))


def _clean_first(args: argparse.Namespace, df, out: Path):
    """A raw, untagged table cleaned and redacted as ``insightkit clean`` does (topics would otherwise
    tag and embed its raw text); its rejected rows go to OUT/rejected_on_reading.csv."""
    from insightkit.export import check_outputs, write_table
    from insightkit.pipeline import read_batch
    from insightkit.segments import is_segment_table, theme_ids

    if args.no_clean or is_segment_table(df) or theme_ids(df):
        return df
    if Path(args.input).suffix.lower() in (".parquet", ".pq"):
        return df  # the survey reader reads CSV and XLSX; a Parquet table is taken as prepared
    rej_path = out / "rejected_on_reading.csv"
    check_outputs([rej_path], [args.input])
    result = read_batch([args.input], text_columns=[args.text_column], force_format="survey", redact=True,
                        show_progress=False, warn=False)
    out.mkdir(parents=True, exist_ok=True)
    write_table(result.rejected, rej_path)
    print(f"cleaned and redacted {args.input} first, as 'insightkit clean' does (--no-clean models it as it is): "
          f"{len(result.segments):,} segments, {len(result.rejected):,} rows set aside -> {rej_path}")
    args.text_column = "text"
    if args.id_column not in result.segments.columns:
        args.id_column = "segment_id"
    return result.segments


def _check_columns(args: argparse.Namespace, df) -> None:
    """Every column an option names is in the table (one InputError naming the file otherwise)."""
    from insightkit.errors import InputError

    have = ", ".join(map(str, df.columns))
    if args.text_column not in df.columns:
        raise InputError(args.input, f"no column {args.text_column!r}; columns are: {have}")
    for col in ([c.strip() for c in args.by.split(",") if c.strip()] if args.by else []):
        if col not in df.columns:
            raise InputError(args.input, f"no column {col!r} to count topics by (--by); columns are: {have}")
    if args.id_column != "segment_id" and args.id_column not in df.columns:
        raise InputError(args.input, f"no id column {args.id_column!r} (--id-column); columns are: {have}")
    if str(args.time_column).lower() not in ("auto", "none") and args.time_column not in df.columns:
        raise InputError(args.input, f"no time column {args.time_column!r} (--time-column); columns are: {have}")


def _themes(args: argparse.Namespace, df, notes: list[str]):
    """(table to model, theme ids or None, codebook or None) from --theme-columns, --codebook and --mode."""
    from insightkit.errors import InputError
    from insightkit.segments import theme_ids
    from insightkit.topics.themes import tag_untagged

    spec = (args.theme_columns or "auto").strip()
    themes = None
    df_in = df
    if spec.lower() == "none":
        themes = []  # theme columns, if any, are kept in the output but not used
    elif spec.lower() == "auto":
        df_in = df if theme_ids(df) else tag_untagged(df, args.text_column, notes)
    else:
        themes = [t.strip() for t in spec.split(",") if t.strip()]
        missing = [t for t in themes if f"theme_{t}" not in df.columns]
        if missing:
            raise InputError(args.input, f"no column(s) {', '.join('theme_' + t for t in missing)}")
    codebook = None
    if args.codebook or args.mode != "auto":
        from insightkit.pipeline import load_codebook

        codebook = load_codebook(args.codebook)
        if themes:
            unknown = sorted(set(themes) - {t.id for t in codebook.themes})
            if unknown:
                notes.append(f"theme ids not in the codebook: {', '.join(unknown)}")
    return df_in, themes, codebook


def run(args: argparse.Namespace) -> int:
    from insightkit.errors import InputError
    from insightkit.export import check_output_path, check_outputs
    from insightkit.topics import discover_topics
    from insightkit.topics.report import TOPIC_OUTPUT_FILES, write_topic_outputs

    out = Path(args.out)
    check_output_path(out, folder=True)
    check_outputs([out / n for n in TOPIC_OUTPUT_FILES], [args.input, args.codebook])
    df = _read(args.input)
    _check_columns(args, df)
    df = _clean_first(args, df, out)
    notes: list[str] = []
    df_in, themes, codebook = _themes(args, df, notes)
    by = [c.strip() for c in args.by.split(",") if c.strip()] if args.by else None
    tcol = None if str(args.time_column).lower() == "none" else args.time_column
    id_col = args.id_column if args.id_column in df_in.columns else None
    try:
        result = discover_topics(df_in, text_column=args.text_column, themes=themes, mode=args.mode,
                                 codebook=codebook, seed=args.seed,
                                 min_topic_size=args.min_topic_size, id_column=id_col, by=by, time_column=tcol,
                                 extra_names=args.names)
    except InputError as exc:
        if exc.path is not None:
            raise
        raise InputError(args.input, exc.message, exc.line) from None  # a problem of the table: name it
    result.messages[:0] = notes
    written = write_topic_outputs(result, out, title=f"Topics: {Path(args.input).name}", save_model=not args.no_model)
    for msg in result.messages:
        print(f"note: {msg}")
    t = result.topics
    n_topics = int((t["topic"] != -1).sum())
    print(f"{result.params['n_modelled']} of {result.params['n_rows']} segments modelled: {n_topics} topics "
          f"({int(t['emergent'].sum())} emergent), {result.outliers.get('remaining', 0)} outliers, "
          f"{len(result.emergent)} emergent candidates -> {out}/")
    for w in written:
        print(f"  {w}")
    return 0
