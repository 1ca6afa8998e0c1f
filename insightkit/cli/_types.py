"""Argument types for the command line: a value out of range is a one-line usage error (exit code 2).

argparse prints ``insightkit COMMAND: error: argument --n: must be at least 1 (got -1)`` and exits
with code 2 when one of these raises :class:`argparse.ArgumentTypeError`.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

__all__ = ["int_at_least", "positive_int", "non_negative_int", "seed", "fraction", "existing_file", "existing_dir"]

_MAX_SEED = 2**32 - 1  # numpy's and UMAP's random seeds are unsigned 32-bit integers


def _int(value: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None


def int_at_least(low: int, high: int | None = None):
    """A type for whole numbers in [low, high]."""

    def parse(value: str) -> int:
        n = _int(value)
        if n < low:
            raise argparse.ArgumentTypeError(f"must be at least {low} (got {n})")
        if high is not None and n > high:
            raise argparse.ArgumentTypeError(f"must be at most {high} (got {n})")
        return n

    parse.__name__ = f"int_at_least_{low}"
    return parse


positive_int = int_at_least(1, 10**9)
non_negative_int = int_at_least(0, 10**9)
seed = int_at_least(0, _MAX_SEED)


def fraction(value: str) -> float:
    """A number from 0 to 1 (a weight or threshold)."""
    try:
        x = float(str(value).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not math.isfinite(x) or not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1 (got {value!r})")
    return x


def existing_file(value: str) -> str:
    """The name of a file that exists (not a folder)."""
    p = Path(value)
    if not p.exists():
        raise argparse.ArgumentTypeError(f"{value}: no such file")
    if p.is_dir():
        raise argparse.ArgumentTypeError(f"{value}: is a folder, not a file")
    return value


def existing_dir(value: str) -> str:
    """The name of a folder that exists."""
    p = Path(value)
    if not p.is_dir():
        raise argparse.ArgumentTypeError(f"{value}: no such folder")
    return value
