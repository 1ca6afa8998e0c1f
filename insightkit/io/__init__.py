"""Reading transcripts and survey exports: each file becomes a document of raw items (turns or cells).

:func:`load_documents` expands the paths (folders give their supported files), takes a CSV/XLSX
with ``source`` and ``speaker`` columns as the participants file, and loads every other file into a
:class:`Document`: its decoded source text and its items, each an :class:`~insightkit.alignment.AlignedText`
over that source plus what the reader knows (speaker and role, question, cell, or why it is set aside:
``header``, ``malformed_row``, ``too_long``, ``empty``). Files that cannot be read are returned as
:class:`FileError` rows. Cleaning, redaction and the segment table come after, in
:mod:`insightkit.pipeline` (``insightkit.read``).

Every item satisfies ``apply_edits(source_text, start, end, edits) == text`` where ``source_text``
is the decoded file (for .docx the text defined in :mod:`insightkit.io.docx`, for .xlsx the cell
value named by the ``cell`` column); see docs/segments.md.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from insightkit.alignment import AlignedText
from insightkit.errors import InputError, ParameterError
from insightkit.io.base import (MAX_TURN_CHARS, TranscriptParse, max_file_bytes, open_regular_file,
                                read_file_bytes)
from insightkit.io.encoding import decode_bytes, line_of, line_starts, read_text_file
from insightkit.io.document import EXTRA_SEGMENT_COLUMNS, Document, Item
from insightkit.io.participants import Participants, read_participants
from insightkit.io.turns import label_keys, speaker_keys
from insightkit.names import name_variants
from insightkit.segments import make_doc_id

__all__ = [
    "load_documents",
    "LoadedDocuments",
    "transcript_document",
    "reader_options",
    "Document",
    "Item",
    "FileError",
    "expand_paths",
    "looks_like_participants",
    "read_participants",
    "read_source_text",
    "SUPPORTED_EXTENSIONS",
    "EXTRA_SEGMENT_COLUMNS",
    "MAX_FILE_BYTES",
]

#: file extension -> reader
SUPPORTED_EXTENSIONS = {
    ".txt": "txt", ".vtt": "vtt", ".srt": "srt", ".docx": "docx",
    ".csv": "survey", ".tsv": "survey", ".xlsx": "survey",
}
#: transcript files larger than this are refused (an hour of talk is well under 100 KB of text)
MAX_FILE_BYTES = {"txt": 16 * 2**20, "vtt": 16 * 2**20, "srt": 16 * 2**20, "docx": 128 * 2**20}


@dataclass
class FileError:
    """A file that could not be read; ``message`` is one line naming the file (and line)."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return self.message


# -- inputs ---------------------------------------------------------------------------------------


def expand_paths(paths) -> list[tuple[Path, bool, Path | None]]:
    """Files to read as (path, given_explicitly, folder); folders give their supported files, sorted.

    ``folder`` is the folder a file was found in when it is a link that leads outside that folder
    (the caller refuses it: a folder's files are read only from inside it), else None.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[tuple[Path, bool, Path | None]] = []
    seen = set()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_EXTENSIONS
                           and not any(part.startswith(".") for part in f.relative_to(p).parts)
                           and not f.name.startswith("~$"))
            root = p.resolve()
            items = [(f, False, None if f.resolve().is_relative_to(root) else p) for f in found]
        else:
            items = [(p, True, None)]
        for f, explicit, outside in items:
            key = str(f.resolve()) if f.exists() else str(f)
            if key not in seen:
                seen.add(key)
                out.append((f, explicit, outside))
    return out


def looks_like_participants(path: Path) -> bool:
    """A CSV/XLSX whose header has both ``source`` and ``speaker`` columns."""
    from insightkit.io.survey import snake_case, tokenize_csv

    try:
        if path.suffix.lower() in (".csv", ".tsv"):
            with open_regular_file(path) as fh:  # not a FIFO or device: those would block or never end
                head = fh.read(65536)
            text, _ = decode_bytes(head, path)
            first = text.splitlines()[0] if text.splitlines() else ""
            delim = "\t" if path.suffix.lower() == ".tsv" else max(",;\t|", key=first.count)
            recs = tokenize_csv(first, delim)
            names = {snake_case(f.value(first)) for f in recs[0][2]} if recs else set()
        elif path.suffix.lower() == ".xlsx":
            from insightkit.io.tables import XlsxBook

            with XlsxBook(read_file_bytes(path), path) as book:  # checked: no bomb, no entities
                row1 = next(book.rows(book.sheetnames[0]), (0, {})) if book.sheetnames else (0, {})
                names = {snake_case(v) for v in row1[1].values()} if row1[0] == 1 else set()
        else:
            return False
    except Exception:
        return False
    return {"source", "speaker"} <= names


def read_source_text(path: str | Path, cell: str | None = None) -> str:
    """The decoded text that ``start``/``end`` of a segment from ``path`` index into.

    Text files: the decoded file, newlines untranslated. .docx: paragraphs joined as described in
    :mod:`insightkit.io.docx`. .xlsx: the value of ``cell`` (e.g. "Responses!G12").
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".docx":
        from insightkit.io.docx import docx_text

        return docx_text(p, read_file_bytes(p, MAX_FILE_BYTES["docx"]))  # checks the archive itself
    if ext == ".xlsx":
        from insightkit.io.survey import xlsx_cell_value

        if cell is None:
            raise InputError(p, "an .xlsx file has no single source text: name a cell, e.g. cell='Responses!G12'")
        return xlsx_cell_value(read_file_bytes(p), cell, p)
    return read_text_file(p)[0]


# -- documents and their items --------------------------------------------------------------------


def _load_transcript(path: Path, fmt: str, data_text: str, participants: Participants,
                     interviewers: Sequence[str]) -> TranscriptParse:
    known = participants.known_labels(path.name) + list(interviewers)
    if fmt == "txt":
        from insightkit.io.txt import parse_txt

        return parse_txt(data_text, path, known)
    if fmt == "vtt":
        from insightkit.io.vtt import parse_vtt

        return parse_vtt(data_text, path, known)
    if fmt == "srt":
        from insightkit.io.srt import parse_srt

        return parse_srt(data_text, path, known)
    from insightkit.io.docx import parse_docx_text

    return parse_docx_text(data_text, path, known)


def _sniff_transcript(text: str) -> str | None:
    """'vtt' or 'srt' when a .txt/.srt file's content is WebVTT or SubRip (a renamed export)."""
    head = [l.strip() for l in text[:2000].lstrip("\ufeff").splitlines() if l.strip()][:3]
    if not head:
        return None
    if re.match(r"^WEBVTT(?:[ \t].*)?$", head[0]):
        return "vtt"
    if len(head) >= 2 and head[0].isdigit() and re.match(r"^\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d", head[1]):
        return "srt"
    return None


def load_file(path: Path, fmt: str, opts: dict) -> Document:
    if path.is_dir():
        raise InputError(path, "is a folder with no supported files")
    limit = MAX_FILE_BYTES.get(fmt)  # a regular file (not a FIFO or device), of bounded size
    if limit is None or max_file_bytes() <= limit:  # INSIGHTKIT_MAX_FILE_MB may lower a transcript's limit
        data = read_file_bytes(path)
    else:
        what = "Word transcript" if fmt == "docx" else "transcript"
        data = read_file_bytes(path, limit, advice=f"too large for a {what}; split it into smaller files")
    if not data:
        raise InputError(path, "the file is empty")
    doc_id = make_doc_id(path.name, data)  # provisional: the pipeline rebuilds it from the shown name
    participants: Participants = opts["participants"]
    if fmt == "survey":
        from insightkit.io.survey_doc import load_survey

        doc = load_survey(path, data, doc_id, opts)
        doc.digest = hashlib.sha1(data).hexdigest()
        return doc
    notes: list[str] = []
    if fmt == "docx":
        from insightkit.io.docx import docx_source

        text, notes = docx_source(path, data)
    else:
        text, _ = decode_bytes(data, path)
    note = ""
    if fmt in ("txt", "srt", "vtt"):  # a renamed export is read as what its content is
        sniffed = _sniff_transcript(text)
        if sniffed and sniffed != fmt:
            note = f"{path.name}: read as {'WebVTT' if sniffed == 'vtt' else 'SubRip'} (what its content is)"
            fmt = sniffed
    parsed = _load_transcript(path, fmt, text, participants, opts["interviewers"])
    doc = transcript_document(path, fmt, text, data, parsed, opts)
    doc.warnings[:0] = ([note] if note else []) + notes
    return doc


def transcript_document(path: Path, fmt: str, text: str, data: bytes, parsed: TranscriptParse,
                        opts: dict) -> Document:
    """The :class:`Document` of a parsed transcript: header lines set aside, one item per turn,
    over-long turns left out with a reason, speakers named (roles, attributes, P01/I01). Also the
    builder for texts that come from inside another file (the sources of a REFI-QDA project)."""
    doc = Document(make_doc_id(path.name, data), path.name, path, "transcript", fmt, text)
    doc.digest = hashlib.sha1(data).hexdigest()
    starts = line_starts(text)
    first_turn = min((t.line_offset for t in parsed.turns), default=len(text))
    for s, e in parsed.header:
        detail = "header line before the first speaker turn" if s < first_turn else \
            "transcript notice (started/stopped transcription), not speech"
        doc.items.append(Item(doc, "transcript", AlignedText.from_source(text, s, e), -1, line_of(starts, s), (s, e),
                               reason="header", detail=detail))
    for n, t in enumerate(parsed.turns):
        fb = (t.at.src_start, t.at.src_end) if t.at.text else (t.line_offset, t.line_offset)
        doc.items.append(Item(doc, "transcript", t.at, n, line_of(starts, t.line_offset), fb, label=t.label,
                               timestamp=t.timestamp, raw_text=t.at.text))
    for it in doc.items:
        if len(it.at.text) > MAX_TURN_CHARS:  # left out whole (not cleaned, redacted or kept), and said so
            what = "header text" if it.reason == "header" else "turn"
            it.reason, it.detail = "too_long", (f"a {what} of {len(it.at.text):,} characters (the limit is "
                                                f"{MAX_TURN_CHARS:,}): left out; split it into shorter turns")
            it.at = AlignedText([])
    names: list[str] = []
    for label in dict.fromkeys(t.label for t in parsed.turns):
        names += name_variants(label)
    for nm in parsed.extra_names:
        names += name_variants(nm)
    doc.names = list(dict.fromkeys(names))
    _assign_speakers(doc, opts["participants"], opts)
    return doc


def _name_match(label: str, name: str) -> bool:
    a, b = label_keys(label), label_keys(name)
    if a & b:
        return True
    fa = {k.split()[0] for k in a if k}
    fb = {k.split()[0] for k in b if k}
    one_word = any(len(k.split()) == 1 for k in a) or any(len(k.split()) == 1 for k in b)
    return bool(fa & fb) and one_word


def _assign_speakers(doc: Document, participants: Participants, opts: dict) -> None:
    """Roles, attributes and pseudonyms (P01/I01 by first appearance) for a transcript's speakers."""
    from insightkit.io.participants import drop_personal
    from insightkit.names import is_role_word

    turns = [it for it in doc.items if it.reason != "header"]
    canon = speaker_keys([it.label for it in turns])
    info: dict[str, dict] = {}
    for it in turns:
        key = canon.get(it.label, "")
        if key in info:
            info[key]["turns"].append(it)
            continue
        entry: dict[str, Any] = {"label": it.label, "turns": [it], "attrs": {}}
        row = participants.match(doc.source, it.label) if it.label else None
        if row is not None:
            entry["role"], entry["source"], entry["row"] = row["role"], "participants_file", row
            attrs = {k: row.get(k, "") for k in participants.attribute_columns}
            entry["attrs"] = drop_personal(attrs, opts["keep_columns"]) if opts["redact"] else attrs
        elif it.label and any(_name_match(it.label, n) for n in opts["interviewers"]):
            entry["role"], entry["source"] = "interviewer", "interviewer_names"
        elif it.label and is_role_word(it.label):
            entry["role"], entry["source"] = is_role_word(it.label), "label"
        else:
            entry["role"], entry["source"] = "participant", "default"
        info[key] = entry
    if opts["guess_interviewers"] and len(info) >= 2 and not any(e["role"] == "interviewer" for e in info.values()):
        scores = []
        for key, e in info.items():
            if e["source"] != "default":
                continue
            n = len(e["turns"])
            q = sum(1 for t in e["turns"] if "?" in t.raw_text)
            scores.append((q / n if n else 0.0, n, key))
        scores.sort(reverse=True)
        if scores and scores[0][1] >= 2 and scores[0][0] >= 0.3 and \
                (len(scores) == 1 or scores[0][0] - scores[1][0] >= 0.15):
            e = info[scores[0][2]]
            e["role"], e["source"] = "interviewer", "heuristic"
    _pair_by_elimination(doc, info, participants, opts)
    counters = {"interviewer": 0, "participant": 0}
    unmatched = []
    for key, e in info.items():
        counters[e["role"]] += 1
        e["speaker"] = f"{'I' if e['role'] == 'interviewer' else 'P'}{counters[e['role']]:02d}"
        if e["source"] == "default" and participants.table is not None and not e.get("paired"):
            unmatched.append(e["speaker"])
        for it in e["turns"]:
            it.speaker, it.role, it.role_source, it.attrs = e["speaker"], e["role"], e["source"], e["attrs"]
    if unmatched:
        doc.warnings.append(f"{doc.source}: speaker(s) {', '.join(unmatched)} not found in the participants file")


def _pair_by_elimination(doc: Document, info: dict, participants: Participants, opts: dict) -> None:
    """Attach attributes when labels do not name people ("Interviewer:"/"Participant:") but the
    participants file lists exactly one unmatched person of that role for this transcript."""
    from insightkit.io.participants import drop_personal

    rows = [r for r in participants.rows_for(doc.source) if r["source"]]
    if not rows:
        return
    matched = {(e["row"]["source"], e["row"]["speaker"]) for e in info.values() if e.get("row") is not None}
    for role in ("interviewer", "participant"):
        free_rows = [r for r in rows if r["role"] == role and (r["source"], r["speaker"]) not in matched]
        speakers = [e for e in info.values() if e["source"] != "participants_file" and e["role"] == role and e["label"]]
        if len(free_rows) == 1 and len(speakers) == 1:
            attrs = {k: free_rows[0].get(k, "") for k in participants.attribute_columns}
            speakers[0]["attrs"] = drop_personal(attrs, opts["keep_columns"]) if opts["redact"] else attrs
            speakers[0]["paired"] = True


@dataclass
class LoadedDocuments:
    """What :func:`load_documents` gives: the documents read, the files that could not be read and
    the participants (from the participants file, or a table found among the inputs)."""

    docs: list[Document]
    errors: list[FileError]
    participants: Participants


def reader_options(participants: Participants | None = None, *, interviewers: Sequence[str] = (),
                   text_columns=None, id_column: str | None = None, redact: bool = True,
                   guess_interviewers: bool = True, keep_columns: Sequence[str] = ()) -> dict:
    """The options every reader takes (:func:`load_file`, :func:`transcript_document`)."""
    return {"participants": participants if participants is not None else Participants(None),
            "interviewers": list(interviewers), "text_columns": text_columns, "id_column": id_column,
            "redact": redact, "guess_interviewers": guess_interviewers, "keep_columns": list(keep_columns)}


def load_documents(paths, participants=None, *, text_columns: Sequence[str] | str | None = None,
                   id_column: str | None = None, redact: bool = True, interviewers: Sequence[str] = (),
                   guess_interviewers: bool = True, force_format: str | None = None,
                   show_progress: bool | None = None, keep_columns: Sequence[str] | str = ()) -> LoadedDocuments:
    """Read every file under ``paths`` into a :class:`Document` (see the module docstring).

    ``redact`` leaves out survey columns and participant attributes that may hold personal data,
    except the columns ``keep_columns`` names (an :class:`InputError` when one names no column of
    any survey or of the participants file). Raises :class:`InputError` when ``paths`` names no
    file, and :class:`~insightkit.errors.ParameterError` when it is empty.
    """
    from insightkit.progress import progress, progress_off

    if isinstance(text_columns, str):
        text_columns = [text_columns]
    if isinstance(interviewers, str):
        interviewers = [interviewers]
    keep_columns = [keep_columns] if isinstance(keep_columns, str) else [str(k) for k in keep_columns]
    files = expand_paths(paths)
    if not files:
        given = [paths] if isinstance(paths, (str, Path)) else list(paths)
        if len(given) == 1:
            exts = " ".join(sorted(SUPPORTED_EXTENSIONS))
            raise InputError(given[0], f"no supported files in this folder (expected: {exts})")
        raise ParameterError("no input files given")
    part_path = Path(participants) if participants is not None and not isinstance(participants, pd.DataFrame) else None
    tables = []
    if isinstance(participants, pd.DataFrame):
        tables.append(participants)
    elif part_path is not None:
        tables.append(read_participants(part_path))
    errors: list[FileError] = []
    todo: list[tuple[Path, str]] = []
    as_participants: list[Path] = []
    for f, explicit, outside in files:
        if part_path is not None and f.exists() and part_path.exists() and f.resolve() == part_path.resolve():
            continue
        if outside is not None:
            errors.append(FileError(str(f), str(InputError(
                f, f"a link to a file outside the folder {outside}; not read (files found in a folder are read "
                   "only from inside it: give the file itself to read it)"))))
            continue
        fmt = force_format or SUPPORTED_EXTENSIONS.get(f.suffix.lower())
        if not f.exists():
            errors.append(FileError(str(f), str(InputError(f, "no such file or folder"))))
            continue
        if fmt is None:
            exts = " ".join(sorted(SUPPORTED_EXTENSIONS))
            errors.append(FileError(str(f), str(InputError(f, f"unsupported file type {f.suffix or '(none)'!r}; "
                                                              f"expected one of: {exts}"))))
            continue
        if fmt == "survey" and not force_format and f.exists() and looks_like_participants(f):
            if participants is None:
                tables.append(read_participants(f))
            as_participants.append(f)
            continue  # a participants file, not a survey
        todo.append((f, fmt))
    if not todo and not errors and as_participants:
        # nothing but tables with 'source' and 'speaker' columns (a participants file, or a segment
        # table from 'clean' given back to it): say so rather than read nothing without a word
        raise InputError(as_participants[0], "has 'source' and 'speaker' columns, so it is read as a participants "
                                             "file, and no transcript or survey export was given to read")
    table = pd.concat(tables, ignore_index=True).fillna("") if tables else None
    if table is not None:
        table = table.astype(str)
    parts = Participants(table)
    opts = reader_options(parts, interviewers=interviewers, text_columns=text_columns, id_column=id_column,
                          redact=redact, guess_interviewers=guess_interviewers, keep_columns=keep_columns)
    docs: list[Document] = []
    seen_ids: dict[str, str] = {}
    for f, fmt in progress(todo, desc="reading", unit="file", disable=progress_off(show_progress, len(todo) * 10)):
        try:
            doc = load_file(f, fmt, opts)
        except InputError as exc:
            errors.append(FileError(str(f), str(exc), exc.line))
            continue
        except (ImportError, SyntaxError):
            raise  # a broken installation, not a bad file
        except Exception as exc:  # a library choking on a strange file: keep the batch going
            errors.append(FileError(str(f), f"{f}: could not be read ({type(exc).__name__}: {exc})"))
            continue
        if doc.doc_id in seen_ids:
            warnings.warn(f"{f}: same name and content as {seen_ids[doc.doc_id]}; read once", stacklevel=4)
            continue
        seen_ids[doc.doc_id] = str(f)
        docs.append(doc)
    _check_kept(keep_columns, docs, parts)
    return LoadedDocuments(docs, errors, parts)


def _check_kept(keep_columns: list[str], docs: list[Document], parts: Participants) -> None:
    """A ``keep_columns`` name that no survey and no participants file has is a typo, not a no-op."""
    from insightkit.io.participants import keep_matches

    found = {k for d in docs for k in d.kept} | \
        {k for c in parts.attribute_columns for k in keep_matches(keep_columns, c)}
    missing = [k for k in keep_columns if k not in found]
    if missing and docs:
        surveys = [d for d in docs if d.kind == "survey"]
        raise InputError(surveys[0].path if len(surveys) == 1 else None,
                         f"--keep-column {', '.join(map(repr, missing))}: no survey column or participants-file "
                         f"attribute has this name")
