"""The whole pipeline in one call: read and clean, tag, topics, quotes, tables, and the report files.

``build_report`` is what ``insightkit report`` runs; a notebook user calling it gets the same files
and the same tables. Each stage's leftovers (rejected rows, filtered quote windows, too few
segments for topics) are kept and reported, not dropped.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Sequence

import pandas as pd

from insightkit import __version__
from insightkit.errors import InputError
from insightkit.progress import progress
from insightkit.report.prevalence import LIKERT_ORDER, likert_summary, theme_prevalence

__all__ = ["ReportResult", "build_report", "likert_columns"]


@dataclass
class ReportResult:
    out_dir: Path
    files: dict[str, Path]
    segments: pd.DataFrame
    rejected: pd.DataFrame
    prevalence: dict[str, pd.DataFrame]
    quotes: pd.DataFrame
    topics: pd.DataFrame | None
    likert: dict[str, pd.DataFrame] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def likert_columns(segments: pd.DataFrame) -> list[str]:
    """Attribute columns whose values are (mostly) five-point agreement answers."""
    known = {o.lower() for o in LIKERT_ORDER}
    out = []
    for c in segments.columns:
        if c in {"text", "question", "attribution"} or c.startswith(("theme_", "score_")):
            continue
        vals = segments[c].dropna().astype(str).str.strip().str.lower()
        vals = vals[vals != ""]
        if len(vals) >= 5 and vals.isin(known).mean() >= 0.9:
            out.append(c)
    return out


def _fig_to_data_uri(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _e(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return html.escape(str(x), quote=True)


def _table_html(df: pd.DataFrame, columns: Sequence[str] | None = None, max_rows: int = 200) -> str:
    cols = list(columns or df.columns)
    rows = ["<table><tr>" + "".join(f"<th>{_e(c)}</th>" for c in cols) + "</tr>"]
    for _, r in df.head(max_rows).iterrows():
        cells = []
        for c in cols:
            v = r.get(c, "")
            if isinstance(v, float) and not math.isnan(v):
                v = f"{v:.1f}"
            cells.append(f"<td>{_e(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.append("</table>")
    if len(df) > max_rows:
        rows.append(f"<p class='meta'>{len(df) - max_rows} more rows in report.xlsx</p>")
    return "".join(rows)


def _md_table(df: pd.DataFrame, columns: Sequence[str]) -> str:
    def cell(v):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return ""
        if isinstance(v, float):
            return f"{v:.1f}"
        return md_escape(v)

    lines = ["| " + " | ".join(md_escape(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


# Characters written as numeric character references wherever they occur: HTML (& < > " '), table
# cells (|), code spans (`), emphasis (* ~ ^ =; _ below), links and images ([ ]), attribute lists and
# critic marks ({ }), escapes (\\), headings (#), maths ($) and autolinked e-mail addresses (@).
# A reference is plain text to every Markdown renderer (CommonMark, GFM, Python-Markdown and its
# extensions): it is decoded after the block and inline structure is parsed, so it never starts
# markup, and it shows as the character itself.
_MD_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'|`*~^=[]{}\\#$@"}
# an underscore between two letters or digits never starts emphasis (CommonMark, Python-Markdown):
# theme ids such as infrastructure_cyber stay readable; any other underscore is a reference too
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_MD_ENTITY_RE = re.compile("[" + re.escape("".join(_MD_ENTITIES)) + "]")
# line breaks and other control characters: a value stays on its line (and in its table cell)
_MD_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# bare URLs that GFM and pymdownx.magiclink would turn into live links
_MD_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|(?<![a-z0-9])(www)(\.)")
# what makes a list item, block quote, setext underline or definition at the start of a line
_MD_LEADING = re.compile(r"^(?:[-+:]|\d+[.)])")


def md_escape(text) -> str:
    """``text`` as inert Markdown text: shown as written, never as HTML, a link or other markup.

    Line breaks and control characters become spaces, so a value cannot leave its table cell or
    start a block of its own; markup characters become character references (see ``_MD_ENTITIES``).
    """
    s = _MD_BREAKS.sub(" ", str(text)).strip()
    s = _MD_ENTITY_RE.sub(lambda m: _MD_ENTITIES[m.group()], s)
    s = _MD_UNDERSCORE.sub("&#95;", s)
    s = _MD_AUTOLINK.sub(lambda m: "&#58;" if m.group(1) else f"{m.group(2)}&#46;", s)
    m = _MD_LEADING.match(s)
    if m:
        lead = m.group()
        s = lead[:-1] + f"&#{ord(lead[-1])};" + s[len(lead):]
    return s


def _pivot_display(prev: pd.DataFrame, by: str) -> pd.DataFrame:
    p = prev.pivot_table(index="theme", columns=by, values="display", aggfunc="first")
    p = p.reindex(list(dict.fromkeys(prev["theme"])))
    cols = [c for c in p.columns if c != "All"] + (["All"] if "All" in p.columns else [])
    return p[cols].reset_index()


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em}h2{border-bottom:2px solid #4a78a8;padding-bottom:.2em;margin-top:2.2em}h3{margin-top:1.4em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f0f4f8}.meta{font-size:.85em;color:#555}img{max-width:100%}
blockquote{border-left:4px solid #4a78a8;margin:1em 0;padding:.4em 1em;background:#f7f9fc}blockquote footer{color:#555;font-size:.9em;margin-top:.3em}
.emergent{color:#b35900;font-weight:bold}
"""


DEFAULT_BY = ("trust_type", "region")
REPORT_FILES = {"html": "report.html", "xlsx": "report.xlsx", "md": "report.md", "qdc": "codebook.qdc",
                "qdpx": "project.qdpx"}


def build_report(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    participants: str | Path | None = None,
    codebook=None,
    model=None,
    text_columns: Sequence[str] | None = None,
    id_column: str | None = None,
    redact: bool = True,
    n_quotes: int = 3,
    by: Sequence[str] | None = None,
    min_count: int = 5,
    topics: bool = True,
    seed: int = 42,
    title: str = "Insight report",
    show_progress: bool | None = None,
    model_sha256: str | None = None,
) -> ReportResult:
    """Run every stage and write report.html, report.xlsx, report.md, codebook.qdc, project.qdpx.

    ``by`` names the attributes to count people by; each must be a column of the input (else an
    :class:`InputError`). Left out, it is ``trust_type`` and ``region``, where the input has them.
    ``out_dir`` is checked before any work (a folder we can write in, none of whose report files is
    an input). Every file is written into a temporary folder inside it first and moved into place only
    when all of them are written, so a failed run leaves the previous report, if any, as it was.
    ``model_sha256`` pins the model folder (default: ``$INSIGHTKIT_MODEL_SHA256``), checked before
    anything is read or written (:func:`insightkit.load_model`).
    """
    if model is None or isinstance(model, (str, Path)):
        from insightkit.classify import default_theme_model_path
        from insightkit.integrity import check_model_digest, pinned_digest

        pin, what = pinned_digest(model_sha256)
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
        res = _build_into(inputs, stage, participants=participants, codebook=codebook, model=model,
                          text_columns=text_columns, id_column=id_column, redact=redact, n_quotes=n_quotes, by=by,
                          min_count=min_count, topics=topics, seed=seed, title=title, show_progress=show_progress,
                          model_sha256=model_sha256)
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


def _build_into(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    participants: str | Path | None = None,
    codebook=None,
    model=None,
    text_columns: Sequence[str] | None = None,
    id_column: str | None = None,
    redact: bool = True,
    n_quotes: int = 3,
    by: Sequence[str] | None = None,
    min_count: int = 5,
    topics: bool = True,
    seed: int = 42,
    title: str = "Insight report",
    show_progress: bool | None = None,
    model_sha256: str | None = None,
) -> ReportResult:
    """The report, written into ``out_dir`` (a fresh staging folder)."""
    from insightkit.io import read
    from insightkit.quotes import select_quotes, verify_quotes
    from insightkit.report.plots import prevalence_bars, prevalence_heatmap, save_figure, topic_sizes
    from insightkit.report.refi import export_qdc, export_qdpx

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    messages: list[str] = []
    steps = progress(total=6, desc="report", unit="stage", disable=None if show_progress is None else not show_progress)

    steps.set_postfix_str("reading")
    result = read(list(inputs), participants=participants, text_columns=text_columns, id_column=id_column, redact=redact)
    for err in getattr(result, "errors", []) or []:
        messages.append(f"could not read {_shown_error(err)}")
    segments, rejected = result.segments, result.rejected
    if segments.empty:
        raise InputError(None, "no segments to report on: every input was empty or rejected")
    if by is not None:
        missing = [c for c in by if c not in segments.columns]
        if missing:
            where = participants if participants is not None else (inputs[0] if len(inputs) == 1 else None)
            raise InputError(where, f"no column {', '.join(map(repr, missing))} to group by "
                                    f"(columns: {', '.join(map(str, segments.columns))})")
    steps.update()

    steps.set_postfix_str("tagging")
    theme_model = _resolve_model(model, codebook, messages, model_sha256)
    tagged = theme_model.tag(segments)
    cb = theme_model.codebook
    labels = {t.id: t.label for t in cb.themes}
    steps.update()

    steps.set_postfix_str("topics")
    topics_table = None
    subthemes: dict = {}
    emergent_table = None
    if topics:
        try:
            from insightkit.topics import discover_topics

            tr = discover_topics(tagged, seed=seed, codebook=cb)
            tagged = tr.segments
            topics_table = tr.topics
            subthemes = dict(tr.subthemes or {})
            emergent_table = tr.emergent if tr.emergent is not None and len(tr.emergent) else None
            for m in getattr(tr, "messages", []) or []:
                messages.append(f"topics: {m}")
        except InputError as exc:
            messages.append(f"topics skipped: {exc}")
    steps.update()

    steps.set_postfix_str("quotes")
    selection = select_quotes(tagged, n=n_quotes, model=theme_model)
    quotes = verify_quotes(selection.quotes, result.documents, segments=tagged) if len(selection.quotes) else selection.quotes
    messages.extend(f"quotes: {m}" for m in selection.messages)
    steps.update()

    steps.set_postfix_str("tables")
    people = tagged[tagged["role"].fillna("") != "interviewer"] if "role" in tagged.columns else tagged
    prevalence = {"overall": theme_prevalence(people, by=None, min_count=min_count)}
    for col in (DEFAULT_BY if by is None else by):
        if col in people.columns and people[col].fillna("").astype(str).str.strip().ne("").any():
            prevalence[col] = theme_prevalence(people, by=col, min_count=min_count)
    likert: dict[str, pd.DataFrame] = {}
    for col in likert_columns(people):
        group = "trust_type" if "trust_type" in people.columns else None
        likert[col] = likert_summary(people, col, by=group, min_count=min_count)

    figures: dict[str, str] = {}
    # a column name is not a file name: figures/heatmap_<col> holds only safe characters, one per column
    figure_names = dict(zip(prevalence, _file_names(f"heatmap_{c}" for c in prevalence)))
    figures["prevalence"] = _fig_to_data_uri(prevalence_bars(prevalence["overall"], theme_labels=labels))
    save_figure(prevalence_bars(prevalence["overall"], theme_labels=labels), out / "figures" / "prevalence")
    for col, prev in prevalence.items():
        if col == "overall":
            continue
        figures[f"heatmap_{col}"] = _fig_to_data_uri(prevalence_heatmap(prev, by=col, theme_labels=labels,
                                                                         title=f"Share of people raising each theme, by {col.replace('_', ' ')}"))
        save_figure(prevalence_heatmap(prev, by=col, theme_labels=labels), out / "figures" / figure_names[col])
    if topics_table is not None and len(topics_table):
        figures["topics"] = _fig_to_data_uri(topic_sizes(topics_table))
        save_figure(topic_sizes(topics_table), out / "figures" / "topics")
    steps.update()

    steps.set_postfix_str("writing")
    files = {
        "html": out / "report.html",
        "xlsx": out / "report.xlsx",
        "md": out / "report.md",
        "qdc": out / "codebook.qdc",
        "qdpx": out / "project.qdpx",
    }
    meta = getattr(theme_model, "meta_", None) or getattr(theme_model, "meta", None) or {}
    if getattr(theme_model, "path_", None) is not None and meta:
        from insightkit.integrity import model_digest

        meta = {**meta, "folder_sha256": model_digest(theme_model.path_)}  # what --model-sha256 pins
    _write_html(files["html"], title, tagged, rejected, prevalence, quotes, topics_table, likert, figures, cb, labels, meta,
                messages, min_count, subthemes, emergent_table)
    _write_xlsx(files["xlsx"], tagged, rejected, prevalence, quotes, topics_table, likert, cb)
    _write_md(files["md"], title, tagged, prevalence, quotes, topics_table, cb, labels, messages, min_count)
    export_qdc(cb, files["qdc"])
    export_qdpx(tagged, cb, files["qdpx"], project_name=title)
    steps.update()
    steps.close()
    return ReportResult(out, files, tagged, rejected, prevalence, quotes, topics_table, likert, messages)


def _file_names(names) -> list[str]:
    """File names (no folder, no dot files) for ``names``, unique case-insensitively."""
    out, seen = [], set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", str(name)).strip("_")[:80] or "figure"
        cand, i = base, 2
        while cand.lower() in seen:
            cand, i = f"{base}_{i}", i + 1
        seen.add(cand.lower())
        out.append(cand)
    return out


def _resolve_model(model, codebook, messages: list[str], sha256: str | None = None):
    from insightkit.classify import ThemeClassifier, load_model
    from insightkit.codebook import Codebook

    if model is not None and not isinstance(model, (str, Path)):
        return model
    if codebook is not None:
        cb = codebook if isinstance(codebook, Codebook) else _load_codebook(codebook)
        if model is None:
            default = load_model(sha256=sha256)
            if [t.id for t in default.codebook.themes] == [t.id for t in cb.themes]:
                return default
            messages.append(f"codebook '{cb.name}' has no trained model: themes tagged in zero-shot mode from its descriptions")
            return ThemeClassifier.zero_shot_model(cb)
    return load_model(model, sha256=sha256)


def _load_codebook(path):
    from insightkit.codebook import Codebook

    p = Path(path)
    if p.suffix.lower() in {".qdc", ".qdpx"}:
        from insightkit.report.refi import import_qdc

        return import_qdc(p)
    return Codebook.load(p)


def _write_html(path, title, tagged, rejected, prevalence, quotes, topics_table, likert, figures, cb, labels, meta, messages,
                min_count, subthemes=None, emergent_table=None):
    n_docs = tagged["doc_id"].nunique() if "doc_id" in tagged.columns else 0
    people = tagged[tagged["role"].fillna("") != "interviewer"] if "role" in tagged.columns else tagged
    n_people = people["participant_id"].nunique() if "participant_id" in people.columns else len(people)
    h = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>",
         "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
         f"<style>{_CSS}</style></head><body>",
         f"<h1>{_e(title)}</h1>",
         f"<p class='meta'>{n_docs} documents · {len(tagged)} segments · {n_people} participants and respondents · "
         f"{len(rejected)} rows set aside (see the 'rejected' sheet) · generated {date.today().isoformat()} by insightkit {__version__}</p>",
         "<h2>Summary</h2>",
         f"<p>Share of people (participants and respondents, not segments) who raised each theme, with 95% Wilson "
         f"intervals. Cells based on fewer than {min_count} people are suppressed (*).</p>",
         f"<img alt='Theme prevalence' src='{figures['prevalence']}'>",
         _table_html(prevalence["overall"], ["theme", "n_people", "n_raised", "percent", "ci_low", "ci_high", "display"])]
    for col, prev in prevalence.items():
        if col == "overall":
            continue
        h.append(f"<h3>By {_e(col.replace('_', ' '))}</h3>")
        if f"heatmap_{col}" in figures:
            h.append(f"<img alt='Themes by {_e(col)}' src='{figures[f'heatmap_{col}']}'>")
        h.append(_table_html(_pivot_display(prev, col)))
    for col, tab in likert.items():
        h.append(f"<h3>Agreement: {_e(col.replace('_', ' '))}</h3>")
        cols = [c for c in tab.columns if c in ("trust_type", "n", "agree_percent", "agree_ci_low", "agree_ci_high", "disagree_percent", "suppressed")]
        h.append(_table_html(tab, cols))
    for t in cb.themes:
        h.append(f"<h2>{_e(t.label)}</h2><p class='meta'>{_e(t.description)}</p>")
        ov = prevalence["overall"]
        row = ov[ov["theme"] == t.id]
        if len(row):
            h.append(f"<p>Raised by {_e(row['display'].iloc[0])} people.</p>")
        subs = (subthemes or {}).get(t.id)
        if (subs is None or not len(subs)) and topics_table is not None and len(topics_table) and "theme" in topics_table.columns:
            subs = topics_table[topics_table["theme"].fillna("") == t.id]
        if subs is not None and len(subs):
            subs = subs[subs["topic"] != -1] if "topic" in subs.columns else subs
            if len(subs):
                h.append("<h3>Sub-topics</h3>")
                h.append(_table_html(subs, [c for c in ("label", "keywords", "size") if c in subs.columns]))
        q = quotes[quotes["theme"] == t.id] if len(quotes) else quotes
        if len(q):
            h.append("<h3>Quotes</h3>")
            for _, r in q.sort_values("rank").iterrows():
                h.append(f"<blockquote>“{_e(r['quote'])}”<footer>— {_e(r['attribution'])}</footer></blockquote>")
        else:
            h.append("<p class='meta'>No quote passed the quotability filters for this theme.</p>")
    h.append("<h2>Emergent topics: not in the codebook</h2>")
    if topics_table is not None and len(topics_table) and "emergent" in topics_table.columns:
        em = topics_table[topics_table["emergent"].astype(bool)]
        if emergent_table is not None and len(emergent_table):
            em = pd.concat([em, emergent_table], ignore_index=True)
        if len(em):
            h.append("<p>Clusters of segments that the classifier left untagged or scored low on every theme: "
                     "candidates for new codes.</p>")
            h.append(_table_html(em, [c for c in ("label", "keywords", "size") if c in em.columns]))
        else:
            h.append("<p>No emergent topic was found.</p>")
    else:
        h.append("<p>Topic modelling did not run on this input (see notes).</p>")
    h.append("<h2>Methods</h2>")
    h.append("<p>Documents were read and cleaned (fillers, timestamps, transcriber tags and repeated words removed), "
             "personal data was redacted (names, emails, phone numbers, NHS numbers, postcodes, URLs, named NHS "
             "organisations), each segment was tagged by the theme classifier, topics were modelled with BERTopic, and "
             "quotes were chosen by a documented score and verified verbatim against their source files.</p>")
    h.append("<h3>Model card</h3>")
    card = {k: meta.get(k) for k in ("name", "created", "embedding_model", "training_data", "metrics", "thresholds", "limits", "insightkit_version", "folder_sha256") if k in meta}
    if set(card) <= {"folder_sha256"} and meta:
        card = {k: v for k, v in meta.items() if k not in ("codebook", "files")}
    h.append(f"<pre>{_e(json.dumps(card, indent=2, default=str))}</pre>")
    h.append("<p class='meta'>Limits: the classifier was trained on texts written for the project; counts are of people who "
             "raised a theme in what they said, not of what they think; small groups are suppressed.</p>")
    if messages:
        h.append("<h3>Notes</h3><ul>" + "".join(f"<li>{_e(m)}</li>" for m in messages) + "</ul>")
    h.append(_segments_appendix(people, cb))
    h.append("</body></html>")
    path.write_text("\n".join(h), encoding="utf-8")


APPENDIX_MAX_ROWS = 5000


def _segments_appendix(people: pd.DataFrame, cb) -> str:
    """Every participant and respondent segment (redacted), so any count can be checked by eye."""
    ids = [t.id for t in cb.themes if f"theme_{t.id}" in people.columns]
    rows = people.head(APPENDIX_MAX_ROWS)
    out = ["<h2>Appendix: segments</h2>",
           f"<details><summary>All {len(people)} participant and respondent segments with their themes "
           "(redacted text, as tagged)</summary><table><tr><th>segment</th><th>attribution</th><th>themes</th><th>text</th></tr>"]
    for _, r in rows.iterrows():
        themes = ", ".join(t for t in ids if int(pd.to_numeric(r.get(f"theme_{t}", 0), errors="coerce") or 0))
        out.append(f"<tr><td>{_e(r.get('segment_id', ''))}</td><td>{_e(r.get('attribution', ''))}</td>"
                   f"<td>{_e(themes)}</td><td>{_e(r.get('text', ''))}</td></tr>")
    out.append("</table>")
    if len(people) > APPENDIX_MAX_ROWS:
        out.append(f"<p class='meta'>{len(people) - APPENDIX_MAX_ROWS} more segments in report.xlsx.</p>")
    out.append("</details>")
    return "".join(out)


def _shown_error(err) -> str:
    """A read error for the report: the file named by its shown name (names redacted), not its path."""
    from insightkit.redact.filenames import redact_file_name

    msg, path = str(err), str(getattr(err, "path", "") or "")
    if not path:
        return msg
    shown = redact_file_name(Path(path).name, use_ner=False)
    return msg.replace(path, shown).replace(Path(path).name, shown)


def _shown_sources(df: pd.DataFrame, *tables: pd.DataFrame) -> pd.DataFrame:
    """``df`` as shared in a report: ``source`` holds the shown file name (``source_display``, names
    redacted, docs/redaction.md) and the ``source_display`` column goes. Rows without one of their own
    take it by ``doc_id`` from ``tables``. A quotes table has only ``source_display``: it becomes
    ``source``, so every sheet names files the same way."""
    if "source" not in df.columns:
        return df.rename(columns={"source_display": "source"})
    out = df.copy()
    lookup: dict[str, str] = {}
    for t in (df, *tables):
        if t is not None and {"doc_id", "source_display"} <= set(t.columns):
            for k, v in zip(t["doc_id"].astype(str), t["source_display"]):
                if isinstance(v, str) and v:
                    lookup.setdefault(k, v)
    if "doc_id" in out.columns and lookup:
        out["source"] = [lookup.get(str(k), src) for k, src in zip(out["doc_id"], out["source"])]
    return out.drop(columns=[c for c in ("source_display",) if c in out.columns])


def _write_xlsx(path, tagged, rejected, prevalence, quotes, topics_table, likert, cb):
    from insightkit.export import sheet_names, xlsx_safe

    # file names can name people: every sheet shows the redacted file name (the hash in doc_id traces it)
    tagged = _shown_sources(tagged)
    quotes = _shown_sources(quotes, tagged)
    rejected = _shown_sources(rejected, tagged)
    sheets = {
        "segments": tagged.drop(columns=[c for c in ("edits",) if c in tagged.columns]),
        "themes": pd.DataFrame([{"id": t.id, "label": t.label, "description": t.description} for t in cb.themes]),
        "prevalence": pd.concat([p.assign(grouping=k) for k, p in prevalence.items()], ignore_index=True),
        "quotes": quotes,
        "topics": topics_table if topics_table is not None else pd.DataFrame({"note": ["topic modelling did not run"]}),
        "rejected": rejected,
    }
    tables = list(sheets.items()) + [(f"likert_{col}", tab) for col, tab in likert.items()]
    tmp = path.with_name(path.name + ".tmp.xlsx")
    with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        for name, (_, df) in zip(sheet_names(n for n, _ in tables), tables):
            xlsx_safe(df, shorten=True).to_excel(xw, sheet_name=name, index=False)
    tmp.replace(path)


def _write_md(path, title, tagged, prevalence, quotes, topics_table, cb, labels, messages, min_count):
    # every value from the input, the codebook or the command line goes through md_escape
    lines = [f"# {md_escape(title)}", "", f"Generated {date.today().isoformat()} by insightkit {__version__}.", "",
             "## Theme prevalence", "",
             f"People who raised each theme (95% Wilson intervals); cells under {min_count} people suppressed (*).", "",
             _md_table(prevalence["overall"], ["theme", "n_people", "n_raised", "percent", "ci_low", "ci_high"]), ""]
    for col, prev in prevalence.items():
        if col == "overall":
            continue
        piv = _pivot_display(prev, col)
        lines += [f"### By {md_escape(str(col).replace('_', ' '))}", "", _md_table(piv, list(piv.columns)), ""]
    for t in cb.themes:
        lines += [f"## {md_escape(t.label)}", ""]
        q = quotes[quotes["theme"] == t.id] if len(quotes) else quotes
        for _, r in q.sort_values("rank").iterrows() if len(q) else []:
            lines += [f"> {md_escape(r['quote'])}", ">", f"> — {md_escape(r['attribution'])}", ""]
    if topics_table is not None and len(topics_table) and "emergent" in topics_table.columns:
        em = topics_table[topics_table["emergent"].astype(bool)]
        lines += ["## Emergent topics (not in the codebook)", ""]
        lines += [_md_table(em, [c for c in ("label", "keywords", "size") if c in em.columns]) if len(em) else "None found.", ""]
    if messages:
        lines += ["## Notes", ""] + [f"- {md_escape(m)}" for m in messages] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")
