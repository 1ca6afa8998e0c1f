"""Redaction of personal data: names, emails, phones, NHS numbers, postcodes, URLs, named trusts.

A participant must not be identifiable from a quote, so every segment's text is redacted before
anything downstream sees it. Detections are replaced by typed placeholders (``[PERSON]``,
``[EMAIL]``, ...) through :class:`~insightkit.alignment.AlignedText`, so the redacted text still maps
back to its exact source span and ``apply_edits(source, start, end, edits) == text`` keeps holding.

The package, in the order the data flows (see ``docs/redaction.md``):

* ``recognizers/``: one module per kind of personal data (email, url, nhs_number, phone, postcode,
  organisations, systems, people, person_rules, given_names), each finding :class:`Detection` s in
  one text;
  ``recognizers/registry.py`` lists the default ones;
* ``ner.py``: spaCy NER, run only on sentences that may hold a name;
* ``engine.py``: the :class:`Redactor`, which runs the recognizers, propagates names found once
  (``propagate.py``) and resolves overlaps (``resolve.py``);
* ``apply.py``: writes the placeholders and the log;
* ``table.py``: :func:`redact`, the same on a segment table;
* ``filenames.py``: the shown form of a file name (names in it redacted);
* ``allowlist.py``, ``words.py``: words that are never names, and the word tests;
* ``lexicon.py``: given names with their frequency and English words, which the given-name
  recognizer weighs against each other.
"""

from insightkit.redact.allowlist import Allowlist, load_allowlist
from insightkit.redact.engine import Redactor
from insightkit.redact.table import redact
from insightkit.redact.types import PLACEHOLDER_RX, PLACEHOLDERS, TYPES, Detection

__all__ = ["TYPES", "PLACEHOLDERS", "PLACEHOLDER_RX", "Detection", "Allowlist", "load_allowlist", "Redactor",
           "redact"]
