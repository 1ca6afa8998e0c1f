"""The types of personal data the redactor finds, their placeholders, and one detection."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TYPES", "PLACEHOLDERS", "PLACEHOLDER_RX", "PRIORITY", "Detection"]

#: Types in priority order: when two detections overlap, the earlier type wins.
TYPES: tuple[str, ...] = ("EMAIL", "URL", "NHS_NUMBER", "PHONE", "POSTCODE", "ORG", "PERSON")
#: The placeholder written in place of each type: ``[PERSON]``, ``[ORG]``, ...
PLACEHOLDERS: dict[str, str] = {t: f"[{t}]" for t in TYPES}
#: Any placeholder the redactor writes: plain (``[PERSON]``) or numbered by the pseudonym option
#: (``[PERSON_1]``, ``[ORG_12]``; see :mod:`insightkit.redact.pseudonyms`). Group 1 is the type.
PLACEHOLDER_RX = re.compile(r"\[(" + "|".join(TYPES) + r")(?:_[1-9]\d*)?\]")
PRIORITY: dict[str, int] = {t: i for i, t in enumerate(TYPES)}


@dataclass(frozen=True)
class Detection:
    """One span of the current text to replace: ``text[start:end]`` is personal data of ``type``."""

    start: int
    end: int
    type: str
    method: str
    also: str = ""  # a second detector that found the same span (e.g. a rule beside NER)
