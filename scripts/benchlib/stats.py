"""Summaries of repeated measurements: median with min and max, and same-run ratios."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def summarize(samples: Sequence[float], unit: str, digits: int = 3) -> dict[str, object]:
    """Median, min and max of `samples` (at least one), rounded, with the raw samples kept."""
    if not samples:
        raise ValueError("no samples to summarize")
    return {
        "median": round(statistics.median(samples), digits),
        "min": round(min(samples), digits),
        "max": round(max(samples), digits),
        "runs": len(samples),
        "unit": unit,
        "samples": [round(s, digits) for s in samples],
    }


def ratio(numerator: dict[str, object], denominator: dict[str, object]) -> float:
    """Ratio of two summaries' medians (both measured in the same bench run)."""
    bottom = float(denominator["median"])  # type: ignore[arg-type]
    top = float(numerator["median"])  # type: ignore[arg-type]
    return round(top / bottom, 3) if bottom else float("inf")


def not_measured(reason: str) -> dict[str, object]:
    return {"status": "not measured", "reason": reason}
