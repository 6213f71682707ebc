"""The one-file exe is two processes: PyInstaller's bootloader unpacks the bundle and starts the
real launcher as its child, then waits. Nothing ties the child to the bootloader, so a hard
kill of the bootloader (End task, TerminateProcess, kill -9) left the launcher and its
TensorBoard running, with no exe the user can see. The launcher quits when its bootloader dies.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable

import psutil

from launcher import winplatform

log = logging.getLogger(__name__)

FORCED_EXIT_AFTER = 10.0  # seconds for a clean quit before the process ends itself


def is_onefile_child(frozen: bool, bundle_dir: str | None) -> bool:
    """True in the process a one-file bootloader started (its bundle is a _MEI temp folder);
    a one-folder build has no bootloader parent to watch."""
    if not frozen or not bundle_dir:
        return False
    return bundle_dir.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].startswith("_MEI")


def watch_bootloader(quit_event: threading.Event,
                     end_later: Callable[[float], None] = winplatform.end_this_process_after
                     ) -> threading.Thread | None:
    """When this is a one-file child, a thread that sets `quit_event` if the bootloader dies,
    and ends the process if the quit does not finish in time. None otherwise."""
    if not is_onefile_child(bool(getattr(sys, "frozen", False)), getattr(sys, "_MEIPASS", None)):
        return None
    try:
        bootloader = psutil.Process(os.getppid())
    except psutil.Error as exc:
        log.warning("cannot watch the exe's bootloader process: %s", exc)
        return None

    def watch() -> None:
        if os.name == "nt":
            with contextlib.suppress(psutil.Error):
                bootloader.wait()  # WaitForSingleObject on the process: no polling
        else:  # the child is re-parented when the bootloader dies; once a second is cheap
            while os.getppid() == bootloader.pid and not quit_event.wait(1.0):
                pass
        if quit_event.is_set():
            return
        try:
            end_later(FORCED_EXIT_AFTER)  # armed first: a stuck quit may stop Python itself
        except OSError as exc:
            log.warning("no forced exit for a stuck quit: %s", exc)
        log.warning("the exe's bootloader (pid %s) was killed; quitting (at most %.0f s)",
                    bootloader.pid, FORCED_EXIT_AFTER)
        quit_event.set()

    thread = threading.Thread(target=watch, name="bootloader-watch", daemon=True)
    thread.start()
    return thread
