"""Representative, attributed quotes with an audit trail a reviewer can follow and override.

Candidates are windows of one to three consecutive sentences within one participant's turn (or a
whole short survey answer). Each filter that drops a candidate records why. For each theme the
candidates are scored on three documented parts and chosen by maximal marginal relevance with
rules for spreading voices across people, trust types, regions and sub-topics. Every chosen quote
carries its exact source span and the edits that turn that span into the shown text, so
:func:`verify_quotes` can prove it verbatim against the source file. A quotes table is made to be
shared, so it names its file only by the shown name (``source_display``: names in the file name
redacted); the real file is reached through ``doc_id`` and the segment table (``docs/quotes.md``).

Combined score (documented in ``docs/quotes.md``)::

    score = 0.5 * theme_score + 0.3 * representativeness + 0.2 * specificity
"""

from __future__ import annotations

import html
import json
import math
import re
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from insightkit.alignment import AlignedText, apply_edits, edits_from_json, edits_to_json
from insightkit.errors import InputError, InsightkitError
from insightkit.redact.types import PLACEHOLDER_RX
from insightkit.sentences import SentenceSplitter, sentence_spans
from insightkit.segments import theme_ids as segment_theme_ids

__all__ = [
    "QuoteConfig",
    "QuoteSelection",
    "QuoteVerificationError",
    "QuoteDecisionWarning",
    "build_candidates",
    "select_quotes",
    "verify_quotes",
    "load_decisions",
    "DECISION_COLUMNS",
    "write_audit_html",
]

_WORD_RX = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_END_RX = re.compile(r"[.!?…][\"'”’)\]]*$")
_LIST_NUMBER_END_RX = re.compile(r"(?:^|\s)\(?\d{1,2}[.)]$")  # "... 3." is the next item's number, not an end
_START_RX = re.compile(r"^[\"'“‘(]*[A-Z0-9£]")
_NUMBER_RX = re.compile(r"(?<![A-Za-z])(?:£\s?)?\d[\d,.]*\s?(?:%|per ?cent|k|m|bn|million|billion|hours?|days?|weeks?|months?|years?|minutes?)?")
_ACRONYM_RX = re.compile(r"\b[A-Z][A-Z0-9]{1,6}s?\b")
_ACTION_RX = re.compile(
    r"\b(?:implemented|rolled out|went live|gone live|launched|introduced|deployed|replaced|migrated|moved|built|"
    r"trained|recruited|appointed|reduced|saved|cut|halved|doubled|automated|switched|procured|signed|installed|"
    r"upgraded|set up|created|established|merged|converged|retired|decommissioned)\b",
    re.I,
)
_WEIGHTS = {"theme_score": 0.5, "representativeness": 0.3, "specificity": 0.2}

DECISION_COLUMNS = ["theme", "quote_id", "decision", "replacement_id", "reviewer", "date", "note"]
_DECISIONS = {"accept", "reject", "replace"}


class QuoteDecisionWarning(UserWarning):
    """A reviewer decision that could not be applied as written, so it is never dropped silently.

    :func:`select_quotes` warns when a decision's quote id (or replacement id) names no window of
    the table any more (the source, cleaning or filters changed), names a theme the table does not
    have, or keeps a window that no longer passes the filters; the decision's ``status`` in
    ``selection.decisions`` says which. The CLI prints each as ``warning: decisions file: ...``. To
    stop on one instead: ``warnings.simplefilter("error", insightkit.QuoteDecisionWarning)``.
    """


class QuoteVerificationError(InsightkitError):
    """A quote does not match its source span: never shown, never exported."""

    def __init__(self, failures: list[str], table: str | Path | None = None):
        self.failures = failures
        head = "; ".join(failures[:3])
        more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
        where = f"{table}: " if table is not None else ""
        super().__init__(f"{where}{len(failures)} quote(s) do not match their source: {head}{more}")


@dataclass
class QuoteConfig:
    """Quotability filters and selection knobs (all documented in docs/quotes.md)."""

    min_words: int = 12
    max_words: int = 90
    max_sentences: int = 3
    allow_placeholders: bool = False
    near_duplicate: float = 0.92  # cosine above which a weaker candidate is a near-duplicate
    mmr_lambda: float = 0.7  # weight of relevance against redundancy in MMR
    spread_penalty_trust_type: float = 0.10
    spread_penalty_region: float = 0.05
    spread_penalty_topic: float = 0.05
    n_alternatives: int = 3
    max_segments_per_theme: int = 80  # candidates come from the best-scoring segments per theme
    min_theme_score: float | None = None  # default: the model's threshold, else 0.5
    allow_shared: bool = False  # may one window (or overlapping ones) be chosen for two themes?


@dataclass
class QuoteSelection:
    """What :func:`select_quotes` returns; iterates as ``(quotes, rejected)``."""

    quotes: pd.DataFrame
    candidates: pd.DataFrame
    rejected: pd.DataFrame
    decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECISION_COLUMNS))
    messages: list[str] = field(default_factory=list)

    def __iter__(self):
        yield self.quotes
        yield self.rejected


# --- candidates --------------------------------------------------------------------------------


def _word_count(text: str) -> int:
    return len(_WORD_RX.findall(text))


def build_candidates(segments: pd.DataFrame, config: QuoteConfig | None = None,
                     splitter: SentenceSplitter | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All quote windows of participants' and respondents' segments, and the ones filtered out.

    Interviewers never give candidates. Each rejected window records its ``reason``.
    """
    cfg = config or QuoteConfig()
    for col in ("segment_id", "text", "start", "end"):
        if col not in segments.columns:
            raise InputError(None, f"the segment table has no '{col}' column (quotes need source offsets)")
    role = segments["role"].fillna("") if "role" in segments.columns else pd.Series("participant", index=segments.index)
    eligible = segments[(role != "interviewer") & segments["text"].fillna("").str.strip().ne("")]
    texts = eligible["text"].astype(str).tolist()
    spans = [sentence_spans(t, splitter) for t in texts]
    keep, drop = [], []
    for (_, seg), text, sents in zip(eligible.iterrows(), texts, spans):
        try:
            aligned = AlignedText.from_edits(text, int(seg["start"]), int(seg["end"]), edits_from_json(seg.get("edits")))
        except ValueError:
            drop.append({"segment_id": seg["segment_id"], "quote": text, "reason": "misaligned_segment",
                         "detail": "the segment's text does not match its span and edits"})
            continue
        windows: dict[tuple[int, int], None] = {}
        for i in range(len(sents)):
            for k in range(1, cfg.max_sentences + 1):
                if i + k <= len(sents):
                    windows[(sents[i][0], sents[i + k - 1][1])] = None
        if str(seg.get("kind", "")) == "survey" and text.strip():
            a = len(text) - len(text.lstrip())
            windows[(a, len(text.rstrip()))] = None
        for a, b in windows:
            quote = text[a:b]
            words = _word_count(quote)
            reason = ""
            if words < cfg.min_words:
                reason = "too_short"
            elif words > cfg.max_words:
                reason = "too_long"
            elif not _START_RX.search(quote) or not _END_RX.search(quote) or _LIST_NUMBER_END_RX.search(quote):
                reason = "incomplete_sentence"
            elif not cfg.allow_placeholders and PLACEHOLDER_RX.search(quote):
                reason = "contains_redaction"
            quote_id = f"{seg['segment_id']}@{a}-{b}"
            if reason:
                drop.append({"segment_id": seg["segment_id"], "quote_id": quote_id, "quote": quote, "reason": reason,
                             "detail": f"{words} words"})
                continue
            piece = aligned.slice(a, b)
            src_s, src_e = aligned.source_span(a, b)
            keep.append({
                "quote_id": quote_id,
                "segment_id": seg["segment_id"],
                "offset_in_text": a,
                "quote": quote,
                "words": words,
                "start": src_s,
                "end": src_e,
                "edits": edits_to_json(piece.edits()),
            })
    cand = pd.DataFrame(keep, columns=["quote_id", "segment_id", "offset_in_text", "quote", "words", "start", "end", "edits"])
    rej = pd.DataFrame(drop, columns=["segment_id", "quote_id", "quote", "reason", "detail"])
    return cand, rej


# --- scoring -----------------------------------------------------------------------------------


def specificity(text: str) -> float:
    """Concrete detail (numbers, named systems or acronyms, actions taken) in [0, 1)."""
    numbers = len(_NUMBER_RX.findall(text))
    names = len(_ACRONYM_RX.findall(text))
    # capitalised words that do not start a sentence: systems, places, programmes
    caps = len(re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+[A-Z]?[a-z]*\b", text))
    actions = len(_ACTION_RX.findall(text))
    f = min(numbers, 2) + min(names + caps, 2) + min(actions, 2)
    return float(1 - math.exp(-f / 2.0))


def _get(row, col, default=""):
    v = row.get(col, default) if hasattr(row, "get") else default
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return default
    return v


_MAX_DECISIONS_BYTES = 50 * 1024 * 1024
_REQUIRED_DECISION_COLUMNS = ("theme", "quote_id", "decision", "reviewer")


def _decisions_text(path: Path) -> str:
    from insightkit.io.base import read_file_bytes

    raw = read_file_bytes(path, _MAX_DECISIONS_BYTES, advice="a decisions file is far smaller")  # a regular file
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(path, f"decisions file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                         line=line) from None


def _decisions_yaml(path: Path) -> pd.DataFrame:
    """A YAML list of decisions (or a mapping with ``decisions``), read with ``yaml.safe_load`` only:
    no tag builds a Python object, and a malformed file is an error naming its line."""
    import yaml

    text = _decisions_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise InputError(path, f"not valid YAML: {what}", line=mark.line + 1 if mark is not None else None) from None
    node = yaml.compose(text, Loader=yaml.SafeLoader)  # parsed without error above: line of each decision
    if data is None:
        data = []
    if isinstance(data, dict):
        if set(map(str, data)) - {"decisions"}:
            raise InputError(path, "expected a list of decisions or a mapping with only the key 'decisions'; "
                                   f"found key(s) {', '.join(sorted(map(repr, map(str, data))))}")
        data = data.get("decisions") or []
        node = next((v for k, v in node.value if k.value == "decisions"), None)
    if not isinstance(data, list):
        raise InputError(path, f"expected a list of decisions (or a mapping with 'decisions'), got {type(data).__name__}")
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise InputError(path, f"decision {i + 1} is a {type(item).__name__}, not a mapping of "
                                   f"{', '.join(DECISION_COLUMNS)}")
        for k, v in item.items():
            if isinstance(v, (dict, list)):
                raise InputError(path, f"decision {i + 1}: field {k!r} must be a single value, not a {type(v).__name__}")
    rows = [{str(k): ("" if v is None else str(v)) for k, v in item.items()} for item in data]
    columns = list(dict.fromkeys([*DECISION_COLUMNS, *(k for r in rows for k in r)]))
    df = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns, dtype=object)
    items = getattr(node, "value", None)
    if isinstance(items, list) and len(items) == len(rows):
        df.attrs["lines"] = [n.start_mark.line + 1 for n in items]
    return df


def _decisions_csv(path: Path) -> pd.DataFrame:
    import csv
    import io

    text = _decisions_text(path)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=DECISION_COLUMNS)
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        msg = " ".join(str(exc).split())
        import re

        m = re.search(r"line (\d+)", msg) or re.search(r"row (\d+)", msg)  # pandas' rows count the header as 0
        line = None if m is None else int(m.group(1)) + (1 if m.group(0).startswith("row") else 0)
        raise InputError(path, f"cannot read decisions: {msg}", line=line) from None
    return df


def load_decisions(path_or_table) -> pd.DataFrame:
    """Reviewer decisions from CSV, YAML or a DataFrame, validated."""
    if path_or_table is None:
        return pd.DataFrame(columns=DECISION_COLUMNS)
    lines = None
    if isinstance(path_or_table, pd.DataFrame):
        df = path_or_table.copy()
        where = "decisions"
    else:
        path = Path(path_or_table)
        where = str(path)
        if not path.exists():
            raise InputError(path, "decisions file not found")
        if path.suffix.lower() in {".yaml", ".yml"}:
            df = _decisions_yaml(path)
        else:
            df = _decisions_csv(path)
        missing = [c for c in _REQUIRED_DECISION_COLUMNS if c not in df.columns]
        if missing and len(df):
            raise InputError(path, f"no column(s) {', '.join(map(repr, missing))}; a decisions file has "
                                   f"{', '.join(DECISION_COLUMNS)} (found: {', '.join(map(str, df.columns)) or 'none'})")
        lines = df.attrs.get("lines")
    for col in DECISION_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    df = df[DECISION_COLUMNS].fillna("").astype(str)
    for i, r in df.iterrows():
        line = lines[i] if lines is not None and i < len(lines) else i + 2
        d = r["decision"].strip().lower()
        if d not in _DECISIONS:
            raise InputError(where, f"decision must be one of accept, reject, replace; got {r['decision']!r}", line=line)
        if not r["quote_id"].strip() or not r["theme"].strip():
            raise InputError(where, "each decision needs a theme and a quote_id", line=line)
        if d == "replace" and not r["replacement_id"].strip():
            raise InputError(where, "a 'replace' decision needs a replacement_id (one of the alternatives)", line=line)
        if not r["reviewer"].strip():
            raise InputError(where, "each decision needs the reviewer's name", line=line)
        df.at[i, "decision"] = d
    return df.reset_index(drop=True)


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a @ b.T


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
) -> QuoteSelection:
    """Choose ``n`` representative, attributed quotes per theme from a tagged segment table.

    ``model`` (a fitted ThemeClassifier) re-scores each candidate window, so a quote is on-theme
    in its own words and not only by its turn; without it the segment's ``score_<id>`` is used.
    ``decisions`` (a file or table of reviewer decisions) is honoured: a rejected quote and every
    window of its turn that overlaps it stay out of that theme; accepted quotes and replacements
    stay even if their scores drop; a decision whose id names no window any more raises a
    :class:`QuoteDecisionWarning` and is marked stale in ``selection.decisions['status']``.
    Unless ``config.allow_shared``, a passage is quoted under one theme only: the one where the
    classifier scores the window highest. Deterministic for the same input.
    """
    cfg = config or QuoteConfig()
    if not isinstance(tagged, pd.DataFrame):
        raise InputError(None, "select_quotes needs a tagged segment table (a DataFrame)")
    all_ids = segment_theme_ids(tagged)
    if not all_ids:
        raise InputError(None, "the segment table has no theme_<id> columns: tag it first")
    theme_list = list(themes) if themes is not None else all_ids
    unknown = [t for t in theme_list if t not in all_ids]
    if unknown:
        raise InputError(None, f"unknown theme(s): {', '.join(unknown)} (the table has {', '.join(all_ids)})")
    decisions_df = load_decisions(decisions)
    labels = dict(theme_labels or {})
    if model is not None and not labels:
        cb = getattr(model, "codebook", None)
        if cb is not None:
            labels = {t.id: t.label for t in cb.themes}

    segs = tagged.reset_index(drop=True)
    seg_by_id = segs.set_index("segment_id", drop=False)
    # candidates only from segments tagged with a requested theme, best-scoring first
    wanted: set = set()
    for t in theme_list:
        sub = segs[pd.to_numeric(segs[f"theme_{t}"], errors="coerce").fillna(0) > 0]
        if "role" in sub.columns:
            sub = sub[sub["role"].fillna("") != "interviewer"]
        if f"score_{t}" in sub.columns:
            sub = sub.sort_values([f"score_{t}", "segment_id"], ascending=[False, True])
        wanted.update(sub["segment_id"].head(cfg.max_segments_per_theme))
    # and every segment a reviewer decided on, so pinned windows stay candidates and stale ids show
    for col in ("quote_id", "replacement_id"):
        for qid in decisions_df[col]:
            parsed = _parse_quote_id(qid) if qid else None
            if parsed is not None:
                wanted.add(parsed[0])
    base = segs[segs["segment_id"].isin(wanted)]
    cand, rejected = build_candidates(base, cfg, splitter=splitter)
    messages: list[str] = []
    if cand.empty:
        messages.append("no quotable candidates: every window was filtered out (see rejected)")

    if embedder is None:
        if model is not None and hasattr(model, "embedder_"):
            embedder = model.embedder_
        else:
            from insightkit.embed import get_embedder

            embedder = get_embedder()
    cand_vecs = embedder.encode(cand["quote"].tolist()) if len(cand) else np.zeros((0, 1), dtype=np.float32)
    seg_vecs_all = embedder.encode(segs["text"].fillna("").astype(str).tolist())
    seg_row = {sid: i for i, sid in enumerate(segs["segment_id"])}

    thresholds: dict[str, float] = {}
    window_scores: dict[str, np.ndarray] = {}
    if model is not None and len(cand):
        ids = [t.id for t in model.codebook.themes]
        proba = model.predict_proba(cand["quote"].tolist(), embeddings=cand_vecs) if _accepts_embeddings(model) \
            else model.predict_proba(cand["quote"].tolist())
        th = getattr(model, "thresholds_", None)
        for j, tid in enumerate(ids):
            window_scores[tid] = np.asarray(proba)[:, j]
            if th is not None:
                thresholds[tid] = float(np.asarray(th)[j])

    quote_rows, cand_rows = [], []
    shown_names: dict[str, str] = {}
    # --- score every candidate per theme; reviewer rejections, theme floor, near-duplicates ---
    pools: dict[str, list[dict]] = {}
    decided_by_theme: dict[str, dict] = {}
    pinned_by_theme: dict[str, list[str]] = {}
    extra_rejected: list[dict] = []
    for t in theme_list:
        tcol = f"theme_{t}"
        tagged_mask = pd.to_numeric(segs[tcol], errors="coerce").fillna(0).to_numpy() > 0
        people_mask = tagged_mask & (segs["role"].fillna("").to_numpy() != "interviewer") if "role" in segs.columns else tagged_mask
        dec_t = decisions_df[decisions_df["theme"] == t]
        rejected_rows = [r for _, r in dec_t.iterrows() if r["decision"] in ("reject", "replace")]
        rejected_ids = {r["quote_id"] for r in rejected_rows}
        rejected_spans = [(span, r) for r in rejected_rows if (span := _parse_quote_id(r["quote_id"])) is not None]
        pinned_ids = list(dict.fromkeys(list(dec_t.loc[dec_t["decision"] == "accept", "quote_id"])
                                        + list(dec_t.loc[dec_t["decision"] == "replace", "replacement_id"])))
        pinned_by_theme[t] = pinned_ids
        decided = {r["quote_id"]: r for _, r in dec_t.iterrows()}
        decided.update({r["replacement_id"]: r for _, r in dec_t[dec_t["decision"] == "replace"].iterrows()})
        decided_by_theme[t] = decided
        if not people_mask.any() and not pinned_ids:
            messages.append(f"{t}: no participant segment is tagged with this theme")
            pools[t] = []
            continue
        centroid = seg_vecs_all[people_mask].mean(axis=0) if people_mask.any() else np.zeros(seg_vecs_all.shape[1])
        centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        # a reviewer's pinned window stays a candidate even when its turn is no longer tagged
        in_theme = (cand["segment_id"].map(lambda s: bool(tagged_mask[seg_row[s]])).to_numpy(dtype=bool)
                    | cand["quote_id"].isin(pinned_ids).to_numpy(dtype=bool)) if len(cand) else np.zeros(0, bool)
        idx = np.flatnonzero(in_theme)
        if t in window_scores:
            tscore = window_scores[t][idx]
        elif f"score_{t}" in segs.columns:
            tscore = np.array([float(segs.at[seg_row[s], f"score_{t}"]) for s in cand["segment_id"].iloc[idx]])
        else:
            tscore = np.ones(len(idx))
        min_score = cfg.min_theme_score if cfg.min_theme_score is not None else thresholds.get(t, 0.5 if t in window_scores else 0.0)
        rep = np.clip(cand_vecs[idx] @ centroid, 0, 1) if len(idx) else np.zeros(0)
        spec = np.array([specificity(q) for q in cand["quote"].iloc[idx]])
        total = _WEIGHTS["theme_score"] * tscore + _WEIGHTS["representativeness"] * rep + _WEIGHTS["specificity"] * spec
        pool = []
        for k, ci in enumerate(idx):
            c = cand.iloc[ci]
            seg = seg_by_id.loc[c["segment_id"]]
            a = int(c["offset_in_text"])
            pool.append({
                "ci": int(ci), "quote_id": c["quote_id"], "segment_id": c["segment_id"], "a": a, "b": a + len(c["quote"]),
                "quote": c["quote"],
                "theme_score": float(tscore[k]), "representativeness": float(rep[k]), "specificity": float(spec[k]),
                "score": float(total[k]), "participant_id": str(_get(seg, "participant_id", c["segment_id"])),
                "trust_type": str(_get(seg, "trust_type")), "region": str(_get(seg, "region")),
                "topic": _get(seg, "topic", None), "attribution": str(_get(seg, "attribution")),
                "pinned": c["quote_id"] in pinned_ids,
            })
        pool.sort(key=lambda p: (-p["score"], p["quote_id"]))
        viable, kept_vecs = [], []
        for p in pool:
            why, detail = "", f"theme {t}"
            hit = next((r for (sid, a, b), r in rejected_spans
                        if sid == p["segment_id"] and a < p["b"] and p["a"] < b), None)
            if p["quote_id"] in rejected_ids:
                r = next(r for r in rejected_rows if r["quote_id"] == p["quote_id"])
                why, detail = "rejected_by_reviewer", f"theme {t}: {r['decision']}ed by {r['reviewer']}"
            elif hit is not None and not p["pinned"]:
                why = "rejected_by_reviewer"
                detail = f"theme {t}: overlaps {hit['quote_id']}, {hit['decision']}ed by {hit['reviewer']}"
            elif p["theme_score"] < min_score and not p["pinned"]:
                why = "off_theme"
            else:
                v = cand_vecs[p["ci"]]
                sims = [float(v @ kv) for kv, kp in kept_vecs if kp["segment_id"] != p["segment_id"]]
                if sims and max(sims) > cfg.near_duplicate and not p["pinned"]:
                    why = "near_duplicate"
            if why:
                extra_rejected.append({"segment_id": p["segment_id"], "quote_id": p["quote_id"], "quote": p["quote"],
                                       "reason": why, "detail": detail})
                continue
            viable.append(p)
            kept_vecs.append((cand_vecs[p["ci"]], p))
        for p in viable:
            cand_rows.append({"theme": t, **{k: v for k, v in p.items() if k not in ("ci", "a", "b", "pinned")}})
        pools[t] = viable

    # --- choose per theme; a window (or an overlapping one) goes to one theme only ---------------
    banned: dict[str, dict[str, str]] = {t: {} for t in theme_list}  # theme -> quote_id -> why
    while True:
        chosen_by_theme = {t: _choose(pools[t], banned[t], pinned_by_theme[t], n, cfg, cand_vecs, messages, t)
                           for t in theme_list}
        if cfg.allow_shared:
            break
        changed = False
        flat = [(t, c) for t in theme_list for c in chosen_by_theme[t]]
        for i, (t1, c1) in enumerate(flat):
            for t2, c2 in flat[i + 1:]:
                if t1 == t2 or not _overlap(c1, c2):
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
                    if _overlap(p, oc) and p["quote_id"] not in banned[lt] and not p["pinned"]:
                        banned[lt][p["quote_id"]] = note
                        changed = True
        if not changed:
            break
    for t in theme_list:
        for p in pools[t]:
            if p["quote_id"] in banned[t]:
                extra_rejected.append({"segment_id": p["segment_id"], "quote_id": p["quote_id"], "quote": p["quote"],
                                       "reason": "chosen_for_other_theme", "detail": banned[t][p["quote_id"]]})
    if extra_rejected:
        rejected = pd.concat([rejected, pd.DataFrame(extra_rejected)], ignore_index=True)
    all_chosen = [c for t in theme_list for c in chosen_by_theme[t]]

    for t in theme_list:
        label = labels.get(t, t)
        chosen = chosen_by_theme[t]
        viable = [p for p in pools[t] if p["quote_id"] not in banned[t]]
        decided = decided_by_theme[t]
        if pools[t] and len(chosen) < n:
            messages.append(f"{t}: only {len(chosen)} quote(s) from distinct participants pass the filters")
        n_people = len({p["participant_id"] for p in viable})
        others = [c for c in all_chosen if not any(c is x for x in chosen)]
        for rank, c in enumerate(chosen, start=1):
            alts: list[dict] = []
            for p in viable:
                if len(alts) >= cfg.n_alternatives:
                    break
                if p["participant_id"] == c["participant_id"] or any(_overlap(p, x) for x in chosen + alts):
                    continue
                if not cfg.allow_shared and any(_overlap(p, x) for x in others):
                    continue
                alts.append(p)
            cand_row = cand.iloc[c["ci"]]
            seg = seg_by_id.loc[c["segment_id"]]
            dec = decided.get(c["quote_id"])
            quote_rows.append({
                "theme": t,
                "theme_label": label,
                "rank": rank,
                "quote_id": c["quote_id"],
                "quote": c["quote"],
                "attribution": c["attribution"],
                "doc_id": _get(seg, "doc_id"),
                "source_display": _shown_name(seg, shown_names),
                "segment_id": c["segment_id"],
                "cell": _get(seg, "cell"),
                "participant_id": c["participant_id"],
                "trust_type": c["trust_type"],
                "region": c["region"],
                "topic": c["topic"],
                "start": int(cand_row["start"]),
                "end": int(cand_row["end"]),
                "edits": cand_row["edits"],
                "theme_score": round(c["theme_score"], 4),
                "representativeness": round(c["representativeness"], 4),
                "specificity": round(c["specificity"], 4),
                "score": round(c["score"], 4),
                "alternatives": json.dumps([{"quote_id": a["quote_id"], "quote": a["quote"], "attribution": a["attribution"],
                                             "score": round(a["score"], 4)} for a in alts], ensure_ascii=False),
                "reason": _reason(c, rank, label, len(viable), n_people, chosen[: rank - 1], dec),
                "decision": dec["decision"] if dec is not None else "",
                "reviewer": dec["reviewer"] if dec is not None else "",
                "decided_on": dec["date"] if dec is not None else "",
                "decision_note": dec["note"] if dec is not None else "",
            })
    # --- decisions whose quote ids no longer name a window: loud, never silent ------------------
    known = set(cand["quote_id"]) | set(rejected["quote_id"].dropna())
    status = []
    for _, d in decisions_df.iterrows():
        ids = [d["quote_id"]] + ([d["replacement_id"]] if d["decision"] == "replace" else [])
        missing = [i for i in ids if i not in known]
        if d["theme"] in all_ids and d["theme"] not in theme_list:
            status.append("not applied: theme not selected this run")
            continue
        if d["theme"] not in all_ids:
            msg = f"decision on {d['quote_id']} is for theme '{d['theme']}', which the table does not have"
            status.append("stale: no such theme")
        elif missing:
            what = "no longer names a window of the table (source, cleaning or filters changed?)"
            msg = f"{d['theme']}: {d['decision']} by {d['reviewer']}: {', '.join(missing)} {what}"
            if d["decision"] == "reject" or (d["decision"] == "replace" and d["quote_id"] in missing):
                msg += "; windows overlapping the rejected span stay out where its turn still exists"
            status.append("stale: " + ", ".join(missing) + " not found")
        else:
            kept = d["quote_id"] if d["decision"] == "accept" else d["replacement_id"]
            chosen_ids = {c["quote_id"] for c in chosen_by_theme[d["theme"]]} if d["decision"] != "reject" else set()
            if d["decision"] == "reject" or kept in chosen_ids:
                status.append("applied")
                continue
            why = rejected.loc[rejected["quote_id"] == kept, "reason"]
            why = ", ".join(dict.fromkeys(why)) or "not a candidate for this theme"
            msg = f"{d['theme']}: {d['decision']} by {d['reviewer']}: {kept} could not be kept ({why})"
            status.append(f"not applied: {why}")
        messages.append(msg)
        warnings.warn(msg, QuoteDecisionWarning, stacklevel=2)
    decisions_df = decisions_df.assign(status=status)
    quotes = pd.DataFrame(quote_rows, columns=[
        "theme", "theme_label", "rank", "quote_id", "quote", "attribution", "doc_id", "source_display", "segment_id", "cell",
        "participant_id", "trust_type", "region", "topic", "start", "end", "edits", "theme_score", "representativeness",
        "specificity", "score", "alternatives", "reason", "decision", "reviewer", "decided_on", "decision_note"])
    candidates = pd.DataFrame(cand_rows)
    return QuoteSelection(quotes=quotes, candidates=candidates, rejected=rejected.reset_index(drop=True),
                          decisions=decisions_df, messages=messages)


def _shown_name(seg, cache: dict[str, str]) -> str:
    """The file name a quote shows: the segment's ``source_display`` (names redacted, never the real
    ``source``). A table from before ``source_display`` existed gets it worked out here."""
    shown = str(_get(seg, "source_display"))
    if shown:
        return shown
    real = str(_get(seg, "source"))
    if real and real not in cache:
        from insightkit.redact.filenames import redact_file_name

        cache[real] = redact_file_name(real, use_ner=False)
    return cache.get(real, "")


def _parse_quote_id(quote_id: str) -> tuple[str, int, int] | None:
    """``segment_id@a-b`` -> (segment_id, a, b): the window's place in its segment's cleaned text."""
    sid, sep, span = str(quote_id).rpartition("@")
    a, dash, b = span.partition("-")
    if not sep or not dash:
        return None
    try:
        return sid, int(a), int(b)
    except ValueError:
        return None


def _overlap(p: dict, q: dict) -> bool:
    """Two windows of the same turn that share any character."""
    return p["segment_id"] == q["segment_id"] and p["a"] < q["b"] and q["a"] < p["b"]


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


def _choose(viable: list[dict], banned: Mapping[str, str], pinned_ids: Sequence[str], n: int, cfg: QuoteConfig,
            cand_vecs: np.ndarray, messages: list[str], theme: str) -> list[dict]:
    """Reviewer-pinned windows first, then maximal marginal relevance with the spread rules."""
    pool = [p for p in viable if p["quote_id"] not in banned]
    chosen: list[dict] = []
    for qid in pinned_ids:
        p = next((v for v in pool if v["quote_id"] == qid), None)
        if p is None:
            continue  # reported with the stale decisions
        if all(c["quote_id"] != qid for c in chosen):
            chosen.append(p)
    trust_types = {p["trust_type"] for p in pool if p["trust_type"]}
    regions = {p["region"] for p in pool if p["region"]}
    topics = {p["topic"] for p in pool if p["topic"] not in (None, "", -1)}
    while len(chosen) < n:
        used_people = {c["participant_id"] for c in chosen}
        used_tt = {c["trust_type"] for c in chosen}
        used_rg = {c["region"] for c in chosen}
        used_tp = {c["topic"] for c in chosen}
        best, best_val = None, -1e9
        for p in pool:
            if p["participant_id"] in used_people or any(_overlap(p, c) for c in chosen):
                continue
            red = max((float(cand_vecs[p["ci"]] @ cand_vecs[c["ci"]]) for c in chosen), default=0.0)
            val = cfg.mmr_lambda * p["score"] - (1 - cfg.mmr_lambda) * red
            if p["trust_type"] in used_tt and (trust_types - used_tt):
                val -= cfg.spread_penalty_trust_type
            if p["region"] in used_rg and (regions - used_rg):
                val -= cfg.spread_penalty_region
            if p["topic"] in used_tp and (topics - used_tp) and p["topic"] not in (None, "", -1):
                val -= cfg.spread_penalty_topic
            if val > best_val + 1e-12:
                best, best_val = p, val
        if best is None:
            break
        chosen.append(best)
    return chosen


def _accepts_embeddings(model) -> bool:
    import inspect

    try:
        return "embeddings" in inspect.signature(model.predict_proba).parameters
    except (TypeError, ValueError):
        return False


def _reason(c: dict, rank: int, label: str, n_cand: int, n_people: int, before: list[dict], dec) -> str:
    if dec is not None and dec["decision"] in ("accept", "replace"):
        verb = "kept" if dec["decision"] == "accept" else "chosen as a replacement"
        return f"{verb} by reviewer {dec['reviewer']} on {dec['date'] or 'an unrecorded date'}" + (f": {dec['note']}" if dec["note"] else "")
    parts = [f"ranked {rank} of {n_cand} candidates from {n_people} people tagged '{label}'"]
    parts.append(f"score {c['score']:.2f} = 0.5 x theme {c['theme_score']:.2f} + 0.3 x typical {c['representativeness']:.2f}"
                 f" + 0.2 x specific {c['specificity']:.2f}")
    if before:
        new = []
        if c["trust_type"] and c["trust_type"] not in {b["trust_type"] for b in before}:
            new.append(f"adds a {c['trust_type']} trust voice")
        if c["region"] and c["region"] not in {b["region"] for b in before}:
            new.append(f"adds {c['region']}")
        if new:
            parts.append("; ".join(new))
        else:
            parts.append("least redundant with the quotes above")
    return "; ".join(parts) + "."


# --- verification ------------------------------------------------------------------------------


def verify_quotes(quotes: pd.DataFrame, documents: Mapping[str, str] | None = None, *,
                  segments: pd.DataFrame | None = None, source_paths: Mapping[str, str | Path] | None = None,
                  source_dirs: Sequence[str | Path] = (), table: str | Path | None = None) -> pd.DataFrame:
    """Prove each quote verbatim: replaying its edits on the source span gives the quote exactly.

    A quotes table names its file only by the shown name (``source_display``, names redacted), so
    the source text is found through the quote's ``doc_id``: in ``documents`` (doc_id -> decoded
    text, as :func:`insightkit.read` returns), else in ``source_paths`` (doc_id, real or shown file
    name -> path), else by the real file name under ``source_dirs``. The real name comes from
    ``segments`` (the segment table keeps it in ``source``), from a ``source`` column of an older
    quotes table, or is the shown name where that holds no redaction. With ``segments``, each quote
    must also lie inside its segment's text. Raises :class:`QuoteVerificationError` on any mismatch
    or missing source; returns the quotes with a ``verified`` column otherwise.

    A file name from a table is untrusted: it is looked up only under ``source_dirs`` and must, once
    resolved (``..`` and links followed), lie inside one of them; a name that leads elsewhere raises
    :class:`~insightkit.errors.InputError` naming ``table`` (the segment table's file, for the message)
    and the segment. No error message holds text read from a source file.
    """
    failures: list[str] = []
    documents = dict(documents or {})
    paths = {str(k): v for k, v in (source_paths or {}).items()}
    cache: dict[tuple[str, str], str] = {}
    seg_text: dict[str, str] = {}
    real_by_seg: dict[str, str] = {}
    real_by_doc: dict[str, str] = {}
    seg_row: dict[str, int] = {}
    if segments is not None:
        seg_text = dict(zip(segments["segment_id"].astype(str), segments["text"].astype(str)))
        seg_row = {sid: i + 1 for i, sid in enumerate(segments["segment_id"].astype(str))}
        if "source" in segments.columns:
            real = segments["source"].fillna("").astype(str)
            real_by_seg = dict(zip(segments["segment_id"].astype(str), real))
            if "doc_id" in segments.columns:
                real_by_doc = {k: v for k, v in zip(segments["doc_id"].astype(str), real) if v}

    def file_names(row) -> list[str]:
        """The real file name first (from the segment table or an older table's ``source``)."""
        names = [real_by_seg.get(str(row.get("segment_id", ""))), real_by_doc.get(str(row.get("doc_id", ""))),
                 str(_get(row, "source")), str(_get(row, "source_display"))]
        return [n for n in dict.fromkeys(names) if n and not PLACEHOLDER_RX.search(n)]

    def source_text(row) -> str | None:
        doc_id = str(_get(row, "doc_id"))
        cell = str(_get(row, "cell"))
        doc = documents.get(doc_id)
        if doc is not None:
            return doc.get(cell) if isinstance(doc, dict) else doc  # XLSX: offsets are within the cell's value
        key = (doc_id, cell)
        if key in cache:
            return cache[key]
        names = file_names(row)
        shown = str(_get(row, "source_display"))
        path = next((Path(paths[k]) for k in (doc_id, *names, shown) if k and k in paths), None)
        if path is None and source_dirs:
            from insightkit.io.sources import find_source

            sid = str(_get(row, "segment_id"))
            where = f"segment {sid} (row {seg_row[sid]})" if sid in seg_row else \
                f"quote {_get(row, 'quote_id') or sid}"
            path = next((p for n in names if (p := find_source(n, source_dirs, table=table, where=where))), None)
        if path is None:
            return None
        from insightkit.io import read_source_text

        cache[key] = read_source_text(path, cell or None)
        return cache[key]

    for _, q in quotes.iterrows():
        qid = q.get("quote_id", q.get("segment_id"))
        quote = str(q["quote"])
        if segments is not None:
            st = seg_text.get(str(q["segment_id"]))
            if st is None or quote not in st:
                failures.append(f"{qid}: not found in its segment's text")
                continue
        src = source_text(q)
        if src is None:
            # named by its shown name and doc_id only: a real file name may name a person
            shown = _get(q, "source_display") or _get(q, "doc_id")
            failures.append(f"{qid}: source '{shown}' (doc_id {_get(q, 'doc_id')}) not available to verify against; "
                            "pass the documents from insightkit.read, the segment table, or source_paths")
            continue
        try:
            replayed = apply_edits(src, int(q["start"]), int(q["end"]), edits_from_json(q.get("edits")))
        except (ValueError, TypeError) as exc:
            failures.append(f"{qid}: bad edits ({exc})")
            continue
        if replayed != quote:
            # never the replayed text: a file that fails verification may be one the table should not lead to
            failures.append(f"{qid}: source span {int(q['start'])}:{int(q['end'])} with its edits is not the quote "
                            "(the file differs from the one the table was made from)")
    if failures:
        raise QuoteVerificationError(failures, table)
    out = quotes.copy()
    out["verified"] = True
    return out


# --- the audit report --------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{border-bottom:2px solid #4a78a8;padding-bottom:.2em;margin-top:2em}
.quote{border-left:4px solid #4a78a8;padding:.6em 1em;margin:1em 0;background:#f7f9fc}
.q{font-size:1.05em;font-style:italic}.attr{color:#555;margin:.3em 0}
.meta{font-size:.85em;color:#444}.ctx{font-size:.9em;background:#fff;border:1px solid #ddd;padding:.6em;margin:.5em 0;white-space:pre-wrap}
mark{background:#ffe58a}.prev,.next{color:#777}table{border-collapse:collapse;font-size:.85em;margin:.4em 0}
td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
.decision{font-weight:bold}.accept{color:#1a7f37}.reject{color:#b42318}.replace{color:#9a6700}
"""


def _e(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return html.escape(str(x), quote=True)


def _theme_decisions_html(selection: QuoteSelection, theme: str) -> list[str]:
    """The decisions on one theme, each with the quote it names, who made it, when and why."""
    dec = selection.decisions
    if not len(dec):
        return []
    dec = dec[dec["theme"] == theme]
    if not len(dec):
        return []
    text = {}
    for frame in (selection.rejected, selection.candidates):
        if len(frame) and "quote_id" in frame.columns:
            text.update({k: v for k, v in zip(frame["quote_id"], frame["quote"]) if isinstance(k, str) and k not in text})
    text.update(dict(zip(selection.quotes["quote_id"], selection.quotes["quote"])))
    out = ["<h3>Reviewer decisions on this theme</h3><table><tr><th>decision</th><th>quote</th><th>replacement</th>"
           "<th>reviewer</th><th>date</th><th>note</th><th>status</th></tr>"]
    for _, d in dec.iterrows():
        quote = text.get(d["quote_id"], "")
        repl = text.get(d["replacement_id"], "") if d["replacement_id"] else ""
        out.append(f"<tr><td class='decision {_e(d['decision'])}'>{_e(d['decision'])}</td>"
                   f"<td><code>{_e(d['quote_id'])}</code><br>{_e(quote)}</td>"
                   f"<td><code>{_e(d['replacement_id'])}</code><br>{_e(repl)}</td><td>{_e(d['reviewer'])}</td>"
                   f"<td>{_e(d['date'])}</td><td>{_e(d['note'])}</td><td>{_e(d.get('status', ''))}</td></tr>")
    out.append("</table>")
    return out


def _audit_source(r, segs: pd.DataFrame, pos: Mapping[str, int], cache: dict[str, str]) -> str:
    """The shown file name for the audit page: the quote's ``source_display``, else its segment's
    (a quotes table from an older version), never the real name."""
    shown = str(_get(r, "source_display"))
    if shown:
        return shown
    i = pos.get(str(r["segment_id"]))
    seg = segs.iloc[i] if i is not None else r
    return _shown_name(seg, cache) or str(_get(r, "doc_id"))


def write_audit_html(selection: QuoteSelection, segments: pd.DataFrame, path: str | Path, *,
                     title: str = "Quote selection audit", context_turns: int = 1) -> Path:
    """One self-contained HTML file (no scripts) showing every choice in its context.

    For each theme: the chosen quotes, each inside its turn with the quote highlighted and the
    turns around it, with scores, the reason, the alternatives and any reviewer decision; then the
    decisions log. Every piece of text is HTML-escaped.
    """
    segs = segments.reset_index(drop=True)
    order_cols = [c for c in ("doc_id", "start") if c in segs.columns]
    segs = segs.sort_values(order_cols, kind="stable").reset_index(drop=True) if order_cols else segs
    pos = {sid: i for i, sid in enumerate(segs["segment_id"].astype(str))}
    shown_names: dict[str, str] = {}
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>",
           "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">",
           f"<style>{_CSS}</style></head><body><h1>{_e(title)}</h1>"]
    q = selection.quotes
    out.append(f"<p class='meta'>Generated {date.today().isoformat()}. {len(q)} quotes across "
               f"{q['theme'].nunique() if len(q) else 0} themes. Combined score = 0.5 x theme score + 0.3 x "
               "representativeness + 0.2 x specificity; chosen by maximal marginal relevance, at most one quote per "
               "participant per theme, spread across trust types and regions where the data allow; unless shared quotes were "
               "allowed, a passage is quoted under one theme only.</p>")
    for msg in selection.messages:
        out.append(f"<p class='meta'>Note: {_e(msg)}</p>")
    for theme, sub in q.groupby("theme", sort=False):
        label = sub["theme_label"].iloc[0] if "theme_label" in sub.columns else theme
        out.append(f"<h2>{_e(label)} <small>({_e(theme)})</small></h2>")
        for _, r in sub.sort_values("rank").iterrows():
            out.append("<div class='quote'>")
            out.append(f"<div class='q'>“{_e(r['quote'])}”</div><div class='attr'>— {_e(r['attribution'])}</div>")
            if r.get("decision"):
                d = str(r["decision"])
                out.append(f"<div class='decision {_e(d)}'>Reviewer decision: {_e(d)} by {_e(r['reviewer'])} on "
                           f"{_e(r['decided_on'])}{(': ' + _e(r['decision_note'])) if r.get('decision_note') else ''}</div>")
            out.append(f"<div class='meta'>Rank {_e(r['rank'])} · quote id <code>{_e(r['quote_id'])}</code> · source "
                       f"{_e(_audit_source(r, segs, pos, shown_names))} characters {_e(r['start'])}–{_e(r['end'])} · theme {_e(r['theme_score'])} · "
                       f"typical {_e(r['representativeness'])} · specific {_e(r['specificity'])} · score {_e(r['score'])}</div>")
            out.append(f"<div class='meta'>Why: {_e(r['reason'])}</div>")
            i = pos.get(str(r["segment_id"]))
            if i is not None:
                ctx = ["<div class='ctx'>"]
                doc = segs.at[i, "doc_id"] if "doc_id" in segs.columns else None
                for j in range(max(0, i - context_turns), i):
                    if doc is None or segs.at[j, "doc_id"] == doc:
                        ctx.append(f"<div class='prev'><b>{_e(segs.at[j, 'speaker'] if 'speaker' in segs.columns else '')}:</b> {_e(segs.at[j, 'text'])}</div>")
                text = str(segs.at[i, "text"])
                qs = str(r["quote"])
                k = text.find(qs)
                spk = _e(segs.at[i, "speaker"]) if "speaker" in segs.columns else ""
                if k >= 0:
                    ctx.append(f"<div><b>{spk}:</b> {_e(text[:k])}<mark>{_e(qs)}</mark>{_e(text[k + len(qs):])}</div>")
                else:
                    ctx.append(f"<div><b>{spk}:</b> {_e(text)}</div>")
                for j in range(i + 1, min(len(segs), i + 1 + context_turns)):
                    if doc is None or segs.at[j, "doc_id"] == doc:
                        ctx.append(f"<div class='next'><b>{_e(segs.at[j, 'speaker'] if 'speaker' in segs.columns else '')}:</b> {_e(segs.at[j, 'text'])}</div>")
                ctx.append("</div>")
                out.extend(ctx)
            alts = json.loads(r["alternatives"]) if r.get("alternatives") else []
            if alts:
                out.append("<details><summary>Alternatives considered</summary><table><tr><th>quote id</th><th>quote</th>"
                           "<th>attribution</th><th>score</th></tr>")
                for a in alts:
                    out.append(f"<tr><td><code>{_e(a['quote_id'])}</code></td><td>{_e(a['quote'])}</td>"
                               f"<td>{_e(a['attribution'])}</td><td>{_e(a['score'])}</td></tr>")
                out.append("</table></details>")
            out.append("</div>")
        out.extend(_theme_decisions_html(selection, theme))
    if len(selection.decisions):
        cols = DECISION_COLUMNS + (["status"] if "status" in selection.decisions.columns else [])
        out.append("<h2>Reviewer decisions</h2><p class='meta'>Every decision in the decisions file: who decided what, "
                   "when, why, and whether this run could apply it.</p><table><tr>"
                   + "".join(f"<th>{_e(c)}</th>" for c in cols) + "</tr>")
        for _, d in selection.decisions.iterrows():
            out.append("<tr>" + "".join(f"<td>{_e(d[c])}</td>" for c in cols) + "</tr>")
        out.append("</table>")
    out.append("</body></html>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(out), encoding="utf-8")
    tmp.replace(path)
    return path
