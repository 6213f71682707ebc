"""What a person does and sees on a Windows desktop, through the Win32 API (runs on Windows only):
start a program as Explorer's double-click does, find a process's windows, read a popup menu or
a message box, record the browser the shell opens for an http URL."""

from __future__ import annotations

import ctypes
import os
import sys
import winreg
from collections.abc import Iterator
from contextlib import contextmanager
from ctypes import wintypes
from dataclasses import dataclass
from pathlib import Path

kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
shell32 = ctypes.WinDLL("shell32", use_last_error=True)
user32 = ctypes.WinDLL("user32", use_last_error=True)

SEE_MASK_NOCLOSEPROCESS = 0x00000040
SEE_MASK_NOASYNC = 0x00000100
SW_SHOWNORMAL = 1
WAIT_OBJECT_0 = 0
STILL_ACTIVE = 259
PROCESS_TERMINATE = 0x0001
WM_CLOSE = 0x0010
WM_COMMAND = 0x0111
SMTO_ABORTIFHUNG = 0x0002
WM_GETTEXT = 0x000D
SEND_TIMEOUT_MS = 1000
MN_GETHMENU = 0x01E1
MF_BYPOSITION = 0x0400
IDOK = 1
MENU_CLASS = "#32768"
DIALOG_CLASS = "#32770"


class SHELLEXECUTEINFOW(ctypes.Structure):
    _fields_ = [("cbSize", wintypes.DWORD), ("fMask", wintypes.ULONG), ("hwnd", wintypes.HWND),
                ("lpVerb", wintypes.LPCWSTR), ("lpFile", wintypes.LPCWSTR),
                ("lpParameters", wintypes.LPCWSTR), ("lpDirectory", wintypes.LPCWSTR),
                ("nShow", ctypes.c_int), ("hInstApp", wintypes.HINSTANCE),
                ("lpIDList", ctypes.c_void_p), ("lpClass", wintypes.LPCWSTR),
                ("hkeyClass", wintypes.HKEY), ("dwHotKey", wintypes.DWORD),
                ("hIconOrMonitor", wintypes.HANDLE), ("hProcess", wintypes.HANDLE)]


shell32.ShellExecuteExW.argtypes = [ctypes.POINTER(SHELLEXECUTEINFOW)]
kernel32.GetProcessId.argtypes = [wintypes.HANDLE]
kernel32.WaitForSingleObject.argtypes = [wintypes.HANDLE, wintypes.DWORD]
kernel32.GetExitCodeProcess.argtypes = [wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD)]
kernel32.TerminateProcess.argtypes = [wintypes.HANDLE, wintypes.UINT]
kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
kernel32.OpenProcess.restype = wintypes.HANDLE
WNDENUMPROC = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)
user32.EnumWindows.argtypes = [WNDENUMPROC, wintypes.LPARAM]
user32.EnumChildWindows.argtypes = [wintypes.HWND, WNDENUMPROC, wintypes.LPARAM]
user32.GetWindowThreadProcessId.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.DWORD)]
user32.GetClassNameW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
user32.IsWindowVisible.argtypes = [wintypes.HWND]
user32.PostMessageW.argtypes = [wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM]
user32.SendMessageTimeoutW.argtypes = [wintypes.HWND, wintypes.UINT, wintypes.WPARAM,
                                       wintypes.LPARAM, wintypes.UINT, wintypes.UINT,
                                       ctypes.POINTER(ctypes.c_size_t)]
user32.GetWindowTextW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
user32.FindWindowW.restype = wintypes.HWND
user32.FindWindowW.argtypes = [wintypes.LPCWSTR, wintypes.LPCWSTR]
user32.GetWindowRect.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.RECT)]
user32.GetMenuItemCount.argtypes = [wintypes.HMENU]
user32.GetMenuStringW.argtypes = [wintypes.HMENU, wintypes.UINT, wintypes.LPWSTR, ctypes.c_int,
                                  wintypes.UINT]


class StartedProcess:
    """A program started through the shell; owns the process handle ShellExecuteEx returned."""

    def __init__(self, handle: int) -> None:
        self.handle = handle
        self.pid = kernel32.GetProcessId(handle)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if it still runs after `timeout` seconds."""
        if kernel32.WaitForSingleObject(self.handle, int(timeout * 1000)) != WAIT_OBJECT_0:
            return None
        code = wintypes.DWORD()
        kernel32.GetExitCodeProcess(self.handle, ctypes.byref(code))
        return code.value

    def terminate(self) -> None:
        """TerminateProcess: what Task Manager's End task does to a process that does not answer."""
        kernel32.TerminateProcess(self.handle, 1)

    def close(self) -> None:
        kernel32.CloseHandle(self.handle)


def kill_pid(pid: int) -> None:
    """TerminateProcess by pid (psutil may fail to open a process under Wine); no error if gone."""
    handle = kernel32.OpenProcess(PROCESS_TERMINATE, False, pid)
    if handle:
        kernel32.TerminateProcess(handle, 1)
        kernel32.CloseHandle(handle)


def double_click(program: Path) -> StartedProcess:
    """Starts `program` as Explorer does on a double-click: ShellExecuteEx "open", no arguments,
    its own folder as the working directory, no console and no inherited handles."""
    info = SHELLEXECUTEINFOW(cbSize=ctypes.sizeof(SHELLEXECUTEINFOW),
                             fMask=SEE_MASK_NOCLOSEPROCESS | SEE_MASK_NOASYNC, lpVerb="open",
                             lpFile=str(program), lpDirectory=str(program.parent),
                             nShow=SW_SHOWNORMAL)
    if not shell32.ShellExecuteExW(ctypes.byref(info)):
        raise ctypes.WinError(ctypes.get_last_error())
    return StartedProcess(info.hProcess)


@dataclass(frozen=True)
class Window:
    hwnd: int
    pid: int
    class_name: str
    text: str
    visible: bool


def send_message(hwnd: int, message: int, wparam: int = 0, lparam: int = 0) -> int:
    """SendMessage that gives up after a second: a window whose thread pumps no messages (the
    one-file bootloader's, while it waits for its child) would block a plain SendMessage."""
    result = ctypes.c_size_t()
    if not user32.SendMessageTimeoutW(hwnd, message, wparam, lparam, SMTO_ABORTIFHUNG,
                                      SEND_TIMEOUT_MS, ctypes.byref(result)):
        return 0
    return result.value


def window_text(hwnd: int) -> str:
    """The caption or control text: as stored, else asked for with WM_GETTEXT (timed out)."""
    buffer = ctypes.create_unicode_buffer(4096)
    user32.GetWindowTextW(hwnd, buffer, len(buffer))
    if not buffer.value:
        send_message(hwnd, WM_GETTEXT, len(buffer), ctypes.addressof(buffer))
    return buffer.value


def _describe(hwnd: int) -> Window:
    pid = wintypes.DWORD()
    user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
    name = ctypes.create_unicode_buffer(256)
    user32.GetClassNameW(hwnd, name, 256)
    return Window(hwnd, pid.value, name.value, window_text(hwnd),
                  bool(user32.IsWindowVisible(hwnd)))


def top_windows() -> list[Window]:
    found: list[int] = []

    @WNDENUMPROC
    def collect(hwnd: int, _param: int) -> bool:
        found.append(hwnd)
        return True

    user32.EnumWindows(collect, 0)
    return [_describe(hwnd) for hwnd in found]


def child_windows(parent: int) -> list[Window]:
    found: list[int] = []

    @WNDENUMPROC
    def collect(hwnd: int, _param: int) -> bool:
        found.append(hwnd)
        return True

    user32.EnumChildWindows(parent, collect, 0)
    return [_describe(hwnd) for hwnd in found]


def windows_of(pids: set[int], class_name: str | None = None) -> list[Window]:
    return [w for w in top_windows()
            if w.pid in pids and (class_name is None or w.class_name == class_name)]


def menu_item_texts(menu_window: int) -> list[str]:
    """The item texts of an open popup menu, read through its window (MN_GETHMENU)."""
    menu = send_message(menu_window, MN_GETHMENU)
    texts = []
    for position in range(max(user32.GetMenuItemCount(menu), 0)):
        buffer = ctypes.create_unicode_buffer(256)
        user32.GetMenuStringW(menu, position, buffer, 256, MF_BYPOSITION)
        texts.append(buffer.value)
    return texts


def dialog_text(dialog: int) -> str:
    """The message of a message box: the text of its Static controls."""
    return "\n".join(w.text for w in child_windows(dialog) if w.class_name.lower() == "static"
                     and w.text)


def press_ok(dialog: int) -> None:
    user32.PostMessageW(dialog, WM_COMMAND, IDOK, 0)


@contextmanager
def browser_recorder(record_file: Path) -> Iterator[Path]:
    """Points the shell's http handler at a recorder for the duration: every URL the shell is
    asked to open (os.startfile, webbrowser, ShellExecute) is appended to `record_file`."""
    script = record_file.with_suffix(".py")
    target = str(record_file)
    script.write_text(f"import sys\nwith open({target!r}, 'a', encoding='utf-8') as out:\n"
                      "    out.write(sys.argv[1] + '\\n')\n", encoding="utf-8")
    pythonw = Path(sys.executable).with_name("pythonw.exe")
    key = winreg.CreateKey(winreg.HKEY_CLASSES_ROOT, r"http\shell\open\command")
    try:
        original = winreg.QueryValue(key, "")
    except OSError:
        original = None
    winreg.SetValue(key, "", winreg.REG_SZ, f'"{pythonw}" "{script}" "%1"')
    try:
        yield record_file
    finally:
        if original is not None:
            winreg.SetValue(key, "", winreg.REG_SZ, original)
        winreg.CloseKey(key)


def recorded_urls(record_file: Path) -> list[str]:
    try:
        return record_file.read_text(encoding="utf-8").split()
    except OSError:
        return []


def is_windows() -> bool:
    return os.name == "nt"
