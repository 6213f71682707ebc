"""Smoothing identical to TensorBoard's frontend."""

from __future__ import annotations

import math
import random

import pytest

from launcher.advisor.smoothing import tensorboard_smooth


def reference_smoothing(ys: list[float], weight: float) -> list[float]:
    """TensorBoard's `classicSmoothing`, line for line.

    Source: tensorflow/tensorboard, tensorboard/webapp/widgets/line_chart_v2/data_transformer.ts
    (the same code is in the 2.21.0 webfiles bundle, index.js):

        if (!Number.isFinite(smoothingWeight)) smoothingWeight = 0;
        smoothingWeight = Math.max(0, Math.min(smoothingWeight, 1));
        const isConstant = series.points.every((point) => point.y == initialYVal);
        if (isConstant) { results.push(series); continue; }
        let last = series.points.length > 0 ? 0 : NaN;
        let numAccum = 0;
        ... if (!Number.isFinite(nextVal)) return {x, y: nextVal};
        last = last * smoothingWeight + (1 - smoothingWeight) * nextVal;
        numAccum++;
        const debiasWeight = smoothingWeight === 1 ? 1 : 1 - Math.pow(smoothingWeight, numAccum);
        return {x, y: last / debiasWeight};
    """
    if not math.isfinite(weight):
        weight = 0
    weight = max(0, min(weight, 1))
    if all(y == ys[0] for y in ys):
        return list(ys)
    last = 0.0 if ys else math.nan
    num_accum = 0
    out = []
    for y in ys:
        if not math.isfinite(y):
            out.append(y)
            continue
        last = last * weight + (1 - weight) * y
        num_accum += 1
        debias = 1 if weight == 1 else 1 - math.pow(weight, num_accum)
        out.append(last / debias)
    return out


def same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.5, 0.6, 0.9, 0.987, 0.999, 1.0])
def test_random_series_match_the_reference(weight: float) -> None:
    rng = random.Random(int(weight * 1000))
    for length in (1, 2, 17, 500):
        values = [rng.gauss(20, 5) for _ in range(length)]
        assert same(tensorboard_smooth(values, weight), reference_smoothing(values, weight))


def test_non_finite_points_pass_through_and_do_not_count() -> None:
    rng = random.Random(3)
    values = [rng.uniform(0, 10) for _ in range(200)]
    for i in (0, 5, 6, 100, 199):
        values[i] = [math.nan, math.inf, -math.inf][i % 3]
    ours = tensorboard_smooth(values, 0.987)
    assert same(ours, reference_smoothing(values, 0.987))
    assert math.isnan(ours[0]) and math.isfinite(ours[1])
    assert ours[1] == values[1]  # the first finite point is itself once debiased


def test_edge_cases() -> None:
    assert tensorboard_smooth([], 0.9) == []
    assert tensorboard_smooth([4.0, 4.0, 4.0], 0.9) == [4.0, 4.0, 4.0]
    assert tensorboard_smooth([1.0, 3.0], 0.0) == [1.0, 3.0]
    assert same(tensorboard_smooth([1.0, 3.0], math.nan), [1.0, 3.0])
    assert tensorboard_smooth([1.0, 3.0], 1.7) == reference_smoothing([1.0, 3.0], 1.0)
    assert tensorboard_smooth([2.0, 4.0], 0.5) == pytest.approx([2.0, (0.25 * 2 + 0.5 * 4) / 0.75])
