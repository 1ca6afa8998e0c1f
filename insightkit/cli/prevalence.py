"""``insightkit prevalence``: each theme's share in a tagged table, corrected for the classifier's errors.

Reads the error rates the model folder records (``error_rates`` in meta.json) without loading the
model, and writes one row per theme, overall and per group (docs/concepts/prevalence.md).
"""

from __future__ import annotations

import argparse

from insightkit.cli._common import add_model_options, add_out, add_quiet
from insightkit.cli._types import positive_int, seed

HELP = "share of people (or segments) with each theme, corrected for the classifier's errors, with intervals"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "prevalence", help=HELP,
        description=(
            "Estimate each theme's share in TAGGED (the output of 'insightkit tag': theme_<id> columns) so that "
            "the model's known error rates (true- and false-positive rates from cross-validation on real "
            "labelled texts, recorded in its folder) do not bias it: adjusted classify-and-count with a "
            "seeded bootstrap interval covering sampling and error-rate uncertainty. Without error rates the "
            "tagged share and its Wilson interval are written, and the method column says so. Writes the "
            "--by columns, theme, n, estimate, ci_low, ci_high, tagged_share (proportions), method and "
            "suppressed: one row per theme overall ('All') and per group. Interviewers never count; cells "
            "of few people are suppressed (docs/concepts/suppression.md)."),
    )
    p.add_argument("tagged", metavar="TAGGED", help="tagged table (CSV, TSV, XLSX or Parquet) from 'insightkit tag'")
    p.add_argument("--by", action="append", metavar="COL", help="also give the shares by this column (repeatable)")
    p.add_argument("--unit", choices=("segment", "person"),
                   help="count people (a person is tagged when any of their segments is) or segments "
                        "(default: person when TAGGED has participant_id values, else segment)")
    add_model_options(p, help="model folder whose error rates to use: the one TAGGED was tagged with "
                              "(default: the shipped nhs-digital model)")
    p.add_argument("--fast", action="store_true", help="use the fast head's error rates (TAGGED was made with 'tag --fast')")
    p.add_argument("--min-count", type=positive_int, default=5, metavar="N",
                   help="suppress groups of fewer than N units and themes tagged for 1 to N-1 of them (default 5)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the bootstrap interval (default 0)")
    add_out(p, "FILE", "table to write (.csv, .tsv, .xlsx or .parquet)")
    add_quiet(p, help="no summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from insightkit.cli import model_pin
    from insightkit.errors import InputError
    from insightkit.export import check_outputs, read_table, write_table
    from insightkit.integrity import check_model_digest, pinned_digest
    from insightkit.report.adjusted import model_error_rates
    from insightkit.report.calibrated import model_calibration
    from insightkit.report.prevalence import prevalence_table

    check_outputs([args.out], [args.tagged])
    pin, what = pinned_digest(model_pin(args))
    if pin is not None:
        from insightkit.classify.persist import default_theme_model_path

        check_model_digest(args.model or default_theme_model_path(), pin, what)
    counts, measured = model_error_rates(args.model, "fast" if args.fast else "default")
    calibration = model_calibration(args.model, "fast" if args.fast else "default")
    tagged = read_table(args.tagged)
    try:
        table = prevalence_table(tagged, by=args.by, unit=args.unit, error_rates=counts, min_count=args.min_count,
                                 seed=args.seed, calibration=calibration)
    except InputError as exc:
        if exc.path is not None:
            raise
        raise InputError(args.tagged, exc.message) from None
    write_table(table, args.out)
    if not args.quiet:
        rates = f"error rates: {measured}" if measured else "the model records no error rates: shares are as tagged"
        print(f"wrote {len(table)} rows to {args.out} ({rates})")
    return 0
