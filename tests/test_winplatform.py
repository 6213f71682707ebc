"""The decisions around the Windows-only calls, checked on any OS."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from launcher import winplatform
from launcher.rvc.paths import LauncherPaths, default_rvc_root, venv_python
from launcher.winplatform import (
    child_creation_flags,
    cleaned_child_env,
    long_paths_from_registry_value,
    message_box_style,
)

# Values from the Windows SDK headers (winbase.h, winnt.h, winuser.h).
CREATE_NO_WINDOW = 0x08000000
CREATE_NEW_PROCESS_GROUP = 0x00000200
CREATE_SUSPENDED = 0x00000004
MB_ICONERROR = 0x10
MB_ICONWARNING = 0x30
MB_TOPMOST = 0x40000
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000

FROZEN_LINUX_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/home/rvc",
    "LD_LIBRARY_PATH": "/tmp/_MEI123456",
    "LD_LIBRARY_PATH_ORIG": "/opt/cuda/lib64",
    "_PYI_APPLICATION_HOME_DIR": "/tmp/_MEI123456",
    "_PYI_ARCHIVE_FILE": "/home/rvc/RVC/RVCTensorBoardLauncher",
    "_PYI_PARENT_PROCESS_LEVEL": "1",
    "PYTHONPATH": "/tmp/_MEI123456/base_library.zip",
    "PYTHONHOME": "/tmp/_MEI123456",
}


# ---- child process creation flags -------------------------------------------------------

def test_no_flags_off_windows() -> None:
    assert child_creation_flags(windows=False) == 0
    assert child_creation_flags(windows=False, suspended=True) == 0


def test_windows_children_get_no_console_window_and_their_own_group() -> None:
    flags = child_creation_flags(windows=True)
    assert flags & CREATE_NO_WINDOW
    assert flags & CREATE_NEW_PROCESS_GROUP
    assert not flags & CREATE_SUSPENDED


def test_windows_children_start_suspended_when_a_job_must_hold_them_first() -> None:
    assert child_creation_flags(windows=True, suspended=True) == (
        CREATE_NO_WINDOW | CREATE_NEW_PROCESS_GROUP | CREATE_SUSPENDED)


def test_flags_for_this_os_are_accepted_by_popen() -> None:
    result = subprocess.run([sys.executable, "-c", "print('ok')"], capture_output=True,
                            text=True, creationflags=child_creation_flags(), check=True)
    assert result.stdout.strip() == "ok"


# ---- the environment handed to an outside Python ----------------------------------------

def test_frozen_on_linux_restores_the_original_library_path() -> None:
    cleaned = cleaned_child_env(FROZEN_LINUX_ENV, frozen=True, windows=False)
    assert cleaned["LD_LIBRARY_PATH"] == "/opt/cuda/lib64"
    assert "LD_LIBRARY_PATH_ORIG" not in cleaned


def test_frozen_on_linux_drops_the_bundle_library_path_when_there_was_none_before() -> None:
    env = {k: v for k, v in FROZEN_LINUX_ENV.items() if k != "LD_LIBRARY_PATH_ORIG"}
    cleaned = cleaned_child_env(env, frozen=True, windows=False)
    assert "LD_LIBRARY_PATH" not in cleaned


@pytest.mark.parametrize("windows", [False, True])
def test_frozen_drops_the_bundle_python_and_bootloader_variables(windows: bool) -> None:
    cleaned = cleaned_child_env(FROZEN_LINUX_ENV, frozen=True, windows=windows)
    for key in ("PYTHONPATH", "PYTHONHOME", "_PYI_APPLICATION_HOME_DIR", "_PYI_ARCHIVE_FILE",
                "_PYI_PARENT_PROCESS_LEVEL"):
        assert key not in cleaned
    assert cleaned["PATH"] == "/usr/bin:/bin"
    assert cleaned["HOME"] == "/home/rvc"


def test_not_frozen_keeps_the_users_library_path() -> None:
    env = {"PATH": "/usr/bin", "LD_LIBRARY_PATH": "/opt/cuda/lib64"}
    assert cleaned_child_env(env, frozen=False, windows=False) == env


def test_windows_leaves_library_path_variables_alone() -> None:
    # Windows finds DLLs through SetDllDirectory (reset separately), not LD_LIBRARY_PATH.
    env = {"PATH": r"C:\Windows", "LD_LIBRARY_PATH": "x", "LD_LIBRARY_PATH_ORIG": "y"}
    assert cleaned_child_env(env, frozen=True, windows=True) == env


def test_cleaning_does_not_touch_the_given_mapping() -> None:
    env = dict(FROZEN_LINUX_ENV)
    cleaned_child_env(env, frozen=True, windows=False)
    assert env == FROZEN_LINUX_ENV


def test_a_real_child_sees_the_cleaned_environment() -> None:
    env = {**os.environ, "LD_LIBRARY_PATH": "/tmp/_MEI123456",
           "LD_LIBRARY_PATH_ORIG": "/opt/cuda/lib64", "_PYI_ARCHIVE_FILE": "/rvc/launcher"}
    code = ("import json, os; print(json.dumps({k: os.environ.get(k) for k in "
            "('LD_LIBRARY_PATH', 'LD_LIBRARY_PATH_ORIG', '_PYI_ARCHIVE_FILE')}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=cleaned_child_env(env, frozen=True, windows=False), check=True)
    assert json.loads(result.stdout) == {"LD_LIBRARY_PATH": "/opt/cuda/lib64",
                                         "LD_LIBRARY_PATH_ORIG": None, "_PYI_ARCHIVE_FILE": None}


# ---- message box, long paths, and the no-op branches off Windows ------------------------

def test_message_box_style_is_a_topmost_error_or_warning() -> None:
    assert message_box_style(is_error=True) == MB_ICONERROR | MB_TOPMOST
    assert message_box_style(is_error=False) == MB_ICONWARNING | MB_TOPMOST


@pytest.mark.parametrize(("value", "enabled"), [(1, True), (0, False), (None, False),
                                                ("1", False), (2, False)])
def test_long_paths_only_when_the_registry_dword_is_one(value: object, enabled: bool) -> None:
    assert long_paths_from_registry_value(value) is enabled


@pytest.mark.skipif(winplatform.IS_WINDOWS, reason="checks the non-Windows branches")
def test_windows_calls_are_harmless_elsewhere() -> None:
    winplatform.reset_dll_directory()
    winplatform.show_message_box("title", "text")
    assert winplatform.long_paths_enabled() is True


# ---- the job object's limit structure ---------------------------------------------------

@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="layout checked for 64-bit")
def test_job_limit_structure_matches_the_64_bit_windows_layout() -> None:
    # JOBOBJECT_EXTENDED_LIMIT_INFORMATION on x64: the basic limits (64 bytes), IO_COUNTERS
    # (48 bytes), then four SIZE_T. A wrong layout makes SetInformationJobObject fail.
    layout = winplatform._JobObjectExtendedLimit
    assert ctypes.sizeof(layout) == 144
    assert layout.LimitFlags.offset == 16
    assert layout.Affinity.offset == 48
    assert layout.IoReadOperationCount.offset == 64
    assert layout.ProcessMemoryLimit.offset == 112
    assert winplatform.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE == JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    assert winplatform.JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS == 9


# ---- paths that differ on Windows -------------------------------------------------------

def test_windows_venv_python_is_under_scripts() -> None:
    assert venv_python(PureWindowsPath(r"C:\RVC\TensorBoardLauncher\venv"), windows=True) == (
        PureWindowsPath(r"C:\RVC\TensorBoardLauncher\venv\Scripts\python.exe"))


def test_posix_venv_python_is_under_bin() -> None:
    assert venv_python(PurePosixPath("/rvc/TensorBoardLauncher/venv"), windows=False) == (
        PurePosixPath("/rvc/TensorBoardLauncher/venv/bin/python"))


def test_launcher_paths_use_this_os_layout(tmp_path: Path) -> None:
    expected = (Path("Scripts", "python.exe") if winplatform.IS_WINDOWS
                else Path("bin", "python"))
    paths = LauncherPaths(tmp_path)
    assert paths.venv_python == tmp_path / "TensorBoardLauncher" / "venv" / expected


def test_frozen_rvc_root_is_the_exe_folder(tmp_path: Path) -> None:
    exe = tmp_path / "RVC" / "RVCTensorBoardLauncher.exe"
    exe.parent.mkdir()
    exe.touch()
    elsewhere = tmp_path / "elsewhere"
    assert default_rvc_root(frozen=True, executable=str(exe), cwd=elsewhere) == (
        exe.parent.resolve())


def test_unfrozen_rvc_root_is_the_current_folder(tmp_path: Path) -> None:
    assert default_rvc_root(frozen=False, executable="/usr/bin/python3", cwd=tmp_path) == (
        tmp_path.resolve())


def test_stop_signals_are_the_ones_this_os_has() -> None:

    names = [sig.name for sig in winplatform.stop_signals()]
    assert names[:2] == ["SIGINT", "SIGTERM"]
    assert names[2:] == (["SIGBREAK"] if winplatform.IS_WINDOWS else [])
