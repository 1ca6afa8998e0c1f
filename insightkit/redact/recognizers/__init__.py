"""Recognizers: one module per kind of personal data, each finding detections in one text.

To add one, subclass :class:`Recognizer` (or :class:`PatternRecognizer` for a regular expression
with an optional ``validate`` check), give it the ``type`` it finds, and add it to
:func:`default_recognizers` (or pass a list to ``Redactor(recognizers=...)``).
"""

from insightkit.redact.recognizers.base import Context, PatternRecognizer, Recognizer
from insightkit.redact.recognizers.registry import default_recognizers

__all__ = ["Context", "Recognizer", "PatternRecognizer", "default_recognizers"]
