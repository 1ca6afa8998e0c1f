"""ThemeClassifier: scikit-learn behaviour, input checks, tagging, and the pickle-free model folder.

Most tests use the TF-IDF views only, so they run without the sentence encoder; the tests that need
embeddings are marked slow and stay small (a few dozen texts).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from _themes_small import THEMES, frame
from insightkit.classify import ThemeClassifier, load_model, tune_thresholds
from insightkit.classify.persist import _canonical, _sha256_bytes
from insightkit.classify.views import _NN_TEMPERATURE, _neighbour_scores
from insightkit.codebook import Codebook
from insightkit.errors import ModelError

FAST = dict(features=("words", "chars"))


@pytest.fixture(scope="module")
def fast_model(data):
    X, Y = data
    return ThemeClassifier(Codebook.default(), **FAST).fit(X, Y)


def test_fit_predict_shapes_and_ranges(fast_model, data):
    X, Y = data
    P = fast_model.predict_proba(X)
    assert P.shape == (len(X), 6)
    assert P.min() >= 0 and P.max() <= 1
    pred = fast_model.predict(X)
    assert set(np.unique(pred)) <= {0, 1}
    assert np.array_equal(pred, (P >= fast_model.thresholds_).astype(int))
    assert fast_model.theme_ids_ == THEMES
    assert len(fast_model.thresholds_) == 6 and np.all((fast_model.thresholds_ > 0) & (fast_model.thresholds_ < 1))
    # fits its own training data well: the model does learn
    assert (pred == Y).mean() > 0.9
    assert fast_model.cv_report_["folds"] == 5


def test_thresholds_are_tuned_not_fixed():
    rng = np.random.default_rng(0)
    Y = np.zeros((200, 2), dtype=int)
    Y[:40, 0] = 1
    Y[:100, 1] = 1
    P = np.where(Y == 1, rng.uniform(0.2, 0.5, Y.shape), rng.uniform(0.0, 0.25, Y.shape))
    th, shared = tune_thresholds(P, Y, shrinkage=0)
    assert 0.19 <= th[0] <= 0.26 and 0.19 <= th[1] <= 0.26
    # with strong shrinkage both move towards the shared threshold
    th2, _ = tune_thresholds(P, Y, shrinkage=1e6)
    assert np.allclose(th2, shared, atol=1e-3)


# --- the neighbours view (precomputed vectors: no sentence encoder needed) ----------------------

def _unit_vectors(n: int, d: int, seed: int) -> np.ndarray:
    V = np.random.default_rng(seed).normal(size=(n, d))
    return (V / np.linalg.norm(V, axis=1, keepdims=True)).astype(np.float32)


def test_neighbour_scores_are_similarity_weighted_shares_of_the_nearest_texts():
    V = _unit_vectors(40, 8, 0).astype(np.float64)
    L = (np.random.default_rng(1).uniform(size=(40, 3)) < 0.4).astype(np.uint8)
    Q = np.random.default_rng(2).normal(size=(7, 8))
    # k=1: a training text is its own nearest neighbour and gets exactly its labels
    assert np.array_equal(_neighbour_scores(V, V, L, 1), L)
    # k at or above the number of training texts: a softmax over all cosine similarities
    Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    w = np.exp(_NN_TEMPERATURE * (Qn @ V.T))
    expected = (w / w.sum(axis=1, keepdims=True)) @ L
    assert np.allclose(_neighbour_scores(Q, V, L, 1000), expected)
    # only the k nearest count: moving the farthest text's labels changes nothing
    P5 = _neighbour_scores(Q[:1], V, L, 5)
    far = np.argmin(Qn[0] @ V.T)
    L2 = L.copy()
    L2[far] = 1 - L2[far]
    assert np.array_equal(_neighbour_scores(Q[:1], V, L2, 5), P5)
    # cosine, so a query's length does not matter; chunking does not change scores
    assert np.allclose(_neighbour_scores(3 * Q, V, L, 5), _neighbour_scores(Q, V, L, 5))
    assert np.allclose(_neighbour_scores(Q, V, L, 5, chunk=2), _neighbour_scores(Q, V, L, 5))
    assert _neighbour_scores(Q, V, L, 5).min() >= 0 and _neighbour_scores(Q, V, L, 5).max() <= 1


def test_neighbours_view_fits_saves_and_loads(data, tmp_path):
    X, Y = data
    E = _unit_vectors(len(X), 384, 0)
    m = ThemeClassifier(Codebook.default(), features=("neighbours",), n_neighbours=1, threshold_folds=0)
    m.fit(X, Y, embeddings=E)
    assert np.array_equal(m.predict_proba(X, embeddings=E), Y)  # each text is its own nearest neighbour
    m5 = clone(m).set_params(n_neighbours=5).fit(X, Y, embeddings=E)
    assert not np.array_equal(m5.predict_proba(X, embeddings=E), m.predict_proba(X, embeddings=E))
    path = m5.save(tmp_path / "m")
    meta = json.loads((path / "meta.json").read_text())
    assert meta["config"]["n_neighbours"] == 5 and meta["embedding"]["used"] is True
    loaded = load_model(path)
    assert loaded.n_neighbours == 5
    assert np.array_equal(loaded.predict_proba(X, embeddings=E), m5.predict_proba(X, embeddings=E))
    # alongside another view, with thresholds tuned on out-of-fold scores of both
    mixed = ThemeClassifier(Codebook.default(), features=("words", "neighbours"), threshold_folds=3,
                            sentence_weight=0.0)
    mixed.fit(X, Y, embeddings=E)
    assert set(mixed.views_) == {"words", "neighbours"} and mixed.cv_report_["folds"] == 3
    words_only = ThemeClassifier(Codebook.default(), features=("words",), threshold_folds=0,
                                 sentence_weight=0.0).fit(X, Y)
    expected = (words_only.predict_proba(X) + m5.set_params(n_neighbours=30).predict_proba(X, embeddings=E)) / 2
    assert np.allclose(mixed.predict_proba(X, embeddings=E), expected)
    with pytest.raises(ValueError, match="n_neighbours must be at least 1"):
        ThemeClassifier(features=("neighbours",), n_neighbours=0).fit(X, Y, embeddings=E)


def test_get_set_params_and_clone():
    m = ThemeClassifier(C_words=3.0, **FAST)
    assert m.get_params()["C_words"] == 3.0
    m.set_params(C_words=5.0, threshold_folds=3)
    c = clone(m)
    assert c.get_params()["C_words"] == 5.0 and c.get_params()["threshold_folds"] == 3
    assert not hasattr(c, "thresholds_")


def test_cross_validate_and_pipeline(data):
    X, Y = data
    cv = KFold(3, shuffle=True, random_state=0)
    res = cross_validate(ThemeClassifier(Codebook.default(), threshold_folds=2, **FAST), X, Y, cv=cv,
                         error_score="raise")
    assert len(res["test_score"]) == 3
    assert np.all((res["test_score"] >= 0) & (res["test_score"] <= 1))
    pipe = Pipeline([("lower", FunctionTransformer(lambda xs: [x.lower() for x in xs])),
                     ("themes", ThemeClassifier(Codebook.default(), threshold_folds=2, **FAST))])
    pipe.fit(X, Y)
    assert pipe.predict(X[:5]).shape == (5, 6)
    assert pipe.predict_proba(X[:5]).shape == (5, 6)


def test_dataframe_input_and_label_frame(data):
    X, Y = data
    df = frame()
    m = ThemeClassifier(Codebook.default(), **FAST).fit(df, df[THEMES[::-1]])  # columns found by theme id
    assert np.allclose(m.predict_proba(df), ThemeClassifier(Codebook.default(), **FAST).fit(X, Y).predict_proba(X))


def test_no_codebook_names_themes_after_label_columns():
    df = frame().rename(columns={"epr": "Patient records & EPR"})
    m = ThemeClassifier(**FAST).fit(df["text"], df[["Patient records & EPR", "data"]])
    assert m.theme_ids_ == ["patient_records_epr", "data"]


def test_input_validation_messages(data):
    X, Y = data
    m = ThemeClassifier(Codebook.default(), **FAST)
    with pytest.raises(ValueError, match="not a single string"):
        m.fit("one text", Y[:1])
    with pytest.raises(ValueError, match="44 texts but Y has 43"):
        m.fit(X, Y[:-1])
    with pytest.raises(ValueError, match="0 or 1"):
        m.fit(X, Y * 2)
    Y0 = Y.copy()
    Y0[:, 2] = 0
    with pytest.raises(ValueError, match="theme 'data' has 0 positive"):
        m.fit(X, Y0)
    with pytest.raises(ValueError, match="item 3 of X is int"):
        m.fit(X[:3] + [5] + X[4:], Y)
    with pytest.raises(ValueError, match="empty"):
        m.fit([""] + X[1:], Y)
    with pytest.raises(ValueError, match="unknown feature"):
        ThemeClassifier(features=("bag",)).fit(X, Y)
    with pytest.raises(ValueError, match="6 themes"):
        m.fit(X, Y[:, :5])


def test_tag_keeps_rows_and_columns(fast_model):
    seg = pd.DataFrame({"segment_id": ["s1", "s2", "s3"], "speaker": ["P01", "P02", "P01"],
                        "text": ["The EPR went live last month on the wards.", "", None]})
    out = fast_model.tag(seg)
    assert list(out.columns[:3]) == ["segment_id", "speaker", "text"]
    assert len(out) == 3 and out["segment_id"].tolist() == ["s1", "s2", "s3"]
    for t in THEMES:
        assert f"theme_{t}" in out and f"score_{t}" in out
    assert out.loc[0, "theme_epr"] == 1
    assert (out.loc[1:, [f"score_{t}" for t in THEMES]].to_numpy() == 0).all()  # empty text: no theme
    with pytest.raises(ValueError, match="no text column 'body'"):
        fast_model.tag(seg, text_column="body")


# --- the model folder -------------------------------------------------------------------------

def test_save_load_round_trip_without_pickle(fast_model, data, tmp_path):
    X, _ = data
    path = fast_model.save(tmp_path / "m")
    files = sorted(p.name for p in path.iterdir())
    assert files == ["meta.json", "vocab_chars.json", "vocab_words.json", "weights.safetensors"]
    for p in path.iterdir():
        head = p.read_bytes()[:2]
        assert not head.startswith(b"\x80"), f"{p.name} looks like a pickle"
        assert p.suffix not in (".pkl", ".pickle", ".joblib", ".npy")
    meta = json.loads((path / "meta.json").read_text())
    assert meta["format_version"] == 1 and meta["codebook"]["themes"][0]["id"] == "epr"
    assert set(meta["files"]) == {"weights.safetensors", "vocab_words.json", "vocab_chars.json"}
    assert len(meta["embedding"]["sha256"]) == 64 and len(meta["training_data"]["sha256"]) == 64
    assert meta["thresholds"]["epr"] == pytest.approx(fast_model.thresholds_[0])
    loaded = load_model(path)
    assert np.array_equal(loaded.predict_proba(X), fast_model.predict_proba(X))
    assert loaded.codebook_ == fast_model.codebook_


def test_altered_or_extra_files_are_refused(fast_model, tmp_path):
    path = fast_model.save(tmp_path / "m")
    bad = tmp_path / "altered"
    shutil.copytree(path, bad)
    w = bytearray((bad / "weights.safetensors").read_bytes())
    w[-1] ^= 1
    (bad / "weights.safetensors").write_bytes(bytes(w))
    with pytest.raises(ModelError, match="weights.safetensors: file was altered"):
        load_model(bad)

    extra = tmp_path / "extra"
    shutil.copytree(path, extra)
    (extra / "head.pkl").write_bytes(b"\x80\x04N.")
    with pytest.raises(ModelError, match="unexpected file.*head.pkl"):
        load_model(extra)

    edited = tmp_path / "edited"
    shutil.copytree(path, edited)
    meta = json.loads((edited / "meta.json").read_text())
    meta["thresholds"]["epr"] = 0.01
    (edited / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="metadata was altered"):
        load_model(edited)

    gone = tmp_path / "gone"
    shutil.copytree(path, gone)
    (gone / "vocab_words.json").unlink()
    with pytest.raises(ModelError, match="vocab_words.json listed in meta.json is missing"):
        load_model(gone)
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "nowhere")


def test_mismatched_embedding_model_is_refused(fast_model, tmp_path):
    path = fast_model.save(tmp_path / "m")
    meta = json.loads((path / "meta.json").read_text())
    meta["embedding"]["used"] = True
    meta["embedding"]["sha256"] = "0" * 64
    meta["meta_sha256"] = _sha256_bytes(_canonical(meta))  # a consistent folder, wrong encoder
    (path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="trained with embedding weights sha256 0000"):
        load_model(path)


def test_training_twice_gives_identical_files(data, tmp_path):
    X, Y = data
    a = ThemeClassifier(Codebook.default(), **FAST).fit(X, Y).save(tmp_path / "a")
    b = ThemeClassifier(Codebook.default(), **FAST).fit(X, Y).save(tmp_path / "b")
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), n
    # and a different seed changes the folds, so the tuned thresholds may change, but never the format
    c = ThemeClassifier(Codebook.default(), seed=1, **FAST).fit(X, Y).save(tmp_path / "c")
    assert sorted(p.name for p in c.iterdir()) == names


def test_saving_over_an_old_model_removes_its_stale_files(fast_model, data, tmp_path):
    X, Y = data
    path = tmp_path / "m"
    fast_model.save(path)
    ThemeClassifier(Codebook.default(), features=("words",)).fit(X, Y).save(path)
    assert not (path / "vocab_chars.json").exists()
    load_model(path)


def test_labelled_corpus_meets_its_spec_and_rebuilds_identically(repo_root):
    """train.csv/dev.csv are what build_splits.py makes from the parts, and the corpus is big enough."""
    import subprocess
    import sys

    folder = repo_root / "corpora" / "labelled"
    if not (folder / "train.csv").is_file():
        pytest.skip("the labelled corpus is not in this checkout")
    res = subprocess.run([sys.executable, str(folder / "build_splits.py"), "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    train = pd.read_csv(folder / "train.csv", keep_default_na=False)
    dev = pd.read_csv(folder / "dev.csv", keep_default_na=False)
    both = pd.concat([train, dev])
    assert len(both) >= 1000 and not set(train["id"]) & set(dev["id"])
    assert (both[THEMES].sum() >= 150).all()
    k = both[THEMES].sum(axis=1)
    assert (k == 0).sum() >= 150 and (k >= 2).mean() >= 0.25
    assert set(both["style"]) == {"survey", "interview", "prose"}
    assert 0.15 <= len(dev) / len(both) <= 0.25
