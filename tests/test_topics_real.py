"""Topic modelling with the real local encoder on small, realistic inputs (slow: loads the model)."""

from __future__ import annotations

import pandas as pd
import pytest

from insightkit.embed import get_embedder
from insightkit.topics import TopicModel, discover_topics
from topics_helpers import planted_table

pytestmark = pytest.mark.slow


def test_planted_virtual_wards_are_emergent_and_nothing_is_encoded_twice(tmp_path):
    df = planted_table()
    emb = get_embedder()
    before = emb.n_encoded
    res = discover_topics(df)
    encoded = emb.n_encoded - before
    assert encoded <= df["text"].nunique()  # each distinct text at most once, sub-models included
    planted = res.segments["planted"] == "1"
    share = res.segments.loc[planted, "topic_emergent"].astype(bool).mean()
    assert share >= 0.8, res.topics[["topic", "size", "label", "emergent", "open_share"]]
    # the emergent topic holding most of them reads as what it is (how many topics the planted texts
    # split into is one clustering outcome, which a patch release of a dependency may change)
    planted_topics = res.segments.loc[planted, "topic"].astype(int)
    top = planted_topics.value_counts().index[0]
    row = res.topics.set_index("topic").loc[top]
    assert row["emergent"] and row["theme"] == ""
    words = ("ward", "monitor", "virtual", "remote", "home", "oximet", "oxygen")
    assert any(w in row["label"] for w in words), row["label"]
    # the model of open segments finds them as candidates, in candidates mostly made of them
    cand = res.segments["emergent_candidate"]
    held = cand[planted].dropna().astype(int)
    assert len(held) >= 0.8 * planted.sum()
    in_theirs = cand.dropna().astype(int).isin(set(held))
    assert planted[in_theirs.index[in_theirs]].mean() >= 0.5
    # a second run reuses the vectors: no encoding at all, same topics
    again = emb.n_encoded
    res2 = discover_topics(df)
    assert emb.n_encoded == again
    assert res2.segments["topic"].equals(res.segments["topic"])
    # saved without pickle and loaded with the local model, it agrees with the fitted model, and
    # places new virtual-ward texts in emergent topics that hold the planted texts
    loaded = TopicModel.load(res.model.save(tmp_path / "model"))
    texts = df["text"].tolist()
    assert (loaded.transform(texts) == res.model.transform(texts)).all()
    new = ["Patients on the hospital at home service are monitored remotely by a nursing team.",
           "We put pulse oximeters in people's homes so the virtual ward can watch their oxygen levels."]
    emergent = dict(zip(res.topics["topic"], res.topics["emergent"]))
    placed = loaded.transform(new)
    assert (placed == res.model.transform(new)).all()
    assert all(emergent.get(int(t), False) for t in placed), placed
    assert set(int(t) for t in placed) <= set(planted_topics), (placed, planted_topics.value_counts())

def test_a_25_answer_batch_and_one_transcript():
    df = planted_table()
    batch = df[df["group"] != "chatter"].iloc[::6].head(25)[["segment_id", "text"]]
    res = discover_topics(batch, id_column="segment_id")
    assert len(res.segments) == 25 and res.segments["topic"].notna().all()
    assert res.params["main"]["method"] == "agglomerative"
    assert (res.topics["topic"] != -1).sum() >= 1 and res.topics["label"].str.len().gt(0).all()

    # one insight call: questions from the interviewer are not modelled, answers are
    answers = df[df["group"] != "chatter"]["text"].head(14).tolist()
    turns = []
    for i, a in enumerate(answers):
        turns.append({"segment_id": f"call#{2 * i}", "role": "interviewer", "speaker": "I01",
                      "text": "Could you say a bit more about that?"})
        turns.append({"segment_id": f"call#{2 * i + 1}", "role": "participant", "speaker": "P01", "text": a})
    call = pd.DataFrame(turns)
    res = discover_topics(call)
    assert res.segments.loc[call["role"] == "participant", "topic"].notna().all()
    assert (res.rejected["reason"] == "interviewer_turn").sum() == 14
