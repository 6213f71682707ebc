"""The wrong-place flow with Windows' real dialogs (the Wine lane): the launcher started outside
an RVC folder shows its question box, the test reads it and answers Yes, drives the system
folder picker to an RVC folder, and the launcher started from that folder runs there.

`python -m launcher` stands in for the exe (from source there is nothing to copy; the copy
itself is tested on Linux with the real one-file binary in tests/test_frozen.py).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from launcher import APP_NAME
from launcher.core.instance import read_instance_file
from launcher.rvc.paths import LauncherPaths
from launcher.ui.relocate import PICKER_TITLE, QUESTION
from tests.helpers import kill_pids, tree_pids, wait_until

pytestmark = pytest.mark.skipif(os.name != "nt", reason="Windows dialogs: the Wine lane runs it")

WM_GETTEXT, WM_GETTEXTLENGTH, WM_SETTEXT, WM_COMMAND = 0x000D, 0x000E, 0x000C, 0x0111
IDOK, IDYES, IDNO = 1, 6, 7
MESSAGE_BOX_TEXT_ID = 0xFFFF  # the static control that holds a MessageBox's text


@dataclass(frozen=True)
class Window:
    handle: int
    title: str
    class_name: str


def _user32() -> ctypes.WinDLL:  # type: ignore[name-defined]
    user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]
    user32.SendMessageW.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_size_t,
                                    ctypes.c_void_p]
    user32.SendMessageW.restype = ctypes.c_ssize_t
    user32.PostMessageW.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_size_t,
                                    ctypes.c_void_p]
    user32.GetDlgItem.argtypes = [ctypes.c_void_p, ctypes.c_int]
    user32.GetDlgItem.restype = ctypes.c_void_p
    return user32


def _describe(user32: ctypes.WinDLL, handle: int) -> Window:  # type: ignore[name-defined]
    title = ctypes.create_unicode_buffer(512)
    user32.GetWindowTextW(ctypes.c_void_p(handle), title, 512)
    class_name = ctypes.create_unicode_buffer(256)
    user32.GetClassNameW(ctypes.c_void_p(handle), class_name, 256)
    return Window(handle, title.value, class_name.value)


def _enum_proc(visit: Callable[[int, object], bool]) -> object:
    prototype = ctypes.WINFUNCTYPE(ctypes.c_bool, ctypes.c_void_p, ctypes.c_void_p)  # type: ignore[attr-defined]
    return prototype(visit)


def top_windows(pids: set[int]) -> list[Window]:
    user32 = _user32()
    found: list[Window] = []

    def visit(handle: int, _: object) -> bool:
        owner = ctypes.c_ulong()
        user32.GetWindowThreadProcessId(ctypes.c_void_p(handle), ctypes.byref(owner))
        if owner.value in pids and user32.IsWindowVisible(ctypes.c_void_p(handle)):
            found.append(_describe(user32, handle))
        return True

    user32.EnumWindows(_enum_proc(visit), None)
    return found


def child_windows(parent: int) -> list[Window]:
    user32 = _user32()
    found: list[Window] = []

    def visit(handle: int, _: object) -> bool:
        found.append(_describe(user32, handle))
        return True

    user32.EnumChildWindows(ctypes.c_void_p(parent), _enum_proc(visit), None)
    return found


def window_text(handle: int) -> str:
    user32 = _user32()
    length = user32.SendMessageW(handle, WM_GETTEXTLENGTH, 0, None)
    buffer = ctypes.create_unicode_buffer(length + 1)
    user32.SendMessageW(handle, WM_GETTEXT, length + 1, ctypes.addressof(buffer))
    return buffer.value


def press(dialog: int, button_id: int) -> None:
    user32 = _user32()
    button = user32.GetDlgItem(dialog, button_id)
    assert button, f"no button {button_id} in the dialog"
    user32.PostMessageW(dialog, WM_COMMAND, button_id, button)  # BN_CLICKED is 0 (high word)


def find_window(pid: int, title: str, timeout: float) -> Window:
    """A visible top window with this title, of the process or its children (a one-file exe
    runs the app in a child of its bootloader)."""
    found: list[Window] = []

    def look() -> bool:
        found[:] = [w for w in top_windows(set(tree_pids(pid))) if w.title == title]
        return bool(found)

    assert wait_until(look, timeout, interval=0.2), (
        f"no window titled {title!r}; the process has {top_windows(set(tree_pids(pid)))}")
    return found[0]


@pytest.fixture
def started() -> Iterator[list[int]]:
    """Pids of launchers this test starts, killed at the end whatever happened."""
    pids: list[int] = []
    yield pids
    kill_pids(pid for root in pids for pid in tree_pids(root))


def start_launcher(folder: Path, started: list[int], *args: str, exe: Path | None = None,
                   env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A double-click: the exe with no --rvc-dir, or from source `python -m launcher` in
    `folder`."""
    command = [str(exe)] if exe else [sys.executable, "-m", "launcher"]
    launcher = subprocess.Popen([*command, *args], cwd=folder, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    started.append(launcher.pid)
    return launcher


def wait_for_launcher_in(rvc: Path, started: list[int]) -> None:
    """The launcher started in `rvc` took it as its RVC folder: its log and instance file."""
    paths = LauncherPaths(rvc)
    assert wait_until(lambda: paths.log_file.is_file() and f"in {rvc} (RVC WebUI)"
                      in paths.log_file.read_text(encoding="utf-8"), 120), (
        "the launcher started in the picked folder never logged")
    assert wait_until(lambda: read_instance_file(paths.instance_file) is not None, 60)
    info = read_instance_file(paths.instance_file)
    assert info is not None
    started.append(info.pid)
    assert psutil.pid_exists(info.pid)


def answer_question(pid: int, yes: bool) -> str:
    """Finds the launcher's question box, returns its text and presses Yes or No."""
    return answer_box(pid, IDYES if yes else IDNO)


def answer_box(pid: int, button_id: int) -> str:
    box = find_window(pid, APP_NAME, timeout=60)
    text = window_text(_user32().GetDlgItem(box.handle, MESSAGE_BOX_TEXT_ID))
    press(box.handle, button_id)
    assert wait_until(lambda: box.handle not in {
        w.handle for w in top_windows(set(tree_pids(pid)))}, 20)
    return text


def pick_in_folder_dialog(pid: int, folder: Path) -> None:
    """Types the folder into the system picker's name box and presses its OK button."""
    picker = find_window(pid, PICKER_TITLE, timeout=60)
    edits = [w for w in child_windows(picker.handle) if w.class_name.lower() == "edit"]
    assert edits, child_windows(picker.handle)
    buffer = ctypes.create_unicode_buffer(str(folder))
    _user32().SendMessageW(edits[-1].handle, WM_SETTEXT, 0, ctypes.addressof(buffer))
    press(picker.handle, IDOK)


def test_double_click_outside_rvc_asks_picks_and_starts_in_the_rvc_folder(
        tmp_path: Path, demo_rvc: Path, started: list[int]) -> None:
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    launcher = start_launcher(downloads, started, "--no-browser", "--python",
                              str(tmp_path / "nopython.exe"))
    text = answer_question(launcher.pid, yes=True)
    assert text.startswith(QUESTION), text
    assert f"{downloads} is not an RVC folder" in text
    pick_in_folder_dialog(launcher.pid, demo_rvc)

    assert launcher.wait(timeout=60) == 0
    assert list(downloads.iterdir()) == [], "nothing may be created where it was started"
    wait_for_launcher_in(demo_rvc, started)


def test_a_picked_folder_that_is_not_rvc_is_named_and_asked_again(
        tmp_path: Path, started: list[int]) -> None:
    downloads, music = tmp_path / "Downloads", tmp_path / "Music"
    downloads.mkdir()
    music.mkdir()
    launcher = start_launcher(downloads, started)
    assert answer_question(launcher.pid, yes=True).startswith(QUESTION)
    pick_in_folder_dialog(launcher.pid, music)
    again = answer_question(launcher.pid, yes=False)
    assert again.startswith(QUESTION) and f"{music} is not an RVC folder" in again, again
    assert launcher.wait(timeout=60) == 2
    assert list(downloads.iterdir()) == [] and list(music.iterdir()) == []


# ---- the real windowed exe, when the lane has built one (RVC_LAUNCHER_EXE, a Windows path) --

@pytest.fixture
def windows_exe() -> Path:
    exe = os.environ.get("RVC_LAUNCHER_EXE")
    if not exe or not Path(exe).is_file():
        pytest.skip("RVC_LAUNCHER_EXE names no built RVCTensorBoardLauncher.exe")
    return Path(exe)


def exe_copy(windows_exe: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    target = folder / windows_exe.name
    shutil.copyfile(windows_exe, target)
    return target


def test_the_exe_opened_from_its_zip_says_extract_the_zip_first(
        tmp_path: Path, windows_exe: Path, started: list[int]) -> None:
    # tmp_path is under %TEMP%, where Explorer's zip view runs what it opens.
    exe = exe_copy(windows_exe, tmp_path / "Temp1_RVCTensorBoardLauncher.zip")
    launcher = start_launcher(exe.parent, started, exe=exe)
    text = answer_box(launcher.pid, IDOK)
    assert "Extract the zip first, then move the exe into your RVC folder" in text, text
    assert launcher.wait(timeout=60) == 2
    assert list(exe.parent.iterdir()) == [exe]


def test_the_exe_copies_itself_into_the_picked_rvc_folder_and_the_copy_runs_there(
        tmp_path: Path, demo_rvc: Path, windows_exe: Path, started: list[int]) -> None:
    exe = exe_copy(windows_exe, tmp_path / "Downloads")
    system_temp = tmp_path / "system-temp"  # so Downloads and the RVC folder are not in it
    system_temp.mkdir()
    env = {**os.environ, "TEMP": str(system_temp), "TMP": str(system_temp)}
    launcher = start_launcher(exe.parent, started, "--no-browser", "--python",
                              str(tmp_path / "nopython.exe"), exe=exe, env=env)
    assert answer_question(launcher.pid, yes=True).startswith(QUESTION)
    pick_in_folder_dialog(launcher.pid, demo_rvc)
    assert launcher.wait(timeout=60) == 0
    copy = demo_rvc / exe.name
    assert copy.read_bytes() == exe.read_bytes()
    wait_for_launcher_in(demo_rvc, started)
    assert list(exe.parent.iterdir()) == [exe]
