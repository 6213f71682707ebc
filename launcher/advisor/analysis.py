"""The overtraining advisor: reads each model's curves and says how its training is going.

Advisory only: it reads event files and file names, and never touches training.

The answer first: the epochs to listen to. Best candidates are the clear dips of raw
`loss/g/mel` (what the guide asks to hover over): local minima standing out from the noise
by prominence, lowest first, each mapped to its epoch and saved weight file.

Then the verdict, for `loss/g/total` (Applio: `loss_avg_50/g/total` where it exists, the
mean of 50 steps, since its per-epoch `loss/g/total` is one batch's value):
- `overtraining`: a two-segment fit over the run after its first part (`turn.fit_turn`: a
  fall that may flatten, then a straight line) bends at a step after which the curve rises,
  the rise's t statistic (noise from the fit's residuals, spikes removed) is above RISE_T,
  calibrated on the corpus so that runs that have not turned are rarely called, and the
  fitted rise is more than `tolerance` of the level. The onset is the run's lowest point
  (below), or the bend if that point is at the very end;
- `improving`: the curve over the last two thirds of the run still falls, really
  (least-squares slope more than TREND_T standard errors below zero) and by more than
  IMPROVING_FALL of its level;
- `plateau`: neither: no longer improving, so more epochs will not help, but not rising.
The lowest point, in every verdict, is the minimum of a zero-lag (forward then backward)
smoothing: TensorBoard's one-sided average lags a turn by about 1/(1 - weight)
points (77 at 0.987); `chart_min_step` keeps the step the chart itself shows lowest.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import logging
import math
import os
import statistics
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from launcher.advisor.smoothing import tensorboard_smooth
from launcher.advisor.turn import MIN_AFTER, fit_turn, noise_sd
from launcher.events.reader import LogDirReader, ScalarSeries
from launcher.events.scalarcache import ScalarCache
from launcher.i18n import ENGLISH, N_, N_plural, Translations
from launcher.rvc.checkpoints import CheckpointIndex, CheckpointScanner
from launcher.rvc.folder import RvcFolder
from launcher.util.folderstamp import FolderStamp, unsettled_after

log = logging.getLogger(__name__)

TOTAL_TAG = "loss/g/total"
TOTAL_AVERAGE_TAG = "loss_avg_50/g/total"  # Applio: the mean of the last 50 steps
MEL_TAG = "loss/g/mel"
EPOCH_TAG = "epoch"
MEL_DISPLAY_CLAMP = 75.0  # the WebUI and Mangio log min(mel, 75) and min(kl, 9)
DEFAULT_TOLERANCE = 0.002  # a fitted rise smaller than this share of the level is not one
DEFAULT_PATIENCE_FRACTION = 0.15  # no longer used: the rise test decides (settings files)
MIN_POINTS = 10  # fewer points than this are too early to judge
MAX_CANDIDATES = 5
PROMINENCE_IN_NOISE = 3.0  # a mel minimum must stand this many noise sigmas below its sides
RISE_T = 3.25  # overtraining: the rise after the bend is this many standard errors above 0
STAY_T = 2.0  # a model already called overtraining stays so down to this
FIT_START_FRACTION = 0.15  # the bend fit skips this share of the run (the early drop)
ONSET_SPAN_FRACTION = 20
RECENT_START = 1 / 3  # the trend test looks at the run from this fraction on
TREND_T = 2.0  # improving: the recent slope is this many standard errors below 0
IMPROVING_FALL = 0.005  # improving: the recent stretch fell by more than this share
COLLAPSE_MIN_POINTS = 20
PER_EPOCH_LOGGING = {"applio", "mangio"}  # one point per epoch: spacing = steps per epoch


@dataclass(frozen=True)
class Note:
    """A warning: its message (with `plural`, the forms chosen by `count`) and its named fields,
    written in English for JSON or in a catalog for people, like `ModelReport.headline`."""

    msgid: str
    fields: tuple[tuple[str, object], ...] = ()
    plural: str | None = None
    count: int = 1

    @classmethod
    def of(cls, msgid: str, **fields: object) -> Note:
        return cls(msgid, tuple(fields.items()))

    @classmethod
    def counted(cls, forms: tuple[str, str], count: int, **fields: object) -> Note:
        """A message with a `{count}`: `forms` is `N_plural(singular, plural)`."""
        return cls(forms[0], tuple({"count": count, **fields}.items()), forms[1], count)

    def text(self, tr: Translations = ENGLISH) -> str:
        message = (tr.gettext(self.msgid) if self.plural is None
                   else tr.ngettext(self.msgid, self.plural, self.count))
        return message.format(**dict(self.fields))

    def __str__(self) -> str:
        return self.text()


@dataclass
class Candidate:
    step: int
    epoch: int | None
    epoch_is_estimate: bool
    mel: float
    weight_file: Path | None
    rank: int
    weight_is_nearest: bool = False  # no weight saved at that epoch; this is the nearest one


@dataclass
class ModelReport:
    model: str
    verdict: str  # "improving" | "plateau" | "overtraining" | "no data"
    onset_step: int | None = None
    onset_epoch: int | None = None
    epoch_is_estimate: bool = True
    min_step: int | None = None  # the run's lowest point (the onset when overtraining)
    last_step: int | None = None
    points: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    smoothing: float = 0.987
    total_tag: str = TOTAL_TAG  # the curve the verdict was judged on
    chart_min_step: int | None = None  # where the smoothed chart shows its minimum (it lags)
    rise_percent: float | None = None  # fitted rise since the lowest point, % of its level
    rise_t: float | None = None  # that rise in standard errors
    noise_sd: float | None = None  # the noise of one logged point of total_tag

    def headline(self, tr: Translations = ENGLISH) -> str:
        """The verdict in words: English for JSON, or in the catalog `tr` for people."""
        if self.verdict == "overtraining" and self.onset_step is not None:
            if self.onset_epoch is None:
                return tr.gettext("overtraining since step {step}").format(step=self.onset_step)
            epoch = f"~{self.onset_epoch}" if self.epoch_is_estimate else str(self.onset_epoch)
            return tr.gettext("overtraining since step {step} (epoch {epoch})").format(
                step=self.onset_step, epoch=epoch)
        return tr.gettext(VERDICT_WORDS.get(self.verdict, self.verdict))

    def warning_texts(self, tr: Translations = ENGLISH) -> list[str]:
        """The warnings in words: English for JSON, or in the catalog `tr` for people."""
        return [note.text(tr) for note in self.warnings]

    def try_epochs(self) -> list[str]:
        """The candidates' epochs as shown ("78", "~140", "?"), best first."""
        return [_epoch_label(c.epoch, c.epoch_is_estimate) for c in self.candidates]

    def answer(self, tr: Translations = ENGLISH) -> str:
        """The epochs to listen to first, and their files: what the user came for."""
        if not self.candidates:
            return (tr.gettext("No epochs to suggest yet") if self.verdict != "no data"
                    else tr.gettext("Nothing logged yet"))
        text = tr.ngettext("Try epoch {epochs}", "Try epochs {epochs}",
                           len(self.candidates)).format(epochs=", ".join(self.try_epochs()))
        files = list(dict.fromkeys(c.weight_file.name for c in self.candidates
                                   if c.weight_file is not None))
        if files:
            return tr.ngettext("{answer}: file {files}", "{answer}: files {files}",
                               len(files)).format(answer=text, files=", ".join(files))
        return tr.gettext("{answer} (no saved weight files found)").format(answer=text)

    def evidence(self, tr: Translations = ENGLISH) -> str:
        """Why the verdict: the numbers behind it, in one line."""
        tag, lowest = self.total_tag, self.min_step
        if self.verdict == "overtraining" and self.rise_percent is not None:
            return tr.gettext(
                "{tag} lowest at step {step}, risen {rise} since ({t} standard errors; "
                "noise sd {sd})").format(tag=tag, step=lowest, rise=f"{self.rise_percent:.2g}%",
                                         t=f"{self.rise_t:.1f}", sd=f"{self.noise_sd:.2g}")
        if self.verdict == "plateau":
            return tr.gettext("{tag} no longer falls: lowest at step {step}; more epochs will "
                              "not help, and it is not rising").format(tag=tag, step=lowest)
        if self.verdict == "improving":
            return tr.gettext("{tag} still falls (lowest so far at step {step})").format(
                tag=tag, step=lowest)
        return ""


VERDICT_WORDS = {"improving": N_("improving"), "plateau": N_("plateau"),
                 "overtraining": N_("overtraining"), "no data": N_("no data")}


def _epoch_label(epoch: int | None, estimate: bool) -> str:
    if epoch is None:
        return "?"
    return f"~{epoch}" if estimate else str(epoch)


class Advisor:
    """Reports for every model under logs/, refreshed incrementally.

    A refresh reads only what the event files gained and analyses again only the models whose
    scalars or saved files changed; the others keep their report (the same object).
    """

    def __init__(self, rvc: RvcFolder, *, tolerance: float = DEFAULT_TOLERANCE,
                 patience_fraction: float = DEFAULT_PATIENCE_FRACTION,
                 smoothing: float | None = None, cache_scalars: bool = True) -> None:
        self.rvc = rvc
        self._cache = ScalarCache(rvc.paths.scalar_cache_dir) if cache_scalars else None
        self.tolerance = tolerance
        self.patience_fraction = patience_fraction
        self.smoothing = rvc.distribution.smoothing if smoothing is None else smoothing
        self._readers: dict[str, LogDirReader] = {}
        self._scanner = CheckpointScanner()
        # model -> (the scalars and checkpoints it was made from, the report)
        self._reports: dict[str, tuple[dict[str, ScalarSeries], CheckpointIndex,
                                       ModelReport]] = {}
        self._model_folders: tuple[FolderStamp, dict[str, tuple[list[Path], Path]]] | None
        self._model_folders = None  # (logs/ stamp, what _models returned)
        self._lock = threading.Lock()  # the tray's "open plot" and the refresh loop share readers

    def scalars(self, model: str) -> dict[str, ScalarSeries]:
        """All scalars of `model` so far (reading what was added since the last call)."""
        with self._lock:
            reader = self._readers.get(model)
            if reader is None:
                reader = self._readers[model] = LogDirReader(self.rvc.logs_dir / model,
                                                             cache=self._cache)
            return reader.refresh()

    def refresh(self) -> dict[str, ModelReport]:
        """A report per model folder under logs/."""
        models = self._models()
        self._scanner.start_refresh()
        per_epoch = self.rvc.distribution.key in PER_EPOCH_LOGGING
        reports = {}
        for model, (weight_dirs, model_dir) in models.items():
            # The reader returns the same dict while nothing new was read; the scanner the
            # same index while the model's files are the same.
            scalars = self.scalars(model)
            checkpoints = self._scanner.scan(model, weight_dirs, model_dir)
            previous = self._reports.get(model)
            if previous is not None and previous[0] is scalars and previous[1] is checkpoints:
                reports[model] = previous[2]
                continue
            called = previous is not None and previous[2].verdict == "overtraining"
            report = analyze(model, scalars, checkpoints, tolerance=self.tolerance,
                             patience_fraction=self.patience_fraction,
                             smoothing=self.smoothing, per_epoch_logging=per_epoch,
                             already_called=called)
            self._reports[model] = (scalars, checkpoints, report)
            reports[model] = report
        return reports

    def _models(self) -> dict[str, tuple[list[Path], Path]]:
        """Model name -> (its weight folders, its folder), listed again when logs/ changed."""
        try:
            mtime_ns = os.stat(self.rvc.logs_dir).st_mtime_ns
        except OSError:
            mtime_ns = None
        cached = self._model_folders
        if cached is not None and cached[0].still_valid(mtime_ns):
            return cached[1]
        stamp = FolderStamp.taken(mtime_ns, unsettled_after())
        models = {name: (self.rvc.weights_dirs(name), self.rvc.logs_dir / name)
                  for name in self.rvc.models()}
        self._model_folders = (stamp, models)
        self._forget_except(set(models))
        return models

    def _forget_except(self, models: set[str]) -> None:
        """Drop what is kept for model folders that were deleted."""
        with self._lock:
            for model in set(self._readers) - models:
                del self._readers[model]
        for model in set(self._reports) - models:
            del self._reports[model]
        self._scanner.forget_except(models)


def analyze(model: str, scalars: dict[str, ScalarSeries], checkpoints: CheckpointIndex, *,
            tolerance: float = DEFAULT_TOLERANCE,
            patience_fraction: float = DEFAULT_PATIENCE_FRACTION, smoothing: float = 0.987,
            per_epoch_logging: bool = False, already_called: bool = False) -> ModelReport:
    """One model's report from its scalars and saved files. A model already called
    `overtraining` stays so while its rise keeps STAY_T standard errors, so one noisy
    refresh does not flip the verdict back. (`patience_fraction` is kept for the callers
    and settings files; the rise test needs none.)"""
    total = scalars.get(TOTAL_TAG)
    report = ModelReport(model, "no data", smoothing=smoothing)
    averaged = scalars.get(TOTAL_AVERAGE_TAG)
    if averaged is not None and len(_finite(averaged)[0]) >= MIN_POINTS:
        judged, report.total_tag = averaged, TOTAL_AVERAGE_TAG
    elif total is not None and total.steps:
        judged = total
    else:
        report.warnings.append(Note.of(N_("no {tag} logged yet"), tag=TOTAL_TAG))
        return report
    steps, values = _finite(judged)
    report.points = len(steps)
    if not steps:
        report.warnings.append(Note.of(N_("{tag} holds no finite value"), tag=report.total_tag))
        return report
    report.last_step = steps[-1]
    if EPOCH_TAG in scalars:
        epochs = scalars[EPOCH_TAG]
        logged = {s: round(v) for s, v in zip(epochs.steps, epochs.values, strict=True)}
        checkpoints = dataclasses.replace(checkpoints, logged_epochs=logged)  # a cached index
    spacing = None
    if per_epoch_logging:  # one point per epoch: the spacing of the per-epoch tag
        spacing = _median_spacing(_finite(total)[0] if total is not None else steps)
    _judge(report, steps, values, tolerance, smoothing,
           STAY_T if already_called else RISE_T)
    if report.onset_step is not None:
        report.onset_epoch, report.epoch_is_estimate = checkpoints.epoch_for_step(
            report.onset_step, spacing)
    mel = scalars.get(MEL_TAG)
    if mel is not None and mel.steps:
        report.candidates = _candidates(mel, checkpoints, spacing, report.warnings)
        report.warnings.extend(collapse_warnings(mel))
    else:
        report.warnings.append(Note.of(N_("no {tag} logged, so no best-epoch candidates"),
                                       tag=MEL_TAG))
    if checkpoints.latest_only and not checkpoints.weights:
        report.warnings.append(Note.of(N_("only the latest checkpoint ({file}) is kept; no "
                                          "per-epoch weights to choose from"),
                                       file="G_2333333.pth"))
    return report


def _judge(report: ModelReport, steps: list[int], values: list[float], tolerance: float,
           smoothing: float, rise_t: float) -> None:
    smoothed = tensorboard_smooth(values, smoothing)
    report.chart_min_step = steps[min(range(len(smoothed)), key=smoothed.__getitem__)]
    curve = zero_lag_smooth(values, smoothing)
    lowest = min(range(len(curve)), key=curve.__getitem__)
    report.min_step = steps[lowest]
    if len(steps) < MIN_POINTS:
        report.verdict = "improving"
        report.warnings.append(Note.counted(N_plural(
            "only {count} point logged; too early to judge",
            "only {count} points logged; too early to judge"), len(steps)))
        return
    first = _index_at_or_before(steps, steps[0] + FIT_START_FRACTION * (steps[-1] - steps[0]))
    report.noise_sd = noise_sd(values)
    fit = fit_turn(steps, values, first)
    if fit is not None and fit.slope_after > 0:
        level = abs(fit.level_at_turn) or 1.0
        if (fit.t_after > rise_t and fit.slope_before < fit.slope_after
                and fit.rise(steps[-1]) > tolerance * level):
            report.verdict = "overtraining"
            # The zero-lag minimum places the lowest point better than the bend of the
            # fit (1k vs 3k steps median error on the corpus), unless it is at the very end.
            if lowest > len(steps) - 1 - MIN_AFTER:
                lowest = steps.index(fit.turn_step)
                report.min_step = fit.turn_step
            report.onset_step = report.min_step
            # From the lowest point to the fitted line's end (a smoothed end lags the rise).
            end_level = fit.level_at_turn + fit.rise(steps[-1])
            report.rise_percent = 100 * (end_level - curve[lowest]) / (abs(curve[lowest]) or 1)
            report.rise_t = fit.t_after
            report.noise_sd = fit.noise_sd
            return
        if fit.t_after > rise_t / 2:
            report.warnings.append(Note.of(
                N_("{tag} may be rising since step {step} ({t} standard errors, {needed} "
                   "needed); not yet sure"),
                tag=report.total_tag, step=fit.turn_step, t=f"{fit.t_after:.1f}",
                needed=f"{rise_t:g}"))
    recent = _index_at_or_before(steps, steps[0] + (steps[-1] - steps[0]) * RECENT_START)
    slope, t_value = linear_trend(steps[recent:], values[recent:])
    fall = -slope * (steps[-1] - steps[recent])
    level_now = statistics.fmean(values[recent:])
    falling = t_value < -TREND_T and fall > IMPROVING_FALL * abs(level_now)
    report.verdict = "improving" if falling else "plateau"


def linear_trend(steps: Sequence[int], values: Sequence[float]) -> tuple[float, float]:
    """Least-squares slope of values over steps, and its t statistic ((0, 0) if undefined)."""
    count = len(steps)
    if count < 5:
        return 0.0, 0.0
    mean_x = sum(steps) / count
    mean_y = sum(values) / count
    sxx = sum((x - mean_x) ** 2 for x in steps)
    if sxx == 0:
        return 0.0, 0.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(steps, values, strict=True)) / sxx
    residual = sum((y - mean_y - slope * (x - mean_x)) ** 2
                   for x, y in zip(steps, values, strict=True))
    if residual <= 0:
        return slope, math.copysign(math.inf, slope) if slope else 0.0
    return slope, slope / math.sqrt(residual / (count - 2) / sxx)


def zero_lag_smooth(values: list[float], smoothing: float) -> list[float]:
    """A forward-then-backward smoothing (no lag). Its time constant is the display's, but at
    least a twentieth of the run, so a lightly smoothed noisy curve (Applio's 0.5) does not
    put the lowest point on a single noisy dip."""
    time_constant = max(1 / (1 - min(smoothing, 0.999)), len(values) / ONSET_SPAN_FRACTION)
    weight = 1 - 1 / time_constant
    forward = tensorboard_smooth(values, weight)
    return tensorboard_smooth(forward[::-1], weight)[::-1]


def raw_noise(values: Sequence[float]) -> float:
    """Standard deviation of the point-to-point noise (see `turn.noise_sd`)."""
    return noise_sd(values)


def local_minima(values: Sequence[float], min_prominence: float) -> list[tuple[int, float]]:
    """(index, prominence) of the local minima standing at least `min_prominence` below the
    higher of their two sides (the topographic prominence of the inverted curve)."""
    count = len(values)
    candidates = [i for i in range(count)
                  if (i == 0 or values[i] < values[i - 1])
                  and (i == count - 1 or values[i] <= values[i + 1])]
    left_lower = _previous_lower(values)
    right_lower = _previous_lower(values[::-1])[::-1]
    found = []
    for i in sorted(candidates, key=values.__getitem__):
        left = left_lower[i]
        right = count - 1 - right_lower[i] if right_lower[i] >= 0 else -1
        left_peak = max(values[left + 1: i + 1]) if left >= 0 else math.inf
        right_peak = max(values[i: right]) if right >= 0 else math.inf
        prominence = min(left_peak, right_peak)
        if math.isinf(prominence):  # the lowest point: its prominence is its whole range
            prominence = max(values)
        prominence -= values[i]
        if prominence >= min_prominence:
            found.append((i, prominence))
        if len(found) >= 4 * MAX_CANDIDATES:
            break
    return found


def _previous_lower(values: Sequence[float]) -> list[int]:
    """For each index, the nearest index to its left with a strictly lower value, or -1."""
    result = []
    stack: list[int] = []
    for i, value in enumerate(values):
        while stack and values[stack[-1]] >= value:
            stack.pop()
        result.append(stack[-1] if stack else -1)
        stack.append(i)
    return result


def _candidates(mel: ScalarSeries, checkpoints: CheckpointIndex, spacing: float | None,
                warnings: list[Note]) -> list[Candidate]:
    points = [(s, v) for s, v in zip(mel.steps, mel.values, strict=True) if math.isfinite(v)]
    clamped = sum(1 for _, v in points if v >= MEL_DISPLAY_CLAMP)
    if clamped:
        warnings.append(Note.counted(N_plural(
            "{count} {tag} point sits at the display cap of {cap} (real value higher); it is "
            "not a candidate",
            "{count} {tag} points sit at the display cap of {cap} (real value higher); they "
            "are not candidates"), clamped, tag=MEL_TAG, cap=f"{MEL_DISPLAY_CLAMP:g}"))
    steps = [s for s, _ in points]
    values = [v for _, v in points]
    noise = raw_noise(values)
    floor = max(PROMINENCE_IN_NOISE * noise, 1e-3 * abs(statistics.median(values or [0.0])))
    chosen = []
    for index, _ in local_minima(values, floor):
        if values[index] < MEL_DISPLAY_CLAMP:
            chosen.append(index)
        if len(chosen) == MAX_CANDIDATES:
            break
    result = []
    for rank, index in enumerate(chosen, start=1):
        epoch, estimate = checkpoints.epoch_for_step(steps[index], spacing)
        weight, exact = checkpoints.weight_for_epoch(epoch) if epoch is not None else (None, False)
        result.append(Candidate(step=steps[index], epoch=epoch, epoch_is_estimate=estimate,
                                mel=values[index], weight_file=weight.path if weight else None,
                                rank=rank, weight_is_nearest=weight is not None and not exact))
    return result


def collapse_warnings(mel: ScalarSeries) -> list[Note]:
    """Hints of mode collapse: a long run of near-constant mel loss, or mel falling to a
    small fraction of its usual level (what a silent or empty segment does)."""
    steps, values = _finite(mel)
    if len(values) < COLLAPSE_MIN_POINTS:
        return []
    warnings = []
    typical = statistics.median(values)
    noise = raw_noise(values)
    flat_limit = max(0.02 * noise, 1e-4 * abs(typical))
    run_start = 0
    longest = (0, 0)
    for i in range(1, len(values) + 1):
        if i == len(values) or abs(values[i] - values[run_start]) > flat_limit:
            if i - run_start > longest[1] - longest[0]:
                longest = (run_start, i)
            run_start = i
    length = longest[1] - longest[0]
    if length >= max(COLLAPSE_MIN_POINTS, len(values) // 20):
        warnings.append(Note.counted(N_plural(
            "{tag} stays at {value} from step {start} to {end} ({count} point): possible mode "
            "collapse",
            "{tag} stays at {value} from step {start} to {end} ({count} points): possible mode "
            "collapse"), length, tag=MEL_TAG, value=f"{values[longest[0]]:.3g}",
            start=steps[longest[0]], end=steps[longest[1] - 1]))
    low = [i for i, v in enumerate(values) if v < 0.2 * typical]
    if typical > 0 and low:
        warnings.append(Note.counted(N_plural(
            "{tag} falls below a fifth of its usual {typical} at {count} point (first at step "
            "{step}): the pattern of a silent segment; check the dataset for silence",
            "{tag} falls below a fifth of its usual {typical} at {count} points (first at step "
            "{step}): the pattern of a silent segment; check the dataset for silence"),
            len(low), tag=MEL_TAG, typical=f"{typical:.3g}", step=steps[low[0]]))
    return warnings


def _finite(series: ScalarSeries) -> tuple[list[int], list[float]]:
    pairs = [(s, v) for s, v in zip(series.steps, series.values, strict=True)
             if math.isfinite(v)]
    return [s for s, _ in pairs], [v for _, v in pairs]


def _index_at_or_before(steps: list[int], step: float) -> int:
    return max(0, bisect.bisect_right(steps, step) - 1)


def _median_spacing(steps: list[int]) -> float | None:
    gaps = [b - a for a, b in itertools.pairwise(steps) if b > a]
    return float(statistics.median(gaps)) if gaps else None
