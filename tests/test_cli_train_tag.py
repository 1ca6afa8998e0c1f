"""The command line round trip: train -> tag -> evaluate -> agreement, and its one-line errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from _themes_small import THEMES, frame
from insightkit.cli import build_parser, main


def run_cli(*argv):
    return main([str(a) for a in argv])


@pytest.fixture(scope="module")
def train_csv(tmp_path_factory):
    d = tmp_path_factory.mktemp("train")
    p = d / "train.csv"
    frame().to_csv(p, index=False)
    return p


def test_help_for_each_command(capsys):
    parser = build_parser()
    for cmd in ("train", "tag", "evaluate", "agreement"):
        with pytest.raises(SystemExit) as e:
            parser.parse_args([cmd, "--help"])
        assert e.value.code == 0
        assert cmd in capsys.readouterr().out


@pytest.mark.slow
def test_round_trip(train_csv, tmp_path, capsys, monkeypatch):
    model_dir = tmp_path / "models" / "small"
    copy_dir = tmp_path / "copy"
    assert run_cli("train", train_csv, "--text-column", "text", "--out", model_dir, "--dev", train_csv,
                   "--copy-to", copy_dir, "--quiet") == 0
    cap = capsys.readouterr()
    out = cap.out
    assert "trained on 44 texts" in out and "cross-validated" in out and "dev (train.csv" in out
    # 44 texts are too few to trust: said on stderr, with the interval on the dev score
    assert "95% interval" in out and "warning: the dev set train.csv has only 44 texts" in cap.err
    assert "warning: the training data has only 44 texts" in cap.err
    meta = json.loads((model_dir / "meta.json").read_text())
    lo, hi = meta["metrics"]["dev"]["macro_f1_ci"]
    assert lo <= meta["metrics"]["dev"]["macro_f1"] <= hi
    assert meta["training_data"]["file"]["name"] == "train.csv"
    assert meta["metrics"]["dev"]["n_texts"] == 44
    files = [p for p in model_dir.rglob("*") if p.is_file()]
    assert "fast/meta.json" in {p.relative_to(model_dir).as_posix() for p in files}  # fast head by default
    for p in files:
        assert (copy_dir / p.relative_to(model_dir)).read_bytes() == p.read_bytes()

    # tag an input with extra columns, as XLSX and Parquet too
    inp = tmp_path / "segments.csv"
    seg = frame()[["text"]].assign(segment_id=[f"s{i}" for i in range(44)], speaker="P01")
    seg.loc[3, "text"] = ""
    seg.to_csv(inp, index=False)
    for ext in ("csv", "xlsx", "parquet"):
        tagged = tmp_path / f"tagged.{ext}"
        assert run_cli("tag", inp, "--text-column", "text", "--model", model_dir, "--out", tagged, "--quiet",
                       "--no-clean") == 0
        df = pd.read_csv(tagged, keep_default_na=False) if ext == "csv" else (
            pd.read_excel(tagged, keep_default_na=False) if ext == "xlsx" else pd.read_parquet(tagged))
        assert len(df) == 44
        assert list(df.columns[:3]) == ["text", "segment_id", "speaker"]
        assert [c for c in df.columns if c.startswith("theme_")] == [f"theme_{t}" for t in THEMES]
        assert [c for c in df.columns if c.startswith("score_")] == [f"score_{t}" for t in THEMES]
        assert df.loc[3, [f"theme_{t}" for t in THEMES]].astype(int).sum() == 0
    capsys.readouterr()

    assert run_cli("evaluate", "--model", model_dir, train_csv, "--json", "--quiet") == 0
    rep = json.loads(capsys.readouterr().out)
    assert set(rep["themes"]) == set(THEMES)
    assert rep["macro_f1"] > 0.8 and {"micro_f1", "samples_f1"} <= set(rep)
    assert run_cli("evaluate", "--model", model_dir, train_csv, "--quiet") == 0
    table = capsys.readouterr().out
    assert "precision" in table and "samples" in table
    # the fast head is scored separately and says so
    from insightkit.classify import ThemeClassifier

    speeds = []
    real_predict = ThemeClassifier.predict

    def spy(self, X, **kw):
        speeds.append(self.speed)  # the head that predicts: the fast head at --fast
        return real_predict(self, X, **kw)

    monkeypatch.setattr(ThemeClassifier, "predict", spy)
    assert run_cli("evaluate", "--model", model_dir, train_csv, "--fast", "--json", "--quiet") == 0
    fast = json.loads(capsys.readouterr().out)
    assert speeds == ["fast"]
    assert fast["speed"] == "fast" and rep["speed"] == "default" and set(fast["themes"]) == set(THEMES)
    assert fast["macro_f1"] > 0.6
    monkeypatch.undo()

    # model against coder: the tagged file carries theme_<id>, the coded file <id>
    tagged = tmp_path / "tagged_full.csv"
    assert run_cli("tag", train_csv, "--model", model_dir, "--out", tagged, "--quiet", "--no-clean") == 0
    assert run_cli("agreement", tagged, train_csv, "--json") == 0
    agr = json.loads(capsys.readouterr().out)
    assert set(agr["themes"]) == set(THEMES) and agr["aligned_by"] == "row"
    assert all(v["kappa"] is not None and v["kappa"] > 0.5 for v in agr["themes"].values())
    assert run_cli("agreement", tagged, train_csv) == 0
    assert "alpha" in capsys.readouterr().out


def test_agreement_aligns_by_id_and_refuses_different_lengths(tmp_path, capsys):
    a = pd.DataFrame({"segment_id": ["x", "y", "z", "w"], "epr": [1, 0, 1, 0], "data": [0, 0, 1, 1]})
    b = a.iloc[::-1].copy()
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    assert run_cli("agreement", tmp_path / "a.csv", tmp_path / "b.csv", "--json") == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["aligned_by"] == "segment_id"
    assert rep["themes"]["epr"]["kappa"] == 1.0 and rep["themes"]["data"]["alpha"] == 1.0
    a[["epr", "data"]].to_csv(tmp_path / "a2.csv", index=False)
    a[["epr", "data"]].head(3).to_csv(tmp_path / "b2.csv", index=False)
    assert run_cli("agreement", tmp_path / "a2.csv", tmp_path / "b2.csv") == 2
    err = capsys.readouterr().err
    assert "3 rows but" in err and "has 4" in err and err.count("\n") == 1
    # a theme_<id> column holding something else than 0/1 is an error naming the line, not left out
    (tmp_path / "a3.csv").write_text("id,theme_epr,theme_data\n1,1,0\n2,maybe,1\n")
    (tmp_path / "b3.csv").write_text("id,theme_epr,theme_data\n1,1,0\n2,0,1\n")
    assert run_cli("agreement", tmp_path / "a3.csv", tmp_path / "b3.csv") == 2
    err = capsys.readouterr().err
    assert "a3.csv:3" in err and "theme_epr" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "mutate, needle",
    [
        (lambda df: df.drop(columns=["skills"]), "no label column for theme(s) skills"),
        (lambda df: df.assign(data=df["data"].astype(object).where(df.index != 5, "yes please")),
         "train.csv:7: column 'data': value 'yes please' is not 0 or 1"),
        (lambda df: df.assign(strategy=0), "theme 'strategy' (column 'strategy') has no positive rows"),
        (lambda df: df.rename(columns={"text": "answer"}), "no text column 'text'"),
        (lambda df: df.assign(text=df["text"].where(df.index != 2, "")), "train.csv:4: empty text"),
    ],
)
def test_train_errors_are_one_clear_line(tmp_path, capsys, mutate, needle):
    p = tmp_path / "train.csv"
    mutate(frame()).to_csv(p, index=False)
    assert run_cli("train", p, "--out", tmp_path / "m", "--quiet") == 2
    err = capsys.readouterr().err
    assert needle in err, err
    assert err.count("\n") == 1
    assert not (tmp_path / "m").exists()


def test_tag_errors(tmp_path, capsys):
    p = tmp_path / "in.csv"
    pd.DataFrame({"answer": ["a"]}).to_csv(p, index=False)
    assert run_cli("tag", p, "--out", tmp_path / "o.csv", "--model", tmp_path / "none") == 2
    assert "no text column 'text'" in capsys.readouterr().err
    pd.DataFrame({"text": ["a"]}).to_csv(p, index=False)
    assert run_cli("tag", p, "--out", tmp_path / "o.csv", "--model", tmp_path / "none") == 2
    assert "model folder not found" in capsys.readouterr().err
    assert run_cli("tag", p, "--out", tmp_path / "o.json") == 2
    assert "unsupported output type" in capsys.readouterr().err


def test_codebook_error_reaches_the_cli(tmp_path, capsys, train_csv):
    cb = tmp_path / "cb.yaml"
    cb.write_text("name: x\nthemes:\n  - id: epr\n    label: EPR\n", encoding="utf-8")
    assert run_cli("train", train_csv, "--codebook", cb, "--out", tmp_path / "m") == 2
    err = capsys.readouterr().err
    assert "cb.yaml" in err and "theme 'epr': field 'description'" in err


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
def test_sigterm_during_tagging_leaves_neither_output_nor_temporary_file(tmp_path):
    """A cancelled job (SIGTERM) unwinds the atomic writer: the target stays absent and the hidden
    temporary file beside it is removed."""
    from insightkit.classify import ThemeClassifier

    texts = [f"we moved the {w} onto the new system in week {i}" for i, w in
             enumerate(["pharmacy", "wifi", "dashboard", "rota", "training", "strategy"] * 8)]
    Y = np.zeros((len(texts), len(THEMES)), dtype=int)
    for i in range(len(texts)):
        Y[i, i % len(THEMES)] = 1
    model_dir = tmp_path / "model"
    ThemeClassifier(features=("words",), threshold_folds=0).fit(texts, Y).save(model_dir)
    big = tmp_path / "big.csv"
    pd.DataFrame({"text": [texts[i % len(texts)] + f" ({i})" for i in range(400_000)]}).to_csv(big, index=False)
    out = tmp_path / "tagged.csv"
    proc = subprocess.Popen([sys.executable, "-m", "insightkit", "tag", str(big), "--model", str(model_dir),
                             "--out", str(out), "--chunk-rows", "500", "--quiet", "--no-clean"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if [p for p in tmp_path.iterdir() if p.name.startswith(".tagged") and p.stat().st_size > 0]:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"tagging ended before it could be interrupted: {proc.communicate()}"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "model"]
