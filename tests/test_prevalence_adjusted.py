"""Prevalence corrected for the classifier's errors (issue 15, part 2): the estimator's properties on
simulated data with known error rates, the model folder's ``error_rates``, ``theme_prevalence`` and
``insightkit prevalence`` end to end. No encoder is loaded."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from insightkit.classify.error_rates import check_error_rates, error_rates_from_predictions, rates_at_speed
from insightkit.classify.persist import _canonical, _sha256_bytes, default_theme_model_path, verify_model_folder
from insightkit.errors import ModelError, ParameterError
from insightkit.report.adjusted import (
    METHOD_PEOPLE,
    METHOD_SEGMENTS,
    METHOD_UNCORRECTED,
    estimate_share,
    model_error_rates,
)
from insightkit.report.prevalence import prevalence_table, theme_prevalence

TPR, FPR = 0.65, 0.04
THEMES = ["epr", "infrastructure_cyber", "data", "strategy", "productivity", "skills"]


def _cv_counts(rng, pos=60, neg=240, tpr=TPR, fpr=FPR):
    """Counts as cross-validation on a labelled set would give them, for a classifier with these rates."""
    tp, fp = int(rng.binomial(pos, tpr)), int(rng.binomial(neg, fpr))
    return {"tp": tp, "fn": pos - tp, "fp": fp, "tn": neg - fp}


def _tag(rng, truth, tpr=TPR, fpr=FPR):
    return np.where(truth, rng.random(truth.shape) < tpr, rng.random(truth.shape) < fpr)


def test_corrected_share_is_unbiased_where_the_tagged_share_is_not_and_its_interval_covers():
    rng = np.random.default_rng(7)
    errs, raw, covered = [], [], 0
    runs = 150
    for s in range(runs):
        truth = rng.random(300) < 0.35
        tagged = _tag(rng, truth)
        e = estimate_share(int(tagged.sum()), 300, _cv_counts(rng), seed=s, draws=1000)
        assert e.method == METHOD_SEGMENTS
        assert e.ci_low <= e.estimate <= e.ci_high
        errs.append(e.estimate - truth.mean())
        raw.append(e.tagged_share - truth.mean())
        covered += e.ci_low <= truth.mean() <= e.ci_high
    assert np.mean(raw) < -0.08  # missed texts pull the tagged share down
    assert abs(np.mean(errs)) < 0.015
    assert covered / runs >= 0.9


def _people(rng, n_people=80, p=0.35, rate=0.3):
    """People with 1-11 segments; a raiser's segments are each about the theme with ``rate`` (at least one)."""
    rows, raisers = [], rng.random(n_people) < p
    for i in range(n_people):
        k = int(rng.integers(1, 12))
        on = np.zeros(k, bool)
        if raisers[i]:
            on = rng.random(k) < rate
            on[rng.integers(k)] = True
        rows += [(f"p{i}", int(t)) for t in _tag(rng, on)]
    return pd.DataFrame(rows, columns=["participant_id", "theme_epr"]), raisers.mean()


def test_person_level_correction_removes_the_bias_of_many_segments():
    rng = np.random.default_rng(3)
    errs, raw, covered, runs = [], [], 0, 60
    for s in range(runs):
        df, truth = _people(rng)
        row = theme_prevalence(df, by=None, error_rates={"epr": _cv_counts(rng)}, seed=s).iloc[0]
        assert row["method"] == METHOD_PEOPLE
        errs.append(row["estimate"] - truth)
        raw.append(row["tagged_share"] - truth)
        covered += row["ci_low"] / 100 <= truth <= row["ci_high"] / 100
    assert np.mean(raw) > 0.05  # false positives add up over a person's segments
    assert abs(np.mean(errs)) < 0.03
    assert covered / runs >= 0.85


def test_one_segment_each_is_the_segment_formula():
    counts = {"tp": 30, "fn": 10, "fp": 8, "tn": 152}
    seg = estimate_share(40, 120, counts, seed=1)
    per = estimate_share(40, 120, counts, segments=np.ones(120, int), tagged_segments=40, seed=1)
    assert seg == per
    assert seg.estimate == pytest.approx(np.clip((40 / 120 - 8 / 160) / (30 / 40 - 8 / 160), 0, 1))


def test_deterministic_for_a_seed_and_the_interval_holds_the_estimate():
    counts = {"tp": 12, "fn": 9, "fp": 2, "tn": 177}
    a = estimate_share(7, 50, counts, seed=5)
    assert a == estimate_share(7, 50, counts, seed=5)
    assert a.ci_low <= a.estimate <= a.ci_high and 0 <= a.ci_low and a.ci_high <= 1
    # wider than sampling alone: the error-rate uncertainty is in it
    exact = estimate_share(7, 50, {"tp": 12000, "fn": 9000, "fp": 200, "tn": 17700}, seed=5)
    assert a.ci_high - a.ci_low > exact.ci_high - exact.ci_low
    for k in (0, 50):  # clipped estimates still sit inside their interval
        e = estimate_share(k, 50, counts, seed=0)
        assert e.ci_low <= e.estimate <= e.ci_high


def test_falls_back_to_the_tagged_share_with_wilson_and_says_why():
    plain = estimate_share(10, 40)
    assert plain.method == METHOD_UNCORRECTED and plain.estimate == plain.tagged_share == 0.25
    weak = estimate_share(10, 40, {"tp": 10, "fn": 30, "fp": 10, "tn": 90})
    assert weak.estimate == 0.25 and "too small to correct" in weak.method
    with pytest.raises(ParameterError):
        estimate_share(5, 4)


def test_theme_prevalence_keeps_its_columns_and_suppresses_corrected_cells():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"participant_id": [f"p{i % 40}" for i in range(120)],
                       "trust_type": ["acute", "community", "mental health"] * 40,
                       "role": ["participant"] * 119 + ["interviewer"],
                       "theme_epr": (rng.random(120) < 0.3).astype(int), "theme_data": 0})
    df.loc[:2, "theme_data"] = 1  # 1-3 people tagged: suppressed
    prev = theme_prevalence(df, by="trust_type", error_rates={"epr": {"tp": 30, "fn": 10, "fp": 8, "tn": 152}})
    for c in ("n_people", "n_raised", "percent", "ci_low", "ci_high", "suppressed", "display", "estimate",
              "tagged_share", "method"):
        assert c in prev.columns
    epr = prev[(prev.theme == "epr") & ~prev.suppressed]
    assert (epr.method == METHOD_PEOPLE).all()
    assert np.allclose(epr.percent, 100 * epr.estimate)
    data = prev[prev.theme == "data"]
    assert data.suppressed.all() and data.display.eq("*").all()
    assert data[["percent", "ci_low", "ci_high", "estimate", "tagged_share"]].isna().all().all()
    assert (data.method == METHOD_UNCORRECTED).all()  # no counts for this theme
    old = theme_prevalence(df, by=None)
    assert (old.method == METHOD_UNCORRECTED).all() and old.display.iloc[0].endswith("%)")


def test_prevalence_table_units():
    df = pd.DataFrame({"participant_id": ["a", "a", "b", "", "c", "c"], "theme_epr": [1, 1, 0, 1, 0, 0],
                       "role": ["participant"] * 5 + ["interviewer"], "region": list("xxyyzz")})
    seg = prevalence_table(df, unit="segment", min_count=1)
    assert list(seg.columns) == ["theme", "n", "estimate", "ci_low", "ci_high", "tagged_share", "method", "suppressed"]
    assert seg.n.iloc[0] == 5 and seg.tagged_share.iloc[0] == pytest.approx(3 / 5)
    people = prevalence_table(df, by="region", min_count=1)  # default: person, the blank id a person of its own
    assert list(people.columns)[0] == "region" and list(people.region) == ["x", "y", "z", "All"]
    assert people.n.iloc[-1] == 4 and people.tagged_share.iloc[-1] == pytest.approx(2 / 4)  # a, b, the blank, c
    with pytest.raises(Exception, match="participant_id"):
        prevalence_table(df.drop(columns="participant_id"), unit="person")


def test_error_rates_from_predictions_and_checks():
    Y = np.array([[1, 0], [1, 1], [0, 0], [0, 1]])
    P = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])
    counts = error_rates_from_predictions(Y, P, ["a", "b"])
    assert counts == {"a": {"tp": 1, "fn": 1, "fp": 1, "tn": 1}, "b": {"tp": 1, "fn": 1, "fp": 0, "tn": 2}}
    entry = {"method": "cv", "default": counts}
    assert check_error_rates(entry, ["a", "b"]) == entry
    assert rates_at_speed(entry, "fast") is None and rates_at_speed(entry, "default") == counts
    bad = [{"default": counts}, {"method": "cv"}, {"method": "cv", "default": {"a": counts["a"]}},
           {"method": "cv", "default": {**counts, "b": {"tp": -1, "fn": 1, "fp": 0, "tn": 2}}},
           {"method": "cv", "default": {**counts, "b": {"tp": True, "fn": 1, "fp": 0, "tn": 2}}},
           {"method": "cv", "default": counts, "slow": counts}]
    for b in bad:
        with pytest.raises(ModelError):
            check_error_rates(b, ["a", "b"])
    with pytest.raises(ParameterError):
        error_rates_from_predictions(Y, P[:, :1], ["a", "b"])


@pytest.fixture()
def model_with_rates(tmp_path):
    """The shipped model's folder with error rates written into its meta.json, re-hashed."""
    folder = tmp_path / "model"
    shutil.copytree(default_theme_model_path(), folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    rng = np.random.default_rng(1)
    meta["error_rates"] = {"method": "simulated for the test", "data": {"name": "test", "n_texts": 300},
                           "default": {t: _cv_counts(rng) for t in meta["themes"]},
                           "fast": {t: _cv_counts(rng, tpr=0.1, fpr=0.05) for t in meta["themes"]}}
    meta["meta_sha256"] = _sha256_bytes(_canonical(meta))
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    verify_model_folder(folder)
    return folder


def test_model_error_rates_read_from_the_folder(model_with_rates):
    counts, how = model_error_rates(model_with_rates)
    assert how == "simulated for the test" and set(counts) == set(verify_model_folder(model_with_rates)["themes"])
    assert model_error_rates(model_with_rates, "fast")[0] != counts
    meta = json.loads((model_with_rates / "meta.json").read_text(encoding="utf-8"))
    meta["error_rates"]["default"].pop(meta["themes"][0])
    meta["meta_sha256"] = _sha256_bytes(_canonical(meta))
    (model_with_rates / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="error_rates"):
        model_error_rates(model_with_rates)


def _tagged_csv(path, themes, n=240):
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"segment_id": [f"s{i}" for i in range(n)], "text": "x",
                       "participant_id": [f"p{i % 60}" for i in range(n)],
                       "trust_type": ["=HYPERLINK(1)", "acute", "community"] * (n // 3)})
    for t in themes:
        df[f"theme_{t}"] = (rng.random(n) < 0.25).astype(int)
    df.to_csv(path, index=False)
    return path


def test_cli_end_to_end(model_with_rates, tmp_path, capsys):
    from insightkit.cli import main

    themes = verify_model_folder(model_with_rates)["themes"]
    src = _tagged_csv(tmp_path / "tagged.csv", themes)
    out = tmp_path / "prev.csv"
    assert main(["prevalence", str(src), "--by", "trust_type", "--unit", "segment", "--model", str(model_with_rates),
                 "--out", str(out)]) == 0
    assert "simulated for the test" in capsys.readouterr().out
    got = pd.read_csv(out, keep_default_na=False)
    assert list(got.columns) == ["trust_type", "theme", "n", "estimate", "ci_low", "ci_high", "tagged_share", "method",
                                 "suppressed"]
    assert len(got) == 4 * len(themes) and set(got.method) == {METHOD_SEGMENTS}
    assert got.trust_type.str.startswith("'=").any()  # formulas neutralised
    num = got[["estimate", "ci_low", "ci_high"]].astype(float)
    assert ((num.ci_low <= num.estimate) & (num.estimate <= num.ci_high)).all()
    again = tmp_path / "again.csv"
    main(["prevalence", str(src), "--by", "trust_type", "--unit", "segment", "--model", str(model_with_rates),
          "--out", str(again)])
    assert again.read_bytes() == out.read_bytes()  # seeded
    fast = tmp_path / "fast.parquet"
    assert main(["prevalence", str(src), "--model", str(model_with_rates), "--fast", "--out", str(fast)]) == 0
    assert pd.read_parquet(fast).method.str.contains("too small to correct").all()  # the fast head's rates are weak


@pytest.mark.parametrize("argv, needle", [
    (["--by", "nope"], "nope"),
    (["--unit", "person", "--by", "trust_type", "--min-count", "0"], "--min-count"),
    (["--seed", "-1"], "--seed"),
    (["--model", "/nonexistent/model"], "model folder not found"),
])
def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, argv, needle):
    from insightkit.cli import main

    src = _tagged_csv(tmp_path / "tagged.csv", THEMES)
    try:
        code = main(["prevalence", str(src), *argv, "--out", str(tmp_path / "p.csv")])
    except SystemExit as exc:  # a usage error
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err


def test_cli_without_theme_columns(tmp_path, capsys):
    from insightkit.cli import main

    src = tmp_path / "plain.csv"
    pd.DataFrame({"text": ["a", "b"]}).to_csv(src, index=False)
    assert main(["prevalence", str(src), "--out", str(tmp_path / "p.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "theme_" in err and str(src) in err


def test_save_model_records_error_rates_and_load_puts_them_on_the_model(tmp_path):
    from _themes_small import THEMES as SMALL, frame

    from insightkit.classify import ThemeClassifier, load_model
    from insightkit.codebook import Codebook

    df = frame()
    model = ThemeClassifier(Codebook.default(), features=("words",), threshold_folds=0, fast_head=False)
    model.fit(df["text"].tolist(), df[SMALL].to_numpy())
    ids = model.theme_ids_
    rates = {"method": "cv", "default": error_rates_from_predictions(np.zeros((4, len(ids))), np.zeros((4, len(ids))), ids)}
    with pytest.raises(ModelError):
        model.save(tmp_path / "bad", error_rates={"method": "cv", "default": {ids[0]: rates["default"][ids[0]]}})
    folder = model.save(tmp_path / "m", error_rates=rates)
    assert model.error_rates_ == rates
    meta = verify_model_folder(folder)
    assert meta["error_rates"] == rates
    loaded = load_model(folder)
    assert loaded.error_rates_ == rates and "error_rates" not in loaded.get_params()
    assert model_error_rates(loaded) == (rates["default"], "cv")
    assert load_model(model.save(tmp_path / "plain")).error_rates_ is None
