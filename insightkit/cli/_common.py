"""Arguments several commands share, each declared once: the inputs a read takes (participants,
survey columns, redaction), a table's text column, the theme model and its pin, ``--quiet`` and ``--out``."""

from __future__ import annotations

import argparse

from insightkit.cli._types import existing_file

__all__ = ["add_read_options", "add_text_column", "add_model_options", "add_quiet", "add_out", "MODEL_SHA256_HELP"]

MODEL_SHA256_HELP = ("refuse the model folder unless its digest (printed by 'insightkit train', or "
                     "insightkit.model_digest) is HEX; default: $INSIGHTKIT_MODEL_SHA256 (docs/concepts/model-folders.md)")


def add_read_options(p: argparse.ArgumentParser) -> None:
    """``--participants``, ``--text-column`` (repeatable, into ``text_columns``), ``--id-column``,
    ``--no-redact`` and ``--keep-column`` (repeatable, into ``keep_columns``): what reading
    transcripts and survey exports takes."""
    p.add_argument("--participants", metavar="FILE", type=existing_file,
                   help="participants file (CSV/XLSX: source, speaker, role, then attributes such as "
                        "trust_type, region, job_role)")
    p.add_argument("--text-column", action="append", default=None, metavar="COL", dest="text_columns",
                   help="survey column holding free-text answers (repeat for several; default: detected)")
    p.add_argument("--id-column", metavar="COL", help="survey column holding the respondent id (default: detected)")
    p.add_argument("--no-redact", action="store_true",
                   help="keep personal data (names, emails, phone and NHS numbers, postcodes, URLs, trusts); "
                        "not for outputs that leave the team")
    p.add_argument("--keep-column", action="append", default=[], metavar="NAME", dest="keep_columns",
                   help="keep this survey or participants-file column although its name says it may hold "
                        "personal data (e.g. organization, email; repeatable); its values are redacted like "
                        "every attribute's (docs/redaction.md)")


def add_text_column(p: argparse.ArgumentParser, help: str = "column holding the texts (default: text)",
                    metavar: str | None = "COL") -> None:
    """``--text-column`` (default ``text``): the column of a segment or labelled table that holds
    the texts. Not the survey reader's repeatable ``--text-column`` (see :func:`add_read_options`)."""
    p.add_argument("--text-column", default="text", metavar=metavar, help=help)


def add_model_options(p: argparse.ArgumentParser, help: str = "theme model folder (default: the shipped "
                                                                 "nhs-digital model)") -> None:
    """``--model DIR`` and ``--model-sha256 HEX`` (read with :func:`insightkit.cli.model_pin`)."""
    p.add_argument("--model", metavar="DIR", help=help)
    p.add_argument("--model-sha256", metavar="HEX", help=MODEL_SHA256_HELP)


def add_quiet(p: argparse.ArgumentParser, help: str = "no progress bars and no summary") -> None:
    p.add_argument("--quiet", action="store_true", help=help)


def add_out(p: argparse.ArgumentParser, metavar: str, help: str) -> None:
    """The required ``--out``: a table (FILE) or a folder (DIR), as ``help`` says."""
    p.add_argument("--out", required=True, metavar=metavar, help=help)
