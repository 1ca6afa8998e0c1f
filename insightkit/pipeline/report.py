"""The whole pipeline in one call: read and clean, tag, topics, quotes, tables, and the report files.

``build_report`` is what ``insightkit report`` runs; a notebook user calling it gets the same files
and the same tables. Each stage's leftovers (rejected rows, filtered quote windows, too few
segments for topics) are kept and reported, not dropped. The files are written by
:mod:`insightkit.report` (html, markdown, xlsx, plots, refi).
"""

from __future__ import annotations

import re
import warnings

import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import pandas as pd

from insightkit.errors import InputError
from insightkit.pipeline.read import read
from insightkit.pipeline.redact import shown_error
from insightkit.progress import progress
from insightkit.report.adjusted import model_error_rates
from insightkit.report.calibrated import model_calibration
from insightkit.report.prevalence import likert_columns, likert_summary, theme_prevalence

__all__ = ["ReportOptions", "ReportResult", "build_report", "load_codebook"]


@dataclass(frozen=True)
class ReportOptions:
    """Every option of :func:`build_report`, declared once.

    participants: the participants file. codebook: a Codebook, or a YAML/.qdc file (without a trained
    model for it, themes are tagged zero-shot). model: a model folder or a ThemeClassifier (default:
    the shipped model). text_columns / id_column: survey columns (default: detected). redact: replace
    personal data with placeholders. keep_columns: columns to keep although they may hold personal
    data (see :func:`insightkit.read`). n_quotes: quotes per theme. by: attributes to count people by
    (default ``trust_type`` and ``region`` where present). min_count: smallest group shown.
    topics: model topics. seed: topic modelling seed. title: report title. show_progress: progress
    bars. model_sha256: the model folder's pinned digest. decisions: a reviewer's decisions file
    (accept / reject / replace, as ``insightkit quotes --decisions`` takes), honoured in the quotes
    the report shows; the audit page (audit.html) shows every choice and decision.
    """

    participants: str | Path | None = None
    codebook: object = None
    model: object = None
    text_columns: Sequence[str] | None = None
    id_column: str | None = None
    redact: bool = True
    keep_columns: Sequence[str] = ()
    n_quotes: int = 3
    by: Sequence[str] | None = None
    min_count: int = 5
    topics: bool = True
    seed: int = 42
    title: str = "Insight report"
    show_progress: bool | None = None
    model_sha256: str | None = None
    decisions: str | Path | None = None


@dataclass
class ReportResult:
    """What :func:`build_report` returns: the files written and the tables behind them."""

    out_dir: Path
    files: dict[str, Path]
    segments: pd.DataFrame
    rejected: pd.DataFrame
    prevalence: dict[str, pd.DataFrame]
    quotes: pd.DataFrame
    topics: pd.DataFrame | None
    likert: dict[str, pd.DataFrame] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


DEFAULT_BY = ("trust_type", "region")
REPORT_FILES = {"html": "report.html", "xlsx": "report.xlsx", "md": "report.md", "qdc": "codebook.qdc",
                "qdpx": "project.qdpx", "model_card": "model_card.json", "audit": "audit.html"}


def build_report(inputs: Sequence[str | Path], out_dir: str | Path, options: ReportOptions | None = None,
                 **kwargs) -> ReportResult:
    """Run every stage and write report.html, report.xlsx, report.md, codebook.qdc, project.qdpx.

    ``by`` names the attributes to count people by; each must be a column of the input (else an
    :class:`InputError`). Left out, it is ``trust_type`` and ``region``, where the input has them.
    ``out_dir`` is checked before any work (a folder we can write in, none of whose report files is
    an input). Every file is written into a temporary folder inside it first and moved into place only
    when all of them are written, so a failed run leaves the previous report, if any, as it was.
    ``model_sha256`` pins the model folder (default: ``$INSIGHTKIT_MODEL_SHA256``), checked before
    anything is read or written (:func:`insightkit.load_model`).

    The options (participants, codebook, model, text_columns, id_column, redact, keep_columns, n_quotes, by,
    min_count, topics, seed, title, show_progress, model_sha256) are those of :class:`ReportOptions`:
    give them as keywords, or as one ``options`` object (keywords then override its values).
    """
    opts = options if options is not None else ReportOptions()
    if kwargs:
        opts = replace(opts, **kwargs)  # an unknown option is a TypeError naming it
    model, participants, codebook = opts.model, opts.participants, opts.codebook
    if model is None or isinstance(model, (str, Path)):
        from insightkit.classify import default_theme_model_path
        from insightkit.integrity import check_model_digest, pinned_digest

        pin, what = pinned_digest(opts.model_sha256)
        if pin is not None:  # a folder that is not the pinned one fails now, not after reading every input
            check_model_digest(default_theme_model_path() if model is None else model, pin, what)
    final = Path(out_dir)
    created = not final.exists()
    _check_out_dir(final, [*inputs, participants, codebook if isinstance(codebook, (str, Path)) else None])
    try:
        stage = Path(tempfile.mkdtemp(prefix=".insightkit-report-", dir=final))
    except OSError as exc:
        raise InputError(final, f"cannot write the report here: {exc.strerror or exc}") from None
    published = False
    try:
        res = _build_into(inputs, stage, opts)
        _publish_folder(stage, final)
        published = True
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if created and not published:
            try:
                final.rmdir()  # the folder this run made, left empty: nothing was written
            except OSError:
                pass
    res.out_dir = final
    res.files = {k: final / p.relative_to(stage) for k, p in res.files.items()}
    return res


def _check_out_dir(out: Path, inputs) -> None:
    from insightkit.export import check_output_path, check_outputs

    check_output_path(out, folder=True)
    paths = [out / name for name in REPORT_FILES.values()]
    figures = out / "figures"
    if figures.exists() and not figures.is_dir():
        raise InputError(figures, "exists and is not a folder; the report writes its figures there")
    paths += sorted(figures.glob("*")) if figures.is_dir() else []
    check_outputs(paths, [i for i in inputs if i is not None])
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".insightkit-probe-")
        probe.close()
    except OSError as exc:
        raise InputError(out, f"cannot write the report here: {exc.strerror or exc}") from None


def _publish_folder(stage: Path, final: Path) -> None:
    """Move every file under ``stage`` to the same place under ``final``."""
    try:
        for src in sorted(p for p in stage.rglob("*") if p.is_file()):
            dest = final / src.relative_to(stage)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.is_dir():
                raise InputError(dest, "is a folder; the report needs to write a file here")
            os.replace(src, dest)
    except OSError as exc:
        raise InputError(final, f"cannot write the report here: {exc.strerror or exc}") from None


def _build_into(inputs: Sequence[str | Path], out_dir: str | Path, opts: ReportOptions) -> ReportResult:
    """The report, written into ``out_dir`` (a fresh staging folder)."""
    from insightkit.quotes import QuoteConfig, select_quotes, verify_quotes
    from insightkit.quotes.audit import write_audit_html
    from insightkit.report.plots import report_figures
    from insightkit.report.html import write_html
    from insightkit.report.markdown import write_markdown
    from insightkit.report.refi import export_qdc, export_qdpx
    from insightkit.report.xlsx import write_xlsx

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    messages: list[str] = []
    steps = progress(total=6, desc="report", unit="stage", disable=None if opts.show_progress is None else not opts.show_progress)

    steps.set_postfix_str("reading")
    result = read(list(inputs), participants=opts.participants, text_columns=opts.text_columns, id_column=opts.id_column,
                  redact=opts.redact, keep_columns=opts.keep_columns)
    for err in getattr(result, "errors", []) or []:
        messages.append(f"could not read {shown_error(err)}")
    segments, rejected = result.segments, result.rejected
    if segments.empty:
        raise InputError(None, "no segments to report on: every input was empty or rejected")
    if opts.by is not None:
        missing = [c for c in opts.by if c not in segments.columns]
        if missing:
            where = opts.participants if opts.participants is not None else (inputs[0] if len(inputs) == 1 else None)
            raise InputError(where, f"no column {', '.join(map(repr, missing))} to group by "
                                    f"(columns: {', '.join(map(str, segments.columns))})")
    steps.update()

    steps.set_postfix_str("tagging")
    theme_model = _resolve_model(opts.model, opts.codebook, messages, opts.model_sha256)
    tagged = theme_model.tag(segments)
    cb = theme_model.codebook
    labels = {t.id: t.label for t in cb.themes}
    steps.update()

    steps.set_postfix_str("topics")
    topics_table = None
    subthemes: dict = {}
    emergent_table = None
    if opts.topics:
        try:
            from insightkit.topics import discover_topics

            tr = discover_topics(tagged, seed=opts.seed, codebook=cb)
            tagged = tr.segments
            topics_table = tr.topics
            subthemes = dict(tr.subthemes or {})
            emergent_table = tr.emergent if tr.emergent is not None and len(tr.emergent) else None
            for m in getattr(tr, "messages", []) or []:
                messages.append(f"topics: {_with_label(m, labels)}")
            rej = getattr(tr, "rejected", None)
            if rej is not None and len(rej) and "reason" in rej.columns:
                counts = rej["reason"].value_counts()
                messages.append("topics: segments kept in the tables but set aside before topic modelling: "
                                + ", ".join(f"{n} {str(r).replace('_', ' ')}" for r, n in counts.items()))
        except InputError as exc:
            messages.append(f"topics skipped: {exc}")
    steps.update()

    steps.set_postfix_str("quotes")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # the report's own small-number rule reaches the quotes: no attributed quote for a suppressed group
        qcfg = QuoteConfig(min_count=opts.min_count,
                           suppress_by=tuple(DEFAULT_BY if opts.by is None else opts.by))
        selection = select_quotes(tagged, n=opts.n_quotes, model=theme_model, decisions=opts.decisions, config=qcfg)
    messages.extend(f"quotes: decisions file: {w.message}" for w in caught)
    quotes = verify_quotes(selection.quotes, result.documents, segments=tagged) if len(selection.quotes) else selection.quotes
    selection.quotes = quotes
    messages.extend(f"quotes: {_with_label(m, labels)}" for m in selection.messages)
    steps.update()

    steps.set_postfix_str("tables")
    people = tagged[tagged["role"].fillna("") != "interviewer"] if "role" in tagged.columns else tagged
    # the shares correct for the model's recorded error rates at the speed it tagged with (none: as tagged)
    rates, _ = model_error_rates(theme_model, getattr(theme_model, "speed", "default"))
    cal = model_calibration(theme_model, getattr(theme_model, "speed", "default"))
    prevalence = {"overall": theme_prevalence(people, by=None, min_count=opts.min_count, error_rates=rates,
                                              calibration=cal)}
    for col in (DEFAULT_BY if opts.by is None else opts.by):
        if col in people.columns and people[col].fillna("").astype(str).str.strip().ne("").any():
            prevalence[col] = theme_prevalence(people, by=col, min_count=opts.min_count, error_rates=rates,
                                               calibration=cal)
    likert: dict[str, pd.DataFrame] = {}
    for col in likert_columns(people):
        group = "trust_type" if "trust_type" in people.columns else None
        likert[col] = likert_summary(people, col, by=group, min_count=opts.min_count)

    figures = report_figures(out / "figures", prevalence, topics_table, labels)
    steps.update()

    steps.set_postfix_str("writing")
    files = {kind: out / name for kind, name in REPORT_FILES.items()}
    meta = getattr(theme_model, "meta_", None) or getattr(theme_model, "meta", None) or {}
    if getattr(theme_model, "path_", None) is not None and meta:
        from insightkit.integrity import model_digest

        meta = {**meta, "folder_sha256": model_digest(theme_model.path_)}  # what --model-sha256 pins
    write_html(files["html"], opts.title, tagged, rejected, prevalence, quotes, topics_table, likert, figures, cb, labels, meta,
               messages, opts.min_count, subthemes, emergent_table)
    write_xlsx(files["xlsx"], tagged, rejected, prevalence, quotes, topics_table, likert, cb)
    write_markdown(files["md"], opts.title, tagged, prevalence, quotes, topics_table, cb, labels, messages,
                   opts.min_count, meta, subthemes, emergent_table)
    # the model folder's full description, for whoever needs more than the report's model card
    import json

    files["model_card"].write_text(json.dumps({k: v for k, v in meta.items() if k != "files"}, indent=2,
                                              default=str) + "\n", encoding="utf-8")
    write_audit_html(selection, tagged, files["audit"], title=f"{opts.title}: quote selection audit")
    export_qdc(cb, files["qdc"])
    export_qdpx(tagged, cb, files["qdpx"], project_name=opts.title)
    steps.update()
    steps.close()
    return ReportResult(out, files, tagged, rejected, prevalence, quotes, topics_table, likert, messages)


def _with_label(message: str, labels: dict) -> str:
    """A stage's note as a reader sees it: a theme id ("epr: ...", "theme epr sub-themes") becomes its label."""
    head, sep, rest = message.partition(":")
    if sep and head in labels:
        message = f"{labels[head]}:{rest}"
    return re.sub(r"\btheme (\w+)", lambda m: f"theme \u201c{labels[m.group(1)]}\u201d" if m.group(1) in labels
                  else m.group(0), message)


def _resolve_model(model, codebook, messages: list[str], sha256: str | None = None):
    from insightkit.classify import ThemeClassifier, load_model
    from insightkit.codebook import Codebook

    if model is not None and not isinstance(model, (str, Path)):
        return model
    if codebook is not None:
        cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
        if model is None:
            default = load_model(sha256=sha256)
            if default.codebook is not None and [t.id for t in default.codebook.themes] == [t.id for t in cb.themes]:
                return default
            messages.append(f"codebook '{cb.name}' has no trained model: themes tagged in zero-shot mode from its descriptions")
            return ThemeClassifier.zero_shot_model(cb)
    return load_model(model, sha256=sha256)


def load_codebook(path: str | Path | None = None):
    """A codebook from a YAML/JSON file or a REFI-QDA codebook (.qdc, .qdpx); None: the default one."""
    from insightkit.codebook import Codebook

    if path is None:
        return Codebook.default()
    p = Path(path)
    if p.suffix.lower() in {".qdc", ".qdpx"}:
        from insightkit.report.refi import import_qdc

        return import_qdc(p)
    return Codebook.load(p)
