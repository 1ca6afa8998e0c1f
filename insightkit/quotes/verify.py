"""Proving quotes verbatim: replaying each quote's edits on its source span gives the quote exactly.

The source file is found through the quote's ``doc_id``: given documents, given paths, the real
file name (from the segment table) under the folders given, a file with the same content digest
under those folders, or the folder the segment table recorded (:mod:`insightkit.quotes.sources`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from insightkit.alignment import apply_edits, edits_from_json
from insightkit.errors import InsightkitError
from insightkit.quotes.candidates import parse_quote_id, row_value, window_quote
from insightkit.quotes.sources import DigestIndex, doc_digest, file_digest_matches, recorded_file, recorded_folders
from insightkit.redact.types import PLACEHOLDER_RX

__all__ = ["QuoteVerificationError", "verify_quotes"]


class QuoteVerificationError(InsightkitError):
    """A quote does not match its source span: never shown, never exported.

    ``missing``: the shown names of the source files that could not be found at all (the quotes
    may be fine; the files are elsewhere), one each."""

    def __init__(self, failures: list[str], table: str | Path | None = None, missing: list[str] | None = None):
        self.failures = failures
        self.missing = list(missing or [])
        head = "; ".join(failures[:3])
        more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
        where = f"{table}: " if table is not None else ""
        super().__init__(f"{where}{len(failures)} quote(s) do not match their source: {head}{more}")


class _Sources:
    """Finds and reads (once) the source text of a quote: given documents, given paths, the real
    file name (from the segment table) looked up under the source folders, a file with the same
    content digest there, or the folder the segment table recorded."""

    def __init__(self, documents, segments, source_paths, source_dirs, table):
        from insightkit.io.sources import source_roots

        self.documents = dict(documents or {})
        self.paths = {str(k): v for k, v in (source_paths or {}).items()}
        self.dirs = source_dirs
        self.table = table
        self.cache: dict[tuple[str, str], str] = {}
        self.real_by_seg: dict[str, str] = {}
        self.real_by_doc: dict[str, str] = {}
        self.folder_by_doc: dict[str, str] = {}
        self.seg_row: dict[str, int] = {}
        self.index = DigestIndex(source_roots(source_dirs or ()))
        self.missing: dict[str, None] = {}  # shown names of the files not found, in order
        self.located: dict[tuple, Path | None] = {}  # (doc_id, file names) -> path
        if segments is not None:
            self.seg_row = {sid: i + 1 for i, sid in enumerate(segments["segment_id"].astype(str))}
            if "source" in segments.columns:
                real = segments["source"].fillna("").astype(str)
                self.real_by_seg = dict(zip(segments["segment_id"].astype(str), real))
                if "doc_id" in segments.columns:
                    self.real_by_doc = {k: v for k, v in zip(segments["doc_id"].astype(str), real) if v}
            if "source_folder" in segments.columns and "doc_id" in segments.columns:
                folders = segments["source_folder"].fillna("").astype(str)
                self.folder_by_doc = {k: v for k, v in zip(segments["doc_id"].astype(str), folders) if v}

    def file_names(self, row) -> list[str]:
        """The real file name first (from the segment table or an older table's ``source``)."""
        names = [self.real_by_seg.get(str(row.get("segment_id", ""))), self.real_by_doc.get(str(row.get("doc_id", ""))),
                 str(row_value(row, "source")), str(row_value(row, "source_display"))]
        return [n for n in dict.fromkeys(names) if n and not PLACEHOLDER_RX.search(n)]

    def _find(self, row, names: list[str]) -> Path | None:
        from insightkit.io.sources import find_source

        sid = str(row_value(row, "segment_id"))
        where = f"segment {sid} (row {self.seg_row[sid]})" if sid in self.seg_row else \
            f"quote {row_value(row, 'quote_id') or sid}"
        return next((p for n in names if (p := find_source(n, self.dirs, table=self.table, where=where))), None)

    def _by_digest(self, row, names: list[str], digest: str) -> Path | None:
        """A file with the document's content digest: the segment's file in the folder the segment
        table recorded (looked at first: one file, no search), else any file under the folders given."""
        for folder in recorded_folders(self.folder_by_doc.get(str(row_value(row, "doc_id")), "")):
            for n in names:
                p = recorded_file(folder, n)
                if p is not None and file_digest_matches(p, digest):
                    return p
        suffix = Path(names[0] if names else str(row_value(row, "source_display"))).suffix
        return self.index.find(digest, suffix) if suffix else None

    def locate(self, row) -> Path | None:
        """The path of the quote's source file, or None (looked up once per document)."""
        key = (str(row_value(row, "doc_id")), *self.file_names(row))
        if key not in self.located:
            self.located[key] = self._locate(row)
        return self.located[key]

    def _locate(self, row) -> Path | None:
        doc_id = str(row_value(row, "doc_id"))
        names = self.file_names(row)
        shown = str(row_value(row, "source_display"))
        path = next((Path(self.paths[k]) for k in (doc_id, *names, shown) if k and k in self.paths), None)
        if path is not None:
            return path
        digest = doc_digest(doc_id)
        if self.dirs:
            path = self._find(row, names)
        if digest is not None and (path is None or not file_digest_matches(path, digest)):
            path = self._by_digest(row, names, digest) or path  # a file of another name, or moved
        return path

    def text(self, row) -> str | None:
        doc_id = str(row_value(row, "doc_id"))
        cell = str(row_value(row, "cell"))
        doc = self.documents.get(doc_id)
        if doc is not None:
            return doc.get(cell) if isinstance(doc, dict) else doc  # XLSX: offsets are within the cell's value
        key = (doc_id, cell)
        if key in self.cache:
            return self.cache[key]
        path = self.locate(row)
        if path is None:
            self.missing[str(row_value(row, "source_display") or doc_id)] = None
            return None
        from insightkit.io import read_source_text

        self.cache[key] = read_source_text(path, cell or None)
        return self.cache[key]


def _in_segment(q, seg) -> bool:
    """Whether quote ``q`` is its segment's text: a substring of it, or the window its quote id
    names with its false starts dropped (:mod:`insightkit.quotes.restarts`)."""
    quote = str(q["quote"])
    text = str(seg["text"])
    if quote in text:
        return True
    parsed = parse_quote_id(str(row_value(q, "quote_id")))
    if parsed is None or parsed[0] != str(q["segment_id"]):
        return False
    try:
        return window_quote(text, seg["start"], seg["end"], seg.get("edits"), parsed[1], parsed[2]) == quote
    except (ValueError, TypeError):
        return False


def _failure(q, sources: _Sources, seg_rows: dict | None) -> str:
    """Why quote ``q`` is not proved verbatim ("" when it is)."""
    qid = q.get("quote_id", q.get("segment_id"))
    quote = str(q["quote"])
    if seg_rows is not None:
        seg = seg_rows.get(str(q["segment_id"]))
        if seg is None or not _in_segment(q, seg):
            return f"{qid}: not found in its segment's text"
    src = sources.text(q)
    if src is None:
        # named by its shown name and doc_id only: a real file name may name a person
        shown = row_value(q, "source_display") or row_value(q, "doc_id")
        return (f"{qid}: source '{shown}' (doc_id {row_value(q, 'doc_id')}) not available to verify against; "
                "pass the documents from insightkit.read, source_paths, or source_dirs (the folder holding it)")
    try:
        replayed = apply_edits(src, int(q["start"]), int(q["end"]), edits_from_json(q.get("edits")))
    except (ValueError, TypeError) as exc:
        return f"{qid}: bad edits ({exc})"
    if replayed != quote:
        # never the replayed text: a file that fails verification may be one the table should not lead to
        return (f"{qid}: source span {int(q['start'])}:{int(q['end'])} with its edits is not the quote "
                "(the file differs from the one the table was made from)")
    return ""


def verify_quotes(quotes: pd.DataFrame, documents: Mapping[str, str] | None = None, *,
                  segments: pd.DataFrame | None = None, source_paths: Mapping[str, str | Path] | None = None,
                  source_dirs: Sequence[str | Path] = (), table: str | Path | None = None) -> pd.DataFrame:
    """Prove each quote verbatim: replaying its edits on the source span gives the quote exactly.

    A quotes table names its file only by the shown name (``source_display``, names redacted), so
    the source text is found through the quote's ``doc_id``: in ``documents`` (doc_id -> decoded
    text, as :func:`insightkit.read` returns), else in ``source_paths`` (doc_id, real or shown file
    name -> path), else by the real file name under ``source_dirs``, else by content: a file under
    ``source_dirs`` (searched recursively) whose bytes have the digest that ends the ``doc_id``,
    else the file of that name and digest under the folder the segment table recorded
    (``source_folder``). The real name comes from ``segments`` (the segment table keeps it in
    ``source``), from a ``source`` column of an older quotes table, or is the shown name where that
    holds no redaction. With ``segments``, each quote must also be its segment's text (a part of
    it, with any false start dropped as recorded in its edits). Raises
    :class:`QuoteVerificationError` on any mismatch or missing source (``missing`` names the files
    not found); returns the quotes with a ``verified`` column otherwise.

    A file name from a table is untrusted: it is looked up only under ``source_dirs`` and must, once
    resolved (``..`` and links followed), lie inside one of them; a name that leads elsewhere raises
    :class:`~insightkit.errors.InputError` naming ``table`` (the segment table's file, for the message)
    and the segment. No error message holds text read from a source file.
    """
    sources = _Sources(documents, segments, source_paths, source_dirs, table)
    seg_rows = None
    if segments is not None:
        cols = [c for c in ("segment_id", "text", "start", "end", "edits") if c in segments.columns]
        seg_rows = {str(r["segment_id"]): r for r in segments[cols].to_dict("records")}
    failures = [f for _, q in quotes.iterrows() if (f := _failure(q, sources, seg_rows))]
    if failures:
        raise QuoteVerificationError(failures, table, list(sources.missing))
    out = quotes.copy()
    out["verified"] = True
    return out
