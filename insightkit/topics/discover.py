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

Nothing is dropped silently: rows without text, interviewer turns and small talk from calls
(greetings, thanks, goodbyes, back-channel: :func:`insightkit.clean.is_small_talk`; left in, they
form the largest "topics") are kept in ``segments`` with an empty topic and listed in ``rejected``
with a reason; every message says what could not be modelled and why.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from insightkit.clean.smalltalk import is_small_talk
from insightkit.errors import InputError, ParameterError
from insightkit.segments import theme_ids as segment_theme_ids
from insightkit.topics.emergent import EMERGENT_COLUMNS, emergent_candidates, split_emergent
from insightkit.topics.labels import theme_word_weights
from insightkit.topics.model import TopicModel
from insightkit.topics.params import MIN_SEGMENTS, strip_placeholders
from insightkit.topics.privacy import NameGuard
from insightkit.topics.tables import find_time_column, topics_by, topics_over_time
from insightkit.topics.themes import codebook_themes, default_codebook_themes, seed_lists, tag_matrix, \
    topic_theme_columns

__all__ = ["discover_topics", "TopicResult", "LOW_SCORE_THRESHOLD", "EMERGENT_SHARE"]

#: A segment is *open* (a candidate for an emergent theme) when untagged or its best score is below this.
LOW_SCORE_THRESHOLD = 0.35
#: A topic is emergent when at least this share of its members are open.
EMERGENT_SHARE = 0.5
#: Themes with fewer tagged segments than this get no sub-theme model.
MIN_SUBTHEME_SEGMENTS = 10
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


# --- the steps --------------------------------------------------------------------------------


@dataclass
class _Rows:
    """The modelled rows: positions in the table, texts and ids; and the rows left out, with why."""

    pos: np.ndarray
    texts: list[str]
    ids: list[str]
    rejected: pd.DataFrame


@dataclass
class _Tags:
    """Theme tags of the modelled rows (None without theme columns) and which rows are *open*."""

    cb_themes: list | None
    tagged_ids: list[str]
    tags: np.ndarray | None
    open_: np.ndarray | None


def _as_table(segments, text_column: str, mode: str) -> pd.DataFrame:
    if isinstance(segments, pd.DataFrame):
        df = segments.copy()
    elif isinstance(segments, (list, tuple, pd.Series, np.ndarray)):
        df = pd.DataFrame({text_column: list(segments)})
    else:
        raise ParameterError(f"segments must be a DataFrame or a list of texts, got {type(segments).__name__}")
    if text_column not in df.columns:
        raise InputError(None, f"no column {text_column!r}; the table has: {', '.join(map(str, df.columns))}")
    if mode not in ("auto", "guided", "zeroshot"):
        raise ParameterError(f"unknown topic mode {mode!r}: use auto, guided or zeroshot")
    return df


_DETAIL = {"empty_text": "no text to model", "interviewer_turn": "interviewer turns are not modelled"}


def _modelled_rows(df: pd.DataFrame, text_column: str, id_column: str | None, skip_roles: Sequence[str],
                   messages: list[str], small_talk: bool = True) -> _Rows:
    """Rows with text that are not interviewer turns or small talk; the others are listed with a reason.

    Small talk is looked for in transcript turns only (``kind == "transcript"``): a survey answer
    "No" or "Thanks" answers a question and stays.
    """
    texts_all = df[text_column].astype("string").fillna("").str.strip()
    reasons = pd.Series("", index=df.index, dtype="object")
    details = pd.Series("", index=df.index, dtype="object")
    reasons[texts_all == ""] = "empty_text"
    if "role" in df.columns and skip_roles:
        role = df["role"].astype("string").fillna("").str.lower()
        reasons[(reasons == "") & role.isin([r.lower() for r in skip_roles])] = "interviewer_turn"
    if small_talk and "kind" in df.columns:
        turn = (reasons == "") & (df["kind"].astype("string").fillna("").str.lower() == "transcript")
        for i in np.flatnonzero(turn.to_numpy()):
            why = is_small_talk(strip_placeholders(str(texts_all.iat[i])))  # "Thanks, [PERSON]. Bye."
            if why is not None:
                reasons.iat[i] = "small_talk"
                details.iat[i] = why
    keep = (reasons == "").to_numpy()
    pos = np.flatnonzero(keep)
    ids_all = (df[id_column].astype(str).tolist() if id_column and id_column in df.columns
               else [str(i) for i in range(len(df))])
    rejected = pd.DataFrame({
        "row": np.flatnonzero(~keep),
        "id": [ids_all[i] for i in np.flatnonzero(~keep)],
        "reason": reasons.to_numpy()[~keep],
        "detail": [d or _DETAIL.get(r, r) for r, d in zip(reasons.to_numpy()[~keep], details.to_numpy()[~keep])],
    })
    if len(rejected):
        counts = rejected["reason"].value_counts()
        messages.append("not modelled: " + ", ".join(f"{c} {r.replace('_', ' ')}" for r, c in counts.items())
                        + " (see rejected)")
    return _Rows(pos=pos, texts=texts_all.to_numpy()[pos].tolist(), ids=[ids_all[i] for i in pos], rejected=rejected)


def _given_embeddings(df: pd.DataFrame, embeddings, pos: np.ndarray) -> np.ndarray | None:
    """The caller's embeddings (an array, or the name of a column of vectors) for the modelled rows."""
    if isinstance(embeddings, str):
        if embeddings not in df.columns:
            raise InputError(None, f"no embeddings column {embeddings!r}")
        vecs = df[embeddings].to_numpy()[pos]
        embeddings = np.stack([np.asarray(v, dtype=np.float32) for v in vecs]) if len(vecs) else None
    if embeddings is None:
        return None
    emb = np.asarray(embeddings, dtype=np.float32)
    if emb.ndim != 2:
        raise ParameterError(f"embeddings must be a 2-D array, got shape {emb.shape}")
    if len(emb) == len(df):
        return emb[pos]
    if len(emb) != len(pos):
        raise ParameterError(f"embeddings have {len(emb)} rows; expected {len(df)} (one per input row) "
                             f"or {len(pos)} (one per modelled row)")
    return emb


def _embed(df: pd.DataFrame, rows: _Rows, embeddings, embedder, seed: int):
    """(embeddings of the modelled rows, computed once for every model; the embedder the models use)."""
    helper = TopicModel(embedder=embedder, seed=seed)
    given = _given_embeddings(df, embeddings, rows.pos)
    emb = helper.embed(rows.texts, given) if rows.texts else np.zeros((0, 1), dtype=np.float32)
    # the models embed nothing more when vectors were given (a column of none counts as not given)
    not_given = embeddings is None or (isinstance(embeddings, str) and not len(rows.pos))
    return emb, (helper.embedder if not_given else embedder)


def _theme_tags(df: pd.DataFrame, themes, pos: np.ndarray, low_score_threshold: float, messages: list[str]) -> _Tags:
    """Which themes, their tags on the modelled rows, and the open rows (untagged or scored low)."""
    cb_themes = codebook_themes(themes)
    if cb_themes is not None:
        theme_ids = [str(t.id) for t in cb_themes]
    elif isinstance(themes, str):
        theme_ids = [themes]
    elif themes is not None:
        theme_ids = [str(t) for t in themes]
    else:
        theme_ids = segment_theme_ids(list(df.columns))
    tags_all, scores_all, tagged_ids = tag_matrix(df, theme_ids)
    missing = [t for t in theme_ids if t not in tagged_ids]
    if theme_ids and missing and tagged_ids:
        messages.append(f"no theme_<id> column for: {', '.join(missing)}")
    if tags_all is None:
        messages.append("the table has no theme_<id> columns: topics are not linked to themes, "
                        "and emergent themes (not in the codebook) cannot be told apart; tag it first")
        return _Tags(cb_themes, tagged_ids, None, None)
    tags = tags_all[pos]
    scores = scores_all[pos] if scores_all is not None else None
    best = scores.max(axis=1) if scores is not None else np.where(tags.any(axis=1), 1.0, 0.0)
    return _Tags(cb_themes, tagged_ids, tags, ~tags.any(axis=1) | (best < low_score_threshold))


def _mode_settings(mode: str, codebook, cb_themes, zeroshot_min_similarity: float) -> tuple[dict, list[str]]:
    """Settings of the main model for guided or zero-shot mode, and the theme id of each zero-shot topic."""
    if mode == "auto":
        return {}, []
    cbt = codebook_themes(codebook) or cb_themes or default_codebook_themes()
    if mode == "guided":
        kw: dict[str, Any] = dict(mode="guided", seed_topic_list=seed_lists(cbt))
    else:
        kw = dict(mode="zeroshot", zeroshot_min_similarity=zeroshot_min_similarity,
                  zeroshot_topic_list=[f"{t.label}. {t.description}" for t in cbt],
                  zeroshot_labels=[str(t.label) for t in cbt])
    return kw, [str(t.id) for t in cbt]


def _main_model(model_kw: dict, rows: _Rows, emb: np.ndarray, tags: _Tags, emergent_share: float, seed: int,
                mode: str, zs_ids: list[str], messages: list[str]) -> tuple[TopicModel, pd.DataFrame]:
    """The model over every modelled row, with emergent groups split off, and its topic table."""
    main = TopicModel(**model_kw).fit(rows.texts, emb)
    main.set_row_ids(rows.ids)
    messages.extend(main.messages_)
    if tags.open_ is not None and main.bertopic_ is not None:
        split, notes = split_emergent(main._fitted_topics(), emb, tags.open_, main._fitted_params().min_cluster_size,
                                      emergent_share, seed)
        if notes:
            main.update_topics(split)
            labels_now = main.labels_
            messages.extend(n.format(label=labels_now.get(k, "")) if "{label}" in n else n for n, k in notes)
    table = topic_theme_columns(main.topic_table(), main._fitted_topics(), tags.tags, tags.open_, tags.tagged_ids,
                                emergent_share,
                                zeroshot={k: zs_ids[v] for k, v in main.zeroshot_topics_.items()} if zs_ids else {},
                                zeroshot_mode=(mode == "zeroshot"))
    return main, table


def _topic_columns(df: pd.DataFrame, pos: np.ndarray, topics: np.ndarray, table: pd.DataFrame) -> pd.DataFrame:
    """The input table with topic, topic_label and topic_emergent (empty where not modelled)."""
    n_rows = len(df)
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
    return out


def _subthemes(out: pd.DataFrame, rows: _Rows, emb: np.ndarray, tags: _Tags, sub_kw: dict, min_segments: int,
               messages: list[str]) -> tuple[dict, dict]:
    """A model over the rows of each theme (``subtopic_<theme>`` columns added to ``out``)."""
    sub_tables: dict[str, pd.DataFrame] = {}
    sub_models: dict[str, TopicModel] = {}
    need = max(min_segments, MIN_SEGMENTS)
    if tags.tags is None:
        raise ParameterError("sub-themes need theme tags")
    for j, tid in enumerate(tags.tagged_ids):
        idx = np.flatnonzero(tags.tags[:, j])
        col = pd.array([pd.NA] * len(out), dtype="Int64")
        if len(idx) < need:
            messages.append(f"theme {tid}: {len(idx)} tagged segment(s), too few for sub-themes (need {need})")
        else:
            # a sub-topic label stays within its theme: words other themes use more weigh less
            weights = theme_word_weights(rows.texts, tags.tags, j)
            sub = TopicModel(**sub_kw, label_weights=weights).fit([rows.texts[i] for i in idx], emb[idx])
            sub.set_row_ids([rows.ids[i] for i in idx])
            messages.extend(f"theme {tid} sub-themes: {m}" for m in sub.messages_)
            st = sub.topic_table()
            st.insert(0, "theme", tid)
            sub_tables[tid] = st
            sub_models[tid] = sub
            col[rows.pos[idx]] = sub.topics_
        out[f"subtopic_{tid}"] = col
    return sub_tables, sub_models


def _emergent(out: pd.DataFrame, rows: _Rows, emb: np.ndarray, open_: np.ndarray, topics: np.ndarray,
              table: pd.DataFrame, sub_kw: dict, messages: list[str]) -> tuple[pd.DataFrame, TopicModel | None]:
    """A model over the open rows only (``emergent_candidate`` column added to ``out``) and its table."""
    idx = np.flatnonzero(open_)
    col = pd.array([pd.NA] * len(out), dtype="Int64")
    cand_table, model = pd.DataFrame(columns=EMERGENT_COLUMNS), None
    if len(idx) < MIN_SEGMENTS:
        messages.append(f"emergent themes: {len(idx)} untagged or low-scoring segment(s), too few to cluster"
                        + (f" ({'; '.join(rows.ids[i] for i in idx)})" if len(idx) else ""))
    else:
        model = TopicModel(**sub_kw).fit([rows.texts[i] for i in idx], emb[idx])
        model.set_row_ids([rows.ids[i] for i in idx])
        messages.extend(f"emergent themes: {m}" for m in model.messages_)
        cand_table = emergent_candidates(model, idx, topics, dict(zip(table["topic"], table["emergent"])))
        cand_table = _drop_chit_chat(out, rows, idx, np.asarray(model.topics_), cand_table, messages)
        n_left = int((model._fitted_topics() == -1).sum())
        if n_left:
            messages.append(f"emergent themes: {n_left} open segment(s) fit no candidate")
        col[rows.pos[idx]] = model.topics_
    out["emergent_candidate"] = col
    return cand_table, model


#: a candidate made mostly of these is no theme: call openings and closings, answers of a few words
CHIT_CHAT_SHARE = 0.6
EDGE_TURNS = 3
_WORDS_RX = re.compile(r"[^\W\d_]{2,}")


def _edge_or_empty(out: pd.DataFrame) -> np.ndarray:
    """Rows that are one of the first or last ``EDGE_TURNS`` turns of their call, or hold fewer than
    four words (a formula, a stray character, "Please see our annual report")."""
    few = out["text"].astype(str).map(lambda t: len(_WORDS_RX.findall(t)) < 4).to_numpy() \
        if "text" in out.columns else np.zeros(len(out), bool)
    edge = np.zeros(len(out), bool)
    if {"doc_id", "kind"} <= set(out.columns):
        calls = out["kind"].astype(str).to_numpy() == "transcript"
        order = pd.Series(np.arange(len(out)), index=out.index)
        for _, grp in out[calls].groupby("doc_id", sort=False):
            pos = order[grp.index].to_numpy()
            if len(pos) > 2 * EDGE_TURNS:
                edge[pos[:EDGE_TURNS]] = True
                edge[pos[-EDGE_TURNS:]] = True
    return few | edge


def _drop_chit_chat(out: pd.DataFrame, rows: _Rows, idx: np.ndarray, cand_topics: np.ndarray,
                    cand_table: pd.DataFrame, messages: list[str]) -> pd.DataFrame:
    """Emergent candidates made mostly of call openings and closings ("can you hear me", "drop me an
    email") or of answers of a few words are set aside, with a note: they are how calls start and
    end, not a theme the codebook missed."""
    if not len(cand_table):
        return cand_table
    flag = _edge_or_empty(out)[rows.pos[idx]]
    keep = []
    for _, r in cand_table.iterrows():
        members = cand_topics == r["candidate"]
        share = float(flag[members].mean()) if members.any() else 0.0
        if share >= CHIT_CHAT_SHARE:
            messages.append(f"emergent themes: candidate \u201c{r['label']}\u201d ({int(members.sum())} segments) set "
                            f"aside: {share:.0%} of it are the first or last turns of calls or answers of a few words")
            keep.append(False)
        else:
            keep.append(True)
    return cand_table[keep].reset_index(drop=True)


def _by_attribute(out: pd.DataFrame, by: Sequence[str] | None, messages: list[str]) -> dict[str, pd.DataFrame]:
    by_cols = list(by) if by is not None else [c for c in ("trust_type", "region") if c in out.columns]
    tables = {}
    for c in by_cols:
        if c not in out.columns:
            messages.append(f"no column {c!r} to count topics by")
            continue
        tables[c] = topics_by(out, c)
    return tables


def _over_time(out: pd.DataFrame, time_column: str | None, time_freq: str | None,
               messages: list[str]) -> tuple[str | None, pd.DataFrame | None]:
    tcol = None
    if time_column == "auto":
        tcol = find_time_column(out.columns)
    elif time_column:
        if time_column not in out.columns:
            messages.append(f"no column {time_column!r}: no topics over time")
        else:
            tcol = time_column
    return tcol, (topics_over_time(out, tcol, freq=time_freq) if tcol is not None else None)


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
    small_talk: bool = True,
    redact_labels: bool = True,
    extra_names: Sequence[str] = (),
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
    interviewer turns (``skip_roles``) are kept in ``segments`` but not modelled; so are transcript
    turns that are small talk (greetings, thanks, goodbyes, back-channel) unless ``small_talk=False``.

    ``redact_labels`` (default True): defence in depth against names the text redaction missed:
    name-like keywords and key phrases are dropped (labels are built from the rest), and the
    representative texts and the texts shown on the map are redacted again; ``extra_names``:
    names to keep out whatever the context (see :mod:`insightkit.topics.privacy`). The
    ``segments`` table itself is returned as given: redact it before (``insightkit clean``).
    """
    df = _as_table(segments, text_column, mode)
    messages: list[str] = []
    guard = NameGuard(extra_names) if redact_labels else None
    rows = _modelled_rows(df, text_column, id_column, skip_roles, messages, small_talk)
    emb, embedder = _embed(df, rows, embeddings, embedder, seed)
    tags = _theme_tags(df, themes, rows.pos, low_score_threshold, messages)
    mode_kw, zs_ids = _mode_settings(mode, codebook, tags.cb_themes, zeroshot_min_similarity)
    model_kw = dict(embedder=embedder, seed=seed, min_topic_size=min_topic_size, representation=representation,
                    outlier_threshold=outlier_threshold, redact_labels=guard or False, **mode_kw)
    main, table = _main_model(model_kw, rows, emb, tags, emergent_share, seed, mode, zs_ids, messages)
    main_topics = main._fitted_topics()
    out = _topic_columns(df, rows.pos, main_topics, table)
    sub_kw = dict(embedder=embedder, seed=seed, representation=representation, outlier_threshold=outlier_threshold,
                  redact_labels=guard or False)
    sub_tables, sub_models = (_subthemes(out, rows, emb, tags, sub_kw, min_subtheme_segments, messages)
                              if subthemes and tags.tags is not None else ({}, {}))
    cand_table, emergent_model = (_emergent(out, rows, emb, tags.open_, main_topics, table, sub_kw, messages)
                                  if emergent and tags.open_ is not None else (pd.DataFrame(columns=EMERGENT_COLUMNS), None))
    if guard is not None:  # names judged name-like in a later model are hidden in every table's texts
        for t in [table, cand_table, *sub_tables.values()]:
            if "representative_text" in t.columns and len(t):
                t["representative_text"] = [guard.scrub(str(x)) for x in t["representative_text"]]
    by_attribute = _by_attribute(out, by, messages)
    tcol, over_time = _over_time(out, time_column, time_freq, messages)
    params = {"main": main._fitted_params().to_dict(), "cluster_method": main.cluster_method_, "mode": mode, "seed": seed,
              "low_score_threshold": low_score_threshold, "emergent_share": emergent_share,
              "n_rows": len(df), "n_modelled": len(rows.pos), "time_column": tcol}
    if sub_models:
        params["subthemes"] = {k: m._fitted_params().to_dict() for k, m in sub_models.items()}
    if emergent_model is not None:
        params["emergent"] = emergent_model._fitted_params().to_dict()
    return TopicResult(
        segments=out, topics=table, subthemes=sub_tables, emergent=cand_table, rejected=rows.rejected,
        messages=messages, by_attribute=by_attribute, over_time=over_time, params=params,
        outliers=dict(main.outliers_), theme_ids=tags.tagged_ids, model=main, subtheme_models=sub_models,
        emergent_model=emergent_model, coords=main.coords_,
        map_texts=np.asarray(guard.texts(rows.texts) if guard is not None else rows.texts, dtype=object),
    )
