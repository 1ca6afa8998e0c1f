"""The audit report: one self-contained HTML file (no scripts) showing every choice in its context."""

from __future__ import annotations

import html
import json
import math
from datetime import date
from pathlib import Path
from typing import Mapping

import pandas as pd

from insightkit.quotes.candidates import parse_quote_id, row_value, shown_name
from insightkit.quotes.config import DECISION_COLUMNS, QuoteSelection
from insightkit.quotes.scoring import score_formula

__all__ = ["write_audit_html"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{border-bottom:2px solid #4a78a8;padding-bottom:.2em;margin-top:2em}
.quote{border-left:4px solid #4a78a8;padding:.6em 1em;margin:1em 0;background:#f7f9fc}
.q{font-size:1.05em;font-style:italic}.attr{color:#555;margin:.3em 0}
.meta{font-size:.85em;color:#444}.ctx{font-size:.9em;background:#fff;border:1px solid #ddd;padding:.6em;margin:.5em 0;white-space:pre-wrap}
mark{background:#ffe58a}.prev,.next{color:#777}table{border-collapse:collapse;font-size:.85em;margin:.4em 0}
td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
.decision{font-weight:bold}.accept{color:#1a7f37}.reject{color:#b42318}.replace{color:#9a6700}
.effect{background:#fff4e5;border-left:4px solid #9a6700;padding:.3em .6em;margin:.4em 0;font-size:.9em}
"""
#: How the method note names the values of a spread column.
_SPREAD_NAMES = {"trust_type": "trust types", "region": "regions"}


def _e(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return html.escape(str(x), quote=True)


def _spread_clause(spread_by) -> str:
    """", spread across trust types and regions where the data allow" (empty without spread columns)."""
    names = [_SPREAD_NAMES.get(c, f"{c} values") for c in dict.fromkeys(spread_by)]
    if not names:
        return ""
    said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f", spread across {said} where the data allow"


def _header(selection: QuoteSelection, title: str) -> list[str]:
    q = selection.quotes
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>",
           "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">",
           f"<style>{_CSS}</style></head><body><h1>{_e(title)}</h1>"]
    out.append(f"<p class='meta'>Generated {date.today().isoformat()}. {len(q)} quotes across "
               f"{q['theme'].nunique() if len(q) else 0} themes. Combined score = {_e(score_formula())} (theme: the "
               "classifier's score; typical: representativeness; specific: concrete detail; voice: a person's own "
               "spoken words rather than report prose); chosen by maximal marginal relevance, at most one quote per "
               f"participant per theme{_e(_spread_clause(selection.spread_by))}, with a least share for the calls and "
               "the survey where a theme has both; unless shared quotes were allowed, a passage is quoted under one "
               "theme only. A quote from a group whose count the report suppresses carries no attribution. False "
               "starts are dropped from the shown quote (listed under it); the quote still replays exactly from its "
               "source.</p>")
    out.extend(f"<p class='meta'>Note: {_e(msg)}</p>" for msg in selection.messages)
    return out


def _theme_decisions_html(selection: QuoteSelection, theme: str) -> list[str]:
    """The decisions on one theme, each with the quote it names, who made it, when and why."""
    dec = selection.decisions
    if not len(dec):
        return []
    dec = dec[dec["theme"] == theme]
    if not len(dec):
        return []
    text = _texts(selection)
    out = ["<h3>Reviewer decisions on this theme</h3><table><tr><th>decision</th><th>quote</th><th>replacement</th>"
           "<th>reviewer</th><th>date</th><th>note</th><th>status</th><th>also caused</th></tr>"]
    for _, d in dec.iterrows():
        quote = text.get(d["quote_id"], "")
        repl = text.get(d["replacement_id"], "") if d["replacement_id"] else ""
        out.append(f"<tr><td class='decision {_e(d['decision'])}'>{_e(d['decision'])}</td>"
                   f"<td><code>{_e(d['quote_id'])}</code><br>{_e(quote)}</td>"
                   f"<td><code>{_e(d['replacement_id'])}</code><br>{_e(repl)}</td><td>{_e(d['reviewer'])}</td>"
                   f"<td>{_e(d['date'])}</td><td>{_e(d['note'])}</td><td>{_e(d.get('status', ''))}</td>"
                   f"<td>{_e(d.get('effect', '')) or 'nothing else'}</td></tr>")
    out.append("</table>")
    return out


def _theme_effects_html(selection: QuoteSelection, theme: str, text: Mapping[str, str]) -> list[str]:
    """What the decisions changed in this theme beyond the quotes they name."""
    eff = selection.effects
    if eff is None or not len(eff):
        return []
    eff = eff[eff["theme"] == theme]
    if not len(eff):
        return []
    out = ["<h3>What the decisions changed beyond the quotes they name</h3><ul>"]
    for _, e in eff.iterrows():
        quote = text.get(e["quote_id"], "")
        said = f" “{_e(quote)}”" if quote else ""
        if e["effect"] == "dropped":
            out.append(f"<li class='effect'>No longer chosen: <code>{_e(e['quote_id'])}</code>{said}: {_e(e['detail'])} "
                       f"(caused by {_e(e['caused_by'])})</li>")
        else:
            out.append(f"<li class='effect'>Chosen instead: <code>{_e(e['quote_id'])}</code>: {_e(e['detail'])}</li>")
    out.append("</ul>")
    return out


def _texts(selection: QuoteSelection) -> dict[str, str]:
    """The text of every window the selection knows, by quote id."""
    text: dict[str, str] = {}
    for frame in (selection.rejected, selection.candidates):
        if len(frame) and "quote_id" in frame.columns:
            text.update({k: v for k, v in zip(frame["quote_id"], frame["quote"]) if isinstance(k, str) and k not in text})
    text.update(dict(zip(selection.quotes["quote_id"], selection.quotes["quote"])))
    return text


def _audit_source(r, segs: pd.DataFrame, pos: Mapping[str, int], cache: dict[str, str]) -> str:
    """The shown file name for the audit page: the quote's ``source_display``, else its segment's
    (a quotes table from an older version), never the real name."""
    shown = str(row_value(r, "source_display"))
    if shown:
        return shown
    i = pos.get(str(r["segment_id"]))
    seg = segs.iloc[i] if i is not None else r
    return shown_name(seg, cache) or str(row_value(r, "doc_id"))


def _turn_html(segs: pd.DataFrame, j: int, css: str) -> str:
    speaker = segs.at[j, "speaker"] if "speaker" in segs.columns else ""
    return f"<div class='{css}'><b>{_e(speaker)}:</b> {_e(segs.at[j, 'text'])}</div>"


def _context_html(r, segs: pd.DataFrame, i: int, context_turns: int) -> list[str]:
    """The quote's turn with the quote highlighted, between the turns around it (same document)."""
    ctx = ["<div class='ctx'>"]
    doc = segs.at[i, "doc_id"] if "doc_id" in segs.columns else None
    for j in range(max(0, i - context_turns), i):
        if doc is None or segs.at[j, "doc_id"] == doc:
            ctx.append(_turn_html(segs, j, "prev"))
    text = str(segs.at[i, "text"])
    qs = str(r["quote"])
    k, end = text.find(qs), -1
    if k >= 0:
        end = k + len(qs)
    else:  # a quote shown without its false starts: highlight the window its id names
        parsed = parse_quote_id(str(r.get("quote_id", "")))
        if parsed is not None and 0 <= parsed[1] < parsed[2] <= len(text):
            k, end = parsed[1], parsed[2]
    spk = _e(segs.at[i, "speaker"]) if "speaker" in segs.columns else ""
    if k >= 0:
        ctx.append(f"<div><b>{spk}:</b> {_e(text[:k])}<mark>{_e(text[k:end])}</mark>{_e(text[end:])}</div>")
    else:
        ctx.append(f"<div><b>{spk}:</b> {_e(text)}</div>")
    for j in range(i + 1, min(len(segs), i + 1 + context_turns)):
        if doc is None or segs.at[j, "doc_id"] == doc:
            ctx.append(_turn_html(segs, j, "next"))
    ctx.append("</div>")
    return ctx


def _alternatives_html(r) -> list[str]:
    alts = json.loads(r["alternatives"]) if r.get("alternatives") else []
    if not alts:
        return []
    out = ["<details><summary>Alternatives considered</summary><table><tr><th>quote id</th><th>quote</th>"
           "<th>attribution</th><th>score</th><th>choosing it as a replacement</th></tr>"]
    for a in alts:
        drops = (f"also drops <code>{_e(a['also_drops'])}</code> (same person; one quote per person per theme)"
                 if a.get("also_drops") else "")
        out.append(f"<tr><td><code>{_e(a['quote_id'])}</code></td><td>{_e(a['quote'])}</td>"
                   f"<td>{_e(a['attribution'])}</td><td>{_e(a['score'])}</td><td>{drops}</td></tr>")
    out.append("</table></details>")
    return out


def _quote_html(r, segs: pd.DataFrame, pos: Mapping[str, int], shown_names: dict, context_turns: int) -> list[str]:
    out = ["<div class='quote'>",
           f"<div class='q'>“{_e(r['quote'])}”</div><div class='attr'>— {_e(r['attribution'])}</div>"]
    if r.get("decision"):
        d = str(r["decision"])
        out.append(f"<div class='decision {_e(d)}'>Reviewer decision: {_e(d)} by {_e(r['reviewer'])} on "
                   f"{_e(r['decided_on'])}{(': ' + _e(r['decision_note'])) if r.get('decision_note') else ''}</div>")
    voice = f" · voice {_e(r['voice'])}" if "voice" in r.index else ""
    out.append(f"<div class='meta'>Rank {_e(r['rank'])} · quote id <code>{_e(r['quote_id'])}</code> · source "
               f"{_e(_audit_source(r, segs, pos, shown_names))} characters {_e(r['start'])}–{_e(r['end'])} · theme {_e(r['theme_score'])} · "
               f"typical {_e(r['representativeness'])} · specific {_e(r['specificity'])}{voice} · score {_e(r['score'])}</div>")
    out.append(f"<div class='meta'>Why: {_e(r['reason'])}</div>")
    if r.get("false_starts"):
        dropped = "; ".join(f"“{_e(x.strip())}”" for x in str(r["false_starts"]).split(" | "))
        out.append(f"<div class='meta'>Shown without the false start(s) {dropped}: a recorded deletion; the "
                   "highlighted window below is the text as cleaned.</div>")
    if r.get("attribution_withheld"):
        out.append(f"<div class='meta'>Attribution withheld: {_e(r['attribution_withheld'])}.</div>")
    if r.get("decision_effect"):
        out.append(f"<div class='effect'>What a decision caused: {_e(r['decision_effect'])}</div>")
    i = pos.get(str(r["segment_id"]))
    if i is not None:
        out.extend(_context_html(r, segs, i, context_turns))
    out.extend(_alternatives_html(r))
    out.append("</div>")
    return out


def _decisions_log_html(decisions: pd.DataFrame) -> list[str]:
    if not len(decisions):
        return []
    cols = DECISION_COLUMNS + [c for c in ("status", "effect") if c in decisions.columns]
    out = ["<h2>Reviewer decisions</h2><p class='meta'>Every decision in the decisions file: who decided what, "
           "when, why, whether this run could apply it, and what else it caused.</p><table><tr>"
           + "".join(f"<th>{_e(c)}</th>" for c in cols) + "</tr>"]
    for _, d in decisions.iterrows():
        out.append("<tr>" + "".join(f"<td>{_e(d[c])}</td>" for c in cols) + "</tr>")
    out.append("</table>")
    return out


def write_audit_html(selection: QuoteSelection, segments: pd.DataFrame, path: str | Path, *,
                     title: str = "Quote selection audit", context_turns: int = 1) -> Path:
    """One self-contained HTML file (no scripts) showing every choice in its context.

    For each theme: the chosen quotes, each inside its turn with the quote highlighted and the
    turns around it, with scores, the reason, the alternatives, any reviewer decision and what a
    decision caused beyond its own quote; then the decisions log. Every piece of text is
    HTML-escaped.
    """
    segs = segments.reset_index(drop=True)
    order_cols = [c for c in ("doc_id", "start") if c in segs.columns]
    segs = segs.sort_values(order_cols, kind="stable").reset_index(drop=True) if order_cols else segs
    pos = {sid: i for i, sid in enumerate(segs["segment_id"].astype(str))}
    shown_names: dict[str, str] = {}
    texts = _texts(selection)
    out = _header(selection, title)
    for theme, sub in selection.quotes.groupby("theme", sort=False):
        label = sub["theme_label"].iloc[0] if "theme_label" in sub.columns else theme
        out.append(f"<h2>{_e(label)} <small>({_e(theme)})</small></h2>")
        for _, r in sub.sort_values("rank").iterrows():
            out.extend(_quote_html(r, segs, pos, shown_names, context_turns))
        out.extend(_theme_decisions_html(selection, theme))
        out.extend(_theme_effects_html(selection, theme, texts))
    out.extend(_decisions_log_html(selection.decisions))
    out.append("</body></html>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(out), encoding="utf-8")
    tmp.replace(path)
    return path
