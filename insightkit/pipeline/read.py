"""Reading into the segment table: read (insightkit.io) -> clean (insightkit.clean) -> redact -> tables.

``read(paths, participants=None, ...)`` reads every file (folders expand to the supported files in
them), cleans and redacts the text, and returns a :class:`ReadResult`: the segments, the rejected
rows (each with a reason), the redaction log (kept apart: it holds the personal data), the decoded
source documents and the files that could not be read. ``segments, rejected = read(...)`` works.

Every segment satisfies ``apply_edits(source_text, start, end, edits) == text`` where
``source_text`` is the decoded file (for .docx the text defined in :mod:`insightkit.io.docx`, for
.xlsx the cell value named by the ``cell`` column); see docs/segments.md.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd

from insightkit.alignment import apply_edits, edits_from_json, edits_to_json
from insightkit.clean import CleaningConfig
from insightkit.clean.items import clean_items
from insightkit.errors import InputError, ParameterError
from insightkit.io import EXTRA_SEGMENT_COLUMNS, Document, FileError, load_documents
from insightkit.names import name_variants
from insightkit.pipeline.redact import name_documents, redact_attributes, redact_items
from insightkit.redact import Redactor
from insightkit.redact.pseudonyms import check_scope
from insightkit.segments import (
    ATTRIBUTE_COLUMNS,
    DEFAULT_ATTRIBUTION_TEMPLATE,
    REDACTION_COLUMNS,
    REJECTED_COLUMNS,
    SEGMENT_COLUMNS,
    format_attribution,
    make_segment_id,
)

__all__ = ["read", "read_batch", "ReadResult", "read_txt", "read_vtt", "read_srt", "read_docx", "read_survey"]


@dataclass
class ReadResult:
    """What :func:`read` returns. Iterating gives ``(segments, rejected)``."""

    segments: pd.DataFrame
    rejected: pd.DataFrame
    redactions: pd.DataFrame  # the redaction log: holds personal data, never exported unless asked
    documents: dict  # doc_id -> decoded source text; for .xlsx: {cell reference: cell value}
    errors: list[FileError] = field(default_factory=list)

    def __iter__(self):
        yield self.segments
        yield self.rejected

    def source_text(self, doc_id: str, cell: str = "") -> str:
        """The text a row's ``start``/``end`` index into (the cell value for XLSX rows)."""
        doc = self.documents[doc_id]
        if isinstance(doc, dict):
            return doc.get(cell, "")
        return doc

    def verify(self) -> list[str]:
        """Segments whose edits do not replay from the source (should be none)."""
        bad = []
        cells = self.segments["cell"] if "cell" in self.segments else [""] * len(self.segments)
        for (sid, doc_id, s, e, ed, text), cell in zip(
            self.segments[["segment_id", "doc_id", "start", "end", "edits", "text"]].itertuples(index=False), cells
        ):
            src = self.source_text(doc_id, cell or "")
            if apply_edits(src, int(s), int(e), edits_from_json(ed)) != text:
                bad.append(sid)
        return bad


def _build_tables(docs: list[Document], template: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    seg_rows, rej_rows, red_rows = [], [], []
    attr_order: list[str] = list(ATTRIBUTE_COLUMNS)
    for d in docs:
        for it in d.items:
            for k in it.attrs:
                if k not in attr_order:
                    attr_order.append(k)
    fallback = {"interviewer": "Interviewer", "participant": "Participant", "respondent": "Respondent"}
    log_keys = ("type", "start", "end", "placeholder", "original", "method")
    for d in docs:
        for r in d.field_log:  # the file's own name and its sheet's: no segment
            red_rows.append({"doc_id": d.doc_id, "segment_id": "", "source": d.source,
                             **{k: r.get(k, "") for k in log_keys}, "field": r["field"]})
        for it in d.items:
            has_text = bool(it.at.text)
            start, end = (it.at.src_start, it.at.src_end) if has_text else it.fallback
            seg_id = make_segment_id(d.doc_id, start, end, it.cell)
            for r in [*({**r, "field": "text"} for r in it.redactions), *it.field_log]:
                red_rows.append({"doc_id": d.doc_id, "segment_id": seg_id, "source": d.source,
                                 **{k: r.get(k, "") for k in log_keys}, "field": r["field"]})
            if it.reason:
                rej_rows.append({
                    "doc_id": d.doc_id, "source": d.source, "kind": it.kind, "line": it.line, "turn": it.turn,
                    "speaker": it.speaker, "role": it.role, "question": it.question, "text": it.at.text,
                    "start": start, "end": end, "reason": it.reason, "detail": it.detail, "cell": it.cell,
                    "source_display": d.source_display or d.source,
                    # whose answer was set aside: the row's own id column and attributes, as in the segments
                    **{k: it.attrs.get(k, "") for k in attr_order},
                })
                continue
            row = {
                "doc_id": d.doc_id, "segment_id": seg_id, "source": d.source, "kind": it.kind, "turn": it.turn,
                "line": it.line, "speaker": it.speaker,
                "participant_id": f"{d.doc_id}/{it.speaker}", "role": it.role, "question": it.question,
                "timestamp": it.timestamp, "text": it.at.text, "start": start, "end": end,
                "edits": edits_to_json(it.at.edits()),
                "attribution": format_attribution(it.attrs, template, fallback=fallback.get(it.role, "Participant")),
                "cell": it.cell, "role_source": it.role_source, "source_display": d.source_display or d.source,
            }
            for k in attr_order:
                row[k] = it.attrs.get(k, "")
            seg_rows.append(row)
    seg_cols = SEGMENT_COLUMNS + EXTRA_SEGMENT_COLUMNS + attr_order
    segments = pd.DataFrame(seg_rows, columns=seg_cols)
    rejected = pd.DataFrame(rej_rows, columns=REJECTED_COLUMNS + ["cell", "source_display"] + attr_order)
    redactions = pd.DataFrame(red_rows, columns=REDACTION_COLUMNS)
    for df, cols in ((segments, ("turn", "line", "start", "end")), (rejected, ("turn", "line", "start", "end")),
                     (redactions, ("start", "end"))):
        for c in cols:
            df[c] = df[c].astype("int64")
    return segments, rejected, redactions


def _survey_signature(doc: Document) -> tuple:
    """What a survey file says, independent of its format: every row's answers and attributes."""
    return tuple((it.turn, it.question, " ".join(it.raw_text.split()), it.reason, tuple(sorted(it.attrs.items())))
                 for it in doc.items)


def _drop_duplicate_surveys(docs: list[Document]) -> tuple[list[Document], list[dict]]:
    """The same survey saved as CSV and XLSX side by side (same folder, same stem, same rows and
    answers) would count every respondent twice: keep the CSV (offsets into plain text), warn
    naming both files, and return a ``duplicate_file`` row for the rejected table per file skipped."""
    groups: dict[tuple[str, str], list[Document]] = {}
    for d in docs:
        if d.kind == "survey":
            groups.setdefault((str(d.path.resolve().parent), d.path.stem.casefold()), []).append(d)
    drop: dict[int, Document] = {}
    rows: list[dict] = []
    for group in groups.values():
        if len(group) < 2:
            continue
        group = sorted(group, key=lambda d: (d.path.suffix.lower() == ".xlsx", str(d.path)))
        kept: list[tuple[Document, tuple]] = []
        for d in group:
            sig = _survey_signature(d)
            twin = next((k for k, ksig in kept if ksig == sig and k.path.suffix.lower() != d.path.suffix.lower()), None)
            if twin is None:
                kept.append((d, sig))
                continue
            drop[id(d)] = d
            warnings.warn(f"{d.path}: same survey as {twin.path} (identical rows and answers); read once, "
                          f"from {twin.path.name}", stacklevel=4)
            shown = twin.source_display or twin.source  # the table is exported: no name from a file name
            rows.append({"doc_id": d.doc_id, "source": d.source, "kind": "survey", "line": 0, "turn": -1,
                         "speaker": "", "role": "", "question": "", "text": "", "start": 0, "end": 0,
                         "reason": "duplicate_file", "cell": "", "source_display": d.source_display or d.source,
                         "detail": f"same survey as {shown} (identical rows and answers): read from that file only"})
    return [d for d in docs if id(d) not in drop], rows


def read_batch(paths, participants=None, *, text_columns: Sequence[str] | str | None = None,
               id_column: str | None = None, level: str = "clean", redact: bool = True,
               interviewers: Sequence[str] = (), attribution_template: str = DEFAULT_ATTRIBUTION_TEMPLATE,
               cleaning=None, show_progress: bool | None = None, guess_interviewers: bool = True,
               redactor=None, force_format: str | None = None, raise_if_none: bool = True,
               warn: bool = True, keep_columns: Sequence[str] | str = (), pseudonyms: str | None = None) -> ReadResult:
    """:func:`read`, with the choices a batch command needs: ``raise_if_none=False`` returns a
    result with no documents (and the ``errors``) instead of raising when no file can be read;
    ``warn=False`` leaves the unreadable files to the caller (not warned about); ``force_format``
    reads every file as that format (``txt``, ``vtt``, ``srt``, ``docx`` or ``survey``)."""
    if cleaning is None:
        config = CleaningConfig()
    elif isinstance(cleaning, CleaningConfig):
        config = cleaning
    else:
        config = CleaningConfig.from_dict(cleaning)
    config.steps(level)  # validates the level
    scope = check_scope(pseudonyms) if pseudonyms is not None else getattr(redactor, "pseudonyms", None)
    if scope is not None and not redact:
        raise ParameterError("pseudonyms (--pseudonyms) number the placeholders redaction writes: they cannot be used "
                             "with redact=False (--no-redact)")
    loaded = load_documents(paths, participants, text_columns=text_columns, id_column=id_column, redact=redact,
                            interviewers=interviewers, guess_interviewers=guess_interviewers,
                            force_format=force_format, show_progress=show_progress, keep_columns=keep_columns)
    docs, errors, parts = loaded.docs, loaded.errors, loaded.participants
    if isinstance(interviewers, str):
        interviewers = [interviewers]
    if redact and redactor is None and docs:
        redactor = Redactor(types=None, use_ner=True)  # one for file names, texts and attributes
    if hasattr(redactor, "without_pseudonyms"):
        redactor = redactor.without_pseudonyms()  # file names and attributes keep plain placeholders
    known = parts.all_names() + [v for n in interviewers for v in name_variants(n)]
    name_documents(docs, list(dict.fromkeys(known)), redactor if redact else None)
    docs, duplicate_rows = _drop_duplicate_surveys(docs)
    if warn and docs:  # when nothing could be read the error is raised instead
        for err in errors:
            warnings.warn(err.message, stacklevel=3)
    if not docs and errors and raise_if_none:
        if len(errors) == 1:
            only = InputError(None, errors[0].message)
            only.path, only.line = errors[0].path, errors[0].line
            raise only
        raise InputError(None, f"none of the {len(errors)} files could be read: " +
                         "; ".join(e.message for e in errors))
    clean_items(docs, level, config, show_progress)
    if redact:
        extra = parts.all_names()
        for n in interviewers:
            extra += name_variants(n)
        redact_items(docs, list(dict.fromkeys(extra)), show_progress, redactor, pseudonyms=scope)
        redact_attributes(docs, list(dict.fromkeys(extra)), redactor)
    for d in docs:
        for w in d.warnings:
            warnings.warn(w, stacklevel=3)
    segments, rejected, redactions = _build_tables(docs, attribution_template)
    if duplicate_rows:
        dup = pd.DataFrame(duplicate_rows, columns=rejected.columns).astype(object).fillna("")
        rejected = pd.concat([rejected, dup], ignore_index=True)
        for c in ("turn", "line", "start", "end"):
            rejected[c] = rejected[c].astype("int64")
    documents = {d.doc_id: d.text for d in docs}
    return ReadResult(segments, rejected, redactions, documents, errors)


def read(paths, participants=None, *, text_columns: Sequence[str] | str | None = None,
         id_column: str | None = None, level: str = "clean", redact: bool = True,
         interviewers: Sequence[str] = (), attribution_template: str = DEFAULT_ATTRIBUTION_TEMPLATE,
         cleaning=None, show_progress: bool | None = None, guess_interviewers: bool = True,
         redactor=None, keep_columns: Sequence[str] | str = (), pseudonyms: str | None = None) -> ReadResult:
    """Read, clean and redact transcripts and survey exports into a segment table.

    paths: a file, a folder (its supported files, recursively) or a list of them. A CSV/XLSX with
        ``source`` and ``speaker`` columns is taken as the participants file, not a survey.
    participants: the participants file (CSV/XLSX) or a DataFrame with ``source, speaker, role``.
    text_columns / id_column: survey columns; text columns are detected when not given.
    level: ``"clean"`` (default) or ``"verbatim"``. redact: replace personal data with placeholders.
    interviewers: names of interviewers (as labelled in transcripts), beside the participants file.
    attribution_template: e.g. ``"{trust_type}, {region}"``. cleaning: a CleaningConfig or a dict.
    guess_interviewers: when nothing identifies a transcript's interviewer, take the speaker who
        clearly asks the most questions (rows marked ``role_source == "heuristic"``).
    redactor: an object with ``redact_batch`` (default: ``Redactor()`` from insightkit.redact).
    keep_columns: survey or participants-file columns to keep although they may hold personal
        data as a whole (``organization``, ``email``; see docs/redaction.md, "Attribute columns");
        their values are redacted like every attribute's.
    pseudonyms: ``None`` (plain ``[PERSON]``), ``"document"`` or ``"batch"``: number the people and
        organisations in the texts (``[PERSON_1]``, ``[ORG_1]``), the same name getting the same
        number within a document or across every file read; the mapping is only in the redaction
        log. File names and attribute columns keep plain placeholders. See docs/redaction.md.

    Files that cannot be read are listed in ``errors`` (and warned about) while the others are
    read; when none can be read an :class:`InputError` is raised. A survey saved as both CSV and
    XLSX in one folder under one stem, with the same rows and answers, is read once (from the CSV);
    a warning names both files and the rejected table gets a ``duplicate_file`` row for the XLSX.

    File names can name people: ``source`` keeps the real name, while ``doc_id`` (so
    ``segment_id`` and ``participant_id``) and ``source_display`` are built from the name with
    names redacted (``interview_[PERSON].vtt``); see docs/redaction.md, "File names". Column
    headers (``question``), sheet names (in ``cell`` and ids) and attribute values are redacted
    too, each edit in the redaction log with its ``field``; see "Fields outside the answers".
    """
    return read_batch(paths, participants, text_columns=text_columns, id_column=id_column, level=level,
                 redact=redact, interviewers=interviewers, attribution_template=attribution_template,
                 cleaning=cleaning, show_progress=show_progress, guess_interviewers=guess_interviewers,
                 redactor=redactor, keep_columns=keep_columns, pseudonyms=pseudonyms)


def _reader(fmt: str, doc: str):
    def reader(path, participants=None, **kwargs) -> ReadResult:
        return read_batch([path], participants, force_format=fmt, **kwargs)

    reader.__name__ = reader.__qualname__ = f"read_{fmt}"
    reader.__doc__ = doc + "\n\nSame options and result as :func:`read`, for one file of this format."
    return reader


read_txt = _reader("txt", "Read a plain-text transcript (``Name: text`` turns).")
read_vtt = _reader("vtt", "Read a WebVTT transcript (Teams voice tags or Zoom ``Name:`` cues).")
read_srt = _reader("srt", "Read a SubRip (.srt) transcript.")
read_docx = _reader("docx", "Read a Word (.docx) transcript (Teams export or plain).")
read_survey = _reader("survey", "Read a survey export (.csv, .tsv or .xlsx).")
