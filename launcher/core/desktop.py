"""Opening files, folders and URLs with the user's own programs."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from launcher import winplatform

log = logging.getLogger(__name__)


def opener_command(platform: str, path: Path) -> list[str] | None:
    """The command that opens `path` with the default program; None on Windows (startfile)."""
    if platform == "win32":
        return None
    if platform == "darwin":
        return ["open", str(path)]
    return ["xdg-open", str(path)]


def open_path(path: Path) -> None:
    """Open a file or folder; never raises (a missing opener is logged)."""
    command = opener_command(sys.platform, path)
    try:
        if command is None:
            os.startfile(path)  # type: ignore[attr-defined]
        else:
            subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        log.warning("could not open %s: %s", path, exc)


def show_in_folder(path: Path, platform: str = sys.platform) -> None:
    """A saved file selected in Explorer on Windows; its folder opened elsewhere. Never raises."""
    if not path.exists():
        log.warning("%s does not exist any more; opening its folder", path)
        if path.parent.is_dir():
            open_path(path.parent)
        return
    if platform != "win32":
        open_path(path.parent)
        return
    try:
        winplatform.show_in_explorer(str(path))
    except OSError as exc:
        log.warning("could not show %s in Explorer: %s", path, exc)
