"""The Windows-only OS calls, kept thin; the decisions around them are pure and tested on Linux."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
from collections.abc import Mapping

log = logging.getLogger(__name__)

IS_WINDOWS = os.name == "nt"

CREATE_NEW_PROCESS_GROUP = 0x00000200
CREATE_NO_WINDOW = 0x08000000
CREATE_SUSPENDED = 0x00000004
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9
PROCESS_SET_QUOTA = 0x0100
PROCESS_TERMINATE = 0x0001
MB_OK_ICONERROR = 0x00000010
MB_OK_ICONWARNING = 0x00000030
MB_TOPMOST = 0x00040000
LONG_PATHS_KEY = r"SYSTEM\CurrentControlSet\Control\FileSystem"
MAX_PATH = 260
WM_CANCELMODE = 0x001F
WT_EXECUTEONLYONCE = 0x00000008
CURRENT_PROCESS = -1  # GetCurrentProcess()'s pseudo handle


def child_creation_flags(windows: bool = IS_WINDOWS, suspended: bool = False) -> int:
    """No console window for children; suspended so a job object holds them before they run."""
    if not windows:
        return 0
    flags = CREATE_NO_WINDOW | CREATE_NEW_PROCESS_GROUP
    return flags | CREATE_SUSPENDED if suspended else flags


def cleaned_child_env(env: Mapping[str, str], frozen: bool, windows: bool = IS_WINDOWS
                      ) -> dict[str, str]:
    """The environment for an outside Python, without the one-file bundle's library paths."""
    cleaned = dict(env)
    if frozen and not windows:
        original = cleaned.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is None:
            cleaned.pop("LD_LIBRARY_PATH", None)
        else:
            cleaned["LD_LIBRARY_PATH"] = original
    for key in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONEXECUTABLE",
                "_MEIPASS2", "_PYI_APPLICATION_HOME_DIR", "_PYI_ARCHIVE_FILE",
                "_PYI_PARENT_PROCESS_LEVEL", "_PYI_SPLASH_IPC", "__PYVENV_LAUNCHER__"):
        cleaned.pop(key, None)
    return cleaned


def stop_signals() -> tuple[signal.Signals, ...]:
    """The signals that ask the launcher to quit: Ctrl+C, SIGTERM and, on Windows, Ctrl+Break
    (the one console event another program can send to a process group of its own)."""
    names = ("SIGINT", "SIGTERM", "SIGBREAK")
    return tuple(getattr(signal, name) for name in names if hasattr(signal, name))


def message_box_style(is_error: bool) -> int:
    return (MB_OK_ICONERROR if is_error else MB_OK_ICONWARNING) | MB_TOPMOST


def long_paths_from_registry_value(value: object) -> bool:
    """LongPathsEnabled is a DWORD: 1 means on; anything else, or missing, means off."""
    return isinstance(value, int) and value == 1


# ---- thin OS calls (Windows only) -------------------------------------------------------

def reset_dll_directory() -> None:
    """Undo the bundle's SetDllDirectory so an outside Python loads its own DLLs."""
    if IS_WINDOWS:
        ctypes.windll.kernel32.SetDllDirectoryW(None)  # type: ignore[attr-defined]


def long_paths_enabled() -> bool:
    if not IS_WINDOWS:
        return True
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, LONG_PATHS_KEY) as key:
            value, _ = winreg.QueryValueEx(key, "LongPathsEnabled")
    except OSError:
        return False
    return long_paths_from_registry_value(value)


def cancel_menu_mode(window: int) -> None:
    """Posts WM_CANCELMODE: the window's thread leaves an open popup menu."""
    if IS_WINDOWS:
        ctypes.windll.user32.PostMessageW(window, WM_CANCELMODE, 0, 0)  # type: ignore[attr-defined]


def end_this_process(code: int) -> None:
    """Ends the process at once: TerminateProcess on Windows (os._exit runs ExitProcess, which
    under Wine waited forever with the tray's popup menu open), os._exit elsewhere."""
    if IS_WINDOWS:
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        kernel32.TerminateProcess(kernel32.GetCurrentProcess(), code)
    os._exit(code)


def end_this_process_after(seconds: float) -> None:
    """Ends the process in `seconds` whatever Python is doing: a timer-queue timer whose callback
    is TerminateProcess itself (its two arguments are the callback's: the current-process
    handle, then TimerOrWaitFired = 1 as the exit code), so no Python code, lock or GIL is
    needed when it fires. Under Wine a stuck quit kept even a Python timer thread from running.
    Elsewhere a daemon thread calls os._exit."""
    if not IS_WINDOWS:
        import threading

        timer = threading.Timer(seconds, os._exit, args=(1,))
        timer.daemon = True
        timer.start()
        return
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.CreateTimerQueueTimer.argtypes = [
        ctypes.POINTER(wintypes.HANDLE), wintypes.HANDLE, ctypes.c_void_p, ctypes.c_void_p,
        wintypes.DWORD, wintypes.DWORD, wintypes.ULONG]
    terminate = ctypes.cast(kernel32.TerminateProcess, ctypes.c_void_p)
    timer = wintypes.HANDLE()
    if not kernel32.CreateTimerQueueTimer(ctypes.byref(timer), None, terminate,
                                          ctypes.c_void_p(CURRENT_PROCESS),
                                          int(seconds * 1000), 0, WT_EXECUTEONLYONCE):
        raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]


def show_message_box(title: str, text: str, is_error: bool = True) -> None:
    if IS_WINDOWS:
        ctypes.windll.user32.MessageBoxW(None, text, title, message_box_style(is_error))  # type: ignore[attr-defined]


class _JobObjectExtendedLimit(ctypes.Structure):
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
        ("IoReadOperationCount", ctypes.c_uint64),
        ("IoWriteOperationCount", ctypes.c_uint64),
        ("IoOtherOperationCount", ctypes.c_uint64),
        ("IoReadTransferCount", ctypes.c_uint64),
        ("IoWriteTransferCount", ctypes.c_uint64),
        ("IoOtherTransferCount", ctypes.c_uint64),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


class KillOnCloseJob:
    """A job object whose processes die when the launcher's handle closes, even on a hard kill."""

    def __init__(self) -> None:
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        self._handle = kernel32.CreateJobObjectW(None, None)
        if not self._handle:
            raise ctypes.WinError()  # type: ignore[attr-defined]
        info = _JobObjectExtendedLimit()
        info.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        ok = kernel32.SetInformationJobObject(
            self._handle, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS,
            ctypes.byref(info), ctypes.sizeof(info))
        if not ok:
            raise ctypes.WinError()  # type: ignore[attr-defined]

    def assign(self, pid: int) -> None:
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        process = kernel32.OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE, False, pid)
        if not process:
            raise ctypes.WinError()  # type: ignore[attr-defined]
        try:
            if not kernel32.AssignProcessToJobObject(self._handle, process):
                raise ctypes.WinError()  # type: ignore[attr-defined]
        finally:
            kernel32.CloseHandle(process)
