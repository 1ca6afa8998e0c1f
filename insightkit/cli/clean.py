"""``insightkit clean``: read, clean and redact transcripts and surveys into a segment table.

A batch with some unreadable files still writes the table for the others, then prints one line per
bad file and exits with code 2, so a script notices while the work done is kept.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import Counter
from pathlib import Path

from insightkit.cli._common import add_out, add_quiet, add_read_options
from insightkit.errors import InputError

HELP = "read, clean and redact transcripts and survey exports into a segment table"

_STEPS = ("bullets", "timestamps", "tags", "fillers", "repeats", "non_answers", "duplicates")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "clean",
        help=HELP,
        description=(
            "Read transcripts (.txt, .vtt, .srt, .docx) and survey exports (.csv, .xlsx), clean and redact "
            "them, and write the segment table plus the rejected rows beside it "
            "(segments.csv -> segments.rejected.csv). Folders are read recursively; a CSV with 'source' and "
            "'speaker' columns found among the inputs is used as the participants file."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="transcript or survey files, or folders holding them")
    add_read_options(p)
    p.add_argument("--level", choices=("verbatim", "clean"), default="clean",
                   help="verbatim: repair unicode and whitespace only; clean (default): also drop a leading list marker, "
                        "timestamps, transcriber tags, fillers and repeated words")
    p.add_argument("--interviewer", action="append", default=[], metavar="NAME", dest="interviewers",
                   help="speaker label of an interviewer (repeatable), beside the participants file's roles")
    p.add_argument("--no-guess-interviewer", action="store_true",
                   help="do not take the speaker who asks the most questions as the interviewer when nothing "
                        "else identifies one")
    p.add_argument("--keep", action="append", default=[], choices=_STEPS, metavar="STEP",
                   help=f"switch a cleaning step off (repeatable): {', '.join(_STEPS)}")
    p.add_argument("--attribution", metavar="TEMPLATE", default=None,
                   help="template of the attribution shown beside quotes (default: '{trust_type}, {region}')")
    p.add_argument("--redaction-log", metavar="FILE",
                   help="also write the redaction log (it holds the personal data that was removed)")
    p.add_argument("--pseudonyms", choices=("document", "batch"), default=None,
                   help="number people and organisations ([PERSON_1], [ORG_1]) so the same name gets the same "
                        "number within each document or across the whole batch (default: plain [PERSON]); "
                        "the mapping is only in the redaction log")
    add_out(p, "FILE", "output table: .csv, .parquet or .xlsx (the rejected rows go beside it)")
    add_quiet(p)
    p.set_defaults(func=run)


_NOT_ATTRIBUTES = {"doc_id", "segment_id", "source", "kind", "turn", "line", "text", "start", "end", "edits",
                   "attribution", "cell", "role_source", "source_display", "question", "timestamp", "source_folder"}


def rejected_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.rejected{out.suffix}")


def _counts(series) -> str:
    c = Counter(series)
    return ", ".join(f"{k} {v:,}" for k, v in sorted(c.items())) if c else "none"


def run(args: argparse.Namespace) -> int:
    from insightkit.clean import CleaningConfig
    from insightkit.export import TABLE_EXTENSIONS, check_outputs, write_tables
    from insightkit.pipeline import read_batch
    from insightkit.segments import DEFAULT_ATTRIBUTION_TEMPLATE

    out = Path(args.out)
    if out.suffix.lower() not in TABLE_EXTENSIONS:
        raise InputError(out, f"unsupported output type {out.suffix or '(none)'!r}; use .csv, .parquet or .xlsx")
    log = Path(args.redaction_log) if args.redaction_log else None
    if log is not None and log.suffix.lower() not in TABLE_EXTENSIONS:
        raise InputError(log, f"unsupported redaction log type {log.suffix or '(none)'!r}; use .csv, .parquet or .xlsx")
    # before any work: no output may overwrite an input or another output
    check_outputs([out, rejected_path(out), log], [*args.paths, args.participants])
    config = CleaningConfig().without(*args.keep) if args.keep else CleaningConfig()
    if any(str(p).lower().endswith(".qdpx") for p in args.paths):
        return _clean_qdpx(args, out, log, config)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = read_batch(
            args.paths, args.participants, text_columns=args.text_columns, id_column=args.id_column,
            level=args.level, redact=not args.no_redact, interviewers=args.interviewers,
            attribution_template=args.attribution or DEFAULT_ATTRIBUTION_TEMPLATE, cleaning=config,
            show_progress=False if args.quiet else None, guess_interviewers=not args.no_guess_interviewer,
            raise_if_none=False, warn=False, keep_columns=args.keep_columns, pseudonyms=args.pseudonyms,
        )
    for w in caught:
        if not args.quiet:
            print(f"insightkit clean: warning: {w.message}", file=sys.stderr)
    if not result.documents:
        for err in result.errors:
            print(f"insightkit clean: error: {err.message}", file=sys.stderr)
        return 2
    seg, rej = result.segments, result.rejected
    seg = with_source_folders(seg, args.paths)
    if args.attribution:
        import re

        missing = [f for f in dict.fromkeys(re.findall(r"{(\w+)}", args.attribution)) if f not in seg.columns]
        if missing:
            where = args.participants or (args.paths[0] if len(args.paths) == 1 else None)
            raise InputError(where, f"--attribution names no column {', '.join(map(repr, missing))} "
                                    f"(attributes: {', '.join(c for c in seg.columns if c not in _NOT_ATTRIBUTES)})")
    rej_out = rejected_path(out)
    # all or nothing: the tables appear only when every one (the redaction log too) is written, and
    # the log, which holds the personal data removed, is created readable by its owner only (0600)
    items = [(seg, out), (rej, rej_out)] + ([(result.redactions, log)] if log is not None else [])
    write_tables(items, private=[log] if log is not None else [])
    if not args.quiet:
        n_docs = len(result.documents)
        print(f"documents: {n_docs:,} ({_counts(_doc_kinds(result))})")
        print(f"segments: {len(seg):,} ({_counts(seg['kind'] + '/' + seg['role'])})")
        print(f"rejected: {len(rej):,} ({_counts(rej['reason'])})")
        if args.no_redact:
            print("redactions: off (--no-redact)")
        else:
            print(f"redactions: {len(result.redactions):,} ({_counts(result.redactions['type'])})")
        extra = f", {args.redaction_log}" if args.redaction_log else ""
        print(f"wrote {out}, {rej_out}{extra}")
    for err in result.errors:
        print(f"insightkit clean: error: {err.message}", file=sys.stderr)
    return 2 if result.errors else 0


def codings_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.codings{out.suffix}")


def _clean_qdpx(args: argparse.Namespace, out: Path, log: Path | None, config) -> int:
    """A REFI-QDA project: its text sources' segment table, and the codings beside it
    (segments.csv -> segments.codings.csv, linked by segment_id)."""
    from insightkit.export import check_outputs, write_tables
    from insightkit.pipeline.qdpx import read_qdpx
    from insightkit.segments import DEFAULT_ATTRIBUTION_TEMPLATE

    if len(args.paths) != 1:
        raise InputError(args.paths[0], "a .qdpx project is read on its own: give one project per run")
    check_outputs([codings_path(out)], [*args.paths])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = read_qdpx(args.paths[0], level=args.level, redact=not args.no_redact, interviewers=args.interviewers,
                           guess_interviewers=not args.no_guess_interviewer, cleaning=config,
                           pseudonyms=args.pseudonyms, show_progress=False if args.quiet else None,
                           attribution_template=args.attribution or DEFAULT_ATTRIBUTION_TEMPLATE)
    for w in caught:
        if not args.quiet:
            print(f"insightkit clean: warning: {w.message}", file=sys.stderr)
    items = [(result.segments, out), (result.rejected, rejected_path(out)), (result.codings, codings_path(out))]
    items += [(result.redactions, log)] if log is not None else []
    write_tables(items, private=[log] if log is not None else [])
    if not args.quiet:
        cod = result.codings
        print(f"sources: {len(result.documents):,} read, {len(result.skipped):,} skipped")
        print(f"segments: {len(result.segments):,}; codings: {cod['coding_guid'].nunique():,} by "
              f"{cod['user'].nunique():,} user(s) on {cod.loc[cod['segment_id'] != '', 'segment_id'].nunique():,} "
              "segment(s)")
        print(f"wrote {out}, {rejected_path(out)}, {codings_path(out)}")
    return 0


def with_source_folders(seg, paths):
    """The segment table with ``source_folder``: the folder each document was read from, recorded
    so that ``insightkit quotes`` finds the file again from anywhere (home as ``~``, names in folder
    names redacted: :func:`insightkit.quotes.sources.folder_record`)."""
    import hashlib

    from insightkit.io import expand_paths
    from insightkit.quotes.sources import doc_digest, folder_record

    if seg.empty or "source" not in seg.columns:
        return seg
    by_name: dict[str, list[Path]] = {}
    for f, _, outside in expand_paths(paths):
        if outside is None and f.is_file():
            by_name.setdefault(f.name, []).append(f)
    records: dict[str, str] = {}

    def folder_of(doc_id: str, name: str) -> str:
        files = by_name.get(name, [])
        if len(files) > 1:  # the same file name in two folders: the one with the document's bytes
            digest = doc_digest(doc_id)
            files = [f for f in files if hashlib.sha1(f.read_bytes()).hexdigest()[:8] == digest] or files
        if not files:
            return ""
        folder = files[0].parent
        if str(folder) not in records:
            records[str(folder)] = folder_record(folder)
        return records[str(folder)]

    docs = seg[["doc_id", "source"]].drop_duplicates()
    folder = {d: folder_of(str(d), str(n)) for d, n in zip(docs["doc_id"], docs["source"])}
    out = seg.copy()
    at = list(out.columns).index("source_display") + 1 if "source_display" in out.columns else len(out.columns)
    out.insert(at, "source_folder", out["doc_id"].map(folder).fillna(""))
    return out


def _doc_kinds(result) -> list[str]:
    kinds = []
    for doc_id in result.documents:
        rows = result.segments.loc[result.segments["doc_id"] == doc_id, "kind"]
        if len(rows):
            kinds.append(rows.iloc[0])
        else:
            r = result.rejected.loc[result.rejected["doc_id"] == doc_id, "kind"]
            kinds.append(r.iloc[0] if len(r) else "empty")
    return kinds
