"""OS folder events for the training watcher (watchdog: inotify, ReadDirectoryChangesW,
FSEvents), and the checks that say when they cannot be trusted.

`logs/` is watched recursively and its parent folder flatly, so a `logs/` that is deleted and
created again is watched again. Every path that changes is handed to `on_paths`; nothing here
knows what a model is. When events stop being trustworthy (the OS refused a watch, the inotify
watch limit was reached, a watchdog thread died), `on_failure(reason)` is called once and the
caller falls back to polling.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launcher import winplatform

if TYPE_CHECKING:
    from watchdog.events import FileSystemEvent
    from watchdog.observers.api import BaseObserver, ObservedWatch

log = logging.getLogger(__name__)

PathsListener = Callable[[list[str]], None]
FailureListener = Callable[[str], None]
INOTIFY_LOGGER = "watchdog.observers.inotify_c"  # says when the kernel's queue overflowed

# Changes on these reach no local event queue: other machines' writes (network file systems),
# FUSE back-ends that do not forward inotify, WSL's view of Windows drives.
UNWATCHABLE_FS_TYPES = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre",
    "vboxsf", "vmhgfs", "drvfs", "davfs", "sshfs", "ncpfs", "coda", "gpfs",
})
# watchdog warns (harmlessly) when a folder copied in gets its watch from two code paths.
warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning,
                        module="watchdog")
CHECK_BATCH_DELAY = 0.2
# watchdog's Windows (and macOS) emitters hand on what the OS reported once their queue has
# been quiet this long, and look at it that often while idle; inotify's block until an event.
POLLING_EMITTER_TIMEOUT = 0.05
WATCH_LIMIT_HINT = ("the inotify watch limit is reached; raise it with "
                    "`sysctl fs.inotify.max_user_watches=524288`")


def fs_type_of(path: Path, mountinfo: str | None = None) -> str | None:
    """The file-system type of the mount holding `path` (Linux /proc/self/mountinfo)."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8")
        except OSError:
            return None
    target = os.path.realpath(path)
    best, best_type = "", None
    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        mount_point = fields[4].replace("\\040", " ")
        fs_type = line.split(" - ", 1)[1].split()[0]
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fs_type
    return best_type


def unwatchable_reason(path: Path, fs_type: str | None = None,
                       env: dict[str, str] | None = None) -> str | None:
    """Why OS folder events are not reliable for `path`, or None where they are."""
    env = dict(os.environ) if env is None else env
    text = str(path)
    if any(part.lower().startswith("onedrive") for part in Path(path).parts) or any(
            env.get(var) and os.path.normcase(text).startswith(os.path.normcase(env[var]))
            for var in ("OneDrive", "OneDriveConsumer", "OneDriveCommercial")):
        return f"{path} is in a synced folder (OneDrive), whose sync rewrites files behind events"
    if winplatform.IS_WINDOWS:
        if text.startswith("\\\\") or winplatform.is_network_drive(path):
            return (f"{path} is on a network drive, whose changes from other machines "
                    "raise no events")
        return None
    if sys.platform.startswith("linux"):
        fs_type = fs_type or fs_type_of(path)
        if fs_type and (fs_type in UNWATCHABLE_FS_TYPES or fs_type.startswith("fuse.")):
            return f"{path} is on a {fs_type} file system, which does not report every change"
    return None


def inotify_watched_inodes(fdinfo_dir: str = "/proc/self/fdinfo") -> set[int] | None:
    """Inodes this process holds inotify watches on (the kernel lists them in fdinfo)."""
    inodes: set[int] = set()
    try:
        names = os.listdir(fdinfo_dir)
    except OSError:
        return None
    for name in names:
        try:
            with open(os.path.join(fdinfo_dir, name), encoding="ascii") as file:
                text = file.read()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("inotify wd:"):
                for field in line.split():
                    if field.startswith("ino:"):
                        inodes.add(int(field[4:], 16))
    return inodes


def unwatched(folders: Iterable[str]) -> list[str]:
    """Folders without an inotify watch (Linux; [] elsewhere or when the kernel cannot say)."""
    folders = list(folders)
    if not sys.platform.startswith("linux") or not folders:
        return []
    watched = inotify_watched_inodes()
    if watched is None:
        return []
    missing = []
    for folder in folders:
        try:
            inode = os.stat(folder).st_ino
        except OSError:
            continue  # gone again: nothing to watch
        if inode not in watched:
            missing.append(folder)
    return missing


def observer_timeout(observer_class: str) -> float | None:
    """None (sleep until an event or stop) where the emitter blocks on the OS: inotify. The
    others collect events until their queue is quiet for this long, so it is their latency."""
    return None if observer_class == "InotifyObserver" else POLLING_EMITTER_TIMEOUT


class _Handler:
    """The observer calls `dispatch`; a failure here must never kill its thread."""

    def __init__(self, owner: FolderEvents) -> None:
        self._owner = owner

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            self._owner.handle(event)
        except Exception:
            log.exception("handling %r failed", event)


class FolderEvents:
    """Delivers the paths that change below `logs_dir`; see the module docstring."""

    def __init__(self, logs_dir: Path, on_paths: PathsListener, on_failure: FailureListener,
                 on_lost: Callable[[], None]) -> None:
        self.logs_dir = logs_dir
        self._logs = os.path.normcase(os.path.abspath(logs_dir))
        self._on_paths = on_paths
        self._on_failure = on_failure
        self.on_lost = on_lost
        self._observer: BaseObserver | None = None
        self._logs_watch: ObservedWatch | None = None
        self._lock = threading.RLock()
        self._failed = False
        self._unchecked: list[str] = []
        self._check_timer: threading.Timer | None = None
        self.last_path: str | None = None  # the latest path seen: lets tests wait for a marker

    def start(self) -> None:
        """Watch now; raises OSError (or ImportError) if the OS refuses, so the caller polls."""
        from watchdog.events import (
            DirCreatedEvent,
            DirDeletedEvent,
            DirMovedEvent,
            FileClosedEvent,
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
        )
        from watchdog.observers import Observer

        self._filter = [DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileCreatedEvent,
                        FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileClosedEvent]
        observer: Any = Observer(timeout=observer_timeout(Observer.__name__))
        observer.daemon = True
        _watch_thread_deaths()
        _watch_overflows()
        _live.add(self)
        observer.start()
        self._observer = observer
        try:
            parent = os.path.dirname(os.path.abspath(self.logs_dir))
            observer.schedule(_Handler(self), parent, recursive=False,
                              event_filter=self._filter)
            self._schedule_logs()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        _live.discard(self)
        with self._lock:
            observer, self._observer, self._logs_watch = self._observer, None, None
        if observer is not None:
            observer.stop()
            if observer.is_alive() and observer is not threading.current_thread():
                observer.join(timeout=5)

    def _schedule_logs(self) -> None:
        with self._lock:
            observer = self._observer
            if observer is None or not os.path.isdir(self.logs_dir):
                return
            if self._logs_watch is not None:
                with contextlib.suppress(KeyError, OSError):
                    observer.unschedule(self._logs_watch)
                self._logs_watch = None
            self._logs_watch = observer.schedule(_Handler(self), str(self.logs_dir),
                                                 recursive=True, event_filter=self._filter)
        self.check_watched(self._folders_that_matter())

    def _folders_that_matter(self) -> list[str]:
        """logs/, each model's folder and its eval/: where new event files appear."""
        folders = [str(self.logs_dir)]
        try:
            with os.scandir(self.logs_dir) as entries:
                models = [entry.path for entry in entries if entry.is_dir()]
        except OSError:
            return folders
        folders += models
        folders += [os.path.join(model, "eval") for model in models
                    if os.path.isdir(os.path.join(model, "eval"))]
        return folders

    def check_watched(self, folders: Iterable[str]) -> None:
        """Fall back if the kernel silently refused a watch (watchdog skips such folders)."""
        missing = unwatched(folders)
        if missing:
            self.fail(f"{missing[0]} got no inotify watch ({len(missing)} folders missed): "
                      f"{WATCH_LIMIT_HINT}")

    def handle(self, event: FileSystemEvent) -> None:
        paths = [os.fsdecode(event.src_path)]
        if getattr(event, "dest_path", ""):
            paths.append(os.fsdecode(event.dest_path))
        self.last_path = paths[-1]
        if any(os.path.normcase(path) == self._logs for path in paths):
            self._logs_changed(event)
        elif event.is_directory and event.event_type in ("created", "moved"):
            parts = paths[-1][len(str(self.logs_dir)) + 1:].split(os.sep)
            if len(parts) == 1 or (len(parts) == 2 and parts[1] == "eval"):
                self._check_soon(paths[-1])
        self._on_paths(paths)

    def _check_soon(self, folder: str) -> None:
        """Check new folders' watches in batches: a copied-in logs/ brings hundreds at once."""
        with self._lock:
            self._unchecked.append(folder)
            if self._check_timer is not None:
                return
            self._check_timer = threading.Timer(CHECK_BATCH_DELAY, self._check_batch)
            self._check_timer.daemon = True
            self._check_timer.start()

    def _check_batch(self) -> None:
        with self._lock:
            folders, self._unchecked, self._check_timer = self._unchecked, [], None
        self.check_watched(folders)

    def _logs_changed(self, event: FileSystemEvent) -> None:
        """logs/ itself appeared or went away: watch the new one."""
        if event.event_type in ("created", "moved") and os.path.isdir(self.logs_dir):
            log.info("%s appeared; watching it", self.logs_dir)
            try:
                self._schedule_logs()
            except OSError as error:
                self.fail(f"the OS refused to watch {self.logs_dir}: {error}")
        elif event.event_type in ("deleted", "moved"):
            log.info("%s went away; watching for it to come back", self.logs_dir)
            with self._lock:
                watch, self._logs_watch = self._logs_watch, None
                if watch is not None and self._observer is not None:
                    with contextlib.suppress(KeyError, OSError):
                        self._observer.unschedule(watch)

    def fail(self, reason: str) -> None:
        """Events are no longer trustworthy: stop, and tell the owner once."""
        with self._lock:
            if self._failed:
                return
            self._failed = True
        threading.Thread(target=self.stop, name="folder-events-stop", daemon=True).start()
        try:
            self._on_failure(reason)
        except Exception:
            log.exception("folder-events failure callback failed")

    def owns(self, thread: threading.Thread | None) -> bool:
        observer = self._observer
        if thread is None or observer is None:
            return False
        return thread is observer or thread in observer.emitters or (
            type(thread).__module__.startswith("watchdog."))


_live: set[FolderEvents] = set()


class _OverflowSignal(logging.Handler):
    """watchdog only logs a kernel queue overflow (events lost): turn that into a rescan."""

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            for events in list(_live):
                events.on_lost()


def _watch_overflows() -> None:
    logger = logging.getLogger(INOTIFY_LOGGER)
    if not any(isinstance(handler, _OverflowSignal) for handler in logger.handlers):
        logger.addHandler(_OverflowSignal(logging.WARNING))
_hook_lock = threading.Lock()


def _watch_thread_deaths() -> None:
    """A watchdog thread that dies of an exception ends events silently: catch that."""
    with _hook_lock:
        previous = threading.excepthook
        if getattr(previous, "catches_folder_event_deaths", False):
            return

        def hook(args: threading.ExceptHookArgs) -> None:
            for events in list(_live):
                if events.owns(args.thread):
                    events.fail(f"the folder-event thread {args.thread and args.thread.name} "
                                f"died: {args.exc_type.__name__}: {args.exc_value}")
            previous(args)

        hook.catches_folder_event_deaths = True  # type: ignore[attr-defined]
        threading.excepthook = hook
