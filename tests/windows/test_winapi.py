"""launcher.winplatform's Windows calls, made for real (the Wine lane, or a Windows machine)."""

from __future__ import annotations

import ctypes
import json
import subprocess
import sys
import threading
from ctypes import wintypes
from pathlib import Path

import psutil
import pytest

from launcher import winplatform
from launcher.tensorboard.process import spawn_plan, start_child
from tests.helpers import all_gone, kill_pids, wait_until

if winplatform.IS_WINDOWS:
    from tests.windows import desktop

pytestmark = pytest.mark.skipif(not winplatform.IS_WINDOWS,
                                reason="calls the Windows API (runs on Windows and under Wine)")

REPO = Path(__file__).resolve().parents[2]

# A launcher stand-in: a job like the launcher's, a child started the launcher's way, which
# starts a grandchild; it prints the pids and waits to be killed.
FAKE_LAUNCHER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from launcher import winplatform
from launcher.tensorboard.process import spawn_plan, start_child
job = winplatform.KillOnCloseJob()
child_code = ("import subprocess, sys, time; "
              "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)']); "
              "print(g.pid, flush=True); time.sleep(300)")
child = start_child([sys.executable, "-c", child_code], {}, spawn_plan("win32"), job)
grandchild = int(child.stdout.readline())
print(json.dumps({"child": child.pid, "grandchild": grandchild}), flush=True)
time.sleep(300)
"""



def test_child_and_grandchild_in_the_job_die_when_the_launcher_is_killed() -> None:
    launcher = subprocess.Popen([sys.executable, "-c", FAKE_LAUNCHER, str(REPO)],
                                stdout=subprocess.PIPE, text=True)
    pids: dict[str, int] = {}
    try:
        assert launcher.stdout is not None
        pids = json.loads(launcher.stdout.readline())
        assert psutil.pid_exists(pids["child"]) and psutil.pid_exists(pids["grandchild"])
        assert psutil.Process(pids["grandchild"]).ppid() == pids["child"]
        launcher.kill()  # TerminateProcess: no clean-up code of the launcher runs
        launcher.wait(30)
        assert wait_until(lambda: all_gone(pids.values()), timeout=30), \
            f"still running after the launcher was killed: {pids}"
    finally:
        launcher.kill()
        kill_pids(pids.values())


def test_a_no_window_child_with_all_three_streams_redirected() -> None:
    plan = spawn_plan("win32")
    assert plan.creation_flags & winplatform.CREATE_NO_WINDOW
    code = ("import ctypes, sys; print('console window', "
            "ctypes.windll.kernel32.GetConsoleWindow()); print('to stderr', file=sys.stderr); "
            "print('stdin', repr(sys.stdin.read()))")
    job = winplatform.KillOnCloseJob()
    child = start_child([sys.executable, "-c", code], {"SYSTEMROOT": r"C:\windows"}, plan, job)
    assert child.stdout is not None
    output = child.stdout.read().decode()
    assert child.wait(60) == 0, output
    assert "console window 0" in output, output
    assert "to stderr" in output and "stdin ''" in output, output


def test_the_message_box_appears_and_is_closed_by_its_window() -> None:
    title = f"RVC TensorBoard Launcher test {threading.get_ident()}"
    shown = threading.Thread(target=winplatform.show_message_box,
                             args=(title, "The folder path has '&' in it."), daemon=True)
    shown.start()
    user32 = desktop.user32
    found: list[int] = []
    assert wait_until(lambda: found.append(user32.FindWindowW(None, title) or 0) or found[-1],
                      timeout=30), "no message box window appeared"
    window = found[-1]
    name = ctypes.create_unicode_buffer(64)
    user32.GetClassNameW(window, name, 64)
    assert name.value == "#32770", f"a dialog's window class, not {name.value!r}"
    wm_close = 0x0010
    assert user32.PostMessageW(window, wm_close, 0, 0)
    shown.join(30)
    assert not shown.is_alive(), "the message box did not close"
    assert not user32.FindWindowW(None, title)


def test_long_paths_follow_the_registry_value() -> None:
    import winreg

    try:
        key = winreg.CreateKeyEx(winreg.HKEY_LOCAL_MACHINE, winplatform.LONG_PATHS_KEY, 0,
                                 winreg.KEY_READ | winreg.KEY_SET_VALUE)
    except PermissionError:
        pytest.skip("needs an administrator to set HKLM LongPathsEnabled")
    with key:
        try:
            original: object = winreg.QueryValueEx(key, "LongPathsEnabled")
        except FileNotFoundError:
            original = None
        try:
            winreg.SetValueEx(key, "LongPathsEnabled", 0, winreg.REG_DWORD, 1)
            assert winplatform.long_paths_enabled() is True
            winreg.SetValueEx(key, "LongPathsEnabled", 0, winreg.REG_DWORD, 0)
            assert winplatform.long_paths_enabled() is False
            winreg.DeleteValue(key, "LongPathsEnabled")
            assert winplatform.long_paths_enabled() is False
        finally:
            if original is None:
                with pytest.raises(FileNotFoundError):
                    winreg.QueryValueEx(key, "LongPathsEnabled")
            else:
                value, kind = original  # type: ignore[misc]
                winreg.SetValueEx(key, "LongPathsEnabled", 0, kind, value)


def test_the_dll_directory_is_reset_before_spawning() -> None:
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.GetDllDirectoryW.argtypes = [wintypes.DWORD, wintypes.LPWSTR]
    buffer = ctypes.create_unicode_buffer(512)
    assert kernel32.SetDllDirectoryW(sys.prefix)  # as PyInstaller's bootloader does
    try:
        kernel32.GetDllDirectoryW(512, buffer)
        assert buffer.value.rstrip("\\").lower() == sys.prefix.rstrip("\\").lower()
        winplatform.reset_dll_directory()
        buffer.value = "unchanged"
        length = kernel32.GetDllDirectoryW(512, buffer)
        assert length == 0 and buffer.value == ""
    finally:
        kernel32.SetDllDirectoryW(None)
