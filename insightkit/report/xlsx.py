"""The workbook report (report.xlsx): one sheet per table, file names shown redacted.

Formatted as an analyst expects: a first sheet, ``about``, says what each sheet holds and what its
less obvious columns mean; every table sheet has its header row frozen, filters on, and columns as
wide as their content (long text wrapped).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["write_xlsx", "shown_sources"]


def shown_sources(df: pd.DataFrame, *tables: pd.DataFrame) -> pd.DataFrame:
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


#: what each sheet holds (the about sheet)
SHEET_NOTES = {
    "segments": "every segment (turn or answer) with its speaker, attributes, source offsets and themes "
                "(theme_* 1/0, score_* the classifier's score)",
    "themes": "the codebook: theme ids, labels and descriptions",
    "prevalence": "theme prevalence by grouping (overall, trust type, region, ...): counts, the estimate "
                  "with its 95% interval; suppressed cells are blank with suppressed = True",
    "quotes": "the chosen quotes per theme with their attribution, source span and why they were chosen; "
              "decision says which a reviewer accepted or chose (see audit.html)",
    "topics": "emergent topics and sub-topics: label, size, keywords",
    "rejected": "every input row or turn set aside, with the reason and the user's own id",
}
#: the less obvious columns, explained on the about sheet
COLUMN_NOTES = {
    "n": "people (or segments) in the group",
    "n_people": "people in the group",
    "estimate": "the prevalence estimate (a proportion, corrected for the classifier's known error rates "
                "when the model records them; see method)",
    "ci_low": "lower end of the 95% interval of the estimate",
    "ci_high": "upper end of the 95% interval of the estimate",
    "tagged_share": "the raw share of people or segments the classifier tagged",
    "suppressed": "True where the group is too small to report (fewer than the minimum count)",
    "method": "how the estimate was made",
    "doc_id": "the document id: the shown (redacted) file name and a hash of the file's bytes",
    "start": "character offset of the segment in its source file (end: where it ends)",
    "reason": "why a row was set aside",
}
_MIN_WIDTH, _MAX_WIDTH, _WRAP_WIDTH = 8, 60, 80


def _about(names: list[str], tables: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    rows = []
    for name, (key, df) in zip(names, tables):
        note = SHEET_NOTES.get(key) or (f"answers to the Likert question {key[len('likert_'):]!r}: counts per answer"
                                        if key.startswith("likert_") else "")
        rows.append({"sheet": name, "holds": note, "rows": len(df)})
    cols = sorted({c for _, df in tables for c in df.columns if c in COLUMN_NOTES})
    rows.append({"sheet": "", "holds": "", "rows": None})
    rows += [{"sheet": f"column {c}", "holds": COLUMN_NOTES[c], "rows": None} for c in cols]
    return pd.DataFrame(rows, columns=["sheet", "holds", "rows"])


def _format_sheet(ws, df: pd.DataFrame) -> None:
    """Freeze the header row, turn filters on, size the columns to their content."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    if ws.max_row >= 1 and ws.max_column >= 1:
        ws.auto_filter.ref = ws.dimensions
    for j, col in enumerate(df.columns, start=1):
        values = df[col].head(500).map(lambda v: "" if v is None else str(v))
        longest = max([len(str(col)) + 2, *(len(v) for v in values)] or [_MIN_WIDTH])
        letter = get_column_letter(j)
        if longest > _MAX_WIDTH:
            ws.column_dimensions[letter].width = _WRAP_WIDTH if longest > _WRAP_WIDTH else _MAX_WIDTH
            for cell in ws[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            ws.column_dimensions[letter].width = max(_MIN_WIDTH, longest + 1)


def write_xlsx(path, tagged, rejected, prevalence, quotes, topics_table, likert, cb):
    from insightkit.export import sheet_names, xlsx_safe

    # file names can name people: every sheet shows the redacted file name (the hash in doc_id traces it)
    tagged = shown_sources(tagged)
    quotes = shown_sources(quotes, tagged)
    rejected = shown_sources(rejected, tagged)
    sheets = {
        "segments": tagged.drop(columns=[c for c in ("edits",) if c in tagged.columns]),
        "themes": pd.DataFrame([{"id": t.id, "label": t.label, "description": t.description} for t in cb.themes]),
        "prevalence": pd.concat([p.assign(grouping=k) for k, p in prevalence.items()], ignore_index=True),
        "quotes": quotes,
        "topics": topics_table if topics_table is not None else pd.DataFrame({"note": ["topic modelling did not run"]}),
        "rejected": rejected,
    }
    tables = list(sheets.items()) + [(f"likert_{col}", tab) for col, tab in likert.items()]
    names = sheet_names(["about", *(n for n, _ in tables)])
    about = _about(names[1:], tables)
    tmp = path.with_name(path.name + ".tmp.xlsx")
    with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        for name, df in zip(names, [about, *(df for _, df in tables)]):
            safe = xlsx_safe(df, shorten=True)
            safe.to_excel(xw, sheet_name=name, index=False)
            _format_sheet(xw.sheets[name], safe)
    tmp.replace(path)
