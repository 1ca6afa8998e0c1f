"""spaCy NER for the name and organisation recognizers, run only where a name may be."""

from __future__ import annotations

import re
from typing import Sequence

from insightkit.sentences import SentenceSplitter
from insightkit.redact.words import Vocabulary

__all__ = ["NerRunner", "Entity"]

#: an entity span in a text: (start, end, spaCy label)
Entity = tuple[int, int, str]

_NER_DISABLE = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
_LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP")
# NER runs sentence by sentence (the one splitter): ends at . ! ? or an ellipsis with closing quotes,
# not after a title or an initial
_NER_SENTENCES = SentenceSplitter(terminators=".!?\u2026", closers="\"'\u201d\u2019)]",
                                  abbreviations=frozenset({"dr", "mr", "mrs", "ms", "st", "prof"}), initials=True)
_CAP_WORD_RX = re.compile(r"(?<![\w'’-])[^\W\d_a-z][\w'’-]*")


class NerRunner:
    """Runs a spaCy pipeline's NER on the sentences of texts that may hold a name.

    ``nlp``: a spaCy pipeline (default: the bundled model, loaded on first use);
    ``batch_size``/``n_process`` go to ``nlp.pipe``.
    """

    def __init__(self, vocab: Vocabulary, nlp=None, batch_size: int = 256, n_process: int = 1):
        self.vocab = vocab
        self.nlp = nlp
        self.batch_size = int(batch_size)
        self.n_process = int(n_process)

    def get_nlp(self):
        if self.nlp is None:
            from insightkit.errors import ModelError
            from insightkit.nlp import get_nlp

            nlp = get_nlp(disable=_NER_DISABLE)
            if "ner" not in nlp.pipe_names:
                raise ModelError("the spaCy pipeline has no 'ner' component; redaction needs it")
            self.nlp = nlp
        return self.nlp

    def __call__(self, texts: Sequence[str]) -> list[list[Entity]]:
        """The entities of each text (only the labels the recognizers use)."""
        out: list[list[Entity]] = [[] for _ in texts]
        # NER only matters where a capitalised word that is not on the allow-list appears: every
        # entity it finds elsewhere would be filtered out anyway ("The EPR is slow" never runs it).
        # The test is made per sentence and only those sentences go to the model, each with the
        # sentence before it as context: on the speed benchmark 38% of the words instead of 64%,
        # and NER is the costly part of cleaning.
        chunks: list[tuple[int, int, str]] = []  # (text index, offset, chunk)
        for i, t in enumerate(texts):
            if t and self.may_hold_names(t):
                chunks += [(i, a, t[a:b]) for a, b in self.name_chunks(t)]
        if not chunks:
            return out
        nlp = self.get_nlp()
        docs = nlp.pipe((c for _, _, c in chunks), batch_size=self.batch_size, n_process=self.n_process)
        for (i, off, _), doc in zip(chunks, docs):
            out[i] += [(e.start_char + off, e.end_char + off, e.label_) for e in doc.ents if e.label_ in _LABELS]
        return out

    def name_chunks(self, text: str) -> list[tuple[int, int]]:
        """Spans of ``text`` worth running NER on: its sentences that may hold a name, neighbouring
        ones joined so the model keeps their context."""
        spans = _NER_SENTENCES.spans(text)
        out: list[tuple[int, int]] = []
        for k, (a, b) in enumerate(spans):
            if not self.may_hold_names(text[a:b]):
                continue
            # the sentence before goes along as context: alone, "Restart delayed projects." reads
            # to the model like a name at the start of a sentence
            a = spans[k - 1][0] if k else a
            if out and a <= out[-1][1] + 1:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
        return out

    def may_hold_names(self, text: str) -> bool:
        """True when ``text`` has a capitalised word that is not a generic word."""
        for m in _CAP_WORD_RX.finditer(text):
            w = m.group(0)
            if w[0].isupper() and not self.vocab.generic(w.strip("'’-")):
                return True
        return False
