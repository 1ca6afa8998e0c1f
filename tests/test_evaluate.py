"""Metrics against scikit-learn and krippendorff, undefined cases, and the stratified splitters."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, f1_score, precision_score, recall_score

from insightkit.evaluate import (
    agreement,
    as_label_matrix,
    evaluate_predictions,
    format_agreement,
    format_report,
    MultilabelStratifiedKFold,
    multilabel_train_test_split,
)

IDS = ["a", "b", "c"]


def random_labels(n=60, k=3, seed=0, p=0.3):
    rng = np.random.default_rng(seed)
    return (rng.random((n, k)) < p).astype(int)


def test_metrics_match_sklearn():
    yt, yp = random_labels(seed=1), random_labels(seed=2)
    r = evaluate_predictions(yt, yp, IDS)
    assert r["macro_f1"] == pytest.approx(f1_score(yt, yp, average="macro", zero_division=0))
    assert r["micro_f1"] == pytest.approx(f1_score(yt, yp, average="micro", zero_division=0))
    assert r["samples_f1"] == pytest.approx(f1_score(yt, yp, average="samples", zero_division=1))
    for j, t in enumerate(IDS):
        assert r["themes"][t]["precision"] == pytest.approx(precision_score(yt[:, j], yp[:, j], zero_division=0))
        assert r["themes"][t]["recall"] == pytest.approx(recall_score(yt[:, j], yp[:, j], zero_division=0))
        assert r["themes"][t]["support"] == int(yt[:, j].sum())
    table = format_report(r)
    assert "macro" in table and "samples" in table and "b" in table


def test_silent_theme_counts_as_zero_and_is_listed():
    yt = np.array([[1, 0], [0, 0], [1, 0]])
    yp = np.array([[1, 0], [0, 1], [1, 0]])
    r = evaluate_predictions(yt, yp, ["x", "y"])
    assert r["themes"]["x"]["f1"] == 1.0
    assert r["themes"]["y"]["f1"] == 0.0
    assert r["macro_f1"] == 0.5
    assert r["themes_without_support"] == ["y"]


def test_label_matrix_validation():
    with pytest.raises(ValueError, match="0 or 1"):
        as_label_matrix([[0, 2]])
    with pytest.raises(ValueError, match="2 columns but 3 themes"):
        as_label_matrix([[0, 1]], IDS)
    with pytest.raises(ValueError, match="shape"):
        evaluate_predictions(np.zeros((3, 3)), np.zeros((4, 3)), IDS)


def test_agreement_matches_sklearn_and_krippendorff():
    import krippendorff

    a, b = random_labels(seed=3, p=0.4), random_labels(seed=4, p=0.4)
    b[:40] = a[:40]  # make them agree more than chance
    r = agreement(a, b, IDS)
    for j, t in enumerate(IDS):
        assert r["themes"][t]["kappa"] == pytest.approx(cohen_kappa_score(a[:, j], b[:, j]))
        want = krippendorff.alpha(reliability_data=np.vstack([a[:, j], b[:, j]]), level_of_measurement="nominal")
        assert r["themes"][t]["alpha"] == pytest.approx(want)
    assert 0 < r["mean_kappa"] < 1
    assert "kappa" in format_agreement(r)


def test_agreement_handles_constant_columns():
    a = np.array([[0, 1, 1], [0, 0, 1], [0, 1, 1]])
    b = np.array([[0, 1, 1], [0, 1, 1], [0, 0, 1]])
    r = agreement(a, b, IDS)
    assert r["themes"]["a"]["kappa"] is None and r["themes"]["a"]["alpha"] is None
    assert "no variation" in r["themes"]["a"]["note"]
    assert r["themes"]["a"]["observed_agreement"] == 1.0
    assert r["themes"]["c"]["kappa"] is None  # all ones on both sides
    assert r["themes"]["b"]["kappa"] is not None
    assert r["mean_kappa"] == pytest.approx(r["themes"]["b"]["kappa"])
    # one coder constant, the other not: kappa is defined (0 here), alpha too
    r2 = agreement(np.array([[0], [0], [0], [0]]), np.array([[0], [1], [0], [0]]), ["x"])
    assert r2["themes"]["x"]["kappa"] == pytest.approx(0.0)
    assert r2["themes"]["x"]["alpha"] is not None
    format_agreement(r)


def test_agreement_length_mismatch():
    with pytest.raises(ValueError, match="same texts"):
        agreement(np.zeros((3, 3)), np.zeros((4, 3)), IDS)


def test_kfold_is_stratified_deterministic_and_a_partition():
    Y = random_labels(n=200, k=4, seed=5, p=0.08)
    cv = MultilabelStratifiedKFold(n_splits=5, random_state=0)
    folds = list(cv.split(None, Y))
    assert [list(te) for _, te in folds] == [list(te) for _, te in cv.split(np.zeros(len(Y)), Y)]
    assert cv.get_n_splits() == 5
    seen = np.concatenate([te for _, te in folds])
    assert sorted(seen) == list(range(200))
    total = Y.sum(axis=0)
    for tr, te in folds:
        assert not set(tr) & set(te)
        # every label lands in every fold close to its share
        assert np.all(np.abs(Y[te].sum(axis=0) - total / 5) <= 1.5)


def test_train_test_split_keeps_rare_labels_on_both_sides():
    Y = np.zeros((100, 2), dtype=int)
    Y[:5, 0] = 1  # a rare label: 5 positives
    Y[50:80, 1] = 1
    tr, te = multilabel_train_test_split(Y, test_size=0.2, seed=0)
    assert len(te) == 20 and len(tr) == 80
    assert Y[te, 0].sum() == 1 and Y[tr, 0].sum() == 4
    assert Y[te, 1].sum() == 6


def test_macro_f1_interval_is_wide_on_few_texts_and_narrow_on_many():
    from insightkit.evaluate import few_data_warnings, macro_f1_interval

    rng = np.random.default_rng(3)
    ids = ["a", "b"]

    def noisy(n):
        yt = rng.integers(0, 2, (n, 2))
        yp = yt.copy()
        flip = rng.random((n, 2)) < 0.15
        yp[flip] = 1 - yp[flip]
        return yt, yp

    lo10, hi10 = macro_f1_interval(*noisy(10), ids, seed=1)
    lo1k, hi1k = macro_f1_interval(*noisy(1000), ids, seed=1)
    assert hi10 - lo10 > 3 * (hi1k - lo1k)
    assert 0.75 < lo1k < hi1k < 0.95
    yt, yp = noisy(40)
    assert macro_f1_interval(yt, yp, ids, seed=7) == macro_f1_interval(yt, yp, ids, seed=7)
    assert few_data_warnings(25, {"a": 3, "b": 30}, what="x", min_texts=50, min_positives=10) == [
        "x has only 25 texts (fewer than 50): its scores are not to be trusted",
        "x: fewer than 10 positive examples for a (3)"]
    assert few_data_warnings(500, {"a": 30}, what="x", min_texts=50, min_positives=10) == []


def test_gwet_ac1_hand_computed():
    from insightkit.evaluate import gwet_ac1

    a = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    b = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    # po = 0.9; pi = (0.2 + 0.1) / 2 = 0.15; pe = 2 * 0.15 * 0.85 = 0.255; AC1 = 0.645 / 0.745
    assert gwet_ac1(a, b) == pytest.approx(0.645 / 0.745)
    assert gwet_ac1([0] * 10, [0] * 10) == pytest.approx(1.0)  # kappa is undefined here, AC1 is not
    assert gwet_ac1([], []) is None
    assert gwet_ac1([1, 0], [0, 1]) == pytest.approx(-1.0)
