"""Sentence-level scoring (``sentence_weight``): a theme raised in one sentence is not diluted by the rest."""

from __future__ import annotations

import numpy as np
import pytest

from _themes_small import THEMES
from insightkit.classify import ThemeClassifier, load_model, split_sentence_spans
from insightkit.codebook import Codebook

NGRAMS = dict(features=("words", "chars"))


def test_sentence_spans():
    text = "  The EPR went live. Servers are old!  Why?\n\nnew line here  "
    spans = split_sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["The EPR went live.", "Servers are old!", "Why?", "new line here"]
    assert split_sentence_spans("one sentence, no break") == [(0, 22)]
    assert split_sentence_spans("") == [(0, 0)]
    # fragments of under three characters are not sentences of their own
    assert [("a. b. " + "the rest of it")[a:b] for a, b in split_sentence_spans("a. b. the rest of it")] == ["the rest of it"]


def test_default_weight_and_weight_zero(data):
    X, Y = data
    assert ThemeClassifier().sentence_weight == 0.5
    texts = X + ["The EPR went live on the wards. Half the switches were out of support."]
    a = ThemeClassifier(Codebook.default(), sentence_weight=0.0, **NGRAMS).fit(X, Y)
    b = ThemeClassifier(Codebook.default(), **NGRAMS).fit(X, Y)
    single = [i for i, t in enumerate(texts) if len(split_sentence_spans(t)) == 1]
    multi = [i for i, t in enumerate(texts) if len(split_sentence_spans(t)) > 1]
    assert single and multi
    Pa, Pb = a.predict_proba(texts), b.predict_proba(texts)
    # one-sentence texts score the same either way; texts of several sentences do not
    np.testing.assert_allclose(Pa[single], Pb[single], rtol=0, atol=1e-12)
    assert not np.allclose(Pa[multi], Pb[multi])


def test_sentence_score_is_the_best_sentence(data):
    X, Y = data
    w = 0.5
    m = ThemeClassifier(Codebook.default(), sentence_weight=w, threshold_folds=0, **NGRAMS).fit(X, Y)
    whole = ThemeClassifier(Codebook.default(), sentence_weight=0.0, threshold_folds=0, **NGRAMS).fit(X, Y)
    # a one-sentence text: the sentence score is the whole-text score
    one = [X[0]]
    np.testing.assert_allclose(m.predict_proba(one), whole.predict_proba(one), rtol=0, atol=1e-12)
    # two sentences: (1 - w) * whole + w * each view's best sentence, views averaged
    a, b = "The EPR went live on the wards last spring.", "Half the network switches were out of support."
    both = f"{a} {b}"
    Pw = whole.predict_proba([both])
    per_view = []
    for v in ("words", "chars"):
        one_view = ThemeClassifier(Codebook.default(), features=(v,), sentence_weight=0.0, threshold_folds=0).fit(X, Y)
        per_view.append(np.maximum(one_view.predict_proba([a]), one_view.predict_proba([b])))
    expected = (1 - w) * Pw + w * (per_view[0] + per_view[1]) / 2
    np.testing.assert_allclose(m.predict_proba([both]), expected, rtol=1e-12, atol=1e-12)
    # the EPR sentence lifts epr and the switches sentence lifts infrastructure, compared with whole texts
    got = m.predict_proba([both])[0]
    assert got[THEMES.index("epr")] > Pw[0, THEMES.index("epr")] or got[THEMES.index("infrastructure_cyber")] > Pw[0, THEMES.index("infrastructure_cyber")]


def test_saved_and_loaded_with_its_weight(data, tmp_path):
    X, Y = data
    m = ThemeClassifier(Codebook.default(), sentence_weight=0.5, **NGRAMS).fit(X, Y)
    texts = ["The EPR went live. The servers are old.", "Board strategy. Staff training."]
    loaded = load_model(m.save(tmp_path / "m"))
    assert loaded.sentence_weight == 0.5 and loaded.config()["sentence_weight"] == 0.5
    np.testing.assert_array_equal(loaded.predict_proba(texts), m.predict_proba(texts))
    np.testing.assert_array_equal(loaded.thresholds_, m.thresholds_)


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_weight_out_of_range_is_refused(data, bad):
    X, Y = data
    with pytest.raises(ValueError, match="sentence_weight must be between 0 and 1"):
        ThemeClassifier(Codebook.default(), sentence_weight=bad, **NGRAMS).fit(X, Y)


def test_neighbours_only_model_ignores_the_sentence_weight(data):
    X, Y = data
    E = np.random.default_rng(0).normal(size=(len(X), 384))
    texts = ["The EPR went live. The servers are old."]
    Q = np.random.default_rng(1).normal(size=(1, 384))
    a = ThemeClassifier(Codebook.default(), features=("neighbours",), sentence_weight=0.5).fit(X, Y, embeddings=E)
    b = ThemeClassifier(Codebook.default(), features=("neighbours",), sentence_weight=0.0).fit(X, Y, embeddings=E)
    np.testing.assert_array_equal(a.predict_proba(texts, embeddings=Q), b.predict_proba(texts, embeddings=Q))
