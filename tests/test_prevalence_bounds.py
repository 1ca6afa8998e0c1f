"""Every Wilson interval contains its estimate, so error bars are never negative (issue 13)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insightkit.report import theme_prevalence, wilson_interval
from insightkit.report.prevalence import _percent


@pytest.mark.parametrize("level", [0.90, 0.95, 0.99, 0.8])
def test_interval_contains_estimate_for_every_k_and_n(level):
    bad = []
    # every k for small n (where rounding bites), a spread of k for large n (SciPy's binomtest: ~1 ms a call)
    for n in [*range(1, 101), 137, 250, 999, 1000]:
        for k in (range(n + 1) if n <= 100 else sorted({0, 1, 2, n // 3, n // 2, n - 2, n - 1, n})):
            lo, hi = wilson_interval(k, n, level)
            p = k / n
            if not (0.0 <= lo <= p <= hi <= 1.0):
                bad.append((k, n, lo, hi))
            # in percent, as the tables and the figure use them
            if not (100 * lo <= _percent(k, n) <= 100 * hi):
                bad.append(("percent", k, n))
        assert wilson_interval(0, n, level)[0] == 0.0
        assert wilson_interval(n, n, level)[1] == 1.0
    assert not bad, bad[:5]


def test_interval_rejects_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(4, 3)
    with pytest.raises(ValueError):
        wilson_interval(-1, 3)
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.sampled_from(["Acute", "Ambulance", "Mental health"])),
                min_size=1, max_size=40),
       st.integers(min_value=0, max_value=6))
def test_prevalence_table_bounds_bracket_percent(people, min_count):
    df = pd.DataFrame({
        "participant_id": [f"p{i}" for i in range(len(people))],
        "trust_type": [g for _, g in people],
        "theme_epr": [int(r) for r, _ in people],
        "theme_data": [0] * len(people),  # raised by nobody: k = 0 in every group
        "theme_all": [1] * len(people),  # raised by everybody: k = n in every group
    })
    prev = theme_prevalence(df, by="trust_type", min_count=min_count)
    shown = prev[~prev["suppressed"]]
    assert (shown["ci_low"] <= shown["percent"]).all()
    assert (shown["percent"] <= shown["ci_high"]).all()


def test_bars_draw_for_zero_and_all_of_n():
    """The figure that crashed: themes raised by 0 or all of n people, for the n that rounded wrongly."""
    import matplotlib.pyplot as plt

    from insightkit.report.plots import prevalence_bars

    rows = []
    for n in (3, 6, 7, 10, 12, 13, 14, 24, 25):
        for k in (0, n):
            lo, hi = wilson_interval(k, n)
            rows.append({"theme": f"t{k}_{n}", "percent": _percent(k, n), "ci_low": 100 * lo, "ci_high": 100 * hi})
    # a table from elsewhere: a bound a hair on the wrong side, and a percent without an interval
    rows.append({"theme": "hair", "percent": 0.0, "ci_low": 1e-15, "ci_high": 30.0})
    rows.append({"theme": "no_ci", "percent": 40.0, "ci_low": np.nan, "ci_high": np.nan})
    rows.append({"theme": "suppressed", "percent": np.nan, "ci_low": np.nan, "ci_high": np.nan})
    fig = prevalence_bars(pd.DataFrame(rows))
    plt.close(fig)
