"""Reviewer decisions (accept / reject / replace a quote): reading, validating, applying per theme.

A decisions file is CSV or YAML with the columns of :data:`DECISION_COLUMNS`. YAML is read with
``yaml.safe_load`` only. Every problem is an :class:`~insightkit.errors.InputError` naming the
file and line. A decision that cannot be applied on a later run is never dropped silently: it
raises a :class:`QuoteDecisionWarning` and is marked in ``selection.decisions['status']``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from insightkit.errors import InputError
from insightkit.quotes.candidates import parse_quote_id
from insightkit.quotes.config import DECISION_COLUMNS

__all__ = ["DECISION_COLUMNS", "QuoteDecisionWarning", "load_decisions", "ThemeDecisions", "theme_decisions",
           "decision_status"]

_DECISIONS = {"accept", "reject", "replace"}
_MAX_DECISIONS_BYTES = 50 * 1024 * 1024
_REQUIRED_DECISION_COLUMNS = ("theme", "quote_id", "decision", "reviewer")


class QuoteDecisionWarning(UserWarning):
    """A reviewer decision that could not be applied as written, so it is never dropped silently.

    :func:`select_quotes` warns when a decision's quote id (or replacement id) names no window of
    the table any more (the source, cleaning or filters changed), names a theme the table does not
    have, or keeps a window that no longer passes the filters; the decision's ``status`` in
    ``selection.decisions`` says which. The CLI prints each as ``warning: decisions file: ...``. To
    stop on one instead: ``warnings.simplefilter("error", insightkit.QuoteDecisionWarning)``.
    """


# --- reading -------------------------------------------------------------------------------------


def _decisions_text(path: Path) -> str:
    from insightkit.io.base import read_file_bytes

    raw = read_file_bytes(path, _MAX_DECISIONS_BYTES, advice="a decisions file is far smaller")  # a regular file
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(path, f"decisions file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                         line=line) from None


def _yaml_items(path: Path, text: str):
    """The parsed YAML list of decisions and the node of that list (for line numbers)."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise InputError(path, f"not valid YAML: {what}", line=mark.line + 1 if mark is not None else None) from None
    node = yaml.compose(text, Loader=yaml.SafeLoader)  # parsed without error above: line of each decision
    if data is None:
        data = []
    if isinstance(data, dict):
        if set(map(str, data)) - {"decisions"}:
            raise InputError(path, "expected a list of decisions or a mapping with only the key 'decisions'; "
                                   f"found key(s) {', '.join(sorted(map(repr, map(str, data))))}")
        data = data.get("decisions") or []
        node = next((v for k, v in node.value if k.value == "decisions"), None)
    if not isinstance(data, list):
        raise InputError(path, f"expected a list of decisions (or a mapping with 'decisions'), got {type(data).__name__}")
    return data, node


def _decisions_yaml(path: Path) -> pd.DataFrame:
    """A YAML list of decisions (or a mapping with ``decisions``), read with ``yaml.safe_load`` only:
    no tag builds a Python object, and a malformed file is an error naming its line."""
    data, node = _yaml_items(path, _decisions_text(path))
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise InputError(path, f"decision {i + 1} is a {type(item).__name__}, not a mapping of "
                                   f"{', '.join(DECISION_COLUMNS)}")
        for k, v in item.items():
            if isinstance(v, (dict, list)):
                raise InputError(path, f"decision {i + 1}: field {k!r} must be a single value, not a {type(v).__name__}")
    rows = [{str(k): ("" if v is None else str(v)) for k, v in item.items()} for item in data]
    columns = list(dict.fromkeys([*DECISION_COLUMNS, *(k for r in rows for k in r)]))
    df = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns, dtype=object)
    items = getattr(node, "value", None)
    if isinstance(items, list) and len(items) == len(rows):
        df.attrs["lines"] = [n.start_mark.line + 1 for n in items]
    return df


def _decisions_csv(path: Path) -> pd.DataFrame:
    import csv
    import io
    import re

    text = _decisions_text(path)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=DECISION_COLUMNS)
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        msg = " ".join(str(exc).split())
        m = re.search(r"line (\d+)", msg) or re.search(r"row (\d+)", msg)  # pandas' rows count the header as 0
        line = None if m is None else int(m.group(1)) + (1 if m.group(0).startswith("row") else 0)
        raise InputError(path, f"cannot read decisions: {msg}", line=line) from None
    return df


def _read_decisions_file(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError(path, "decisions file not found")
    df = _decisions_yaml(path) if path.suffix.lower() in {".yaml", ".yml"} else _decisions_csv(path)
    missing = [c for c in _REQUIRED_DECISION_COLUMNS if c not in df.columns]
    if missing and len(df):
        raise InputError(path, f"no column(s) {', '.join(map(repr, missing))}; a decisions file has "
                               f"{', '.join(DECISION_COLUMNS)} (found: {', '.join(map(str, df.columns)) or 'none'})")
    return df


def _check_decision(r, where: str, line: int) -> str:
    """The decision of row ``r`` in lower case, or an InputError naming what is wrong with it."""
    d = r["decision"].strip().lower()
    if d not in _DECISIONS:
        raise InputError(where, f"decision must be one of accept, reject, replace; got {r['decision']!r}", line=line)
    if not r["quote_id"].strip() or not r["theme"].strip():
        raise InputError(where, "each decision needs a theme and a quote_id", line=line)
    if d == "replace" and not r["replacement_id"].strip():
        raise InputError(where, "a 'replace' decision needs a replacement_id (one of the alternatives)", line=line)
    if not r["reviewer"].strip():
        raise InputError(where, "each decision needs the reviewer's name", line=line)
    return d


def load_decisions(path_or_table) -> pd.DataFrame:
    """Reviewer decisions from CSV, YAML or a DataFrame, validated."""
    if path_or_table is None:
        return pd.DataFrame(columns=DECISION_COLUMNS)
    lines = None
    if isinstance(path_or_table, pd.DataFrame):
        df = path_or_table.copy()
        where = "decisions"
    else:
        path = Path(path_or_table)
        where = str(path)
        df = _read_decisions_file(path)
        lines = df.attrs.get("lines")
    for col in DECISION_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    df = df[DECISION_COLUMNS].fillna("").astype(str)
    for i, r in df.iterrows():
        line = lines[i] if lines is not None and i < len(lines) else i + 2
        df.at[i, "decision"] = _check_decision(r, where, line)
    return df.reset_index(drop=True)


# --- applying ------------------------------------------------------------------------------------


@dataclass
class ThemeDecisions:
    """The decisions on one theme, in the forms selection needs.

    ``foreign_spans``: passages rejected under *other* themes. A rejected passage stays out of
    every theme (a window overlapping it is rejected too), unless a decision on this theme keeps it.
    """

    rejected_rows: list = field(default_factory=list)  # reject and replace decisions
    rejected_ids: set = field(default_factory=set)
    rejected_spans: list = field(default_factory=list)  # ((segment_id, a, b), decision)
    pinned_ids: list = field(default_factory=list)  # accepted windows, then replacements
    decided: dict = field(default_factory=dict)  # quote id (or replacement id) -> decision
    foreign_spans: list = field(default_factory=list)  # ((segment_id, a, b), decision) of other themes

    def rejecting(self, p: dict):
        """``(decision, foreign)`` of the rejection that keeps window ``p`` out, else None."""
        if p["quote_id"] in self.rejected_ids:
            return next(r for r in self.rejected_rows if r["quote_id"] == p["quote_id"]), False
        if p["pinned"]:
            return None
        for spans, foreign in ((self.rejected_spans, False), (self.foreign_spans, True)):
            hit = next((r for (sid, a, b), r in spans if sid == p["segment_id"] and a < p["b"] and p["a"] < b), None)
            if hit is not None:
                return hit, foreign
        return None

    def rejection(self, p: dict, theme: str) -> tuple[str, str]:
        """``(reason, detail)`` when a reviewer's rejection keeps window ``p`` out, else ``("", "")``."""
        found = self.rejecting(p)
        if found is None:
            return "", ""
        r, foreign = found
        if r["quote_id"] == p["quote_id"] and not foreign:
            return "rejected_by_reviewer", f"theme {theme}: {r['decision']}ed by {r['reviewer']}"
        if foreign:
            return "rejected_by_reviewer", (f"theme {theme}: overlaps {r['quote_id']}, rejected by {r['reviewer']} "
                                            f"under theme {r['theme']} (a rejected passage stays out of every theme)")
        return "rejected_by_reviewer", f"theme {theme}: overlaps {r['quote_id']}, {r['decision']}ed by {r['reviewer']}"


def theme_decisions(decisions: pd.DataFrame, theme: str) -> ThemeDecisions:
    """Rejections (this theme's, and passages rejected under any other), pins and the decision
    behind each id, for one theme."""
    dec_t = decisions[decisions["theme"] == theme]
    rejected_rows = [r for _, r in dec_t.iterrows() if r["decision"] in ("reject", "replace")]
    pinned = list(dict.fromkeys(list(dec_t.loc[dec_t["decision"] == "accept", "quote_id"])
                                + list(dec_t.loc[dec_t["decision"] == "replace", "replacement_id"])))
    decided = {r["quote_id"]: r for _, r in dec_t.iterrows()}
    decided.update({r["replacement_id"]: r for _, r in dec_t[dec_t["decision"] == "replace"].iterrows()})
    others = decisions[(decisions["theme"] != theme) & (decisions["decision"] == "reject")]
    return ThemeDecisions(
        rejected_rows=rejected_rows,
        rejected_ids={r["quote_id"] for r in rejected_rows},
        rejected_spans=[(span, r) for r in rejected_rows if (span := parse_quote_id(r["quote_id"])) is not None],
        pinned_ids=pinned,
        decided=decided,
        foreign_spans=[(span, r) for _, r in others.iterrows() if (span := parse_quote_id(r["quote_id"])) is not None],
    )


def decided_segments(decisions: pd.DataFrame) -> set:
    """Segments a decision names (by quote id or replacement id)."""
    out = set()
    for col in ("quote_id", "replacement_id"):
        for qid in decisions[col]:
            parsed = parse_quote_id(qid) if qid else None
            if parsed is not None:
                out.add(parsed[0])
    return out


def _one_status(d, known: set, all_ids, theme_list, chosen_by_theme, rejected: pd.DataFrame) -> tuple[str, str]:
    """``(status, message)`` of one decision; an empty message when nothing needs saying."""
    ids = [d["quote_id"]] + ([d["replacement_id"]] if d["decision"] == "replace" else [])
    missing = [i for i in ids if i not in known]
    if d["theme"] in all_ids and d["theme"] not in theme_list:
        return "not applied: theme not selected this run", ""
    if d["theme"] not in all_ids:
        return "stale: no such theme", f"decision on {d['quote_id']} is for theme '{d['theme']}', which the table does not have"
    if missing:
        what = "no longer names a window of the table (source, cleaning or filters changed?)"
        msg = f"{d['theme']}: {d['decision']} by {d['reviewer']}: {', '.join(missing)} {what}"
        if d["decision"] == "reject" or (d["decision"] == "replace" and d["quote_id"] in missing):
            msg += "; windows overlapping the rejected span stay out where its turn still exists"
        return "stale: " + ", ".join(missing) + " not found", msg
    kept = d["quote_id"] if d["decision"] == "accept" else d["replacement_id"]
    chosen_ids = {c["quote_id"] for c in chosen_by_theme[d["theme"]]} if d["decision"] != "reject" else set()
    if d["decision"] == "reject" or kept in chosen_ids:
        return "applied", ""
    why = rejected.loc[rejected["quote_id"] == kept, "reason"]
    why = ", ".join(dict.fromkeys(why)) or "not a candidate for this theme"
    return f"not applied: {why}", f"{d['theme']}: {d['decision']} by {d['reviewer']}: {kept} could not be kept ({why})"


def decision_status(decisions: pd.DataFrame, known: set, all_ids, theme_list, chosen_by_theme,
                    rejected: pd.DataFrame, messages: list[str]) -> pd.DataFrame:
    """The decisions with a ``status`` column; each one not applied as written is added to
    ``messages`` and raised as a :class:`QuoteDecisionWarning` (loud, never silent)."""
    status = []
    for _, d in decisions.iterrows():
        st, msg = _one_status(d, known, all_ids, theme_list, chosen_by_theme, rejected)
        status.append(st)
        if msg:
            messages.append(msg)
            warnings.warn(msg, QuoteDecisionWarning, stacklevel=3)
    return decisions.assign(status=status)
