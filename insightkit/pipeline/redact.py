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
from insightkit.pipeline.fields import name_sheets, redact_attribute_names, redact_attribute_values, redact_questions
from insightkit.redact.fields import redact_fields
from insightkit.redact.filenames import file_name_edits, redact_file_name
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
    """Redact the fields outside the answers: question headers, attribute column names and values
    (see :mod:`insightkit.pipeline.fields`). An email, phone number or name typed into a column
    that is not read as answers ("Anything else?", a contact column) must not reach the table."""
    if redactor is None:
        redactor = Redactor(types=None, use_ner=True)
    redact_questions(docs, extra_names, redactor)
    redact_attribute_names(docs, extra_names, redactor)
    redact_attribute_values(docs, extra_names, redactor)


def name_documents(docs: list[Document], known: list[str], redactor=None) -> None:
    """Give each document its shown file name (names in it redacted) and an id built from that.

    ``source`` keeps the real file name; ``doc_id`` (and so ``segment_id`` and ``participant_id``)
    is the shown name's slug plus the hash of the bytes, so no name from a file name reaches an id.
    Without a redactor (``redact=False``) only known names, common given names and the NHS
    organisation list are used (no NER). Workbook sheet names are redacted too (they are in
    ``cell`` and so in ``segment_id``): see :func:`insightkit.pipeline.fields.name_sheets`. The
    edits go to each document's ``field_log`` (``file_name``, ``sheet``).
    """
    if not docs:
        return
    shown = file_name_edits([d.source for d in docs], [list(dict.fromkeys(d.names + known)) for d in docs],
                            redactor=redactor, use_ner=False)
    taken: dict[str, int] = {}
    for d, (name, log) in zip(docs, shown):
        d.source_display = name
        d.field_log += [{**e, "field": "file_name"} for e in log]
        new_id = make_doc_id(name, b"", digest=d.digest) if d.digest else d.doc_id
        n = taken.get(new_id, 0) + 1
        taken[new_id] = n
        d.doc_id = new_id if n == 1 else f"{new_id}-{n}"  # same bytes under two redacted names
    name_sheets(docs, redactor if redactor is not None else Redactor(types=None, use_ner=False), known)


def shown_error(err, redactor=None) -> str:
    """A read error for the report: the file named by its shown name (names redacted), not its path,
    and the message itself redacted: it may quote a sheet name or the file's column headers."""
    msg, path = str(err), str(getattr(err, "path", "") or "")
    if path:
        shown = redact_file_name(Path(path).name, use_ner=False)
        msg = msg.replace(path, shown).replace(Path(path).name, shown)
    if redactor is None:
        redactor = Redactor(types=None, use_ner=True)
    # what the message quotes (a sheet name, the column headers) read on its own, as in the table
    quoted = redact_fields([m.group(2) for m in _QUOTED.finditer(msg)], redactor, numbered="on_collision")
    msg = _QUOTED.sub(lambda m: m.group(1) + quoted.shown.get(m.group(2), m.group(2)) + m.group(1), msg)
    (at, _), = redactor.redact_batch([AlignedText.from_source(msg)], [[]])
    return at.text


_QUOTED = re.compile(r"""(['"])(.+?)\1""")
