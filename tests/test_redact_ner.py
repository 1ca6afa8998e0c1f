"""Redaction with spaCy NER (loads the small English model once; kept small)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from insightkit.alignment import AlignedText, apply_edits
from insightkit.redact import Redactor

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ner():
    return Redactor(use_ner=True)


def test_ner_finds_unknown_people(ner):
    out, log = ner.redact_text("The person who drove it was Jonathan Reeves, he left for a bank.")
    assert "Jonathan" not in out and "Reeves" not in out
    assert any(d["method"] == "ner" and d["original"] == "Jonathan Reeves" for d in log)


def test_ner_later_mentions_are_caught(ner):
    out = ner.redact_text("The vendor lead, Margaret Okonkwo, was great. Honestly Okonkwo saved us.")[0]
    assert "Okonkwo" not in out and "Margaret" not in out


def test_ner_keeps_systems_vocabulary_and_places(ner):
    text = (
        "We went live with Epic in March, moved off Cerner and SystmOne, and use Teams, Azure and "
        "Copilot. Our EPR, EPMA and the CDIO role matter. NHS England and the CQC agree. "
        "An Acute trust in the South East."
    )
    out, log = ner.redact_text(text)
    assert out == text, log


def test_ner_org_with_health_word(ner):
    out = ner.redact_text("Before that I worked for Kestrel Vale Partnership NHS Foundation Trust for years.")[0]
    assert out == "Before that I worked for [ORG] for years."


def test_ner_batch_keeps_alignment(ner):
    sources = ["P1: Ask Dev Malhotra at Ashcombe and Thornleigh.", "P2: nothing personal here, just the EPR."]
    items = [AlignedText.from_source(s, 4, len(s)) for s in sources]
    results = ner.redact_batch(items, [[], []])
    (first, log1), (second, log2) = results
    assert "Malhotra" not in first.text and "Thornleigh" not in first.text
    assert second.text == "nothing personal here, just the EPR." and log2 == []
    for src, (new, log) in zip(sources, results):
        assert apply_edits(src, 4, len(src), new.edits()) == new.text
        for d in log:
            assert src[d["start"] : d["end"]] == d["original"]


def test_names_only_mode_never_loads_spacy():
    r = Redactor(use_ner=False)
    r.redact_text("Thanks Priya.", names=["Priya Sharma"])
    assert r._nlp is None


def test_benchmark_targets_hold():
    """The redaction benchmark's targets, on its whole labelled set, in the default (NER) mode."""
    spec = importlib.util.spec_from_file_location("bench_redaction", REPO / "benchmarks" / "redaction.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.load(REPO / "benchmarks" / "data" / "redaction_set.jsonl")
    summary = bench.evaluate(rows, use_ner=True)
    failed = {k: v for k, v in summary["targets"].items() if not v["met"]}
    assert not failed, json.dumps(
        {"failed": failed, "misses": summary["misses"][:10], "damaged": summary["damaged_lookalikes"][:10]}, indent=1
    )
    assert summary["precision"] >= 0.95
