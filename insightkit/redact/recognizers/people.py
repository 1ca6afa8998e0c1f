"""``PERSON`` from known names, NER and email addresses, and the name-handling steps after them.

* :class:`NameIndex`: the spellings of the names known for a text (speaker labels, the
  participants file, ``extra_names``), as one pattern, cached per set of names;
* :class:`KnownNamesRecognizer`: those spellings, and short forms of a known first name
  ("Chris" for Christopher, "Segun" for Olusegun);
* :class:`NerPeopleRecognizer`: spaCy PERSON entities that survive the allow-list filter;
* :class:`EmailOwnerRecognizer`: an address such as chloe.ashdown1@nhs.net spells its owner's
  name: the name is redacted where it appears nearby;
* :func:`mentions_in_text`: later mentions of a name found once by NER or a rule ("Sanjay Kapoor
  ... Sanjay said"); :func:`with_surname`: a first name found alone takes the capitalised word after
  it as its surname.

The rule layer (titles, cues, roles) is in :mod:`insightkit.redact.recognizers.person_rules`.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from insightkit.names import clean_name, fold1, name_variants
from insightkit.redact.recognizers.base import Context, Recognizer
from insightkit.redact.recognizers.email import EMAIL_RX
from insightkit.redact.types import Detection
from insightkit.sentences import SentenceSplitter
from insightkit.redact.words import NAME, ORG_KEYWORDS, Vocabulary, is_cap, names_pattern, strip_possessive, tokens

__all__ = ["NameIndex", "KnownNamesRecognizer", "NerPeopleRecognizer", "EmailOwnerRecognizer", "person_core",
           "mentions_in_text", "with_surname", "FOUND_METHODS"]

#: methods of a name found in the text itself (not from a list): what is looked for again elsewhere
FOUND_METHODS = ("ner", "rule_title", "rule_cue", "rule_cue_lower", "given_name")
_SURNAME_AFTER = re.compile(rf"[ \t]+({NAME})")
#: a name never runs past the end of a sentence or clause (the one splitter, with ";" as an end too)
_NAME_CLAUSES = SentenceSplitter(terminators=".!?;", abbreviations=frozenset({"dr", "mr", "mrs", "ms", "st", "prof"}),
                                 initials=True)


def names_key(names: Iterable[str] | None) -> tuple[str, ...]:
    return tuple(sorted({str(n) for n in (names or ()) if str(n).strip()}))


class NameIndex:
    """The spellings of known names as one pattern, with the known first names, cached per set."""

    def __init__(self, extra_names: Sequence[str] = ()):
        self.extra_names = tuple(extra_names)
        self._extra_variants = frozenset(v for n in self.extra_names for v in name_variants(n, spellings=True))
        self._cache: dict[tuple[str, ...], tuple[re.Pattern | None, frozenset[str], frozenset[str]]] = {}

    def lookup(self, names: Sequence[str]) -> tuple[re.Pattern | None, frozenset[str], frozenset[str]]:
        """(pattern, spellings, first names of five letters or more) for these names and the extra names."""
        key = names_key(names)
        hit = self._cache.get(key)
        if hit is None:
            variants = set(self._extra_variants)
            for n in key:
                variants |= set(name_variants(n, spellings=True))
            given = set()
            for n in (*key, *self.extra_names):
                words = clean_name(n).split()
                if name_variants(n, spellings=True) and words and len(words[0]) >= 5 and words[0][0].isupper():
                    given.add(fold1(words[0]))
            hit = (names_pattern(variants), frozenset(variants), frozenset(given))
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = hit
        return hit


class KnownNamesRecognizer(Recognizer):
    type = "PERSON"

    def find(self, ctx: Context) -> list[Detection]:
        out: list[Detection] = []
        if ctx.name_rx is not None:
            out += [Detection(m.start(), m.end(), "PERSON", "names") for m in ctx.name_rx.finditer(fold1(ctx.text))]
        # short forms of a known first name: "Chris" for Christopher, "Segun" for Olusegun
        if ctx.given:
            for t in ctx.toks:
                w = fold1(strip_possessive(t.text))
                if len(w) < 3 or not is_cap(w) or ctx.vocab.generic(w):
                    continue
                lw = w.lower()
                for g in ctx.given:
                    lg = g.lower()
                    if len(lg) > len(lw) and (lg.startswith(lw) or (len(lw) >= 4 and lg.endswith(lw))):
                        out.append(Detection(t.start, t.start + len(strip_possessive(t.text)), "PERSON", "names_short"))
                        break
        return out


class NerPeopleRecognizer(Recognizer):
    type = "PERSON"

    def find(self, ctx: Context) -> list[Detection]:
        out = []
        for s, e, lab in ctx.ents:
            if lab != "PERSON":
                continue
            span = person_core(ctx.vocab, ctx.text, s, e)
            if span and not _ner_person_doubtful(ctx.text, span):
                out.append(Detection(span[0], span[1], "PERSON", "ner"))
        return out


#: after these a one-word "person" from NER is a place more often: "from Nottingham", "taken to Ruddington"
_PLACE_PREP_RX = re.compile(r"\b(?:from|to|in|at|near|into|around|outside|via|towards)[ \t]+$", re.I)
_PERSON_CUE_RX = re.compile(r"\b(?:thank(?:s| you)?|spoke|talked|help|care|support|advice|nurse|dr|doctor|"
                            r"sister|matron|called|named)\b[^.!?]{0,20}$", re.I)


def _ner_person_doubtful(text: str, span: tuple[int, int]) -> bool:
    """A one-word NER "person" that is an ordinary English word and no given name ("Child", "Input"), or
    that follows a place preposition without a person cue and is no given name ("from Nottingham")."""
    from insightkit.redact.lexicon import given_names_freq, is_english

    word = text[span[0]:span[1]]
    if " " in word.strip() or not word[:1].isalpha():
        return False
    lw = fold1(strip_possessive(word)).lower()
    if given_names_freq().get(lw):
        return False
    if is_english(lw):
        return True
    before = text[max(0, span[0] - 40):span[0]]
    return bool(_PLACE_PREP_RX.search(before)) and not _PERSON_CUE_RX.search(before[:-1] if before else before)


class EmailOwnerRecognizer(Recognizer):
    type = "PERSON"

    def find(self, ctx: Context) -> list[Detection]:
        parts = set()
        for m in EMAIL_RX.finditer(ctx.text):
            for p in re.split(r"[._-]+", m.group(0).split("@", 1)[0]):
                p = re.sub(r"\d+", "", p)
                if len(p) >= 3 and p.isalpha():
                    parts.add(p[0].upper() + p[1:].lower())
        parts = {p for p in parts if not ctx.vocab.generic(p)}
        if not parts:
            return []
        rx = names_pattern(parts)
        if rx is None:
            return []
        return [Detection(m.start(), m.end(), "PERSON", "email_name") for m in rx.finditer(fold1(ctx.text))]


def person_core(vocab: Vocabulary, text: str, s: int, e: int) -> tuple[int, int] | None:
    """Trim a candidate name span to its name words; None when nothing name-like is left."""
    brk = _NAME_CLAUSES.first_break(text, s, e)
    if brk is not None and brk > s:  # "George. Lots of ...": the name ends at the stop
        e = brk
    toks = tokens(text[s:e])
    if not toks:
        return None
    words = [t.text for t in toks]
    if any(strip_possessive(w).lower() in ORG_KEYWORDS and is_cap(w) for w in words):
        return None  # "Leeds Hospital": an organisation, handled there
    if any(w in ("Ward", "Unit", "Team", "Clinic", "Centre", "Practice", "Surgery") for w in words[:-1]):
        return None  # "Orchid Ward Millbrook": a place; "Sarah Ward" (last word) may be a name
    if any(c in text[s:e] for c in "@/[]") or any(ch.isdigit() for ch in text[s:e]):
        return None
    keep = [k for k, w in enumerate(words) if is_cap(w) and not vocab.generic(w)]
    if not keep:
        return None
    a, b = keep[0], keep[-1]
    span_s = s + toks[a].start
    span_e = s + toks[b].start + len(strip_possessive(toks[b].text))
    if vocab.allowed_phrase(text[span_s:span_e]):
        return None
    return (span_s, span_e)


def mentions_in_text(vocab: Vocabulary, text: str, dets: list[Detection]) -> list[Detection]:
    """Later mentions of the name words of people found in ``text`` by NER or a rule."""
    words: set[str] = set()
    for d in dets:
        if d.type != "PERSON" or d.method not in FOUND_METHODS:
            continue
        for w in tokens(text[d.start : d.end]):
            core = strip_possessive(w.text)
            if len(core) >= 3 and is_cap(core) and not vocab.generic(core):
                words.add(core)
    if not words:
        return []
    rx = names_pattern(words)
    if rx is None:
        return []
    return [Detection(m.start(), m.end(), "PERSON", "propagated") for m in rx.finditer(fold1(text))]


def with_surname(vocab: Vocabulary, text: str, d: Detection) -> Detection:
    """A first name found alone ("Declan", known or found earlier) followed by a capitalised word
    that is no common word takes that word as its surname: "Declan Murphy chaired it"."""
    if d.method not in ("names", "names_short", "propagated", "email_name", "given_name") or " " in text[d.start:d.end].strip():
        return d
    m = _SURNAME_AFTER.match(text, d.end)
    if not m:
        return d
    word = strip_possessive(m.group(1))
    end = m.start(1) + len(word)
    if vocab.generic(word) or word.lower() in ORG_KEYWORDS or vocab.allowed_phrase(text[d.start:end]):
        return d
    return Detection(d.start, end, d.type, d.method)
