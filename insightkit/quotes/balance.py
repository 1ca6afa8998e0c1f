"""Balance between kinds of source: the calls are heard beside a large survey.

A survey of 300 respondents outnumbers 8 interviews in every pool of candidates, and its written
answers score well on the theme and on being typical, so without a rule a report built on insight
calls would quote mostly the survey. ``QuoteConfig.balance`` gives each kind of source (the
segment table's ``kind``: ``transcript``, ``survey``) a least share of each theme's quotes, used
when the theme has viable candidates of more than one kind:

``quota(kind) = ceil(share * n)``, at most the number of people of that kind among the theme's
candidates, and the quotas together at most ``n`` (kinds listed first are served first). A share
of ``"people"`` is the kind's share of the people among the theme's candidates. While the quotes
still missing for the quotas fill every place left, only kinds short of their quota are chosen
from; otherwise the choice is free. The default, ``{"transcript": 0.5, "survey": 0.25}``, gives
the calls at least 2 and the survey at least 1 of 3 quotes.
"""

from __future__ import annotations

import math
from typing import Mapping

from insightkit.errors import ParameterError

__all__ = ["check_balance", "kind_quotas", "short_kinds", "KIND_NAMES"]

#: How a kind is named in a reason ("at least 2 of 3 quotes from the calls").
KIND_NAMES = {"transcript": "the calls", "survey": "the survey"}


def check_balance(balance) -> dict[str, float | str]:
    """``balance`` as a dict of kind -> share, or a ParameterError saying what is wrong."""
    if balance is None:
        return {}
    if not isinstance(balance, Mapping):
        raise ParameterError(f"balance must map a kind of source to its least share, e.g. "
                             f"{{'transcript': 0.5}}; got {balance!r}")
    out: dict[str, float | str] = {}
    for kind, share in balance.items():
        if not isinstance(kind, str) or not kind:
            raise ParameterError(f"balance: a kind of source must be a name such as 'transcript', got {kind!r}")
        if share == "people":
            out[kind] = share
            continue
        try:
            value = float(share)
        except (TypeError, ValueError):
            raise ParameterError(f"balance: the share for {kind!r} must be a number from 0 to 1 or 'people', "
                                 f"got {share!r}") from None
        if not 0 <= value <= 1:
            raise ParameterError(f"balance: the share for {kind!r} must be from 0 to 1, got {value:g}")
        out[kind] = value
    return out


def kind_quotas(pool: list[dict], n: int, balance: Mapping[str, float | str]) -> dict[str, int]:
    """The least number of quotes of each kind for a theme whose viable candidates are ``pool``
    (empty when the pool holds one kind only, or no balance is asked for)."""
    people: dict[str, set] = {}
    for p in pool:
        people.setdefault(p["kind"], set()).add(p["participant_id"])
    if not balance or len([k for k in people if k]) < 2:
        return {}
    total = sum(len(v) for v in people.values())
    quotas: dict[str, int] = {}
    left = n
    for kind, share in balance.items():
        if kind not in people or left <= 0:
            continue
        value = len(people[kind]) / total if share == "people" else float(share)
        q = min(math.ceil(value * n - 1e-9), len(people[kind]), left)
        if q > 0:
            quotas[kind] = q
            left -= q
    return quotas


def short_kinds(chosen: list[dict], quotas: Mapping[str, int], n: int) -> set[str]:
    """The kinds that must be chosen from next: those short of their quota, when the quotes still
    missing for the quotas fill every place left (else the empty set: the choice is free)."""
    if not quotas:
        return set()
    have: dict[str, int] = {}
    for c in chosen:
        have[c["kind"]] = have.get(c["kind"], 0) + 1
    missing = {k: q - have.get(k, 0) for k, q in quotas.items() if q > have.get(k, 0)}
    if missing and sum(missing.values()) >= n - len(chosen):
        return set(missing)
    return set()
