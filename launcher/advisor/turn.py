"""Where a loss curve turned, and how sure it is that the curve rises since.

A continuous two-segment ("broken stick") least-squares fit over the later part of the run:
y = a + b1 * min(x - c, 0) + b2 * max(x - c, 0). The bend c is the logged step that leaves
the smallest residual sum of squares (the change-point estimate); the rise after it is
judged by the t statistic of b2, with the noise taken from the fit's own residuals (widened
when they are correlated from point to point, as a curve's leftover bends are). Spikes
are replaced by the local median first, so one bad batch moves neither the bend nor the
noise estimate. Every fit is O(1) from prefix sums, so trying every bend is O(points).

Because the bend is chosen by the data, b2's t statistic under "no rise" is larger than a
plain t; the threshold the advisor uses was calibrated for that on a corpus of generated runs
(scripts/benchlib/corpus.py), not taken from a t table.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

MIN_SIDE = 8  # points on each side of a bend
SPIKE_SIGMAS = 4.0  # a point this many noise sigmas from its local median is a spike
SPIKE_WINDOW = 3  # the local median spans this many points on each side
STEP_UNIT = 1000.0  # slopes are per 1000 steps
MAX_CORRELATION = 0.95


@dataclass(frozen=True)
class TurnFit:
    turn_step: int  # the bend c
    level_at_turn: float  # the fitted value at c
    slope_before: float  # per 1000 steps
    slope_after: float  # per 1000 steps
    t_after: float  # slope_after over its standard error
    noise_sd: float  # residual standard deviation of the fit
    points_after: int
    first_step: int  # the fit covers the points from this step on

    def rise(self, last_step: int) -> float:
        """How much the fitted line rose from the bend to `last_step`."""
        return self.slope_after * (last_step - self.turn_step) / STEP_UNIT


def noise_sd(values: Sequence[float]) -> float:
    """Standard deviation of point-to-point noise, from successive differences (median
    absolute deviation: robust to the trend and to spikes)."""
    if len(values) < 3:
        return 0.0
    diffs = [b - a for a, b in itertools.pairwise(values)]
    center = statistics.median(diffs)
    mad = statistics.median(abs(d - center) for d in diffs)
    return mad / 0.6745 / math.sqrt(2)


def despike(values: Sequence[float]) -> list[float]:
    """`values` with points far from their local median (a Hampel filter) replaced by it."""
    limit = SPIKE_SIGMAS * noise_sd(values)
    if limit <= 0:
        return list(values)
    count = len(values)
    cleaned = list(values)
    for i, value in enumerate(values):
        window = values[max(0, i - SPIKE_WINDOW): min(count, i + SPIKE_WINDOW + 1)]
        middle = statistics.median(window)
        if abs(value - middle) > limit:
            cleaned[i] = middle
    return cleaned


def fit_turn(steps: Sequence[int], values: Sequence[float],
             first: int = 0) -> TurnFit | None:
    """The best bend over the points from index `first` on, or None with too few points."""
    xs = [(s - steps[-1]) / STEP_UNIT for s in steps[first:]]  # last step at 0: small numbers
    ys = despike(values[first:])
    count = len(xs)
    if count < 2 * MIN_SIDE + 1:
        return None
    sums = _prefix_sums(xs, ys)
    best: tuple[float, int, tuple[float, float, float, float]] | None = None
    for k in range(MIN_SIDE, count - MIN_SIDE + 1):
        fitted = _fit_at(sums, k, xs[k])
        if fitted is not None and (best is None or fitted[0] < best[0]):
            best = (fitted[0], k, fitted[1:])
    if best is None:
        return None
    rss, k, (a, b1, b2, inverse_22) = best
    sigma = math.sqrt(max(rss, 0.0) / (count - 3))
    residuals = [y - a - (b1 if x < xs[k] else b2) * (x - xs[k]) for x, y in zip(xs, ys,
                                                                               strict=True)]
    inflation = _correlation_inflation(residuals)
    if sigma > 0:
        t_after = b2 / (sigma * inflation * math.sqrt(inverse_22))
    else:
        t_after = math.copysign(math.inf, b2) if b2 else 0.0
    return TurnFit(turn_step=steps[first + k], level_at_turn=a, slope_before=b1,
                   slope_after=b2, t_after=t_after, noise_sd=sigma, points_after=count - k,
                   first_step=steps[first])


Sums = tuple[list[float], ...]


def _correlation_inflation(residuals: list[float]) -> float:
    """How much wider a slope's standard error is when the residuals are correlated from
    point to point (an AR(1) approximation, sqrt((1 + r) / (1 - r)) for lag-1 correlation r):
    what is left of a curve's bends and dips after the fit must not pass for independent
    noise."""
    total = sum(r * r for r in residuals)
    if total <= 0:
        return 1.0
    lag1 = sum(a * b for a, b in itertools.pairwise(residuals)) / total
    lag1 = min(max(lag1, 0.0), MAX_CORRELATION)
    return math.sqrt((1 + lag1) / (1 - lag1))


def _prefix_sums(xs: list[float], ys: list[float]) -> Sums:
    """Running sums of 1, x, x², y, xy, y² (index i: the first i points)."""
    columns: Sums = ([0.0], [0.0], [0.0], [0.0], [0.0], [0.0])
    for x, y in zip(xs, ys, strict=True):
        for column, term in zip(columns, (1.0, x, x * x, y, x * y, y * y), strict=True):
            column.append(column[-1] + term)
    return columns


def _fit_at(sums: Sums, k: int, c: float) -> tuple[float, float, float, float, float] | None:
    """(residual sum of squares, a, b1, b2, (X'X)^-1 for b2) of the bend at point k, x = c.
    Left of the bend u = x - c, v = 0; from the bend on u = 0, v = x - c."""
    n, sx, sxx, sy, sxy, syy = (column[-1] for column in sums)
    n_left, sx_left, sxx_left, sy_left, sxy_left = (column[k] for column in sums[:5])
    su = sx_left - n_left * c
    suu = sxx_left - 2 * c * sx_left + n_left * c * c
    suy = sxy_left - c * sy_left
    n_right = n - n_left
    sx_right, sxx_right = sx - sx_left, sxx - sxx_left
    sv = sx_right - n_right * c
    svv = sxx_right - 2 * c * sx_right + n_right * c * c
    svy = (sxy - sxy_left) - c * (sy - sy_left)
    # Normal equations [[n, su, sv], [su, suu, 0], [sv, 0, svv]] (a, b1, b2) = (sy, suy, svy).
    det = n * suu * svv - su * su * svv - sv * sv * suu
    if suu <= 0 or svv <= 0 or det <= 1e-12 * max(1.0, n * suu * svv):
        return None
    a = (sy * suu * svv - su * suy * svv - sv * svy * suu) / det
    b1 = (suy - su * a) / suu
    b2 = (svy - sv * a) / svv
    rss = syy - (a * sy + b1 * suy + b2 * svy)
    inverse_22 = (n * suu - su * su) / det
    return rss, a, b1, b2, inverse_22
