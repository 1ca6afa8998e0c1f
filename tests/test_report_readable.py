"""What a reader sees in the report: labels not ids, plain headings, '*' for every suppressed cell, the
n behind each group, and a short model card instead of a JSON dump."""

import json
from pathlib import Path

import pandas as pd

from insightkit.report.model_card import model_card
from insightkit.report.prevalence import readable_likert, readable_overall, readable_pivot, theme_prevalence

LABELS = {"epr": "Electronic patient records", "skills": "Digital skills"}


def _tagged():
    rows = []
    for i in range(30):
        rows.append({"participant_id": f"p{i}", "role": "participant", "trust_type": "Acute" if i < 26 else "Ambulance",
                     "theme_epr": int(i % 3 == 0), "theme_skills": int(i % 2 == 0)})
    return pd.DataFrame(rows)


def test_readable_overall_uses_labels_and_plain_headings():
    prev = theme_prevalence(_tagged(), min_count=5)
    table = readable_overall(prev, LABELS)
    assert list(table.columns) == ["Theme", "People", "Tagged with the theme", "Share (95% interval)"]
    assert set(table["Theme"]) == set(LABELS.values())
    assert not any("_" in c for c in table.columns)


def test_readable_pivot_gives_n_per_group_and_stars_for_suppressed_cells():
    prev = theme_prevalence(_tagged(), by="trust_type", min_count=5)
    table = readable_pivot(prev, "trust_type", LABELS)
    assert "Acute (n=26)" in table.columns and "All (n=30)" in table.columns
    # 4 people: suppressed, shown as *, and the group's size is not shown either
    assert "Ambulance" in table.columns and set(table["Ambulance"]) == {"*"}
    assert not table.isna().any().any()


def test_readable_likert_stars_suppressed_rows():
    tab = pd.DataFrame({"trust_type": ["Acute", "Ambulance"], "n": [20, 3], "agree_percent": [60.0, float("nan")],
                        "agree_ci_low": [39.0, float("nan")], "agree_ci_high": [78.0, float("nan")],
                        "disagree_percent": [20.0, float("nan")], "suppressed": [False, True]})
    table = readable_likert(tab)
    assert table.iloc[0]["Agree (95% interval)"] == "60% (39-78%)"
    assert table.iloc[1]["Agree (95% interval)"] == "*" and table.iloc[1]["Disagree"] == "*"


def test_model_card_of_the_default_model_is_short_and_plain():
    import insightkit

    meta = json.loads((Path(insightkit.__file__).parent / "data" / "models" / "nhs-digital" / "meta.json").read_text())
    card = dict(model_card(meta))
    assert "Accuracy on real text" in card and "macro-F1" in card["Accuracy on real text"]
    assert list(card)[:3] == ["Model", "Trained on", "Accuracy on real text"]
    assert sum(len(v) for v in card.values()) < 1500
    assert not any("{" in v for v in card.values())
    assert model_card({}) == []
