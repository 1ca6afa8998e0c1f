"""``insightkit quotes``: pick attributed quotes from a tagged segment table, verify them, audit."""

from __future__ import annotations

import argparse

from insightkit.cli._common import add_model_options, add_out
from insightkit.cli._types import existing_dir, existing_file, non_negative_int, positive_int
from pathlib import Path


def _balance_item(value: str):
    """``KIND=SHARE`` (a share from 0 to 1, or 'people'), or 'off'."""
    value = str(value).strip()
    if value.lower() in ("off", "none"):
        return None
    kind, eq, share = value.partition("=")
    kind, share = kind.strip(), share.strip().lower()
    if not eq or not kind:
        raise argparse.ArgumentTypeError(f"expected KIND=SHARE such as transcript=0.5, or off (got {value!r})")
    if share == "people":
        return kind, share
    try:
        x = float(share)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the share must be a number from 0 to 1 or 'people' (got {value!r})") from None
    if not 0 <= x <= 1:
        raise argparse.ArgumentTypeError(f"the share must be from 0 to 1 (got {value!r})")
    return kind, x


def register(sub) -> None:
    p = sub.add_parser(
        "quotes",
        help="pick representative, attributed quotes per theme with an audit trail",
        description="Pick representative, attributed quotes for each theme from a tagged segment table "
        "(the output of 'insightkit tag' on segments from 'insightkit clean'), prove each one verbatim "
        "against its source file, and optionally write an HTML audit report. Reviewer decisions "
        "(accept / reject / replace) from --decisions are honoured on every re-run.",
    )
    p.add_argument("input", metavar="INPUT", help="tagged segment table (CSV, XLSX or Parquet)")
    p.add_argument("--n", type=positive_int, default=3, help="quotes per theme (default 3)")
    add_out(p, "OUT", "quotes table to write (CSV, XLSX or Parquet by extension)")
    p.add_argument("--html", help="also write a self-contained HTML audit report here")
    p.add_argument("--decisions", type=existing_file, help="reviewer decisions (CSV or YAML: theme, quote_id, decision, replacement_id, reviewer, date, note)")
    add_model_options(p, help="theme model folder used to re-score each candidate window (default: the shipped model)")
    p.add_argument("--no-rescore", action="store_true", help="use the segments' own scores instead of re-scoring windows")
    p.add_argument("--theme", action="append", dest="themes", metavar="ID", help="only this theme (repeatable)")
    p.add_argument("--min-words", type=positive_int, default=12, help="shortest quote in words (default 12)")
    p.add_argument("--max-words", type=positive_int, default=90, help="longest quote in words (default 90)")
    p.add_argument("--allow-placeholders", action="store_true", help="allow quotes that contain redaction placeholders")
    p.add_argument("--spread-by", action="append", metavar="COL",
                   help="spread each theme's quotes across the values of this column (repeatable, most important "
                   "first; default: trust_type and region; a column the table lacks is ignored)")
    p.add_argument("--allow-shared", action="store_true",
                   help="let one passage be quoted under two themes (default: it goes to the theme it scores highest on)")
    p.add_argument("--balance", action="append", type=_balance_item, metavar="KIND=SHARE",
                   help="least share of each theme's quotes from one kind of source, when a theme has candidates of "
                   "several (repeatable; SHARE from 0 to 1, or 'people' for the kind's share of people; 'off' turns "
                   "balancing off; default: transcript=0.5 and survey=0.25, so 2 and 1 of 3 quotes)")
    p.add_argument("--min-count", type=non_negative_int, default=5, metavar="N",
                   help="the report's small-number threshold: a quote from a group (trust type, region) whose count "
                   "for the theme is suppressed (fewer than N people, or 1 to N-1 of them raised it) is shown without "
                   "its attribution (default 5, as 'insightkit report'; 0 or 1 turns it off)")
    p.add_argument("--omit-suppressed", action="store_true",
                   help="leave out quotes from such groups instead of showing them without attribution")
    p.add_argument("--keep-false-starts", action="store_true",
                   help="show quotes as cleaned, without dropping false starts ('not a, not a strategy')")
    p.add_argument("--sources", action="append", type=existing_dir, default=[], metavar="DIR",
                   help="folder holding the source files, for verification (repeatable; searched recursively, files "
                   "matched by name or by content; default: the input's folder, the current one and the folder "
                   "'insightkit clean' recorded)")
    p.add_argument("--no-verify", action="store_true", help="skip verification against the source files (not recommended)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from insightkit.export import read_table, write_tables
    import sys
    import warnings

    from insightkit.cli import model_pin
    from insightkit.quotes import QuoteConfig, QuoteDecisionWarning, check_tagged_table, select_quotes, write_audit_html

    from insightkit.errors import InputError, ParameterError
    from insightkit.export import check_outputs

    pin = model_pin(args)
    if args.max_words < args.min_words:
        raise ParameterError(f"--max-words ({args.max_words}) is below --min-words ({args.min_words})")
    out = Path(args.out)
    rejected_path = out.with_name(out.stem + ".rejected" + out.suffix)
    check_outputs([out, rejected_path, args.html], [args.input, args.decisions])
    segments = check_tagged_table(read_table(args.input), args.input)
    model = None
    if not args.no_rescore:
        from insightkit.classify import load_model

        model = load_model(args.model, sha256=pin)
    cfg = QuoteConfig(min_words=args.min_words, max_words=args.max_words, allow_placeholders=args.allow_placeholders,
                      allow_shared=args.allow_shared, min_count=args.min_count,
                      suppressed="omit" if args.omit_suppressed else "unattributed",
                      collapse_false_starts=not args.keep_false_starts)
    if args.balance:
        cfg.balance = {} if None in args.balance else dict(args.balance)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", QuoteDecisionWarning)
        try:
            sel = select_quotes(segments, themes=args.themes, n=args.n, model=model, decisions=args.decisions,
                                config=cfg, spread_by=args.spread_by)
        except InputError as exc:
            if exc.path is not None:
                raise
            raise InputError(args.input, exc.message, line=exc.line) from None  # a problem of the table: name it
    stale = [str(w.message) for w in caught if issubclass(w.category, QuoteDecisionWarning)]
    for msg in stale:
        print(f"warning: decisions file: {msg}", file=sys.stderr)
    quotes = sel.quotes
    if not args.no_verify and len(quotes):
        quotes = _verify(quotes, segments, args)
    write_tables([(quotes, out), (sel.rejected, rejected_path)])
    if args.html:
        write_audit_html(sel if args.no_verify else _with(sel, quotes), segments, args.html)
    for msg in sel.messages:
        if msg not in stale:
            print(f"note: {msg}")
    by_theme = quotes.groupby("theme").size().to_dict() if len(quotes) else {}
    print(f"{len(quotes)} quotes ({', '.join(f'{k}: {v}' for k, v in by_theme.items()) or 'none'}); "
          f"{len(sel.rejected)} candidate windows filtered out -> {rejected_path}")
    if not args.no_verify and len(quotes):
        print("every quote verified verbatim against its source")
    return 0


def _verify(quotes, segments, args):
    """The quotes, verified; a source that cannot be found is one line naming its shown name and
    ``--sources``."""
    from insightkit.errors import InputError
    from insightkit.quotes import QuoteVerificationError, verify_quotes

    dirs = [Path(d) for d in args.sources] or [Path(args.input).resolve().parent, Path.cwd()]
    try:
        return verify_quotes(quotes, segments=segments, source_dirs=dirs, table=args.input)
    except QuoteVerificationError as exc:
        if not exc.missing or len(exc.failures) > sum("not available to verify" in f for f in exc.failures):
            raise
        names = ", ".join(f"'{m}'" for m in exc.missing[:3]) + (f" and {len(exc.missing) - 3} more"
                                                                 if len(exc.missing) > 3 else "")
        where = "the folders given with --sources" if args.sources else \
            "the input's folder, the current folder or the folder recorded when the table was made"
        raise InputError(args.input, f"cannot verify the quotes: source file{'s' if len(exc.missing) > 1 else ''} "
                                     f"{names} not found in {where}; pass --sources DIR, the folder holding the "
                                     "transcripts and survey files (searched recursively, files matched by content)") from None


def _with(sel, quotes):
    sel.quotes = quotes
    return sel
