"""The advisor's accuracy on a corpus of generated runs with known answers (benchlib.corpus).

Each run is written as event files, read back by the launcher's reader and judged by
`analyze` the way a refresh judges a run in training: on the run cut at a step, as if the
rest had not happened yet. Turned runs are cut every 1000 steps from their true turn on
until the first `overtraining` (the delay), and every 2000 steps before it (a call there is
a false alarm); runs that never turn are cut every 2000 steps over the whole run (any call
is a false alarm). Mel candidates are judged on the whole run. The corpus has a calibration
split (the thresholds were chosen on it) and a held-out split (the figures reported).
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import statistics
import time
from pathlib import Path

from benchlib.context import BenchContext
from benchlib.corpus import NOISE_BINS, Run, corpus, write_run

HELD_OUT_SEED, CALIBRATION_SEED = 1_000, 500_000
DELAY_TARGET = 6000  # steps: 30 WebUI log points
CHART_RISE = 0.005  # the chart "shows a rise": smoothed curve 0.5% of its level above its low
DELAY_CUT, EARLY_CUT = 1000, 2000
RISE_BINS = ((0.0, 1.0), (1.0, 2.0), (2.0, 3.01))  # the rise over the whole run after the turn


def cut(scalars: dict, step: int) -> dict:
    """The scalars as they stood when training had reached `step`."""
    from launcher.events.reader import ScalarSeries

    out = {}
    for tag, series in scalars.items():
        end = bisect.bisect_right(series.steps, step)
        out[tag] = ScalarSeries(series.steps[:end], series.values[:end],
                                series.wall_times[:end])
    return out


def judge(run: Run, scalars: dict, step: int):  # type: ignore[no-untyped-def]
    from launcher.advisor.analysis import analyze
    from launcher.rvc.checkpoints import CheckpointIndex

    return analyze(run.name, cut(scalars, step), CheckpointIndex(),
                   smoothing=0.5 if run.style == "applio" else 0.987,
                   per_epoch_logging=run.style != "webui")


def chart_rise_step(run: Run, scalars: dict, tag: str) -> int | None:
    """First step from the true turn on after which the smoothed chart stays CHART_RISE of
    its level above its lowest point so far (a rise that lasts, not a spike's bump)."""
    from launcher.advisor.smoothing import tensorboard_smooth

    series = scalars[tag]
    pairs = [(s, v) for s, v in zip(series.steps, series.values, strict=True)
             if math.isfinite(v)]
    smoothed = tensorboard_smooth([v for _, v in pairs], 0.5 if run.style == "applio" else 0.987)
    lowest = math.inf
    above = []
    for value in smoothed:
        lowest = min(lowest, value)
        above.append(value > lowest * (1 + CHART_RISE))
    found = None
    for (step, _), risen in zip(reversed(pairs), reversed(above), strict=True):
        if not risen or step < (run.turn_step or 0):
            break
        found = step
    return found


def true_dip_hits(run: Run, report) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(candidates on a planted dip, candidates) for the whole run's report."""
    spacing = 200 if run.style == "webui" else run.steps_per_epoch
    hits = sum(1 for c in report.candidates
               if any(abs(c.step - at) <= max(2 * width, 1.5 * spacing)
                      for at, _, width in run.dips))
    return hits, len(report.candidates)


def evaluate(run: Run, logs: Path) -> dict[str, object]:
    from launcher.events.reader import LogDirReader

    scalars = LogDirReader(write_run(run, logs)).refresh()
    result: dict[str, object] = {"style": run.style, "shape": run.shape, "noise": run.noise,
                                 "rise_percent": run.rise_percent}
    early = [s for s in range(6000, run.turn_step or run.last_step + 1, EARLY_CUT)]
    alarms = [s for s in early if judge(run, scalars, s).verdict == "overtraining"]
    result["false_alarm"] = bool(alarms)
    whole = judge(run, scalars, run.last_step)
    result["hits"], result["candidates"] = true_dip_hits(run, whole)
    result["tag"] = whole.total_tag
    if run.turned and run.turn_step is not None:
        called = None
        for step in range(run.turn_step, run.last_step + DELAY_CUT, DELAY_CUT):
            report = judge(run, scalars, min(step, run.last_step))
            if report.verdict == "overtraining":
                called = min(step, run.last_step)
                result["onset_error"] = (report.onset_step or 0) - run.turn_step
                break
        result["delay"] = None if called is None else called - run.turn_step
        chart = chart_rise_step(run, scalars, whole.total_tag)
        result["chart_delay"] = None if chart is None else chart - run.turn_step
    else:  # would the chart rule see a lasting rise on a run that never turns?
        result["chart_false_rise"] = chart_rise_step(
            dataclasses.replace(run, turn_step=6000), scalars, whole.total_tag) is not None
    return result


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def summarize_results(results: list[dict]) -> dict[str, object]:
    """The figures for one split: per noise bin for delays, overall for the rest."""
    turned = [r for r in results if "delay" in r]
    improving = [r for r in results if r["shape"] == "still_falling"]
    plateau = [r for r in results if r["shape"] == "plateau"]
    by_noise = {}
    for low, high in NOISE_BINS:
        group = [r for r in turned if low <= r["noise"] < high
                 or (high == NOISE_BINS[-1][1] and r["noise"] == high)]
        delays = [r["delay"] for r in group if r["delay"] is not None]
        charts = [r["chart_delay"] for r in group if r["chart_delay"] is not None]
        before_chart = [r for r in group if r["delay"] is not None and (
            r["chart_delay"] is None or r["delay"] < r["chart_delay"])]
        by_noise[f"{low:g}-{high:g}"] = {
            "turned_runs": len(group),
            "delay_median": _median(delays),
            "delay_p90": _percentile(delays, 0.9),
            "within_6k_share": _share(sum(1 for d in delays if d <= DELAY_TARGET), len(group)),
            "misses": len(group) - len(delays),
            "chart_delay_median": _median(charts),
            "chart_never_shows": len(group) - len(charts),
            "called_before_chart_share": _share(len(before_chart), len(group)),
        }
    low_noise = [r for r in turned if r["noise"] < NOISE_BINS[0][1]]
    by_rise = {}
    for low, high in RISE_BINS:
        group = [r for r in low_noise if low <= r["rise_percent"] < high]
        delays = [r["delay"] for r in group if r["delay"] is not None]
        by_rise[f"{low:g}-{high:g}%"] = {
            "turned_runs": len(group), "delay_median": _median(delays),
            "within_6k_share": _share(sum(1 for d in delays if d <= DELAY_TARGET), len(group)),
            "misses": len(group) - len(delays)}
    never_turn = improving + plateau
    by_style = {}
    for style in ("webui", "mangio", "applio"):
        group = [r for r in turned if r["style"] == style]
        delays = [r["delay"] for r in group if r["delay"] is not None]
        by_style[style] = {"turned_runs": len(group), "delay_median": _median(delays),
                           "misses": len(group) - len(delays),
                           "tags": sorted({r["tag"] for r in results if r["style"] == style})}
    hits = sum(r["hits"] for r in results)
    listed = sum(r["candidates"] for r in results)
    onset_errors = [abs(r["onset_error"]) for r in turned if "onset_error" in r]
    return {
        "runs": len(results),
        "turned_runs": len(turned),
        "by_noise": by_noise,
        "by_rise_noise_up_to_1": by_rise,
        "by_style": by_style,
        "chart_false_rise_share": _share(sum(r["chart_false_rise"] for r in never_turn),
                                         len(never_turn)),
        "false_alarms_before_turn_share": _share(sum(r["false_alarm"] for r in turned),
                                                 len(turned)),
        "false_alarms_still_improving_share": _share(
            sum(r["false_alarm"] for r in improving), len(improving)),
        "still_improving_runs": len(improving),
        "false_alarms_plateau_share": _share(sum(r["false_alarm"] for r in plateau),
                                             len(plateau)),
        "plateau_runs": len(plateau),
        "onset_error_median": _median(onset_errors),
        "candidates_on_true_dips_share": _share(hits, listed),
        "candidates_listed": listed,
    }


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def run_split(runs: list[Run], logs: Path) -> dict[str, object]:
    return summarize_results([evaluate(run, logs) for run in runs])


def measure(ctx: BenchContext) -> dict[str, object]:
    held_out_count, calibration_count = (45, 0) if ctx.quick else (600, 200)
    started = time.perf_counter()
    held_out = run_split(corpus(held_out_count, HELD_OUT_SEED), ctx.scratch("corpus/held_out"))
    result: dict[str, object] = {
        "what": f"{held_out_count} generated runs (held out; {calibration_count} more for "
                "calibration) in three logging styles, written as event files and read by "
                "the launcher's reader; delays in steps from the true turn, evaluated every "
                f"{DELAY_CUT} steps; the chart shows a rise when the smoothed curve stands "
                f"{CHART_RISE:.1%} above its lowest point",
        "held_out": held_out,
    }
    if calibration_count:
        result["calibration"] = run_split(corpus(calibration_count, CALIBRATION_SEED),
                                          ctx.scratch("corpus/calibration"))
    result["seconds"] = round(time.perf_counter() - started, 1)
    low = held_out["by_noise"][f"{NOISE_BINS[0][0]:g}-{NOISE_BINS[0][1]:g}"]
    result["targets"] = {
        "within_6k_noise_up_to_1": {"target": ">= 0.9", "value": low["within_6k_share"]},
        "false_alarms_still_improving": {"target": "<= 0.02",
                                         "value": held_out["false_alarms_still_improving_share"]},
        "candidates_on_true_dips": {"target": ">= 0.9",
                                    "value": held_out["candidates_on_true_dips_share"]},
    }
    return result
