"""The fast n-gram transform must give exactly the matrix scikit-learn's vectoriser gives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from insightkit import ngrams
from insightkit.classify.views import _TFIDF_PARAMS, _make_vectorizer
from insightkit.ngrams import NgramTransformer

TRAIN = [
    "The EPR go-live was delayed twice; clinicians still print discharge letters.",
    "Cyber security: our DSPT submission flagged unsupported Windows servers.",
    "We can't recruit data engineers, so the BI team does everything by hand.",
    "Board strategy for digital is vague, no one owns the roadmap really",
    "RPA bots cut the outpatient admin backlog, productivity is up a bit",
    "epr epr EPR epr, the electronic patient record is the whole story here",
    "Digital skills training for nurses is patchy and the e-learning is dull",
    "Résumé of the café meeting: naïve plans for the data warehouse",
    "the the the of of and",
    "Servers, servers and more servers. Infrastructure debt everywhere!",
]

TEXTS = TRAIN + [
    "",
    "   \t\n ",
    "EPR",
    "a\u00a0b\tc\n\nd   e",
    "ÉPR’s DSPT-compliant, it's fine; isn't it?",
    "x" * 60,
    "🙂 emoji and ﬁle ligatures Ⅻ",
    "The the THE tHe the",
    "unknownword anotherunknown",
    "data data data warehouse data",
]


def _exact(A, B) -> None:
    A = A.tocsr()
    B = B.tocsr()
    assert A.shape == B.shape
    assert np.array_equal(A.indptr, B.indptr)
    assert np.array_equal(A.indices, B.indices)
    assert np.array_equal(A.data, B.data)
    assert A.dtype == B.dtype


@pytest.mark.parametrize("view", ["words", "chars"])
def test_classifier_views_match_sklearn_exactly(view):
    vec = _make_vectorizer(view, 5000)
    vec.set_params(min_df=1)
    vec.fit(TRAIN)
    fast = NgramTransformer(vec)
    assert fast.supported
    _exact(vec.transform(TEXTS), fast.transform(TEXTS))
    # second call (character view: words now remembered) gives the same matrix
    _exact(vec.transform(TEXTS), fast.transform(TEXTS))


@pytest.mark.parametrize("view", ["words", "chars"])
def test_loaded_vocabulary_matches(view):
    fitted = _make_vectorizer(view, 5000).set_params(min_df=1).fit(TRAIN)
    vocab = sorted(fitted.vocabulary_, key=fitted.vocabulary_.get)
    loaded = _make_vectorizer(view, 0, vocabulary={t: i for i, t in enumerate(vocab)})
    loaded.idf_ = fitted.idf_
    _exact(fitted.transform(TEXTS), NgramTransformer(loaded).transform(TEXTS))


@pytest.mark.parametrize("params", [
    {"analyzer": "word", "ngram_range": (1, 3)},
    {"analyzer": "word", "ngram_range": (2, 2), "lowercase": False},
    {"analyzer": "word", "ngram_range": (1, 1), "sublinear_tf": False, "norm": "l1"},
    {"analyzer": "char_wb", "ngram_range": (1, 3), "use_idf": False},
    {"analyzer": "char_wb", "ngram_range": (3, 6), "norm": None},
    {"analyzer": "word", "ngram_range": (1, 2), "dtype": np.float32},
])
def test_other_supported_settings_match(params):
    vec = TfidfVectorizer(**params).fit(TRAIN)
    fast = NgramTransformer(vec)
    assert fast.supported
    _exact(vec.transform(TEXTS), fast.transform(TEXTS))


@pytest.mark.parametrize("params", [
    {"analyzer": "char"},
    {"analyzer": "word", "stop_words": "english"},
    {"analyzer": "word", "binary": True},
    {"analyzer": "word", "ngram_range": (1, 5)},
    {"analyzer": "word", "tokenizer": str.split, "token_pattern": None},
])
def test_unsupported_settings_fall_back_to_sklearn(params):
    vec = TfidfVectorizer(**params).fit(TRAIN)
    fast = NgramTransformer(vec)
    assert not fast.supported
    _exact(vec.transform(TEXTS), fast.transform(TEXTS))


def test_word_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(ngrams, "_WORD_MEMO_LIMIT", 8)
    vec = _make_vectorizer("chars", 5000).set_params(min_df=1).fit(TRAIN)
    fast = NgramTransformer(vec)
    for i in range(3):
        _exact(vec.transform(TEXTS[i:]), fast.transform(TEXTS[i:]))
        assert len(fast._word_memo) <= max(8, len({w for t in TEXTS[i:] for w in t.lower().split()}))


_alphabet = st.sampled_from(list("abcdeEPR  '-\t\n.,é’0") + ["data", "epr ", " the ", "ﬁ"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_alphabet, max_size=40).map("".join), min_size=1, max_size=8))
def test_random_texts_match_sklearn(texts):
    for view in ("words", "chars"):
        vec = TfidfVectorizer(**{**_TFIDF_PARAMS[view], "min_df": 1}).fit(TRAIN)
        _exact(vec.transform(texts), NgramTransformer(vec).transform(texts))


def test_model_scores_unchanged_by_fast_transform(monkeypatch):
    """A fitted classifier gives the same probabilities with scikit-learn's transform."""
    from insightkit.classify import ThemeClassifier
    from insightkit.codebook import Codebook

    rng = np.random.default_rng(0)
    Y = np.zeros((len(TRAIN), 6), dtype=int)
    Y[np.arange(len(TRAIN)), rng.integers(0, 6, len(TRAIN))] = 1
    Y[:6, :] = np.eye(6, dtype=int)
    model = ThemeClassifier(Codebook.default(), features=("words", "chars"), threshold_folds=0).fit(TRAIN, Y)
    fast = model.predict_proba(TEXTS)
    monkeypatch.setattr(NgramTransformer, "transform", lambda self, t: self.vectorizer.transform(t))
    for part in model.views_.values():
        part.pop("ngrams", None)
    np.testing.assert_array_equal(fast, model.predict_proba(TEXTS))
