"""A survey export as a :class:`~insightkit.io.Document`: its answer cells as items, every other
column kept as an attribute of the respondent (or left out, see ``docs/redaction.md``).

Which columns are attributes, and which are left out when redacting:

* the free-text columns (named, or found by :func:`~insightkit.io.survey.detect_text_columns`) are
  the answers, one item per cell;
* a column whose name says it holds personal data as a whole (name, email, phone, address,
  postcode, the trust's or employer's own name: :data:`~insightkit.io.survey.PERSONAL_COLUMNS`), a
  column of email addresses, and (when text columns are named) a column of free text not read as
  answers are left out, with a warning naming them, unless ``keep_columns`` names them;
* every other column is an attribute, under its snake_case name (common names mapped to the
  shared ``trust_type``, ``region``, ``job_role``). Their values are redacted later, in
  :mod:`insightkit.pipeline.redact`.
"""

from __future__ import annotations

from pathlib import Path

from insightkit.alignment import AlignedText
from insightkit.errors import InputError
from insightkit.io.document import _RESERVED, Document, Item
from insightkit.io.base import SurveyParse
from insightkit.io.encoding import decode_bytes
from insightkit.io.participants import keep_matches
from insightkit.segments import ATTRIBUTE_COLUMNS

__all__ = ["load_survey"]


def load_survey(path: Path, data: bytes, doc_id: str, opts: dict) -> Document:
    """The survey file's document; ``opts`` as built by :func:`insightkit.io.load_documents`."""
    from insightkit.io.survey import (
        PERSONAL_COLUMNS,
        _match_name,
        attribute_name,
        detect_id_column,
        detect_text_columns,
        email_like_column,
        parse_csv,
        parse_xlsx,
        resolve_column,
        snake_case,
    )

    wanted = [*(opts["text_columns"] or []), *([opts["id_column"]] if opts["id_column"] else [])]
    if path.suffix.lower() == ".xlsx":
        parsed: SurveyParse = parse_xlsx(data, path, wanted=wanted)
        source_text: object = parsed.cells
    else:
        text, _ = decode_bytes(data, path)
        parsed = parse_csv(text, path, wanted=wanted)
        source_text = text
    cols = parsed.columns
    labels = parsed.labels
    id_col = resolve_column(cols, opts["id_column"], path, "id column", labels) if opts["id_column"] else \
        detect_id_column(cols, parsed.rows)
    if opts["text_columns"]:
        text_cols = []
        raw = parsed.raw_columns if len(parsed.raw_columns) == len(cols) else list(cols)
        for c in opts["text_columns"]:
            hit = resolve_column(cols, c, path, "text column", labels)
            # a header written twice ("Comments" after two sections): naming it reads both columns
            hit_raw = raw[cols.index(hit)]
            same = [cols[j] for j, r in enumerate(raw) if r.strip().casefold() == hit_raw.strip().casefold()] \
                if _match_name([hit_raw], c) is not None else [hit]
            for col in same or [hit]:
                if col not in text_cols:
                    text_cols.append(col)
    else:
        text_cols = detect_text_columns(cols, parsed.rows, exclude=[id_col] if id_col else [], labels=labels)
        raw = parsed.raw_columns if len(parsed.raw_columns) == len(cols) else list(cols)
        found_raw = {raw[cols.index(c)].strip().casefold() for c in text_cols}
        # a header written twice ("Comments" after two sections): both columns hold answers
        text_cols = [c for j, c in enumerate(cols) if c in text_cols or
                     (raw[j].strip().casefold() in found_raw and c != id_col)]
        if not text_cols:
            listed = ", ".join(repr(c) for c in cols)
            raise InputError(path, f"could not tell which columns hold free-text answers; name them with "
                                   f"--text-column (text_columns=...); the columns are: {listed}")
    doc = Document(doc_id, path.name, path, "survey", "survey", source_text, sheet=parsed.sheet)
    # attribute columns: every other column, snake_case, personal-data columns dropped when redacting
    attr_cols: list[tuple[int, str]] = []
    used: set[str] = set()
    dropped = []
    # free text in a column not read as answers would reach the table unredacted: leave it out
    unread_text = set(detect_text_columns(cols, parsed.rows, exclude=[*text_cols, id_col or ""], labels=labels)) \
        if opts["redact"] and opts["text_columns"] else set()
    raw_names = parsed.raw_columns if len(parsed.raw_columns) == len(cols) else list(cols)
    for j, c in enumerate(cols):
        keep = keep_matches(opts.get("keep_columns") or (), c)
        doc.kept += [k for k in keep if k not in doc.kept]
        if c in text_cols:
            continue
        values = [r[j].value for r in parsed.rows]
        if not raw_names[j].strip() and not any(v.strip() for v in values):
            continue  # an unnamed, empty column (trailing delimiters): nothing to keep
        if opts["redact"] and not keep and (snake_case(c) in PERSONAL_COLUMNS or email_like_column(values)
                                            or c in unread_text):
            dropped.append(c)
            continue
        name = attribute_name(c)
        if name in _RESERVED:
            name = f"survey_{name}"
        base, k = name, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        attr_cols.append((j, name))
        doc.attr_headers[name] = raw_names[j]
    if dropped:
        doc.warnings.append(f"{path.name}: left out column(s) that may hold personal data (names, contacts, "
                            f"free text not read as answers): {', '.join(dropped)}; to keep one, name it with "
                            f"--keep-column (keep_columns=[...]): its values are then redacted like the other "
                            f"attributes")
    idx = {c: j for j, c in enumerate(cols)}
    width = len(str(len(parsed.rows)))
    for i, row in enumerate(parsed.rows):
        respondent = f"R{i + 1:0{max(4, width)}d}"
        attrs = {name: " ".join(row[j].value.split()) for j, name in attr_cols}
        for col in text_cols:
            cell = row[idx[col]]
            at = cell.at if (cell.at is not None and cell.value.strip()) else AlignedText([])
            fb = (at.src_start, at.src_end) if at.text else (cell.offset, cell.offset)
            item = Item(doc, "survey", at, i, cell.line, fb, question=col, cell=cell.cell,
                         speaker=respondent, role="respondent", role_source="survey", attrs=attrs,
                         raw_text=cell.value)
            if not cell.value.strip():
                item.reason, item.detail = "empty", "blank answer"
            doc.items.append(item)
    for line, at, why, ref in parsed.bad_rows:
        doc.items.append(Item(doc, "survey", at, -1, line, (at.src_start, at.src_end), cell=ref,
                               reason="malformed_row", detail=why, raw_text=at.text))
    for line, at, why, ref in parsed.header_rows:
        doc.items.append(Item(doc, "survey", at, -1, line, (at.src_start, at.src_end), cell=ref,
                               reason="header", detail=why, raw_text=at.text))
    doc.warnings += [f"{path.name}: {n}" for n in parsed.notes]
    doc.attr_columns = [name for _, name in attr_cols]
    doc.plain_attr_columns = [name for j, name in attr_cols
                              if name in ATTRIBUTE_COLUMNS or (id_col is not None and cols[j] == id_col)]
    return doc
