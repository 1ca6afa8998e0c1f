"""The quotes table: one row per chosen quote, with its reason, alternatives and decision.

Each row says why the quote was chosen (its rank, the formula with its scores, what it adds to the
quotes above it, a balance quota it meets), lists the alternatives (each a different passage from
another person; one that would drop another quote of the theme says so), and carries the reviewer
decision that kept it and anything a decision caused (``decision_effect``). A quote from a group
whose count the report suppresses shows no group (:mod:`insightkit.quotes.suppression`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from insightkit.quotes.balance import KIND_NAMES
from insightkit.quotes.candidates import overlap, row_value, shown_name
from insightkit.quotes.config import QuoteConfig
from insightkit.quotes.scoring import score_formula
from insightkit.quotes.suppression import withheld_label

__all__ = ["QUOTE_COLUMNS", "ThemeRows", "theme_rows", "article"]

QUOTE_COLUMNS = [
    "theme", "theme_label", "rank", "quote_id", "quote", "attribution", "doc_id", "source_display", "segment_id", "cell",
    "kind", "participant_id", "trust_type", "region", "topic", "start", "end", "edits", "false_starts", "theme_score",
    "representativeness", "specificity", "voice", "score", "alternatives", "reason", "attribution_withheld",
    "decision", "reviewer", "decided_on", "decision_note", "decision_effect"]
#: How the reason names a new value of a spread column ("adds a Mental health trust voice; adds London").
_SPREAD_PHRASES = {"trust_type": "adds {article} {value} trust voice", "region": "adds {value}"}
_SPREAD_PHRASE = "adds {column} {value}"


def article(word: str) -> str:
    """"a" or "an" before ``word`` ("an Acute", "a Community", "an NHS", "a University")."""
    w = str(word).strip()
    if not w:
        return "a"
    low = w.lower()
    if low.startswith(("uni", "use", "usu", "eu", "one", "once")):
        return "a"
    if w[:2].isupper() and w[0] in "FHLMNRSX":  # an acronym read letter by letter: "an NHS", "an MH trust"
        return "an"
    return "an" if low[0] in "aeiou" or low.startswith(("hour", "honest")) else "a"


@dataclass
class ThemeRows:
    """What the rows of one theme need beyond the chosen windows."""

    theme: str
    label: str
    viable: list  # the theme's candidates, best first
    chosen: list
    others: list  # windows chosen for the other themes
    decided: Mapping  # quote id -> decision
    notes: Mapping  # quote id -> why it was chosen beyond its score (a balance quota)
    effects: Mapping  # quote id -> what a decision caused
    n: int


def _alternatives(c: dict, rows: ThemeRows, cfg: QuoteConfig) -> list[dict]:
    """The next best windows from other participants that overlap nothing chosen."""
    alts: list[dict] = []
    for p in rows.viable:
        if len(alts) >= cfg.n_alternatives:
            break
        if p["participant_id"] == c["participant_id"] or any(overlap(p, x) for x in rows.chosen + alts):
            continue
        if not cfg.allow_shared and any(overlap(p, x) for x in rows.others):
            continue
        alts.append(p)
    return alts


def _alternative_json(a: dict, c: dict, rows: ThemeRows) -> dict:
    out = {"quote_id": a["quote_id"], "quote": a["quote"],
           "attribution": withheld_label(a["kind"]) if a["withheld"] else a["attribution"], "score": round(a["score"], 4)}
    same = [x["quote_id"] for x in rows.chosen if x is not c and x["participant_id"] == a["participant_id"]]
    if same:
        out["also_drops"] = same[0]  # one quote per person per theme: choosing it drops that one
    return out


def _spread_reason(c: dict, before: list[dict], cols: tuple) -> str:
    """What a quote adds to the ones ranked above it ("adds a Mental health trust voice; adds London")."""
    if c["withheld"]:
        return "least redundant with the quotes above"
    new = []
    for i, col in enumerate(cols):
        value = c["spread"][i]
        if value and value not in {b["spread"][i] for b in before}:
            phrase = _SPREAD_PHRASES.get(col, _SPREAD_PHRASE)
            new.append(phrase.format(value=value, column=col, article=article(value)))
    return "; ".join(new) if new else "least redundant with the quotes above"


def _reason(c: dict, rank: int, rows: ThemeRows, dec, cols: tuple) -> str:
    if dec is not None and dec["decision"] in ("accept", "replace"):
        verb = "kept" if dec["decision"] == "accept" else "chosen as a replacement"
        return f"{verb} by reviewer {dec['reviewer']} on {dec['date'] or 'an unrecorded date'}" + (f": {dec['note']}" if dec["note"] else "")
    n_people = len({p["participant_id"] for p in rows.viable})
    parts = [f"ranked {rank} of {len(rows.viable)} candidates from {n_people} people tagged '{rows.label}'",
             f"score {c['score']:.2f} = {score_formula(c)}"]
    if rank > 1:
        parts.append(_spread_reason(c, rows.chosen[: rank - 1], cols))
    if c["quote_id"] in rows.notes:
        parts.append(rows.notes[c["quote_id"]])
    if c["withheld"]:
        parts.append(f"attribution withheld: {c['withheld']} (the report suppresses such counts)")
    return "; ".join(parts) + "."


def balance_note(kind: str, quota: int, n: int) -> str:
    """"gives the calls at least 2 of 3 quotes (balance between sources)"."""
    return f"gives {KIND_NAMES.get(kind, f'the {kind} segments')} at least {quota} of {n} quotes (balance between sources)"


def _quote_row(run, rows: ThemeRows, rank: int, c: dict, alts: list[dict], dec, shown_names: dict) -> dict:
    cand_row = run.cand.iloc[c["ci"]]
    seg = run.seg_by_id.loc[c["segment_id"]]
    withheld = bool(c["withheld"])
    row = {
        "theme": rows.theme, "theme_label": rows.label, "rank": rank, "quote_id": c["quote_id"], "quote": c["quote"],
        "attribution": withheld_label(c["kind"]) if withheld else c["attribution"], "doc_id": row_value(seg, "doc_id"),
        "source_display": shown_name(seg, shown_names), "segment_id": c["segment_id"],
        "cell": row_value(seg, "cell"), "kind": c["kind"], "participant_id": c["participant_id"],
        "trust_type": "" if withheld else c["trust_type"], "region": "" if withheld else c["region"],
        "topic": c["topic"], "start": int(cand_row["start"]), "end": int(cand_row["end"]), "edits": cand_row["edits"],
        "false_starts": row_value(cand_row, "false_starts"), "theme_score": round(c["theme_score"], 4),
        "representativeness": round(c["representativeness"], 4), "specificity": round(c["specificity"], 4),
        "voice": round(c["voice"], 4), "score": round(c["score"], 4),
        "alternatives": json.dumps([_alternative_json(a, c, rows) for a in alts], ensure_ascii=False),
        "reason": _reason(c, rank, rows, dec, run.spread_cols),
        "attribution_withheld": c["withheld"],
        "decision": dec["decision"] if dec is not None else "",
        "reviewer": dec["reviewer"] if dec is not None else "",
        "decided_on": dec["date"] if dec is not None else "",
        "decision_note": dec["note"] if dec is not None else "",
        "decision_effect": rows.effects.get(c["quote_id"], ""),
    }
    row.update({col: "" if withheld else c["spread"][run.spread_cols.index(col)] for col in run.extra_cols})
    return row


def theme_rows(run, rows: ThemeRows, shown_names: dict) -> list[dict]:
    """The rows of the quotes table for one theme, ranked."""
    out = []
    for rank, c in enumerate(rows.chosen, start=1):
        alts = _alternatives(c, rows, run.cfg)
        out.append(_quote_row(run, rows, rank, c, alts, rows.decided.get(c["quote_id"]), shown_names))
    return out


def quotes_frame(rows: list[dict], extra_cols) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=QUOTE_COLUMNS + list(extra_cols))
