"""Where a loss curve turned, and how sure it is that the curve rises since.

A continuous two-segment least-squares fit over the later part of the run: before the bend
c a fall that may flatten, a + b1 u + q u² (u = x - c <= 0, arriving at c not rising), from
the bend on a straight line, a + b2 v (v = x - c >= 0). The bend is the logged step that
leaves the smallest residual sum of squares (the change-point estimate); the rise after it is
judged by the t statistic of b2, with the noise taken from the fit's own residuals (widened
when they are correlated from point to point, as a curve's leftover bends are). Spikes are
replaced by the local median first, so one bad batch moves neither the bend nor the noise
estimate. Every fit is O(1) from prefix sums, so trying every bend is O(points).

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

MIN_SIDE = 8  # points before a bend
MIN_AFTER = 20  # points after a bend: a shorter rise is too easily a few noisy points
SPIKE_SIGMAS = 4.0  # a point this many noise sigmas from its local median is a spike
SPIKE_WINDOW = 3  # the local median spans this many points on each side
STEP_UNIT = 1000.0  # slopes are per 1000 steps
MAX_CORRELATION = 0.95
MAX_BENDS = 200  # bends tried per fit (evenly spread), so a long run costs the same


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
    if limit <= 1e-9 * max((abs(v) for v in values), default=0.0):  # no noise: no spikes
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
    if count < MIN_SIDE + MIN_AFTER + 1:
        return None
    offset = statistics.fmean(ys)  # fitted around the mean: better conditioned sums
    ys = [y - offset for y in ys]
    sums = _prefix_sums(xs, ys)
    stride = max(1, (count - MIN_SIDE - MIN_AFTER) // MAX_BENDS)
    best: tuple[float, int, list[float], float] | None = None
    for k in range(MIN_SIDE, count - MIN_AFTER + 1, stride):
        fitted = _fit_at(sums, k, xs[k])
        # The curve before the bend falls and flattens: arriving at the bend rising would
        # let the quadratic take the rise, so such a bend is no bend.
        if fitted is not None and fitted[1][1] <= 0 and (best is None or fitted[0] < best[0]):
            best = (fitted[0], k, fitted[1], fitted[2])
    if best is None:
        return None
    rss, k, (a, b1, q, b2), inverse_b2 = best
    sigma = math.sqrt(max(rss, 0.0) / (count - 4))
    c = xs[k]
    residuals = [y - a - (b1 * (x - c) + q * (x - c) ** 2 if x < c else b2 * (x - c))
                 for x, y in zip(xs, ys, strict=True)]
    inflation = _correlation_inflation(residuals)
    if sigma > 0:
        t_after = b2 / (sigma * inflation * math.sqrt(inverse_b2))
    else:
        t_after = math.copysign(math.inf, b2) if b2 else 0.0
    return TurnFit(turn_step=steps[first + k], level_at_turn=a + offset, slope_before=b1,
                   slope_after=b2, t_after=t_after, noise_sd=sigma, points_after=count - k,
                   first_step=steps[first])


Sums = list[list[float]]


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
    """Running sums of x^0..x^4, y, xy, x²y and y² (index i: the first i points)."""
    columns: Sums = [[0.0] for _ in range(9)]
    for x, y in zip(xs, ys, strict=True):
        x2 = x * x
        terms = (1.0, x, x2, x2 * x, x2 * x2, y, x * y, x2 * y, y * y)
        for column, term in zip(columns, terms, strict=True):
            column.append(column[-1] + term)
    return columns


def _centred(powers: Sequence[float], c: float, order: int) -> float:
    """Sum of (x - c)^order from the sums of x^0..x^order."""
    return sum(math.comb(order, j) * (-c) ** (order - j) * powers[j] for j in range(order + 1))


def _fit_at(sums: Sums, k: int, c: float) -> tuple[float, list[float], float] | None:
    """(residual sum of squares, (a, b1, q, b2), (X'X)^-1 for b2) of the bend at point k.
    Left of the bend u = x - c and the curve is a + b1 u + q u² (a fall that flattens);
    from the bend on v = x - c and it is a + b2 v (a straight rise or fall)."""
    total = [column[-1] for column in sums]
    left = [column[k] for column in sums]
    right = [t - lo for t, lo in zip(total, left, strict=True)]
    lp, rp = left[:5], right[:5]
    lu = [_centred(lp, c, order) for order in range(5)]  # sums of u^0..u^4
    rv = [_centred(rp, c, order) for order in range(3)]  # sums of v^0..v^2
    ly, lxy, lx2y = left[5:8]
    suy = lxy - c * ly
    suuy = lx2y - 2 * c * lxy + c * c * ly
    svy = (right[6]) - c * right[5]
    n = lu[0] + rv[0]
    matrix = [[n, lu[1], lu[2], rv[1]],
              [lu[1], lu[2], lu[3], 0.0],
              [lu[2], lu[3], lu[4], 0.0],
              [rv[1], 0.0, 0.0, rv[2]]]
    rhs = [total[5], suy, suuy, svy]
    solved = _solve(matrix, [rhs, [0.0, 0.0, 0.0, 1.0]])
    if solved is None:
        return None
    beta, unit = solved
    rss = total[8] - sum(b * r for b, r in zip(beta, rhs, strict=True))
    return rss, beta, unit[3]


def _solve(matrix: list[list[float]], rhs: list[list[float]]) -> list[list[float]] | None:
    """Gaussian elimination with partial pivoting for a few right-hand sides (None if the
    matrix is singular)."""
    size = len(matrix)
    rows = [row[:] + [b[i] for b in rhs] for i, row in enumerate(matrix)]
    scale = max(abs(v) for row in matrix for v in row) or 1.0
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        if abs(rows[pivot][col]) <= 1e-12 * scale:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, size):
            factor = rows[r][col] / rows[col][col]
            if factor:
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    solutions = []
    for j in range(len(rhs)):
        x = [0.0] * size
        for i in range(size - 1, -1, -1):
            acc = rows[i][size + j] - sum(rows[i][m] * x[m] for m in range(i + 1, size))
            x[i] = acc / rows[i][i]
        solutions.append(x)
    return solutions

