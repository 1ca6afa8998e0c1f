"""Theme prevalence counted in people, not segments, with intervals and suppression.

A participant who raises a theme in five turns counts once: reports say "how many trust leaders
raised X", so the unit is the person (``participant_id``), and interviewers never count. Cells
based on few people are suppressed by default, as NHS statistical publications do, because a
small count beside a trust type and region can identify someone. Given the classifier's error
rates, the shares correct for its errors (:mod:`insightkit.report.adjusted`); without them they are
the shares tagged, with Wilson intervals.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

import pandas as pd

from insightkit.errors import InputError, ParameterError
import numpy as np

from insightkit.report.adjusted import CORRECTED_METHODS as _ACC_METHODS
from insightkit.report.adjusted import estimate_share, wilson_interval
from insightkit.report.calibrated import METHOD_CALIBRATED, METHOD_CALIBRATED_PEOPLE, calibrators

from insightkit.segments import is_missing
from insightkit.segments import theme_ids as segment_theme_ids

#: the methods that correct the tagged share (the others report it as tagged)
CORRECTED_METHODS = (*_ACC_METHODS, METHOD_CALIBRATED, METHOD_CALIBRATED_PEOPLE)

__all__ = ["wilson_interval", "theme_prevalence", "likert_summary", "theme_ids_of", "SUPPRESSED", "likert_columns",
           "pivot_display", "prevalence_table", "method_note", "is_corrected", "readable_overall", "readable_pivot", "readable_likert"]

SUPPRESSED = "*"


def _percent(k: int, n: int) -> float:
    """``k / n`` in percent, scaled as the Wilson bounds are (``100 * (k / n)``, not ``100 * k / n``,
    which can round the other way and put the estimate outside its interval)."""
    return 100.0 * (k / n) if n else math.nan


def theme_ids_of(tagged: pd.DataFrame) -> list[str]:
    """Theme ids from ``theme_<id>`` columns, in column order (:func:`insightkit.segments.theme_ids`)."""
    return segment_theme_ids(tagged)


def _people(tagged: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    if unit is not None and unit not in tagged.columns:
        raise InputError(None, f"the table has no '{unit}' column to count people by")
    people = tagged
    if "role" in people.columns:
        people = people[people["role"].fillna("") != "interviewer"]
    return people


def _display(k, n, pct, suppressed: bool, corrected: bool = False, lo: float = math.nan, hi: float = math.nan) -> str:
    if suppressed:
        return SUPPRESSED
    if corrected:
        return f"{pct:.0f}% ({lo:.0f}-{hi:.0f}%)"
    return f"{int(k)} of {int(n)} ({pct:.0f}%)"


def _theme_counts(error_rates: Mapping | None) -> Mapping:
    """Per-theme counts from ``error_rates``: given per theme, or a model's whole entry (its "default")."""
    if not error_rates:
        return {}
    if "method" in error_rates:
        return error_rates.get("default") or {}
    return error_rates


def theme_prevalence(
    tagged: pd.DataFrame,
    by: Sequence[str] | str | None = ("trust_type",),
    *,
    themes: Iterable[str] | None = None,
    unit: str | None = "participant_id",
    min_count: int = 5,
    suppress: bool = True,
    level: float = 0.95,
    include_total: bool = True,
    error_rates: Mapping | None = None,
    seed: int = 0,
    calibration: Mapping | None = None,
) -> pd.DataFrame:
    """People who raised each theme, by group: counts, shares and intervals.

    Returns one row per group and theme with ``n_people`` (people in the group), ``n_raised``
    (people with at least one segment tagged with the theme), ``percent``, ``ci_low``, ``ci_high``
    (percent), ``estimate`` and ``tagged_share`` (proportions), ``method``, ``suppressed`` and
    ``display``. ``unit`` names the column that identifies a person; None counts segments.

    Without ``error_rates`` the share is the share tagged, with a Wilson interval. With them (per
    theme ``{"tp", "fn", "fp", "tn"}`` counts: ``rates_at_speed(model.error_rates_, model.speed)``,
    or a model's whole ``error_rates_``, whose "default" counts are used) the share corrects for the
    classifier's errors (:mod:`insightkit.report.adjusted`): ``estimate``, ``percent`` and ``ci_*``
    are then the corrected share and its bootstrap interval (seeded by ``seed``), ``tagged_share``
    and ``n_raised`` stay what was tagged, ``display`` reads "31% (22-41%)", and ``method`` names
    the method for each theme (a theme without counts, or one the classifier barely separates, is
    left uncorrected and says so).

    With ``calibration`` (per theme ``{"scores", "labels"}``: the out-of-fold scores a model folder
    keeps, ``calibration_at_speed(model.error_rates_, speed)``; a model's whole ``error_rates_`` brings
    its "default" ones) and ``score_<theme>`` columns in the table, the estimate averages calibrated
    probabilities instead (:mod:`insightkit.report.calibrated`), which the report prefers.

    With ``suppress`` (the default) a cell is suppressed when its group has fewer than ``min_count``
    people or when between 1 and ``min_count - 1`` people are tagged with the theme: its numbers
    become NaN and ``display`` shows "*". ``include_total`` adds an "All" group.
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
    key = unit if unit is not None else "_row"
    flags = pd.DataFrame({key: people[unit] if unit is not None else range(len(people))}, index=people.index)
    for c in by:
        flags[c] = people[c]
    flags["_segments"] = 1
    for t in theme_list:
        flags[t] = pd.to_numeric(people[f"theme_{t}"], errors="coerce").fillna(0).astype(int).clip(0, 1)
    # one row per person (and group: a person belongs to one group, the first seen)
    agg: dict = {f"_n_{t}": (t, "sum") for t in theme_list}
    agg.update({f"_n_{t}": (t, "sum") for t in theme_list})
    agg.update({c: (c, "first") for c in by})
    agg["_segments"] = ("_segments", "sum")
    agg.update({t: (t, "max") for t in theme_list})
    per_person = flags.groupby(key, sort=True).agg(**agg).reset_index()
    counts = _theme_counts(error_rates)
    if calibration is None and error_rates and "method" in error_rates:
        calibration = (error_rates.get("calibration") or {}).get("default")
    cals = {t: c for t, c in calibrators(calibration, seed=seed).items()
            if t in theme_list and f"score_{t}" in people.columns}
    seg_keys = flags[key].to_numpy()
    seg_scores = {t: pd.to_numeric(people[f"score_{t}"], errors="coerce").fillna(0.0).clip(0, 1).to_numpy()
                  for t in cals}

    groups: list[tuple[dict, pd.DataFrame]] = []
    if by:
        for gkey, sub in per_person.groupby(by, sort=True, dropna=False):
            gkey = gkey if isinstance(gkey, tuple) else (gkey,)
            groups.append(({c: ("" if is_missing(v) else v) for c, v in zip(by, gkey)}, sub))
    if include_total or not by:
        groups.append(({c: "All" for c in by}, per_person))

    rows = []
    for labels, sub in groups:
        n = int(len(sub))
        if cals:
            codes = {v: i for i, v in enumerate(sub[key].tolist())}
            in_group = np.fromiter((v in codes for v in seg_keys), bool, len(seg_keys))
            owners = np.fromiter((codes[v] for v in seg_keys[in_group]), int, int(in_group.sum()))
        for t in theme_list:
            k = int(sub[t].sum())
            if t in cals and n:
                est = cals[t].share(seg_scores[t][in_group], owners if unit is not None else None, level=level,
                                    seed=seed, tagged_share=k / n)
            else:
                est = estimate_share(k, n, counts.get(t), segments=sub["_segments"].to_numpy(),
                                     tagged_segments=int(sub[f"_n_{t}"].sum()), level=level, seed=seed)
            corrected = est.method in CORRECTED_METHODS
            pct = 100 * est.estimate if corrected else _percent(k, n)
            small = suppress and (n < min_count or 0 < k < min_count)
            rows.append({
                **labels,
                "theme": t,
                "n_people": n if not (suppress and n < min_count) else math.nan,
                "n_raised": math.nan if small else k,
                "percent": math.nan if small else pct,
                "ci_low": math.nan if small else 100 * est.ci_low,
                "ci_high": math.nan if small else 100 * est.ci_high,
                "estimate": math.nan if small else est.estimate,
                "tagged_share": math.nan if small else est.tagged_share,
                "method": est.method,
                "suppressed": bool(small),
                "display": _display(k, n, pct, small, corrected, 100 * est.ci_low, 100 * est.ci_high),
            })
    return pd.DataFrame(rows, columns=[*by, "theme", "n_people", "n_raised", "percent", "ci_low", "ci_high",
                                       "estimate", "tagged_share", "method", "suppressed", "display"])


UNITS = ("person", "segment")
#: the columns of :func:`prevalence_table` after the ``by`` columns
TABLE_COLUMNS = ["theme", "n", "estimate", "ci_low", "ci_high", "tagged_share", "method", "suppressed"]


def prevalence_table(
    tagged: pd.DataFrame,
    by: Sequence[str] | str | None = None,
    *,
    unit: str | None = None,
    error_rates: Mapping | None = None,
    min_count: int = 5,
    suppress: bool = True,
    level: float = 0.95,
    seed: int = 0,
    calibration: Mapping | None = None,
) -> pd.DataFrame:
    """Each theme's share, overall and by group, in proportions: what ``insightkit prevalence`` writes.

    Columns: the ``by`` columns (an "All" row set after the groups), then ``theme``, ``n`` (people or
    segments in the group), ``estimate``, ``ci_low``, ``ci_high``, ``tagged_share``, ``method`` and
    ``suppressed``. ``unit`` is "person" (a person counts once, tagged when any of their segments is)
    or "segment"; None: "person" when the table has a ``participant_id`` column with a value in it,
    else "segment" (a segment without a participant id then counts as a person of its own).
    Interviewers never count. ``error_rates`` and the rest are those of :func:`theme_prevalence`,
    whose numbers these are.
    """
    has_people = "participant_id" in tagged.columns and not tagged["participant_id"].map(is_missing).all()
    unit = unit or ("person" if has_people else "segment")
    if unit not in UNITS:
        raise ParameterError(f"unit must be one of {', '.join(UNITS)}; got {unit!r}")
    if unit == "person" and not has_people:
        raise InputError(None, "no participant_id values to count people by: use the segment unit")
    table = tagged
    if unit == "person":
        ids = tagged["participant_id"]
        blank = ids.map(is_missing)
        table = tagged.assign(participant_id=ids.astype("string").where(~blank, "\x00row" + pd.Series(
            range(len(tagged)), index=tagged.index).astype("string")))
    by = [by] if isinstance(by, str) else list(by or [])
    prev = theme_prevalence(table, by=by, unit="participant_id" if unit == "person" else None, min_count=min_count,
                            suppress=suppress, level=level, include_total=True, error_rates=error_rates, seed=seed,
                            calibration=calibration)
    out = prev.rename(columns={"n_people": "n"})
    out["ci_low"] = out["ci_low"] / 100
    out["ci_high"] = out["ci_high"] / 100
    return out[[*by, *TABLE_COLUMNS]]


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


def method_note(prev: pd.DataFrame) -> str:
    """How a prevalence table's shares were estimated, in one sentence for a report: its ``method``,
    or each method with the themes it applies to when they differ."""
    if "method" not in prev.columns or not len(prev):
        return ""
    by_method: dict[str, list[str]] = {}
    for m, t in zip(prev["method"], prev["theme"]):
        themes = by_method.setdefault(str(m), [])
        if t not in themes:
            themes.append(str(t))
    if len(by_method) == 1:
        return f"Method: {next(iter(by_method))}."
    return "Method: " + "; ".join(f"{m} ({', '.join(ts)})" for m, ts in by_method.items()) + "."


def is_corrected(prev: pd.DataFrame) -> bool:
    """Whether any share in a prevalence table is corrected for the classifier's errors."""
    return "method" in prev.columns and bool(prev["method"].isin(CORRECTED_METHODS).any())


def pivot_display(prev: pd.DataFrame, by: str) -> pd.DataFrame:
    """A prevalence table by ``by`` as shown in the reports: one row per theme, one column per group."""
    p = prev.pivot_table(index="theme", columns=by, values="display", aggfunc="first")
    p = p.reindex(list(dict.fromkeys(prev["theme"])))
    cols = [c for c in p.columns if c != "All"] + (["All"] if "All" in p.columns else [])
    return p[cols].reset_index()


def _label(labels: Mapping[str, str] | None, theme) -> str:
    return str((labels or {}).get(theme, theme))


def _count(v, suppressed: bool) -> str:
    if suppressed:
        return SUPPRESSED
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return f"{int(v):,}"


def readable_overall(prev: pd.DataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The overall prevalence table as a reader sees it: the codebook's labels, plain headings, whole
    numbers, and ``*`` wherever a cell is suppressed (the same in HTML, Markdown and the figures)."""
    rows = []
    for _, r in prev.iterrows():
        small = bool(r.get("suppressed", False))
        rows.append({"Theme": _label(labels, r["theme"]), "People": _count(r.get("n_people"), False),
                     "Tagged with the theme": _count(r.get("n_raised"), small),
                     "Share (95% interval)": SUPPRESSED if small else str(r.get("display", ""))})
    return pd.DataFrame(rows, columns=["Theme", "People", "Tagged with the theme", "Share (95% interval)"])


def readable_pivot(prev: pd.DataFrame, by: str, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A prevalence table by ``by`` as a reader sees it: themes by label, one column per group with the
    number of people it rests on in its heading ("Ambulance (n=16)")."""
    p = pivot_display(prev, by)
    n_by = {g: n for g, n in zip(prev[by], prev["n_people"])} if "n_people" in prev.columns else {}
    rename = {}
    for c in p.columns:
        if c == "theme":
            continue
        n = n_by.get(c)
        rename[c] = f"{c} (n={int(n)})" if n is not None and not pd.isna(n) else str(c)
    p = p.rename(columns=rename)
    p["theme"] = [_label(labels, t) for t in p["theme"]]
    return p.rename(columns={"theme": "Theme"}).fillna(SUPPRESSED)


def readable_likert(tab: pd.DataFrame) -> pd.DataFrame:
    """A Likert agreement table as a reader sees it: plain headings, "62% (45-77%)" cells, and ``*``
    (not a blank) wherever a group is suppressed."""
    rows = []
    group_col = next((c for c in tab.columns if c not in ("n", "agree_percent", "agree_ci_low", "agree_ci_high",
                                                         "disagree_percent", "suppressed")
                      and not str(c).startswith(("agree", "disagree", "neutral"))), None)
    for _, r in tab.iterrows():
        small = bool(r.get("suppressed", False))

        def pct(v, lo=None, hi=None):
            if small:
                return SUPPRESSED
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return ""
            if lo is not None and hi is not None and not (pd.isna(lo) or pd.isna(hi)):
                return f"{v:.0f}% ({lo:.0f}-{hi:.0f}%)"
            return f"{v:.0f}%"

        row = {}
        if group_col is not None:
            row["Group"] = str(r.get(group_col, ""))
        row["People"] = _count(r.get("n"), False)
        row["Agree (95% interval)"] = pct(r.get("agree_percent"), r.get("agree_ci_low"), r.get("agree_ci_high"))
        if "disagree_percent" in tab.columns:
            row["Disagree"] = pct(r.get("disagree_percent"))
        rows.append(row)
    return pd.DataFrame(rows)
