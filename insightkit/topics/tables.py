"""Topic tables by group: segments per topic and value of a column, and per period over time."""

from __future__ import annotations

import pandas as pd

__all__ = ["topics_by", "topics_over_time", "TIME_COLUMNS", "find_time_column"]

#: Columns looked for, in this order, when ``time_column="auto"``.
TIME_COLUMNS = ("wave", "survey_wave", "period", "date", "interview_date", "survey_date", "month", "quarter", "year")


def topics_by(segments: pd.DataFrame, column: str, *, topic_column: str = "topic",
              label_column: str = "topic_label") -> pd.DataFrame:
    """Segments per topic (rows) and value of ``column`` (columns), modelled segments only."""
    df = segments[segments[topic_column].notna()]
    values = df[column].astype("string").fillna("(missing)").replace("", "(missing)")
    table = pd.crosstab([df[topic_column].astype(int), df[label_column]], values)
    table.columns = [str(c) for c in table.columns]
    table = table.reset_index().rename(columns={topic_column: "topic", label_column: "label"})
    table.columns.name = None
    return table


def _periods(values: pd.Series, freq: str | None) -> tuple[pd.Series, str]:
    """Period of each row: month/quarter of a date column, or the raw value of a wave column."""
    text = values.astype("string").str.strip()
    numeric = pd.to_numeric(text, errors="coerce")
    looks_numeric = numeric.notna().mean() > 0.9 if len(text) else False
    if not looks_numeric:
        # ISO dates (2021-09-02) are year-month-day; anything else is UK style, day first (30/09/2021)
        iso = text.str.match(r"^\d{4}-\d{1,2}-\d{1,2}").fillna(False).astype(bool)
        dates = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        if iso.any():
            dates[iso] = pd.to_datetime(text[iso].str.slice(0, 10), errors="coerce", format="%Y-%m-%d")
        if (~iso).any():
            dates[~iso] = pd.to_datetime(text[~iso], errors="coerce", dayfirst=True, format="mixed")
        if len(text) and dates.notna().mean() > 0.9:
            span_days = (dates.max() - dates.min()).days if dates.notna().any() else 0
            f = freq or ("M" if span_days <= 2 * 366 else "Q")
            return dates.dt.to_period(f).astype("string").fillna("(missing)"), f
    return text.fillna("(missing)").replace("", "(missing)"), "value"


def topics_over_time(segments: pd.DataFrame, column: str, *, freq: str | None = None,
                     topic_column: str = "topic", label_column: str = "topic_label") -> pd.DataFrame:
    """Segments per topic (rows) and period (columns, in time order)."""
    df = segments[segments[topic_column].notna()]
    periods, _ = _periods(df[column], freq)
    table = pd.crosstab([df[topic_column].astype(int), df[label_column]], periods)
    table = table[sorted(table.columns, key=lambda v: (str(v) == "(missing)", _sort_key(v)))]
    table.columns = [str(c) for c in table.columns]
    table = table.reset_index().rename(columns={topic_column: "topic", label_column: "label"})
    table.columns.name = None
    return table


def _sort_key(v):
    try:
        return (0, float(v), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(v))


def find_time_column(columns) -> str | None:
    """The first of :data:`TIME_COLUMNS` among ``columns`` (any case), or None."""
    lower = {str(c).lower(): c for c in columns}
    return next((lower[c] for c in TIME_COLUMNS if c in lower), None)
