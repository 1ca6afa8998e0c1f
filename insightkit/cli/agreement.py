"""``insightkit agreement``: chance-corrected agreement between two label files, theme by theme.

Model against coder (``insightkit tag`` output against a coded file) or coder against coder. Theme
columns are the 0/1 columns both files share, where ``theme_<id>`` counts as ``<id>``; rows are
matched by an id column when both files have one, else by position.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from insightkit.errors import InputError

HELP = "per-theme Cohen's kappa, Krippendorff's alpha and Gwet's AC1 between two label files or two coders of a project"
_ID_COLUMNS = ("segment_id", "id", "text_id", "row_id")
_NOT_THEMES = {"text", "style", "turn", "line", "start", "end"}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "agreement", help=HELP,
        description=(
            "Compare two label files (CSV, TSV, XLSX or Parquet) theme by theme with Cohen's kappa and "
            "Krippendorff's alpha (nominal). Theme columns are 0/1 columns present in both files, named by the "
            "theme id or theme_<id>. Rows are aligned by an id column (--id-column, or segment_id/id/text_id/row_id "
            "when both files have it), otherwise by position, in which case both files must have the same length."),
    )
    p.add_argument("a", metavar="A", help="first label file, or a REFI-QDA project (.qdpx) with --users")
    p.add_argument("b", metavar="B", nargs="?", help="second label file (not with a .qdpx project)")
    p.add_argument("--users", nargs=2, metavar=("USER_A", "USER_B"),
                   help="with a .qdpx project: the two coders (user names or GUIDs) to compare, segment by segment")
    p.add_argument("--out", metavar="FILE",
                   help="with a .qdpx project: write the disagreements (segment, code, each user's 0/1, text, an "
                        "empty decision column) to this table for the team to arbitrate")
    p.add_argument("--id-column", metavar="COL", help="column that identifies a text in both files")
    p.add_argument("--theme", action="append", dest="themes", metavar="ID", help="only this theme (repeatable)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def _is01(series: pd.Series) -> bool:
    vals = {str(v).strip().lower() for v in series.tolist()}
    return bool(vals) and vals <= {"0", "1", "0.0", "1.0", "true", "false"}


def label_columns(df: pd.DataFrame) -> dict[str, str]:
    """theme id -> column, for the ``theme_<id>`` columns and other 0/1 columns of a label file
    (theme_<id> is read as <id>)."""
    out: dict[str, str] = {}
    for c in map(str, df.columns):
        if c.startswith("score_") or c in _NOT_THEMES or c in _ID_COLUMNS:
            continue
        # a theme_<id> column is a label column by its name: a value other than 0/1 in it is an
        # error naming the file and line (in _matrix), not a column silently left out
        if c.startswith("theme_") or _is01(df[c]):
            tid = c[len("theme_"):] if c.startswith("theme_") else c
            # a tagged file may keep the coder's <id> column beside the model's theme_<id>: the
            # model's column wins, so "tag output vs coded file" compares model with coder
            if c.startswith("theme_") or tid not in out:
                out[tid] = c
    return out


def _matrix(df: pd.DataFrame, cols: list[str], path: str) -> np.ndarray:
    from insightkit.classify.labelled import label_value

    Y = np.zeros((len(df), len(cols)), dtype=np.int8)
    for j, c in enumerate(cols):
        for i, v in enumerate(df[c].tolist()):
            Y[i, j] = label_value(v, Path(path), c, i + 2)
    return Y


def run(args: argparse.Namespace) -> int:
    from insightkit.evaluate import agreement, format_agreement
    from insightkit.export import read_table

    if str(args.a).lower().endswith(".qdpx"):
        return _run_qdpx(args)
    if args.b is None:
        raise InputError(args.a, "give a second label file B to compare with (or a .qdpx project with --users)")
    if args.users or args.out:
        raise InputError(args.a, "--users and --out are for a .qdpx project")
    A, B = read_table(args.a), read_table(args.b)
    ca, cb = label_columns(A), label_columns(B)
    if args.themes:
        for t in args.themes:
            for path, cols in ((args.a, ca), (args.b, cb)):
                if t not in cols:
                    raise InputError(path, f"no 0/1 column for theme {t!r} (found: {', '.join(cols) or 'none'})")
        themes = list(args.themes)
    else:
        themes = [t for t in ca if t in cb]
    if not themes:
        raise InputError(args.b, f"no theme column in common with {args.a} (A has {', '.join(ca) or 'none'}; "
                                 f"B has {', '.join(cb) or 'none'})")
    id_col = args.id_column
    if id_col is None:
        id_col = next((c for c in _ID_COLUMNS if c in A.columns and c in B.columns), None)
    if args.id_column:
        for path, df in ((args.a, A), (args.b, B)):
            if id_col not in df.columns:
                raise InputError(path, f"no id column {id_col!r}")
    if id_col is not None:
        for path, df in ((args.a, A), (args.b, B)):
            dup = df[id_col][df[id_col].duplicated()]
            if len(dup):
                raise InputError(path, f"id column {id_col!r} repeats the value {dup.iloc[0]!r}; ids must be unique")
        ids_a, ids_b = set(A[id_col].astype(str)), set(B[id_col].astype(str))
        only_a, only_b = ids_a - ids_b, ids_b - ids_a
        if only_a or only_b:
            raise InputError(args.b, f"the files do not hold the same texts by {id_col!r}: {len(only_a)} id(s) only in "
                                     f"A (e.g. {sorted(only_a)[:1]}), {len(only_b)} only in B (e.g. {sorted(only_b)[:1]})")
        B = B.set_index(B[id_col].astype(str)).loc[A[id_col].astype(str)].reset_index(drop=True)
    elif len(A) != len(B):
        raise InputError(args.b, f"{len(B)} rows but {args.a} has {len(A)}; rows are aligned by position when "
                                 "there is no shared id column, so the files must have the same length "
                                 "(or give --id-column)")
    ya = _matrix(A, [ca[t] for t in themes], args.a)
    yb = _matrix(B, [cb[t] for t in themes], args.b)
    report = agreement(ya, yb, themes)
    report = {"a": Path(args.a).name, "b": Path(args.b).name, "aligned_by": id_col or "row", **report}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{report['a']} vs {report['b']}: {report['n_texts']} texts, aligned by {report['aligned_by']}")
        print(format_agreement(report))
    return 0


def _run_qdpx(args: argparse.Namespace) -> int:
    """Two coders of one REFI-QDA project, segment by segment (:func:`insightkit.pipeline.qdpx.coder_labels`)."""
    import warnings

    from insightkit.evaluate import agreement, format_agreement
    from insightkit.pipeline.qdpx import coder_labels, disagreements, read_qdpx

    if args.b is not None:
        raise InputError(args.b, "a .qdpx project is compared within itself: give --users A B, not a second file")
    if not args.users:
        raise InputError(args.a, "name the two coders to compare: --users A B")
    ua, ub = args.users
    if ua == ub:
        raise InputError(args.a, f"--users names {ua!r} twice: give two different coders")
    if args.out:
        from insightkit.export import TABLE_EXTENSIONS, check_outputs

        if Path(args.out).suffix.lower() not in TABLE_EXTENSIONS:
            raise InputError(args.out, f"unsupported output type; use one of: {', '.join(TABLE_EXTENSIONS)}")
        check_outputs([Path(args.out)], [args.a])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sources skipped are reported by 'insightkit clean'
        result = read_qdpx(args.a, show_progress=False)  # redacted: the disagreement table quotes the texts
    seg, codes, A, B = coder_labels(result, ua, ub)
    names = list(codes.values())
    if args.themes:
        missing = [t for t in args.themes if t not in names]
        if missing:
            raise InputError(args.a, f"no code {missing[0]!r} applied by {ua} or {ub} (codes: {', '.join(names)})")
        keep = [names.index(t) for t in args.themes]
        A, B, names = A[:, keep], B[:, keep], [names[k] for k in keep]
        codes = {g: n for g, n in codes.items() if n in names}
    report = {"a": ua, "b": ub, "project": Path(args.a).name, "aligned_by": "segment_id",
              **agreement(A, B, names)}
    if args.out:
        from insightkit.export import write_tables

        write_tables([(disagreements(seg, codes, A, B, ua, ub), Path(args.out))])
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{ua} vs {ub} in {report['project']}: {report['n_texts']} segments of the sources both coded")
        print(format_agreement(report))
        if args.out:
            print(f"disagreements: {int((A != B).sum())} -> {args.out}")
    return 0
