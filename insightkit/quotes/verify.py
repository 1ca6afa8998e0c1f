"""Proving quotes verbatim: replaying each quote's edits on its source span gives the quote exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from insightkit.alignment import apply_edits, edits_from_json
from insightkit.errors import InsightkitError
from insightkit.quotes.candidates import row_value
from insightkit.redact.types import PLACEHOLDER_RX

__all__ = ["QuoteVerificationError", "verify_quotes"]


class QuoteVerificationError(InsightkitError):
    """A quote does not match its source span: never shown, never exported."""

    def __init__(self, failures: list[str], table: str | Path | None = None):
        self.failures = failures
        head = "; ".join(failures[:3])
        more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
        where = f"{table}: " if table is not None else ""
        super().__init__(f"{where}{len(failures)} quote(s) do not match their source: {head}{more}")


class _Sources:
    """Finds and reads (once) the source text of a quote: given documents, given paths, or the real
    file name (from the segment table) looked up under the source folders."""

    def __init__(self, documents, segments, source_paths, source_dirs, table):
        self.documents = dict(documents or {})
        self.paths = {str(k): v for k, v in (source_paths or {}).items()}
        self.dirs = source_dirs
        self.table = table
        self.cache: dict[tuple[str, str], str] = {}
        self.real_by_seg: dict[str, str] = {}
        self.real_by_doc: dict[str, str] = {}
        self.seg_row: dict[str, int] = {}
        if segments is not None:
            self.seg_row = {sid: i + 1 for i, sid in enumerate(segments["segment_id"].astype(str))}
            if "source" in segments.columns:
                real = segments["source"].fillna("").astype(str)
                self.real_by_seg = dict(zip(segments["segment_id"].astype(str), real))
                if "doc_id" in segments.columns:
                    self.real_by_doc = {k: v for k, v in zip(segments["doc_id"].astype(str), real) if v}

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

    def text(self, row) -> str | None:
        doc_id = str(row_value(row, "doc_id"))
        cell = str(row_value(row, "cell"))
        doc = self.documents.get(doc_id)
        if doc is not None:
            return doc.get(cell) if isinstance(doc, dict) else doc  # XLSX: offsets are within the cell's value
        key = (doc_id, cell)
        if key in self.cache:
            return self.cache[key]
        names = self.file_names(row)
        shown = str(row_value(row, "source_display"))
        path = next((Path(self.paths[k]) for k in (doc_id, *names, shown) if k and k in self.paths), None)
        if path is None and self.dirs:
            path = self._find(row, names)
        if path is None:
            return None
        from insightkit.io import read_source_text

        self.cache[key] = read_source_text(path, cell or None)
        return self.cache[key]


def _failure(q, sources: _Sources, seg_text: dict[str, str] | None) -> str:
    """Why quote ``q`` is not proved verbatim ("" when it is)."""
    qid = q.get("quote_id", q.get("segment_id"))
    quote = str(q["quote"])
    if seg_text is not None:
        st = seg_text.get(str(q["segment_id"]))
        if st is None or quote not in st:
            return f"{qid}: not found in its segment's text"
    src = sources.text(q)
    if src is None:
        # named by its shown name and doc_id only: a real file name may name a person
        shown = row_value(q, "source_display") or row_value(q, "doc_id")
        return (f"{qid}: source '{shown}' (doc_id {row_value(q, 'doc_id')}) not available to verify against; "
                "pass the documents from insightkit.read, the segment table, or source_paths")
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
    sources = _Sources(documents, segments, source_paths, source_dirs, table)
    seg_text = None
    if segments is not None:
        seg_text = dict(zip(segments["segment_id"].astype(str), segments["text"].astype(str)))
    failures = [f for _, q in quotes.iterrows() if (f := _failure(q, sources, seg_text))]
    if failures:
        raise QuoteVerificationError(failures, table)
    out = quotes.copy()
    out["verified"] = True
    return out
