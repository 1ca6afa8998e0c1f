"""The :class:`Redactor`: runs the recognizers on each text, propagates names, resolves overlaps,
and applies the placeholders."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Iterable, Sequence

from insightkit.alignment import AlignedText
from insightkit.errors import ParameterError
from insightkit.redact.allowlist import Allowlist, default_allowlist, load_allowlist
from insightkit.redact.apply import apply
from insightkit.redact.ner import Entity, NerRunner
from insightkit.redact.propagate import propagate_names
from insightkit.redact.pseudonyms import check_scope, number_placeholders
from insightkit.redact.recognizers.base import Context, Recognizer
from insightkit.redact.recognizers.people import NameIndex, mentions_in_text, with_surname
from insightkit.redact.recognizers.registry import default_recognizers
from insightkit.redact.resolve import protected_spans, resolve
from insightkit.redact.types import PRIORITY, TYPES, Detection
from insightkit.redact.words import Vocabulary

__all__ = ["Redactor"]

# methods of names from a list: an allow-listed phrase around them does not undo them
_LISTED = ("names", "extra_names", "org_terms", "org_gazetteer", "org_system")


class Redactor:
    """Finds personal data in texts and replaces it with typed placeholders.

    ``types``: the subset of :data:`~insightkit.redact.TYPES` to redact (None: all). ``use_ner``:
    also use spaCy NER for names and organisations (``False`` is the fast regex/names-only mode).
    ``extra_names``: names to redact in every text (e.g. all interviewers). ``org_terms``:
    organisation names to redact in every text (e.g. the trusts in the participant file).
    ``org_gazetteer``: also redact the bundled short hospital names
    (``insightkit/data/nhs_org_names.txt``). ``allowlist``: a path or an :class:`Allowlist`
    replacing the bundled one; ``allow_terms`` adds to it. ``nlp``: a spaCy pipeline to use instead
    of the bundled model; ``batch_size``/``n_process`` go to ``nlp.pipe``. ``recognizers``: the
    recognizers to run instead of :func:`~insightkit.redact.recognizers.default_recognizers`.
    ``pseudonyms``: ``None`` (plain ``[PERSON]``), ``"document"`` or ``"batch"``: number people and
    organisations (``[PERSON_1]``, ``[ORG_2]``) so the same name gets the same number within one
    group of items (``redact_batch``'s ``groups``) or within one ``redact_batch`` call; see
    :mod:`insightkit.redact.pseudonyms`.
    """

    def __init__(
        self,
        types: Iterable[str] | None = None,
        use_ner: bool = True,
        extra_names: Iterable[str] = (),
        org_terms: Iterable[str] = (),
        *,
        org_gazetteer: bool = True,
        allowlist: str | Path | Allowlist | None = None,
        allow_terms: Iterable[str] = (),
        nlp=None,
        batch_size: int = 256,
        n_process: int = 1,
        recognizers: Sequence[Recognizer] | None = None,
        pseudonyms: str | None = None,
    ):
        if types is None:
            self.types = frozenset(TYPES)
        else:
            wanted = [str(t).strip().upper() for t in ([types] if isinstance(types, str) else types)]
            unknown = [t for t in wanted if t not in PRIORITY]
            if unknown:
                raise ParameterError(f"unknown redaction type(s) {unknown}; choose from {', '.join(TYPES)}")
            self.types = frozenset(wanted)
        self.use_ner = bool(use_ner)
        if isinstance(allowlist, Allowlist):
            al = allowlist
        elif allowlist is None:
            al = default_allowlist()
        else:
            al = load_allowlist(allowlist)
        self.allow = al.with_terms(allow_terms) if allow_terms else al
        self.vocab = Vocabulary(self.allow)
        self.extra_names = tuple(str(n) for n in extra_names if str(n).strip())
        self.org_terms = tuple(str(o) for o in org_terms if str(o).strip())
        self.recognizers = list(recognizers) if recognizers is not None else \
            default_recognizers(self.org_terms, org_gazetteer)
        self.names = NameIndex(self.extra_names)
        self.ner = NerRunner(self.vocab, nlp, batch_size, n_process)
        self.pseudonyms = check_scope(pseudonyms)

    def without_pseudonyms(self) -> "Redactor":
        """This redactor writing plain placeholders (it shares the loaded model and lists): for a
        caller that redacts in chunks and numbers the whole run at once with
        :func:`~insightkit.redact.pseudonyms.number_placeholders`."""
        if self.pseudonyms is None:
            return self
        plain = copy.copy(self)
        plain.pseudonyms = None
        return plain

    @property
    def batch_size(self) -> int:
        return self.ner.batch_size

    @property
    def n_process(self) -> int:
        return self.ner.n_process

    # public API -------------------------------------------------------------------------------
    def redact_batch(
        self,
        items: Sequence[AlignedText | str],
        names: Sequence[Sequence[str]] | None = None,
        groups: Sequence[object] | None = None,
    ) -> list[tuple[AlignedText, list[dict]]]:
        """Redact many texts at once (NER runs batched); ``names[i]`` are item i's known names.

        A full name found by NER or a rule in one item ("our CDIO, Nadia Rahman") is also redacted
        where it recurs alone in the other items of its group ("when Nadia asks"). ``groups[i]``
        names item i's group (e.g. its document); by default items with the same known names form
        a group, which is what one document's turns have. With ``pseudonyms`` set, people and
        organisations are numbered within each group (``"document"``) or across the call (``"batch"``).
        """
        aligned = [it if isinstance(it, AlignedText) else AlignedText.from_source(str(it)) for it in items]
        if names is None:
            names = [()] * len(aligned)
        if len(names) != len(aligned):
            raise ParameterError(f"names has {len(names)} entries for {len(aligned)} items")
        if groups is not None and len(groups) != len(aligned):
            raise ParameterError(f"groups has {len(groups)} entries for {len(aligned)} items")
        docs = self._ner([it.text for it in aligned])
        dets = [self.detect(it.text, nm, ents=ents) for it, nm, ents in zip(aligned, names, docs)]
        keys = list(groups) if groups is not None else [tuple(sorted({str(n) for n in (nm or ())})) for nm in names]
        if "PERSON" in self.types:
            dets = propagate_names(self.vocab, aligned, keys, dets)
        results = [apply(it, d) for it, d in zip(aligned, dets)]
        if self.pseudonyms is not None:
            results = number_placeholders(results, keys if self.pseudonyms == "document" else [0] * len(results))
        return results

    def redact_text(self, text: str, names: Sequence[str] = ()) -> tuple[str, list[dict]]:
        """Redact one plain string; log offsets are offsets in ``text``."""
        new, log = self.redact_batch([AlignedText.from_source(str(text))], [names])[0]
        return new.text, log

    def redact_aligned(self, item: AlignedText, names: Sequence[str] = ()) -> tuple[AlignedText, list[dict]]:
        return self.redact_batch([item], [names])[0]

    def detect(self, text: str, names: Sequence[str] = (), ents: list[Entity] | None = None) -> list[Detection]:
        """Non-overlapping detections in ``text``, in text order (``ents``: NER spans, if any)."""
        if ents is None and self.use_ner and self._wants_ner():
            ents = self._ner([text])[0]
        name_rx, known, given = self.names.lookup(names)
        ctx = Context(text, self.vocab, ents or [], name_rx, known, given)
        cands: list[Detection] = []
        for r in self.recognizers:
            if r.type in self.types:
                cands += r.find(ctx)
        if "PERSON" in self.types:
            cands += mentions_in_text(self.vocab, text, cands)  # "Sanjay Kapoor ... Sanjay said"
            cands = [with_surname(self.vocab, text, d) for d in cands]
        if self.vocab.phrase_rx is not None and ("ORG" in self.types or "PERSON" in self.types):
            # "What Good Looks Like", "Nuffield Trust": nothing inside an allow-listed phrase is a name
            inside = [(m.start(), m.end()) for m in self.vocab.phrase_rx.finditer(text)]
            if inside:
                cands = [
                    d for d in cands
                    if d.type not in ("ORG", "PERSON") or d.method in _LISTED
                    or not any(a <= d.start and d.end <= b for a, b in inside)
                ]
        return resolve(text, cands, protected_spans(text))

    # NER ------------------------------------------------------------------------------------------
    @property
    def _nlp(self):
        """The spaCy pipeline, or None until NER first runs."""
        return self.ner.nlp

    def _wants_ner(self) -> bool:
        return bool(self.types & {"PERSON", "ORG"})

    def _ner(self, texts: Sequence[str]) -> list[list[Entity]]:
        if not (self.use_ner and self._wants_ner()):
            return [[] for _ in texts]
        return self.ner(texts)

