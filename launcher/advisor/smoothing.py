"""TensorBoard's scalar smoothing, so the advisor sees the curve the user sees.

Same algorithm as TensorBoard's frontend (`classicSmoothing` in
tensorboard/webapp/widgets/line_chart_v2/data_transformer.ts, also in the 2.21 bundle):
a debiased exponential moving average over the points in order; non-finite points pass
through unchanged and do not count; a constant series is returned as is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def tensorboard_smooth(values: Sequence[float], weight: float) -> list[float]:
    if not math.isfinite(weight):
        weight = 0.0
    weight = min(max(weight, 0.0), 1.0)
    if not values or all(v == values[0] for v in values):
        return list(values)
    last = 0.0
    accumulated = 0
    smoothed = []
    for value in values:
        if not math.isfinite(value):
            smoothed.append(value)
            continue
        last = last * weight + (1 - weight) * value
        accumulated += 1
        debias = 1.0 if weight == 1 else 1 - weight ** accumulated
        smoothed.append(last / debias)
    return smoothed
