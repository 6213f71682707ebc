"""The tray shell: real pystray (xorg backend) on a real X server (Xvfb) in a child process.

The child runs TrayShell over a stand-in core, reads commands on stdin (set a state, click the
icon, pick a menu entry) and prints what the core was asked to do. The X window's name is the
tooltip, so `xwininfo` shows the first one (pystray's xorg backend does not flush later renames).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from launcher.core.state import Phase
from launcher.ui.icon import PHASE_COLOURS
from launcher.ui.menu import MenuEntry
from tests.helpers import is_gone, wait_until

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("xwininfo") is None,
                                reason="needs Xvfb and xwininfo (apt-get install xvfb x11-utils)")

CHILD = r'''
import logging, signal, sys, threading
from launcher.core.state import AppState, Phase
from launcher.ui.tray import TrayShell

logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")


SAY_LOCK = threading.Lock()


def say(line):
    with SAY_LOCK:  # actions print from the tray's worker thread too
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class StandInCore:
    """Implements CoreView: a state, listeners, and actions that print what they were asked."""

    def __init__(self):
        self._state = AppState()
        self._listeners = []
        self._notify = []

    @property
    def state(self):
        return self._state

    def subscribe(self, callback):
        self._listeners.append(callback)

    def on_notify(self, callback):
        self._notify.append(callback)

    def set(self, **changes):
        import dataclasses
        self._state = dataclasses.replace(self._state, **changes)
        for listener in self._listeners:
            listener(self._state)

    def notify(self, title, message):
        for listener in self._notify:
            listener(title, message)

    def __getattr__(self, name):
        def action(*args):
            say(f"action {name} {' '.join(map(str, args))}".rstrip())
        return action


core = StandInCore()
shell = TrayShell(core, on_visible=lambda: say("icon visible"))
core.notify("Setting up", "before the icon exists")
signal.signal(signal.SIGTERM, lambda *_: shell.stop())


def find(items, text):
    for item in items:
        if item.text == text:
            return item
        if item.submenu is not None:
            found = find(item.submenu.items, text)
            if found is not None:
                return found
    return None


def commands():
    for line in sys.stdin:
        verb, _, rest = line.strip().partition(" ")
        if verb == "phase":
            name, _, url = rest.partition(" ")
            core.set(phase=Phase[name], url=url or None, message=f"now {name}")
        elif verb == "message":
            core.set(message=rest)
        elif verb == "click":
            shell.icon()  # what pystray does on a left click: the default entry
        elif verb == "menu":
            item = find(shell.icon.menu.items, rest)
            say(f"menu {rest}: enabled={item.enabled} checked={item.checked}")
            item(shell.icon)
        elif verb == "show":  # what the tray rendered: tooltip and icon background colour
            colour = shell.icon.icon.getpixel((51, 12))[:3]
            say(f"shown {shell.icon.title!r} {colour}")
        say(f"done {verb}")


threading.Thread(target=commands, daemon=True).start()
shell.run()
say("run returned")
'''


class Child:
    """The tray child process, with its stdout lines collected by a reader thread."""

    def __init__(self, display: str) -> None:
        env = {**os.environ, "DISPLAY": display, "PYSTRAY_BACKEND": "xorg",
               "PYTHONPATH": str(REPO)}
        self.display = display
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD], env=env, cwd=REPO, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        verb = command.split(" ", 1)[0]
        done = sum(line == f"done {verb}" for line in self.lines)
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        assert wait_until(lambda: sum(line == f"done {verb}" for line in self.lines) > done,
                          timeout=10), (command, self.lines)

    def wait_shown(self, expected: str, timeout: float = 10) -> None:
        """Ask the child what it shows until it is `expected` (renders are throttled)."""
        def shown() -> bool:
            self.send("show")
            return f"shown {expected}" in self.lines

        assert wait_until(shown, timeout, interval=0.2), (expected, self.lines[-3:])

    def wait_for(self, line: str, timeout: float = 20) -> None:
        assert wait_until(lambda: line in self.lines or self.process.poll() is not None,
                          timeout=timeout)
        assert line in self.lines, (line, self.lines, self.stderr())

    def window_names(self) -> str:
        tree = subprocess.run(["xwininfo", "-root", "-tree", "-display", self.display],
                              capture_output=True, text=True, timeout=10, check=True)
        return tree.stdout

    def finish(self, timeout: float = 20) -> tuple[int, str]:
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code, self.stderr()

    def stderr(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        assert self.process.stderr is not None
        return self.process.stderr.read()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def child(display: str) -> Iterator[Child]:
    process = Child(display)
    try:
        yield process
    finally:
        process.kill()


@pytest.mark.timeout(90)
def test_icon_shows_follows_the_state_and_leaves_on_sigterm(child: Child) -> None:
    child.wait_for("icon visible")
    assert wait_until(lambda: "RVC TensorBoard: setting up" in child.window_names(), 10)

    child.send("message Installing tensorboard==2.21.0")
    child.wait_shown("'RVC TensorBoard: setting up\\nInstalling tensorboard==2.21.0' "
                     f"{PHASE_COLOURS[Phase.SETTING_UP]}")
    child.send("phase RUNNING http://127.0.0.1:6123/")
    child.wait_shown(f"'RVC TensorBoard: running\\nhttp://127.0.0.1:6123/' "
                     f"{PHASE_COLOURS[Phase.RUNNING]}")

    child.process.send_signal(signal.SIGTERM)
    code, stderr = child.finish()
    assert code == 0, stderr
    assert child.lines[-1] == "run returned"
    assert not any(line.startswith("action ") for line in child.lines)  # stop() is not Quit
    assert "tray icon stopped" in stderr
    # xorg has no balloons: the notification sent before the icon existed went to the log.
    assert "notification (no balloon here): Setting up: before the icon exists" in stderr
    assert "RVC TensorBoard" not in child.window_names()
    assert is_gone(child.process.pid)


@pytest.mark.timeout(90)
def test_click_opens_the_dashboard_only_when_tensorboard_serves(child: Child) -> None:
    child.wait_for("icon visible")
    child.send("click")  # setting up: Open dashboard is disabled, the click does nothing
    child.send("phase RUNNING http://127.0.0.1:6123/")
    child.send("click")
    child.wait_for("action open_dashboard None")
    assert [line for line in child.lines if line.startswith("action")] == [
        "action open_dashboard None"]

    child.send("menu Auto-open when training starts")
    child.wait_for("action set_auto_open False")
    assert "menu Auto-open when training starts: enabled=True checked=True" in child.lines

    child.send("phase STOPPED")
    child.send("menu Start TensorBoard")
    child.wait_for("action start_tensorboard")

    child.send("menu Quit")
    code, stderr = child.finish()
    assert code == 0, stderr
    assert child.lines[-2:] == ["action quit", "run returned"]
    assert "RVC TensorBoard" not in child.window_names()


def test_tray_is_unavailable_without_a_display() -> None:
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    env.update(PYSTRAY_BACKEND="xorg", PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-c", "from launcher.ui.tray import tray_available; "
                               "print(tray_available())"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"


# ---- in-process, with pystray's dummy backend (no display needed) ---------------------------


@pytest.fixture
def pystray_module(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    import pystray

    return pystray


def test_entries_become_pystray_items(pystray_module: Any) -> None:
    from launcher.ui.tray import to_pystray_items

    ran: list[str] = []
    entries = (
        MenuEntry("Status", enabled=False),
        MenuEntry("", separator=True),
        MenuEntry("Open dashboard", lambda: ran.append("open"), default=True),
        MenuEntry("Disabled default", lambda: ran.append("disabled"), enabled=False),
        MenuEntry("Toggle", lambda: ran.append("toggle"), checked=False),
        MenuEntry("Models", submenu=(MenuEntry("Aria", lambda: ran.append("aria")),)),
    )
    items = to_pystray_items(entries, lambda action: action())
    status, separator, dashboard, disabled, toggle, models = items
    assert separator is pystray_module.Menu.SEPARATOR
    assert (status.text, status.enabled) == ("Status", False)
    assert dashboard.default and not toggle.default
    assert toggle.checked is False and dashboard.checked is None
    for item in (dashboard, disabled, toggle, models.submenu.items[0]):
        item(None)
    assert ran == ["open", "toggle", "aria"]


def test_ampersands_are_escaped_for_win32_menus() -> None:
    from launcher.ui.tray import menu_text

    assert menu_text("R&B: improving", windows=True) == "R&&B: improving"
    assert menu_text("R&B: improving", windows=False) == "R&B: improving"


def test_stop_before_run_makes_run_return_at_once(pystray_module: Any) -> None:
    from launcher.core.state import AppState
    from launcher.ui.tray import TrayShell

    class Core:
        state = AppState()

        def subscribe(self, callback: Any) -> None:
            pass

        def on_notify(self, callback: Any) -> None:
            pass

    shell = TrayShell(Core())  # type: ignore[arg-type]
    shell.stop()
    finished = threading.Event()
    threading.Thread(target=lambda: (shell.run(), finished.set()), daemon=True).start()
    assert finished.wait(5)
    assert shell.icon is None


def test_xorg_titles_are_latin1_and_other_backends_keep_unicode() -> None:
    from launcher.ui.tray import title_for_backend

    text = "setting up\nInstalling TensorBoard 2.21.0… ✓ Ünïcode"
    xorg = title_for_backend(text, "pystray._xorg")
    xorg.encode("latin-1")  # raises if python-xlib would
    assert "Installing TensorBoard 2.21.0..." in xorg and "Ünïcode" in xorg
    assert title_for_backend(text, "pystray._win32") == text
