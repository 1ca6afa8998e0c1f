"""Settings of quote selection (:class:`QuoteConfig`) and what it returns (:class:`QuoteSelection`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

__all__ = ["QuoteConfig", "QuoteSelection", "DECISION_COLUMNS", "DEFAULT_SPREAD_BY", "DEFAULT_BALANCE",
           "SUPPRESSED_MODES", "EFFECT_COLUMNS"]

DECISION_COLUMNS = ["theme", "quote_id", "decision", "replacement_id", "reviewer", "date", "note"]
#: What a reviewer's decision caused beyond the quote it names (``QuoteSelection.effects``).
EFFECT_COLUMNS = ["theme", "quote_id", "effect", "caused_by", "detail"]
#: Columns whose values quotes are spread across by default (NHS trust types, then regions).
DEFAULT_SPREAD_BY = ("trust_type", "region")
#: The least share of a theme's quotes from each kind of source, when the theme has candidates of
#: more than one kind: at least half from the calls (transcripts), at least a quarter from the
#: survey (rounded up: 2 and 1 of 3 quotes). A share may also be "people": the kind's share of the
#: people among the theme's candidates.
DEFAULT_BALANCE: Mapping[str, float | str] = {"transcript": 0.5, "survey": 0.25}
#: What happens to a quote from a group whose count the report suppresses (docs/quotes.md).
SUPPRESSED_MODES = ("unattributed", "omit")


@dataclass
class QuoteConfig:
    """Quotability filters and selection knobs (all documented in docs/quotes.md).

    ``spread_by``: columns of the segment table whose values the quotes of a theme are spread
    across, most important first; a column the table lacks is ignored. ``spread_penalties``: what a
    candidate whose value of the i-th column is already represented loses while other values remain
    (a column beyond the list takes the last penalty).

    ``balance``: the least share of each theme's quotes from each kind of source (``kind`` column:
    ``transcript``, ``survey``), applied when the theme has viable candidates of more than one kind;
    ``None`` or ``{}`` turns it off. ``min_count``: the report's small-number threshold; a quote from a
    group (a value of a ``suppress_by`` column) whose count for the theme is suppressed is shown
    without its attribution (``suppressed="unattributed"``) or left out (``"omit"``); 0 or 1 turns
    it off. ``collapse_false_starts``: show "not a, not a strategy" as "not a strategy" (a recorded
    deletion, still verified against the source).
    """

    min_words: int = 12
    max_words: int = 90
    max_sentences: int = 3
    allow_placeholders: bool = False
    near_duplicate: float = 0.92  # cosine above which a weaker candidate is a near-duplicate
    mmr_lambda: float = 0.7  # weight of relevance against redundancy in MMR
    spread_by: tuple[str, ...] = DEFAULT_SPREAD_BY
    spread_penalties: tuple[float, ...] = (0.10, 0.05)
    spread_penalty_topic: float = 0.05
    n_alternatives: int = 3
    max_segments_per_theme: int = 80  # candidates come from the best-scoring segments per theme
    min_theme_score: float | None = None  # default: the model's threshold, else 0.5
    allow_shared: bool = False  # may one window (or overlapping ones) be chosen for two themes?
    balance: Mapping[str, float | str] | None = field(default_factory=lambda: dict(DEFAULT_BALANCE))
    min_count: int = 5  # the report's suppression threshold (insightkit.report.prevalence), reused
    suppress_by: tuple[str, ...] = DEFAULT_SPREAD_BY
    suppressed: str = "unattributed"
    collapse_false_starts: bool = True

    def spread_penalty(self, i: int) -> float:
        """The penalty for the i-th ``spread_by`` column."""
        pens = tuple(self.spread_penalties)
        if not pens:
            return 0.0
        return float(pens[i] if i < len(pens) else pens[-1])


@dataclass
class QuoteSelection:
    """What :func:`select_quotes` returns; iterates as ``(quotes, rejected)``."""

    quotes: pd.DataFrame
    candidates: pd.DataFrame
    rejected: pd.DataFrame
    decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECISION_COLUMNS))
    messages: list[str] = field(default_factory=list)
    spread_by: tuple[str, ...] = DEFAULT_SPREAD_BY
    effects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EFFECT_COLUMNS))

    def __iter__(self):
        yield self.quotes
        yield self.rejected
