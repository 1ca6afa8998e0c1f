"""``insightkit topics`` writes every table, a PNG and a self-contained, escaped HTML page."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import insightkit.embed
from insightkit.cli import main
from insightkit.export import read_table
from topics_helpers import HashEmbedder, planted_table

TOPIC_COLUMNS = ["topic", "label", "keywords", "size", "theme", "emergent", "representative_ids"]


@pytest.fixture()
def hash_embedder(monkeypatch):
    """The CLI encodes with a bag-of-words stand-in, so the test does not load the real model."""
    emb = HashEmbedder()
    monkeypatch.setattr(insightkit.embed, "get_embedder", lambda *a, **k: emb)
    return emb


def test_cli_writes_tables_plots_and_model(tmp_path, hash_embedder, capsys):
    df = planted_table()
    df.loc[5, "text"] = "<script>alert('x')</script> the wifi <b>never</b> works & the laptops are ancient"
    df.loc[6, "text"] = "=HYPERLINK(\"http://example.invalid\",\"click\") our dashboards are finally live"
    src = tmp_path / "tagged.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "out"
    assert main(["topics", str(src), "--out", str(out), "--seed", "7"]) == 0

    seg = read_table(out / "segments.csv")
    assert len(seg) == len(df)
    assert list(seg.columns[: len(df.columns)]) == list(df.columns)  # every input column, in order
    assert {"topic", "topic_label", "topic_emergent", "emergent_candidate", "subtopic_epr"} <= set(seg.columns)
    pd.testing.assert_series_equal(seg["text"], df["text"], check_names=False)  # formula cell restored
    assert seg["topic"].astype(int).ge(-1).all()

    topics = read_table(out / "topics.csv")
    assert set(TOPIC_COLUMNS) <= set(topics.columns)
    assert (topics["topic"] != "-1").sum() >= 2
    for name in ("emergent.csv", "subthemes.csv", "topics_by_trust_type.csv", "topics_by_region.csv",
                 "topics_over_time.csv", "messages.txt"):
        assert (out / name).is_file(), name
    assert (out / "topics.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "model" / "insightkit_topics.json").is_file()
    for f in out.rglob("*"):  # nothing pickled anywhere in the output
        if f.is_file():
            assert f.suffix in (".csv", ".png", ".html", ".txt", ".json", ".safetensors"), f
            assert not f.read_bytes().startswith(b"\x80"), f

    page = (out / "topics.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<b>never</b>" not in page
    assert len(re.findall(r"<script", page)) == 1  # ours, inline
    assert not re.search(r"(src|href)\s*=\s*['\"]?\s*(https?:)?//", page)  # nothing fetched from elsewhere
    assert "<svg class='map'" in page and "<svg class='bars'" in page
    printed = capsys.readouterr().out
    assert "segments modelled" in printed and "topics.html" in printed


def test_cli_on_an_untagged_survey_table(tmp_path, hash_embedder):
    df = planted_table()[["segment_id", "trust_type", "text"]].rename(columns={"text": "answer"})
    src = tmp_path / "survey.xlsx"
    df.to_excel(src, index=False)
    out = tmp_path / "o"
    assert main(["topics", str(src), "--out", str(out), "--text-column", "answer", "--theme-columns", "none",
                 "--no-model", "--time-column", "none", "--no-clean"]) == 0
    seg = read_table(out / "segments.csv")
    assert list(seg.columns[:3]) == ["segment_id", "trust_type", "answer"] and len(seg) == len(df)
    assert not (out / "model").exists() and not (out / "topics_over_time.csv").exists()
    assert "no theme_<id> columns" in (out / "messages.txt").read_text()


def test_cli_reports_bad_input_in_one_line(tmp_path, hash_embedder, capsys):
    src = tmp_path / "t.csv"
    pd.DataFrame({"body": ["a", "b"]}).to_csv(src, index=False)
    assert main(["topics", str(src), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "no column 'text'" in err and "t.csv" in err
    assert main(["topics", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")]) == 2


def test_cli_few_rows_gives_a_message(tmp_path, hash_embedder):
    src = tmp_path / "few.csv"
    pd.DataFrame({"text": ["The wifi is slow", "Training was good", "N/A"]}).to_csv(src, index=False)
    out = tmp_path / "o"
    assert main(["topics", str(src), "--out", str(out), "--theme-columns", "none"]) == 0
    assert "too few segments" in (out / "messages.txt").read_text()
    # a raw table is cleaned first, as 'insightkit clean' does: "N/A" is set aside with its reason
    assert len(read_table(out / "segments.csv")) == 2
    assert read_table(out / "rejected_on_reading.csv")["reason"].tolist() == ["non_answer"]
    assert (out / "topics.html").is_file() and (out / "topics.png").is_file()


def test_cli_cleans_and_redacts_a_raw_table_before_modelling(tmp_path, hash_embedder):
    df = planted_table()[["segment_id", "trust_type", "text"]].copy()
    df.loc[0, "text"] = df.loc[0, "text"] + " Email me at jo.bloggs@nhs.net or ring 07700 900123."
    src = tmp_path / "raw.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "o"
    assert main(["topics", str(src), "--out", str(out), "--theme-columns", "none", "--no-model",
                 "--time-column", "none"]) == 0
    for f in out.rglob("*"):
        if f.is_file():
            body = f.read_text(encoding="utf-8", errors="ignore")
            assert "jo.bloggs@nhs.net" not in body and "07700 900123" not in body, f.name
    assert "trust_type" in read_table(out / "segments.csv").columns
