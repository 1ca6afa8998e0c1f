"""Prevalence from calibrated probabilities: the Platt fit, the estimate, its interval, people, and the
model folder's calibration entry."""

import numpy as np
import pandas as pd
import pytest

from insightkit.classify.error_rates import calibration_at_speed, calibration_pairs, check_error_rates
from insightkit.errors import ModelError
from insightkit.report.calibrated import METHOD_CALIBRATED, METHOD_CALIBRATED_PEOPLE, Calibrator, fit_platt
from insightkit.report.prevalence import theme_prevalence


def _scores(y, rng, shift=-1.5):
    """Scores of a classifier that ranks well but is badly calibrated (too low for positives)."""
    z = np.where(y == 1, 1.0, -2.0) + shift + rng.normal(0, 1.2, len(y))
    return 1 / (1 + np.exp(-z))


def test_platt_fit_recovers_a_known_map():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 2, 20000)
    y = (rng.random(20000) < 1 / (1 + np.exp(-(0.7 * x - 0.4)))).astype(float)
    a, b = fit_platt(x, y)
    assert abs(a - 0.7) < 0.05 and abs(b + 0.4) < 0.05
    many = fit_platt(np.vstack([x[:500], x[500:1000]]), np.vstack([y[:500], y[500:1000]]))
    assert many.shape == (2, 2)


def test_calibrated_share_corrects_a_biased_classifier_and_covers_the_truth():
    rng = np.random.default_rng(1)
    covered, errs = 0, []
    for rep in range(20):
        y_cal = (rng.random(250) < 0.3).astype(int)
        cal = Calibrator(_scores(y_cal, rng), y_cal, seed=rep)
        y = (rng.random(300) < 0.3).astype(int)
        s = _scores(y, rng)
        est = cal.share(s, seed=rep, tagged_share=float((s >= 0.5).mean()))
        errs.append(abs(est.estimate - y.mean()))
        covered += est.ci_low <= y.mean() <= est.ci_high
        assert est.ci_low <= est.estimate <= est.ci_high and est.method == METHOD_CALIBRATED
    tagged_bias = abs(float((_scores(np.ones(1000, int), rng) >= 0.5).mean()) - 1)
    assert np.mean(errs) < 0.04 and tagged_bias > 0.2  # the tagged share is far off; the estimate is not
    assert covered >= 17


def test_the_interval_is_seeded():
    rng = np.random.default_rng(2)
    y = (rng.random(200) < 0.4).astype(int)
    s = _scores(y, rng)
    a = Calibrator(s, y, seed=3).share(s, seed=5)
    b = Calibrator(s, y, seed=3).share(s, seed=5)
    assert a == b


def test_person_level_counts_a_person_once():
    rng = np.random.default_rng(4)
    y_cal = (rng.random(300) < 0.3).astype(int)
    cal = Calibrator(_scores(y_cal, rng), y_cal)
    s = np.array([0.99, 0.99, 0.99, 0.001, 0.001, 0.001])
    per_segment = cal.share(s)
    per_person = cal.share(s, owners=np.array([0, 0, 0, 1, 1, 1]))
    assert per_person.method == METHOD_CALIBRATED_PEOPLE
    assert per_person.estimate == pytest.approx(0.5, abs=0.1)
    assert per_segment.estimate == pytest.approx(0.5, abs=0.1)
    many_hints = cal.share(np.full(40, 0.3), owners=np.zeros(40, int))
    one_hint = cal.share(np.full(1, 0.3))
    assert many_hints.estimate > one_hint.estimate


def test_theme_prevalence_uses_the_calibration_when_scores_are_there():
    rng = np.random.default_rng(6)
    y = (rng.random(400) < 0.3).astype(int)
    s = _scores(y, rng)
    tagged = pd.DataFrame({"segment_id": range(400), "theme_epr": (s >= 0.5).astype(int), "score_epr": s})
    y_cal = (rng.random(300) < 0.3).astype(int)
    cal = {"epr": {"scores": list(_scores(y_cal, rng)), "labels": list(y_cal)}}
    plain = theme_prevalence(tagged, by=None, unit=None)
    calibrated = theme_prevalence(tagged, by=None, unit=None, calibration=cal)
    assert calibrated["method"].iloc[0] == METHOD_CALIBRATED
    assert abs(calibrated["estimate"].iloc[0] - y.mean()) < abs(plain["tagged_share"].iloc[0] - y.mean())
    # without score columns the calibration cannot apply: the tagged share is reported
    no_scores = theme_prevalence(tagged.drop(columns="score_epr"), by=None, unit=None, calibration=cal)
    assert no_scores["method"].iloc[0] != METHOD_CALIBRATED


def test_model_folder_calibration_entry_is_checked():
    ids = ["a", "b"]
    counts = {t: {"tp": 1, "fn": 1, "fp": 1, "tn": 1} for t in ids}
    pairs = calibration_pairs(np.array([[0.2, 0.9], [0.7, 0.1]]), np.array([[0, 1], [1, 0]]), ids)
    ok = check_error_rates({"method": "cv", "default": counts, "calibration": {"default": pairs}}, ids)
    assert calibration_at_speed(ok, "default")["b"] == {"scores": [0.9, 0.1], "labels": [1, 0]}
    assert calibration_at_speed(ok, "fast") is None
    bad = {"default": {"a": pairs["a"], "b": {"scores": [0.2, 1.5], "labels": [0, 1]}}}
    with pytest.raises(ModelError, match="calibration.default.b"):
        check_error_rates({"method": "cv", "default": counts, "calibration": bad}, ids)


def test_cli_prevalence_uses_the_shipped_models_calibration(tmp_path, capsys):
    from insightkit.classify.persist import default_theme_model_path, verify_model_folder
    from insightkit.cli import main

    meta = verify_model_folder(default_theme_model_path())
    assert meta["error_rates"]["calibration"]["default"]  # the shipped model keeps its calibration pairs
    themes = meta["themes"]
    rng = np.random.default_rng(8)
    df = pd.DataFrame({"segment_id": [f"s{i}" for i in range(120)], "text": "x"})
    for t in themes:
        df[f"score_{t}"] = rng.random(120).round(4)
        df[f"theme_{t}"] = (df[f"score_{t}"] >= 0.5).astype(int)
    src = tmp_path / "tagged.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "prev.csv"
    assert main(["prevalence", str(src), "--unit", "segment", "--out", str(out)]) == 0
    got = pd.read_csv(out)
    assert set(got["method"]) == {METHOD_CALIBRATED}
    assert ((got.ci_low <= got.estimate) & (got.estimate <= got.ci_high)).all()
    # without the scores it falls back to adjusted classify-and-count from the same folder
    df.drop(columns=[f"score_{t}" for t in themes]).to_csv(src, index=False)
    assert main(["prevalence", str(src), "--unit", "segment", "--out", str(out)]) == 0
    assert METHOD_CALIBRATED not in set(pd.read_csv(out)["method"])
