"""Figures for reports: heatmap of themes by group, prevalence bars with intervals, topic sizes.

Each function draws from a table the library already produced (so a figure is always a picture of
data a reader can also open) and writes PNG and/or SVG with matplotlib's headless backend.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Iterable, Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["prevalence_heatmap", "prevalence_bars", "topic_sizes", "save_figure", "figure_data_uri", "figure_file_names",
           "report_figures"]


def save_figure(fig, path: str | Path, formats: Iterable[str] = ("png", "svg")) -> list[Path]:
    """Save ``fig`` as ``path`` with each suffix in ``formats``; returns the files written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        target = path.with_suffix(f".{fmt}")
        fig.savefig(target, dpi=150, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
        out.append(target)
    plt.close(fig)
    return out


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
MAX_LABEL = 80


def _plain(text, limit: int | None = MAX_LABEL) -> str:
    """``text`` as matplotlib shows it literally: one line, at most ``limit`` characters, and ``$``
    escaped (an odd ``$`` pair in a label is parsed as mathtext and a malformed one fails the draw)."""
    s = " ".join(_CONTROL.sub(" ", str(text)).split())
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("$", r"\$")


def _labels(theme_labels: Mapping[str, str] | None, ids: list[str]) -> list[str]:
    return [_plain(theme_labels.get(t, t) if theme_labels else t) for t in ids]


def prevalence_heatmap(prevalence: pd.DataFrame, by: str = "trust_type", theme_labels: Mapping[str, str] | None = None,
                       title: str = "Share of people raising each theme"):
    """Themes (rows) by group (columns), percent of people; suppressed cells shown hatched as '*'."""
    prev = prevalence[prevalence[by] != "All"] if "All" in set(prevalence[by]) else prevalence
    themes = list(dict.fromkeys(prev["theme"]))
    groups = list(dict.fromkeys(prev[by]))
    grid = np.full((len(themes), len(groups)), np.nan)
    for _, r in prev.iterrows():
        grid[themes.index(r["theme"]), groups.index(r[by])] = r["percent"]
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(groups), 1.2 + 0.55 * len(themes)))
    masked = np.ma.masked_invalid(grid)
    cmap = plt.get_cmap("Blues").with_extremes(bad="#eeeeee")
    im = ax.imshow(masked, cmap=cmap, vmin=0, vmax=100, aspect="auto")
    for i in range(len(themes)):
        for j in range(len(groups)):
            v = grid[i, j]
            ax.text(j, i, "*" if np.isnan(v) else f"{v:.0f}%", ha="center", va="center",
                    color="white" if (not np.isnan(v) and v > 60) else "black", fontsize=9)
    # each column says how many people it rests on: 88% of 16 is 14 people
    n_by_group = {g: n for g, n in zip(prev[by], prev["n_people"])} if "n_people" in prev.columns else {}
    ticks = [_plain(g) + (f"\n(n={int(n_by_group[g])})" if g in n_by_group and not pd.isna(n_by_group[g]) else "")
             for g in groups]
    ax.set_xticks(range(len(groups)), ticks, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(themes)), _labels(theme_labels, themes), fontsize=8)
    ax.set_title(f"{_plain(title, 200)}\n(* suppressed: too few people to show)", fontsize=10)
    fig.colorbar(im, ax=ax, label="% of people", shrink=0.8)
    return fig


def prevalence_bars(prevalence: pd.DataFrame, group_column: str | None = None, group: str = "All",
                    theme_labels: Mapping[str, str] | None = None, title: str = "Theme prevalence (95% Wilson interval)"):
    """Horizontal bars of percent of people per theme with interval whiskers for one group."""
    prev = prevalence if group_column is None else prevalence[prevalence[group_column] == group]
    prev = prev.reset_index(drop=True)
    ids = list(prev["theme"])
    pct = prev["percent"].to_numpy(dtype=float)
    lo = prev["ci_low"].to_numpy(dtype=float)
    hi = prev["ci_high"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.45 * len(ids)))
    y = np.arange(len(ids))
    shown = ~np.isnan(pct)
    ax.barh(y[shown], pct[shown], color="#4a78a8")
    # whisker lengths: never negative (a bound a hair past the estimate after rounding is no whisker)
    # and none where a bound is missing (a table from elsewhere may give a percent without interval)
    below = np.nan_to_num(np.clip(pct - lo, 0, None), nan=0.0)
    above = np.nan_to_num(np.clip(hi - pct, 0, None), nan=0.0)
    if shown.any():
        ax.errorbar(pct[shown], y[shown], xerr=[below[shown], above[shown]], fmt="none", ecolor="black", capsize=3)
    for yy in y[~shown]:
        ax.text(1, yy, "* suppressed", va="center", fontsize=8)
    ax.set_yticks(y, _labels(theme_labels, ids), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of people who raised the theme")
    ax.set_title(_plain(title, 200), fontsize=10)
    return fig


def topic_sizes(topics: pd.DataFrame, max_topics: int = 20, title: str = "Topics by size"):
    """Bars of topic sizes; emergent topics (not in the codebook) in a contrasting colour."""
    t = topics[topics["topic"] != -1].sort_values("size", ascending=False).head(max_topics)
    fig, ax = plt.subplots(figsize=(8, 0.9 + 0.4 * max(1, len(t))))
    colours = ["#d9822b" if bool(e) else "#4a78a8" for e in t.get("emergent", pd.Series(False, index=t.index))]
    labels = [_plain(lbl, 60) for lbl in t["label"]]
    ax.barh(range(len(t)), t["size"], color=colours)
    ax.set_yticks(range(len(t)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("segments")
    ax.set_title(_plain(title, 200) + " (orange: emergent, not in the codebook)", fontsize=10)
    return fig


def figure_data_uri(fig) -> str:
    """``fig`` as a PNG data URI (to inline in HTML); the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def figure_file_names(names) -> list[str]:
    """File names (no folder, no dot files) for ``names``, unique case-insensitively."""
    out, seen = [], set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", str(name)).strip("_")[:80] or "figure"
        cand, i = base, 2
        while cand.lower() in seen:
            cand, i = f"{base}_{i}", i + 1
        seen.add(cand.lower())
        out.append(cand)
    return out


def report_figures(folder: Path, prevalence: Mapping[str, pd.DataFrame], topics_table: pd.DataFrame | None,
                   labels: Mapping[str, str]) -> dict[str, str]:
    """Draw the report's figures: each saved under ``folder`` (PNG and SVG) and returned as a data
    URI for the HTML report (``prevalence``, ``heatmap_<column>``, ``topics``)."""
    figures: dict[str, str] = {}
    # a column name is not a file name: figures/heatmap_<col> holds only safe characters, one per column
    figure_names = dict(zip(prevalence, figure_file_names(f"heatmap_{c}" for c in prevalence)))
    from insightkit.report.prevalence import is_corrected

    title = ("Theme prevalence, corrected for classifier errors (95% interval)" if is_corrected(prevalence["overall"])
             else "Theme prevalence (95% Wilson interval)")
    figures["prevalence"] = figure_data_uri(prevalence_bars(prevalence["overall"], theme_labels=labels, title=title))
    save_figure(prevalence_bars(prevalence["overall"], theme_labels=labels, title=title), folder / "prevalence")
    for col, prev in prevalence.items():
        if col == "overall":
            continue
        figures[f"heatmap_{col}"] = figure_data_uri(prevalence_heatmap(prev, by=col, theme_labels=labels,
                                                                         title=f"Share of people raising each theme, by {col.replace('_', ' ')}"))
        save_figure(prevalence_heatmap(prev, by=col, theme_labels=labels), folder / figure_names[col])
    if topics_table is not None and len(topics_table):
        figures["topics"] = figure_data_uri(topic_sizes(topics_table))
        save_figure(topic_sizes(topics_table), folder / "topics")
    return figures
