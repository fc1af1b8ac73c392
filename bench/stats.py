"""Figures the benches report from their samples."""

from __future__ import annotations

import statistics

__all__ = ["p95"]


def p95(samples: list[float]) -> float:
    """The 95th percentile (the value 19 of 20 samples stay under)."""
    return statistics.quantiles(samples, n=20)[-1]
