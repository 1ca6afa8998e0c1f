"""The HTML report (report.html): self-contained (figures inlined), every value escaped, no script."""

from __future__ import annotations

import html
import math
from datetime import date
from typing import Sequence

import pandas as pd

from insightkit import __version__
from insightkit.report.model_card import model_card
from insightkit.report.prevalence import is_corrected, method_note, readable_likert, readable_overall, readable_pivot

__all__ = ["write_html"]


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


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em}h2{border-bottom:2px solid #4a78a8;padding-bottom:.2em;margin-top:2.2em}h3{margin-top:1.4em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f0f4f8}.meta{font-size:.85em;color:#555}img{max-width:100%}
blockquote{border-left:4px solid #4a78a8;margin:1em 0;padding:.4em 1em;background:#f7f9fc}blockquote footer{color:#555;font-size:.9em;margin-top:.3em}
.emergent{color:#b35900;font-weight:bold}
.reviewed{color:#2e7d32;font-weight:bold;margin-left:.5em}
dl.card{display:grid;grid-template-columns:14em 1fr;gap:.3em 1em;font-size:.92em}dl.card dt{font-weight:bold}dl.card dd{margin:0}
"""


#: plain headings for the topic tables
_PLAIN = {"label": "Topic", "keywords": "Key words", "size": "Segments"}


def write_html(path, title, tagged, rejected, prevalence, quotes, topics_table, likert, figures, cb, labels, meta, messages,
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
         f"<p>Share of people (participants and respondents, not segments) who raised each theme, with 95% "
         f"intervals. {_e(method_note(prevalence['overall']))} Cells based on fewer than {min_count} people are "
         "suppressed (*).</p>",
         f"<img alt='Theme prevalence' src='{figures['prevalence']}'>",
         _table_html(readable_overall(prevalence["overall"], labels))]
    for col, prev in prevalence.items():
        if col == "overall":
            continue
        h.append(f"<h3>By {_e(col.replace('_', ' '))}</h3>")
        if f"heatmap_{col}" in figures:
            h.append(f"<img alt='Themes by {_e(col.replace('_', ' '))}' src='{figures[f'heatmap_{col}']}'>")
        h.append(_table_html(readable_pivot(prev, col, labels)))
    for col, tab in likert.items():
        h.append(f"<h3>Agreement: {_e(col.replace('_', ' '))}</h3>")
        h.append(_table_html(readable_likert(tab)))
    for t in cb.themes:
        h.append(f"<h2>{_e(t.label)}</h2><p class='meta'>{_e(t.description)}</p>")
        ov = prevalence["overall"]
        row = ov[ov["theme"] == t.id]
        if len(row):
            corrected = is_corrected(row)
            h.append(f"<p>Raised by {'an estimated ' if corrected else ''}{_e(row['display'].iloc[0])}"
                     f"{' of' if corrected else ''} people.</p>")
        subs = (subthemes or {}).get(t.id)
        if (subs is None or not len(subs)) and topics_table is not None and len(topics_table) and "theme" in topics_table.columns:
            subs = topics_table[topics_table["theme"].fillna("") == t.id]
        if subs is not None and len(subs):
            subs = subs[subs["topic"] != -1] if "topic" in subs.columns else subs
            if len(subs):
                if "size" in subs.columns:
                    subs = subs.sort_values("size", ascending=False, kind="stable")
                h.append("<h3>Sub-topics</h3>")
                h.append(_table_html(subs.rename(columns=_PLAIN), [_PLAIN[c] for c in ("label", "keywords", "size")
                                                                  if c in subs.columns]))
        q = quotes[quotes["theme"] == t.id] if len(quotes) else quotes
        if len(q):
            h.append("<h3>Quotes</h3>")
            for _, r in q.sort_values("rank").iterrows():
                dec = str(r.get("decision", "") or "")
                mark = (" <span class='reviewed'>reviewer: accepted</span>" if dec == "accept" else
                        " <span class='reviewed'>reviewer: chosen as a replacement</span>" if dec == "replace" else "")
                h.append(f"<blockquote>“{_e(r['quote'])}”<footer>— {_e(r['attribution'])}{mark}</footer></blockquote>")
        else:
            h.append("<p class='meta'>No quote passed the quotability filters for this theme.</p>")
    reviewed = int((quotes["decision"].astype(str).isin(["accept", "replace"])).sum()) \
        if len(quotes) and "decision" in quotes.columns else 0
    h.append("<p class='meta'>Every quote choice, in its context and with the reasons, alternatives and reviewer "
             f"decisions: <a href='audit.html'>audit.html</a>. {reviewed} of {len(quotes)} quotes were accepted or "
             "chosen by a reviewer.</p>")
    h.append("<h2>Emergent topics: not in the codebook</h2>")
    if topics_table is not None and len(topics_table) and "emergent" in topics_table.columns:
        em = topics_table[topics_table["emergent"].astype(bool)]
        if emergent_table is not None and len(emergent_table):
            em = pd.concat([em, emergent_table], ignore_index=True)
        if len(em):
            h.append("<p>Clusters of segments that the classifier left untagged or scored low on every theme: "
                     "candidates for new codes.</p>")
            if "size" in em.columns:
                em = em.sort_values("size", ascending=False, kind="stable")
            h.append(_table_html(em.rename(columns=_PLAIN), [_PLAIN[c] for c in ("label", "keywords", "size")
                                                              if c in em.columns]))
        else:
            h.append("<p>No emergent topic was found.</p>")
    else:
        h.append("<p>Topic modelling did not run on this input (see notes).</p>")
    if "topics" in figures:
        h.append(f"<img alt='Topics by size' src='{figures['topics']}'>")
    h.append("<h2>Methods</h2>")
    h.append("<p>Documents were read and cleaned (fillers, timestamps, transcriber tags and repeated words removed), "
             "personal data was redacted (names, emails, phone numbers, NHS numbers, postcodes, URLs, named NHS "
             "organisations), each segment was tagged by the theme classifier, topics were modelled with BERTopic, and "
             "quotes were chosen by a documented score and verified verbatim against their source files.</p>")
    h.append("<h3>Model card</h3>")
    card = model_card(meta)
    if card:
        h.append("<dl class='card'>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in card) + "</dl>")
        h.append("<p class='meta'>The model folder's full description is in model_card.json beside this report.</p>")
    else:
        h.append("<p class='meta'>No model description was available.</p>")
    if messages:
        h.append("<h3>Notes</h3><ul>" + "".join(f"<li>{_e(m)}</li>" for m in messages) + "</ul>")
    h.append(_segments_appendix(people, cb))
    h.append("</body></html>")
    path.write_text("\n".join(h), encoding="utf-8")


APPENDIX_MAX_ROWS = 5000


def _segments_appendix(people: pd.DataFrame, cb) -> str:
    """Every participant and respondent segment (redacted), so any count can be checked by eye."""
    ids = [t.id for t in cb.themes if f"theme_{t.id}" in people.columns]
    label = {t.id: t.label for t in cb.themes}
    rows = people.head(APPENDIX_MAX_ROWS)
    out = ["<h2>Appendix: segments</h2>",
           f"<details><summary>All {len(people)} participant and respondent segments with their themes "
           "(redacted text, as tagged)</summary><table><tr><th>segment</th><th>attribution</th><th>themes</th><th>text</th></tr>"]
    for _, r in rows.iterrows():
        themes = "; ".join(label.get(t, t) for t in ids if int(pd.to_numeric(r.get(f"theme_{t}", 0), errors="coerce") or 0))
        out.append(f"<tr><td>{_e(r.get('segment_id', ''))}</td><td>{_e(r.get('attribution', ''))}</td>"
                   f"<td>{_e(themes)}</td><td>{_e(r.get('text', ''))}</td></tr>")
    out.append("</table>")
    if len(people) > APPENDIX_MAX_ROWS:
        out.append(f"<p class='meta'>{len(people) - APPENDIX_MAX_ROWS} more segments in report.xlsx.</p>")
    out.append("</details>")
    return "".join(out)
