"""The rise test's rules on small hand-made curves: the bend fit, its noise, spikes, NaN,
Applio's averaged total, plateau against rise, and the answer-first texts."""

from __future__ import annotations

import math
import random
from pathlib import Path

from launcher.advisor.analysis import (
    RISE_T,
    TOTAL_AVERAGE_TAG,
    Candidate,
    ModelReport,
    analyze,
)
from launcher.advisor.turn import _correlation_inflation, despike, fit_turn, noise_sd
from launcher.core.summaries import notification, to_summary
from launcher.events.reader import ScalarSeries
from launcher.rvc.checkpoints import CheckpointIndex

SPACING = 200  # the WebUI's log interval


def steps_for(count: int) -> list[int]:
    return [SPACING * (i + 1) for i in range(count)]


def hinge(count: int, bend: int, before: float, after: float, level: float = 33.0,
          noise: float = 0.0, seed: int = 0) -> list[float]:
    """A straight fall to the bend (a point index), then a straight rise, plus noise."""
    rng = random.Random(seed)
    return [level + (before if i < bend else after) * (i - bend) + rng.gauss(0, noise)
            for i in range(count)]


def report_for(values: list[float], **extra: ScalarSeries) -> ModelReport:
    scalars = {"loss/g/total": ScalarSeries(steps_for(len(values)), values,
                                            [0.0] * len(values)), **extra}
    return analyze("M", scalars, CheckpointIndex())


def test_bend_and_slopes_of_a_clean_hinge() -> None:
    fit = fit_turn(steps_for(120), hinge(120, 70, -0.02, 0.01))
    assert fit is not None
    assert fit.turn_step == SPACING * 71
    assert math.isclose(fit.slope_before, -0.1, abs_tol=1e-6)  # per 1000 steps
    assert math.isclose(fit.slope_after, 0.05, abs_tol=1e-6)
    assert fit.t_after > 1e6 and fit.noise_sd < 1e-6


def test_rise_t_grows_with_the_rise_and_falls_with_the_noise() -> None:
    def t_of(after: float, noise: float) -> float:
        fit = fit_turn(steps_for(150), hinge(150, 60, -0.01, after, noise=noise, seed=3))
        assert fit is not None
        return fit.t_after

    assert t_of(0.01, 1.0) > t_of(0.004, 1.0) > 0
    assert t_of(0.01, 0.5) > t_of(0.01, 2.0)


def test_flat_noise_is_never_a_rise() -> None:
    """Pure noise after a fall, 40 draws: the bend search never finds RISE_T."""
    for seed in range(40):
        values = hinge(150, 40, -0.02, 0.0, noise=1.5, seed=seed)
        fit = fit_turn(steps_for(150), values, first=20)
        assert fit is not None and fit.t_after < RISE_T, seed
        assert report_for(values).verdict != "overtraining", seed


def test_a_rise_arriving_at_the_bend_is_not_taken_by_the_curved_part() -> None:
    """A curve that rises to the end: the fit must not put the bend at the end and let the
    fall's curvature swallow the rise."""
    values = [33 + 0.0004 * (i - 50) ** 2 for i in range(200)]
    fit = fit_turn(steps_for(200), values, first=20)
    assert fit is not None and fit.slope_after > 0 and fit.turn_step < SPACING * 150


def test_spikes_are_replaced_by_the_local_median() -> None:
    rng = random.Random(5)
    values = [20 + rng.gauss(0, 0.5) for _ in range(100)]
    spiked = list(values)
    spiked[40] += 12
    cleaned = despike(spiked)
    assert abs(cleaned[40] - 20) < 2
    assert cleaned[:40] == values[:40] and cleaned[41:] == values[41:]


def test_noise_estimate_ignores_the_trend_and_spikes() -> None:
    rng = random.Random(8)
    values = [40 - 0.05 * i + rng.gauss(0, 1.0) for i in range(400)]
    values[100] += 30
    assert 0.85 < noise_sd(values) < 1.15


def test_correlated_residuals_widen_the_error() -> None:
    rng = random.Random(2)
    independent = [rng.gauss(0, 1) for _ in range(500)]
    assert _correlation_inflation(independent) < 1.15
    wavy = [math.sin(i / 8) + 0.1 * rng.gauss(0, 1) for i in range(500)]
    assert _correlation_inflation(wavy) > 3


def test_a_spike_does_not_make_a_rise() -> None:
    values = hinge(150, 40, -0.02, 0.0, noise=0.8, seed=1)
    values[-3] += 25  # one bad batch near the end
    assert report_for(values).verdict == "plateau"


def test_nan_points_are_left_out() -> None:
    values = hinge(200, 80, -0.02, 0.02, noise=0.5, seed=4)
    with_nan = values[:120] + [math.nan] * 15 + values[135:]
    report = report_for(with_nan)
    assert report.verdict == "overtraining" and report.points == 185


def test_plateau_is_no_longer_falling_and_not_rising() -> None:
    report = report_for(hinge(200, 60, -0.03, 0.0, noise=0.7, seed=6))
    assert report.verdict == "plateau"
    assert "no longer falls" in report.evidence() and "more epochs will not help" in (
        report.evidence())
    falling = report_for(hinge(200, 199, -0.01, 0.0, noise=0.7, seed=6))
    assert falling.verdict == "improving"


def test_one_lowest_point_for_headline_table_and_onset() -> None:
    report = report_for(hinge(200, 90, -0.02, 0.02, noise=0.6, seed=7))
    assert report.verdict == "overtraining"
    assert report.min_step == report.onset_step
    assert abs((report.onset_step or 0) - SPACING * 91) <= 10 * SPACING
    assert f"step {report.onset_step}" in report.headline()
    assert report.chart_min_step is not None and report.chart_min_step > report.min_step


def test_applio_average_is_judged_where_it_exists() -> None:
    """Per-epoch loss/g/total is one batch's value; loss_avg_50/g/total the mean of 50."""
    epochs = hinge(60, 30, -0.05, 0.05, noise=3.0, seed=9)
    averaged_values = hinge(400, 200, -0.01, 0.01, noise=0.3, seed=9)
    averaged = ScalarSeries([50 * (i + 1) for i in range(400)], averaged_values, [0.0] * 400)
    report = report_for(epochs, **{TOTAL_AVERAGE_TAG: averaged})
    assert report.total_tag == TOTAL_AVERAGE_TAG and report.points == 400
    assert report.verdict == "overtraining"
    few = ScalarSeries([50, 100], [30.0, 30.0], [0.0, 0.0])
    assert report_for(epochs, **{TOTAL_AVERAGE_TAG: few}).total_tag == "loss/g/total"


def candidate(rank: int, epoch: int | None, weight: str | None) -> Candidate:
    return Candidate(step=rank * 100, epoch=epoch, epoch_is_estimate=epoch == 138, mel=15.0,
                     weight_file=Path(weight) if weight else None, rank=rank)


def test_answer_names_epochs_then_files() -> None:
    report = ModelReport("M", "overtraining", onset_step=5000, min_step=5000,
                         candidates=[candidate(1, 78, "M_e78_s7800.pth"),
                                     candidate(2, 138, "M_e140_s14000.pth"),
                                     candidate(3, 116, "M_e116_s11600.pth")],
                         rise_percent=1.2, rise_t=4.0, noise_sd=1.1)
    assert report.answer() == ("Try epochs 78, ~138, 116: files M_e78_s7800.pth, "
                               "M_e140_s14000.pth, M_e116_s11600.pth")
    summary = to_summary(report)
    assert summary.try_epochs == ("78", "~138", "116")
    assert summary.evidence.startswith("loss/g/total lowest at step 5000, risen 1.2% since")
    assert notification(report).startswith("Try epochs 78, ~138, 116: files ")
    unsaved = ModelReport("M", "plateau", candidates=[candidate(1, None, None)])
    assert unsaved.answer() == "Try epoch ? (no saved weight files found)"
    assert ModelReport("M", "improving").answer() == "No epochs to suggest yet"


def test_a_called_model_stays_called_through_a_noisy_refresh() -> None:
    """Between STAY_T and RISE_T standard errors: not called fresh, kept once called."""
    for seed in range(200):
        values = hinge(150, 70, -0.01, 0.004, noise=1.0, seed=seed)
        fresh = report_for(values)
        if fresh.verdict != "overtraining" and fresh.warnings:
            scalars = {"loss/g/total": ScalarSeries(steps_for(150), values, [0.0] * 150)}
            kept = analyze("M", scalars, CheckpointIndex(), already_called=True)
            if kept.rise_t is not None:
                assert 2.0 < kept.rise_t < RISE_T and kept.verdict == "overtraining"
                return
    raise AssertionError("no draw fell between the two thresholds")
