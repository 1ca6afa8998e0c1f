"""Topic modelling logic on synthetic embeddings (fast: the encoder is never loaded here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insightkit.topics import TopicModel, discover_topics
from insightkit.topics.emergent import split_emergent
from insightkit.topics.tables import topics_by, topics_over_time
from insightkit.topics.labels import compose_label, key_phrases, tidy_keywords
from insightkit.topics.params import MIN_SEGMENTS, UMAP_MIN_SEGMENTS, choose_params, strip_placeholders
from topics_helpers import (
    THEMES,
    ExplodingEmbedder,
    HashEmbedder,
    fixture_groups,
    group_embeddings,
    planted_table,
    stand_in_codebook,
)


# --- the size rule -------------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 5, 7, 8, 12, 25, 40, 99, 100, 101, 500, 5000, 10000, 100000])
def test_params_are_valid_for_every_corpus_size(n):
    p = choose_params(n)
    if n < MIN_SEGMENTS:
        assert p.method == "none"
        return
    assert 2 <= p.min_cluster_size <= n // 2
    if n < UMAP_MIN_SEGMENTS:
        assert p.method == "agglomerative" and p.n_neighbors is None
        assert 1 <= p.max_topics <= max(1, n // p.min_cluster_size)
    else:
        assert p.method == "umap+hdbscan"
        assert 5 <= p.n_neighbors <= 15 and p.n_neighbors < n
        assert p.n_components == 5 and p.n_components < n - 1
        assert 2 <= p.min_samples <= p.min_cluster_size
        assert p.max_cluster_size >= 2 * p.min_cluster_size


def test_params_grow_with_corpus_and_honour_override():
    sizes = [choose_params(n).min_cluster_size for n in (100, 400, 2500, 10000)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    assert choose_params(10000).min_cluster_size == 50  # sqrt(10000) / 2
    assert choose_params(5000, min_topic_size=12).min_cluster_size == 12


# --- small inputs never crash ----------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 3, 7])
def test_too_few_segments_gives_a_message_not_an_exception(n):
    texts = [f"answer number {i} about the wifi" for i in range(n)]
    res = discover_topics(texts, embeddings=group_embeddings(["a"] * n), embedder=ExplodingEmbedder())
    assert "too few segments" in res.message
    assert len(res.segments) == n
    assert (res.segments["topic"] == -1).all()
    assert list(res.topics["topic"]) == [-1]


def test_empty_input_is_reported():
    res = discover_topics(pd.DataFrame({"text": ["", "   ", None]}), embedder=ExplodingEmbedder())
    assert len(res.segments) == 3 and res.segments["topic"].isna().all()
    assert set(res.rejected["reason"]) == {"empty_text"}
    assert "too few segments" in res.message


def test_25_answers_with_three_subjects_give_topics():
    groups = ["wifi"] * 9 + ["training"] * 8 + ["dashboards"] * 8
    texts = [f"{g} comment {i}" for i, g in enumerate(groups)]
    res = discover_topics(texts, embeddings=group_embeddings(groups, seed=3), embedder=ExplodingEmbedder())
    assert res.params["main"]["method"] == "agglomerative"
    topics = res.segments["topic"].astype(int).to_numpy()
    # each subject is one topic and no two subjects share one
    by_group = pd.crosstab(pd.Series(groups), pd.Series(topics))
    assert (by_group.gt(0).sum(axis=1) == 1).all()
    assert (by_group.gt(0).sum(axis=0) == 1).all()


@pytest.mark.parametrize("n", [8, 9, 25, 60, 99])
def test_degenerate_small_inputs(n):
    # every answer the same text and vector: one topic (or outliers), never an exception
    same = ["No comment"] * n
    res = discover_topics(same, embeddings=np.ones((n, 16), dtype=np.float32), embedder=ExplodingEmbedder())
    assert res.segments["topic"].notna().all()
    assert res.segments["topic"].nunique() == 1
    # random noise: no structure to find
    noise = np.random.default_rng(n).standard_normal((n, 16)).astype(np.float32)
    res = discover_topics([f"t{i}" for i in range(n)], embeddings=noise, embedder=ExplodingEmbedder())
    assert len(res.segments) == n and res.segments["topic"].notna().all()


def test_interviewer_turns_and_empty_rows_are_kept_and_listed():
    df = pd.DataFrame({
        "segment_id": [f"s{i}" for i in range(12)],
        "role": ["interviewer", "participant"] * 6,
        "text": ["What about the EPR?", "The EPR went live in May", "", "We retrained everyone"] * 3,
    })
    res = discover_topics(df, embeddings=group_embeddings(["q", "a", "e", "b"] * 3), embedder=ExplodingEmbedder())
    assert list(res.segments["segment_id"]) == list(df["segment_id"])  # every row, in order
    assert res.segments.loc[df["role"] == "interviewer", "topic"].isna().all()
    assert set(res.rejected["reason"]) == {"interviewer_turn", "empty_text"}
    assert set(res.rejected["id"]) == set(df.loc[(df["role"] == "interviewer") | (df["text"] == ""), "segment_id"])
    assert "see rejected" in res.message


def test_embeddings_must_match_rows():
    with pytest.raises(Exception, match="embeddings have 3 rows"):
        discover_topics(["a b", "c d", "e f", "g h"], embeddings=np.ones((3, 4)), embedder=ExplodingEmbedder())


# --- reproducibility (UMAP + HDBSCAN path) --------------------------------------------------------

def test_two_runs_give_identical_topics():
    df = planted_table()
    emb = group_embeddings(fixture_groups(df), seed=7)
    a = discover_topics(df, embeddings=emb, embedder=ExplodingEmbedder(), subthemes=False, emergent=False)
    b = discover_topics(df, embeddings=emb, embedder=ExplodingEmbedder(), subthemes=False, emergent=False)
    assert a.params["main"]["method"] == "umap+hdbscan"
    assert a.segments["topic"].equals(b.segments["topic"])
    pd.testing.assert_frame_equal(a.topics, b.topics)
    assert (a.topics["topic"] != -1).sum() >= 5  # six themes, planted group and chatter are found


# --- emergent themes -------------------------------------------------------------------------------

def test_planted_group_lands_in_emergent_topics():
    df = planted_table()
    emb = group_embeddings(fixture_groups(df), seed=11)
    res = discover_topics(df, embeddings=emb, embedder=ExplodingEmbedder())
    planted = res.segments["planted"] == "1"
    assert res.segments.loc[planted, "topic_emergent"].astype(bool).mean() >= 0.8
    # themed topics are not emergent and carry their theme
    themed_topics = res.topics[(res.topics["topic"] != -1) & ~res.topics["emergent"]]
    assert len(themed_topics) >= 4 and set(themed_topics["theme"]) <= set(THEMES)
    assert (res.topics.loc[res.topics["emergent"], "theme"] == "").all()
    # the separate model of open segments reports the group as a candidate with examples
    cand = res.segments.loc[planted, "emergent_candidate"].dropna().astype(int)
    top = cand.value_counts().index[0]
    assert (cand == top).sum() >= 0.8 * planted.sum()
    row = res.emergent.set_index("candidate").loc[top]
    assert row["size"] >= 24 and row["keywords"] and row["representative_ids"]
    ids = [x.strip() for x in row["representative_ids"].split(";")]
    assert set(ids) <= set(df.loc[planted, "segment_id"])
    # sub-themes: one table per theme, all with enough tagged segments
    assert set(res.subthemes) == set(THEMES)
    assert all((t["theme"] == k).all() for k, t in res.subthemes.items())


def test_emergent_flag_follows_the_share_rule():
    df = planted_table()
    emb = group_embeddings(fixture_groups(df), seed=11)
    res = discover_topics(df, embeddings=emb, embedder=ExplodingEmbedder(), subthemes=False, emergent=False)
    seg = res.segments[res.segments["topic"].notna()]
    tags = seg[[f"theme_{t}" for t in THEMES]].astype(int).to_numpy()
    scores = seg[[f"score_{t}" for t in THEMES]].astype(float).to_numpy()
    open_ = (tags.sum(axis=1) == 0) | (scores.max(axis=1) < 0.35)
    for _, r in res.topics[res.topics["topic"] != -1].iterrows():
        share = open_[seg["topic"].astype(int).to_numpy() == r["topic"]].mean()
        assert r["open_share"] == pytest.approx(share, abs=1e-4)
        assert r["emergent"] == (share >= 0.5)


def test_untagged_table_has_no_emergent_flags_and_says_why():
    df = planted_table()[["segment_id", "text"]]
    res = discover_topics(df, embeddings=group_embeddings(fixture_groups(planted_table()), seed=2),
                          embedder=ExplodingEmbedder())
    assert not res.topics["emergent"].any() and (res.topics["theme"] == "").all()
    assert "no theme_<id> columns" in res.message
    assert res.subthemes == {} and len(res.emergent) == 0


def test_split_off_an_open_group_merged_into_a_themed_topic():
    rng = np.random.default_rng(0)
    groups = ["epr"] * 40 + ["vw"] * 20
    emb = group_embeddings(groups, seed=5)
    topics = np.zeros(60, dtype=int)  # clustering merged both into topic 0
    open_ = np.array([False] * 40 + [True] * 20)
    new, notes = split_emergent(topics, emb, open_, min_size=6, share=0.5, seed=42)
    assert set(new[40:]) == {1} and set(new[:40]) == {0} and len(notes) == 1
    # open segments scattered through one coherent topic (what a classifier missed) stay put
    one = group_embeddings(["epr"] * 60, seed=5)
    scattered = np.zeros(60, dtype=bool)
    scattered[rng.choice(60, size=15, replace=False)] = True
    same, notes = split_emergent(np.zeros(60, dtype=int), one, scattered, min_size=6, share=0.5, seed=42)
    assert (same == 0).all() and notes == []


# --- labels -------------------------------------------------------------------------------------

def test_tidy_keywords_removes_repeats_and_prefers_phrases():
    assert tidy_keywords(["ward", "wards", "virtual", "virtual wards", "listened", "listening", "home"]) == [
        "virtual wards", "listened", "home"]
    assert tidy_keywords(["friendly staff", "staff friendly", "staff", "helpful"]) == ["friendly staff", "helpful"]
    assert compose_label("mental health", ["mental", "health", "therapy", "cpn", "crisis", "beds"]) == \
        "mental health, therapy, cpn, crisis"


def test_keywords_skip_stop_filler_words_and_placeholders():
    texts = ([f"um yeah so [PERSON] said the wifi on ward {i} keeps dropping, you know, like" for i in range(12)]
             + [f"[ORG_2] erm basically the training for nurses was good, I mean it, session {i}" for i in range(12)])
    groups = ["wifi"] * 12 + ["training"] * 12
    res = discover_topics(texts, embeddings=group_embeddings(groups, seed=1), embedder=ExplodingEmbedder())
    words = {w.strip() for kws in res.topics["keywords"] for w in kws.split(",")}
    assert {"wifi", "training"} <= words
    assert not words & {"um", "yeah", "person", "org", "erm", "basically", "mean", "know", "like", "said"}
    assert strip_placeholders("call [PERSON] or <EMAIL> at [ORG_2]").split() == ["call", "or", "at"]
    phrases = key_phrases(["the wifi keeps dropping out", "wifi keeps dropping again", "staff training"],
                          np.array([0, 0, 1]))
    assert phrases[0] == "wifi keeps dropping" or phrases[0] in ("keeps dropping", "wifi keeps")


def test_representatives_are_central_members():
    groups = ["a"] * 10 + ["b"] * 10
    emb = group_embeddings(groups, seed=4)
    df = pd.DataFrame({"segment_id": [f"id{i}" for i in range(20)], "text": [f"text {g} {i}" for i, g in
                                                                            enumerate(groups)]})
    res = discover_topics(df, embeddings=emb, embedder=ExplodingEmbedder())
    for _, r in res.topics[res.topics["topic"] != -1].iterrows():
        ids = [x.strip() for x in r["representative_ids"].split(";")]
        assert 1 <= len(ids) <= 3
        members = res.segments.loc[res.segments["topic"] == r["topic"], "segment_id"].tolist()
        assert set(ids) <= set(members)


# --- outliers ------------------------------------------------------------------------------------

def test_outliers_are_reassigned_and_reported():
    df = planted_table()
    emb = group_embeddings(fixture_groups(df), seed=11, noise=0.9)  # looser clouds: HDBSCAN leaves noise
    model = TopicModel(embedder=ExplodingEmbedder()).fit(df["text"].tolist(), emb)
    o = model.outliers_
    assert o["initial"] >= o["remaining"] >= 0 and o["initial"] - o["reassigned"] == o["remaining"]
    assert o["remaining"] == int((model.topics_ == -1).sum())
    if o["initial"]:
        assert any("outliers:" in m for m in model.messages_)
    strict = TopicModel(embedder=ExplodingEmbedder(), outlier_threshold=1.01).fit(df["text"].tolist(), emb)
    assert strict.outliers_["reassigned"] == 0 and strict.outliers_["remaining"] == strict.outliers_["initial"]
    assert (strict.topics_ == -1).sum() >= (model.topics_ == -1).sum()


# --- guided and zero-shot ------------------------------------------------------------------------

def test_guided_mode_seeds_from_codebook_includes():
    df = planted_table()
    emb = HashEmbedder()
    res = discover_topics(df, themes=stand_in_codebook(), mode="guided", embedder=emb, subthemes=False,
                          emergent=False)
    seeds = res.model.bertopic_.seed_topic_list
    assert len(seeds) == 6 and "e-prescribing" in seeds[0] and "ransomware" in seeds[1]
    assert any(any("ransomware" in t for t in call) for call in emb.calls)  # seeds were embedded
    assert res.segments["topic"].notna().all()


def test_zeroshot_mode_names_topics_after_matching_themes():
    df = planted_table()
    cb = stand_in_codebook()
    res = discover_topics(df, themes=cb, mode="zeroshot", embedder=HashEmbedder(), zeroshot_min_similarity=0.25,
                          subthemes=False, emergent=False)
    zs = res.model.zeroshot_topics_
    assert zs, "no segment matched a theme description"
    labels = {t.label: t.id for t in cb.themes}
    rows = res.topics.set_index("topic").loc[list(zs)]
    assert set(rows["label"]) <= set(labels)
    assert all(labels[lbl] == th for lbl, th, em in zip(rows["label"], rows["theme"], rows["emergent"]) if not em)


def test_guided_mode_without_a_codebook_object_uses_the_shipped_one():
    pytest.importorskip("insightkit.codebook")
    df = planted_table()[["segment_id", "text"]]
    res = discover_topics(df, mode="guided", embedder=HashEmbedder(), embeddings=None)
    assert len(res.model.bertopic_.seed_topic_list) >= 6


# --- tables by attribute and over time ----------------------------------------------------------------

def test_topics_by_attribute_and_over_time():
    df = planted_table()
    df.loc[0, "text"] = ""  # one row not modelled: it is not counted
    res = discover_topics(df, embeddings=group_embeddings(fixture_groups(df), seed=11), embedder=ExplodingEmbedder())
    tt = res.by_attribute["trust_type"]
    assert set(res.by_attribute) == {"trust_type", "region"}
    value_cols = [c for c in tt.columns if c not in ("topic", "label")]
    assert set(value_cols) == set(df["trust_type"].iloc[1:])
    assert tt[value_cols].to_numpy().sum() == len(df) - 1
    ot = res.over_time
    assert res.params["time_column"] == "wave"
    assert [c for c in ot.columns if c not in ("topic", "label")] == ["2024-01", "2024-04", "2024-07"]
    # dates are read day first (UK) and grouped by month
    seg = pd.DataFrame({"topic": [0, 0, 1, 1], "topic_label": ["a", "a", "b", "b"],
                        "date": ["30/09/2021", "01/10/2021", "15/10/2021", "2021-09-02"]})
    table = topics_over_time(seg, "date")
    assert list(table.columns) == ["topic", "label", "2021-09", "2021-10"]
    assert table[["2021-09", "2021-10"]].to_numpy().tolist() == [[1, 1], [1, 1]]
    assert topics_by(seg.assign(region=["N", "", "N", "S"]), "region")["(missing)"].tolist() == [1, 0]


# --- persistence: safetensors and JSON, never pickle ------------------------------------------------

def _assert_no_pickle(folder: Path):
    from safetensors import safe_open

    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    for p in files:
        assert p.suffix.lower() not in (".pkl", ".pickle", ".joblib", ".bin", ".pt"), p
        data = p.read_bytes()
        assert not data.startswith(b"\x80"), f"{p} starts like a pickle"
        if p.suffix == ".json":
            json.loads(data.decode("utf-8"))
        elif p.suffix == ".safetensors":
            with safe_open(str(p), framework="numpy") as fh:
                assert list(fh.keys())
        else:
            raise AssertionError(f"unexpected file {p}")


def test_save_and_load_without_pickle(tmp_path):
    df = planted_table()
    emb = group_embeddings(fixture_groups(df), seed=11)
    res = discover_topics(df, embeddings=emb, embedder=ExplodingEmbedder(), subthemes=False, emergent=False)
    folder = res.model.save(tmp_path / "model")
    _assert_no_pickle(folder)
    meta = json.loads((folder / "insightkit_topics.json").read_text())
    assert meta["params"]["method"] == "umap+hdbscan"
    assert "representative_text" not in meta["topic_table"][0]  # no segment text in the model folder
    loaded = TopicModel.load(folder, embedder=ExplodingEmbedder())
    assert (loaded.topics_ == res.model.topics_).all()
    assert loaded.labels_ == res.model.labels_
    assert loaded.bertopic_ is not None and loaded.bertopic_.c_tf_idf_ is not None
    # new segments go to the nearest topic centre: the training vectors land where they were
    seg_emb = emb[res.segments["topic"].notna().to_numpy()]
    again = loaded.transform(embeddings=seg_emb, threshold=0.0)
    fitted = res.model.topics_
    assert (again[fitted != -1] == fitted[fitted != -1]).mean() >= 0.95


def test_load_refuses_a_different_embedding_model(tmp_path):
    groups = ["a"] * 10 + ["b"] * 10
    model = TopicModel(embedder=ExplodingEmbedder()).fit([f"t {g} {i}" for i, g in enumerate(groups)],
                                                          group_embeddings(groups))
    folder = model.save(tmp_path / "m")
    _assert_no_pickle(folder)

    class Other(ExplodingEmbedder):
        model_hash = "1" * 64

    with pytest.raises(Exception, match="different embedding model"):
        TopicModel.load(folder, embedder=Other())
    with pytest.raises(Exception, match="not an insightkit topic model"):
        TopicModel.load(tmp_path)


@pytest.mark.parametrize("representation", ["mmr", "keybert"])
def test_embedding_based_representations_use_the_given_encoder(representation):
    texts = ([f"the wifi on ward {i} keeps dropping and the tablets will not sync" for i in range(12)]
             + [f"training session {i} for nurses on the new record was useful" for i in range(12)])
    emb = HashEmbedder()
    vectors = emb.encode(texts)  # as the classifier would have computed them
    emb.calls.clear()
    res = discover_topics(texts, embeddings=vectors, embedder=emb, representation=representation)
    assert emb.calls, "keywords were not re-ranked with the encoder"
    encoded = [t for call in emb.calls for t in call]
    if representation == "mmr":  # only candidate words are encoded, never a segment
        assert not set(encoded) & set(texts)
    else:  # KeyBERT looks representative segments up again: the real Embedder serves them from its cache
        assert len([t for t in encoded if t in texts]) <= 2 * 5
    words = " ".join(res.topics["keywords"])
    assert "wifi" in words and "training" in words


def test_embeddings_from_a_column():
    groups = ["a"] * 10 + ["b"] * 10
    vecs = group_embeddings(groups, seed=2)
    df = pd.DataFrame({"text": [f"{g} text {i}" for i, g in enumerate(groups)], "embedding": list(vecs)})
    res = discover_topics(df, embeddings="embedding", embedder=ExplodingEmbedder())
    by = pd.crosstab(pd.Series(groups), res.segments["topic"].astype(int).to_numpy())
    assert (by.gt(0).sum(axis=1) == 1).all()
