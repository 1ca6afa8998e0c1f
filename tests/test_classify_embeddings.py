"""ThemeClassifier with the sentence encoder: embeddings reused, zero-shot mode, the shipped model.

Slow (loads all-MiniLM-L6-v2) but small: a few dozen texts.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _themes_small import THEMES
from insightkit.classify import ThemeClassifier, default_theme_model_path, load_model, verify_model_folder
from insightkit.codebook import Codebook
from insightkit.embed import get_embedder, model_weights_hash

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model(data):
    X, Y = data
    return ThemeClassifier(Codebook.default(), threshold_folds=3).fit(X, Y)


def test_embedding_view_is_used_and_texts_are_encoded_once(model, data):
    X, _ = data
    assert "embedding" in model.views_
    emb = get_embedder()
    before = emb.n_encoded
    model.predict_proba(X)
    model.tag(pd.DataFrame({"text": X}))
    assert emb.n_encoded == before  # already encoded while fitting: served from the cache


def test_precomputed_embeddings_are_accepted(model, data):
    X, _ = data
    E = get_embedder().encode(X)
    assert np.allclose(model.predict_proba(X, embeddings=E), model.predict_proba(X))
    df = pd.DataFrame({"text": X, "embedding": list(E)})
    assert np.allclose(model.predict_proba(df), model.predict_proba(X))
    # embeddings are really read from the argument: other vectors give other scores
    assert not np.allclose(model.predict_proba(X, embeddings=E[::-1].copy()), model.predict_proba(X))
    with pytest.raises(ValueError, match="shape"):
        model.predict_proba(X, embeddings=E[:3])
    with pytest.raises(ValueError, match="dimensions"):
        model.predict_proba(X, embeddings=np.zeros((len(X), 5)))


def test_saved_model_records_the_encoder_hash(model, tmp_path):
    path = model.save(tmp_path / "m")
    meta = verify_model_folder(path)
    assert meta["embedding"]["sha256"] == model_weights_hash(get_embedder().model_path)
    assert meta["embedding"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert meta["embedding"]["used"] is True


def test_zero_shot_from_the_codebook_alone():
    zs = ThemeClassifier.zero_shot_model(Codebook.default())
    texts = [
        "We finally switched on the electronic patient record and said goodbye to paper notes.",
        "The firewall replacement and a ransomware drill were the big pieces of work this year.",
        "Managers now decide where to open beds from a live dashboard of admissions data.",
        "The cafe in the main entrance has new opening hours.",
    ]
    P = zs.predict_proba(texts)
    assert P.shape == (4, 6) and P.min() >= 0 and P.max() <= 1
    assert P[0].argmax() == 0 and P[1].argmax() == 1 and P[2].argmax() == 2
    pred = zs.predict(texts)
    assert pred[0, 0] == 1 and pred[1, 1] == 1 and pred[2, 2] == 1
    assert pred[3].sum() == 0  # unrelated text: no theme
    # a new codebook with no labelled texts at all
    cb = Codebook.from_dict({"name": "food", "themes": [
        {"id": "food", "label": "Food", "description": "Meals, menus, snacks and drinks for patients."},
        {"id": "parking", "label": "Parking", "description": "Car parks, parking charges and spaces."}]})
    zs2 = ThemeClassifier(cb, zero_shot=True).fit()
    p2 = zs2.predict(["The soup was cold and the sandwiches stale.", "Could not find a space in the car park."])
    assert p2.tolist() == [[1, 0], [0, 1]]


def test_zero_shot_model_round_trips(tmp_path):
    zs = ThemeClassifier.zero_shot_model(Codebook.default())
    path = zs.save(tmp_path / "zs")
    loaded = load_model(path)
    texts = ["Our cyber team ran a phishing test.", "New digital strategy signed off by the board."]
    assert np.allclose(loaded.predict_proba(texts), zs.predict_proba(texts))


def test_shipped_default_model_loads_and_matches_its_packaged_copy():
    repo_copy = REPO / "models" / "nhs-digital"
    pkg_copy = REPO / "insightkit" / "data" / "models" / "nhs-digital"
    if not (repo_copy / "meta.json").is_file():
        pytest.skip("the default model has not been trained in this checkout")
    assert pkg_copy.is_dir(), "the package must ship a copy of models/nhs-digital"
    def files(folder):  # the fast head lives in a sub-folder
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())

    names = files(repo_copy)
    assert names == files(pkg_copy)
    assert "fast/meta.json" in names, "the shipped model carries a fast head"
    for n in names:
        assert (repo_copy / n).read_bytes() == (pkg_copy / n).read_bytes(), f"{n} differs between copies"
    assert default_theme_model_path() in (repo_copy, pkg_copy)
    model = load_model()
    assert model.theme_ids_ == THEMES
    meta = json.loads((repo_copy / "meta.json").read_text())
    assert meta["training_data"]["n_texts"] >= 800
    for p in (p for p in repo_copy.rglob("*") if p.is_file()):
        assert p.suffix in (".json", ".safetensors"), f"unexpected file type in the model folder: {p.name}"
    out = model.tag(pd.DataFrame({"text": ["We went live with e-prescribing across the trust last autumn."]}))
    assert out.loc[0, "theme_epr"] == 1
    fast = model.at_speed("fast").tag(
        pd.DataFrame({"text": ["We went live with e-prescribing across the trust last autumn."]}))
    assert fast.loc[0, "theme_epr"] == 1
