"""Topic labels, keywords, key phrases and shown texts keep names out even when the text redaction
missed them (defence in depth). Uses the planted fixture and a bag-of-words embedder; the names
planted here are invented."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import insightkit.embed
from insightkit.cli import main
from insightkit.topics import discover_topics
from insightkit.topics.privacy import NameGuard
from topics_helpers import HashEmbedder, planted_table

#: what a missed name looks like in real comments: lower case, no title
MISSED = ["the lady i spoke to, teresa, was considerate about the virtual ward",
          "faye on the virtual ward rang every morning and teresa checked the readings",
          "teresa and faye set up the oximeter for the virtual ward"]


def _with_names(df: pd.DataFrame, extra: str | None = None) -> pd.DataFrame:
    df = df.copy()
    planted = df.index[df["group"] == "planted"][:24]
    for k, i in enumerate(planted):
        df.loc[i, "text"] = f"{df.loc[i, 'text']} {MISSED[k % len(MISSED)]}"
        if extra:
            df.loc[i, "text"] += f" {extra} set it up."
    return df


def _shown(result) -> str:
    """Every field of a topic result a person reads: the tables' labels, keywords, phrases, texts."""
    parts = [result.topics.to_csv(), result.emergent.to_csv(), result.subthemes_table.to_csv(),
             " ".join(map(str, result.segments["topic_label"])), " ".join(map(str, result.map_texts)),
             " ".join(result.messages)]
    return " ".join(parts).lower()


def test_missed_names_never_reach_labels_keywords_or_shown_texts():
    df = _with_names(planted_table())
    emb = HashEmbedder()
    raw = discover_topics(df, embedder=emb, seed=7, redact_labels=False)
    # without the guard the names are keywords and labels: the check below can fail
    assert re.search(r"\b(teresa|faye)\b", " ".join(raw.topics["keywords"]).lower())
    res = discover_topics(df, embedder=emb, seed=7)
    shown = _shown(res)
    assert not re.search(r"\b(teresa|faye)\b", shown)
    # the topic is still found and labelled by what it is about
    assert any("virtual" in str(lbl) for lbl in res.topics["label"])
    assert (res.topics["label"].str.strip() != "").all()


def test_a_known_name_is_kept_out_whatever_the_context(tmp_path, monkeypatch, capsys):
    emb = HashEmbedder()
    monkeypatch.setattr(insightkit.embed, "get_embedder", lambda *a, **k: emb)
    df = _with_names(planted_table(), extra="zarquon")  # lower case, on no list: only --name finds it
    raw = discover_topics(df, embedder=emb, seed=7, redact_labels=False)
    assert "zarquon" in " ".join(raw.topics["keywords"]).lower()
    src = tmp_path / "tagged.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "out"
    assert main(["topics", str(src), "--out", str(out), "--seed", "7", "--name", "Zarquon Pell"]) == 0
    capsys.readouterr()
    for f in sorted(out.rglob("*")):
        if not f.is_file() or f.name == "segments.csv" or f.suffix == ".safetensors" or f.suffix == ".png":
            continue  # segments.csv is the input table as given (redact it before: insightkit clean)
        text = f.read_text(encoding="utf-8", errors="replace").lower()
        for name in ("zarquon", "teresa", "faye"):
            assert name not in text, (f.name, name)
    labels = pd.read_csv(out / "segments.csv", keep_default_na=False)["topic_label"].str.lower()
    assert not labels.str.contains("zarquon|teresa|faye").any()


def test_guard_words():
    g = NameGuard(["Zarquon Pell"])
    assert g.listed_name("teresa") and g.listed_name("Faye") and g.listed_name("becky")
    assert g.listed_name("zarquon") and g.listed_name("pell")
    for word in ("ward", "will", "hope", "grace", "nurse", "virtual", "epr", "lady", "considerate"):
        assert not g.listed_name(word), word
    assert g.keep(["virtual ward", "teresa", "lady i spoke", "faye checked"], {"teresa", "faye"}) == \
        ["virtual ward", "lady i spoke"]


@pytest.mark.slow
def test_context_finds_a_name_no_list_knows():
    g = NameGuard()
    texts = ["I asked Dr Okonkwo-Baptiste about the rota.", "Dr Okonkwo-Baptiste signed it off.",
             "The rota is out on Friday."]
    assert g.name_words(["okonkwo-baptiste", "rota"], texts) == {"okonkwo-baptiste"}
    # representative texts are redacted again with the full redactor
    assert g.text("Ring me on 07700 900461, said Dr Okonkwo-Baptiste.") == "Ring me on [PHONE], said Dr [PERSON]."


def test_topic_tables_show_the_redacted_file_name():
    import pandas as pd

    from insightkit.topics.report import _shown

    df = pd.DataFrame({"source": ["mr_j_okafor.txt"], "source_display": ["mr_[PERSON].txt"], "text": ["x"]})
    out = _shown(df)
    assert out["source"].tolist() == ["mr_[PERSON].txt"] and "source_display" not in out.columns
    assert _shown(df.drop(columns="source_display")).equals(df.drop(columns="source_display"))
