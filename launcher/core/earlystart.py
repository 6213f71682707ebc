"""A warm start's first stage: TensorBoard is spawned before the rest of the launcher loads.

On a plain run in an RVC folder whose TensorBoard environment is built, everything TensorBoard
needs is known from files: the venv's python and the port from settings.json. `begin` takes
the single-instance lock and starts TensorBoard at once, having imported only what the spawn
needs, so the launcher's own imports, checks and core run while TensorBoard boots. The core
then adopts the process, or ends it when a later check decides otherwise (the folder refused,
the venv out of date, another TensorBoard of ours already serving these logs), and the start
goes on as if this stage had never run. Anything unexpected here only skips the head start.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from launcher import winplatform
from launcher.core.instance import SingleInstance
from launcher.core.settings import Settings
from launcher.rvc.paths import LauncherPaths, default_rvc_root, is_frozen
from launcher.tensorboard import ports
from launcher.tensorboard.process import (
    StartedTensorBoard,
    build_command,
    child_env,
    spawn,
    spawn_plan,
    window_title_for,
)

log = logging.getLogger(__name__)

# The options of a plain `run` that change nothing about how TensorBoard is started.
SWITCHES = frozenset({"--no-tray", "--no-browser"})
VALUED = frozenset({"--rvc-dir", "--lang"})


def plain_run_folder(argv: Sequence[str]) -> tuple[bool, str | None]:
    """(whether `argv` is a plain run, its --rvc-dir if given). Anything else (another
    command, --demo, --python, --help, an abbreviated or unknown option) is not."""
    rvc_dir: str | None = None
    args = list(argv)
    if args and args[0] == "run":
        args.pop(0)
    while args:
        arg = args.pop(0)
        name, equals, value = arg.partition("=")
        if arg in SWITCHES:
            continue
        if name not in VALUED:
            return False, None
        if not equals:
            if not args:
                return False, None
            value = args.pop(0)
        if name == "--rvc-dir":
            rvc_dir = value
    return True, rvc_dir


@dataclass
class EarlyStart:
    """What stage one holds for the rest of the launcher: the lock, and TensorBoard starting."""

    root: Path
    instance: SingleInstance
    tensorboard: StartedTensorBoard | None

    def take_tensorboard(self) -> StartedTensorBoard | None:
        """The started TensorBoard, now the caller's to adopt or end."""
        tensorboard, self.tensorboard = self.tensorboard, None
        return tensorboard

    def abandon(self) -> None:
        """Ends what nobody took over; harmless after a hand-over."""
        tensorboard = self.take_tensorboard()
        if tensorboard is not None:
            tensorboard.end()
        self.instance.release()


def begin(argv: Sequence[str]) -> EarlyStart | None:
    try:
        return _begin(argv)
    except Exception:  # the normal start does everything again, and reports what is wrong
        log.debug("no early TensorBoard start", exc_info=True)
        return None


def _begin(argv: Sequence[str]) -> EarlyStart | None:
    plain, rvc_dir = plain_run_folder(argv)
    if not plain:
        return None
    root = Path(rvc_dir).absolute() if rvc_dir else default_rvc_root()
    paths = LauncherPaths(root)
    python = paths.venv_python
    if not (paths.venv_marker_file.is_file() and python.is_file()):
        return None
    settings = Settings.load(paths.settings_file)
    port = settings.last_port or settings.preferred_port
    if not (port and ports.is_port_free(port)):
        return None
    instance = SingleInstance(paths)
    if not instance.acquire():
        return None  # another launcher runs here: the normal start asks it to open the dashboard
    try:
        tensorboard = _start_tensorboard(paths, python, port)
    except BaseException:
        instance.release()
        raise
    return EarlyStart(root, instance, tensorboard)


def _start_tensorboard(paths: LauncherPaths, python: Path, port: int) -> StartedTensorBoard:
    """Started from the main thread, which lives as long as the launcher (Linux ties the
    child's death signal to the spawning thread)."""
    plan = spawn_plan()
    job = winplatform.KillOnCloseJob() if plan.job_object else None
    winplatform.reset_dll_directory()
    command = build_command(python, paths.logs_dir, port, window_title_for(paths.rvc_root),
                            watchdog=plan.stdin_watchdog)
    process = spawn(command, child_env(os.environ, frozen=is_frozen()),
                    paths.tensorboard_log_file, plan, on_event=_nothing, job=job)
    return StartedTensorBoard(python, port, process, job)


def _nothing() -> None:
    pass
