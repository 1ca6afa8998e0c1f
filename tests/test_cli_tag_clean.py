"""``insightkit tag`` is safe by default: a raw export is cleaned and redacted as ``clean`` does
before anything is scored, embedded or cached; a segment table from ``clean`` is recognised and
tagged as it is; ``--no-clean`` tags any table as it is. All texts are invented."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insightkit.cli import main
from insightkit.codebook import Codebook
from insightkit.segments import is_segment_table

TRAIN = [
    ("The EPR went live on the wards and the paper notes are gone", [1, 0, 0, 0, 0, 0]),
    ("Our electronic patient record upgrade slipped again this year", [1, 0, 0, 0, 0, 0]),
    ("We replaced the firewalls after the ransomware scare", [0, 1, 0, 0, 0, 0]),
    ("Network switches out of support, cyber risk on the register", [0, 1, 0, 0, 0, 0]),
    ("The data warehouse feeds the board dashboards every morning", [0, 0, 1, 0, 0, 0]),
    ("Data quality in community services is still poor", [0, 0, 1, 0, 0, 0]),
    ("Our digital strategy was signed off by the board in May", [0, 0, 0, 1, 0, 0]),
    ("The board agreed a five year digital strategy with capital attached", [0, 0, 0, 1, 0, 0]),
    ("Ambient voice saved consultants hours in outpatients", [0, 0, 0, 0, 1, 0]),
    ("Robotic process automation freed up admin time in finance", [0, 0, 0, 0, 1, 0]),
    ("Nurses need protected time to learn the new systems", [0, 0, 0, 0, 0, 1]),
    ("Digital skills training for the whole workforce is overdue", [0, 0, 0, 0, 0, 1]),
]

#: personal data planted in the raw export; none of it may reach the output or the cache
SECRETS = ["Nadia Rahman", "Nadia", "Rahman", "07700 900461", "priya.sharma@nhs.net", "Okafor",
           "jo.bloggs@example.com", "0113 496 0123"]

RAW = pd.DataFrame({
    "respondent": ["R1", "R2", "R3", "R4", "R5", "R6"],
    "trust_type": ["Acute", "Acute", "Mental health", "Community", "Community", "Acute"],
    "email": ["jo.bloggs@example.com", "", "", "", "", ""],
    "comment": [
        "Our CDIO, Nadia Rahman, chairs the digital board. The EPR is finally live on every ward.",
        "Ring me on 07700 900461 or email priya.sharma@nhs.net about the network upgrade.",
        "N/A",
        "n/a",
        "Data quality in community services is still poor, said Dr Okafor. Call 0113 496 0123.",
        "Nurses need protected time to learn the new systems, and Nadia agrees.",
    ],
})


def _sentences(text: str) -> list[str]:
    return [text, *re.split(r"(?<=[.!?])\s+", text)]


def _cache_keys(folder: Path) -> set[bytes]:
    keys: set[bytes] = set()
    for db in folder.rglob("*.sqlite"):
        con = sqlite3.connect(str(db))
        try:
            keys |= {bytes(k) for (k,) in con.execute("SELECT key FROM vec")}
        finally:
            con.close()
    return keys


def _sha1(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from insightkit.classify import ThemeClassifier

    Y = np.array([y for _, y in TRAIN])
    model = ThemeClassifier(Codebook.default(), features=("embedding", "words"), threshold_folds=0)
    return model.fit([t for t, _ in TRAIN], Y).save(tmp_path_factory.mktemp("tag-clean-model") / "m")


@pytest.fixture()
def fresh_cache(tmp_path, monkeypatch):
    """An empty embedding cache of this test's own, and no embedder already holding another one."""
    import insightkit.embed.encoder as encoder

    folder = tmp_path / "cache"
    monkeypatch.setenv("INSIGHTKIT_CACHE_DIR", str(folder))
    monkeypatch.setattr(encoder, "_EMBEDDERS", {})
    return folder


@pytest.mark.slow
def test_raw_export_is_cleaned_and_redacted_before_tagging_and_caching(model_dir, tmp_path, fresh_cache, capsys):
    raw = tmp_path / "raw.csv"
    RAW.to_csv(raw, index=False)
    out = tmp_path / "tagged.csv"
    assert main(["tag", str(raw), "--text-column", "comment", "--model", str(model_dir), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "cleaned and redacted" in said and "--no-clean" in said

    body = out.read_text(encoding="utf-8")
    rejected = out.with_name("tagged.rejected.csv")
    for s in SECRETS:
        assert s not in body, s
        assert s not in rejected.read_text(encoding="utf-8"), s
    seg = pd.read_csv(out, keep_default_na=False)
    assert is_segment_table(seg)  # the output is a segment table: tagging it again will not clean it again
    assert [c for c in seg.columns if c.startswith("theme_")] and "[PERSON]" in body and "[EMAIL]" in body
    assert "email" not in seg.columns  # a personal column is left out, as clean leaves it out
    # every input row is in the output or the rejected table; the non-answers with their ids
    rej = pd.read_csv(rejected, keep_default_na=False)
    assert sorted(seg["respondent"].tolist() + rej["respondent"].tolist()) == RAW["respondent"].tolist()
    assert rej.set_index("respondent").loc[["R3", "R4"], "reason"].tolist() == ["non_answer", "non_answer"]

    # the embedding cache holds vectors of the redacted texts only
    keys = _cache_keys(fresh_cache)
    assert {_sha1(t) for t in seg["text"]} <= keys  # it was used
    for text in RAW["comment"]:
        leaky = {_sha1(t) for t in _sentences(text) if any(s in t for s in SECRETS)}
        assert not (leaky & keys), text
    for f in fresh_cache.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert not any(s.encode() in data for s in SECRETS)


@pytest.mark.slow
def test_no_clean_tags_as_it_is_which_is_what_the_default_prevents(model_dir, tmp_path, fresh_cache, capsys):
    """The check above can fail: the same raw export with --no-clean puts raw texts in both."""
    raw = tmp_path / "raw.csv"
    RAW.to_csv(raw, index=False)
    out = tmp_path / "asis.csv"
    assert main(["tag", str(raw), "--text-column", "comment", "--model", str(model_dir), "--out", str(out),
                 "--no-clean", "--quiet"]) == 0
    assert "priya.sharma@nhs.net" in out.read_text(encoding="utf-8")
    assert len(pd.read_csv(out)) == len(RAW) and not out.with_name("asis.rejected.csv").exists()
    keys = _cache_keys(fresh_cache)
    assert any(_sha1(t) in keys for text in RAW["comment"] for t in _sentences(text) if "Rahman" in t)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:tag. replacing existing column")
def test_a_segment_table_from_clean_is_tagged_as_it_is(model_dir, tmp_path, capsys):
    raw = tmp_path / "raw.csv"
    RAW.to_csv(raw, index=False)
    seg_path = tmp_path / "segments.csv"
    assert main(["clean", str(raw), "--text-column", "comment", "--out", str(seg_path), "--quiet"]) == 0
    out = tmp_path / "tagged.csv"
    assert main(["tag", str(seg_path), "--model", str(model_dir), "--out", str(out)]) == 0
    assert "cleaned and redacted" not in capsys.readouterr().out
    assert not out.with_name("tagged.rejected.csv").exists()
    seg, tagged = pd.read_csv(seg_path, keep_default_na=False), pd.read_csv(out, keep_default_na=False)
    assert tagged[list(seg.columns)].equals(seg)  # every row and column as it was, themes added
    # tagged again (a tagged segment table is still one): nothing is cleaned, rows are kept
    again = tmp_path / "again.csv"
    assert main(["tag", str(out), "--model", str(model_dir), "--out", str(again), "--quiet"]) == 0
    assert pd.read_csv(again, keep_default_na=False)["segment_id"].tolist() == seg["segment_id"].tolist()


def test_is_segment_table_needs_ids_that_add_up(tmp_path):
    seg = pd.DataFrame({"doc_id": ["d-1a2b3c4d"] * 2, "segment_id": ["d-1a2b3c4d#0-10", "d-1a2b3c4d#B2:0-5"],
                        "text": ["x", "y"], "start": [0, 0], "end": [10, 5], "edits": ["[]", "[]"],
                        "cell": ["", "B2"]})
    assert is_segment_table(seg)
    assert not is_segment_table(seg.assign(segment_id=["s1", "s2"]))  # ids a clean run would not write
    assert not is_segment_table(seg.drop(columns=["edits"]))
    assert not is_segment_table(seg.assign(start=["a", "0"]))
    assert not is_segment_table(RAW)


def test_raw_parquet_is_refused_with_a_way_out(tmp_path, capsys):
    raw = tmp_path / "raw.parquet"
    RAW.to_parquet(raw)
    assert main(["tag", str(raw), "--text-column", "comment", "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "raw.parquet" in err and "--no-clean" in err and "insightkit clean" in err
    assert not (tmp_path / "o.csv").exists()
