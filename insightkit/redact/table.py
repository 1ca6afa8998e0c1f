"""The segment-table wrapper: :func:`redact` runs the :class:`Redactor` over a DataFrame's text."""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from insightkit.alignment import AlignedText, edits_to_json
from insightkit.redact.engine import Redactor
from insightkit.redact.pseudonyms import check_scope, number_placeholders

__all__ = ["redact"]


def redact(
    segments,
    names: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    *,
    types: Iterable[str] | None = None,
    use_ner: bool = True,
    extra_names: Iterable[str] = (),
    org_terms: Iterable[str] = (),
    redactor: Redactor | None = None,
    text_column: str = "text",
    progress: bool = False,
    pseudonyms: str | None = None,
):
    """Redact the ``text`` column of a segment table; returns ``(segments, redaction_log)``.

    ``names``: known names for every row (a list), or per document (a mapping from ``doc_id`` or
    ``source`` to a list). When the table has ``start``/``end``/``edits``, each text is rebuilt as
    an :class:`AlignedText` so the placeholders are added to ``edits`` and the log holds source
    offsets; otherwise the log's offsets are offsets in the text. The log has the columns of
    ``insightkit.segments.REDACTION_COLUMNS`` and holds the personal data: keep it apart.

    ``pseudonyms``: ``"document"`` or ``"batch"`` numbers people and organisations
    (``[PERSON_1]``, ``[ORG_1]``) consistently within each document (rows with the same ``doc_id``,
    else ``source``; a table with neither is one document) or across the whole table; the log's
    ``placeholder`` column then holds each number beside the name it stands for. Default: the
    ``redactor``'s setting, else plain placeholders.
    """
    import pandas as pd

    from insightkit.segments import REDACTION_COLUMNS, SegmentTableError, empty_redactions, is_missing

    if not isinstance(segments, pd.DataFrame):
        raise SegmentTableError(f"expected a pandas DataFrame, got {type(segments).__name__}")
    if text_column not in segments.columns:
        raise SegmentTableError(f"segment table is missing column(s): {text_column}")
    r = redactor or Redactor(types=types, use_ner=use_ner, extra_names=extra_names, org_terms=org_terms)
    scope = check_scope(pseudonyms) if pseudonyms is not None else getattr(r, "pseudonyms", None)
    if scope is not None and hasattr(r, "without_pseudonyms"):
        r = r.without_pseudonyms()  # chunks get plain placeholders; the whole table is numbered below
    df = segments.copy()
    has_span = "start" in df.columns and "end" in df.columns
    has_edits = has_span and "edits" in df.columns

    items: list[AlignedText] = []
    aligned: list[bool] = []
    row_names: list[Sequence[str]] = []
    records = df.to_dict("records")
    for idx, rec in enumerate(records):
        text = rec.get(text_column)
        text = "" if is_missing(text) else str(text)
        item = None
        if has_span and not is_missing(rec.get("start")) and not is_missing(rec.get("end")):
            try:
                item = AlignedText.from_row(text, rec["start"], rec["end"], rec.get("edits") if has_edits else [])
            except ValueError as exc:
                seg = rec.get("segment_id", idx)
                raise SegmentTableError(f"segment {seg}: text does not match its start/end/edits ({exc}), "
                                        "so redaction cannot keep its source offsets") from exc
        aligned.append(item is not None)
        items.append(item if item is not None else AlignedText.from_source(text))
        if names is None:
            row_names.append(())
        elif isinstance(names, Mapping):
            key_hits = [names.get(rec.get(k)) for k in ("doc_id", "source") if rec.get(k) is not None]
            row_names.append(next((v for v in key_hits if v is not None), ()))
        else:
            row_names.append(list(names))

    results: list[tuple[AlignedText, list[dict]]] = []
    step = max(1, r.batch_size * 4)
    bar = None
    if progress:
        from insightkit.progress import progress as _progress

        bar = _progress(total=len(items), desc="redact", unit="seg")
    for a in range(0, len(items), step):
        results += r.redact_batch(items[a : a + step], row_names[a : a + step])
        if bar is not None:
            bar.update(min(step, len(items) - a))
    if bar is not None:
        bar.close()
    if scope is not None:
        results = number_placeholders(results, [_scope_key(rec, scope) for rec in records])

    new_texts, new_edits, log_rows = [], [], []
    for i, ((new, log), rec) in enumerate(zip(results, records)):
        new_texts.append(new.text)
        new_edits.append(edits_to_json(new.edits()) if aligned[i] else rec.get("edits"))
        for entry in log:
            log_rows.append(
                {
                    "doc_id": rec.get("doc_id", ""),
                    "segment_id": rec.get("segment_id", ""),
                    "source": rec.get("source", ""),
                    **entry,
                    "field": text_column,
                }
            )
    df[text_column] = new_texts
    if has_span and any(aligned):
        df["edits"] = new_edits
    log_df = pd.DataFrame(log_rows, columns=REDACTION_COLUMNS) if log_rows else empty_redactions()
    return df, log_df


def _scope_key(rec: dict, scope: str):
    """The pseudonym scope of a row: its document (``doc_id``, else ``source``), or the whole table."""
    from insightkit.segments import is_missing

    if scope == "batch":
        return ""
    for k in ("doc_id", "source"):
        v = rec.get(k)
        if v is not None and not is_missing(v) and str(v) != "":
            return (k, str(v))
    return ""
