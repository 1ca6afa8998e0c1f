"""One progress bar style for long work (stderr, rate and time left; silent when asked)."""

from __future__ import annotations

import os
import sys
from typing import Iterable, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress(iterable: Iterable[T] | None = None, *, total: int | None = None, desc: str = "",
             unit: str = "it", disable: bool | None = None) -> tqdm:
    """A tqdm bar on stderr; off when INSIGHTKIT_PROGRESS=0 or ``disable`` is true."""
    if disable is None:
        disable = os.environ.get("INSIGHTKIT_PROGRESS", "1") == "0"
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5)


def progress_off(show: bool | None, n: int) -> bool | None:
    """``disable`` for :func:`progress`: ``show`` decides when given; else no bar for under 50 items
    or when stderr is not a terminal (None: the INSIGHTKIT_PROGRESS setting decides)."""
    if show is None:
        return True if (n < 50 or not sys.stderr.isatty()) else None
    return not show
