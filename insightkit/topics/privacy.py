"""Defence in depth for what a topic model shows: no name in a label, keyword, key phrase or shown text.

Texts are redacted before topics are modelled, but a name the redaction missed does not stay in one
comment: when enough members use it ("the lady I spoke to, teresa", "faye was lovely") c-TF-IDF
makes it a keyword, the keyword goes into the topic's label, and the label is copied into
``topics.csv``, ``topics.html``, the report and every segment's ``topic_label``. A table that was
never redacted sends every name there. So before a topic table is made, :class:`NameGuard`

* drops a keyword or key phrase that holds a name-like word, and the label is built from what is
  left. A word is name-like when it is a word of a name the caller knows (``extra_names``), a common
  given name on the bundled list (``insightkit/data/given_names.txt``: everyday words such as
  "will" or "grace" are not on it), a given name of the name dictionary that is no English word
  (:mod:`insightkit.redact.lexicon`: "faye", "becky"), or when the redactor finds a person or an
  organisation at the word in the members' texts (in at least half of the occurrences it looks at,
  or in one for a word that is no English word);
* redacts the representative text of each topic with the full redactor (NER included) and the texts
  shown on the map of ``topics.html`` with the fast one (patterns, known names, rules), so a name
  the text redaction missed is caught again where the redactor can see it; and a word judged a
  name as a keyword is replaced by ``[PERSON]`` wherever these texts hold it.

Words on the redaction allow-list (systems, NHS vocabulary, national bodies) are never dropped.
Dropping a word loses a keyword, never personal data; a label left with no word falls back to
``topic <n>``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from insightkit.names import clean_name, fold, fold1

__all__ = ["NameGuard", "hidden_from"]

_WORD_RX = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
#: member texts looked at per word for the context check
_SAMPLES = 5
#: a given name from the name dictionary counts from this length ("im", "ae" are not names here)
_MIN_DICT_NAME = 3


def _key(word: str) -> str:
    return fold(word).casefold().replace("’", "'").strip("'")


class NameGuard:
    """Keeps names out of topic labels, keywords, key phrases and the texts a topic result shows.

    ``extra_names``: names to keep out whatever the context (participants, staff named in the
    comments), as for :class:`~insightkit.redact.Redactor`. ``redactor``: the full redactor for
    representative texts and the context check (default: ``Redactor(extra_names=extra_names)``);
    ``fast``: the one for the map's texts (default: the same without NER). Both are made on first use.
    """

    def __init__(self, extra_names: Iterable[str] = (), *, redactor=None, fast=None):
        self.extra_names = tuple(str(n) for n in extra_names if str(n).strip())
        self._known = {_key(w) for n in self.extra_names for w in _WORD_RX.findall(clean_name(n)) if len(w) >= 2}
        self._redactor = redactor
        self._fast = fast
        self._seen: dict[str, bool] = {}

    # the redactors ------------------------------------------------------------------------------
    @property
    def redactor(self):
        if self._redactor is None:
            from insightkit.redact import Redactor

            self._redactor = Redactor(extra_names=self.extra_names)
        return self._redactor

    @property
    def fast(self):
        if self._fast is None:
            from insightkit.redact import Redactor

            self._fast = Redactor(use_ner=False, extra_names=self.extra_names)
        return self._fast

    # words --------------------------------------------------------------------------------------
    def listed_name(self, word: str) -> bool:
        """Whether ``word`` is name-like by the lists alone: a known name's word, a common given
        name, or a given name that is no English word."""
        from insightkit.redact.allowlist import given_names
        from insightkit.redact.lexicon import given_names_freq, is_english

        w = _key(word)
        if len(w) < 2 or w in self._allowed():
            return False
        if w in self._known or w in given_names():
            return True
        return len(w) >= _MIN_DICT_NAME and w in given_names_freq() and not is_english(w)

    def _allowed(self) -> frozenset[str]:
        allow = getattr(self.fast, "allow", None)
        return getattr(allow, "words", frozenset())

    def name_words(self, words: Iterable[str], texts: Sequence[str] = ()) -> set[str]:
        """The words among ``words`` that are name-like (keys: folded, lower case), looking at
        ``texts`` (the members' texts) for those no list decides."""
        from insightkit.redact.lexicon import is_english

        out: set[str] = set()
        todo: list[str] = []
        for word in dict.fromkeys(_key(w) for w in words):
            if not word:
                continue
            if word in self._seen:
                if self._seen[word]:
                    out.add(word)
            elif self.listed_name(word):
                self._seen[word] = True
                out.add(word)
            elif word not in self._allowed():
                todo.append(word)
        if not todo or not texts:
            return out
        samples: dict[str, list[int]] = {}
        chosen: list[str] = []
        index: dict[str, int] = {}
        for word in todo:
            rx = re.compile(rf"(?<![\w'’-]){re.escape(word)}(?![\w-])", re.IGNORECASE)
            for t in texts:
                if len(samples.get(word, [])) >= _SAMPLES:
                    break
                if rx.search(fold1(t)):
                    if t not in index:
                        index[t] = len(chosen)
                        chosen.append(t)
                    samples.setdefault(word, []).append(index[t])
        if not chosen:
            return out
        found = self.redactor.redact_batch(chosen, groups=list(range(len(chosen))))
        spans = [[(e["start"], e["end"]) for e in log if e["type"] in ("PERSON", "ORG")] for _, log in found]
        for word in todo:
            rx = re.compile(rf"(?<![\w'’-]){re.escape(word)}(?![\w-])", re.IGNORECASE)
            total = hit = 0
            for k in samples.get(word, []):
                for m in rx.finditer(fold1(chosen[k])):
                    total += 1
                    hit += any(a <= m.start() and m.end() <= b for a, b in spans[k])
            name_like = hit > 0 and (not is_english(word) or 2 * hit >= total)
            self._seen[word] = name_like
            if name_like:
                out.add(word)
        return out

    @property
    def found(self) -> frozenset[str]:
        """Every word judged name-like so far (folded, lower case)."""
        return frozenset(w for w, v in self._seen.items() if v)

    def scrub(self, text: str) -> str:
        """``text`` with every word judged name-like so far replaced by ``[PERSON]``: a name that is
        a keyword somewhere is hidden wherever the result shows it."""
        found = self.found
        if not found or not text:
            return text
        rx = re.compile(r"(?<![\w'’-])(?:" + "|".join(re.escape(w) for w in sorted(found, key=len, reverse=True))
                        + r")(?![\w-])", re.IGNORECASE)
        spans = [(m.start(), m.end()) for m in rx.finditer(fold1(text))]
        for a, b in reversed(spans):
            text = text[:a] + "[PERSON]" + text[b:]
        return text

    # what a topic shows -------------------------------------------------------------------------
    def keep(self, terms: Sequence[str], names: set[str]) -> list[str]:
        """``terms`` (keywords or phrases) without those holding a word of ``names``."""
        return [t for t in terms if not any(_key(w) in names for w in _WORD_RX.findall(str(t)))]

    def text(self, text: str) -> str:
        """A representative text, redacted again with the full redactor."""
        return self.texts([text], full=True)[0]

    def texts(self, texts: Sequence[str], *, full: bool = False) -> list[str]:
        """Texts to show, redacted again (``full``: with NER; else the fast redactor); each text on
        its own, and each distinct text once."""
        uniq = [t for t in dict.fromkeys(str(t) for t in texts) if t.strip()]
        if not uniq:
            return [str(t) for t in texts]
        r = self.redactor if full else self.fast
        done = {t: self.scrub(at.text) for t, (at, _) in zip(uniq, r.redact_batch(uniq, groups=list(range(len(uniq)))))}
        return [done.get(str(t), str(t)) for t in texts]


@contextmanager
def hidden_from(bt, guard: NameGuard | None, hidden: Iterable[str] = ()) -> Iterator[None]:
    """A fitted BERTopic's own word lists (each topic's words, from which it also makes its default
    labels, and the keyword vocabulary with its c-TF-IDF columns) without name-like words (``hidden``,
    or on the guard's lists) for the duration of the block, e.g. while it is saved; restored after."""
    if guard is None:
        yield
        return
    hidden = {str(w).lower() for w in hidden}

    def named(term: str) -> bool:
        return any(w.lower() in hidden or guard.listed_name(w) for w in str(term).split())

    reps = getattr(bt, "topic_representations_", None)
    vec = getattr(bt, "vectorizer_model", None)
    vocab = getattr(vec, "vocabulary_", None)
    ctfidf = getattr(bt, "c_tf_idf_", None)
    if reps:
        bt.topic_representations_ = {t: [(w, s) for w, s in ws if not named(w)] for t, ws in reps.items()}
    if vec is not None and vocab is not None and ctfidf is not None:
        keep = sorted((i, w) for w, i in vocab.items() if not named(w))
        if len(keep) < len(vocab):
            vec.vocabulary_ = {w: j for j, (_, w) in enumerate(keep)}
            bt.c_tf_idf_ = ctfidf[:, [i for i, _ in keep]]
    try:
        yield
    finally:
        if reps:
            bt.topic_representations_ = reps
        if vec is not None and vocab is not None and ctfidf is not None:
            vec.vocabulary_, bt.c_tf_idf_ = vocab, ctfidf
