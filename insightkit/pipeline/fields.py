"""Redaction of the fields outside the answers: sheet names, question headers, attribute columns.

A name, email or phone number can sit in a column header ("What did you think of Dr Priya Raman's
talk?"), a sheet name ("Siobhan Kelly 07700 900123") or an attribute column ("Clinical lead"), and
from there reach every export. Each gets the redactor used on the text, through
:func:`insightkit.redact.fields.redact_fields` (generic labels such as "Trust B" stay; two
different values never become one placeholder). Every edit goes to the redaction log with a
``field`` saying what was edited: ``question``, ``attribute:<column>`` (one entry per row that
shows the value), ``attribute_name:<column>``, ``sheet`` (one entry per file, no segment). See
docs/redaction.md, "Fields outside the answers".
"""

from __future__ import annotations

from typing import Sequence

from insightkit.io.document import _RESERVED, Document
from insightkit.io.survey import _sheet_ref, attribute_name, sheet_tag
from insightkit.redact import Redactor
from insightkit.redact.fields import FieldRedaction, redact_fields
from insightkit.segments import ATTRIBUTE_COLUMNS

__all__ = ["name_sheets", "redact_questions", "redact_attribute_names", "redact_attribute_values",
           "PATTERN_TYPES"]

#: what the columns that describe a group (trust type, region, role) and the id column get: no NER,
#: which could take a job title or a region for a name
PATTERN_TYPES = ("EMAIL", "URL", "NHS_NUMBER", "PHONE", "POSTCODE")


def name_sheets(docs: list[Document], redactor, names: Sequence[str] = ()) -> None:
    """Give each workbook's sheet its shown name when its name holds personal data: the redacted
    name plus a hash of the name salted with the file's sha1 ("[PERSON] [PHONE] #1a2b3c4d"), in
    every ``cell`` reference and in the document's cell map. ``read_source_text`` finds the sheet
    again by that hash. A sheet name with nothing to redact is kept as it is."""
    sheets = [d for d in docs if d.sheet and isinstance(d.text, dict)]
    if not sheets:
        return
    res = redact_fields([d.sheet for d in sheets], redactor, names, numbered="on_collision")
    for d in sheets:
        if d.sheet not in res.shown or not isinstance(d.text, dict):
            continue
        shown = f"{res.shown[d.sheet]} #{sheet_tag(d.digest, d.sheet)}"

        def ref(cell: str, shown: str = shown) -> str:
            return _sheet_ref(shown, cell.rpartition("!")[2]) if cell else cell

        for it in d.items:
            it.cell = ref(it.cell)
        d.text = {ref(k): v for k, v in d.text.items()}
        d.field_log += [{**e, "field": "sheet"} for e in res.log[d.sheet]]
        d.sheet = shown


def redact_questions(docs: list[Document], names: list[str], redactor) -> None:
    """The ``question`` of every survey item (its column header) redacted; two headers that would
    read the same get numbered placeholders, so two questions are never merged."""
    items = [it for d in docs if d.kind == "survey" for it in d.items if it.question]
    res = redact_fields([it.question for it in items], redactor, names, numbered="on_collision")
    for it in items:
        if it.question in res.shown:
            it.field_log += [{**e, "field": "question"} for e in res.log[it.question]]
            it.question = res.shown[it.question]


def _rename(d: Document, old: str, new: str) -> None:
    for lst in (d.attr_columns, d.plain_attr_columns):
        if old in lst:
            lst[lst.index(old)] = new
    d.attr_headers = {new if k == old else k: v for k, v in d.attr_headers.items()}
    for a in {id(it.attrs): it.attrs for it in d.items if old in it.attrs}.values():
        renamed = {new if k == old else k: v for k, v in a.items()}
        a.clear()
        a.update(renamed)


def redact_attribute_names(docs: list[Document], names: list[str], redactor) -> None:
    """Survey attribute columns are named after their header ("Rating of Dr Raman's session" ->
    ``rating_of_dr_raman_s_session``): a header that holds personal data gives the column the name of
    its redacted header instead (``rating_of_dr_person_s_session``)."""
    surveys = [d for d in docs if d.attr_headers]
    headers = [h for d in surveys for n, h in d.attr_headers.items() if n not in ATTRIBUTE_COLUMNS]
    res = redact_fields(headers, redactor, names, numbered="on_collision")
    for d in surveys:
        for old, header in list(d.attr_headers.items()):
            if old in ATTRIBUTE_COLUMNS or header not in res.shown:
                continue
            base = attribute_name(res.shown[header])
            base = f"survey_{base}" if base in _RESERVED else base
            new, k = base, 2
            while new in d.attr_headers and new != old:
                new, k = f"{base}_{k}", k + 1
            _rename(d, old, new)
            d.field_log += [{**e, "field": f"attribute_name:{new}"} for e in res.log[header]]
            d.warnings.append(f"{d.source_display or d.source}: the header of attribute column {new!r} held "
                              "personal data: the column is named after its redacted header")


def _attribute_columns(d: Document) -> tuple[list[str], set[str]]:
    """The attribute columns of a document, and those that get the pattern detectors only."""
    if d.kind == "survey":
        return d.attr_columns, set(d.plain_attr_columns)
    cols = list(dict.fromkeys(k for it in d.items for k in it.attrs))
    return cols, {c for c in cols if c in ATTRIBUTE_COLUMNS}


def redact_attribute_values(docs: list[Document], names: list[str], redactor) -> None:
    """Redact the attribute values of every document (survey columns, participants-file columns).

    Columns that describe a group (trust type, region, job role) and id columns get the pattern
    detectors only; every other column the full redactor. A column is redacted as one field across
    all documents, so each distinct name or organisation in it gets its own numbered placeholder
    ("Dr [PERSON 1]", "[ORG 2]") in every file, and generic labels ("Trust B") stay: groups are
    never merged. Every edit is logged on each item that shows the value; a warning names each
    column changed."""
    order: dict[str, list[str]] = {}
    plain_cols: set[str] = set()
    for d in docs:
        cols, plain = _attribute_columns(d)
        plain_cols |= plain
        for it in d.items:
            for c in cols:
                order.setdefault(c, []).append(it.attrs.get(c, ""))
    if not order:
        return
    pattern = Redactor(types=PATTERN_TYPES, use_ner=False)
    results = {c: redact_fields(values, pattern if c in plain_cols else redactor, names)
               for c, values in order.items()}
    for d in docs:
        changed: dict[str, int] = {}
        for it in d.items:
            for c, v in it.attrs.items():
                if v in results.get(c, _EMPTY).log:
                    it.field_log += [{**e, "field": f"attribute:{c}"} for e in results[c].log[v]]
        for a in {id(it.attrs): it.attrs for it in d.items if it.attrs}.values():
            for c, v in a.items():
                if v in results.get(c, _EMPTY).shown:
                    a[c] = results[c].shown[v]
                    changed[c] = changed.get(c, 0) + 1
        if changed:
            d.warnings.append(f"{d.source_display or d.source}: redacted personal data in attribute column(s): "
                              + ", ".join(f"{c} ({n} row{'s' if n > 1 else ''})" for c, n in changed.items()))


_EMPTY = FieldRedaction()
