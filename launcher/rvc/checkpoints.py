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
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from launcher.util.folderstamp import FolderStamp, unsettled_after

log = logging.getLogger(__name__)

LATEST_ONLY_MARKER = 2333333
# A folder changed this recently may change again within the same mtime tick (FAT: 2 s).
_FULL_CHECKPOINT = re.compile(r"G_(\d+)\.pth")
_WEBUI_NAME = re.compile(r"(.+)_e(\d+)(?:_s(\d+))?\.pth", re.DOTALL)
_APPLIO_NAME = re.compile(r"(.+)_(\d+)e_(\d+)s(_best_epoch)?\.pth", re.DOTALL)


@dataclass(frozen=True)
class WeightFile:
    path: Path
    epoch: int
    step: int | None  # None in the oldest `<model>_e<E>.pth` names
    best_epoch: bool = False  # Applio's `_best_epoch` copy


def parse_weight_name(model: str, name: str) -> tuple[int, int | None, bool] | None:
    """(epoch, step, best_epoch) from a weight file name of `model`, or None."""
    parsed = _parse_any_weight_name(name)
    return parsed[1] if parsed is not None and parsed[0] == model else None


def _parse_any_weight_name(name: str) -> tuple[str, tuple[int, int | None, bool]] | None:
    """(model, (epoch, step, best_epoch)) from a weight file name of any model, or None.

    Each pattern's suffix can start at one place only (the last `_e`, or the `_<E>e_` before
    the end), so the model a name belongs to is unique.
    """
    webui = _WEBUI_NAME.fullmatch(name)
    if webui:
        return webui[1], (int(webui[2]), int(webui[3]) if webui[3] else None, False)
    applio = _APPLIO_NAME.fullmatch(name)
    if applio:
        return applio[1], (int(applio[2]), int(applio[3]), bool(applio[4]))
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
    return CheckpointScanner().scan(model, weight_dirs, model_dir)


class CheckpointScanner:
    """`scan_checkpoints` with folder listings cached by mtime, for repeated scans.

    Every model's weights share `assets/weights/`: within one refresh (`start_refresh`) each
    folder is checked once, and listed and parsed again only when its mtime changed, or when
    its listing was taken so soon after a change that another change in the same mtime tick
    (FAT: 2 s) could hide. `scan` returns the very same index while a model's files are
    unchanged, so a caller can tell a change by identity.
    """

    def __init__(self) -> None:
        self._folders: dict[str, _FolderListing] = {}
        self._checked: dict[str, _FolderListing] = {}  # folders checked in this refresh
        self._indexes: dict[str, tuple[tuple[object, ...], CheckpointIndex]] = {}
        self._now_ns = 0

    def start_refresh(self) -> None:
        """Check each folder again on its next use (once per refresh)."""
        self._checked.clear()
        self._now_ns = time.time_ns()

    def forget_except(self, models: set[str]) -> None:
        for model in set(self._indexes) - models:
            del self._indexes[model]

    def scan(self, model: str, weight_dirs: list[Path], model_dir: Path) -> CheckpointIndex:
        """`scan_checkpoints`, from listings checked since the last `start_refresh`."""
        if not self._now_ns:
            self.start_refresh()
        groups = tuple(self._listing(folder).weights.get(model, ()) for folder in weight_dirs)
        own = self._listing(model_dir)
        key = (*groups, own.full_checkpoint_steps, own.latest_only)
        cached = self._indexes.get(model)
        if cached is not None and cached[0] == key:
            return cached[1]
        index = _index_of(groups, own)
        self._indexes[model] = (key, index)
        return index

    def _listing(self, folder: Path) -> _FolderListing:
        name = os.fspath(folder)
        listing = self._checked.get(name)
        if listing is not None:
            return listing
        listing = self._folders.get(name)
        try:
            mtime_ns = os.stat(name).st_mtime_ns
        except OSError:
            mtime_ns = None
        if listing is None or not listing.stamp.still_valid(mtime_ns):
            listing = _FolderListing.read(folder, mtime_ns, self._now_ns, listing)
            self._folders[name] = listing
        self._checked[name] = listing
        return listing


@dataclass
class _FolderListing:
    """One folder's `.pth` files, parsed: weight files grouped by model, and G_<step>.pth."""

    stamp: FolderStamp
    parsed: dict[str, tuple[str, tuple[int, int | None, bool]] | None]  # name -> parse
    weights: dict[str, tuple[WeightFile, ...]]  # model -> its weight files, in name order
    full_checkpoint_steps: tuple[int, ...] = ()
    latest_only: bool = False

    @classmethod
    def read(cls, folder: Path, mtime_ns: int | None, now_ns: int,
             previous: _FolderListing | None) -> _FolderListing:
        names = sorted(_pth_names(folder)) if mtime_ns is not None else []
        known = previous.parsed if previous is not None else {}
        parsed = {name: known[name] if name in known else _parse_any_weight_name(name)
                  for name in names}
        grouped: dict[str, list[WeightFile]] = {}
        steps = []
        latest_only = False
        for name, found in parsed.items():
            if found is not None:
                epoch, step, best = found[1]
                grouped.setdefault(found[0], []).append(
                    WeightFile(folder / name, epoch, step, best))
            full = _FULL_CHECKPOINT.fullmatch(name)
            if full:
                step = int(full[1])
                if step == LATEST_ONLY_MARKER:
                    latest_only = True
                else:
                    steps.append(step)
        old = previous.weights if previous is not None else {}
        weights = {}
        for model, files in grouped.items():
            group = tuple(files)
            weights[model] = old[model] if old.get(model) == group else group
        stamp = FolderStamp.taken(mtime_ns, unsettled_after(now_ns))
        return cls(stamp, parsed, weights, tuple(sorted(steps)), latest_only)


def _index_of(groups: tuple[tuple[WeightFile, ...], ...], own: _FolderListing,
              ) -> CheckpointIndex:
    index = CheckpointIndex()
    seen: set[Path] = set()
    for group in groups:
        for weight in group:
            if weight.path not in seen:
                seen.add(weight.path)
                index.weights.append(weight)
    index.weights.sort(key=lambda w: (w.epoch, w.best_epoch))
    index.full_checkpoint_steps = list(own.full_checkpoint_steps)
    index.latest_only = own.latest_only
    return index


def _pth_names(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return [entry.name for entry in entries if entry.name.endswith(".pth")]
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        log.warning("cannot list %s: %s", folder, exc)
        return []
