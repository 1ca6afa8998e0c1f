"""Choosing quotes: score the candidates of each theme, filter, choose by maximal marginal relevance
with spread and balance rules, keep a passage under one theme, and explain every choice.

:func:`select_quotes` chains the steps; each step is a small function below, the quotes table is
built in :mod:`~insightkit.quotes.rows`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from insightkit.errors import InputError, ParameterError
from insightkit.quotes.balance import check_balance, kind_quotas, short_kinds
from insightkit.quotes.candidates import build_candidates, overlap, row_value
from insightkit.quotes.config import DEFAULT_SPREAD_BY, QuoteConfig, QuoteSelection
from insightkit.quotes.decisions import (ThemeDecisions, decided_segments, decision_status, load_decisions,
                                         theme_decisions)
from insightkit.quotes.effects import decision_effects, decision_name
from insightkit.quotes.rows import QUOTE_COLUMNS, ThemeRows, balance_note, quotes_frame, theme_rows
from insightkit.quotes.scoring import combined_scores, theme_centroid, window_theme_scores
from insightkit.quotes.suppression import GroupCounts, check_suppression
from insightkit.segments import theme_ids as segment_theme_ids
from insightkit.sentences import SentenceSplitter

__all__ = ["select_quotes", "QUOTE_COLUMNS"]

_POOL_ONLY = ("ci", "a", "b", "pinned", "spread", "withheld")  # pool fields that are not columns of ``candidates``


@dataclass
class _Run:
    """What every step of one selection shares: the table, the candidates and their vectors."""

    cfg: QuoteConfig
    segs: pd.DataFrame
    seg_by_id: pd.DataFrame
    seg_row: dict
    cand: pd.DataFrame
    cand_vecs: np.ndarray
    seg_vecs: np.ndarray
    window_scores: dict
    thresholds: dict
    spread_cols: tuple  # spread_by columns the table has (the others are ignored)
    extra_cols: tuple  # spread columns that are not already columns of the quotes table
    groups: GroupCounts  # people per group and theme, for the report's suppression rule


def _config(config: QuoteConfig | None, spread_by) -> QuoteConfig:
    """The config, checked, with ``spread_by`` (a column name or a list of them) set when given."""
    cfg = config or QuoteConfig()
    cfg = replace(cfg, balance=check_balance(cfg.balance))
    check_suppression(cfg.min_count, cfg.suppressed)
    if spread_by is None:
        return cfg
    cols = (spread_by,) if isinstance(spread_by, str) else tuple(spread_by)
    if not all(isinstance(c, str) and c for c in cols):
        raise ParameterError(f"spread_by must name columns of the segment table, got {spread_by!r}")
    return replace(cfg, spread_by=cols)


def _check_request(tagged, themes) -> tuple[list[str], list[str]]:
    """(every theme id of the table, the themes asked for), or an error saying what is wrong."""
    if not isinstance(tagged, pd.DataFrame):
        raise ParameterError("select_quotes needs a tagged segment table (a DataFrame)")
    all_ids = segment_theme_ids(tagged)
    if not all_ids:
        raise InputError(None, "the segment table has no theme_<id> columns: tag it first")
    theme_list = list(themes) if themes is not None else all_ids
    unknown = [t for t in theme_list if t not in all_ids]
    if unknown:
        # the table has no theme_<id> column for them: a problem of the table, named by the caller
        raise InputError(None, f"unknown theme(s): {', '.join(unknown)} (the table has {', '.join(all_ids)})")
    return all_ids, theme_list


def _theme_labels(theme_labels: Mapping[str, str] | None, model) -> dict:
    labels = dict(theme_labels or {})
    if model is not None and not labels:
        cb = getattr(model, "codebook", None)
        if cb is not None:
            labels = {t.id: t.label for t in cb.themes}
    return labels


def _wanted_segments(segs: pd.DataFrame, theme_list: list[str], cfg: QuoteConfig) -> set:
    """Segments tagged with a requested theme, the best-scoring ``max_segments_per_theme`` of each."""
    wanted: set = set()
    for t in theme_list:
        sub = segs[pd.to_numeric(segs[f"theme_{t}"], errors="coerce").fillna(0) > 0]
        if "role" in sub.columns:
            sub = sub[sub["role"].fillna("") != "interviewer"]
        if f"score_{t}" in sub.columns:
            sub = sub.sort_values([f"score_{t}", "segment_id"], ascending=[False, True])
        wanted.update(sub["segment_id"].head(cfg.max_segments_per_theme))
    return wanted


def _embedder(embedder, model):
    if embedder is not None:
        return embedder
    if model is not None and hasattr(model, "embedder_"):
        return model.embedder_
    from insightkit.embed import get_embedder

    return get_embedder()


def _prepare(segs, cand, cfg, model, embedder) -> _Run:
    """Embed the candidates and the segments once; re-score the windows with the model."""
    embedder = _embedder(embedder, model)
    cand_vecs = embedder.encode(cand["quote"].tolist()) if len(cand) else np.zeros((0, 1), dtype=np.float32)
    seg_vecs = embedder.encode(segs["text"].fillna("").astype(str).tolist())
    window_scores, thresholds = window_theme_scores(model, cand, cand_vecs)
    spread_cols = tuple(c for c in cfg.spread_by if c in segs.columns)
    extra = tuple(c for c in dict.fromkeys(spread_cols) if c not in QUOTE_COLUMNS)
    return _Run(cfg=cfg, segs=segs, seg_by_id=segs.set_index("segment_id", drop=False),
                seg_row={sid: i for i, sid in enumerate(segs["segment_id"])}, cand=cand, cand_vecs=cand_vecs,
                seg_vecs=seg_vecs, window_scores=window_scores, thresholds=thresholds, spread_cols=spread_cols,
                extra_cols=extra, groups=GroupCounts(segs, tuple(cfg.suppress_by), cfg.min_count))


# --- the pool of each theme: scored, filtered ----------------------------------------------------


def _theme_masks(segs: pd.DataFrame, t: str) -> tuple[np.ndarray, np.ndarray]:
    """(segments tagged with ``t``, those of them not said by an interviewer)."""
    tagged = pd.to_numeric(segs[f"theme_{t}"], errors="coerce").fillna(0).to_numpy() > 0
    if "role" in segs.columns:
        return tagged, tagged & (segs["role"].fillna("").to_numpy() != "interviewer")
    return tagged, tagged


def _theme_score(run: _Run, t: str, idx: np.ndarray) -> np.ndarray:
    if t in run.window_scores:
        return run.window_scores[t][idx]
    if f"score_{t}" in run.segs.columns:
        return np.array([float(run.segs.at[run.seg_row[s], f"score_{t}"]) for s in run.cand["segment_id"].iloc[idx]])
    return np.ones(len(idx))


def _pool_entry(run: _Run, t: str, ci: int, scores: tuple, pinned_ids: list[str]) -> dict:
    c = run.cand.iloc[ci]
    seg = run.seg_by_id.loc[c["segment_id"]]
    tscore, rep, spec, voice, total = scores
    person = str(row_value(seg, "participant_id", c["segment_id"]))
    return {
        "ci": int(ci), "quote_id": c["quote_id"], "segment_id": c["segment_id"], "a": int(c["offset_in_text"]),
        "b": int(c["end_in_text"]), "quote": c["quote"],
        "theme_score": float(tscore), "representativeness": float(rep), "specificity": float(spec),
        "voice": float(voice), "score": float(total), "participant_id": person,
        "kind": str(row_value(seg, "kind")), "trust_type": str(row_value(seg, "trust_type")),
        "region": str(row_value(seg, "region")),
        "topic": row_value(seg, "topic", None), "attribution": str(row_value(seg, "attribution")),
        "pinned": c["quote_id"] in pinned_ids,
        "spread": tuple(str(row_value(seg, col)) for col in run.spread_cols),
        "withheld": run.groups.suppressed(t, person),
    }


def _score_pool(run: _Run, t: str, dec: ThemeDecisions, tagged_mask, people_mask) -> list[dict]:
    """Every candidate of theme ``t`` with its three scores, best first (ties on the quote id).

    A reviewer's pinned window stays a candidate even when its turn is no longer tagged."""
    cand = run.cand
    centroid = theme_centroid(run.seg_vecs, people_mask)
    in_theme = (cand["segment_id"].map(lambda s: bool(tagged_mask[run.seg_row[s]])).to_numpy(dtype=bool)
                | cand["quote_id"].isin(dec.pinned_ids).to_numpy(dtype=bool)) if len(cand) else np.zeros(0, bool)
    idx = np.flatnonzero(in_theme)
    tscore = _theme_score(run, t, idx)
    voice = cand["voice"].to_numpy(dtype=float)[idx] if "voice" in cand.columns else None
    rep, spec, vo, total = combined_scores(tscore, run.cand_vecs[idx], centroid, cand["quote"].iloc[idx], voice)
    pool = [_pool_entry(run, t, int(ci), (tscore[k], rep[k], spec[k], vo[k], total[k]), dec.pinned_ids)
            for k, ci in enumerate(idx)]
    pool.sort(key=lambda p: (-p["score"], p["quote_id"]))
    return pool


def _filter_pool(run: _Run, t: str, pool: list[dict], dec: ThemeDecisions, rejected: list[dict]) -> list[dict]:
    """Drop windows a reviewer rejected, off-theme windows, near-duplicates and (when asked) windows
    of a suppressed group (each with its reason)."""
    cfg = run.cfg
    min_score = cfg.min_theme_score if cfg.min_theme_score is not None else \
        run.thresholds.get(t, 0.5 if t in run.window_scores else 0.0)
    viable: list[dict] = []
    kept_vecs: list[tuple[np.ndarray, dict]] = []  # (vector, pool entry) of the windows kept so far
    for p in pool:
        why, detail = dec.rejection(p, t)
        if not why:
            detail = f"theme {t}"
            if p["theme_score"] < min_score and not p["pinned"]:
                why = "off_theme"
            elif p["withheld"] and cfg.suppressed == "omit" and not p["pinned"]:
                why, detail = "suppressed_group", f"theme {t}: {p['withheld']}"
            else:
                v = run.cand_vecs[p["ci"]]
                sims = [float(v @ kv) for kv, kp in kept_vecs if kp["segment_id"] != p["segment_id"]]
                if sims and max(sims) > cfg.near_duplicate and not p["pinned"]:
                    why = "near_duplicate"
        if why:
            rejected.append({"segment_id": p["segment_id"], "quote_id": p["quote_id"], "quote": p["quote"],
                             "reason": why, "detail": detail})
            continue
        viable.append(p)
        kept_vecs.append((run.cand_vecs[p["ci"]], p))
    return viable


def _candidate_row(run: _Run, t: str, p: dict) -> dict:
    row = {"theme": t, **{k: v for k, v in p.items() if k not in _POOL_ONLY}}
    row.update({c: p["spread"][run.spread_cols.index(c)] for c in run.extra_cols if c not in row})
    return row


def _theme_pool(run: _Run, t: str, dec: ThemeDecisions, messages: list[str], rejected: list[dict],
                cand_rows: list[dict]) -> list[dict]:
    """The viable windows of theme ``t``, best first."""
    tagged_mask, people_mask = _theme_masks(run.segs, t)
    if not people_mask.any() and not dec.pinned_ids:
        messages.append(f"{t}: no participant segment is tagged with this theme")
        return []
    viable = _filter_pool(run, t, _score_pool(run, t, dec, tagged_mask, people_mask), dec, rejected)
    cand_rows.extend(_candidate_row(run, t, p) for p in viable)
    return viable


# --- choosing: maximal marginal relevance with spread rules --------------------------------------


def _value_sets(pool: list[dict], n_cols: int) -> list[set]:
    """The non-empty values of each spread column among the pool."""
    return [{p["spread"][i] for p in pool if p["spread"][i]} for i in range(n_cols)]


def _mmr_value(p: dict, chosen: list[dict], run: _Run, values: list[set], topics: set) -> float:
    """Relevance against redundancy, less a penalty for each value already represented while
    other values remain."""
    cfg = run.cfg
    red = max((float(run.cand_vecs[p["ci"]] @ run.cand_vecs[c["ci"]]) for c in chosen), default=0.0)
    val = cfg.mmr_lambda * p["score"] - (1 - cfg.mmr_lambda) * red
    for i, have in enumerate(values):
        used = {c["spread"][i] for c in chosen}
        if p["spread"][i] in used and (have - used):
            val -= cfg.spread_penalty(i)
    used_tp = {c["topic"] for c in chosen}
    if p["topic"] in used_tp and (topics - used_tp) and p["topic"] not in (None, "", -1):
        val -= cfg.spread_penalty_topic
    return val


def _best(pool: list[dict], chosen: list[dict], run: _Run, values: list[set], topics: set, kinds: set) -> dict | None:
    """The window of the highest MMR value among those of ``kinds`` (any kind when empty) that add
    a person and overlap nothing chosen."""
    used_people = {c["participant_id"] for c in chosen}
    best, best_val = None, -1e9
    for p in pool:
        if (kinds and p["kind"] not in kinds) or p["participant_id"] in used_people or any(overlap(p, c) for c in chosen):
            continue
        val = _mmr_value(p, chosen, run, values, topics)
        if val > best_val + 1e-12:
            best, best_val = p, val
    return best


def _choose(viable: list[dict], banned: Mapping[str, str], pinned_ids: Sequence[str], n: int,
            run: _Run) -> tuple[list[dict], dict[str, str]]:
    """Reviewer-pinned windows first, then maximal marginal relevance with the spread and balance
    rules. Returns the chosen windows and, for those a balance quota chose over a better-valued
    window, why."""
    pool = [p for p in viable if p["quote_id"] not in banned]
    chosen: list[dict] = []
    for qid in pinned_ids:
        p = next((v for v in pool if v["quote_id"] == qid), None)
        if p is None:
            continue  # reported with the stale decisions
        if all(c["quote_id"] != qid for c in chosen):
            chosen.append(p)
    values = _value_sets(pool, len(run.spread_cols))
    topics = {p["topic"] for p in pool if p["topic"] not in (None, "", -1)}
    quotas = kind_quotas(pool, n, run.cfg.balance or {})
    notes: dict[str, str] = {}
    while len(chosen) < n:
        kinds = short_kinds(chosen, quotas, n)
        best = _best(pool, chosen, run, values, topics, kinds) if kinds else None
        free = _best(pool, chosen, run, values, topics, set())
        if best is None:
            best = free
        elif free is not None and free is not best:
            notes[best["quote_id"]] = balance_note(best["kind"], quotas[best["kind"]], n)
        if best is None:
            break
        chosen.append(best)
    return chosen, notes


def _belongs_more(p: dict, q: dict, tp: str, tq: str, order: list[str]) -> bool:
    """Whether window ``p`` (chosen for ``tp``) has the better claim than ``q`` (chosen for ``tq``).

    A reviewer's pin wins; then the higher classifier score on the window itself; then the higher
    combined score; then the theme listed first.
    """
    if p["pinned"] != q["pinned"]:
        return p["pinned"]
    kp = (round(p["theme_score"], 6), round(p["score"], 6), -order.index(tp))
    kq = (round(q["theme_score"], 6), round(q["score"], 6), -order.index(tq))
    return kp > kq


def _ban_shared(chosen_by_theme: dict, pools: dict, banned: dict, theme_list: list[str]) -> bool:
    """Where two themes chose overlapping windows, ban the overlap from the theme with the weaker
    claim; whether anything new was banned."""
    changed = False
    flat = [(t, c) for t in theme_list for c in chosen_by_theme[t]]
    for i, (t1, c1) in enumerate(flat):
        for t2, c2 in flat[i + 1:]:
            if t1 == t2 or not overlap(c1, c2):
                continue
            owner, loser = (t1, c1), (t2, c2)
            if _belongs_more(c2, c1, t2, t1, theme_list):
                owner, loser = loser, owner
            if loser[1]["pinned"]:
                continue  # a reviewer put it there; only a reviewer takes it out
            (ot, oc), (lt, lc) = owner, loser
            note = (f"theme {lt}: overlaps {oc['quote_id']}, chosen for theme {ot} where it scores higher "
                    f"(theme score {oc['theme_score']:.2f} against {lc['theme_score']:.2f})")
            for p in pools[lt]:
                if overlap(p, oc) and p["quote_id"] not in banned[lt] and not p["pinned"]:
                    banned[lt][p["quote_id"]] = note
                    changed = True
    return changed


def _choose_all(run: _Run, pools: dict, decs: dict, theme_list: list[str], n: int) -> tuple[dict, dict, dict]:
    """The chosen windows of each theme; unless shared quotes are allowed, a window (or an
    overlapping one) goes to one theme only. Returns (chosen by theme, banned by theme, notes by
    theme)."""
    banned: dict[str, dict[str, str]] = {t: {} for t in theme_list}  # theme -> quote_id -> why
    while True:
        picks = {t: _choose(pools[t], banned[t], decs[t].pinned_ids, n, run) for t in theme_list}
        chosen_by_theme = {t: picks[t][0] for t in theme_list}
        if run.cfg.allow_shared or not _ban_shared(chosen_by_theme, pools, banned, theme_list):
            return chosen_by_theme, banned, {t: picks[t][1] for t in theme_list}


def _banned_rows(pools: dict, banned: dict, theme_list: list[str]) -> list[dict]:
    return [{"segment_id": p["segment_id"], "quote_id": p["quote_id"], "quote": p["quote"],
             "reason": "chosen_for_other_theme", "detail": banned[t][p["quote_id"]]}
            for t in theme_list for p in pools[t] if p["quote_id"] in banned[t]]


# --- the quotes table ------------------------------------------------------------------------------


def _quotes_table(run: _Run, theme_list, labels, pools, picks, banned, decs, n, messages,
                  effects: pd.DataFrame) -> pd.DataFrame:
    chosen_by_theme, notes = picks
    all_chosen = [c for t in theme_list for c in chosen_by_theme[t]]
    shown_names: dict[str, str] = {}
    rows: list[dict] = []
    for t in theme_list:
        chosen = chosen_by_theme[t]
        if pools[t] and len(chosen) < n:
            messages.append(f"{t}: only {len(chosen)} quote(s) from distinct participants pass the filters")
        viable = [p for p in pools[t] if p["quote_id"] not in banned[t]]
        others = [c for c in all_chosen if not any(c is x for x in chosen)]
        rows += theme_rows(run, ThemeRows(theme=t, label=labels.get(t, t), viable=viable, chosen=chosen, others=others,
                                          decided=decs[t].decided, notes=notes[t], effects=_quote_effects(effects, t, decs[t]),
                                          n=n), shown_names)
    return quotes_frame(rows, run.extra_cols)


def _quote_effects(effects: pd.DataFrame, t: str, dec: ThemeDecisions) -> dict[str, str]:
    """What the decisions caused, by the quote id of each chosen quote it concerns: an added quote
    says whose place it took; a quote kept by a decision says what that decision also dropped."""
    out: dict[str, list[str]] = {}
    sub = effects[effects["theme"] == t] if len(effects) else effects
    for _, e in sub.iterrows():
        if e["effect"] == "added":
            out.setdefault(e["quote_id"], []).append(e["detail"])
    for _, e in (effects[effects["effect"] == "dropped"] if len(effects) else effects).iterrows():
        for qid, d in dec.decided.items():
            kept = d["quote_id"] if d["decision"] == "accept" else d["replacement_id"]
            if qid == kept and e["caused_by"] == decision_name(d):
                out.setdefault(qid, []).append(f"this decision also dropped {e['quote_id']} under theme {e['theme']}: "
                                               f"{e['detail']}")
    return {k: "; ".join(dict.fromkeys(v)) for k, v in out.items()}


def _baseline(run: _Run, theme_list: list[str], n: int) -> dict:
    """The windows each theme would choose with no decisions (to see what the decisions caused)."""
    empty = {t: ThemeDecisions() for t in theme_list}
    pools = {t: _theme_pool(run, t, empty[t], [], [], []) for t in theme_list}
    return _choose_all(run, pools, empty, theme_list, n)[0]


def _effects(run: _Run, decisions_df: pd.DataFrame, theme_list, chosen_by_theme, decs, n, messages) -> pd.DataFrame:
    """The effects of the decisions beyond the quotes they name, each also said in ``messages``."""
    if not len(decisions_df):
        return decision_effects({t: [] for t in theme_list}, {t: [] for t in theme_list}, decs, theme_list)
    effects = decision_effects(_baseline(run, theme_list, n), chosen_by_theme, decs, theme_list)
    for _, e in effects[effects["effect"] == "dropped"].iterrows():
        messages.append(f"{e['theme']}: {e['quote_id']} no longer chosen: {e['detail']} (caused by {e['caused_by']})")
    return effects


def _spread_notes(cfg: QuoteConfig, segs: pd.DataFrame) -> list[str]:
    """A note for each column asked for in ``spread_by`` that the table lacks (the default
    columns are skipped quietly, as a table without trust types or regions is common)."""
    return [f"no column {c!r} to spread quotes by: ignored" for c in dict.fromkeys(cfg.spread_by)
            if c not in segs.columns and c not in DEFAULT_SPREAD_BY]


def select_quotes(
    tagged: pd.DataFrame,
    themes: Iterable[str] | None = None,
    n: int = 3,
    *,
    model=None,
    embedder=None,
    decisions=None,
    config: QuoteConfig | None = None,
    theme_labels: Mapping[str, str] | None = None,
    splitter: SentenceSplitter | None = None,
    spread_by: str | Sequence[str] | None = None,
) -> QuoteSelection:
    """Choose ``n`` representative, attributed quotes per theme from a tagged segment table.

    ``model`` (a fitted ThemeClassifier) re-scores each candidate window, so a quote is on-theme
    in its own words and not only by its turn; without it the segment's ``score_<id>`` is used.
    ``decisions`` (a file or table of reviewer decisions) is honoured: a rejected quote and every
    window of its turn that overlaps it stay out of that theme, and a rejected passage out of every
    other theme too; accepted quotes and replacements stay even if their scores drop; a decision
    whose id names no window any more raises a :class:`QuoteDecisionWarning` and is marked stale in
    ``selection.decisions['status']``. What a decision caused beyond its own quote (another quote
    of the same person dropped, a passage kept out of another theme) is in ``selection.effects``,
    the quotes' ``decision_effect``, the decisions' ``effect`` and ``messages``.
    Unless ``config.allow_shared``, a passage is quoted under one theme only: the one where the
    classifier scores the window highest. ``spread_by`` (default ``config.spread_by``,
    ``("trust_type", "region")``): columns whose values the quotes of a theme are spread across;
    a column the table lacks is ignored. ``config.balance`` gives the calls and the survey each a
    least share of a theme's quotes; ``config.min_count`` withholds the attribution of a quote
    from a group whose count the report suppresses. Deterministic for the same input.
    """
    cfg = _config(config, spread_by)
    all_ids, theme_list = _check_request(tagged, themes)
    decisions_df = load_decisions(decisions)
    labels = _theme_labels(theme_labels, model)
    segs = tagged.reset_index(drop=True)
    wanted = _wanted_segments(segs, theme_list, cfg) | decided_segments(decisions_df)
    cand, rejected = build_candidates(segs[segs["segment_id"].isin(wanted)], cfg, splitter=splitter)
    messages = _spread_notes(cfg, segs)
    if cand.empty:
        messages.append("no quotable candidates: every window was filtered out (see rejected)")
    run = _prepare(segs, cand, cfg, model, embedder)
    decs = {t: theme_decisions(decisions_df, t) for t in theme_list}
    extra_rejected: list[dict] = []
    cand_rows: list[dict] = []
    pools = {t: _theme_pool(run, t, decs[t], messages, extra_rejected, cand_rows) for t in theme_list}
    chosen_by_theme, banned, notes = _choose_all(run, pools, decs, theme_list, n)
    extra_rejected += _banned_rows(pools, banned, theme_list)
    if extra_rejected:
        rejected = pd.concat([rejected, pd.DataFrame(extra_rejected)], ignore_index=True)
    effects = _effects(run, decisions_df, theme_list, chosen_by_theme, decs, n, messages)
    quotes = _quotes_table(run, theme_list, labels, pools, (chosen_by_theme, notes), banned, decs, n, messages, effects)
    known = set(cand["quote_id"]) | set(rejected["quote_id"].dropna())
    decisions_df = decision_status(decisions_df, known, all_ids, theme_list, chosen_by_theme, rejected, messages)
    decisions_df = decisions_df.assign(effect=_decision_effect_text(decisions_df, effects))
    return QuoteSelection(quotes=quotes, candidates=pd.DataFrame(cand_rows), rejected=rejected.reset_index(drop=True),
                          decisions=decisions_df, messages=messages, spread_by=tuple(cfg.spread_by), effects=effects)


def _decision_effect_text(decisions_df: pd.DataFrame, effects: pd.DataFrame) -> list[str]:
    """For each decision, what it caused beyond its own quote ("" when nothing)."""
    out = []
    for _, d in decisions_df.iterrows():
        name = decision_name(d)
        hits = effects[(effects["effect"] == "dropped") & (effects["caused_by"] == name)] if len(effects) else effects
        out.append("; ".join(f"dropped {e['quote_id']} under theme {e['theme']}: {e['detail']}" for _, e in hits.iterrows()))
    return out
