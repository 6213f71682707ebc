"""A corpus of generated RVC training runs with known answers, for the advisor's accuracy.

Magnitudes follow the real logs (../shared/NOTES.md "Real magnitudes", ../shared/realdata/):
`loss/g/total` levels 28-40 after a fast early drop from about 15 above, single logged points
with noise sd 0.5-3 and rare spikes upward, mel 17-24 with the WebUI's display clamp at 75,
NaN stretches, training resumed from an earlier checkpoint (a second event file that repeats
steps). Shapes:

- `turned`: a slow fall, then from the bend a rise of 0.5-3% of the level over 10-20k steps
  (the guide's own example rises about 1%); the bend is smooth, as real curves are;
- `flat_then_rising`: the fall is over long before the bend, then the same kind of rise;
- `still_falling`: still falling slowly at the end (0.5-3% of the level per 10k steps);
- `plateau`: the fall ends early, then a long flat stretch to the end.

The true turn is the minimum of the noiseless curve. Mel gets 6-9 planted dips (a few noise
sigmas deep): the "true dips" the candidates should find. Logging styles: WebUI (a point
every 200 steps), Mangio (a point per epoch), Applio (a point per epoch in logs/M/eval/, the
last batch's value, plus `loss_avg_50/...` every 50 steps: the mean of 50 batches).
Written with the launcher's ScalarEventWriter, which writes what SummaryWriter writes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from launcher.events.writer import ScalarEventWriter

STYLES = ("webui", "mangio", "applio")
SHAPES = ("turned", "flat_then_rising", "still_falling", "plateau")
SHAPE_WEIGHTS = (0.45, 0.15, 0.2, 0.2)
NOISE_BINS = ((0.5, 1.0), (1.0, 2.0), (2.0, 3.0))
WEBUI_LOG_INTERVAL = 200
APPLIO_AVERAGE_EVERY = 50
SPIKE_CHANCE = 0.006
MEL_CLAMP, KL_CLAMP = 75.0, 9.0
START_WALL_TIME = 1.7e9
TURNED = frozenset({"turned", "flat_then_rising"})


@dataclass(frozen=True)
class Run:
    """One generated run and its known answers."""

    name: str
    style: str
    shape: str
    noise: float  # sd of one logged point of loss/g/total
    steps_per_epoch: int
    last_step: int
    level: float
    early_drop: float
    early_tau: float
    slow_drop: float
    slow_tau: float
    linear_fall: float  # per step, still_falling only
    bend: int | None  # where the rise starts (turned shapes)
    rise_slope: float  # per step after the bend
    bend_width: float
    mel_level: float
    dips: tuple[tuple[int, float, float], ...]  # (step, depth, width in steps)
    resumed_at: int | None = None  # a second event file from this step on
    nan_from: int | None = None  # NaN losses over [nan_from, nan_to)
    nan_to: int | None = None
    clamped_start: int = 0  # the first points' mel sits at the clamp
    seed: int = 0
    turn_step: int | None = field(default=None)  # the noiseless curve's minimum

    @property
    def turned(self) -> bool:
        return self.shape in TURNED

    @property
    def rise_percent(self) -> float:
        """The rise from the bend to the end of the run, % of the level (0: never turns)."""
        if self.bend is None:
            return 0.0
        return 100 * self.rise_slope * (self.last_step - self.bend) / self.level

    @property
    def mel_noise(self) -> float:
        return 0.35 * self.noise + 0.3

    def curve(self, step: float) -> float:
        """Noiseless loss/g/total at `step` (without the mel dips)."""
        value = (self.level + self.early_drop * math.exp(-step / self.early_tau)
                 + self.slow_drop * math.exp(-step / self.slow_tau) - self.linear_fall * step)
        if self.bend is not None:
            z = (step - self.bend) / self.bend_width
            softplus = z if z > 30 else math.log1p(math.exp(z))
            value += self.rise_slope * self.bend_width * softplus
        return value

    def dip(self, step: float) -> float:
        return sum(depth * math.exp(-0.5 * ((step - at) / width) ** 2)
                   for at, depth, width in self.dips if abs(step - at) < 4 * width)

    def log_steps(self) -> list[int]:
        every = WEBUI_LOG_INTERVAL if self.style == "webui" else self.steps_per_epoch
        return list(range(every, self.last_step + 1, every))


def make_run(index: int, seed: int) -> Run:
    rng = random.Random(seed)
    style = STYLES[index % len(STYLES)]
    shape = rng.choices(SHAPES, SHAPE_WEIGHTS)[0]
    low, high = NOISE_BINS[(index // len(STYLES)) % len(NOISE_BINS)]
    noise = rng.uniform(low, high)
    level = rng.uniform(28, 40)
    early_tau = rng.uniform(300, 1500)
    spe = rng.randint(40, 300)
    slow_drop = level * rng.uniform(0.02, 0.08)
    slow_tau = rng.uniform(5000, 15000)
    linear_fall = 0.0
    bend = None
    rise_slope = 0.0
    if shape == "turned":
        bend = rng.randint(12000, 25000)
        span = rng.randint(10000, 20000)
        last = bend + span
        rise_slope = level * rng.uniform(0.005, 0.03) / span
    elif shape == "flat_then_rising":
        slow_tau = rng.uniform(1500, 3000)
        bend = rng.randint(12000, 25000)
        span = rng.randint(10000, 20000)
        last = bend + span
        rise_slope = level * rng.uniform(0.005, 0.03) / span
    elif shape == "still_falling":
        last = rng.randint(20000, 45000)
        linear_fall = level * rng.uniform(0.005, 0.03) / 10000
        slow_tau = rng.uniform(8000, 20000)
    else:  # plateau
        last = rng.randint(20000, 45000)
        slow_tau = rng.uniform(1500, 4000)
    every = WEBUI_LOG_INTERVAL if style == "webui" else spe
    mel_noise = 0.35 * noise + 0.3
    dips = []
    start = int(5 * early_tau)
    for _ in range(rng.randint(6, 9)):
        for _attempt in range(20):
            at = rng.randint(start, last - 2 * every)
            if all(abs(at - other) > 10 * every for other, _, _ in dips):
                dips.append((at, -rng.uniform(3.0, 5.0) * mel_noise,
                             every * rng.uniform(0.6, 1.2)))
                break
    resumed = rng.randint(int(0.3 * last), int(0.8 * last)) if rng.random() < 0.15 else None
    nan_from = nan_to = None
    if rng.random() < 0.1:
        nan_from = rng.randint(int(0.2 * last), int(0.9 * last))
        nan_to = nan_from + every * rng.randint(3, 15)
    run = Run(name=f"run{index:04d}_{style}_{shape}", style=style, shape=shape, noise=noise,
              steps_per_epoch=spe, last_step=last, level=level,
              early_drop=rng.uniform(12, 20), early_tau=early_tau, slow_drop=slow_drop,
              slow_tau=slow_tau, linear_fall=linear_fall, bend=bend, rise_slope=rise_slope,
              bend_width=rng.uniform(500, 2000), mel_level=rng.uniform(17, 24),
              dips=tuple(sorted(dips)), resumed_at=resumed, nan_from=nan_from, nan_to=nan_to,
              clamped_start=rng.randint(1, 4) if rng.random() < 0.15 else 0, seed=seed)
    if run.turned:
        grid = range(int(4 * early_tau), last + 1, 50)
        turn = min(grid, key=run.curve)
        run = Run(**{**run.__dict__, "turn_step": turn})
    return run


def corpus(count: int, first_seed: int) -> list[Run]:
    return [make_run(i, first_seed + i) for i in range(count)]


def _point(run: Run, step: int, rng: random.Random, noise: float,
           batches: int = 1) -> dict[str, float]:
    """The scalars logged at `step`, with per-point noise of sd `noise` on g/total. A dip
    belongs to the batch logged at it, so a mean over `batches` steps keeps 1/batches of it."""
    if run.nan_from is not None and run.nan_from <= step < (run.nan_to or 0):
        nan = math.nan
        return {"loss/g/total": nan, "loss/g/mel": nan, "loss/g/kl": nan, "loss/d/total": nan}
    progress = 1 - math.exp(-step / run.early_tau)
    dip = run.dip(step) / batches
    spike = rng.uniform(3, 8) * noise if rng.random() < SPIKE_CHANCE else 0.0
    spike /= math.sqrt(batches)  # one bad batch in the mean: noise already shrank
    mel_share = run.mel_noise / max(noise, 1e-9)
    mel = (run.mel_level + 0.5 * (run.curve(step) - run.level) + dip
           + rng.gauss(0, run.mel_noise) + spike * mel_share)
    total = run.curve(step) + dip + rng.gauss(0, noise) + spike
    index = step // (WEBUI_LOG_INTERVAL if run.style == "webui" else run.steps_per_epoch)
    if index <= run.clamped_start:
        mel, total = MEL_CLAMP, total + 60
    return {"loss/g/total": total, "loss/g/mel": min(mel, MEL_CLAMP),
            "loss/g/kl": min(KL_CLAMP, 2.4 - 1.0 * progress + rng.gauss(0, 0.25)),
            "loss/d/total": 3.4 - 0.5 * progress + rng.gauss(0, 0.2)}


def write_run(run: Run, logs: Path) -> Path:
    """The run's event files under logs/<name>/ (Applio: logs/<name>/eval/)."""
    model_dir = logs / run.name
    target = model_dir / "eval" if run.style == "applio" else model_dir
    rng = random.Random(run.seed * 7919 + 1)
    steps = run.log_steps()
    average_steps = (range(APPLIO_AVERAGE_EVERY, run.last_step + 1, APPLIO_AVERAGE_EVERY)
                     if run.style == "applio" else range(0))
    pieces = [(0, run.last_step, 0)]
    if run.resumed_at is not None:  # the first file stops there; the second restarts earlier
        back = run.steps_per_epoch * rng.randint(2, 10)
        pieces = [(0, run.resumed_at, 0), (max(1, run.resumed_at - back), run.last_step, 1)]
    for first, last, counter in pieces:
        wall = START_WALL_TIME + counter * 1e6
        with ScalarEventWriter(target, wall_time=wall, counter=counter) as writer:
            events = [(s, False) for s in steps if first <= s <= last]
            events += [(s, True) for s in average_steps if first <= s <= last]
            events.sort()
            for step, averaged in events:
                when = wall + step * 0.5
                if averaged:  # the mean of 50 batches: noise shrinks by sqrt(50)
                    point = _point(run, step, rng, run.noise / math.sqrt(APPLIO_AVERAGE_EVERY),
                                   APPLIO_AVERAGE_EVERY)
                    for tag in ("loss/g/total", "loss/g/mel"):
                        writer.add_scalar(f"loss_avg_50/{tag[5:]}", point[tag], step, when)
                    continue
                for tag, value in _point(run, step, rng, run.noise).items():
                    writer.add_scalar(tag, value, step, when)
    return model_dir
