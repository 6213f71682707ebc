"""Started outside an RVC folder on Windows: ask for the RVC folder, copy the launcher there,
start that copy and exit, so the next double-click is in the right place.

The dialogs come in as callables (Windows' message box and folder picker in the app), so the
loop, the copy and the start run for real in tests on any OS.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from launcher import winplatform
from launcher.i18n import N_, _
from launcher.rvc.pathcheck import check_location, has_errors
from launcher.rvc.placement import examine, not_rvc_sentence

QUESTION = N_("This is not an RVC folder. Choose your RVC folder?")
UNUSABLE_QUESTION = N_("The launcher cannot work in this folder. Choose another RVC folder?")
PICKER_TITLE = N_("Choose your RVC folder (the one with logs, runtime or env)")
PICK_FIX = N_("choose Yes to pick your RVC folder: the launcher copies itself there and starts "
              "from it")
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


@dataclass(frozen=True)
class Relaunch:
    """How the launcher gets into `folder`: the file to copy (if any) and the command to start."""

    folder: Path
    copy_from: Path | None
    copy_to: Path | None
    command: tuple[str, ...]


def relaunch_plan(folder: Path, frozen: bool, executable: Path, argv: Sequence[str]) -> Relaunch:
    """Frozen: copy the exe into the folder and start the copy. From source there is no exe to
    copy: `python -m launcher` started in the folder takes it as its RVC folder (the cwd)."""
    if frozen:
        target = folder / executable.name
        return Relaunch(folder, executable, target, (str(target), *argv))
    return Relaunch(folder, None, None, (str(executable), "-m", "launcher", *argv))


def copy_launcher(source: Path, target: Path) -> str:
    """Puts the exe at `target`: "same" (already this exe, left alone and reused), "copied" or
    "replaced" (another version, swapped atomically). Raises OSError with what went wrong."""
    if target.exists():
        if target.is_dir():
            raise IsADirectoryError(f"{target} is a folder, not the launcher")
        if os.path.samefile(source, target) or filecmp.cmp(source, target, shallow=False):
            return "same"
    existed = target.exists()
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        shutil.copyfile(source, partial)
        shutil.copymode(source, partial)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return "replaced" if existed else "copied"


def start_detached(plan: Relaunch) -> subprocess.Popen[bytes]:
    """Starts the copy in its folder, in its own session, free of this one-file bundle."""
    env = winplatform.cleaned_child_env(os.environ, frozen=plan.copy_from is not None)
    env["PYINSTALLER_RESET_ENVIRONMENT"] = "1"  # a fresh bundle, not a child of this one
    extra: dict[str, object] = {"start_new_session": True} if os.name != "nt" else {}
    return subprocess.Popen(
        list(plan.command), cwd=plan.folder, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
        creationflags=winplatform.detached_creation_flags(), **extra)  # type: ignore[arg-type]


def problem_with(folder: Path) -> tuple[str, str] | None:
    """The question to ask again and why, when a picked folder cannot be used; else None."""
    windows = winplatform.IS_WINDOWS
    if not examine(folder).accepted(explicit=False):
        return _(QUESTION), not_rvc_sentence(folder, _(PICK_FIX), windows)
    findings = check_location(folder)
    if has_errors(findings):
        return _(UNUSABLE_QUESTION), "\n".join(f.message for f in findings
                                             if f.severity == "error")
    return None


def choose_rvc_folder_and_move(
    sentence: str, argv: Sequence[str], *, ask: Callable[[str], bool],
    pick: Callable[[], str | None], alert: Callable[[str], None],
    frozen: bool | None = None, executable: Path | None = None,
) -> int:
    """Asks until the user picks a usable RVC folder or gives up; then copies and starts."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    executable = Path(executable or sys.executable)
    text = f"{_(QUESTION)}\n\n{sentence}"
    while ask(text):
        try:
            picked = pick()
        except OSError as exc:
            alert(_("The folder picker did not open ({error}). Move {exe} into your RVC folder "
                    "yourself and start it there.").format(error=exc, exe=executable.name))
            return EXIT_FAILED
        if not picked:
            return EXIT_BAD_INPUT
        folder = Path(picked).absolute()
        problem = problem_with(folder)
        if problem is not None:
            text = "\n\n".join(problem)
            continue
        plan = relaunch_plan(folder, frozen, executable, argv)
        return _copy_and_start(plan, alert)
    return EXIT_BAD_INPUT


def _copy_and_start(plan: Relaunch, alert: Callable[[str], None]) -> int:
    if plan.copy_from is not None and plan.copy_to is not None:
        try:
            copy_launcher(plan.copy_from, plan.copy_to)
        except OSError as exc:
            alert(_("Could not put the launcher into {folder}: {error}. If a launcher is "
                    "running from there, quit it from its tray icon and try again, or copy "
                    "{exe} into {folder} yourself.").format(
                        folder=plan.folder, error=exc, exe=plan.copy_from.name))
            return EXIT_FAILED
    try:
        start_detached(plan)
    except OSError as exc:
        alert(_("Could not start the launcher in {folder}: {error}. Start {command} there "
                "yourself.").format(folder=plan.folder, error=exc, command=plan.command[0]))
        return EXIT_FAILED
    return EXIT_OK
