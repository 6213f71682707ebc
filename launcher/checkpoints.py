"""Saved weight files of a model and the epoch <-> step mapping their names give.

Names by fork (see shared/NOTES.md):
- WebUI, Mangio: `<model>_e<E>_s<S>.pth` in `assets/weights/` or `weights/`; oldest builds
  `<model>_e<E>.pth`;
- Applio: `logs/<model>/<model>_<E>e_<S>s.pth`, maybe with a `_best_epoch` suffix;
- all: full checkpoints `logs/<model>/G_<step>.pth`, or `G_2333333.pth` when only the latest
  is kept (2333333 is then a marker, not a step).
"""

from __future__ import annotations

import bisect
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

LATEST_ONLY_MARKER = 2333333
_FULL_CHECKPOINT = re.compile(r"G_(\d+)\.pth")


@dataclass(frozen=True)
class WeightFile:
    path: Path
    epoch: int
    step: int | None  # None in the oldest `<model>_e<E>.pth` names
    best_epoch: bool = False  # Applio's `_best_epoch` copy


def parse_weight_name(model: str, name: str) -> tuple[int, int | None, bool] | None:
    """(epoch, step, best_epoch) from a weight file name of `model`, or None."""
    escaped = re.escape(model)
    webui = re.fullmatch(rf"{escaped}_e(\d+)(?:_s(\d+))?\.pth", name)
    if webui:
        return int(webui[1]), int(webui[2]) if webui[2] else None, False
    applio = re.fullmatch(rf"{escaped}_(\d+)e_(\d+)s(_best_epoch)?\.pth", name)
    if applio:
        return int(applio[1]), int(applio[2]), bool(applio[3])
    return None


@dataclass
class CheckpointIndex:
    """What a model's saved files say about epochs and steps."""

    weights: list[WeightFile] = field(default_factory=list)  # sorted by epoch
    full_checkpoint_steps: list[int] = field(default_factory=list)  # from G_<step>.pth
    latest_only: bool = False  # a G_2333333.pth exists
    logged_epochs: dict[int, int] = field(default_factory=dict)  # step -> epoch, if logged

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """Known (step, epoch) pairs, sorted by step."""
        found = {w.step: w.epoch for w in self.weights if w.step is not None}
        found.update(self.logged_epochs)
        return sorted(found.items())

    def steps_per_epoch(self) -> float | None:
        pairs = [(s, e) for s, e in self.pairs if e > 0]
        if not pairs:
            return None
        if len(pairs) == 1:
            return pairs[0][0] / pairs[0][1]
        (s0, e0), (s1, e1) = pairs[0], pairs[-1]
        return (s1 - s0) / (e1 - e0) if e1 != e0 else s1 / e1

    def epoch_for_step(self, step: int, fallback_steps_per_epoch: float | None = None,
                       ) -> tuple[int | None, bool]:
        """(epoch, is_estimate) for a logged step; (None, True) when nothing is known.

        Exact when a weight file or a logged epoch names this very step; otherwise counted
        from the nearest known pair at the average steps per epoch. A point logged at step S
        belongs to the epoch that ends at or after S.
        """
        pairs = self.pairs
        for known_step, epoch in pairs:
            if known_step == step:
                return epoch, False
        per_epoch = self.steps_per_epoch() or fallback_steps_per_epoch
        if not per_epoch or per_epoch <= 0:
            return None, True
        if not pairs:
            return max(1, math.ceil(step / per_epoch - 1e-9)), True
        steps = [s for s, _ in pairs]
        i = bisect.bisect_left(steps, step)
        near = min((j for j in (i - 1, i) if 0 <= j < len(pairs)),
                   key=lambda j: abs(pairs[j][0] - step))
        ref_step, ref_epoch = pairs[near]
        return max(1, ref_epoch + math.ceil((step - ref_step) / per_epoch - 1e-9)), True

    def weight_for_epoch(self, epoch: int) -> tuple[WeightFile | None, bool]:
        """(the weight file saved at `epoch` or else the nearest saved one, exact?)."""
        if not self.weights:
            return None, False
        same = [w for w in self.weights if w.epoch == epoch]
        if same:
            return min(same, key=lambda w: w.best_epoch), True
        nearest = min(self.weights, key=lambda w: (abs(w.epoch - epoch), -w.epoch, w.best_epoch))
        return nearest, False


def scan_checkpoints(model: str, weight_dirs: list[Path], model_dir: Path) -> CheckpointIndex:
    """Find `model`'s weight files in `weight_dirs` and its full checkpoints in `model_dir`."""
    index = CheckpointIndex()
    seen: set[Path] = set()
    for folder in weight_dirs:
        for path in _listing(folder):
            parsed = parse_weight_name(model, path.name)
            if parsed is None or path in seen:
                continue
            seen.add(path)
            epoch, step, best = parsed
            index.weights.append(WeightFile(path, epoch, step, best))
    index.weights.sort(key=lambda w: (w.epoch, w.best_epoch))
    for path in _listing(model_dir):
        match = _FULL_CHECKPOINT.fullmatch(path.name)
        if not match:
            continue
        step = int(match[1])
        if step == LATEST_ONLY_MARKER:
            index.latest_only = True
        else:
            index.full_checkpoint_steps.append(step)
    index.full_checkpoint_steps.sort()
    return index


def _listing(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.suffix == ".pth"]
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("cannot list %s: %s", folder, exc)
        return []
