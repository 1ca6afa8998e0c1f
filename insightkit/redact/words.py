"""Words, tokens and the allow-list tests shared by the name and organisation recognizers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from insightkit.names import TITLES, fold1
from insightkit.redact.allowlist import Allowlist

__all__ = ["Tok", "tokens", "adjacent", "cap_runs", "strip_possessive", "is_cap", "is_acronym", "names_pattern",
           "Vocabulary", "STOP", "CONNECTORS", "ORG_KEYWORDS", "NAME"]

STOP = {
    "i", "i'm", "i've", "i'd", "i'll", "me", "my", "we", "our", "us", "you", "your", "he", "she", "his", "her",
    "we've", "we're", "we'd", "we'll", "you're", "you've", "you'd", "you'll", "they're", "they've", "they'd",
    "they'll", "it's", "that's", "there's", "here's", "what's", "let's", "he's", "she's", "who's",
    "they", "their", "them", "it", "its", "the", "a", "an", "this", "that", "these", "those", "and", "or",
    "but", "of", "in", "on", "at", "to", "for", "from", "with", "by", "as", "is", "was", "be", "if", "so",
    "then", "when", "where", "what", "who", "why", "how", "there", "here", "not", "all", "any", "some",
    "each", "every", "both", "other", "another", "many", "most", "more", "less", "one", "two", "three",
    "no", "yes", "after", "before", "since", "about", "over", "under", "across", "within", "during",
    "while", "because", "although", "though", "also", "just", "even", "only", "very", "really", "last",
    "next", "new", "old", "first", "second", "third", "currently", "previously", "recently", "now",
    "per", "via", "re", "regarding", "example", "e.g", "eg", "ie", "etc", "can", "could", "would",
    "should", "will", "did", "do", "does", "had", "has", "have", "are", "were", "been", "being", "let",
    "let's", "please", "national", "local", "regional", "whole", "same", "different", "like", "into",
    "onto", "indeed", "again", "anyway", "today", "tonight", "anyone", "someone", "thanks", "thank",
    "such", "lots", "much", "loads", "always", "never", "often", "still", "yet", "ever", "particularly",
    "especially", "specifically", "mainly", "mostly", "generally", "overall",
}
CONNECTORS = {"and", "&", "of", "upon", "on", "the"}
ORG_KEYWORDS = {
    "nhs", "trust", "hospital", "hospitals", "health", "healthcare", "infirmary", "icb", "ics", "care",
    "ambulance", "partnership", "clinic", "centre", "ft", "pcn",
}

_WORD_RX = re.compile(r"[^\W\d_](?:\w|['’-](?=\w))*['’]?|&|\d\w*")
_NAME_CHUNK = r"[A-Z][a-z\u00C0-\u024F]+(?:['’-][A-Z]?[a-z\u00C0-\u024F]+)*"
#: one capitalised name word ("Sharma", "O'Neill", "McAllister", "Pryce-Jones")
NAME = rf"(?<![\w'’-])(?:(?:Mc|Mac|O['’])?{_NAME_CHUNK})(?!\w)"
_FIRST_PERSON = ("i", "i'm", "i've", "i'd", "i'll")


def strip_possessive(word: str) -> str:
    return re.sub(r"['’]s?$", "", word)


def is_cap(word: str) -> bool:
    return bool(word) and word[0].isupper()


def is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(word) >= 2 and bool(letters) and not any(c.islower() for c in letters)


@dataclass(frozen=True)
class Tok:
    text: str
    start: int
    end: int


def tokens(text: str) -> list[Tok]:
    return [Tok(m.group(0), m.start(), m.end()) for m in _WORD_RX.finditer(text)]


def adjacent(text: str, a: Tok, b: Tok) -> bool:
    gap = text[a.end : b.start]
    return gap != "" and gap.strip(" \t\u00a0") == "" and len(gap) <= 3


def cap_runs(text: str, toks: list[Tok]) -> list[tuple[int, int]]:
    """Index ranges [i, j] of runs of capitalised words, with connectors ("and", "of") inside."""
    runs = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if not (is_cap(t.text) and t.text.lower() not in _FIRST_PERSON):
            i += 1
            continue
        last_cap = i
        k = i + 1
        while k < n and adjacent(text, toks[k - 1], toks[k]):
            w = toks[k].text
            if is_cap(w) and w.lower() not in _FIRST_PERSON:
                last_cap = k
            elif w.lower() in CONNECTORS and k - last_cap <= 2:
                pass
            else:
                break
            k += 1
        runs.append((i, last_cap))
        i = last_cap + 1
    return runs


def names_pattern(variants: Iterable[str]) -> re.Pattern | None:
    """One regex for all variants; run it on ``fold1(text)`` so "Grainne" also finds "Gráinne".

    Single names match case-sensitively ("Will" the person, not "will" the verb); a full name of two
    or more words is unambiguous, so "priya sharma" in a lower-case answer is found too.
    """
    vs = sorted({fold1(v) for v in variants if v}, key=len, reverse=True)
    if not vs:
        return None
    alts = []
    for v in vs:
        esc = re.escape(v).replace(r"\ ", r"\s+")
        alts.append(f"(?i:{esc})" if " " in v else esc)
    return re.compile(rf"(?<![\w])(?:{'|'.join(alts)})(?![\w])")


class Vocabulary:
    """The allow-list tests: is a word generic (never a name), is a phrase allow-listed."""

    def __init__(self, allow: Allowlist):
        self.allow = allow
        phrases = sorted(allow.phrases, key=len, reverse=True)
        self.phrase_rx = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases) + r")(?!\w)", re.I)
            if phrases
            else None
        )

    def generic(self, word: str, regions_generic: bool = True) -> bool:
        """True for a word that is never a name: a common word, a title, an acronym, allow-listed."""
        w = strip_possessive(word).strip(".")
        lw = w.lower()
        if not w or lw in STOP or lw in CONNECTORS or lw in TITLES:
            return True
        if any(c.isdigit() for c in w) or is_acronym(w):
            return True
        if lw in self.allow.words:
            return True
        if regions_generic and lw in self.allow.regions:
            return True
        if "-" in w:  # "Wi-Fi", "Non-Executive", "Covid-19": generic when the parts are
            return all(self.generic(p, regions_generic) for p in w.split("-") if p)
        return False

    def phrase_mask(self, words: list[str]) -> set[int]:
        """Indices of words that belong to an allow-listed phrase of two or more words."""
        out: set[int] = set()
        lw = [strip_possessive(w).lower() if k == len(words) - 1 else w.lower() for k, w in enumerate(words)]
        n = len(words)
        for a in range(n):
            for b in range(min(n, a + 8), a + 1, -1):
                if " ".join(lw[a:b]) in self.allow.phrases or " ".join(w.lower() for w in words[a:b]) in self.allow.phrases:
                    out.update(range(a, b))
                    break
        return out

    def allowed_phrase(self, phrase: str) -> bool:
        p = " ".join(strip_possessive(phrase).split()).lower()
        p = re.sub(r"^(?:the|a|an|our|their|my)\s+", "", p)
        return p in self.allow.phrases or p in self.allow.words
