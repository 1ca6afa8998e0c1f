"""The workbook report (report.xlsx): one sheet per table, file names shown redacted."""

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
    tmp = path.with_name(path.name + ".tmp.xlsx")
    with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        for name, (_, df) in zip(sheet_names(n for n, _ in tables), tables):
            xlsx_safe(df, shorten=True).to_excel(xw, sheet_name=name, index=False)
    tmp.replace(path)
