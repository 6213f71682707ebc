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

Where the OS reports folder changes (inotify, ReadDirectoryChangesW, FSEvents through
`folderevents`), the watcher sleeps until one arrives and then re-reads only the model it
names: no timer wakes it while nothing changes. Where events are not available or not
reliable (network and synced folders, the inotify watch limit, a watchdog thread that died)
it falls back, and logs why, to polling.

The fallback poll is tiered to stay cheap over hundreds of models. Every poll stats what
can signal a new run at once: `logs/`, the folder each model's training writes events to
(its own folder, or `eval/` for Applio; both while neither holds events) whose mtime changes
when the next run creates its file (a folder is listed again only then), and the event files
that are hot: new ones still waiting for their first events, and ones that grew within the
pause. Every few seconds a sweep stats the rest: the other folders, idle event files (growth
after a long pause) and each config.json. `poll_once()` always sweeps.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from launcher.core.folderevents import WATCH_LIMIT_HINT, FolderEvents, unwatchable_reason
from launcher.util.folderstamp import FolderStamp, unsettled_after

log = logging.getLogger(__name__)

EVENT_FILE_PREFIX = "events.out.tfevents."
RUN_SUBDIRS = ("eval",)  # Applio logs every scalar to logs/<model>/eval/
CONFIG_NAME = "config.json"
# A directory changed this recently may change again within the same mtime tick (FAT: 2 s).
USUAL_GAP_FACTOR = 4.0
HINT_LIFETIME = 30 * 60.0  # the first epoch after a config.json hint may take this long
FIRST_EPOCH_WINDOW = HINT_LIFETIME  # a file without events stays hot this long
SWEEP_PERIOD = 5.0  # at most; shorter for short pauses, so gaps are measured finely enough
SWEEPS_PER_PAUSE = 20
# A file that first shows up already holding events may be a copy whose old mtime is set just
# after its data (shutil.copy2, Explorer): with events, judge it once this has passed. (A run's
# file gets its header at once and its first events seconds later: it is not held back.)
COPY_SETTLE = 0.03
FILLED_AT_ONCE = 5.0  # a file whose first events come this soon after it appeared
MTIME_MARGIN = 2.0  # FAT keeps mtimes in 2 s steps
RECORD_OVERHEAD = 8 + 4 + 4  # TFRecord: length, crc of length, data, crc of data


def header_record_size(path: str | Path) -> int | None:
    """Size of the first record (the file-version event), or None if not written yet."""
    try:
        with open(path, "rb") as file:
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
    hot_until: float  # monotonic: stat'ed on every poll until then, else on sweeps
    seen_at: float = 0.0  # monotonic: when the watcher first saw it
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
    stamp: FolderStamp
    event_files: list[str]
    subdirs: list[str]


@dataclass
class _Model:
    directory: str
    config: str
    files: dict[str, _EventFile] = field(default_factory=dict)
    run_dirs: list[str] = field(default_factory=list)  # its eval/, if there is one
    listings: tuple[_Listing | None, ...] = (None,)  # of the folder and run_dirs, as last seen
    event_paths: list[str] = field(default_factory=list)  # files in those listings
    # Folders whose mtime every poll checks: those its training wrote events to (where the
    # next run's file will appear), or all of them while none has events. None: list anew.
    watched: list[tuple[str, _Listing]] | None = None
    hot_until: float = 0.0  # the latest of its files' hot_until
    config_mtime_ns: int | None = None
    pids: tuple[str, ...] = ()
    last_activity: float | None = None
    hint_time: float | None = None  # a session began from config.json; its events are to come


class TrainingWatcher:
    """Watches `logs_dir`; calls `on_training_started(model)` once per training session and
    `on_files_changed(models)` when models' event files or folders changed."""

    def __init__(self, logs_dir: Path, on_training_started: Callable[[str], None], *,
                 interval: float = 0.5, pause_for_new_session: float = 60.0,
                 use_events: bool = True,
                 on_files_changed: Callable[[set[str]], None] | None = None,
                 new_since: float | None = None) -> None:
        self.logs_dir = logs_dir
        self._root = str(logs_dir)
        self._on_training_started = on_training_started
        self._on_files_changed = on_files_changed
        self._use_events = use_events
        # Wall time: files written after it are new even in the baseline (the app starts its
        # watcher only once TensorBoard is up; training may have begun in between).
        self._new_since = None if new_since is None else new_since - MTIME_MARGIN
        self.mode: str | None = None  # "events" or "polling", once started
        self.fallback_reason: str | None = None
        self._events: FolderEvents | None = None
        self._pending_lock = threading.Lock()
        self._pending_root = False
        self._pending_models: set[str] = set()
        self._pending_configs: set[str] = set()
        self._draining = False
        self._wake = threading.Event()
        self._changed: set[str] = set()
        self._pending_everything = False  # the OS dropped events: sweep everything once
        self._judge_after: dict[str, float] = {}  # new files with events, judged after settling
        self._judge_timer: threading.Timer | None = None
        self._interval = interval
        self._pause = pause_for_new_session
        self._sweep_period = min(SWEEP_PERIOD, pause_for_new_session / SWEEPS_PER_PAUSE)
        self._next_sweep = 0.0
        self._models: dict[str, _Model] = {}
        self._listings: dict[str, _Listing] = {}
        self._root_listing: _Listing | None = None
        self._unsettled_after_ns = 0  # mtimes after this may still change within their tick
        self._baseline_taken = False
        self._poll_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Take the baseline now (existing logs are not a start), then watch in the background:
        on folder events where the OS gives reliable ones, else by polling."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._wake.clear()
        self.mode, self.fallback_reason = "events", None
        reason = self._start_events() if self._use_events else "OS folder events turned off"
        if reason is not None:
            self._fall_back(reason)
        try:
            self.poll_once()
        except OSError:
            log.exception("could not read %s yet; watching it anyway", self.logs_dir)
        self._thread = threading.Thread(target=self._background, name="training-watcher",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        events, self._events = self._events, None
        if events is not None:
            events.stop()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, 4 * self._interval))
            self._thread = None

    def _start_events(self) -> str | None:
        """Start OS folder events; the reason they cannot be used, or None."""
        reason = unwatchable_reason(self.logs_dir)
        if reason is not None:
            return reason
        events = FolderEvents(self.logs_dir, self._on_paths, self._fall_back, self._on_lost)
        try:
            events.start()
        except ImportError as error:
            return f"watchdog cannot be loaded ({error})"
        except OSError as error:
            hint = ""
            if error.errno == errno.ENOSPC:
                hint = f"; {WATCH_LIMIT_HINT}"
            elif error.errno == errno.EMFILE:
                hint = "; the inotify instance limit (fs.inotify.max_user_instances) is reached"
            return f"the OS refused to watch {self.logs_dir}: {error}{hint}"
        self._events = events
        log.info("watching %s on folder events", self.logs_dir)
        return None

    def _fall_back(self, reason: str) -> None:
        """Events cannot be trusted (any thread may call this): poll from now on."""
        if self.mode == "polling":
            return
        self.mode, self.fallback_reason = "polling", reason
        log.warning("watching %s by polling every %.1f s: %s", self.logs_dir, self._interval,
                    reason)
        self._wake.set()

    def caught_up(self, marker: str) -> bool:
        """Events up to `marker` (a path last changed) are all handled (tests wait on this)."""
        events = self._events
        if events is None or events.last_path != marker:
            return False
        with self._pending_lock:
            return not (self._draining or self._pending_root or self._pending_models
                        or self._pending_everything or self._judge_after)

    def _background(self) -> None:
        while self.mode == "events" and not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                return
            try:
                self._drain()
            except Exception:
                log.exception("handling folder events in %s failed", self.logs_dir)
        if not self._stop.is_set():
            events, self._events = self._events, None
            if events is not None:
                events.stop()
            self._run()

    def _on_paths(self, paths: list[str]) -> None:
        """Folder events (an observer thread): note what they touch, wake the watcher."""
        root, models, configs = False, set(), set()
        prefix = self._root + os.sep
        for path in paths:
            if not path.startswith(prefix):
                root = root or path == self._root
                continue
            parts = path[len(prefix):].split(os.sep)
            name = parts[-1]
            if len(parts) == 1:
                root = True
                models.add(name)
            elif len(parts) == 2 and (name.startswith(EVENT_FILE_PREFIX) or name in RUN_SUBDIRS
                                      or name == CONFIG_NAME):
                models.add(parts[0])
                if name == CONFIG_NAME:
                    configs.add(parts[0])
            elif (len(parts) == 3 and parts[1] in RUN_SUBDIRS
                  and name.startswith(EVENT_FILE_PREFIX)):
                models.add(parts[0])
        if not (root or models):
            return
        with self._pending_lock:
            self._pending_root = self._pending_root or root
            self._pending_models |= models
            self._pending_configs |= configs
        self._wake.set()

    def _on_lost(self) -> None:
        """The OS dropped events (its queue overflowed): look at everything once."""
        log.warning("folder events for %s were lost; scanning all models once", self.logs_dir)
        with self._pending_lock:
            self._pending_everything = True
        self._wake.set()

    def _drain(self) -> None:
        with self._pending_lock:
            self._wake.clear()
            root, models, configs = (self._pending_root, self._pending_models,
                                     self._pending_configs)
            everything = self._pending_everything
            self._pending_root, self._pending_models, self._pending_configs = False, set(), set()
            self._pending_everything = False
            self._draining = True
        try:
            if everything:
                self._listings.clear()
                self._run_scan(lambda now, baseline: self._scan(now, baseline, sweep=True))
            self._run_scan(lambda now, baseline: self._scan_touched(now, baseline, root,
                                                                    models, configs))
        finally:
            with self._pending_lock:
                self._draining = False

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._poll(sweep=None)
            except Exception:
                log.exception("watching %s failed; trying again", self.logs_dir)

    # ---- one poll ----------------------------------------------------------------------

    def poll_once(self) -> list[str]:
        """Scan everything once; call back for, and return, the models whose training started
        since."""
        return self._poll(sweep=True)

    def _poll(self, sweep: bool | None) -> list[str]:
        """One poll; `sweep` None: sweep the idle files only when one is due."""

        def scan(now: float, baseline: bool) -> list[str]:
            nonlocal sweep
            if sweep is None:
                sweep = now >= self._next_sweep
            if sweep:
                self._next_sweep = now + self._sweep_period
            return self._scan(now, baseline, sweep)

        return self._run_scan(scan)

    def _run_scan(self, scan: Callable[[float, bool], list[str]]) -> list[str]:
        """Run one scan under the lock, then the callbacks for what it found."""
        with self._poll_lock:
            baseline = not self._baseline_taken
            started = scan(time.monotonic(), baseline)
            self._baseline_taken = True
            changed, self._changed = self._changed, set()
        if changed and not baseline and self._on_files_changed is not None:
            try:
                self._on_files_changed(changed)
            except Exception:
                log.exception("files-changed callback failed for %s", sorted(changed))
        for model in started:
            log.info("training started: %s", model)
            try:
                self._on_training_started(model)
            except Exception:
                log.exception("training-started callback failed for %s", model)
        return started

    def _scan(self, now: float, baseline: bool, sweep: bool) -> list[str]:
        self._unsettled_after_ns = unsettled_after()
        models = self._listing(self._root)
        if models is None:
            self._models.clear()
            self._listings.clear()
            self._root_listing = None
            return []
        if models is not self._root_listing:
            self._root_listing = models
            self._forget_models_except(set(models.subdirs))
        started = []
        for name in models.subdirs:
            model = self._models.get(name)
            if model is None:
                directory = os.path.join(self._root, name)
                model = self._models[name] = _Model(directory,
                                                    os.path.join(directory, CONFIG_NAME))
            try:
                if self._scan_model(model, now, baseline, sweep):
                    started.append(name)
            except OSError as error:
                log.debug("skipping %s this time: %s", name, error)
        return started

    def _scan_touched(self, now: float, baseline: bool, root: bool, models: set[str],
                      configs: set[str]) -> list[str]:
        """Re-read only what folder events named: logs/ itself, and the named models."""
        self._unsettled_after_ns = unsettled_after()
        if root or self._root_listing is None:
            self._listings.pop(self._root, None)
            listing = self._listing(self._root)
            if listing is None:
                self._models.clear()
                self._listings.clear()
                self._root_listing = None
                return []
            if listing is not self._root_listing:
                models = models | (set(listing.subdirs) - self._models.keys())
                self._root_listing = listing
                self._forget_models_except(set(listing.subdirs))
        present = set(self._root_listing.subdirs)
        started = []
        for name in sorted(models & present):
            model = self._models.get(name)
            if model is None:
                directory = os.path.join(self._root, name)
                model = self._models[name] = _Model(directory,
                                                    os.path.join(directory, CONFIG_NAME))
            for folder in (model.directory, *(os.path.join(model.directory, sub)
                                              for sub in RUN_SUBDIRS)):
                self._listings.pop(folder, None)
            if name in configs:
                model.config_mtime_ns = None  # rewritten, maybe within its mtime tick
            try:
                if self._scan_model(model, now, baseline, sweep=True):
                    started.append(name)
            except OSError as error:
                log.info("could not read %s (%s); it is read again on its next change",
                         model.directory, error)
        return started

    def _forget_models_except(self, names: set[str]) -> None:
        for gone in self._models.keys() - names:
            directory = self._models.pop(gone).directory
            for key in (directory, *(os.path.join(directory, sub) for sub in RUN_SUBDIRS)):
                self._listings.pop(key, None)

    def _scan_model(self, model: _Model, now: float, baseline: bool, sweep: bool) -> bool:
        if not sweep and self._unchanged(model):
            if model.hot_until <= now:
                return False
            return self._observe_files(model, now, baseline, everything=False)
        listing = self._listing(model.directory)
        if listing is None:
            model.watched = None
            return False
        if listing is not model.listings[0]:
            model.run_dirs = [os.path.join(model.directory, sub)
                              for sub in RUN_SUBDIRS if sub in listing.subdirs]
        listings = (listing, *map(self._listing, model.run_dirs))
        changed = listings != model.listings
        if changed:
            self._update_event_paths(model, listings)
            self._changed.add(os.path.basename(model.directory))
        started = False
        if sweep or changed:  # training may have begun in this folder: check Applio's hint
            started = self._config_hint(model, now, baseline)
        started = self._observe_files(model, now, baseline, everything=sweep) or started
        if changed or model.watched is None:
            model.watched = self._folders_to_watch(model)
        return started

    def _unchanged(self, model: _Model) -> bool:
        """No watched folder of the model changed (or may have within its mtime tick)."""
        if model.watched is None:
            return False
        for folder, listing in model.watched:
            try:
                mtime_ns = os.stat(folder).st_mtime_ns
            except OSError:
                return False
            if not listing.stamp.still_valid(mtime_ns):
                return False
        return True

    def _observe_files(self, model: _Model, now: float, baseline: bool,
                       everything: bool) -> bool:
        """Stat new and hot event files, or all of them; True if a session started."""
        started = False
        files = model.files
        for path in model.event_paths:
            known = files.get(path)
            if known is None or everything or known.hot_until > now:
                started = self._observe(model, path, known, now, baseline) or started
        model.hot_until = max((file.hot_until for file in files.values()), default=0.0)
        return started

    def _folders_to_watch(self, model: _Model) -> list[tuple[str, _Listing]]:
        folders = [(folder, listing) for folder, listing
                   in zip((model.directory, *model.run_dirs), model.listings, strict=True)
                   if listing is not None]
        trained = []
        for folder, listing in folders:
            paths = (os.path.join(folder, name) for name in listing.event_files)
            if any((known := model.files.get(path)) and known.has_events(known.size)
                   for path in paths):
                trained.append((folder, listing))
        return trained or folders

    def _update_event_paths(self, model: _Model, listings: tuple[_Listing | None, ...]) -> None:
        model.listings = listings
        model.event_paths = [os.path.join(folder, name)
                             for folder, listing in zip((model.directory, *model.run_dirs),
                                                        listings, strict=True)
                             if listing is not None for name in listing.event_files]
        for gone in model.files.keys() - set(model.event_paths):
            del model.files[gone]
        for gone in [path for path in self._judge_after
                     if path.startswith(model.directory + os.sep)
                     and path not in model.event_paths]:
            del self._judge_after[gone]

    def _observe(self, model: _Model, path: str, known: _EventFile | None, now: float,
                 baseline: bool) -> bool:
        """Track one event file; True if its growth starts a training session."""
        try:
            # os.stat, not DirEntry.stat: on Windows a directory entry's size lags for files
            # still open for writing.
            stat = os.stat(path)
        except FileNotFoundError:
            return False
        size = stat.st_size
        if known is None:
            return self._first_sight(model, path, stat, now, baseline)
        grew = size > known.size
        old_size, known.size = known.size, size
        if not grew:
            return False
        self._changed.add(os.path.basename(model.directory))
        if known.header_size is None:
            known.header_size = header_record_size(path)
        if not known.has_events(size):
            return False
        if known.last_growth is None and not known.in_baseline:
            # (a look already held back is finished even if this scan comes late)
            filled_at_once = (path in self._judge_after
                              or now - known.seen_at < FILLED_AT_ONCE)
            if filled_at_once and self.mode == "events" and not self._judged(model, path, now):
                known.size = old_size  # look again once a copy would have set its mtime
                return False
            self._judge_after.pop(path, None)
            if self._looks_copied(path, filled_at_once):
                known.last_growth = now
                return False
        known.hot_until = now + self._pause
        previous, known.last_growth = known.last_growth, now
        if previous is None:
            # The first events we see from this file: a new run, or one already going at start.
            model.watched = None  # its folder is now one its training writes to
            return self._session_event(model, now, new_run=not known.in_baseline,
                                       resumed=known.in_baseline)
        gap = now - previous
        if known.is_resumed_after(gap, self._pause):
            known.longest_gap = None
            return self._session_event(model, now, resumed=True)
        known.longest_gap = max(known.longest_gap or 0.0, gap)
        return self._session_event(model, now)

    def _first_sight(self, model: _Model, path: str, stat: os.stat_result, now: float,
                     baseline: bool) -> bool:
        size = stat.st_size
        age = max(0.0, time.time() - stat.st_mtime)
        if baseline and self._new_since is not None and stat.st_mtime >= self._new_since:
            baseline = False  # written after the launcher started: not part of the baseline
        header = header_record_size(path) if size else None
        if (not baseline and self.mode == "events" and age <= self._pause
                and header is not None and size > header and not self._judged(model, path, now)):
            return False  # judged once a copy would have set its old mtime
        self._judge_after.pop(path, None)  # judged now, whatever the first look was
        known = model.files[path] = _EventFile(
            size, header, in_baseline=baseline,
            hot_until=now - age, seen_at=now)
        if not known.has_events(size):
            known.hot_until += max(self._pause, FIRST_EPOCH_WINDOW)
            return False
        known.hot_until += self._pause
        model.watched = None  # its folder is one its training writes to
        if baseline:
            return False
        if self._looks_copied(path, filled_at_once=True):
            return False
        known.last_growth = now
        return self._session_event(model, now, new_run=True)

    def _looks_copied(self, path: str, filled_at_once: bool) -> bool:
        """New events that are old: a copy keeps the mtime and the writer's name (its start)."""
        try:
            age = time.time() - os.stat(path).st_mtime
        except OSError:
            return True
        started = run_started_at(path)
        if age > self._pause or (filled_at_once and started is not None
                                 and time.time() - started > FIRST_EPOCH_WINDOW):
            log.debug("%s arrived with old events (copied in?); not a training start", path)
            return True
        return False

    def _judged(self, model: _Model, path: str, now: float) -> bool:
        """True once a new file with events has settled; else schedule its second look."""
        due = self._judge_after.get(path)
        if due is None:
            self._judge_after[path] = now + COPY_SETTLE
        elif now >= due - 0.01:
            del self._judge_after[path]
            return True
        with self._pending_lock:
            if self._judge_timer is None:  # one timer for all files waiting to be judged
                self._judge_timer = threading.Timer(COPY_SETTLE, self._judge_due)
                self._judge_timer.daemon = True
                self._judge_timer.start()
        return False

    def _judge_due(self) -> None:
        with self._pending_lock:
            self._judge_timer = None
        waiting = list(self._judge_after)
        self._on_paths(waiting)

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

    def _config_hint(self, model: _Model, now: float, baseline: bool) -> bool:
        """Applio's config.json gets new `process_pids` when its training begins."""
        config = model.config
        try:
            mtime_ns = os.stat(config).st_mtime_ns
        except FileNotFoundError:
            model.config_mtime_ns, model.pids = None, ()
            return False
        if mtime_ns == model.config_mtime_ns:
            return False
        model.config_mtime_ns = mtime_ns
        pids = read_process_pids(Path(config))
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

    def _listing(self, directory: str) -> _Listing | None:
        """The folder's event files and subfolders; the same object while it is unchanged."""
        try:
            mtime_ns = os.stat(directory).st_mtime_ns
        except (FileNotFoundError, NotADirectoryError):
            self._listings.pop(directory, None)
            return None
        cached = self._listings.get(directory)
        if cached is not None and cached.stamp.still_valid(mtime_ns):
            return cached
        stamp = FolderStamp.taken(mtime_ns, self._unsettled_after_ns)
        event_files, subdirs = [], []
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.startswith(EVENT_FILE_PREFIX):
                    event_files.append(entry.name)
                elif entry.is_dir():
                    subdirs.append(entry.name)
        if cached is not None and (cached.event_files, cached.subdirs) == (event_files, subdirs):
            cached.stamp = stamp
            return cached
        listing = _Listing(stamp, event_files, subdirs)
        self._listings[directory] = listing
        return listing


def run_started_at(path: str) -> float | None:
    """The writer's start time in the file's name (`events.out.tfevents.<time>.<host>...`)."""
    stamp = os.path.basename(path)[len(EVENT_FILE_PREFIX):].split(".", 1)[0]
    try:
        return float(stamp)
    except ValueError:
        return None


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
