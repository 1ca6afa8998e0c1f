"""No attributed quote for a group whose count the report suppresses.

The report hides the count of a group and theme when the group has fewer than ``min_count``
people or when 1 to ``min_count - 1`` of them raised the theme (:func:`insightkit.theme_prevalence`,
``docs/concepts/suppression.md``): "1 of 3 ambulance trust leaders" can point at a person. A quote
attributed "Ambulance trust, Midlands" under that theme would give back what the table hides. So
the same rule, with the same threshold (``QuoteConfig.min_count``, default 5 as in the report), is
applied to each quote: for the theme's ``All`` row and for each ``suppress_by`` column (by default
trust type and region, the report's groups) the quoted person's group is counted in people, the
quoted person counting as raising the theme. Where any of these counts is suppressed the quote is
shown without its attribution (``"Interview participant"`` or ``"Survey respondent"``, its group
columns blank, its reason naming no group) or, with ``suppressed="omit"``, not chosen at all
(``rejected`` reason ``suppressed_group``).
"""

from __future__ import annotations

import pandas as pd

from insightkit.errors import ParameterError
from insightkit.quotes.config import SUPPRESSED_MODES

__all__ = ["GroupCounts", "group_counts", "withheld_label", "check_suppression"]

#: The attribution shown in place of a withheld one, by the segment's kind.
_WITHHELD = {"transcript": "Interview participant", "survey": "Survey respondent"}


def withheld_label(kind: str) -> str:
    return _WITHHELD.get(str(kind), "Participant")


def check_suppression(min_count, mode) -> None:
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 0:
        raise ParameterError(f"min_count must be a whole number of people (0 or more), got {min_count!r}")
    if mode not in SUPPRESSED_MODES:
        raise ParameterError(f"suppressed must be one of {', '.join(SUPPRESSED_MODES)}, got {mode!r}")


class GroupCounts:
    """People per group and, per theme, people who raised it: the report's counts, for quotes."""

    def __init__(self, segs: pd.DataFrame, cols: tuple[str, ...], min_count: int):
        self.min_count = int(min_count)
        people = segs
        if "role" in people.columns:
            people = people[people["role"].fillna("") != "interviewer"]
        key = "participant_id" if "participant_id" in people.columns else "segment_id"
        self.cols = tuple(c for c in cols if c in people.columns)
        ids = people[key].astype(str)
        self._people = people.assign(_pid=ids)
        first = self._people.drop_duplicates("_pid")  # a person belongs to one group: the first seen
        self._group = {c: dict(zip(first["_pid"], first[c].map(_value))) for c in self.cols}
        self._members: dict[str, dict[str, set]] = {c: {} for c in self.cols}
        for c in self.cols:
            for pid, v in self._group[c].items():
                self._members[c].setdefault(v, set()).add(pid)
        self._total = int(len(first))
        self._raised: dict[str, set] = {}

    def _raisers(self, theme: str) -> set:
        if theme not in self._raised:
            col = f"theme_{theme}"
            if col in self._people.columns:
                tagged = pd.to_numeric(self._people[col], errors="coerce").fillna(0) > 0
                self._raised[theme] = set(self._people.loc[tagged, "_pid"])
            else:
                self._raised[theme] = set()
        return self._raised[theme]

    def _small(self, n: int, k: int) -> bool:
        return n < self.min_count or 0 < k < self.min_count

    def suppressed(self, theme: str, person: str) -> str:
        """Why a quote of ``person`` under ``theme`` may not carry an attribution ("" when it may):
        names the kind of group (``"its trust_type"``), never its value."""
        if self.min_count <= 1:
            return ""
        raisers = self._raisers(theme) | {str(person)}
        if self._small(self._total, len(raisers)):
            return f"fewer than {self.min_count} people raised this theme"
        for c in self.cols:
            value = self._group[c].get(str(person), "")
            if not value:
                continue
            members = self._members[c].get(value, set())
            if len(members) < self.min_count:
                return f"its {c} group has fewer than {self.min_count} people"
            if self._small(len(members), len(members & raisers)):
                return f"fewer than {self.min_count} people in its {c} group raised this theme"
        return ""


def group_counts(segs: pd.DataFrame, cols, min_count: int) -> GroupCounts:
    return GroupCounts(segs, tuple(cols), min_count)


def _value(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return str(v).strip()
