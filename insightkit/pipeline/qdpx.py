"""A REFI-QDA project (``.qdpx``) as a segment table plus its coders' codings.

:func:`read_qdpx` splits each plain-text source of the project into segments the way a ``.txt``
transcript is split (speaker turns when the text has ``Name: text`` lines, else paragraphs), then
cleans and redacts them as any source, so the segment table has the usual columns, offsets and
ids; ``start``/``end`` are character offsets into the source's plain text, the positions REFI-QDA
selections use. The codings are a second table, linked by ``segment_id``: one row per coding and
segment it touches, with the characters they share (a coding may cover part of a segment, one, or
several). A coding that touches no segment (only a header line or blank space) keeps a row with an
empty ``segment_id`` and ``note`` saying so: nothing is dropped without a word.
"""

from __future__ import annotations

import re
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from insightkit.clean import CleaningConfig
from insightkit.clean.items import clean_items
from insightkit.errors import InputError
from insightkit.io import reader_options, transcript_document
from insightkit.io.qdpx import QdaProject, open_project, paragraph_parse
from insightkit.io.txt import parse_txt
from insightkit.names import name_variants
from insightkit.pipeline.read import _build_tables
from insightkit.pipeline.redact import name_documents, redact_attributes, redact_items
from insightkit.redact import Redactor
from insightkit.segments import DEFAULT_ATTRIBUTION_TEMPLATE

__all__ = ["read_qdpx", "QdpxRead", "CODING_COLUMNS", "add_model_codings", "code_for_theme", "model_user_name",
           "coder_labels", "disagreements", "training_set"]

CODING_COLUMNS = ["segment_id", "doc_id", "source", "user", "user_guid", "code", "code_guid", "coding_guid",
                  "selection_guid", "selection_start", "selection_end", "overlap", "segment_chars", "note"]


@dataclass
class QdpxRead:
    """What :func:`read_qdpx` returns; ``segments, codings = result`` works."""

    segments: pd.DataFrame
    codings: pd.DataFrame
    rejected: pd.DataFrame
    redactions: pd.DataFrame
    documents: dict  # doc_id -> the source's plain text
    project: QdaProject
    source_guid: dict = field(default_factory=dict)  # doc_id -> TextSource guid

    def __iter__(self):
        yield self.segments
        yield self.codings

    @property
    def skipped(self) -> list:
        return list(self.project.skipped)


def _file_name(name: str, k: int) -> str:
    """A source's name as a file name (it is shown redacted and builds the doc_id like a file's)."""
    base = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", name).strip(" .") or f"source-{k + 1}"
    return base if base.lower().endswith(".txt") else f"{base}.txt"


def read_qdpx(path: str | Path, *, level: str = "clean", redact: bool = True, redactor=None,
              interviewers=(), guess_interviewers: bool = True, cleaning=None, pseudonyms: str | None = None,
              attribution_template: str = DEFAULT_ATTRIBUTION_TEMPLATE, show_progress: bool | None = None) -> QdpxRead:
    """Read a REFI-QDA project: the segment table of its text sources and the codings mapped onto it.

    Sources that are not plain text (PDF, pictures, audio, video, rich text without its plain text)
    are skipped with a warning and a ``source_not_read`` row in ``rejected``. Options as
    :func:`insightkit.read`. Raises :class:`InputError` for a damaged project.
    """
    path = Path(path)
    project = open_project(path)
    config = cleaning if isinstance(cleaning, CleaningConfig) else (
        CleaningConfig() if cleaning is None else CleaningConfig.from_dict(cleaning))
    config.steps(level)
    opts = reader_options(interviewers=interviewers, redact=redact, guess_interviewers=guess_interviewers)
    docs, by_doc = [], {}
    for k, src in enumerate(project.sources):
        if not src.text.strip():
            project.skipped.append((src.name, "its text is empty"))
            continue
        pseudo = path / _file_name(src.name, k)
        try:
            tp = parse_txt(src.text, pseudo, list(interviewers))
        except InputError as exc:
            if "no speaker turns" not in str(exc):
                raise
            tp = paragraph_parse(src.text)  # not a transcript: one segment per paragraph
        doc = transcript_document(pseudo, "txt", src.text, src.text.encode("utf-8"), tp, opts)
        docs.append(doc)
        by_doc[id(doc)] = src
    if redact and redactor is None and docs:
        redactor = Redactor(types=None, use_ner=True)
    if hasattr(redactor, "without_pseudonyms"):
        redactor = redactor.without_pseudonyms()
    known = [v for n in interviewers for v in name_variants(n)]
    name_documents(docs, known, redactor if redact else None)
    clean_items(docs, level, config, show_progress)
    if redact:
        redact_items(docs, known, show_progress, redactor, pseudonyms=pseudonyms)
        redact_attributes(docs, known, redactor)
    for d in docs:
        for w in d.warnings:
            warnings.warn(w, stacklevel=2)
    segments, rejected, redactions = _build_tables(docs, attribution_template)
    for name, why in project.skipped:
        warnings.warn(f"{path}: source {name!r} skipped: {why}", stacklevel=2)
    if project.skipped:
        rows = [{"doc_id": "", "source": name, "kind": "transcript", "line": 0, "turn": -1, "speaker": "", "role": "",
                 "question": "", "text": "", "start": 0, "end": 0, "reason": "source_not_read", "detail": why}
                for name, why in project.skipped]
        extra = pd.DataFrame(rows, columns=rejected.columns).astype(object).fillna("")
        rejected = pd.concat([rejected, extra], ignore_index=True) if len(rejected) else extra
        for c in ("turn", "line", "start", "end"):
            rejected[c] = rejected[c].astype("int64")
    source_guid = {d.doc_id: by_doc[id(d)].guid for d in docs}
    segments["source"] = segments["doc_id"].map({d.doc_id: by_doc[id(d)].name for d in docs})
    codings = _map_codings(project, segments, source_guid)
    documents = {d.doc_id: d.text for d in docs}
    return QdpxRead(segments, codings, rejected,
                    redactions, documents, project, source_guid)


def _map_codings(project: QdaProject, segments: pd.DataFrame, source_guid: dict) -> pd.DataFrame:
    codes = project.code_by_guid()
    doc_of = {g: d for d, g in source_guid.items()}
    name_of = {s.guid: s.name for s in project.sources}
    spans: dict[str, list[tuple[str, int, int]]] = {}
    for sid, doc, s, e in segments[["segment_id", "doc_id", "start", "end"]].itertuples(index=False):
        spans.setdefault(doc, []).append((sid, int(s), int(e)))
    rows = []
    for c in project.codings:
        doc = doc_of.get(c.source_guid, "")
        code = codes.get(c.code_guid)
        base = {"doc_id": doc, "source": name_of.get(c.source_guid, ""),
                "user": project.users.get(c.user_guid, c.user_guid), "user_guid": c.user_guid,
                "code": code.path if code else c.code_guid, "code_guid": c.code_guid, "coding_guid": c.coding_guid,
                "selection_guid": c.selection_guid, "selection_start": c.start, "selection_end": c.end}
        note = "" if code else "its code is not in the codebook"
        hit = False
        for sid, s, e in spans.get(doc, []):
            overlap = min(e, c.end) - max(s, c.start)
            if overlap > 0 or (c.start == c.end and s <= c.start < e):
                rows.append({"segment_id": sid, **base, "overlap": max(overlap, 0), "segment_chars": e - s,
                             "note": note})
                hit = True
        if not hit:
            why = "source not read" if not doc else "touches no segment (a header line or blank space)"
            rows.append({"segment_id": "", **base, "overlap": 0, "segment_chars": 0,
                         "note": "; ".join(x for x in (note, why) if x)})
    out = pd.DataFrame(rows, columns=CODING_COLUMNS)
    for col in ("selection_start", "selection_end", "overlap", "segment_chars"):
        out[col] = out[col].astype("int64")
    return out



_GUID_NS = uuid.UUID("3b0e6f52-55a1-4c4e-8f0e-6f9a1d2c7b40")


def _guid(*parts) -> str:
    return str(uuid.uuid5(_GUID_NS, "\x1f".join(map(str, parts))))


def model_user_name(model, name: str) -> str:
    """The user a model's codings go under: its name and threshold, so coders see what coded them."""
    import numpy as np

    raw = getattr(model, "thresholds_", None)
    th = np.atleast_1d(np.asarray(raw if raw is not None else [0.5], dtype=float))
    if th.size == 0 or np.allclose(th, th.flat[0]):
        return f"insightkit model {name}, threshold {float(th.flat[0]) if th.size else 0.5:.2f}"
    return f"insightkit model {name}, thresholds {th.min():.2f}-{th.max():.2f} (tuned per code)"


def code_for_theme(project: QdaProject, theme) -> str | None:
    """The project's code a theme stands for: same GUID, else same path or name (case-insensitive)."""
    for c in project.codes:
        if c.guid.lower() == str(getattr(theme, "id", "")).lower():
            return c.guid
    label = str(getattr(theme, "label", "") or "").casefold().strip()
    for attr in ("path", "name"):
        for c in project.codes:
            if c.codable and getattr(c, attr).casefold().strip() == label:
                return c.guid
    return None


def add_model_codings(result: QdpxRead, tagged: pd.DataFrame, codebook, user_name: str) -> dict:
    """Add the tagged segments' themes to ``result.project`` as codings by a user of their own.

    Human codings, users and codes are left as they are. A theme whose code the project has
    (:func:`code_for_theme`) codes with it; any other theme becomes a new top-level code. Returns
    ``{theme id: segments coded}``.
    """
    from insightkit.io.qdpx import add_code, add_selection, add_user

    project = result.project
    user = _guid("user", user_name)
    add_user(project, user, user_name)
    code_of = {}
    for theme in codebook.themes:
        guid = code_for_theme(project, theme)
        if guid is None:
            guid = _guid("code", theme.id)
            add_code(project, guid, str(theme.label or theme.id), str(getattr(theme, "description", "") or ""))
        code_of[theme.id] = guid
    by_guid = {s.guid: s for s in project.sources}
    counts = {t: 0 for t in code_of}
    cols = {t: f"theme_{t}" for t in code_of if f"theme_{t}" in tagged.columns}
    for _, row in tagged.iterrows():
        src = by_guid.get(result.source_guid.get(row["doc_id"], ""))
        coded = [t for t, c in cols.items() if str(row[c]).strip() in ("1", "1.0", "True", "true")]
        if src is None or not coded:
            continue
        sid = str(row["segment_id"])
        add_selection(src, _guid("selection", user, sid), int(row["start"]), int(row["end"]), user,
                      [(_guid("coding", user, sid, t), code_of[t]) for t in coded], name=sid)
        for t in coded:
            counts[t] += 1
    return counts


def _user_guid(project: QdaProject, who: str) -> str:
    for guid, name in project.users.items():
        if who in (guid, name) or who.casefold() == str(name).casefold():
            return guid
    used = sorted({project.users.get(c.user_guid, c.user_guid) for c in project.codings})
    raise InputError(project.path, f"no user {who!r} in the project (users with codings: {', '.join(used) or 'none'})")


def coder_labels(result: QdpxRead, user_a: str, user_b: str, min_overlap: int = 1):
    """Segment-level 0/1 labels of two users, for agreement: ``(segments, codes, A, B)``.

    Segments are those of the sources both users coded (a source only one coded is not "the same
    text"); a code is 1 for a user on a segment when one of the user's codings with it covers at
    least ``min_overlap`` characters of the segment. ``codes`` are the codes either user applied,
    as {code guid: code path}.
    """
    import numpy as np

    project = result.project
    ga, gb = _user_guid(project, user_a), _user_guid(project, user_b)
    cod = result.codings[result.codings["segment_id"] != ""]
    docs_a = set(cod.loc[cod["user_guid"] == ga, "doc_id"])
    docs_b = set(cod.loc[cod["user_guid"] == gb, "doc_id"])
    docs = docs_a & docs_b
    if not docs:
        raise InputError(project.path, f"{user_a} and {user_b} have not both coded any text source: nothing to compare")
    seg = result.segments[result.segments["doc_id"].isin(docs)].reset_index(drop=True)
    mine = cod[cod["user_guid"].isin([ga, gb]) & cod["doc_id"].isin(docs) & (cod["overlap"] >= min_overlap)]
    codes = dict(sorted(dict(zip(mine["code_guid"], mine["code"])).items(), key=lambda kv: kv[1]))
    row = {sid: i for i, sid in enumerate(seg["segment_id"])}
    col = {g: j for j, g in enumerate(codes)}
    A = np.zeros((len(seg), len(codes)), dtype=np.int8)
    B = np.zeros_like(A)
    for sid, user, code in mine[["segment_id", "user_guid", "code_guid"]].itertuples(index=False):
        (A if user == ga else B)[row[sid], col[code]] = 1
    return seg, codes, A, B


def disagreements(seg: pd.DataFrame, codes: dict, A, B, user_a: str, user_b: str) -> pd.DataFrame:
    """One row per segment and code the two users coded differently: what a team arbitrates."""
    rows = []
    names = list(codes.values())
    for i, j in zip(*(A != B).nonzero()):
        r = seg.iloc[int(i)]
        rows.append({"segment_id": r["segment_id"], "source": r["source"], "speaker": r["speaker"],
                     "code": names[int(j)], user_a: int(A[i, j]), user_b: int(B[i, j]), "text": r["text"],
                     "decision": ""})
    return pd.DataFrame(rows, columns=["segment_id", "source", "speaker", "code", user_a, user_b, "text", "decision"])


def training_set(result: QdpxRead, users=(), fully_coded=()):
    """Labelled segments from a project's codings: ``(codebook, texts, Y, counts, notes)``.

    The codebook is the project's codable codes that were applied (theme label = the code's path);
    a segment's themes are the codes the chosen ``users`` (all when empty) applied to it. An uncoded
    segment counts as "none of them" only in a source named in ``fully_coded`` (source names, or
    ``"all"``); elsewhere it is left out, since a coder may simply not have reached it.
    """
    import numpy as np

    from insightkit.codebook import Codebook, Theme, slugify_id

    project = result.project
    guids = {_user_guid(project, u) for u in users}
    cod = result.codings[(result.codings["segment_id"] != "") & (result.codings["overlap"] > 0)]
    if guids:
        cod = cod[cod["user_guid"].isin(guids)]
    codes = {c.guid: c for c in project.codes if c.codable}
    cod = cod[cod["code_guid"].isin(codes)]
    if cod.empty:
        raise InputError(project.path, "no codings to train on" + (f" by {', '.join(users)}" if users else ""))
    all_sources = set(result.segments["source"])
    if fully_coded == "all" or "all" in list(fully_coded):
        full = all_sources
    else:
        full = set(fully_coded)
        unknown = sorted(full - all_sources)
        if unknown:
            raise InputError(project.path, f"--fully-coded names no text source {unknown[0]!r} (sources: "
                                           f"{', '.join(sorted(all_sources))})")
    used = [g for g in codes if g in set(cod["code_guid"])]
    themes, seen = [], set()
    for g in used:
        c = codes[g]
        tid, k = slugify_id(c.path), 2
        while tid in seen:
            tid, k = f"{slugify_id(c.path)}_{k}", k + 1
        seen.add(tid)
        el = next((e for e in project.root.iter(f"{{{project.root.nsmap.get(None)}}}Code") if e.get("guid") == g), None)
        desc_el = el.find(f"{{{project.root.nsmap.get(None)}}}Description") if el is not None else None
        desc = (desc_el.text or "").strip() if desc_el is not None else ""
        themes.append(Theme(id=tid, label=c.path, description=desc or c.path))
    codebook = Codebook(name=project.path.stem, themes=tuple(themes))
    col = {g: j for j, g in enumerate(used)}
    coded = cod.groupby("segment_id")["code_guid"].agg(set).to_dict()
    texts, rows, left_out = [], [], 0
    for sid, src, text in result.segments[["segment_id", "source", "text"]].itertuples(index=False):
        if sid not in coded and src not in full:
            left_out += 1
            continue
        y = np.zeros(len(used), dtype=int)
        for g in coded.get(sid, ()):
            y[col[g]] = 1
        texts.append(text)
        rows.append(y)
    Y = np.vstack(rows) if rows else np.zeros((0, len(used)), dtype=int)
    counts = {t.id: int(n) for t, n in zip(themes, Y.sum(axis=0))}
    notes = [f"{left_out:,} uncoded segment(s) left out (their sources are not marked fully coded: --fully-coded)"] \
        if left_out else []
    unused = [c.path for g, c in codes.items() if g not in col]
    if unused:
        notes.append(f"codes never applied, not trained: {', '.join(unused)}")
    return codebook, texts, Y, counts, notes
