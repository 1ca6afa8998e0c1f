"""The redaction step of the pipeline: document items, survey attribute values and file names.

Glue between the documents read by :mod:`insightkit.io` and the redactor
(:class:`insightkit.redact.Redactor`).
"""

from __future__ import annotations

import re
from pathlib import Path

from insightkit.alignment import AlignedText
from insightkit.io import Document
from insightkit.progress import progress, progress_off
from insightkit.redact import Redactor
from insightkit.redact.filenames import redact_file_name, redact_file_names
from insightkit.redact.pseudonyms import number_placeholders
from insightkit.segments import make_doc_id

__all__ = ["redact_items", "redact_attributes", "name_documents", "shown_error"]


def redact_items(docs: list[Document], extra_names: list[str], show: bool | None, redactor=None,
                 pseudonyms: str | None = None) -> None:
    """Redact every item with text, in batches; each item keeps its redaction log. ``pseudonyms``
    (``"document"``/``"batch"``): number people and organisations over the whole run at the end."""
    if redactor is None:
        redactor = Redactor(types=None, use_ner=True)
    items = [it for d in docs for it in d.items if it.at.text]
    if not items:
        return
    batch = 512
    bar = progress(total=len(items), desc="redacting", unit="seg", disable=progress_off(show, len(items)))
    try:
        for k in range(0, len(items), batch):
            chunk = items[k:k + batch]
            names = [list(dict.fromkeys(it.doc.names + extra_names)) for it in chunk]
            results = redactor.redact_batch([it.at for it in chunk], names)
            for it, (new_at, log) in zip(chunk, results):
                it.at = new_at
                it.redactions = list(log)
            bar.update(len(chunk))
    finally:
        bar.close()
    if pseudonyms:
        done = number_placeholders([(it.at, it.redactions) for it in items],
                                   [id(it.doc) if pseudonyms == "document" else 0 for it in items])
        for it, (new_at, log) in zip(items, done):
            it.at, it.redactions = new_at, log


def redact_attributes(docs: list[Document], extra_names: list[str], redactor=None) -> None:
    """Redact survey attribute values too: an email, phone number or name typed into a column that is
    not read as answers ("Anything else?", a contact column) must not reach the table. Trust type,
    region, role and id columns get the pattern detectors only (no NER, which could take a job title
    for a name); other columns get the full redactor. Each changed column is named in a warning."""
    plain = Redactor(types=("EMAIL", "URL", "NHS_NUMBER", "PHONE", "POSTCODE"), use_ner=False)
    if redactor is None:
        redactor = Redactor(types=None, use_ner=True)
    for d in docs:
        if d.kind != "survey" or not d.attr_columns:
            continue
        dicts = {id(it.attrs): it.attrs for it in d.items if it.attrs}
        changed: dict[str, int] = {}
        for use, cols in ((plain, [c for c in d.attr_columns if c in d.plain_attr_columns]),
                          (redactor, [c for c in d.attr_columns if c not in d.plain_attr_columns])):
            if not cols:
                continue
            values = sorted({a.get(c, "") for a in dicts.values() for c in cols} - {""})
            values = [v for v in values if re.search(r"[^\W\d_]|\d{5}", v)]  # numbers and dates alone: nothing to find
            if not values:
                continue
            new: dict[str, str] = {}
            for k in range(0, len(values), 512):
                chunk = values[k:k + 512]
                res = use.redact_batch([AlignedText.from_source(v) for v in chunk], [extra_names] * len(chunk))
                new.update({v: at.text for v, (at, log) in zip(chunk, res) if log})
            if not new:
                continue
            for a in dicts.values():
                for c in cols:
                    if a.get(c, "") in new:
                        a[c] = new[a[c]]
                        changed[c] = changed.get(c, 0) + 1
        if changed:
            d.warnings.append(f"{d.source}: redacted personal data in attribute column(s): "
                              + ", ".join(f"{c} ({n} row{'s' if n > 1 else ''})" for c, n in changed.items()))


def name_documents(docs: list[Document], known: list[str], redactor=None) -> None:
    """Give each document its shown file name (names in it redacted) and an id built from that.

    ``source`` keeps the real file name; ``doc_id`` (and so ``segment_id`` and ``participant_id``)
    is the shown name's slug plus the hash of the bytes, so no name from a file name reaches an id.
    Without a redactor (``redact=False``) only known names, common given names and the NHS
    organisation list are used (no NER).
    """
    if not docs:
        return
    shown = redact_file_names([d.source for d in docs], [list(dict.fromkeys(d.names + known)) for d in docs],
                              redactor=redactor, use_ner=False)
    taken: dict[str, int] = {}
    for d, name in zip(docs, shown):
        d.source_display = name
        new_id = make_doc_id(name, b"", digest=d.digest) if d.digest else d.doc_id
        n = taken.get(new_id, 0) + 1
        taken[new_id] = n
        d.doc_id = new_id if n == 1 else f"{new_id}-{n}"  # same bytes under two redacted names


def shown_error(err) -> str:
    """A read error for the report: the file named by its shown name (names redacted), not its path."""
    msg, path = str(err), str(getattr(err, "path", "") or "")
    if not path:
        return msg
    shown = redact_file_name(Path(path).name, use_ner=False)
    return msg.replace(path, shown).replace(Path(path).name, shown)
