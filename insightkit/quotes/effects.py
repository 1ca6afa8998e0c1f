"""What a reviewer's decision caused beyond the quote it names, said out loud.

A decision can change more than its own quote: a replacement by someone already quoted in the
theme drops that person's other quote (one quote per person per theme); a rejected passage keeps
every overlapping window out of every theme; a window kept by a decision takes its passage from
another theme. :func:`decision_effects` compares the quotes chosen with the decisions against
those chosen without them and explains each quote that went or came without a decision naming it.
Each effect is a row of ``QuoteSelection.effects`` (:data:`~insightkit.quotes.config.EFFECT_COLUMNS`),
a note in ``messages``, a ``decision_effect`` on the quotes concerned and an ``effect`` on the
decision that caused it, and is shown on the audit page.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from insightkit.quotes.candidates import overlap
from insightkit.quotes.config import EFFECT_COLUMNS

__all__ = ["decision_effects", "decision_name"]


def decision_name(d) -> str:
    """``"replace of X by A. Reviewer (theme epr)"``: a decision as the effects name it."""
    return f"{d['decision']} of {d['quote_id']} by {d['reviewer']} (theme {d['theme']})"


def _why_dropped(q: dict, t: str, decs: Mapping, chosen: Mapping[str, list[dict]]) -> tuple[str, object]:
    """Why baseline quote ``q`` of theme ``t`` is no longer chosen: (text, the decision or None)."""
    dec = decs[t]
    hit = dec.rejecting(q)
    if hit is not None:
        d, foreign = hit
        if foreign:
            return (f"its passage overlaps {d['quote_id']}, rejected by {d['reviewer']} under theme {d['theme']}: a "
                    "rejected passage stays out of every theme", d)
        return f"it overlaps {d['quote_id']}, {d['decision']}ed by {d['reviewer']}: the decision covers the passage", d
    for c in chosen[t]:
        if not c["pinned"]:
            continue
        d = dec.decided.get(c["quote_id"])
        if c["participant_id"] == q["participant_id"]:
            what = "the replacement" if d is not None and d["decision"] == "replace" else "the accepted quote"
            return (f"same person as {what} {c['quote_id']}: one quote per person per theme", d)
        if overlap(c, q):
            return f"it overlaps {c['quote_id']}, kept by a decision", d
    for t2, cs in chosen.items():
        for c in cs:
            if t2 != t and c["pinned"] and overlap(c, q):
                return (f"its passage is kept under theme {t2} by a decision on {c['quote_id']}",
                        decs[t2].decided.get(c["quote_id"]))
    return "no longer chosen once the decisions changed the quotes around it (spread and redundancy rules)", None


def decision_effects(base: Mapping[str, list[dict]], chosen: Mapping[str, list[dict]], decs: Mapping,
                     theme_list: list[str]) -> pd.DataFrame:
    """One row per quote that went or came because of a decision that does not name it."""
    rows: list[dict] = []
    for t in theme_list:
        dec = decs[t]
        named = set(dec.decided) | dec.rejected_ids
        now = {c["quote_id"] for c in chosen[t]}
        before = {c["quote_id"] for c in base[t]}
        dropped = [q for q in base[t] if q["quote_id"] not in now and q["quote_id"] not in named]
        for q in dropped:
            why, d = _why_dropped(q, t, decs, chosen)
            rows.append({"theme": t, "quote_id": q["quote_id"], "effect": "dropped",
                         "caused_by": decision_name(d) if d is not None else "the decisions together",
                         "detail": why})
        gone = ", ".join(q["quote_id"] for q in dropped) or "a quote a decision removed"
        for c in chosen[t]:
            if c["quote_id"] not in before and not c["pinned"] and c["quote_id"] not in named:
                rows.append({"theme": t, "quote_id": c["quote_id"], "effect": "added", "caused_by": "",
                             "detail": f"chosen in place of {gone}"})
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)
