"""Theme prevalence counted in people, not segments, with Wilson intervals and suppression.

A participant who raises a theme in five turns counts once: reports say "how many trust leaders
raised X", so the unit is the person (``participant_id``), and interviewers never count. Cells
based on few people are suppressed by default, as NHS statistical publications do, because a
small count beside a trust type and region can identify someone.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import pandas as pd

from insightkit.errors import InputError, ParameterError
from insightkit.segments import is_missing
from insightkit.segments import theme_ids as segment_theme_ids

__all__ = ["wilson_interval", "theme_prevalence", "likert_summary", "theme_ids_of", "SUPPRESSED", "likert_columns",
           "pivot_display"]

SUPPRESSED = "*"


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n (proportions in [0, 1]), from SciPy's
    ``binomtest(k, n).proportion_ci(level, method="wilson")``.

    The interval always contains the estimate ``k / n``: with k = 0 the lower bound is exactly 0 and
    with k = n the upper bound is exactly 1 (the closed form leaves a rounding residue such as 5.6e-17
    there, which put the bound on the wrong side of the estimate and made error bars negative).
    Scaling all three by the same positive factor (``100 * (k / n)`` for percent) keeps the order.
    """
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= k <= n:
        raise ParameterError(f"k must be between 0 and n={n}; got {k}")
    from scipy.stats import binomtest

    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    p = k / n
    lo = 0.0 if k == 0 else min(p, max(0.0, float(ci.low)))
    hi = 1.0 if k == n else max(p, min(1.0, float(ci.high)))
    return (lo, hi)


def _percent(k: int, n: int) -> float:
    """``k / n`` in percent, scaled as the Wilson bounds are (``100 * (k / n)``, not ``100 * k / n``,
    which can round the other way and put the estimate outside its interval)."""
    return 100.0 * (k / n) if n else math.nan


def theme_ids_of(tagged: pd.DataFrame) -> list[str]:
    """Theme ids from ``theme_<id>`` columns, in column order (:func:`insightkit.segments.theme_ids`)."""
    return segment_theme_ids(tagged)


def _people(tagged: pd.DataFrame, unit: str) -> pd.DataFrame:
    if unit not in tagged.columns:
        raise InputError(None, f"the table has no '{unit}' column to count people by")
    people = tagged
    if "role" in people.columns:
        people = people[people["role"].fillna("") != "interviewer"]
    return people


def _display(k, n, pct, suppressed: bool) -> str:
    if suppressed:
        return SUPPRESSED
    return f"{int(k)} of {int(n)} ({pct:.0f}%)"


def theme_prevalence(
    tagged: pd.DataFrame,
    by: Sequence[str] | str | None = ("trust_type",),
    *,
    themes: Iterable[str] | None = None,
    unit: str = "participant_id",
    min_count: int = 5,
    suppress: bool = True,
    level: float = 0.95,
    include_total: bool = True,
) -> pd.DataFrame:
    """People who raised each theme, by group: counts, percentages and Wilson intervals.

    Returns one row per group and theme with ``n_people`` (people in the group), ``n_raised``
    (people with at least one segment tagged with the theme), ``percent``, ``ci_low``, ``ci_high``
    (percent), ``suppressed`` and ``display``. With ``suppress`` (the default) a cell is suppressed
    when its group has fewer than ``min_count`` people or when between 1 and ``min_count - 1``
    people raised the theme: its numbers become NaN and ``display`` shows "*". ``include_total``
    adds an "All" group.
    """
    if isinstance(by, str):
        by = [by]
    by = list(by or [])
    missing = [c for c in by if c not in tagged.columns]
    if missing:
        raise InputError(None, f"cannot group by missing column(s): {', '.join(missing)}")
    theme_list = list(themes) if themes is not None else theme_ids_of(tagged)
    if not theme_list:
        raise InputError(None, "the table has no theme_<id> columns: tag it first")
    absent = [t for t in theme_list if f"theme_{t}" not in tagged.columns]
    if absent:
        raise InputError(None, f"no theme column(s) for: {', '.join(absent)}")
    people = _people(tagged, unit)
    flags = people[[unit, *by]].copy()
    for t in theme_list:
        flags[t] = pd.to_numeric(people[f"theme_{t}"], errors="coerce").fillna(0).astype(int)
    # one row per person (and group: a person belongs to one group, the first seen)
    agg = {t: "max" for t in theme_list}
    agg.update({c: "first" for c in by})
    per_person = flags.groupby(unit, sort=True).agg(agg).reset_index()

    groups: list[tuple[dict, pd.DataFrame]] = []
    if by:
        for key, sub in per_person.groupby(by, sort=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            groups.append(({c: ("" if is_missing(v) else v) for c, v in zip(by, key)}, sub))
    if include_total or not by:
        groups.append(({c: "All" for c in by}, per_person))

    rows = []
    for labels, sub in groups:
        n = int(len(sub))
        for t in theme_list:
            k = int(sub[t].sum())
            lo, hi = wilson_interval(k, n, level)
            pct = _percent(k, n)
            small = suppress and (n < min_count or 0 < k < min_count)
            rows.append({
                **labels,
                "theme": t,
                "n_people": n if not (suppress and n < min_count) else math.nan,
                "n_raised": math.nan if small else k,
                "percent": math.nan if small else pct,
                "ci_low": math.nan if small else 100 * lo,
                "ci_high": math.nan if small else 100 * hi,
                "suppressed": bool(small),
                "display": _display(k, n, pct, small),
            })
    return pd.DataFrame(rows, columns=[*by, "theme", "n_people", "n_raised", "percent", "ci_low", "ci_high", "suppressed", "display"])


LIKERT_ORDER = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"]


def likert_summary(
    responses: pd.DataFrame,
    column: str,
    by: Sequence[str] | str | None = ("trust_type",),
    *,
    unit: str | None = None,
    agree: Sequence[str] = ("Strongly agree", "Agree"),
    disagree: Sequence[str] = ("Disagree", "Strongly disagree"),
    order: Sequence[str] = LIKERT_ORDER,
    min_count: int = 5,
    suppress: bool = True,
    level: float = 0.95,
    include_total: bool = True,
) -> pd.DataFrame:
    """Share agreeing / disagreeing with a Likert statement, by group, one row per respondent.

    ``responses`` is respondent-level (a survey export) or a segment table (then ``unit``, by
    default ``participant_id`` when present, de-duplicates respondents). Blank answers are left
    out of the denominator and counted in ``n_blank``.
    """
    if isinstance(by, str):
        by = [by]
    by = list(by or [])
    for c in [column, *by]:
        if c not in responses.columns:
            raise InputError(None, f"no column '{c}' for the Likert summary (columns: {', '.join(map(str, responses.columns))})")
    df = responses
    if unit is None and "participant_id" in df.columns:
        unit = "participant_id"
    if unit:
        df = df.drop_duplicates(subset=[unit])
    answers = df[column].astype("string").str.strip()
    canon = {o.lower(): o for o in order}
    norm = answers.str.lower().map(canon)
    work = df[by].copy() if by else pd.DataFrame(index=df.index)
    work["_answer"] = norm
    groups = []
    if by:
        for key, sub in work.groupby(by, sort=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            groups.append((dict(zip(by, key)), sub))
    if include_total or not by:
        groups.append(({c: "All" for c in by}, work))
    rows = []
    for labels, sub in groups:
        valid = sub["_answer"].dropna()
        n = int(len(valid))
        row = {**labels, "n": n, "n_blank": int(sub["_answer"].isna().sum())}
        small = suppress and n < min_count
        for o in order:
            row[o] = math.nan if small else int((valid == o).sum())
        for name, vals in (("agree", agree), ("disagree", disagree)):
            k = int(valid.isin(list(vals)).sum())
            lo, hi = wilson_interval(k, n, level)
            tiny = small or (suppress and 0 < k < min_count)
            row[f"{name}_percent"] = math.nan if tiny else _percent(k, n)
            row[f"{name}_ci_low"] = math.nan if tiny else 100 * lo
            row[f"{name}_ci_high"] = math.nan if tiny else 100 * hi
        row["suppressed"] = bool(small)
        if small:
            row["n"] = math.nan
        rows.append(row)
    return pd.DataFrame(rows)


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


def pivot_display(prev: pd.DataFrame, by: str) -> pd.DataFrame:
    """A prevalence table by ``by`` as shown in the reports: one row per theme, one column per group."""
    p = prev.pivot_table(index="theme", columns=by, values="display", aggfunc="first")
    p = p.reindex(list(dict.fromkeys(prev["theme"])))
    cols = [c for c in p.columns if c != "All"] + (["All"] if "All" in p.columns else [])
    return p[cols].reset_index()
