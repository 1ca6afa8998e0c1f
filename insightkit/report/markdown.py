"""The Markdown report (report.md); every value from the input, the codebook or the command line
goes through :func:`md_escape`, so it shows as written and never as markup."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Sequence

import pandas as pd

from insightkit import __version__
from insightkit.report.model_card import model_card
from insightkit.report.prevalence import method_note, readable_overall, readable_pivot

__all__ = ["md_escape", "write_markdown"]


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


def _topic_table(df: pd.DataFrame) -> str:
    plain = {"label": "Topic", "keywords": "Key words", "size": "Segments"}
    cols = [c for c in ("label", "keywords", "size") if c in df.columns]
    return _md_table(df.rename(columns=plain), [plain[c] for c in cols])


def write_markdown(path, title, tagged, prevalence, quotes, topics_table, cb, labels, messages, min_count, meta=None,
                   subthemes=None, emergent_table=None):
    # every value from the input, the codebook or the command line goes through md_escape
    lines = [f"# {md_escape(title)}", "", f"Generated {date.today().isoformat()} by insightkit {__version__}.", "",
             "## Theme prevalence", "",
             f"People who raised each theme (95% intervals); cells under {min_count} people suppressed (*). "
             f"{md_escape(method_note(prevalence['overall']))}", "",
             _md_table(ov := readable_overall(prevalence["overall"], labels), list(ov.columns)), ""]
    for col, prev in prevalence.items():
        if col == "overall":
            continue
        piv = readable_pivot(prev, col, labels)
        lines += [f"### By {md_escape(str(col).replace('_', ' '))}", "", _md_table(piv, list(piv.columns)), ""]
    for t in cb.themes:
        lines += [f"## {md_escape(t.label)}", ""]
        subs = (subthemes or {}).get(t.id)
        if (subs is None or not len(subs)) and topics_table is not None and len(topics_table) \
                and "theme" in topics_table.columns:
            subs = topics_table[topics_table["theme"].fillna("") == t.id]
        if subs is not None and len(subs):
            subs = subs[subs["topic"] != -1] if "topic" in subs.columns else subs
            if len(subs):
                subs = subs.sort_values("size", ascending=False, kind="stable") if "size" in subs.columns else subs
                lines += ["### Sub-topics", "", _topic_table(subs), ""]
        q = quotes[quotes["theme"] == t.id] if len(quotes) else quotes
        for _, r in q.sort_values("rank").iterrows() if len(q) else []:
            dec = str(r.get("decision", "") or "")
            mark = " (reviewer: accepted)" if dec == "accept" else " (reviewer: chosen as a replacement)" \
                if dec == "replace" else ""
            lines += [f"> {md_escape(r['quote'])}", ">", f"> — {md_escape(r['attribution'])}{mark}", ""]
    if topics_table is not None and len(topics_table) and "emergent" in topics_table.columns:
        em = topics_table[topics_table["emergent"].astype(bool)]
        if emergent_table is not None and len(emergent_table):
            em = pd.concat([em, emergent_table], ignore_index=True)
        if "size" in em.columns:
            em = em.sort_values("size", ascending=False, kind="stable")
        lines += ["## Emergent topics (not in the codebook)", ""]
        lines += [_topic_table(em) if len(em) else "None found.", ""]
        lines += ["Topic sizes: figures/topics.png (and .svg).", ""]
    card = model_card(meta or {})
    if card:
        lines += ["## Model card", ""] + [f"- {md_escape(k)}: {md_escape(v)}" for k, v in card] + [""]
    if messages:
        lines += ["## Notes", ""] + [f"- {md_escape(m)}" for m in messages] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")
