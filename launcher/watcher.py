"""Tells when a model starts training, by watching its TensorBoard event files grow.

A training session of model M starts when:
- a new `events.out.tfevents.*` file in `logs/M/` or `logs/M/eval/` gets events beyond its
  file-version header (a new training process always opens a new file; a file that only
  appears, or a copied-in file with old events, is not training);
- a file that was idle starts growing again: right after the watcher started (training was
  already running), or after a pause of at least `pause_for_new_session` seconds that is also
  clearly longer than the file's usual gap between writes, once one such gap has been seen
  (slow epochs are not new sessions);
- Applio writes new `process_pids` into `logs/M/config.json` (its training has begun; the
  event file that follows belongs to the same session).

Polling is cheap when idle: a directory is listed again only when its mtime changed, and
only event files and config.json are stat'ed.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

EVENT_FILE_PREFIX = "events.out.tfevents."
RUN_SUBDIRS = ("eval",)  # Applio logs every scalar to logs/<model>/eval/
CONFIG_NAME = "config.json"
# A directory changed this recently may change again within the same mtime tick (FAT: 2 s).
MTIME_SETTLE_SECONDS = 3.0
USUAL_GAP_FACTOR = 4.0
HINT_LIFETIME = 30 * 60.0  # the first epoch after a config.json hint may take this long
RECORD_OVERHEAD = 8 + 4 + 4  # TFRecord: length, crc of length, data, crc of data


def header_record_size(path: Path) -> int | None:
    """Size of the first record (the file-version event), or None if not written yet."""
    try:
        with path.open("rb") as file:
            length_bytes = file.read(8)
    except OSError:
        return None
    if len(length_bytes) < 8:
        return None
    return RECORD_OVERHEAD + struct.unpack("<Q", length_bytes)[0]


@dataclass
class _EventFile:
    size: int
    header_size: int | None
    in_baseline: bool
    last_growth: float | None = None
    longest_gap: float | None = None  # between writes in this session; None until one is seen

    def has_events(self, size: int) -> bool:
        return self.header_size is not None and size > self.header_size

    def is_resumed_after(self, gap: float, pause: float) -> bool:
        """A pause, not a slow epoch: at least `pause`, and clearly longer than usual gaps."""
        if self.longest_gap is None:
            return False
        return gap >= max(pause, USUAL_GAP_FACTOR * self.longest_gap)


@dataclass
class _Listing:
    mtime_ns: int
    event_files: list[str]
    subdirs: list[str]


@dataclass
class _Model:
    files: dict[str, _EventFile] = field(default_factory=dict)
    config_mtime_ns: int | None = None
    pids: tuple[str, ...] = ()
    last_activity: float | None = None
    hint_time: float | None = None  # a session began from config.json; its events are to come


class TrainingWatcher:
    """Polls `logs_dir` and calls `on_training_started(model)` once per training session."""

    def __init__(self, logs_dir: Path, on_training_started: Callable[[str], None], *,
                 interval: float = 0.5, pause_for_new_session: float = 60.0) -> None:
        self.logs_dir = logs_dir
        self._on_training_started = on_training_started
        self._interval = interval
        self._pause = pause_for_new_session
        self._models: dict[str, _Model] = {}
        self._listings: dict[str, _Listing] = {}
        self._baseline_taken = False
        self._poll_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Take the baseline now (existing logs are not a start), then poll in the background."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        try:
            self.poll_once()
        except OSError:
            log.exception("could not read %s yet; watching it anyway", self.logs_dir)
        self._thread = threading.Thread(target=self._run, name="training-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, 4 * self._interval))
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.poll_once()
            except Exception:
                log.exception("watching %s failed; trying again", self.logs_dir)

    # ---- one poll ----------------------------------------------------------------------

    def poll_once(self) -> list[str]:
        """Scan once; call back for, and return, the models whose training started since."""
        with self._poll_lock:
            baseline = not self._baseline_taken
            started = self._scan(time.monotonic(), baseline)
            self._baseline_taken = True
        for model in started:
            log.info("training started: %s", model)
            try:
                self._on_training_started(model)
            except Exception:
                log.exception("training-started callback failed for %s", model)
        return started

    def _scan(self, now: float, baseline: bool) -> list[str]:
        models = self._listing(self.logs_dir)
        if models is None:
            self._models.clear()
            self._listings.clear()
            return []
        for gone in self._models.keys() - set(models.subdirs):
            del self._models[gone]
            for directory in (gone, *(f"{gone}/{sub}" for sub in RUN_SUBDIRS)):
                self._listings.pop(str(self.logs_dir / directory), None)
        started = []
        for name in models.subdirs:
            model = self._models.setdefault(name, _Model())
            try:
                if self._scan_model(name, model, now, baseline):
                    started.append(name)
            except OSError as error:
                log.debug("skipping %s this time: %s", name, error)
        return started

    def _scan_model(self, name: str, model: _Model, now: float, baseline: bool) -> bool:
        model_dir = self.logs_dir / name
        listing = self._listing(model_dir)
        if listing is None:
            return False
        paths = [model_dir / file for file in listing.event_files]
        for sub in RUN_SUBDIRS:
            if sub in listing.subdirs:
                sub_listing = self._listing(model_dir / sub)
                if sub_listing is not None:
                    paths.extend(model_dir / sub / file for file in sub_listing.event_files)
        started = self._config_hint(model, model_dir / CONFIG_NAME, now, baseline)
        seen = set()
        for path in paths:
            key = str(path)
            seen.add(key)
            started = self._observe(model, key, path, now, baseline) or started
        for gone in model.files.keys() - seen:
            del model.files[gone]
        return started

    def _observe(self, model: _Model, key: str, path: Path, now: float, baseline: bool) -> bool:
        """Track one event file; True if its growth starts a training session."""
        try:
            # os.stat, not DirEntry.stat: on Windows a directory entry's size lags for files
            # still open for writing.
            stat = os.stat(path)
        except FileNotFoundError:
            return False
        size = stat.st_size
        known = model.files.get(key)
        if known is None:
            known = model.files[key] = _EventFile(
                size, header_record_size(path) if size else None, in_baseline=baseline)
            if baseline or not known.has_events(size):
                return False
            if time.time() - stat.st_mtime > self._pause:
                log.debug("%s arrived with old events (copied in?); not a training start", path)
                return False
            known.last_growth = now
            return self._session_event(model, now, new_run=True)
        grew = size > known.size
        known.size = size
        if not grew:
            return False
        if known.header_size is None:
            known.header_size = header_record_size(path)
        if not known.has_events(size):
            return False
        previous, known.last_growth = known.last_growth, now
        if previous is None:
            # The first events we see from this file: a new run, or one already going at start.
            return self._session_event(model, now, new_run=not known.in_baseline,
                                       resumed=known.in_baseline)
        gap = now - previous
        if known.is_resumed_after(gap, self._pause):
            known.longest_gap = None
            return self._session_event(model, now, resumed=True)
        known.longest_gap = max(known.longest_gap or 0.0, gap)
        return self._session_event(model, now)

    def _session_event(self, model: _Model, now: float, *, new_run: bool = False,
                       resumed: bool = False) -> bool:
        """Record activity; True if it starts a session (one callback per session)."""
        idle = model.last_activity is None or now - model.last_activity >= self._pause
        model.last_activity = now
        if new_run:
            hinted = model.hint_time is not None and now - model.hint_time < HINT_LIFETIME
            model.hint_time = None
            return not hinted  # after a config.json hint, this run's file is the same session
        return resumed and idle

    def _config_hint(self, model: _Model, config: Path, now: float, baseline: bool) -> bool:
        """Applio's config.json gets new `process_pids` when its training begins."""
        try:
            mtime_ns = os.stat(config).st_mtime_ns
        except FileNotFoundError:
            model.config_mtime_ns, model.pids = None, ()
            return False
        if mtime_ns == model.config_mtime_ns:
            return False
        model.config_mtime_ns = mtime_ns
        pids = read_process_pids(config)
        if pids is None:  # half-written: read it again next time
            model.config_mtime_ns = None
            return False
        previous, model.pids = model.pids, pids
        if baseline or not pids or pids == previous:
            return False
        idle = model.last_activity is None or now - model.last_activity >= self._pause
        model.last_activity = now
        if idle:
            model.hint_time = now
        return idle

    # ---- directory listings, cached by mtime -------------------------------------------

    def _listing(self, directory: Path) -> _Listing | None:
        key = str(directory)
        try:
            stat = os.stat(directory)
        except (FileNotFoundError, NotADirectoryError):
            self._listings.pop(key, None)
            return None
        cached = self._listings.get(key)
        settled = time.time() - stat.st_mtime > MTIME_SETTLE_SECONDS
        if cached is not None and cached.mtime_ns == stat.st_mtime_ns and settled:
            return cached
        event_files, subdirs = [], []
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.startswith(EVENT_FILE_PREFIX):
                    event_files.append(entry.name)
                elif entry.is_dir():
                    subdirs.append(entry.name)
        listing = _Listing(stat.st_mtime_ns, event_files, subdirs)
        self._listings[key] = listing
        return listing


def read_process_pids(config: Path) -> tuple[str, ...] | None:
    """The `process_pids` Applio lists in config.json; () if none; None if unreadable now."""
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pids = data.get("process_pids") if isinstance(data, dict) else None
    if isinstance(pids, list):
        return tuple(str(pid) for pid in pids)
    return (str(pids),) if pids else ()
