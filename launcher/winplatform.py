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
PROCESS_SUSPEND_RESUME = 0x0800
MB_OK_ICONERROR = 0x00000010
MB_OK_ICONWARNING = 0x00000030
MB_TOPMOST = 0x00040000
MB_YESNO = 0x00000004
MB_ICONQUESTION = 0x00000020
IDYES = 6
DETACHED_PROCESS = 0x00000008
LONG_PATHS_KEY = r"SYSTEM\CurrentControlSet\Control\FileSystem"
MAX_PATH = 260
DRIVE_REMOTE = 4
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


def explorer_select_command(path: str) -> str:
    """Explorer's command line that opens `path`'s folder with `path` selected.

    A whole command line, not a list: Explorer parses `/select,"<path>"` itself and does not
    understand the quoting subprocess would put around a list item with spaces. Windows paths
    cannot contain `"`, so the quotes never need escaping.
    """
    return f'explorer.exe /select,"{path}"'


def show_in_explorer(path: str) -> None:
    """Explorer with `path` selected (Windows only; Explorer's exit code means nothing)."""
    import subprocess

    subprocess.Popen(explorer_select_command(path), close_fds=True)


def stop_signals() -> tuple[signal.Signals, ...]:
    """The signals that ask the launcher to quit: Ctrl+C, SIGTERM and, on Windows, Ctrl+Break
    (the one console event another program can send to a process group of its own)."""
    names = ("SIGINT", "SIGTERM", "SIGBREAK")
    return tuple(getattr(signal, name) for name in names if hasattr(signal, name))


def message_box_style(is_error: bool) -> int:
    return (MB_OK_ICONERROR if is_error else MB_OK_ICONWARNING) | MB_TOPMOST


def question_box_style() -> int:
    return MB_YESNO | MB_ICONQUESTION | MB_TOPMOST


def detached_creation_flags(windows: bool = IS_WINDOWS) -> int:
    """A started copy of the launcher that outlives this one and has no console of its own."""
    return DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP if windows else 0


def long_paths_from_registry_value(value: object) -> bool:
    """LongPathsEnabled is a DWORD: 1 means on; anything else, or missing, means off."""
    return isinstance(value, int) and value == 1


# ---- thin OS calls (Windows only) -------------------------------------------------------

def ui_language_id() -> int | None:
    """The Windows display language's LANGID (GetUserDefaultUILanguage); None elsewhere."""
    if not IS_WINDOWS:
        return None
    return ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]


def reset_dll_directory() -> None:
    """Undo the bundle's SetDllDirectory so an outside Python loads its own DLLs."""
    if IS_WINDOWS:
        ctypes.windll.kernel32.SetDllDirectoryW(None)  # type: ignore[attr-defined]


def is_network_drive(path: str | os.PathLike[str]) -> bool:
    """The path's drive is a mapped network share (GetDriveTypeW: DRIVE_REMOTE)."""
    if not IS_WINDOWS:
        return False
    drive = os.path.splitdrive(os.path.abspath(path))[0]
    if not drive or drive.startswith("\\\\"):
        return bool(drive)
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    return kernel32.GetDriveTypeW(drive + "\\") == DRIVE_REMOTE


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


def lock_exclusively(fd: int) -> bool:
    """Takes the OS's exclusive lock on an open file without waiting: False if another handle
    holds it. Closing the file (or the process ending, however it ends) frees it."""
    if IS_WINDOWS:
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def unlock(fd: int) -> None:
    if IS_WINDOWS:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def resume_process(pid: int) -> None:
    """Lets a process started with CREATE_SUSPENDED run (NtResumeProcess, as psutil does)."""
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    ntdll = ctypes.WinDLL("ntdll")  # type: ignore[attr-defined]
    ntdll.NtResumeProcess.restype = ctypes.c_long
    ntdll.NtResumeProcess.argtypes = [wintypes.HANDLE]
    process = kernel32.OpenProcess(PROCESS_SUSPEND_RESUME, False, pid)
    if not process:
        raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]
    try:
        status = ntdll.NtResumeProcess(process)
        if status:
            raise OSError(f"NtResumeProcess failed: NTSTATUS 0x{status & 0xFFFFFFFF:08X}")
    finally:
        kernel32.CloseHandle(wintypes.HANDLE(process))


def show_message_box(title: str, text: str, is_error: bool = True) -> None:
    if IS_WINDOWS:
        ctypes.windll.user32.MessageBoxW(None, text, title, message_box_style(is_error))  # type: ignore[attr-defined]


def ask_yes_no(title: str, text: str) -> bool:
    """A Yes/No question box; False off Windows (nobody can answer it there)."""
    if not IS_WINDOWS:
        return False
    answer = ctypes.windll.user32.MessageBoxW(None, text, title, question_box_style())  # type: ignore[attr-defined]
    return answer == IDYES


def pick_folder(title: str) -> str | None:
    """The system's own folder picker; None when cancelled (or off Windows)."""
    if not IS_WINDOWS:
        return None
    return _pick_folder_dialog(title)


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


# ---- the folder picker: IFileOpenDialog with FOS_PICKFOLDERS, through ctypes COM ----------

CLSID_FILE_OPEN_DIALOG = "{DC1C5A9C-E88A-4DDE-A5A1-60F82A20AEF7}"
IID_IFILE_OPEN_DIALOG = "{D57C7288-D4AD-4768-BE02-9D969532D960}"
FOS_PICKFOLDERS = 0x00000020
FOS_FORCEFILESYSTEM = 0x00000040
FOS_PATHMUSTEXIST = 0x00000800
SIGDN_FILESYSPATH = 0x80058000
HRESULT_CANCELLED = 0x800704C7  # HRESULT_FROM_WIN32(ERROR_CANCELLED)
CLSCTX_INPROC_SERVER = 0x1
COINIT_APARTMENTTHREADED = 0x2
# Slots in the vtables (IUnknown 0-2, IModalWindow::Show 3, then IFileDialog in header order).
SHOW, SET_OPTIONS, GET_OPTIONS, SET_TITLE, GET_RESULT, RELEASE = 3, 9, 10, 17, 20, 2
SHELL_ITEM_GET_DISPLAY_NAME = 5


class _Guid(ctypes.Structure):
    _fields_ = [("data1", ctypes.c_uint32), ("data2", ctypes.c_uint16),
                ("data3", ctypes.c_uint16), ("data4", ctypes.c_ubyte * 8)]


def _guid(text: str) -> _Guid:
    guid = _Guid()
    ctypes.oledll.ole32.CLSIDFromString(text, ctypes.byref(guid))  # type: ignore[attr-defined]
    return guid


def _com_call(obj: ctypes.c_void_p, slot: int, *args: object,
              argtypes: tuple[type, ...] = ()) -> int:
    """Calls vtable slot `slot` of a COM object; returns the HRESULT as an unsigned number."""
    vtable = ctypes.cast(obj, ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p))).contents
    prototype = ctypes.WINFUNCTYPE(ctypes.c_long, ctypes.c_void_p, *argtypes)  # type: ignore[attr-defined]
    return prototype(vtable[slot])(obj, *args) & 0xFFFFFFFF


def _pick_folder_dialog(title: str) -> str | None:
    ole32 = ctypes.oledll.ole32  # type: ignore[attr-defined]
    initialised = ctypes.windll.ole32.CoInitializeEx(None, COINIT_APARTMENTTHREADED) >= 0  # type: ignore[attr-defined]
    dialog = ctypes.c_void_p()
    try:
        ole32.CoCreateInstance(ctypes.byref(_guid(CLSID_FILE_OPEN_DIALOG)), None,
                               CLSCTX_INPROC_SERVER, ctypes.byref(_guid(IID_IFILE_OPEN_DIALOG)),
                               ctypes.byref(dialog))
        options = ctypes.c_uint32()
        _com_call(dialog, GET_OPTIONS, ctypes.byref(options), argtypes=(ctypes.c_void_p,))
        _com_call(dialog, SET_OPTIONS,
                  options.value | FOS_PICKFOLDERS | FOS_FORCEFILESYSTEM | FOS_PATHMUSTEXIST,
                  argtypes=(ctypes.c_uint32,))
        _com_call(dialog, SET_TITLE, title, argtypes=(ctypes.c_wchar_p,))
        shown = _com_call(dialog, SHOW, None, argtypes=(ctypes.c_void_p,))
        if shown == HRESULT_CANCELLED:
            return None
        if shown != 0:
            raise OSError(f"the folder picker failed (HRESULT 0x{shown:08X})")
        return _dialog_result_path(dialog)
    finally:
        if dialog:
            _com_call(dialog, RELEASE)
        if initialised:
            ctypes.windll.ole32.CoUninitialize()  # type: ignore[attr-defined]


def _dialog_result_path(dialog: ctypes.c_void_p) -> str:
    item = ctypes.c_void_p()
    result = _com_call(dialog, GET_RESULT, ctypes.byref(item), argtypes=(ctypes.c_void_p,))
    if result != 0:
        raise OSError(f"the folder picker gave no folder (HRESULT 0x{result:08X})")
    text = ctypes.c_wchar_p()
    try:
        named = _com_call(item, SHELL_ITEM_GET_DISPLAY_NAME, SIGDN_FILESYSPATH,
                          ctypes.byref(text), argtypes=(ctypes.c_uint32, ctypes.c_void_p))
        if named != 0 or text.value is None:
            raise OSError(f"the chosen folder has no file-system path (HRESULT 0x{named:08X})")
        return text.value
    finally:
        if text:
            ctypes.windll.ole32.CoTaskMemFree(text)  # type: ignore[attr-defined]
        _com_call(item, RELEASE)
