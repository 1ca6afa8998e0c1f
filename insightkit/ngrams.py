"""Fast TF-IDF transform for the classifier's fitted word and character n-gram vectorisers.

Why: scikit-learn's ``TfidfVectorizer.transform`` builds every n-gram of every text as a Python
string and looks each one up in a dict. In fast mode that was three quarters of the tagging time
(the static embeddings themselves take a tenth), which capped fast mode's speed-up over MiniLM.
This module computes the *same matrix* another way:

* character n-grams (``analyzer="char_wb"``) depend only on the word they come from, so each
  distinct word is expanded once (and remembered across batches, up to a bound) and a text's counts
  are its word counts times the words' n-gram counts, one sparse product;
* word n-grams map each token to an integer once, and bigrams become pairs of integers looked up
  in a sorted array instead of strings in a dict.

Counts, sublinear TF, IDF weighting and L2 normalisation follow scikit-learn's definitions; the
result equals ``vectorizer.transform(texts)`` (checked by ``tests/test_ngrams.py``). Vectorisers
with settings this module does not cover (other analysers, stop words, binary counts, callables)
go through scikit-learn unchanged.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

__all__ = ["NgramTransformer", "fast_tfidf_transform"]

#: distinct words whose character n-gram ids are remembered between batches (about 100 bytes each)
_WORD_MEMO_LIMIT = 200_000
#: word n-grams up to this length are looked up as integer keys; longer ones go through scikit-learn
_MAX_WORD_N = 4
_WHITE_SPACES = re.compile(r"\s\s+")


def _supported(vec) -> bool:
    """True when the vectoriser's settings are ones this module reproduces exactly."""
    if getattr(vec, "input", "content") != "content" or vec.binary or vec.stop_words is not None:
        return False
    if vec.preprocessor is not None or vec.tokenizer is not None or callable(vec.analyzer):
        return False
    if vec.dtype not in (np.float64, np.float32):
        return False
    lo, hi = vec.ngram_range
    if vec.analyzer == "char_wb":
        return 1 <= lo <= hi
    if vec.analyzer == "word":
        return 1 <= lo <= hi <= _MAX_WORD_N
    return False


class NgramTransformer:
    """Fast stand-in for one fitted ``TfidfVectorizer``'s ``transform``.

    Built lazily from the fitted vectoriser (its vocabulary, IDF and settings); keeps a bounded
    memory of words already expanded into character n-grams.
    """

    def __init__(self, vectorizer):
        self.vectorizer = vectorizer
        self.supported = _supported(vectorizer)
        if not self.supported:
            return
        vec = vectorizer
        vocab = getattr(vec, "vocabulary_", None)
        if vocab is None:
            vocab = vec.vocabulary
        self.vocabulary = dict(vocab)
        self.n_features = len(self.vocabulary)
        self.preprocess = vec.build_preprocessor()
        self.min_n, self.max_n = vec.ngram_range
        self.dtype = vec.dtype
        self.idf = np.asarray(vec.idf_) if vec.use_idf else None
        self.sublinear = bool(vec.sublinear_tf)
        self.norm = vec.norm
        if vec.analyzer == "word":
            self._prepare_words()
        else:
            self._word_memo: dict[str, np.ndarray] = {}

    # word n-grams ---------------------------------------------------------------------------
    def _prepare_words(self) -> None:
        self.tokenize = self.vectorizer.build_tokenizer()
        tokens: dict[str, int] = {}
        for term in self.vocabulary:
            for part in term.split(" "):
                tokens.setdefault(part, len(tokens))
        self.token_index = tokens
        self.n_tokens = max(len(tokens), 1)
        if self.n_tokens ** self.max_n >= 2 ** 62:  # keys would overflow int64
            self.supported = False
            return
        # a term's key: its token ids as digits in base n_tokens, one sorted table per length
        self.by_length: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        groups: dict[int, list[tuple[int, int]]] = {}
        for term, feat in self.vocabulary.items():
            parts = term.split(" ")
            key = 0
            for p in parts:
                key = key * self.n_tokens + tokens[p]
            groups.setdefault(len(parts), []).append((key, feat))
        for n, pairs in groups.items():
            arr = np.array(pairs, dtype=np.int64)
            order = np.argsort(arr[:, 0], kind="stable")
            self.by_length[n] = (arr[order, 0], arr[order, 1])

    def _word_counts(self, docs: list[str]) -> sp.csr_matrix:
        token_index = self.token_index
        per_doc = [self.tokenize(d) for d in docs]
        lengths = np.fromiter((len(t) for t in per_doc), dtype=np.int64, count=len(per_doc))
        flat = [tok for toks in per_doc for tok in toks]
        get = token_index.get
        ids = np.fromiter((get(t, -1) for t in flat), dtype=np.int64, count=len(flat))
        doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(docs) else np.zeros(0, np.int64)
        pos_in_doc = np.arange(len(flat), dtype=np.int64) - np.repeat(starts, lengths)
        doc_len = np.repeat(lengths, lengths)
        rows, cols = [], []
        for n in range(self.min_n, self.max_n + 1):
            if n not in self.by_length or len(flat) < n:
                continue
            m = len(flat) - n + 1
            # an n-gram starting at i stays inside its text: i + n - 1 < the text's length
            ok = pos_in_doc[:m] + n <= doc_len[:m]
            key = np.zeros(m, dtype=np.int64)
            for s in range(n):
                part = ids[s:s + m]
                ok &= part >= 0
                key = key * self.n_tokens + np.where(part >= 0, part, 0)
            keys, feats = self.by_length[n]
            idx = np.searchsorted(keys, key)
            idx[idx >= len(keys)] = 0
            hit = ok & (keys[idx] == key) if len(keys) else np.zeros(m, dtype=bool)
            rows.append(doc_of[:m][hit])
            cols.append(feats[idx[hit]])
        return self._to_csr(rows, cols, len(docs))

    # character n-grams (within words) ------------------------------------------------------------
    def _char_ids(self, word: str) -> np.ndarray:
        """Feature ids of one word's ``char_wb`` n-grams, as scikit-learn's ``_char_wb_ngrams`` makes them."""
        vocab = self.vocabulary
        w = " " + word + " "
        w_len = len(w)
        out = []
        for n in range(self.min_n, self.max_n + 1):
            offset = 0
            f = vocab.get(w[0:n])
            if f is not None:
                out.append(f)
            while offset + n < w_len:
                offset += 1
                f = vocab.get(w[offset:offset + n])
                if f is not None:
                    out.append(f)
            if offset == 0:  # a word shorter than n is counted once
                break
        return np.array(out, dtype=np.int64)

    def _char_counts(self, docs: list[str]) -> sp.csr_matrix:
        words_of = [_WHITE_SPACES.sub(" ", d).split() for d in docs]
        word_id: dict[str, int] = {}
        setdefault = word_id.setdefault
        flat = np.fromiter((setdefault(w, len(word_id)) for ws in words_of for w in ws), dtype=np.int64)
        lengths = np.fromiter((len(ws) for ws in words_of), dtype=np.int64, count=len(words_of))
        memo = self._word_memo
        if len(memo) + len(word_id) > _WORD_MEMO_LIMIT:
            memo.clear()
        grams = []
        for w in word_id:  # insertion order: index i is the word with id i
            g = memo.get(w)
            if g is None:
                g = memo[w] = self._char_ids(w)
            grams.append(g)
        n_words = len(grams)
        sizes = np.fromiter((len(g) for g in grams), dtype=np.int64, count=n_words)
        W = sp.csr_matrix((np.ones(int(sizes.sum()), dtype=np.float64),
                           np.concatenate(grams) if grams else np.zeros(0, np.int64),
                           np.concatenate([[0], np.cumsum(sizes)])),
                          shape=(n_words, self.n_features))
        doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        D = sp.csr_matrix((np.ones(len(flat), dtype=np.float64), (doc_of, flat)),
                          shape=(len(docs), n_words))
        X = (D @ W).tocsr()
        X.sum_duplicates()
        X.eliminate_zeros()
        return X

    # shared -----------------------------------------------------------------------------------
    def _to_csr(self, rows: list, cols: list, n_docs: int) -> sp.csr_matrix:
        r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        X = sp.csr_matrix((np.ones(len(r), dtype=np.float64), (r, c)), shape=(n_docs, self.n_features))
        X.sum_duplicates()
        return X

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The TF-IDF matrix ``vectorizer.transform(texts)`` would return."""
        if not self.supported or not all(isinstance(t, str) for t in texts):
            return self.vectorizer.transform(texts)
        docs = [self.preprocess(t) for t in texts]
        X = self._word_counts(docs) if self.vectorizer.analyzer == "word" else self._char_counts(docs)
        X = X.astype(self.dtype, copy=False)  # counts are whole numbers: exact in either precision
        X.sort_indices()
        if self.sublinear:
            np.log(X.data, X.data)
            X.data += 1.0
        if self.idf is not None:
            X.data *= self.idf[X.indices]
        if self.norm:
            X = normalize(X, norm=self.norm, copy=False)
        return X


def fast_tfidf_transform(vectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """One-off fast transform (builds the lookup tables each call; keep a NgramTransformer to reuse them)."""
    return NgramTransformer(vectorizer).transform(texts)
