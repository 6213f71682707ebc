"""The windowed one-file exe, used as a person would, under Wine (the lane; Windows only).

Copied into an RVC folder and double-clicked (ShellExecuteEx, the folder as working directory,
no arguments): it builds its venv from the folder's own embeddable Python, serves TensorBoard
on 127.0.0.1 and asks the shell to open the dashboard (the http handler in the registry points
at a recorder for the test), shows its tray icon with a menu (opened by the window message a
right click sends, read back through the menu's window), hands over to a second start, and
leaves no process behind when TerminateProcess ends the exe. The lane builds the exe with
`scripts/dev wine-build` and passes it in RVC_LAUNCHER_EXE.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

if sys.platform != "win32":
    pytest.skip("the exe runs on Windows (the Wine lane)", allow_module_level=True)
if not os.environ.get("WINE_LANE_EMBED39"):
    pytest.skip("needs the lane's embeddable Pythons as RVC runtimes (scripts/dev wine-test)",
                allow_module_level=True)

from PIL import ImageGrab

from launcher.events.writer import ScalarEventWriter
from tests.helpers import under_wine, wait_until
from tests.windows import desktop
from tests.windows.embedpython import make_rvc_python

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # a first setup under Wine

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "wine"
METRICS_FILE = ARTIFACTS / "exe-metrics.json"
EXE_NAME = "RVCTensorBoardLauncher.exe"
TRAY_WINDOW_SUFFIX = "SystemTrayIcon"  # pystray's window class: <name><id>SystemTrayIcon
PYSTRAY_WM_NOTIFY = 0x0400 + 11  # pystray._util.win32.WM_NOTIFY, the icon's callback message
WM_RBUTTONUP = 0x0205
WM_LBUTTONUP = 0x0202
SETUP_TIMEOUT = 420.0
# The launcher opens one URL once per 2 s (BrowserOpener: a double click is one request).
SAME_URL_GUARD = 2.5
MENU_ENTRIES = ("Open dashboard", "Open logs folder", "Open launcher log", "Quit")


def record_metrics(**values: object) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    metrics = json.loads(METRICS_FILE.read_text()) if METRICS_FILE.exists() else {}
    metrics.update(values)
    METRICS_FILE.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="session")
def launcher_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("RVC_LAUNCHER_EXE")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("exe")  # run alone: build it the way wine-build does
    subprocess.run([sys.executable, str(REPO / "scripts" / "build"), "--dist", str(out / "dist"),
                    "--work", str(out / "work")], check=True, timeout=900,
                   stdin=subprocess.DEVNULL, capture_output=True)
    return out / "dist" / EXE_NAME


def write_losses(folder: Path, steps: int = 40) -> None:
    with ScalarEventWriter(folder, wall_time=time.time() - 3600) as writer:
        for index in range(1, steps + 1):
            writer.add_scalar("loss/g/total", 40.0 - index * 0.1, index * 200)
            writer.add_scalar("loss/g/mel", 22.0 - index * 0.05, index * 200)


def webui_folder(root: Path, exe: Path) -> Path:
    make_rvc_python(root / "runtime", "3.9", with_pip=False)  # virtualenv seeds its own pip
    (root / "go-web.bat").write_text("rem RVC WebUI\r\n", encoding="utf-8")
    (root / "infer-web.py").write_text("# RVC WebUI\n", encoding="utf-8")
    write_losses(root / "logs" / "Aria")
    shutil.copy2(exe, root / EXE_NAME)
    return root


def applio_folder(root: Path, exe: Path) -> Path:
    make_rvc_python(root / "env", "3.12", with_pip=False)
    (root / "run-applio.bat").write_text("rem Applio\r\n", encoding="utf-8")
    (root / "core.py").write_text("# Applio\n", encoding="utf-8")
    write_losses(root / "logs" / "Nova" / "eval")
    shutil.copy2(exe, root / EXE_NAME)
    return root


@pytest.fixture
def home_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder outside the system temp folder, as a user's RVC folder is: started from under
    %TEMP% the exe rightly says "extract the zip first" (issue 17) and does nothing else."""
    folder = Path(os.environ["USERPROFILE"], "RVCLauncherTests", tmp_path.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Path]:
    with desktop.browser_recorder(tmp_path / "browser-requests.txt") as record:
        yield record


def launcher_log(root: Path) -> str:
    try:
        return (root / "TensorBoardLauncher" / "launcher.log").read_text(encoding="utf-8",
                                                                         errors="replace")[-4000:]
    except OSError:
        return "(no launcher.log)"


def process_tree(pid: int) -> set[int]:
    try:
        return {pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))}
    except psutil.NoSuchProcess:
        return set()


STARTED: list[StartedProcessTree] = []


@dataclass
class StartedProcessTree:
    """What one exe start made (the bootloader and its tree), to clean up after a failure."""

    pids: set[int]


@pytest.fixture(autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """A failed test must not leave its exe running: under Wine its processes hold the lane's
    output pipe open, and the lane would wait for them forever."""
    yield
    for tree in STARTED:
        for pid in tree.pids:
            desktop.kill_pid(pid)
    STARTED.clear()


@dataclass
class Started:
    """One double-click of the exe and what the test saw of it."""

    process: desktop.StartedProcess
    clicked_at: float
    child_at: float | None = None  # the bootloader has unpacked and started the launcher
    url_at: float | None = None

    tree: StartedProcessTree = field(default_factory=lambda: StartedProcessTree(set()))

    @classmethod
    def double_click(cls, exe: Path) -> Started:
        started = cls(desktop.double_click(exe), time.monotonic())
        started.tree.pids.add(started.process.pid)
        STARTED.append(started.tree)
        return started

    def remember_tree(self) -> set[int]:
        self.tree.pids |= process_tree(self.process.pid)
        return set(self.tree.pids)

    def wait_for_url(self, record: Path, count: int, root: Path) -> str:
        def url_or_exit() -> bool:
            if self.child_at is None and len(self.remember_tree()) > 1:
                self.child_at = time.monotonic()
            return len(desktop.recorded_urls(record)) >= count or \
                self.process.wait(0) is not None

        assert wait_until(url_or_exit, SETUP_TIMEOUT, interval=0.05), launcher_log(root)
        urls = desktop.recorded_urls(record)
        assert len(urls) >= count, (f"exe exited {self.process.wait(0)} without opening the "
                                    f"dashboard:\n{launcher_log(root)}")
        self.url_at = time.monotonic()
        self.remember_tree()
        return urls[-1]

    def seconds_to_url(self) -> float:
        assert self.url_at is not None
        return round(self.url_at - self.clicked_at, 2)


def is_tensorboard(pid: int) -> bool:
    try:
        return any("tensorboard" in part for part in psutil.Process(pid).cmdline())
    except psutil.Error:
        return False


def hard_kill_leaves_nothing(started: Started, root: Path) -> None:
    ours = started.remember_tree()
    assert len(ours) >= 3, f"expected the bootloader, the launcher and TensorBoard: {ours}"
    tensorboards = {pid for pid in ours if is_tensorboard(pid)}
    assert tensorboards, f"no TensorBoard among {ours}"
    started.process.terminate()  # End task on the exe the user started
    assert started.process.wait(10) is not None
    started.process.close()  # an open handle keeps a dead process's pid in use

    def alive(pids: set[int]) -> list[int]:
        return [pid for pid in pids if psutil.pid_exists(pid)]

    assert wait_until(lambda: not alive(tensorboards), 30), (alive(tensorboards),
                                                            launcher_log(root))
    if wait_until(lambda: not alive(ours), 30):
        return
    lingering = alive(ours)
    # Open (README, Windows lane): under Wine the launcher itself sometimes hangs in its own
    # exit after it has stopped TensorBoard and its tray; TensorBoard must be gone (above), and
    # the hang is counted in the metrics rather than failing the lane. Anywhere else it fails.
    assert under_wine(), (lingering, launcher_log(root))
    for pid in lingering:
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()
    metrics = json.loads(METRICS_FILE.read_text()) if METRICS_FILE.exists() else {}
    record_metrics(launcher_exit_hangs_under_wine=int(metrics.get(
        "launcher_exit_hangs_under_wine", 0)) + 1)
    warnings.warn(f"the launcher lingered after a hard kill under Wine: {lingering}",
                  stacklevel=2)


def check_serving(url: str) -> None:
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1", url
    with urllib.request.urlopen(f"http://127.0.0.1:{parts.port}/data/logdir",
                                timeout=20) as response:
        assert response.status == 200


def tray_icon_windows(started: Started) -> list[desktop.Window]:
    ours = started.remember_tree()
    icons = [w for w in desktop.windows_of(ours) if w.class_name.endswith(TRAY_WINDOW_SUFFIX)]
    assert icons, "no tray icon window"
    return icons  # pystray makes two such windows; only the icon's own one answers


def past_same_url_guard(record: Path) -> int:
    """Waits until the launcher would open the dashboard URL again; returns the request count."""
    try:
        last = record.stat().st_mtime
    except OSError:
        return 0
    time.sleep(max(0.0, last + SAME_URL_GUARD - time.time()))
    return len(desktop.recorded_urls(record))


def click_tray_icon(started: Started, record: Path, root: Path) -> None:
    """A left click on the icon, as pystray receives it, runs the default entry, Open dashboard."""
    before = past_same_url_guard(record)
    for window in tray_icon_windows(started):
        desktop.user32.PostMessageW(window.hwnd, PYSTRAY_WM_NOTIFY, 0, WM_LBUTTONUP)
    assert wait_until(lambda: len(desktop.recorded_urls(record)) > before, 20), (
        "a click on the tray icon opened nothing", launcher_log(root))


def open_tray_menu(started: Started, screenshot: Path) -> list[str]:
    """A right click on the icon; returns the open menu's item texts (empty under Wine)."""
    for window in tray_icon_windows(started):
        desktop.user32.PostMessageW(window.hwnd, PYSTRAY_WM_NOTIFY, 0, WM_RBUTTONUP)
    menus: list[desktop.Window] = []

    def menu_open() -> bool:
        menus[:] = [w for w in desktop.windows_of(started.remember_tree(), desktop.MENU_CLASS)
                    if w.visible]
        return bool(menus)

    assert wait_until(menu_open, 20), "the right click opened no menu"
    time.sleep(0.5)  # drawn: the popup window exists before its items are painted
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    ImageGrab.grab().save(screenshot)
    texts = desktop.menu_item_texts(menus[0].hwnd)
    if texts or not under_wine():
        for entry in MENU_ENTRIES:
            assert any(text.replace("&&", "&").startswith(entry) for text in texts), texts
    # else: Wine 8.0 keeps a menu private to its process (win32u's grab_menu_ptr refuses
    # another process's HMENU, so GetMenuItemCount answers -1); the screenshot shows them.
    return texts


def exercise(root: Path, browser: Path, name: str) -> dict[str, float]:
    """Everything a person does with the exe in one RVC folder; returns the timings."""
    exe = root / EXE_NAME
    first = Started.double_click(exe)
    url = first.wait_for_url(browser, 1, root)
    assert (root / "TensorBoardLauncher" / "venv" / "Scripts" / "python.exe").is_file()
    check_serving(url)
    figures = {"setup_to_dashboard_seconds": first.seconds_to_url()}

    click_tray_icon(first, browser, root)
    open_tray_menu(first, ARTIFACTS / f"tray-menu-{name}.png")

    requests = past_same_url_guard(browser)
    second = Started.double_click(exe)  # hand-over: the second exe asks the first and leaves
    assert second.process.wait(60) == 0, launcher_log(root)
    second.process.close()
    first.wait_for_url(browser, requests + 1, root)
    hard_kill_leaves_nothing(first, root)

    warm = Started.double_click(exe)  # a new launcher: a new BrowserOpener, no guard
    warm.wait_for_url(browser, requests + 2, root)
    figures["warm_start_to_dashboard_seconds"] = warm.seconds_to_url()
    if warm.child_at is not None:
        figures["onefile_unpack_seconds"] = round(warm.child_at - warm.clicked_at, 2)
    hard_kill_leaves_nothing(warm, root)
    return figures


def test_webui_folder_with_its_embeddable_python_39(launcher_exe: Path, home_folder: Path,
                                                   browser: Path) -> None:
    root = webui_folder(home_folder / "RVC", launcher_exe)
    figures = exercise(root, browser, "webui")
    urls = desktop.recorded_urls(browser)
    assert "smoothing=0.987" in urls[0] and "tagFilter=g%2Ftotal" in urls[0]
    record_metrics(exe_bytes=launcher_exe.stat().st_size,
                   **{f"webui_{key}": value for key, value in figures.items()})


def test_applio_folder_with_its_python_312(launcher_exe: Path, home_folder: Path,
                                          browser: Path) -> None:
    root = applio_folder(home_folder / "Applio", launcher_exe)
    figures = exercise(root, browser, "applio")
    urls = desktop.recorded_urls(browser)
    assert "smoothing=0.5" in urls[0]
    record_metrics(**{f"applio_{key}": value for key, value in figures.items()})


def test_a_folder_with_an_ampersand_gets_a_message_box_and_nothing_is_created(
        launcher_exe: Path, tmp_path: Path, browser: Path) -> None:
    root = webui_folder(tmp_path / "R&D", launcher_exe)
    started = Started.double_click(root / EXE_NAME)
    boxes: list[desktop.Window] = []

    def box_shown() -> bool:
        boxes[:] = desktop.windows_of(process_tree(started.process.pid), desktop.DIALOG_CLASS)
        return bool(boxes) or started.process.wait(0) is not None

    assert wait_until(box_shown, 60), "no message box"
    assert boxes, f"the exe exited {started.process.wait(0)} without a message box"
    text = desktop.dialog_text(boxes[0].hwnd)
    assert "&" in text and str(root) in text, text
    desktop.press_ok(boxes[0].hwnd)
    assert started.process.wait(30) == 2
    started.process.close()
    assert not (root / "TensorBoardLauncher").exists()
    assert desktop.recorded_urls(browser) == []
