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
    # the emergent topic holding them reads as what it is
    top = res.segments.loc[planted, "topic"].astype(int).value_counts().index[0]
    row = res.topics.set_index("topic").loc[top]
    assert row["emergent"] and row["theme"] == ""
    assert "ward" in row["label"] or "monitoring" in row["label"], row["label"]
    # and the model of open segments finds them as one candidate
    cand = res.segments.loc[planted, "emergent_candidate"].dropna().astype(int)
    assert cand.value_counts().iloc[0] >= 0.8 * planted.sum()
    # a second run reuses the vectors: no encoding at all, same topics
    again = emb.n_encoded
    res2 = discover_topics(df)
    assert emb.n_encoded == again
    assert res2.segments["topic"].equals(res.segments["topic"])
    # saved without pickle, loaded with the local model, it places new texts in the right topic
    loaded = TopicModel.load(res.model.save(tmp_path / "model"))
    new = ["Patients on the hospital at home service are monitored remotely by a nursing team.",
           "We put pulse oximeters in people's homes so the virtual ward can watch their oxygen levels."]
    emergent = dict(zip(res.topics["topic"], res.topics["emergent"]))
    placed = loaded.transform(new)
    assert top in set(placed) and all(emergent[int(t)] for t in placed)


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
