"""The real-comment redaction set: annotations match the shared comments, and the fast mode keeps its
measured recall (a regression guard; the full measurement is benchmarks/redaction_real.py)."""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import redaction_real  # noqa: E402

pytestmark = pytest.mark.skipif(not redaction_real.SHARED.is_file(),
                                reason="the real comments in ../shared/data/pxtextmining are absent")


@pytest.fixture(scope="module")
def rows():
    return redaction_real.load(redaction_real.DATA, redaction_real.SHARED)


def test_annotations_match_the_comments(rows):
    assert len(rows) >= 700
    assert sum(len(r["names"]) for r in rows) >= 250
    assert {r["split"] for r in rows} == {"dev", "holdout"}


def test_names_only_mode_finds_most_names_and_leaves_name_free_comments(rows):
    s = redaction_real.evaluate("insightkit_names_only", rows, "all")
    assert s["recall"] >= 0.90, s["recall"]
    assert s["name_free_person_share"] <= 0.03, s["name_free_person_share"]
