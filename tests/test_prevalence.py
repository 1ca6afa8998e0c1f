"""Prevalence counts people, suppresses small cells, and gives Wilson intervals."""

import math

import numpy as np

import pandas as pd
import pytest

from insightkit.report import likert_summary, theme_prevalence, wilson_interval


def _tagged():
    rows = []
    # 6 acute participants, 4 raise epr (one of them twice), 1 raises data
    for i in range(6):
        pid = f"doc/A{i}"
        rows.append({"participant_id": pid, "role": "participant", "trust_type": "Acute", "theme_epr": int(i < 4), "theme_data": int(i == 0)})
        if i == 0:
            rows.append({"participant_id": pid, "role": "participant", "trust_type": "Acute", "theme_epr": 1, "theme_data": 0})
    # 3 ambulance participants: too few people, always suppressed
    for i in range(3):
        rows.append({"participant_id": f"doc/B{i}", "role": "participant", "trust_type": "Ambulance", "theme_epr": 1, "theme_data": 0})
    # an interviewer never counts
    rows.append({"participant_id": "doc/I01", "role": "interviewer", "trust_type": "Acute", "theme_epr": 1, "theme_data": 1})
    return pd.DataFrame(rows)


def test_wilson_matches_known_values():
    lo, hi = wilson_interval(4, 6)
    assert lo == pytest.approx(0.3000, abs=1e-3)
    assert hi == pytest.approx(0.9032, abs=1e-3)
    assert wilson_interval(0, 10)[0] == 0.0
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_counts_people_not_segments_and_suppresses():
    prev = theme_prevalence(_tagged(), by="trust_type", min_count=3)
    acute_epr = prev[(prev.trust_type == "Acute") & (prev.theme == "epr")].iloc[0]
    assert acute_epr.n_people == 6 and acute_epr.n_raised == 4
    assert acute_epr.percent == pytest.approx(400 / 6)
    # one person raised data: 1 < 3 -> suppressed
    acute_data = prev[(prev.trust_type == "Acute") & (prev.theme == "data")].iloc[0]
    assert acute_data.suppressed and math.isnan(acute_data.n_raised) and acute_data.display == "*"
    total = prev[(prev.trust_type == "All") & (prev.theme == "epr")].iloc[0]
    assert total.n_people == 9 and total.n_raised == 7


def test_default_threshold_suppresses_groups_under_five():
    prev = theme_prevalence(_tagged(), by=["trust_type"])
    amb = prev[prev.trust_type == "Ambulance"]
    assert amb.suppressed.all() and amb.n_raised.isna().all() and amb.percent.isna().all()


def test_likert_summary_dedupes_and_suppresses():
    df = pd.DataFrame({
        "participant_id": [f"r{i}" for i in range(8)] + ["r0"],
        "trust_type": ["Acute"] * 6 + ["Community"] * 2 + ["Acute"],
        "board_engaged": ["Agree", "strongly agree", "Disagree", "Agree", None, "Neither agree nor disagree", "Agree", "Agree", "Agree"],
    })
    out = likert_summary(df, "board_engaged", by="trust_type", min_count=3)
    acute = out[out.trust_type == "Acute"].iloc[0]
    assert acute.n == 5 and acute.n_blank == 1
    assert acute.agree_percent == pytest.approx(60.0)
    community = out[out.trust_type == "Community"].iloc[0]
    assert community.suppressed


def test_plots_are_real_images_of_the_data(tmp_path):
    from PIL import Image

    from insightkit.report.plots import prevalence_bars, prevalence_heatmap, save_figure

    prev = theme_prevalence(_tagged(), by="trust_type", min_count=3)
    files = save_figure(prevalence_heatmap(prev), tmp_path / "heat") + save_figure(prevalence_bars(prev, "trust_type", "All"), tmp_path / "bars")
    for f in files:
        assert f.stat().st_size > 1000
    img = Image.open(tmp_path / "heat.png")
    assert img.size[0] > 200 and len(np.unique(np.asarray(img.convert("L")))) > 10
    svg = (tmp_path / "heat.svg").read_text()
    assert "67%" in svg or "67" in svg
