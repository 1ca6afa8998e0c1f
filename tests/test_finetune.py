"""Fine-tuning the encoder, weighted training, JSON Lines labels and error rates measured by grouped
cross-validation: small data, real code paths (the shipped model's figures are in benchmarks/)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from insightkit.classify import ThemeClassifier
from insightkit.classify.calibration import grouped_out_of_fold
from insightkit.classify.labelled import read_labelled
from insightkit.embed.finetune import FineTuneSettings
from insightkit.errors import InputError, ParameterError

THEMES = ["epr", "infrastructure_cyber", "data", "strategy", "productivity", "skills"]
TINY = {"epochs": 1, "max_length": 24, "batch_size": 8}


@pytest.fixture(scope="module")
def corpus(repo_root):
    df = pd.read_csv(repo_root / "corpora" / "labelled" / "train.csv", dtype={"text": str}, keep_default_na=False)
    # a small sample with every theme present
    rows = pd.concat([df[df[t] == 1].head(6) for t in THEMES] + [df[df[THEMES].sum(axis=1) == 0].head(6)])
    rows = rows.drop_duplicates("id")
    return list(rows["text"]), rows[THEMES].to_numpy(dtype=int)


@pytest.fixture(scope="module")
def fine_tuned(corpus, tmp_path_factory):
    texts, Y = corpus
    model = ThemeClassifier(fine_tune=TINY, features=("embedding", "words", "neighbours"), threshold_folds=2)
    model.fit(texts, Y)
    folder = tmp_path_factory.mktemp("ft-model")
    model.save(folder)
    return model, folder


def test_fine_tuned_encoder_is_saved_hashed_and_reloaded(fine_tuned, corpus):
    model, folder = fine_tuned
    texts, _ = corpus
    assert (folder / "encoder" / "model.safetensors").is_file()
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["embedding"]["folder"] == "encoder"
    assert meta["embedding"]["fine_tuned"]["settings"]["epochs"] == 1
    assert "encoder/model.safetensors" in meta["files"]
    assert not list(folder.rglob("*.bin")) and not list(folder.rglob("*.pkl"))
    loaded = ThemeClassifier.load(folder)
    assert np.allclose(loaded.predict_proba(texts[:6]), model.predict_proba(texts[:6]), atol=1e-6)
    # the fine-tuned encoder is not the installed one: its vectors differ
    from insightkit.embed import get_embedder

    stock = get_embedder(None).encode(texts[:3])
    tuned = loaded.embedder_.encode(texts[:3])
    assert not np.allclose(stock, tuned, atol=1e-3)


def test_altered_encoder_refuses_to_load(fine_tuned, tmp_path):
    import shutil

    from insightkit.errors import ModelError

    _, folder = fine_tuned
    copy = tmp_path / "m"
    shutil.copytree(folder, copy)
    (copy / "encoder" / "vocab.txt").write_text("tampered\n")
    with pytest.raises(ModelError, match="altered"):
        ThemeClassifier.load(copy)


def test_fine_tuning_is_reproducible_and_cached(corpus, tmp_path, monkeypatch):
    from insightkit.classify.finetuned import fine_tuned_encoder
    from insightkit.embed import model_weights_hash

    texts, Y = corpus
    monkeypatch.setenv("INSIGHTKIT_CACHE_DIR", str(tmp_path / "a"))
    m = ThemeClassifier(fine_tune=TINY, seed=3)
    first = fine_tuned_encoder(m, texts, Y, None)
    monkeypatch.setenv("INSIGHTKIT_CACHE_DIR", str(tmp_path / "b"))
    second = fine_tuned_encoder(m, texts, Y, None)
    assert first != second and model_weights_hash(first) == model_weights_hash(second)
    assert fine_tuned_encoder(m, texts, Y, None) == second  # cached: same folder, not retrained
    # a text weighted 0 never reaches the encoder: same key as without it
    w = np.r_[np.ones(len(texts)), 0.0]
    assert fine_tuned_encoder(m, texts + ["an extra text"], np.vstack([Y, Y[:1]]), w) == second


def test_settings_are_checked():
    with pytest.raises(ParameterError, match="unknown fine-tuning"):
        FineTuneSettings.from_dict({"epoch": 2})
    with pytest.raises(ParameterError):
        FineTuneSettings.from_dict({"epochs": 0})
    with pytest.raises(ParameterError, match="fine_tune"):
        ThemeClassifier(fine_tune={}, zero_shot=True).fit()


def test_sample_weight_moves_the_model(corpus):
    texts, Y = corpus
    a = ThemeClassifier(features=("words",), threshold_folds=0).fit(texts, Y)
    w = np.ones(len(texts))
    w[:6] = 10.0
    b = ThemeClassifier(features=("words",), threshold_folds=0).fit(texts, Y, sample_weight=w)
    assert not np.allclose(a.predict_proba(texts), b.predict_proba(texts))
    c = ThemeClassifier(features=("words",), threshold_folds=0).fit(texts, Y, sample_weight=np.ones(len(texts)))
    assert np.allclose(a.predict_proba(texts), c.predict_proba(texts), atol=1e-6)
    with pytest.raises(ValueError, match="sample_weight"):
        ThemeClassifier(features=("words",), threshold_folds=0).fit(texts, Y, sample_weight=np.ones(3))


def test_jsonl_labels_with_a_themes_list(tmp_path):
    from insightkit.codebook import Codebook

    cb = Codebook.default()
    f = tmp_path / "coded.jsonl"
    f.write_text(json.dumps({"id": "a", "text": "We went live with the EPR.", "themes": ["epr"], "page": "p1"}) + "\n"
                 + json.dumps({"id": "b", "text": "Nothing digital here.", "themes": [], "page": "p2"}) + "\n")
    texts, Y, df = read_labelled(f, cb, "text", require_positives=False)
    assert texts == ["We went live with the EPR.", "Nothing digital here."]
    assert Y[:, cb.ids.index("epr")].tolist() == [1, 0] and Y.sum() == 1
    assert df["page"].tolist() == ["p1", "p2"]
    f.write_text(json.dumps({"text": "x", "themes": ["epr", "nonsense"]}) + "\n")
    with pytest.raises(InputError, match="nonsense") as exc:
        read_labelled(f, cb, "text", require_positives=False)
    assert exc.value.line == 1


def test_grouped_out_of_fold_holds_out_whole_groups(corpus):
    texts, Y = corpus
    base_t, base_Y = texts[:24], Y[:24]
    cal_t, cal_Y = texts[24:], Y[24:]
    groups = [f"g{i // 2}" for i in range(len(cal_t))]
    seen: list[set] = []

    class Spy(ThemeClassifier):
        def fit(self, X=None, Y=None, **kw):
            seen.append(set(X))
            return super().fit(X, Y, **kw)

    oof = grouped_out_of_fold(lambda: Spy(features=("words",), threshold_folds=0), base_t, base_Y, cal_t, cal_Y,
                              groups, folds=3)
    assert oof.tags["default"].shape == cal_Y.shape and oof.folds == 3
    for fitted in seen:  # a text's whole group is either all in a fold's training data or all out
        for g in set(groups):
            members = {t for t, gg in zip(cal_t, groups) if gg == g}
            assert members <= fitted or not (members & fitted)
    rates = oof.error_rates(cal_Y, THEMES, method="test", data={"n_texts": len(cal_t)})
    for t in THEMES:
        c = rates["default"][t]
        assert sum(c.values()) == len(cal_t)
        assert c["tp"] + c["fn"] == int(cal_Y[:, THEMES.index(t)].sum())
    with pytest.raises(ParameterError, match="groups"):
        grouped_out_of_fold(lambda: Spy(), base_t, base_Y, cal_t, cal_Y, ["one"] * len(cal_t), folds=3)


def test_cli_train_add_groups_records_error_rates(corpus, tmp_path):
    from insightkit.cli import main

    texts, Y = corpus
    train = tmp_path / "train.csv"
    pd.DataFrame({"text": texts[:24], **{t: Y[:24, j] for j, t in enumerate(THEMES)}}).to_csv(train, index=False)
    add = tmp_path / "real.jsonl"
    with add.open("w") as f:
        for i, (t, y) in enumerate(zip(texts[24:], Y[24:])):
            f.write(json.dumps({"text": t, "themes": [th for th, v in zip(THEMES, y) if v], "page": f"p{i // 2}"}) + "\n")
    out = tmp_path / "model"
    rc = main(["train", str(train), "--add", str(add), "--groups", "page", "--folds", "3", "--no-fast",
               "--quiet", "--out", str(out)])
    assert rc == 0
    meta = json.loads((out / "meta.json").read_text())
    er = meta["error_rates"]
    assert "grouped by 'page'" in er["method"] and er["data"]["n_texts"] == len(texts) - 24
    assert set(er["default"]) == set(THEMES)
    assert meta["training_data"]["n_texts"] == len(texts)
    assert meta["training_data"]["file"]["added"][0]["weight"] == 3.0
    # a missing group column is a one-line input error
    rc = main(["train", str(train), "--add", str(add), "--groups", "nope", "--no-fast", "--quiet",
               "--out", str(tmp_path / "m2")])
    assert rc == 2
