"""``insightkit report``: the whole pipeline, from files to report.html/.xlsx/.md and REFI-QDA exports."""

from __future__ import annotations

import argparse

from insightkit.cli._common import add_model_options, add_out, add_read_options
from insightkit.cli._types import existing_file, non_negative_int, positive_int, seed


def register(sub) -> None:
    p = sub.add_parser(
        "report",
        help="read, clean, tag, model topics, pick quotes and write the insight report",
        description="Run the whole pipeline on transcripts and survey exports and write report.html "
        "(self-contained), report.xlsx, report.md, codebook.qdc and project.qdpx (REFI-QDA, opens in "
        "NVivo, ATLAS.ti, MAXQDA), audit.html (every quote choice in context, with the reviewer's decisions) "
        "and model_card.json into the output folder, plus figures/ (PNG and SVG).",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="transcripts (.txt .vtt .srt .docx), survey exports (.csv .xlsx) or folders of them")
    add_read_options(p)
    p.add_argument("--codebook", type=existing_file, help="codebook (YAML or REFI-QDA .qdc); without a trained model for it, themes are tagged zero-shot")
    add_model_options(p)
    p.add_argument("--n-quotes", type=non_negative_int, default=3, help="quotes per theme (default 3)")
    p.add_argument("--decisions", type=existing_file, metavar="FILE",
                   help="a reviewer's quote decisions (CSV or YAML, as 'insightkit quotes --decisions' takes): "
                        "honoured in the report; audit.html shows every choice and decision")
    p.add_argument("--by", action="append", metavar="COL", help="group prevalence by this attribute (repeatable; default trust_type and region)")
    p.add_argument("--min-count", type=positive_int, default=5, help="suppress cells based on fewer people than this (default 5)")
    p.add_argument("--no-topics", action="store_true", help="skip topic modelling")
    p.add_argument("--seed", type=seed, default=42, help="random seed for topic modelling (default 42)")
    p.add_argument("--title", default="Insight report", help="report title")
    add_out(p, "DIR", "output folder")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from insightkit.cli import model_pin
    from insightkit.pipeline import build_report

    res = build_report(
        args.inputs, args.out, participants=args.participants, codebook=args.codebook, model=args.model,
        text_columns=args.text_columns, id_column=args.id_column, redact=not args.no_redact,
        keep_columns=args.keep_columns,
        n_quotes=args.n_quotes, by=tuple(args.by) if args.by else None, min_count=args.min_count,
        topics=not args.no_topics, seed=args.seed, title=args.title, model_sha256=model_pin(args),
        decisions=args.decisions,
    )
    n_people = res.segments.loc[res.segments["role"] != "interviewer", "participant_id"].nunique()
    print(f"{res.segments['doc_id'].nunique()} documents, {len(res.segments)} segments, {n_people} people, "
          f"{len(res.rejected)} rows set aside, {len(res.quotes)} quotes")
    for m in res.messages:
        print(f"note: {m}")
    for kind, path in res.files.items():
        print(f"wrote {path}")
    return 0
