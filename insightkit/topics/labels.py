"""Readable topic labels: a phrase the members wrote, and c-TF-IDF keywords they actually use.

c-TF-IDF rewards words that are rare in the corpus, so a typo used once in a topic ("nuffin") can
outrank the words the topic is about. Keywords therefore come from BERTopic's top 30 c-TF-IDF
words, keeping those that enough members use (``min_support``), without repeats ("ward"/"wards").

A list of keywords reads as a salad ("digital strategy, board, cyber, year"), so the label is a
phrase taken from the segments: a 2-4 word sequence as written (stop words allowed inside, not at
the ends: "treated with respect") or a noun phrase found by spaCy ("the new electronic patient
record" -> "new electronic patient record"), whichever best separates the topic's members from the
rest of the corpus; a second phrase is added when the first covers few members. Variants count
together ("virtual ward"/"virtual wards"). Words of small talk ("thanks", "bye", "sorry") never
enter a label (:data:`LABEL_STOP_WORDS`), and ``weights`` can push words down, e.g. words that
belong to another theme's segments more than to the theme a sub-topic model is about
(:func:`theme_word_weights`). The keywords stay in their own column.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np

from insightkit.topics.params import STOP_WORDS

__all__ = ["tidy_keywords", "supported_keywords", "key_phrases", "ranked_phrases", "compose_label",
           "phrase_label", "min_support", "LABEL_STOP_WORDS", "theme_word_weights", "off_theme_words"]

_SUFFIXES = ("ingly", "edly", "ing", "ed", "es", "s", "ly")
#: words; a hyphenated word is one ("wi-fi", "go-live"), never two fragments
_WORD_RX = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_STOP = frozenset(STOP_WORDS)

#: Words of greetings, thanks, goodbyes, apologies and back-channel: never part of a label or a
#: keyword. ("care", "time" or "help" are small talk in "take care" but topics in a hospital: not here.)
LABEL_STOP_WORDS = frozenset("""
    hi hiya hello hey bye goodbye byebye cheerio cheers ta tara thanks thank thankyou thanking
    appreciate appreciated sorry apologies apologise apologize pardon excuse worries pleasure
    lovely brilliant perfect fab fabulous fantastic wonderful excellent super cool absolutely definitely
    exactly indeed totally certainly correct accurate agreed agree wow gosh aha mhm laughs laughter
    crosstalk inaudible
    """.split())
#: Longest phrase kept as a label candidate, in words.
_MAX_PHRASE_WORDS = 4


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
    """Keywords from the ranked ``pool`` that at least ``min_support(size)`` members use, tidied
    (small-talk words left out)."""
    need = min_support(size)
    pool = [w for w in pool if w and not set(str(w).split()) & LABEL_STOP_WORDS]
    kept = [w for w in pool if member_df.get(w, 0) >= need]
    out = tidy_keywords(kept, n)
    if not out:  # a topic of one-off words: show them rather than nothing
        out = tidy_keywords(pool, n)
    return out


def _tokens(text: str) -> list[str]:
    return [t.lower().replace("’", "'") for t in _WORD_RX.findall(text)]


def _ok_gram(gram: Sequence[str]) -> bool:
    """A phrase candidate: content words at both ends, at most one stop word, no small talk, no repeats."""
    if gram[0] in _STOP or gram[-1] in _STOP or len(gram[0]) < 2 or len(gram[-1]) < 2:
        return False
    if any(t in LABEL_STOP_WORDS for t in gram):
        return False
    return sum(t in _STOP for t in gram) <= 1 and len({_stem(t) for t in gram}) == len(gram)


def _phrases(text: str) -> set[str]:
    """2-3 word sequences that start and end with a content word and hold at most one stop word."""
    toks = _tokens(text)
    out = set()
    for size in (2, 3):
        for i in range(len(toks) - size + 1):
            gram = toks[i:i + size]
            if _ok_gram(gram):
                out.add(" ".join(gram))
    return out


_CHUNK_CACHE: dict[str, tuple[str, ...]] = {}
_CHUNK_CACHE_MAX = 200_000


def _noun_chunks(texts: Sequence[str]) -> list[tuple[str, ...]]:
    """spaCy noun phrases of each text, lower-cased, without leading determiners or pronouns, 2-4 words.

    Cached by text: sub-theme and emergent models see the same segments again. Without the spaCy
    model every text gets none (labels then come from word sequences only).
    """
    todo = sorted({t for t in texts if t not in _CHUNK_CACHE})
    if todo:
        try:
            from insightkit.nlp import get_nlp

            nlp = get_nlp(disable=("lemmatizer", "ner"))
            docs = nlp.pipe(todo, batch_size=256)
        except Exception:  # no spaCy model: word sequences alone
            docs = None
        if len(_CHUNK_CACHE) + len(todo) > _CHUNK_CACHE_MAX:
            _CHUNK_CACHE.clear()
        for text, doc in zip(todo, docs if docs is not None else [None] * len(todo)):
            found = []
            for chunk in (doc.noun_chunks if doc is not None else ()):
                lead = 0
                while lead < len(chunk) and chunk[lead].pos_ in ("DET", "PRON", "NUM", "PUNCT"):
                    lead += 1
                words = _tokens(chunk[lead:].text)  # from the text: "wi-fi" stays one word
                while words and words[0] in _STOP:
                    words = words[1:]
                while words and words[-1] in _STOP:
                    words = words[:-1]
                if 2 <= len(words) <= _MAX_PHRASE_WORDS and _ok_gram(words):
                    found.append(" ".join(words))
            _CHUNK_CACHE[text] = tuple(found)
    return [_CHUNK_CACHE.get(t, ()) for t in texts]


def _key(phrase: str) -> tuple[str, ...]:
    """Variants of a phrase share a key: "virtual ward" and "virtual wards"."""
    return tuple(_stem(t) for t in phrase.split())


def ranked_phrases(texts: Sequence[str], topics: np.ndarray, weights: dict[str, float] | None = None,
                   n: int = 3) -> dict[int, list[tuple[str, float, int]]]:
    """Up to ``n`` distinctive phrases per topic, best first: (phrase, score, members using it).

    Candidates: 2-3 word sequences and spaCy noun phrases of 2-4 words, used by at least
    ``max(2, min_support)`` members. Score: share of members using the phrase x log(1 + N / corpus
    documents using it) (c-TF-IDF's form: a phrase most members use beats a rare one few use), times half the smallest ``weights`` of its words (by stem) when one is
    below 1 (a word another theme owns), with a small bonus per word past two. Each
    phrase shown shares no word with a better one. Ties go to the alphabetically first.
    """
    topics = np.asarray(topics)
    total = len(texts)
    chunks = _noun_chunks(list(texts))
    doc_keys: list[set[tuple[str, ...]]] = []
    surface: dict[tuple[str, ...], dict[str, int]] = {}
    for text, ch in zip(texts, chunks):
        keys = set()
        for p in _phrases(text) | set(ch):
            k = _key(p)
            keys.add(k)
            forms = surface.setdefault(k, {})
            forms[p] = forms.get(p, 0) + 1
        doc_keys.append(keys)
    corpus_df: dict[tuple[str, ...], int] = {}
    for s in doc_keys:
        for k in s:
            corpus_df[k] = corpus_df.get(k, 0) + 1
    # a longer phrase is preferred to its own parts when as many members use it
    out: dict[int, list[tuple[str, float, int]]] = {}
    for t in sorted(set(int(x) for x in topics)):
        members = np.flatnonzero(topics == t)
        counts: dict[tuple[str, ...], int] = {}
        for i in members:
            for k in doc_keys[i]:
                counts[k] = counts.get(k, 0) + 1
        need = max(2, min_support(len(members)))
        scored = []
        for k, c in counts.items():
            if c < need:
                continue
            w = min((weights or {}).get(s, 1.0) for s in k) if weights else 1.0
            w = 1.0 if w >= 1.0 else 0.5 * w  # a word of another theme at least halves the score
            score = (c / len(members)) * math.log(1 + total / corpus_df[k]) * w * (1 + 0.05 * (len(k) - 2))
            if score > 1e-12:
                forms = surface[k]
                best_form = min(forms, key=lambda f: (-forms[f], f))
                scored.append((best_form, score, c, k))
        scored.sort(key=lambda x: (-round(x[1], 12), x[0]))
        chosen: list[tuple[str, float, int]] = []
        used: set[str] = set()
        for form, score, c, k in scored:
            if used & set(k):
                continue
            chosen.append((form, round(score, 6), c))
            used |= set(k)
            if len(chosen) >= n:
                break
        out[t] = chosen
    return out


def key_phrases(texts: Sequence[str], topics: np.ndarray, weights: dict[str, float] | None = None) -> dict[int, str]:
    """The most distinctive phrase of each topic (empty where none is shared by enough members)."""
    return {t: (r[0][0] if r else "") for t, r in ranked_phrases(texts, topics, weights, n=1).items()}


def phrase_label(phrases: Sequence[tuple[str, float, int]], keywords: Sequence[str], size: int,
                 max_chars: int = 60) -> str:
    """A label that reads as a phrase: the best phrase, with the next one when the first covers
    less than a fifth of the members ("virtual ward, remote monitoring"); without phrases, the two
    leading keywords. Small-talk words are never shown."""
    items = [p for p, _, _ in phrases[:1]]
    if phrases and phrases[0][2] < 0.2 * size and len(phrases) > 1:
        items.append(phrases[1][0])
    if not items:
        items = [w for w in keywords if w not in LABEL_STOP_WORDS and len(w) > 2][:2]
    label = ", ".join(items)
    while len(label) > max_chars and len(items) > 1:
        items.pop()
        label = ", ".join(items)
    return label


def theme_word_weights(texts: Sequence[str], tags: np.ndarray, j: int) -> dict[str, float]:
    """Weights (by stem) that keep a sub-topic label of theme ``j`` within it.

    A word's weight is its share among the theme's segments divided by its largest share among
    another theme's segments, capped at 1: "board" in an EPR sub-topic weighs little when strategy
    segments use it far more often than EPR ones. ``tags``: one row per text, one column per theme.
    """
    tags = np.asarray(tags, dtype=bool)
    stems = [{_stem(w) for w in _tokens(t) if w not in _STOP} for t in texts]
    shares = []
    for col in range(tags.shape[1]):
        idx = np.flatnonzero(tags[:, col])
        df: dict[str, int] = {}
        for i in idx:
            for s in stems[i]:
                df[s] = df.get(s, 0) + 1
        shares.append({s: c / max(1, len(idx)) for s, c in df.items()})
    own = shares[j]
    out = {}
    for s, p in own.items():
        other = max((sh.get(s, 0.0) for c, sh in enumerate(shares) if c != j), default=0.0)
        if other > p:
            out[s] = p / other
    return out


def off_theme_words(label: str, weights: dict[str, float]) -> list[str]:
    """Words of ``label`` that another theme's segments use more than the label's own theme."""
    return [w for w in _tokens(label) if w not in _STOP and weights.get(_stem(w), 1.0) < 1.0]


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
