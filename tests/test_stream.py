"""Streaming tagging: same output as in-memory tagging, atomic writes, distinct texts scored once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insightkit.codebook import Codebook
from insightkit.errors import InputError
from insightkit.export import read_table, write_table
from insightkit.classify.stream import score_unique
from insightkit.stream import TableWriter, count_rows, iter_table, tag_table

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
    ("The car park is being resurfaced next month", [0, 0, 0, 0, 0, 0]),
    ("Recruitment of band 5 nurses remains hard", [0, 0, 0, 0, 0, 0]),
    ("EPR data now flows into the warehouse overnight", [1, 0, 1, 0, 0, 0]),
    ("Cyber training for all staff is part of our strategy", [0, 1, 0, 1, 0, 1]),
]

ROWS = [
    "The EPR roll-out reached the last two wards",
    "Firewalls replaced; the ransomware risk is lower now",
    "",
    "=HYPERLINK(\"http://x\", \"click\")",
    "The EPR roll-out reached the last two wards",
    "Staff want training on the systems,\nnot another e-learning module",
    "N/A",
    "Data quality is poor in community services",
    "N/A",
    "The board signed off the digital strategy",
    "+44 is not a formula but looks like one",
]


@pytest.fixture(scope="module")
def model():
    from insightkit.classify import ThemeClassifier

    texts = [t for t, _ in TRAIN]
    Y = np.array([y for _, y in TRAIN])
    return ThemeClassifier(Codebook.default(), features=("words",), threshold_folds=0).fit(texts, Y)


@pytest.fixture()
def table():
    return pd.DataFrame({"respondent_id": [f"R{i:03d}" for i in range(len(ROWS))],
                         "turn": list(range(len(ROWS))),
                         "text": ROWS})


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".tsv"])
@pytest.mark.parametrize("chunk_rows", [1, 3, 100])
def test_streamed_output_equals_in_memory_tagging(model, table, tmp_path, ext, chunk_rows):
    src = tmp_path / f"in{ext}"
    write_table(table, src)
    expected_path = tmp_path / f"expected{ext}"
    write_table(model.tag(read_table(src)), expected_path)
    out = tmp_path / f"out{ext}"
    stats = tag_table(model, src, out, chunk_rows=chunk_rows, show_progress=False)
    assert stats["rows"] == len(ROWS)
    assert stats["chunks"] == -(-len(ROWS) // chunk_rows)
    if ext == ".parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(expected_path))
    else:
        assert out.read_bytes() == expected_path.read_bytes()
    back = read_table(out)
    assert back["text"].tolist() == ROWS  # every row, in order, formulas restored
    assert {f"theme_{t}" for t in model.theme_ids_} <= set(back.columns)


def test_each_distinct_text_is_scored_once_per_chunk(model):
    seen: list[list[str]] = []

    def scorer(texts):
        seen.append(list(texts))
        return model.predict_proba(texts)

    P, n = score_unique(scorer, ROWS)
    assert n == len(set(ROWS)) and len(seen) == 1 and sorted(seen[0]) == sorted(set(ROWS))
    assert np.array_equal(P, model.predict_proba(ROWS))


class _Exploding:
    """Wraps a model; the second chunk's scoring fails, as an interrupted run would."""

    def __init__(self, model, exc=RuntimeError):
        self.m, self.calls, self.exc = model, 0, exc
        self.theme_ids_, self.thresholds_ = model.theme_ids_, model.thresholds_

    def predict_proba(self, texts):
        self.calls += 1
        if self.calls == 2:
            raise self.exc("killed mid-stream")
        return self.m.predict_proba(texts)

    def with_scores(self, df, P):
        return self.m.with_scores(df, P)


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".xlsx"])
@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_interrupted_run_leaves_no_file_at_the_target(model, table, tmp_path, ext, exc):
    src = tmp_path / "in.csv"
    write_table(table, src)
    out = tmp_path / "res" / f"tagged{ext}"
    with pytest.raises(exc):
        tag_table(_Exploding(model, exc), src, out, chunk_rows=4, show_progress=False)
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # the temporary file is gone too


def test_interrupted_run_keeps_the_previous_output(model, table, tmp_path):
    src = tmp_path / "in.csv"
    write_table(table, src)
    out = tmp_path / "tagged.csv"
    out.write_text("previous run\n")
    with pytest.raises(RuntimeError):
        tag_table(_Exploding(model), src, out, chunk_rows=4, show_progress=False)
    assert out.read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "tagged.csv"]


def test_row_counts_and_chunks(table, tmp_path):
    csv_path, pq_path = tmp_path / "t.csv", tmp_path / "t.parquet"
    write_table(table, csv_path)
    write_table(table, pq_path)
    assert count_rows(pq_path) == (len(ROWS), True)
    n, exact = count_rows(csv_path)
    assert not exact and n >= len(ROWS)  # one quoted cell holds a line break: an upper bound
    chunks = list(iter_table(csv_path, 4))
    assert [len(c) for c in chunks] == [4, 4, 3]
    assert chunks[1].index[0] == 4 and chunks[0]["turn"].dtype == np.int64
    assert pd.concat(chunks)["text"].tolist() == ROWS


def test_header_only_input_gives_header_only_output(model, tmp_path):
    src = tmp_path / "empty.csv"
    src.write_text("id,text\n")
    out = tmp_path / "out.csv"
    stats = tag_table(model, src, out, show_progress=False)
    assert stats["rows"] == 0
    back = pd.read_csv(out)
    assert len(back) == 0 and "theme_epr" in back.columns and "score_skills" in back.columns


def test_missing_text_column_is_a_clear_error(model, table, tmp_path):
    src = tmp_path / "in.csv"
    write_table(table, src)
    with pytest.raises(InputError, match="no text column 'answer'"):
        tag_table(model, src, tmp_path / "o.csv", text_column="answer", show_progress=False)
    assert not (tmp_path / "o.csv").exists()


def test_writer_refuses_unknown_output_type(tmp_path):
    with pytest.raises(InputError, match="unsupported output type"):
        TableWriter(tmp_path / "out.json")


class _Recording:
    """Wraps a model and records how many texts each scoring call receives."""

    def __init__(self, model):
        self.m, self.sizes = model, []
        self.theme_ids_, self.thresholds_ = model.theme_ids_, model.thresholds_

    def predict_proba(self, texts):
        self.sizes.append(len(texts))
        return self.m.predict_proba(texts)

    def with_scores(self, df, P):
        return self.m.with_scores(df, P)


def test_memory_is_bounded_by_the_chunk_not_the_file(model, tmp_path):
    # 1,000 rows in chunks of 64: no scoring call ever holds more than one chunk's texts
    rows = [f"{ROWS[i % len(ROWS)]} (answer {i})" if i % 7 else ROWS[i % len(ROWS)] for i in range(1000)]
    src = tmp_path / "big.csv"
    write_table(pd.DataFrame({"respondent_id": range(1000), "text": rows}), src)
    rec = _Recording(model)
    out = tmp_path / "big_tagged.parquet"
    stats = tag_table(rec, src, out, chunk_rows=64, show_progress=False)
    assert stats["rows"] == 1000 and stats["chunks"] == 16
    assert len(rec.sizes) == 16 and max(rec.sizes) <= 64
    back = pd.read_parquet(out)
    assert back["respondent_id"].astype(int).tolist() == list(range(1000))  # complete and in order
    expected = model.tag(pd.DataFrame({"text": rows}))
    themes = [f"theme_{t}" for t in model.theme_ids_]
    assert (back[themes].to_numpy() == expected[themes].to_numpy()).all()


def test_progress_bar_shows_rate_and_time_left(model, table, tmp_path, capsys):
    import re

    src = tmp_path / "in.csv"
    write_table(table, src)
    tag_table(model, src, tmp_path / "out.csv", chunk_rows=4, show_progress=True)
    err = capsys.readouterr().err
    # tqdm's "done/total [elapsed<left, rate]": the bar knows the total (counted ahead), the time left and the rate
    assert re.search(r"tagging.*\b11/11 \[\d\d:\d\d<\d\d:\d\d, +[\d.]+ ?row/s\]", err), err
