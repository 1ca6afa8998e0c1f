"""Topics that mean something: small talk never forms a topic, labels are phrases from the segments,
a sub-topic label stays within its theme, tables are sorted by size. All texts are invented."""

from __future__ import annotations

import numpy as np
import pandas as pd

from insightkit.topics import discover_topics
from insightkit.topics.labels import (LABEL_STOP_WORDS, off_theme_words, phrase_label, ranked_phrases,
                                      supported_keywords, theme_word_weights)
from insightkit.topics.params import make_vectorizer
from tests.topics_helpers import group_embeddings

_SUBJECTS = {
    "cloud": ["We are moving the data centre to the cloud next spring, {x}.",
              "Moving the data centre to the cloud saves us the {x} bill.",
              "The data centre lease ends so the cloud move is {x}."],
    "wards": ["Virtual wards let frail patients stay at home with {x}.",
              "Our virtual wards now cover {x} and heart failure.",
              "Remote monitoring on the virtual wards needs {x}."],
}
_FILL = ["electricity", "backup", "networking", "storage", "licensing", "cooling", "frailty", "oxygen",
         "pulse oximeters", "nurses", "tablets", "capacity", "governance", "weekends", "training", "support"]
_CHAT = ["Thanks, [PERSON]. Take care. Bye.", "Sorry, bye!", "Cheers, thanks, bye.", "Yeah, yeah, that's right.",
         "Hello, can you hear me?", "Lovely, thank you so much.", "Brilliant, thanks.", "Good morning, sorry."]


def _call_table(n_chat_copies: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    rows, groups = [], []
    for g, templates in _SUBJECTS.items():
        for i in range(24):
            rows.append({"text": templates[i % 3].format(x=_FILL[i % len(_FILL)]), "kind": "transcript",
                         "role": "participant"})
            groups.append(g)
    for k in range(n_chat_copies):
        for c in _CHAT:
            rows.append({"text": c, "kind": "transcript", "role": "participant"})
            groups.append("chat")
    # a survey answer of thanks answers a question: it is modelled
    rows.append({"text": "Thanks", "kind": "survey", "role": ""})
    groups.append("chat")
    df = pd.DataFrame(rows)
    df["segment_id"] = [f"s{i}" for i in range(len(df))]
    return df, group_embeddings(groups, seed=3)


def test_small_talk_turns_are_set_aside_with_a_reason_and_form_no_topic():
    df, emb = _call_table()
    res = discover_topics(df, embeddings=emb, themes=[], time_column=None)
    chat = df["text"].isin(_CHAT).to_numpy()
    rej = res.rejected.set_index("id")
    assert set(df.loc[chat, "segment_id"]) <= set(rej.index)
    assert (rej.loc[df.loc[chat, "segment_id"], "reason"] == "small_talk").all()
    assert res.segments.loc[chat, "topic"].isna().all()  # never in a topic, but kept in the table
    assert len(res.segments) == len(df)
    survey = (df["kind"] == "survey").to_numpy()
    assert res.segments.loc[survey, "topic"].notna().all()  # survey answers are not small talk
    words = " ".join(res.topics["label"].tolist() + res.topics["keywords"].tolist()).replace(",", " ").split()
    assert not set(words) & {"thanks", "bye", "sorry", "cheers", "hello", "lovely"}


def test_small_talk_can_be_kept():
    df, emb = _call_table()
    res = discover_topics(df, embeddings=emb, themes=[], time_column=None, small_talk=False)
    assert "small_talk" not in set(res.rejected.get("reason", pd.Series(dtype=str)))


def test_labels_are_phrases_from_the_segments_and_tables_are_sorted_by_size():
    df, emb = _call_table(n_chat_copies=0)
    keep = np.ones(len(df), dtype=bool)
    keep[24:40] = False  # the wards topic smaller than the cloud one
    df, emb = df[keep].reset_index(drop=True), emb[keep]
    res = discover_topics(df, embeddings=emb, themes=[], time_column=None)
    t = res.topics[res.topics["topic"] != -1]
    assert list(t["size"]) == sorted(t["size"], reverse=True)
    corpus = " ".join(df["text"]).lower()
    for label in t["label"]:
        first = label.split(", ")[0]
        assert len(first.split()) >= 2, label  # a phrase, not a keyword list
        assert first in corpus  # as written in the segments
    assert any("data centre" in lbl for lbl in t["label"]) and any("virtual ward" in lbl for lbl in t["label"])


def test_variants_count_together_and_small_talk_words_never_label():
    texts = ["virtual wards help", "the virtual ward works", "virtual wards, thanks so much",
             "thanks so much everyone", "thanks so much for that", "cloud hosting costs"]
    topics = np.array([0, 0, 0, 0, 0, 1])
    ranked = ranked_phrases(texts, topics)
    assert ranked[0][0][0] in ("virtual wards", "virtual ward")
    assert ranked[0][0][2] == 3  # both spellings count
    assert not any(set(p.split()) & LABEL_STOP_WORDS for p, _, _ in ranked[0])
    assert phrase_label([], ["thanks", "cheers", "cloud", "hosting"], 5) == "cloud, hosting"
    assert supported_keywords(["bye", "sorry", "cloud"], {"cloud": 3, "bye": 3, "sorry": 3}, 4) == ["cloud"]


def test_hyphenated_words_stay_whole():
    vocab = make_vectorizer().fit(["the wi-fi drops on the ward", "wi-fi signal is weak"]).vocabulary_
    assert "wi-fi" in vocab and "wi" not in vocab and "fi" not in vocab
    ranked = ranked_phrases(["the wi-fi signal drops", "wi-fi signal is weak", "staff rota"], np.array([0, 0, 1]))
    assert ranked[0][0][0] == "wi-fi signal"


def test_a_sub_topic_label_stays_within_its_theme():
    # EPR segments that also mention the board: "board paper" is the strategy theme's phrase
    xs = ("order sets", "order sets", "discharge letters", "results")
    epr = [f"The board paper asked about {x} in the EPR." for x in xs] * 3 + [f"The EPR {x} went live." for x in xs]
    strategy = [f"The board paper set out the digital strategy for {x}." for x in ("the year", "the ICS")] * 2
    texts = epr + strategy
    tags = np.zeros((len(texts), 2), dtype=bool)
    tags[: len(epr), 0] = True
    tags[len(epr):, 1] = True
    weights = theme_word_weights(texts, tags, 0)
    assert weights.get("board", 1.0) < 1.0 and "order" not in weights
    members = np.zeros(len(epr), dtype=int)
    unweighted = ranked_phrases(epr, members)[0][0][0]
    weighted = ranked_phrases(epr, members, weights)[0][0][0]
    assert off_theme_words(unweighted, weights)  # the check can fail: without weights "board paper" wins
    assert not off_theme_words(weighted, weights), weighted


def test_emergent_candidates_of_call_openings_and_closings_are_set_aside():
    import numpy as np
    import pandas as pd

    from insightkit.topics.discover import _drop_chit_chat, _Rows

    texts, kinds, docs = [], [], []
    for d in range(4):  # four calls of ten turns: opening chatter, substance, closing contact details
        for t in range(10):
            docs.append(f"call{d}")
            kinds.append("transcript")
            texts.append(f"Can you hear me, I am in the car, bit of an echo ({d}{t})" if t < 2 else
                         f"Drop me an email or ring the office, happy to help ({d}{t})" if t > 7 else
                         f"We moved the pathology system to the cloud and cut the backlog by a third ({d}{t})")
    out = pd.DataFrame({"doc_id": docs, "kind": kinds, "text": texts})
    rows = _Rows(pos=np.arange(len(out)), texts=texts, ids=[str(i) for i in range(len(out))], rejected=pd.DataFrame())
    idx = np.arange(len(out))
    turn = np.tile(np.arange(10), 4)
    cand = np.where((turn < 2) | (turn > 7), 0, 1)
    table = pd.DataFrame({"candidate": [0, 1], "label": ["car, echo", "pathology cloud"], "size": [16, 24]})
    messages: list[str] = []
    kept = _drop_chit_chat(out, rows, idx, cand, table, messages)
    assert kept["label"].tolist() == ["pathology cloud"]
    assert any("car, echo" in m and "set aside" in m for m in messages)
