"""Every path the launcher reads or writes, computed in one place."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

IS_WINDOWS = os.name == "nt"
LAUNCHER_DIR_NAME = "TensorBoardLauncher"
LAUNCHER_LOG_NAME = "launcher.log"
LEGACY_VENV_NAME = "tensorboard_venv"
VENV_MARKER_NAME = "launcher-venv.json"  # written last, once the venv works


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def default_rvc_root(
    frozen: bool | None = None, executable: str | None = None, cwd: Path | None = None
) -> Path:
    """The exe's own folder when frozen, else the current directory."""
    frozen = is_frozen() if frozen is None else frozen
    if frozen:
        return Path(executable or sys.executable).resolve().parent
    return (cwd or Path.cwd()).resolve()


def venv_python(venv_dir: PurePath, windows: bool = IS_WINDOWS) -> PurePath:
    """The interpreter inside a venv: Scripts\\python.exe on Windows, bin/python elsewhere."""
    if windows:
        return PureWindowsPath(venv_dir) / "Scripts" / "python.exe"
    return PurePosixPath(venv_dir) / "bin" / "python"


@dataclass(frozen=True)
class LauncherPaths:
    """The RVC folder and the one folder inside it that holds all the launcher's traces."""

    rvc_root: Path

    @property
    def logs_dir(self) -> Path:
        return self.rvc_root / "logs"

    @property
    def legacy_venv_dir(self) -> Path:
        return self.rvc_root / LEGACY_VENV_NAME

    @property
    def launcher_dir(self) -> Path:
        return self.rvc_root / LAUNCHER_DIR_NAME

    @property
    def venv_dir(self) -> Path:
        return self.launcher_dir / "venv"

    @property
    def venv_python(self) -> Path:
        return Path(venv_python(self.venv_dir))

    @property
    def venv_marker_file(self) -> Path:
        return self.venv_dir / VENV_MARKER_NAME

    @property
    def log_file(self) -> Path:
        return self.launcher_dir / LAUNCHER_LOG_NAME

    @property
    def tensorboard_log_file(self) -> Path:
        return self.launcher_dir / "tensorboard.log"

    @property
    def settings_file(self) -> Path:
        return self.launcher_dir / "settings.json"

    @property
    def lock_file(self) -> Path:
        return self.launcher_dir / "launcher.lock"

    @property
    def instance_file(self) -> Path:
        return self.launcher_dir / "instance.json"

    @property
    def reports_dir(self) -> Path:
        return self.launcher_dir / "reports"

    @property
    def advice_file(self) -> Path:
        """The advisor's reports for the RVC tab (the plugin finds it from the logdir)."""
        return self.launcher_dir / "advice.json"

    @property
    def scalar_cache_dir(self) -> Path:
        """What the advisor read from each event file, so a restart reads only what is new."""
        return self.launcher_dir / "cache"
