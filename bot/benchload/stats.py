"""Small figures: percentiles, rates, the most events in any sliding window."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` 0.5 for p50, 0.99 for p99); ``None`` without samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def most_in_window(times: Sequence[float], width: float) -> int:
    """The most events within any window of ``width`` seconds (closed at the start)."""
    ordered = sorted(times)
    best = start = 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= width:
            start += 1
        best = max(best, end - start + 1)
    return best


def inversions(times: Sequence[float]) -> int:
    """How many events came earlier than the one before them (answers out of order)."""
    return sum(1 for before, after in itertools.pairwise(times) if after < before)
