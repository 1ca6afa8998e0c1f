"""The fast CPU mode: a separately trained head on static (model2vec) vectors, its model folder, the
streaming ``insightkit tag --fast`` and Spark at speed="fast".

The static table is distilled from MiniLM once per test session (about a minute on two cores) into
the session's private cache; everything else is small.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from _themes_small import THEMES, frame
from insightkit.codebook import Codebook
from insightkit.errors import ModelError

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

NEW = [
    "The electronic record went live in maternity last week",
    "We patched the firewalls after the cyber alert",
    "",
    "Nobody trusts the dashboard figures on waiting lists",
    "=SUM(A1:A3) is not a formula here",
    "The electronic record went live in maternity last week",
    "Our board signed off the digital plan, with capital",
    "Nurses asked for time to learn the new tablets",
    "The canteen menu changed",
]


@pytest.fixture(scope="module")
def model(data):
    """A default model with a fast head: main on MiniLM + words, fast on static vectors + words."""
    from insightkit.classify import ThemeClassifier

    texts, Y = data
    return ThemeClassifier(Codebook.default(), features=("embedding", "words"), threshold_folds=2,
                           fast_head=True).fit(texts, Y)


@pytest.fixture(scope="module")
def model_dir(model, tmp_path_factory):
    return model.save(tmp_path_factory.mktemp("fast") / "m")


@pytest.fixture()
def no_minilm(monkeypatch):
    """Fail the test if the sentence-transformer is loaded or asked to encode."""
    from insightkit import embed

    def boom(*a, **k):
        raise AssertionError("MiniLM was loaded in fast mode")

    monkeypatch.setattr(embed.Embedder, "model", property(boom))
    monkeypatch.setattr(embed.Embedder, "encode_uncached", boom)
    monkeypatch.setattr(embed.Embedder, "encode", boom)


def test_fast_head_is_separate_and_scores_differently(model, data):
    texts, _ = data
    assert model.fast_ is not None and model.fast_.speed == "fast"
    assert model.fast_.thresholds_.shape == model.thresholds_.shape
    assert model.fast_.cv_report_ is not None  # its own cross-validated thresholds
    emb_dim = model.fast_.views_["embedding"]["coef"].shape[1]
    assert emb_dim == model.fast_.embedder_.dim != model.views_["embedding"]["coef"].shape[1]
    P_def, P_fast = model.predict_proba(NEW), model.at_speed("fast").predict_proba(NEW)
    assert P_def.shape == P_fast.shape == (len(NEW), len(THEMES))
    assert not np.allclose(P_def, P_fast)
    assert (P_fast[2] == 0).all()  # empty text
    np.testing.assert_array_equal(model.at_speed("fast").predict(NEW),
                                  (P_fast >= model.fast_.thresholds_).astype(int))
    tagged = model.at_speed("fast").tag(pd.DataFrame({"id": range(len(NEW)), "text": NEW}))
    assert tagged["id"].tolist() == list(range(len(NEW)))
    np.testing.assert_array_equal(tagged[[f"theme_{t}" for t in THEMES]].to_numpy(),
                                  model.at_speed("fast").predict(NEW))


def test_fast_predict_after_load_never_loads_minilm(model, model_dir, no_minilm):
    from insightkit.classify import load_model
    from insightkit.embed import encoder

    encoder._EMBEDDERS.clear()
    loaded = load_model(model_dir)
    P = loaded.at_speed("fast").predict_proba(NEW)
    np.testing.assert_array_equal(P, model.at_speed("fast").predict_proba(NEW))  # identical after the round trip
    loaded.at_speed("fast").tag(pd.DataFrame({"text": NEW}))
    # a MiniLM-only path is refused by the fixture, so the default speed must fail here
    with pytest.raises(AssertionError, match="MiniLM was loaded"):
        loaded.predict_proba(NEW)


def test_fast_only_estimator_trains_without_minilm_and_works_with_sklearn(data, no_minilm):
    from sklearn.base import clone
    from sklearn.model_selection import KFold, cross_validate

    from insightkit.classify import ThemeClassifier

    texts, Y = data
    est = ThemeClassifier(Codebook.default(), speed="fast", threshold_folds=0, features=("embedding", "chars"))
    assert clone(est).get_params()["speed"] == "fast"
    res = cross_validate(est, np.array(texts, dtype=object), Y, cv=KFold(3, shuffle=True, random_state=0))
    assert len(res["test_score"]) == 3 and np.isfinite(res["test_score"]).all()
    fitted = clone(est).fit(texts, Y)
    assert fitted.predict(NEW).shape == (len(NEW), len(THEMES))
    with pytest.raises(ModelError, match="fast-only"):
        fitted.at_speed("default").predict(NEW)


def test_round_trip_identical_scores_and_folder_layout(model, model_dir):
    from insightkit.classify import load_model, verify_model_folder

    meta = verify_model_folder(model_dir)
    assert meta["fast"]["folder"] == "fast"
    assert {"fast/meta.json", "fast/weights.safetensors", "fast/vocab_words.json"} <= set(meta["files"])
    fast_meta = verify_model_folder(model_dir / "fast")
    static = fast_meta["embedding"]["static"]
    assert static == {k: v for k, v in model.fast_.embedder_.describe().items()}
    assert fast_meta["config"]["speed"] == "fast" and meta["config"]["speed"] == "default"
    loaded = load_model(model_dir)
    for speed in ("default", "fast"):
        np.testing.assert_array_equal(loaded.at_speed(speed).predict_proba(NEW), model.at_speed(speed).predict_proba(NEW))
        np.testing.assert_array_equal(loaded.at_speed(speed).thresholds_, model.at_speed(speed).thresholds_)
    # the fast sub-folder is a model of its own
    alone = load_model(model_dir / "fast")
    np.testing.assert_array_equal(alone.predict_proba(NEW), model.at_speed("fast").predict_proba(NEW))


def test_altered_fast_weights_are_refused(model_dir, tmp_path):
    import shutil

    from insightkit.classify import load_model

    bad = tmp_path / "bad"
    shutil.copytree(model_dir, bad)
    w = bad / "fast" / "weights.safetensors"
    data = bytearray(w.read_bytes())
    data[-3] ^= 0x01
    w.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="altered"):
        load_model(bad)
    with pytest.raises(ModelError, match="altered"):
        load_model(bad / "fast")


def test_a_different_static_table_is_refused_not_redistilled(model_dir, tmp_path, monkeypatch):
    """A fast head whose recorded table is not the one in use fails with a clear ModelError."""
    from insightkit import classify
    from insightkit.classify import load_model

    loaded = load_model(model_dir)
    fast = loaded.fast_
    fast.static_meta_ = {**fast.static_meta_, "sha256": "0" * 64,
                         "fingerprint": np.asarray(fast.static_meta_["fingerprint"]) + 0.01}
    with pytest.raises(ModelError, match="differ from the ones the fast head was trained on"):
        loaded.at_speed("fast").predict_proba(NEW)
    # float noise (another CPU) within the tolerance is accepted
    again = load_model(model_dir).fast_
    again.static_meta_ = {**again.static_meta_, "sha256": "0" * 64,
                          "fingerprint": np.asarray(again.static_meta_["fingerprint"])
                          + 0.1 * classify.STATIC_FINGERPRINT_TOL}
    assert again.predict_proba(NEW).shape == (len(NEW), len(THEMES))
    # other distillation settings: refused
    third = load_model(model_dir).fast_
    third.static_meta_ = {**third.static_meta_, "settings": {**third.static_meta_["settings"], "pooling": "last"}}
    with pytest.raises(ModelError, match="not those the fast head was trained on"):
        third.predict_proba(NEW)


def test_same_seed_same_fast_weights(model, data, tmp_path):
    from insightkit.classify import ThemeClassifier

    texts, Y = data
    other = ThemeClassifier(Codebook.default(), features=("embedding", "words"), threshold_folds=2,
                            fast_head=True).fit(texts, Y)
    d1, d2 = model.save(tmp_path / "a"), other.save(tmp_path / "b")
    assert (d1 / "fast" / "weights.safetensors").read_bytes() == (d2 / "fast" / "weights.safetensors").read_bytes()
    assert json.loads((d1 / "meta.json").read_text())["fast"] == json.loads((d2 / "meta.json").read_text())["fast"]


def test_model_without_fast_head_names_the_fix(data, tmp_path):
    from insightkit.classify import ThemeClassifier, load_model

    texts, Y = data
    plain = ThemeClassifier(Codebook.default(), features=("words",), threshold_folds=0).fit(texts, Y)
    with pytest.raises(ModelError, match="no fast head.*insightkit train"):
        plain.at_speed("fast").predict(NEW)
    d = plain.save(tmp_path / "plain")
    assert not (d / "fast").exists()
    with pytest.raises(ModelError, match="no fast head"):
        load_model(d).at_speed("fast").tag(pd.DataFrame({"text": NEW}))
    with pytest.raises(ValueError, match="zero-shot models have no fast mode"):
        ThemeClassifier(Codebook.default(), zero_shot=True, speed="fast").fit()


def test_saving_without_a_fast_head_removes_an_old_one(model, data, tmp_path):
    import shutil

    from insightkit.classify import ThemeClassifier, load_model

    d = tmp_path / "m"
    model.save(d)
    texts, Y = data
    ThemeClassifier(Codebook.default(), features=("words",), threshold_folds=0).fit(texts, Y).save(d)
    assert not (d / "fast").exists()
    assert load_model(d).fast_ is None
    shutil.rmtree(d)


# ---------------------------------------------------------------------------------------------
# command line: streaming and atomic output
# ---------------------------------------------------------------------------------------------

def _table(n=40):
    rng = np.random.default_rng(0)
    return pd.DataFrame({"respondent": [f"R{i:04d}" for i in range(n)],
                         "turn": list(range(n)),
                         "text": [NEW[i] for i in rng.integers(0, len(NEW), n)],
                         "region": ["South East"] * n})


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_cli_fast_streaming_equals_in_memory(model, model_dir, tmp_path, ext):
    from insightkit.cli import main
    from insightkit.export import read_table, write_table

    src = tmp_path / f"in{ext}"
    write_table(_table(), src)
    expected = tmp_path / f"expected{ext}"
    write_table(model.at_speed("fast").tag(read_table(src)), expected)
    outs = []
    for chunk in ("3", "1000"):
        out = tmp_path / f"out{chunk}{ext}"
        assert main(["tag", str(src), "--model", str(model_dir), "--fast", "--chunk-rows", chunk,
                     "--out", str(out), "--quiet", "--no-clean"]) == 0
        outs.append(out)
    for out in outs:
        if ext == ".parquet":
            pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(expected))
        else:
            assert out.read_bytes() == expected.read_bytes()
    got = read_table(outs[0])
    assert list(got.columns)[:4] == ["respondent", "turn", "text", "region"]
    assert [c for c in got.columns if c.startswith(("theme_", "score_"))] == \
        [f"theme_{t}" for t in THEMES] + [f"score_{t}" for t in THEMES]
    # default speed through the same command differs from fast (it is another head)
    default_out = tmp_path / f"default{ext}"
    assert main(["tag", str(src), "--model", str(model_dir), "--out", str(default_out), "--quiet", "--no-clean"]) == 0
    expected_default = tmp_path / f"expected_default{ext}"
    write_table(model.tag(read_table(src)), expected_default)
    if ext == ".parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(default_out), pd.read_parquet(expected_default))
        assert not pd.read_parquet(default_out).equals(pd.read_parquet(expected))
    else:
        assert default_out.read_bytes() == expected_default.read_bytes() != expected.read_bytes()


def test_cli_fast_without_fast_head_is_a_one_line_error(data, tmp_path, capsys):
    from insightkit.classify import ThemeClassifier
    from insightkit.cli import main

    texts, Y = data
    d = ThemeClassifier(Codebook.default(), features=("words",), threshold_folds=0).fit(texts, Y).save(tmp_path / "p")
    src = tmp_path / "in.csv"
    _table(5).to_csv(src, index=False)
    assert main(["tag", str(src), "--model", str(d), "--fast", "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "no fast head" in err and err.count("\n") == 1
    assert not (tmp_path / "o.csv").exists()


def test_cli_train_fast_head_by_default_and_no_fast(tmp_path, capsys):
    from insightkit.cli import main

    train = tmp_path / "train.csv"
    frame().to_csv(train, index=False)
    assert main(["train", str(train), "--out", str(tmp_path / "with"), "--dev", str(train), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "fast head" in out and "dev, fast head: macro-F1" in out
    meta = json.loads((tmp_path / "with" / "fast" / "meta.json").read_text())
    assert meta["config"]["speed"] == "fast" and meta["metrics"]["dev"]["n_texts"] == len(frame())
    assert main(["train", str(train), "--out", str(tmp_path / "without"), "--no-fast", "--quiet"]) == 0
    assert not (tmp_path / "without" / "fast").exists()
    assert json.loads((tmp_path / "without" / "meta.json").read_text())["fast"] is None


def test_interrupted_tagging_leaves_no_output_file(model, model_dir, tmp_path, monkeypatch):
    from insightkit.cli import main

    src = tmp_path / "in.csv"
    _table(30).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    fast = model.fast_
    calls = []
    real = type(fast).predict_proba

    def interrupted(self, X, **kw):
        calls.append(len(X))
        if len(calls) == 2:  # the second chunk: the first one is already written to the temp file
            raise KeyboardInterrupt
        return real(self, X, **kw)

    monkeypatch.setattr(type(fast), "predict_proba", interrupted)
    assert main(["tag", str(src), "--model", str(model_dir), "--fast", "--chunk-rows", "10", "--out", str(out),
                 "--quiet", "--no-clean"]) == 130
    assert len(calls) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no output, no temporary file


def test_tag_file_api(model_dir, tmp_path):
    import insightkit

    src = tmp_path / "in.tsv"
    _table(12).to_csv(src, sep="\t", index=False)
    stats = insightkit.tag_file(src, tmp_path / "out.parquet", model_dir, speed="fast", chunk_rows=5,
                                show_progress=False)
    assert stats["rows"] == 12 and stats["chunks"] == 3
    back = pd.read_parquet(tmp_path / "out.parquet")
    assert len(back) == 12 and "score_epr" in back.columns


# ---------------------------------------------------------------------------------------------
# Spark (local mode): the same fast labels as in process
# ---------------------------------------------------------------------------------------------

def test_spark_fast_labels_equal_in_process(spark, model_dir):
    from insightkit.classify import load_model
    from insightkit.spark import tag_spark

    pdf = _table(40)
    sdf = spark.createDataFrame(pdf).repartition(2)
    got = tag_spark(sdf, "text", model_path=str(model_dir), speed="fast").toPandas()
    got = got.sort_values("turn").reset_index(drop=True)
    model = load_model(model_dir)
    expected = model.at_speed("fast").tag(pdf)
    themes = [f"theme_{t}" for t in THEMES]
    scores = [f"score_{t}" for t in THEMES]
    assert list(got.columns) == list(expected.columns)
    assert (got[themes].to_numpy() == expected[themes].to_numpy()).all()
    assert np.abs(got[scores].to_numpy() - expected[scores].to_numpy()).max() < 1e-6
    # and they are the fast head's labels, not the default head's
    assert not np.allclose(got[scores].to_numpy(), model.tag(pdf)[scores].to_numpy())
