"""``discover_topics``: topics over a segment table, sub-themes per theme, and emergent themes.

Three views of one corpus, all from the same embeddings (computed once, or passed in):

* **topics**: one model over every modelled segment. With a tagged table each topic gets the
  theme most of its members carry, and is flagged **emergent** ("not in the codebook") when at
  least ``emergent_share`` (default 0.5) of its members are *open*: untagged (every ``theme_<id>``
  is 0) or scored low on every theme (``max score_<id> < low_score_threshold``, default 0.35).
* **subthemes**: for each theme, a model over the segments tagged with it (EPR: go-live,
  optimisation, convergence...). Themes with too few segments are skipped with a message.
* **emergent**: a model over the open segments only, so that a small new subject (virtual wards,
  AI, funding) surfaces even where its segments are scattered among themed topics.

Nothing is dropped silently: rows without text and interviewer turns are kept in ``segments``
with an empty topic and listed in ``rejected`` with a reason; every message says what could not be
modelled and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from insightkit.errors import InputError
from insightkit.segments import theme_ids as segment_theme_ids
from insightkit.topics.model import TopicModel
from insightkit.topics.params import MIN_SEGMENTS, STOP_WORDS

__all__ = ["discover_topics", "TopicResult", "theme_ids_from_columns", "topics_by", "topics_over_time",
           "LOW_SCORE_THRESHOLD", "EMERGENT_SHARE"]

#: A segment is *open* (a candidate for an emergent theme) when untagged or its best score is below this.
LOW_SCORE_THRESHOLD = 0.35
#: A topic is emergent when at least this share of its members are open.
EMERGENT_SHARE = 0.5
#: Themes with fewer tagged segments than this get no sub-theme model.
MIN_SUBTHEME_SEGMENTS = 10
#: Columns looked for, in this order, when ``time_column="auto"``.
TIME_COLUMNS = ("wave", "survey_wave", "period", "date", "interview_date", "survey_date", "month", "quarter", "year")
#: Roles whose segments are not modelled (questions would form topics of their own).
SKIP_ROLES = ("interviewer",)


@dataclass
class TopicResult:
    """What ``discover_topics`` found; every table is a pandas DataFrame.

    ``segments``: the input table (every row and column) plus ``topic`` (Int64: -1 outlier, empty
    when not modelled), ``topic_label``, ``topic_emergent``, ``subtopic_<theme>`` and
    ``emergent_candidate``. ``topics``: one row per topic. ``subthemes``: theme id -> topic table of
    its sub-model. ``emergent``: "not in the codebook" candidates. ``rejected``: rows not modelled,
    with a reason. ``messages``: what could not be done, in words.
    """

    segments: pd.DataFrame
    topics: pd.DataFrame
    subthemes: dict[str, pd.DataFrame] = field(default_factory=dict)
    emergent: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    messages: list[str] = field(default_factory=list)
    by_attribute: dict[str, pd.DataFrame] = field(default_factory=dict)
    over_time: pd.DataFrame | None = None
    params: dict[str, Any] = field(default_factory=dict)
    outliers: dict[str, Any] = field(default_factory=dict)
    theme_ids: list[str] = field(default_factory=list)
    model: TopicModel | None = None
    subtheme_models: dict[str, TopicModel] = field(default_factory=dict, repr=False)
    emergent_model: TopicModel | None = field(default=None, repr=False)
    coords: np.ndarray | None = field(default=None, repr=False)
    map_texts: np.ndarray | None = field(default=None, repr=False)  # modelled texts, in model order

    @property
    def message(self) -> str:
        return "\n".join(self.messages)

    @property
    def subthemes_table(self) -> pd.DataFrame:
        """All sub-theme topic tables in one (a ``theme`` column says whose)."""
        frames = [t for t in self.subthemes.values() if len(t)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["theme", "topic", "label"])


# --- themes -------------------------------------------------------------------------------

def theme_ids_from_columns(columns: Sequence[str]) -> list[str]:
    """Theme ids of a tagged table: every ``theme_<id>`` column, in table order
    (:func:`insightkit.segments.theme_ids`)."""
    return segment_theme_ids(columns)


def _codebook_themes(themes) -> list | None:
    """Theme objects (``id``, ``label``, ``description``, ``includes``) of a Codebook-like object."""
    if themes is not None and hasattr(themes, "themes"):
        return list(themes.themes)
    if isinstance(themes, (list, tuple)) and themes and all(hasattr(t, "id") and hasattr(t, "label") for t in themes):
        return list(themes)
    return None


def _default_codebook_themes():
    try:
        from insightkit.codebook import Codebook
    except ImportError as exc:  # pragma: no cover - codebook ships with the package
        raise InputError(None, "guided and zero-shot modes need a codebook: pass themes=Codebook(...)") from exc
    return list(Codebook.default().themes)


def _as_flags(series: pd.Series, name: str) -> np.ndarray:
    values = pd.to_numeric(series.replace({"": np.nan, "True": 1, "False": 0, "true": 1, "false": 0}),
                           errors="coerce")
    bad = series.notna() & (series.astype(str).str.strip() != "") & values.isna()
    if bad.any():
        raise InputError(None, f"column {name} must hold 0/1 tags; row {int(np.flatnonzero(bad.to_numpy())[0])} "
                               f"has {series[bad].iloc[0]!r}")
    return (values.fillna(0).to_numpy(dtype=float) > 0.5)


def _tag_matrix(df: pd.DataFrame, ids: list[str]) -> tuple[np.ndarray | None, np.ndarray | None, list[str]]:
    """(tags n x k bool, scores n x k float or None, ids that have a theme column)."""
    present = [t for t in ids if f"theme_{t}" in df.columns]
    if not present:
        return None, None, []
    tags = np.column_stack([_as_flags(df[f"theme_{t}"], f"theme_{t}") for t in present])
    if all(f"score_{t}" in df.columns for t in present):
        scores = np.column_stack([pd.to_numeric(df[f"score_{t}"], errors="coerce").fillna(0).to_numpy(float)
                                  for t in present])
    else:
        scores = None
    return tags, scores, present


def _seed_lists(themes: list) -> list[list[str]]:
    """Seed words per theme for guided mode: its ``includes`` cues plus their content words."""
    stop = set(STOP_WORDS)
    out = []
    for th in themes:
        cues = [str(c).lower() for c in (getattr(th, "includes", None) or ())] or [str(th.label).lower()]
        words = []
        for c in cues:
            for w in re.findall(r"[a-z][a-z\-]+", c):
                if w not in stop and w not in words:
                    words.append(w)
        out.append(cues + words)
    return out


# --- tables by group -------------------------------------------------------------------------

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


# --- the main entry point ------------------------------------------------------------------------

def discover_topics(
    segments,
    *,
    text_column: str = "text",
    embeddings=None,
    themes=None,
    mode: str = "auto",
    codebook=None,
    min_topic_size: int | None = None,
    seed: int = 42,
    embedder=None,
    id_column: str | None = "segment_id",
    low_score_threshold: float = LOW_SCORE_THRESHOLD,
    emergent_share: float = EMERGENT_SHARE,
    subthemes: bool = True,
    emergent: bool = True,
    min_subtheme_segments: int = MIN_SUBTHEME_SEGMENTS,
    zeroshot_min_similarity: float = 0.5,
    representation: str = "ctfidf",
    outlier_threshold: float | None = None,
    by: Sequence[str] | None = None,
    time_column: str | None = "auto",
    time_freq: str | None = None,
    skip_roles: Sequence[str] = SKIP_ROLES,
) -> TopicResult:
    """Find topics in a segment table (or a list of texts).

    ``themes``: ``None`` (detect ``theme_<id>`` columns), a list of theme ids (``[]``: ignore
    tags), or a Codebook-like object (``.themes`` with ``id``, ``label``, ``description``,
    ``includes``). Guided and zero-shot modes take their codebook from ``codebook``, else from a
    Codebook-like ``themes``, else the shipped default. ``embeddings``: one row per input row (or
    per modelled row), e.g. the vectors the classifier computed, or the name of a column holding
    one vector per row; when ``None`` they come from the shared, cached embedder. ``by``: columns
    to count topics by (default: ``trust_type`` and ``region`` where present). ``time_column``: a
    date or wave column (``"auto"`` looks for one; ``None`` for none). Rows with no text and
    interviewer turns (``skip_roles``) are kept in ``segments`` but not modelled.
    """
    if isinstance(segments, pd.DataFrame):
        df = segments.copy()
    elif isinstance(segments, (list, tuple, pd.Series, np.ndarray)):
        df = pd.DataFrame({text_column: list(segments)})
    else:
        raise InputError(None, f"segments must be a DataFrame or a list of texts, got {type(segments).__name__}")
    if text_column not in df.columns:
        raise InputError(None, f"no column {text_column!r}; the table has: {', '.join(map(str, df.columns))}")
    if mode not in ("auto", "guided", "zeroshot"):
        raise InputError(None, f"unknown topic mode {mode!r}: use auto, guided or zeroshot")
    messages: list[str] = []
    n_rows = len(df)

    # --- which rows are modelled -----------------------------------------------------------
    raw = df[text_column]
    texts_all = raw.astype("string").fillna("").str.strip()
    reasons = pd.Series("", index=df.index, dtype="object")
    reasons[texts_all == ""] = "empty_text"
    if "role" in df.columns and skip_roles:
        role = df["role"].astype("string").fillna("").str.lower()
        reasons[(reasons == "") & role.isin([r.lower() for r in skip_roles])] = "interviewer_turn"
    keep = (reasons == "").to_numpy()
    pos = np.flatnonzero(keep)
    texts = texts_all.to_numpy()[pos].tolist()
    ids_all = (df[id_column].astype(str).tolist() if id_column and id_column in df.columns
               else [str(i) for i in range(n_rows)])
    ids = [ids_all[i] for i in pos]
    rejected = pd.DataFrame({
        "row": np.flatnonzero(~keep),
        "id": [ids_all[i] for i in np.flatnonzero(~keep)],
        "reason": reasons.to_numpy()[~keep],
        "detail": ["no text to model" if r == "empty_text" else "interviewer turns are not modelled"
                   for r in reasons.to_numpy()[~keep]],
    })
    if len(rejected):
        counts = rejected["reason"].value_counts()
        messages.append("not modelled: " + ", ".join(f"{c} {r.replace('_', ' ')}" for r, c in counts.items())
                        + " (see rejected)")

    # --- embeddings (computed once; every sub-model reuses them) ----------------------------
    helper = TopicModel(embedder=embedder, seed=seed)
    if isinstance(embeddings, str):
        if embeddings not in df.columns:
            raise InputError(None, f"no embeddings column {embeddings!r}")
        vecs = df[embeddings].to_numpy()[pos]
        embeddings = np.stack([np.asarray(v, dtype=np.float32) for v in vecs]) if len(vecs) else None
    if embeddings is not None:
        emb = np.asarray(embeddings, dtype=np.float32)
        if emb.ndim != 2:
            raise InputError(None, f"embeddings must be a 2-D array, got shape {emb.shape}")
        if len(emb) == n_rows:
            emb = emb[pos]
        elif len(emb) != len(pos):
            raise InputError(None, f"embeddings have {len(emb)} rows; expected {n_rows} (one per input row) "
                                   f"or {len(pos)} (one per modelled row)")
    else:
        emb = None
    emb = helper.embed(texts, emb) if texts else np.zeros((0, 1), dtype=np.float32)
    embedder = helper.embedder if embeddings is None else embedder

    # --- themes and tags -------------------------------------------------------------------
    cb_themes = _codebook_themes(themes)
    if cb_themes is not None:
        theme_ids = [str(t.id) for t in cb_themes]
    elif isinstance(themes, str):
        theme_ids = [themes]
    elif themes is not None:
        theme_ids = [str(t) for t in themes]
    else:
        theme_ids = theme_ids_from_columns(list(df.columns))
    tags_all, scores_all, tagged_ids = _tag_matrix(df, theme_ids)
    missing = [t for t in theme_ids if t not in tagged_ids]
    if theme_ids and missing and tagged_ids:
        messages.append(f"no theme_<id> column for: {', '.join(missing)}")
    tags = tags_all[pos] if tags_all is not None else None
    scores = scores_all[pos] if scores_all is not None else None
    if tags is not None:
        best = scores.max(axis=1) if scores is not None else np.where(tags.any(axis=1), 1.0, 0.0)
        open_ = ~tags.any(axis=1) | (best < low_score_threshold)
    else:
        open_ = None
        messages.append("the table has no theme_<id> columns: topics are not linked to themes, "
                        "and emergent themes (not in the codebook) cannot be told apart; tag it first")

    # --- guided / zero-shot inputs -----------------------------------------------------------
    model_kw: dict[str, Any] = dict(embedder=embedder, seed=seed, min_topic_size=min_topic_size,
                                    representation=representation, outlier_threshold=outlier_threshold)
    if mode != "auto":
        cbt = _codebook_themes(codebook) or cb_themes or _default_codebook_themes()
        if mode == "guided":
            model_kw.update(mode="guided", seed_topic_list=_seed_lists(cbt))
        else:
            model_kw.update(mode="zeroshot", zeroshot_min_similarity=zeroshot_min_similarity,
                            zeroshot_topic_list=[f"{t.label}. {t.description}" for t in cbt],
                            zeroshot_labels=[str(t.label) for t in cbt])
        zs_ids = [str(t.id) for t in cbt]
    else:
        zs_ids = []

    # --- the main model ----------------------------------------------------------------------
    main = TopicModel(**model_kw).fit(texts, emb)
    main.set_row_ids(ids)
    messages.extend(main.messages_)
    if open_ is not None and main.bertopic_ is not None:
        split, notes = _split_emergent(main.topics_, emb, open_, main.params_.min_cluster_size, emergent_share, seed)
        if notes:
            main.update_topics(split)
            labels_now = main.labels_
            messages.extend(n.format(label=labels_now.get(k, "")) if "{label}" in n else n for n, k in notes)
    topics = main.topics_
    table = main.topic_table()
    table = _add_theme_columns(table, topics, tags, open_, tagged_ids, emergent_share,
                               zeroshot={k: zs_ids[v] for k, v in main.zeroshot_topics_.items()} if zs_ids else {},
                               zeroshot_mode=(mode == "zeroshot"))

    # --- output segment table ------------------------------------------------------------------
    out = df.copy()
    topic_col = pd.array([pd.NA] * n_rows, dtype="Int64")
    topic_col[pos] = topics
    out["topic"] = topic_col
    labels = dict(zip(table["topic"], table["label"]))
    emerg = dict(zip(table["topic"], table["emergent"]))
    label_col = np.array([""] * n_rows, dtype=object)
    label_col[pos] = [labels[int(t)] for t in topics]
    out["topic_label"] = label_col
    em_col = pd.array([pd.NA] * n_rows, dtype="boolean")
    em_col[pos] = [bool(emerg[int(t)]) for t in topics]
    out["topic_emergent"] = em_col

    # --- sub-themes --------------------------------------------------------------------------
    sub_tables: dict[str, pd.DataFrame] = {}
    sub_models: dict[str, TopicModel] = {}
    if subthemes and tags is not None:
        for j, tid in enumerate(tagged_ids):
            idx = np.flatnonzero(tags[:, j])
            col = pd.array([pd.NA] * n_rows, dtype="Int64")
            if len(idx) < max(min_subtheme_segments, MIN_SEGMENTS):
                messages.append(f"theme {tid}: {len(idx)} tagged segment(s), too few for sub-themes "
                                f"(need {max(min_subtheme_segments, MIN_SEGMENTS)})")
            else:
                sub = TopicModel(embedder=embedder, seed=seed, representation=representation,
                                 outlier_threshold=outlier_threshold).fit([texts[i] for i in idx], emb[idx])
                sub.set_row_ids([ids[i] for i in idx])
                messages.extend(f"theme {tid} sub-themes: {m}" for m in sub.messages_)
                st = sub.topic_table()
                st.insert(0, "theme", tid)
                sub_tables[tid] = st
                sub_models[tid] = sub
                col[pos[idx]] = sub.topics_
            out[f"subtopic_{tid}"] = col

    # --- emergent candidates -------------------------------------------------------------------
    cand_table = pd.DataFrame(columns=["candidate", "label", "keywords", "phrase", "size", "share_of_open",
                                       "representative_ids", "representative_text", "main_topic",
                                       "main_topic_emergent"])
    emergent_model = None
    if emergent and open_ is not None:
        idx = np.flatnonzero(open_)
        col = pd.array([pd.NA] * n_rows, dtype="Int64")
        if len(idx) < MIN_SEGMENTS:
            messages.append(f"emergent themes: {len(idx)} untagged or low-scoring segment(s), too few to cluster"
                            + (f" ({'; '.join(ids[i] for i in idx)})" if len(idx) else ""))
        else:
            emergent_model = TopicModel(embedder=embedder, seed=seed, representation=representation,
                                        outlier_threshold=outlier_threshold).fit([texts[i] for i in idx], emb[idx])
            emergent_model.set_row_ids([ids[i] for i in idx])
            messages.extend(f"emergent themes: {m}" for m in emergent_model.messages_)
            et = emergent_model.topic_table()
            rows = []
            for _, r in et.iterrows():
                if r["topic"] == -1:
                    continue
                members = idx[emergent_model.topics_ == r["topic"]]
                main_t = pd.Series(topics[members]).mode().iloc[0]
                rows.append({"candidate": int(r["topic"]), "label": r["label"], "keywords": r["keywords"],
                             "phrase": r["phrase"], "size": int(r["size"]),
                             "share_of_open": round(float(r["size"]) / len(idx), 4),
                             "representative_ids": r["representative_ids"],
                             "representative_text": r["representative_text"],
                             "main_topic": int(main_t), "main_topic_emergent": bool(emerg[int(main_t)])})
            if rows:
                cand_table = pd.DataFrame(rows, columns=cand_table.columns)
            n_left = int((emergent_model.topics_ == -1).sum())
            if n_left:
                messages.append(f"emergent themes: {n_left} open segment(s) fit no candidate")
            col[pos[idx]] = emergent_model.topics_
        out["emergent_candidate"] = col

    # --- by attribute and over time -----------------------------------------------------------
    by_cols = list(by) if by is not None else [c for c in ("trust_type", "region") if c in out.columns]
    by_attribute = {}
    for c in by_cols:
        if c not in out.columns:
            messages.append(f"no column {c!r} to count topics by")
            continue
        by_attribute[c] = topics_by(out, c)
    over_time = None
    tcol = None
    if time_column == "auto":
        lower = {str(c).lower(): c for c in out.columns}
        tcol = next((lower[c] for c in TIME_COLUMNS if c in lower), None)
    elif time_column:
        if time_column not in out.columns:
            messages.append(f"no column {time_column!r}: no topics over time")
        else:
            tcol = time_column
    if tcol is not None:
        over_time = topics_over_time(out, tcol, freq=time_freq)

    params = {"main": main.params_.to_dict(), "cluster_method": main.cluster_method_, "mode": mode, "seed": seed,
              "low_score_threshold": low_score_threshold, "emergent_share": emergent_share,
              "n_rows": n_rows, "n_modelled": len(pos), "time_column": tcol}
    if sub_models:
        params["subthemes"] = {k: m.params_.to_dict() for k, m in sub_models.items()}
    if emergent_model is not None:
        params["emergent"] = emergent_model.params_.to_dict()
    return TopicResult(
        segments=out, topics=table, subthemes=sub_tables, emergent=cand_table, rejected=rejected,
        messages=messages, by_attribute=by_attribute, over_time=over_time, params=params,
        outliers=dict(main.outliers_), theme_ids=tagged_ids, model=main, subtheme_models=sub_models,
        emergent_model=emergent_model, coords=main.coords_, map_texts=np.asarray(texts, dtype=object),
    )


def _open_groups(X: np.ndarray, open_: np.ndarray, min_size: int, share: float,
                 alpha: float = 1e-3) -> list[np.ndarray]:
    """Branches of a Ward tree over ``X`` that hold mostly open segments and stand apart from the rest.

    Walks the tree from the root and stops at the first branch (largest first) with at least
    ``min_size`` members, at least ``min_size`` left outside it, an open share of at least
    ``share``, more open members than chance would put there (hypergeometric tail below
    ``alpha``: a Ward branch of a uniform topic is always "close together", so closeness alone
    proves nothing) and a positive silhouette against the rest of the topic (cosine).
    """
    from scipy.cluster.hierarchy import linkage
    from scipy.stats import hypergeom
    from sklearn.metrics import silhouette_score

    m = len(X)
    total_open = int(open_.sum())
    Z = linkage(X, method="ward")
    size = np.concatenate([np.ones(m), Z[:, 3]]).astype(int)
    n_open = np.concatenate([open_.astype(int), np.zeros(m - 1, dtype=int)])
    for i, (a, b) in enumerate(Z[:, :2].astype(int)):
        n_open[m + i] = n_open[a] + n_open[b]

    def leaves(node: int) -> list[int]:
        out, stack = [], [node]
        while stack:
            k = stack.pop()
            if k < m:
                out.append(k)
            else:
                stack.extend(Z[k - m, :2].astype(int).tolist())
        return out

    groups: list[np.ndarray] = []
    stack = [2 * m - 2]
    while stack:
        node = stack.pop()
        if size[node] < min_size:
            continue
        if (n_open[node] / size[node] >= share and m - size[node] >= min_size
                and hypergeom.sf(n_open[node] - 1, m, total_open, size[node]) < alpha):
            idx = np.array(sorted(leaves(node)))
            lab = np.zeros(m, dtype=int)
            lab[idx] = 1
            if silhouette_score(X, lab, metric="cosine") > 0:
                groups.append(idx)
                continue
        if node >= m:
            a, b = Z[node - m, :2].astype(int)
            stack.extend(sorted((int(a), int(b)), key=lambda k: size[k]))  # larger branch first
    return groups


def _split_emergent(topics: np.ndarray, emb: np.ndarray, open_: np.ndarray, min_size: int, share: float,
                    seed: int, max_members: int = 4000) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Split off distinct groups of open segments that clustering merged into a themed topic.

    A density cluster can swallow a small new subject together with a themed one (virtual wards
    inside an EPR topic). For every topic that is not emergent but holds at least ``min_size``
    open segments, a Ward tree over its members is searched for a branch that is mostly open and
    stands apart from the rest (see ``_open_groups``); each such branch becomes a topic of its own,
    emergent by the share rule. Open segments spread through a themed topic (what the classifier
    missed) form no such branch and stay where they are.
    """
    new = topics.copy()
    next_id = int(topics.max()) + 1 if len(topics) else 0
    notes: list[tuple[str, int]] = []
    for t in sorted(set(int(x) for x in topics) - {-1}):
        members = np.flatnonzero(topics == t)
        n_open = int(open_[members].sum())
        if n_open < min_size or open_[members].mean() >= share or len(members) < 2 * min_size:
            continue
        if len(members) > max_members:  # a tree over more is too slow; such topics are rare
            continue
        for sub_idx in _open_groups(emb[members].astype(np.float64), open_[members], min_size, share):
            sub = members[sub_idx]
            new[sub] = next_id
            notes.append((f"topic {t}: {len(sub)} segments, {int(open_[sub].sum())} of them untagged or "
                          f"low-scoring, form a distinct group; split off as topic {next_id} "
                          "({label})", next_id))
            next_id += 1
    return new, notes


def _add_theme_columns(table: pd.DataFrame, topics: np.ndarray, tags, open_, theme_ids: list[str],
                       emergent_share: float, *, zeroshot: dict[int, str], zeroshot_mode: bool) -> pd.DataFrame:
    """theme (dominant tagged theme; empty when emergent), theme_share, open_share, emergent."""
    theme, theme_share, open_share, emergent = [], [], [], []
    for t in table["topic"].astype(int):
        members = topics == t
        if tags is not None and members.any():
            shares = tags[members].mean(axis=0)
            o = float(open_[members].mean())
            j = int(np.argmax(shares)) if len(shares) else -1
            is_em = t != -1 and o >= emergent_share
            th = theme_ids[j] if j >= 0 and shares[j] > 0 and not is_em and t != -1 else ""
            if t in zeroshot and not is_em:
                th = zeroshot[t]
            theme.append(th)
            theme_share.append(round(float(shares[j]), 4) if th and j >= 0 and theme_ids[j] == th else
                               (round(float(shares[theme_ids.index(th)]), 4) if th in theme_ids else np.nan))
            open_share.append(round(o, 4))
            emergent.append(bool(is_em))
        else:
            th = zeroshot.get(t, "")
            theme.append(th)
            theme_share.append(np.nan)
            open_share.append(np.nan)
            # without tags, zero-shot mode can still say which topics matched no codebook theme
            emergent.append(bool(zeroshot_mode and t != -1 and t not in zeroshot))
    out = table.copy()
    out["theme"] = theme
    out["theme_share"] = theme_share
    out["open_share"] = open_share
    out["emergent"] = emergent
    cols = ["topic", "label", "keywords", "size", "theme", "emergent", "phrase", "representative_ids",
            "representative_text", "theme_share", "open_share"]
    return out[cols]
