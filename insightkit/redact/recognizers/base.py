"""What a recognizer is: one kind of personal data, found in one text, as detections."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from insightkit.redact.ner import Entity
from insightkit.redact.types import Detection
from insightkit.redact.words import Tok, Vocabulary, tokens

__all__ = ["Context", "Recognizer", "PatternRecognizer"]


@dataclass
class Context:
    """What a recognizer may use besides the text: the allow-list tests, the NER entities and the
    names known for this text (from speaker labels, the participants file, ``extra_names``)."""

    text: str
    vocab: Vocabulary
    ents: list[Entity] = field(default_factory=list)
    name_rx: re.Pattern | None = None  # every spelling of the known names (run on fold1(text))
    known: frozenset[str] = frozenset()  # those spellings
    given: frozenset[str] = frozenset()  # known first names of five letters or more (for short forms)

    @cached_property
    def toks(self) -> list[Tok]:
        return tokens(self.text)


class Recognizer:
    """Finds one type of personal data. Subclasses set ``type`` (the type that ``Redactor(types=...)``
    switches on, and the type of the detections) and implement :meth:`find`."""

    type: str = ""

    def find(self, ctx: Context) -> list[Detection]:
        raise NotImplementedError


class PatternRecognizer(Recognizer):
    """A regular expression, optionally with a ``validate(match_text)`` check (a checksum, a digit count)."""

    method = "regex"
    pattern: re.Pattern

    def validate(self, value: str) -> bool:
        return True

    def find(self, ctx: Context) -> list[Detection]:
        return [Detection(m.start(), m.end(), self.type, self.method)
                for m in self.pattern.finditer(ctx.text) if self.validate(m.group(0))]
