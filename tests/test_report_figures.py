"""Figures draw any label as plain text: no mathtext, one line, bounded length (issue 13)."""

import io

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from insightkit.report.plots import MAX_LABEL, _plain, prevalence_bars, prevalence_heatmap, topic_sizes

NASTY = [r"costs $\frac$ and $\x^{$", "$", "a\nb\r\nc\x00d", "x" * 100_000, "<script>alert(1)</script>", "=HYPERLINK(\"a\")"]


def _draw(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    plt.close(fig)
    assert buf.getvalue().startswith(b"\x89PNG")


@pytest.mark.parametrize("label", NASTY)
def test_figures_draw_hostile_labels(label):
    prev = pd.DataFrame([{"trust_type": label, "theme": "a", "percent": 50.0, "ci_low": 20.0, "ci_high": 80.0},
                         {"trust_type": "All", "theme": "a", "percent": 50.0, "ci_low": 20.0, "ci_high": 80.0}])
    _draw(prevalence_bars(prev, group_column="trust_type", group=label, theme_labels={"a": label}, title=label))
    _draw(prevalence_heatmap(prev, by="trust_type", theme_labels={"a": label}, title=label))
    _draw(topic_sizes(pd.DataFrame({"topic": [0, 1], "label": [label, "b"], "size": [3, 2], "emergent": [True, False]}),
                      title=label))


def test_plain_label_is_one_bounded_line():
    for label in NASTY:
        shown = _plain(label)
        assert "\n" not in shown and "\x00" not in shown
        assert len(shown.replace("\\$", "$")) <= MAX_LABEL
        assert shown.count("$") == shown.count("\\$")
