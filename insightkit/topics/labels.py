"""Readable topic labels: c-TF-IDF keywords that members actually use, and a natural key phrase.

c-TF-IDF rewards words that are rare in the corpus, so a typo used once in a topic ("nuffin") can
outrank the words the topic is about. Keywords therefore come from BERTopic's top 30 c-TF-IDF
words, keeping those that enough members use (``min_support``), without repeats ("ward"/"wards").
The key phrase is the 2-3 word sequence, as written (stop words allowed inside, not at the ends:
"treated with respect"), that best separates the topic's members from the rest of the corpus.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np

from insightkit.topics.params import STOP_WORDS

__all__ = ["tidy_keywords", "supported_keywords", "key_phrases", "compose_label", "min_support"]

_SUFFIXES = ("ingly", "edly", "ing", "ed", "es", "s", "ly")
_WORD_RX = re.compile(r"[^\W\d_][^\W\d_'’-]*[^\W\d_]|[^\W\d_]", re.UNICODE)
_STOP = frozenset(STOP_WORDS)


def _stem(word: str) -> str:
    """A light stemmer for spotting repeats among keywords ("listened"/"listening", "ward"/"wards")."""
    w = word.lower()
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 4 and not w.endswith("ss"):
            w = w[: -len(suf)]
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def tidy_keywords(words: Sequence[str], n: int = 10) -> list[str]:
    """Ranked terms without repeats, so each keyword adds something.

    "ward" and "wards" count once; a multi-word term replaces the single words it contains
    ("virtual", "wards" -> "virtual wards") and is skipped when all its words are already shown.
    """
    out: list[str] = []
    for raw in words:
        w = " ".join(str(raw).split())
        if not w:
            continue
        stems = [_stem(t) for t in w.split()]
        if len(set(stems)) < len(stems):  # "ward wards", "listened listening"
            continue
        shown = {s for o in out for s in (_stem(t) for t in o.split())}
        if len(stems) == 1:
            if stems[0] in shown:
                continue
            out.append(w)
        else:
            covered = [i for i, o in enumerate(out) if " " not in o and _stem(o) in stems]
            if covered:
                out[covered[0]] = w
                for i in reversed(covered[1:]):
                    del out[i]
            elif set(stems) <= shown:
                continue
            else:
                out.append(w)
        if len(out) >= n:
            break
    return out[:n]


def min_support(size: int) -> int:
    """Members that must use a keyword: 2, or 2% of a large topic (1 in a topic of 1-3)."""
    if size <= 3:
        return 1
    return max(2, int(math.ceil(0.02 * size)))


def supported_keywords(pool: Sequence[str], member_df: dict[str, int], size: int, n: int = 10) -> list[str]:
    """Keywords from the ranked ``pool`` that at least ``min_support(size)`` members use, tidied."""
    need = min_support(size)
    kept = [w for w in pool if w and member_df.get(w, 0) >= need]
    out = tidy_keywords(kept, n)
    if not out:  # a topic of one-off words: show them rather than nothing
        out = tidy_keywords([w for w in pool if w], n)
    return out


def _tokens(text: str) -> list[str]:
    return [t.lower().replace("’", "'") for t in _WORD_RX.findall(text)]


def _phrases(text: str) -> set[str]:
    """2-3 word sequences that start and end with a content word and hold at most one stop word."""
    toks = _tokens(text)
    out = set()
    for size in (2, 3):
        for i in range(len(toks) - size + 1):
            gram = toks[i:i + size]
            if gram[0] in _STOP or gram[-1] in _STOP or len(gram[0]) < 2 or len(gram[-1]) < 2:
                continue
            if sum(t in _STOP for t in gram) > 1 or len({_stem(t) for t in gram}) < size:
                continue
            out.add(" ".join(gram))
    return out


def key_phrases(texts: Sequence[str], topics: np.ndarray) -> dict[int, str]:
    """The most distinctive phrase of each topic (empty where none is shared by enough members).

    Score: share of members using the phrase x log(N / corpus documents using it), among phrases
    used by at least ``min_support`` members; ties go to the alphabetically first.
    """
    topics = np.asarray(topics)
    n = len(texts)
    doc_phrases = [_phrases(t) for t in texts]
    corpus_df: dict[str, int] = {}
    for s in doc_phrases:
        for p in s:
            corpus_df[p] = corpus_df.get(p, 0) + 1
    out: dict[int, str] = {}
    for t in sorted(set(int(x) for x in topics)):
        members = np.flatnonzero(topics == t)
        counts: dict[str, int] = {}
        for i in members:
            for p in doc_phrases[i]:
                counts[p] = counts.get(p, 0) + 1
        need = max(2, min_support(len(members)))
        best, best_score = "", 0.0
        for p, c in sorted(counts.items()):
            if c < need:
                continue
            score = (c / len(members)) * math.log(n / corpus_df[p])
            if score > best_score + 1e-12:
                best, best_score = p, score
        out[t] = best
    return out


def compose_label(phrase: str, keywords: Sequence[str], k: int = 4, max_chars: int = 60) -> str:
    """"phrase, keyword, keyword": the key phrase first, then keywords it does not already say."""
    items: list[str] = []
    shown: set[str] = set()
    if phrase:
        items.append(phrase)
        shown = {_stem(t) for t in phrase.split()}
    for w in keywords:
        if len(items) >= k:
            break
        stems = {_stem(t) for t in w.split()}
        if stems <= shown:
            continue
        items.append(w)
        shown |= stems
    label = ", ".join(items)
    while len(label) > max_chars and len(items) > 1:
        items.pop()
        label = ", ".join(items)
    return label
