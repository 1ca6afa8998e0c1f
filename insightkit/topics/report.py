"""Pictures of a topic result: a PNG (sizes and a map) and one self-contained interactive HTML page.

The HTML page has no external resources (no CDN, no fonts, no scripts from elsewhere): inline SVG
and a few lines of inline JavaScript, so it opens offline and can be mailed. Every piece of text
from the data is HTML-escaped, so a segment that contains markup is shown, never run.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from insightkit.segments import is_missing

__all__ = ["write_topics_png", "write_topics_html", "write_topic_outputs", "TOPIC_OUTPUT_FILES"]

_BLUE, _ORANGE, _GREY = "#4a78a8", "#d9822b", "#b0b0b0"
_PALETTE = ["#4a78a8", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#e15759", "#79706e",
            "#86bcb6", "#8cd17d", "#b6992d", "#499894", "#d37295", "#a0cbe8", "#ff9d9a", "#bab0ac"]
_MAP_POINTS = 4000


def _colour(topic: int, emergent: bool) -> str:
    if topic == -1:
        return _GREY
    if emergent:
        return _ORANGE
    return _PALETTE[topic % len(_PALETTE)]


def _map_rows(result, max_points: int = _MAP_POINTS) -> np.ndarray:
    """Positions (in result.model order) drawn on the map: all, or an even, fixed sample."""
    n = 0 if result.coords is None else len(result.coords)
    if n <= max_points:
        return np.arange(n)
    rng = np.random.default_rng(0)
    return np.sort(rng.choice(n, size=max_points, replace=False))


def write_topics_png(result, path: str | Path, max_topics: int = 25) -> Path:
    """Bar chart of topic sizes (emergent topics orange, labels on the bars) beside a 2-D map."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    t = result.topics[result.topics["topic"] != -1].sort_values(["size", "topic"], ascending=[False, True])
    t = t.head(max_topics)
    has_map = result.coords is not None and len(result.coords) >= 3
    fig, axes = plt.subplots(1, 2 if has_map else 1, figsize=(15 if has_map else 9, max(5.0, 1.2 + 0.38 * len(t))),
                             gridspec_kw={"width_ratios": [1.2, 1]} if has_map else None)
    ax = axes[0] if has_map else axes
    if len(t):
        colours = [_ORANGE if e else _BLUE for e in t["emergent"]]
        ax.barh(range(len(t)), t["size"], color=colours)
        ax.set_yticks(range(len(t)), [f"{int(k)}: {str(lbl)[:55]}" for k, lbl in zip(t["topic"], t["label"])],
                      fontsize=8)
        ax.invert_yaxis()
    else:
        ax.text(0.5, 0.5, "no topics (see messages)", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    ax.set_xlabel("segments")
    n_out = int(result.topics.loc[result.topics["topic"] == -1, "size"].sum())
    ax.set_title(f"Topics by size (orange: emergent, not in the codebook); outliers: {n_out}", fontsize=10)
    if has_map:
        mx = axes[1]
        rows = _map_rows(result)
        topics = result.model.topics_[rows]
        em = dict(zip(result.topics["topic"], result.topics["emergent"]))
        xy = result.coords[rows]
        mx.scatter(xy[:, 0], xy[:, 1], s=6, c=[_colour(int(k), bool(em.get(int(k), False))) for k in topics],
                   alpha=0.7, linewidths=0)
        for k in t["topic"].head(12):
            pts = xy[topics == k]
            if len(pts):
                cx, cy = np.median(pts, axis=0)
                mx.annotate(str(int(k)), (cx, cy), fontsize=8, weight="bold", ha="center")
        mx.set_xticks([])
        mx.set_yticks([])
        mx.set_title("Map of segments (nearby = similar; numbers are topics)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


# --- HTML ------------------------------------------------------------------------------------

def _e(value) -> str:
    if is_missing(value):
        return ""
    return html.escape(str(value), quote=True)


def _table(df: pd.DataFrame, columns: list[str] | None = None, row_attr=None) -> str:
    if df is None or not len(df):
        return "<p class='muted'>none</p>"
    cols = [c for c in (columns or list(df.columns)) if c in df.columns]
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = []
    for _, r in df.iterrows():
        attr = row_attr(r) if row_attr else ""
        body.append(f"<tr{attr}>" + "".join(f"<td>{_e(r[c])}</td>" for c in cols) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _bars_svg(topics: pd.DataFrame, width: int = 760) -> str:
    t = topics[topics["topic"] != -1].sort_values(["size", "topic"], ascending=[False, True]).head(40)
    if not len(t):
        return "<p class='muted'>no topics</p>"
    bar_h, left = 18, 330
    height = bar_h * len(t) + 10
    top = max(int(t["size"].max()), 1)
    parts = [f"<svg class='bars' viewBox='0 0 {width} {height}' width='{width}' height='{height}' role='img'>"]
    for i, (_, r) in enumerate(t.iterrows()):
        w = (width - left - 60) * int(r["size"]) / top
        y = 5 + i * bar_h
        colour = _ORANGE if r["emergent"] else _BLUE
        label = f"{int(r['topic'])}: {str(r['label'])[:48]}"
        parts.append(
            f"<g class='bar' data-topic='{int(r['topic'])}'><title>{_e(r['label'])} ({int(r['size'])} segments)"
            f"{' - emergent' if r['emergent'] else ''}</title>"
            f"<text x='{left - 6}' y='{y + 13}' text-anchor='end'>{_e(label)}</text>"
            f"<rect x='{left}' y='{y + 2}' width='{w:.1f}' height='{bar_h - 5}' fill='{colour}'/>"
            f"<text x='{left + w + 4:.1f}' y='{y + 13}'>{int(r['size'])}</text></g>")
    parts.append("</svg>")
    return "".join(parts)


def _map_svg(result, width: int = 760, height: int = 520) -> str:
    if result.coords is None or len(result.coords) < 3 or result.model is None:
        return "<p class='muted'>too few segments for a map</p>"
    rows = _map_rows(result)
    xy = result.coords[rows]
    topics = result.model.topics_[rows]
    texts = result.map_texts[rows] if getattr(result, "map_texts", None) is not None else [""] * len(rows)
    labels = dict(zip(result.topics["topic"].astype(int), result.topics["label"]))
    em = dict(zip(result.topics["topic"].astype(int), result.topics["emergent"]))
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    pts = 10 + (xy - lo) / span * np.array([width - 20, height - 20])
    parts = [f"<svg class='map' viewBox='0 0 {width} {height}' width='{width}' height='{height}' role='img'>"]
    for (x, y), k, txt in zip(pts, topics, texts):
        k = int(k)
        tip = f"{k}: {labels.get(k, '')} | {str(txt)[:160]}"
        parts.append(f"<circle class='pt t{k}' cx='{x:.1f}' cy='{height - y:.1f}' r='3' "
                     f"fill='{_colour(k, bool(em.get(k, False)))}'><title>{_e(tip)}</title></circle>")
    parts.append("</svg>")
    note = (f"<p class='muted'>{len(rows):,} of {len(result.coords):,} segments shown (a fixed sample).</p>"
            if len(rows) < len(result.coords) else "")
    return "".join(parts) + note


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 6px;
vertical-align:top;text-align:left}th{background:#f4f4f4}tr.emergent td{background:#fff3e6}
tr.sel td{outline:2px solid #333}.muted{color:#777}svg text{font-size:11px}.bar{cursor:pointer}
.map .pt{opacity:.75}.map.focus .pt{opacity:.08}.map.focus .pt.on{opacity:1}
ul.msg li{margin:2px 0}.key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}
"""

_JS = """
(function(){var map=document.querySelector('svg.map');var cur=null;
function focus(t){if(!map)return;var same=(cur===t);cur=same?null:t;
map.classList.toggle('focus',!same);
map.querySelectorAll('.pt').forEach(function(p){p.classList.toggle('on',!same&&p.classList.contains('t'+t));});
document.querySelectorAll('tr[data-topic]').forEach(function(r){r.classList.toggle('sel',!same&&r.dataset.topic===String(t));});}
document.querySelectorAll('[data-topic]').forEach(function(el){el.addEventListener('click',function(){focus(el.dataset.topic);});});
})();
"""


def write_topics_html(result, path: str | Path, title: str = "Topics") -> Path:
    """One offline HTML page: sizes, a map (click a topic to highlight it), and every table."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    topics = result.topics
    n_mod = result.params.get("n_modelled", 0)
    n_rows = result.params.get("n_rows", 0)
    p = result.params.get("main", {})
    header = (f"<p>{n_mod:,} of {n_rows:,} segments modelled; {int((topics['topic'] != -1).sum())} topics "
              f"({int(topics['emergent'].sum())} emergent); method {_e(result.params.get('cluster_method'))}, "
              f"mode {_e(result.params.get('mode'))}, seed {_e(result.params.get('seed'))}; "
              f"min_cluster_size {_e(p.get('min_cluster_size'))}.</p>")
    msgs = "".join(f"<li>{_e(m)}</li>" for m in result.messages)

    def row_attr(r):
        cls = " class='emergent'" if r.get("emergent") else ""
        return f"{cls} data-topic='{int(r['topic'])}'"

    cols = ["topic", "label", "size", "theme", "emergent", "keywords", "phrase", "representative_text",
            "representative_ids", "theme_share", "open_share"]
    sections = [
        f"<h1>{_e(title)}</h1>", header,
        f"<ul class='msg'>{msgs}</ul>" if msgs else "",
        "<h2>Topic sizes</h2>",
        "<p class='key'>Key:<span style='background:#4a78a8'></span>topic"
        "<span style='background:#d9822b'></span>emergent (not in the codebook)"
        "<span style='background:#b0b0b0'></span>outliers. Click a bar or a row to highlight its segments.</p>",
        _bars_svg(topics),
        "<h2>Map of segments</h2><p class='muted'>Nearby points are similar segments; hover for the text.</p>",
        _map_svg(result),
        "<h2>Topics</h2>", _table(topics, cols, row_attr),
        "<h2>Emergent themes: candidates not in the codebook</h2>",
        "<p class='muted'>Clusters of segments no theme was tagged on (or scored low on every theme).</p>",
        _table(result.emergent),
    ]
    for tid, st in result.subthemes.items():
        sections += [f"<h2>Sub-themes of {_e(tid)}</h2>",
                     _table(st, ["topic", "label", "size", "keywords", "phrase", "representative_text",
                                 "representative_ids"])]
    for col, tab in result.by_attribute.items():
        sections += [f"<h2>Topics by {_e(col)}</h2>", _table(tab)]
    if result.over_time is not None:
        sections += [f"<h2>Topics over time ({_e(result.params.get('time_column'))})</h2>", _table(result.over_time)]
    if len(result.rejected):
        sections += ["<h2>Not modelled</h2>", _table(result.rejected)]
    sections.append(f"<p class='muted'>Parameters: {_e(json.dumps(result.params, default=str))}</p>")
    doc = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "script-src 'unsafe-inline'; img-src data:\">"
           f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
           + "\n".join(sections) + f"<script>{_JS}</script></body></html>")
    path.write_text(doc, encoding="utf-8")
    return path


#: the files :func:`write_topic_outputs` may write (besides ``topics_by_<column>.csv`` and ``model/``)
TOPIC_OUTPUT_FILES = ("segments.csv", "topics.csv", "emergent.csv", "subthemes.csv", "rejected.csv",
                      "topics_over_time.csv", "topics.png", "topics.html", "messages.txt")


def _shown(df):
    """A table as shared: ``source`` holds the shown file name (names in it redacted, as
    ``source_display`` has it; docs/redaction.md), never the real one."""
    if "source_display" not in df.columns or "source" not in df.columns:
        return df
    shown = df["source_display"].where(df["source_display"].astype(str).str.len() > 0, "")
    return df.assign(source=shown).drop(columns=["source_display"])


def write_topic_outputs(result, out: str | Path, *, title: str = "Topics", save_model: bool = True) -> list[Path]:
    """Write a :class:`~insightkit.topics.TopicResult` into the folder ``out``: the tables (CSV,
    formulas neutralised), the figure, the HTML page, the messages and, with ``save_model``, the fitted
    model (safetensors and JSON). Returns every file written, in order."""
    from insightkit.errors import InputError
    from insightkit.export import write_table

    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(out, f"cannot write the output: {exc.strerror or exc}") from None
    written = [write_table(_shown(result.segments), out / "segments.csv"), write_table(result.topics, out / "topics.csv"),
               write_table(result.emergent, out / "emergent.csv"),
               write_table(result.subthemes_table, out / "subthemes.csv")]
    if len(result.rejected):
        written.append(write_table(_shown(result.rejected), out / "rejected.csv"))
    for col, table in result.by_attribute.items():
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(col))
        written.append(write_table(table, out / f"topics_by_{safe}.csv"))
    if result.over_time is not None:
        written.append(write_table(result.over_time, out / "topics_over_time.csv"))
    written.append(write_topics_png(result, out / "topics.png"))
    written.append(write_topics_html(result, out / "topics.html", title=title))
    if save_model and result.model is not None and result.model.topics_ is not None:
        written.append(result.model.save(out / "model"))
    (out / "messages.txt").write_text("\n".join(result.messages) + ("\n" if result.messages else ""), encoding="utf-8")
    return written
