"""``insightkit evaluate``: score a theme model against a labelled table.

Prints per-theme precision, recall, F1 and support with macro, micro and samples F1 (the numbers the
model card reports), or the same as JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from insightkit.cli._common import add_model_options, add_quiet, add_text_column

HELP = "score a theme model on a labelled table: per-theme precision/recall/F1, macro/micro/samples F1"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "evaluate", help=HELP,
        description=(
            "Tag TEST's texts with a model and compare with TEST's 0/1 label columns (one per theme id of "
            "the model's codebook, or the theme's exact label)."),
    )
    p.add_argument("test", metavar="TEST", help="labelled table (CSV, TSV, XLSX or Parquet)")
    add_model_options(p, help="model folder (default: the shipped nhs-digital model)")
    add_text_column(p)
    p.add_argument("--fast", action="store_true",
                   help="score the model's fast head (static embeddings), as 'insightkit tag --fast' would tag")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--out", metavar="FILE", help="also write the JSON report to FILE")
    add_quiet(p, help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from insightkit.classify import load_model
    from insightkit.cli import model_pin
    from insightkit.classify.labelled import read_labelled
    from insightkit.evaluate import evaluate_predictions, format_report

    if args.out:
        from insightkit.export import check_outputs

        check_outputs([args.out], [args.test])
    model = load_model(args.model, sha256=model_pin(args))
    model.set_params(show_progress=not args.quiet)
    texts, Y, _ = read_labelled(args.test, model.codebook_, args.text_column, require_positives=False)
    speed = "fast" if args.fast else "default"
    report = evaluate_predictions(Y, model.at_speed(speed).predict(texts), model.theme_ids_)
    report = {"model": str(getattr(model, "path_", args.model)), "speed": speed, "test": Path(args.test).name,
              **report}
    if args.out:
        from insightkit.export import _atomic

        text = json.dumps(report, indent=2) + "\n"
        _atomic(args.out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        head = ", fast head" if args.fast else ""
        print(f"model {report['model']}{head} on {report['test']} ({report['n_texts']} texts)")
        print(format_report(report))
    return 0
