"""The system-tray shell: renders the core's state as icon, tooltip and menu; calls its actions.

pystray is imported lazily: with no display, importing it raises Xlib's DisplayNameError.
State callbacks arrive from any thread; they only store the state and wake the render thread,
which updates the icon at most a few times a second. Menu actions run on a worker thread so the
menu never waits on the core.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from launcher import winplatform
from launcher.core.state import AppState, Phase
from launcher.ui.icon import APP_TITLE, balloon_text, draw_icon, tooltip_text
from launcher.ui.menu import CoreView, MenuEntry, build_menu

if TYPE_CHECKING:
    import pystray

log = logging.getLogger(__name__)

RENDER_INTERVAL = 0.25  # seconds between icon updates at most: setup progress comes in bursts
RENDER_JOIN_TIMEOUT = 5.0
STOP_GRACE = 0.5  # seconds to wait for the event loop to end before nudging it
STOP_NUDGES = 10
MAX_PENDING_NOTIFICATIONS = 5


def tray_available() -> bool:
    """Whether pystray imports here (a display and a backend exist); else run headless."""
    try:
        import pystray  # noqa: F401
    except Exception as exc:  # Xlib.error.DisplayNameError is not an ImportError
        log.info("no system tray: %s: %s", type(exc).__name__, exc)
        return False
    return True


def title_for_backend(text: str, backend_module: str) -> str:
    """X11 window names are Latin-1 (python-xlib raises on anything else); other backends take
    any text."""
    if backend_module.endswith("_xorg"):
        return text.replace("…", "...").encode("latin-1", "replace").decode("latin-1")
    return text


def close_open_menu(icon: Any) -> None:
    """win32: a popup menu left open runs a modal loop in the icon's thread that the stop
    message never ends (under Wine the process then hung on exit); WM_CANCELMODE to the
    menu's owner window closes it, as clicking elsewhere would."""
    owner = getattr(icon, "_menu_hwnd", None)  # only pystray's win32 backend has one
    if owner:
        winplatform.cancel_menu_mode(owner)


def menu_text(text: str, windows: bool = sys.platform == "win32") -> str:
    """Win32 menus take "&" as a mnemonic marker; a model named "R&B" must show its "&"."""
    return text.replace("&", "&&") if windows else text


def to_pystray_items(entries: tuple[MenuEntry, ...], run_action: Callable[[Callable[[], None]],
                     None]) -> list[pystray.MenuItem]:
    """pystray items for `entries`; activating one hands its action to `run_action`."""
    import pystray

    items = []
    for entry in entries:
        if entry.separator:
            items.append(pystray.Menu.SEPARATOR)
            continue
        if entry.submenu:
            action: Any = pystray.Menu(*to_pystray_items(entry.submenu, run_action))
        else:
            action = _activation(entry, run_action)
        checked = None if entry.checked is None else (lambda _item, on=entry.checked: on)
        items.append(pystray.MenuItem(menu_text(entry.text), action, checked=checked,
                                      default=entry.default, enabled=entry.enabled))
    return items


def _activation(entry: MenuEntry, run_action: Callable[[Callable[[], None]], None]
                ) -> Callable[[Any, Any], None]:
    def activate(_icon: Any, _item: Any) -> None:
        # A click on the icon fires the default entry even when the menu shows it disabled.
        if entry.enabled and entry.action is not None:
            run_action(entry.action)

    return activate


class _BackgroundActions:
    """The core's actions, each run on the worker; Quit goes to the shell instead."""

    def __init__(self, shell: TrayShell) -> None:
        self._shell = shell
        self._core = shell.core

    def _later(self, action: Callable[[], None]) -> None:
        self._shell.run_action(action)

    def start_tensorboard(self) -> None:
        self._later(self._core.start_tensorboard)

    def stop_tensorboard(self) -> None:
        self._later(self._core.stop_tensorboard)

    def restart_tensorboard(self) -> None:
        self._later(self._core.restart_tensorboard)

    def open_dashboard(self, model: str | None = None) -> None:
        self._later(lambda: self._core.open_dashboard(model))

    def open_logs_folder(self) -> None:
        self._later(self._core.open_logs_folder)

    def open_launcher_log(self) -> None:
        self._later(self._core.open_launcher_log)

    def open_report(self, model: str) -> None:
        self._later(lambda: self._core.open_report(model))

    def set_auto_open(self, enabled: bool) -> None:
        self._later(lambda: self._core.set_auto_open(enabled))

    def quit(self) -> None:
        self._shell.request_quit()


class TrayShell:
    """A thin shell over the core: `run()` blocks until Quit (menu) or `stop()`."""

    def __init__(self, core: CoreView, on_visible: Callable[[], None] | None = None) -> None:
        self.core = core
        self.icon: pystray.Icon | None = None
        self._on_visible = on_visible
        self._state = core.state
        self._shown_phase: Phase | None = None
        self._images = {phase: draw_icon(phase) for phase in Phase}
        self._actions = _BackgroundActions(self)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tray-action")
        self._lock = threading.Lock()
        self._visible = False
        self._pending_notifications: list[tuple[str, str]] = []
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._quit_chosen = False
        self._icon_stop_started = False
        self._loop_done = threading.Event()
        self._render_thread: threading.Thread | None = None
        core.subscribe(self._on_state)
        core.on_notify(self._on_notify)

    # ---- lifecycle -----------------------------------------------------------------------

    def run(self) -> None:
        """Show the icon and handle its events in this thread until Quit or `stop()`."""
        import pystray

        if self._stopping.is_set():
            return
        self.icon = pystray.Icon(
            "rvc-tensorboard-launcher", icon=self._images[self._state.phase],
            title=tooltip_text(self._state), menu=pystray.Menu(self._menu_items))
        self._shown_phase = self._state.phase
        log.info("tray icon starting (backend %s)", type(self.icon).__module__)
        try:
            self.icon.run(setup=self._setup)
        finally:
            self._loop_done.set()
            self._stopping.set()
            self._dirty.set()
            self._stop_icon()
            self._worker.shutdown(wait=False, cancel_futures=True)
            log.info("tray icon stopped")
        if self._quit_chosen:
            self.core.quit()

    def stop(self) -> None:
        """Remove the icon and make `run()` return; safe from any thread or a signal handler."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._dirty.set()
        # Never stop from the caller's thread: it may be the event loop itself (a signal
        # handler in the main thread), and pystray's xorg backend would wait on itself.
        threading.Thread(target=self._stop_icon, name="tray-stop", daemon=True).start()

    def request_quit(self) -> None:
        """The menu's Quit: the icon goes at once; `run()` then asks the core to quit."""
        self._quit_chosen = True
        self.stop()

    def run_action(self, action: Callable[[], None]) -> None:
        if self._stopping.is_set():
            return
        try:
            self._worker.submit(self._run_logged, action)
        except RuntimeError:  # the worker shut down between the check and the submit
            log.info("tray is stopping; action dropped")

    @staticmethod
    def _run_logged(action: Callable[[], None]) -> None:
        try:
            action()
        except Exception:
            log.exception("tray action failed")

    def _setup(self, icon: pystray.Icon) -> None:
        icon.visible = True
        with self._lock:
            self._visible = True
            pending, self._pending_notifications = self._pending_notifications, []
        log.info("tray icon visible")
        self._render_thread = threading.Thread(target=self._render_loop, name="tray-render",
                                               daemon=True)
        self._render_thread.start()
        for title, message in pending:
            self._show_notification(title, message)
        if self._on_visible is not None:
            self._on_visible()
        if self._stopping.is_set():  # stop() came before the loop was running
            icon.stop()

    def _stop_icon(self) -> None:
        with self._lock:
            if self._icon_stop_started:
                return
            self._icon_stop_started = self.icon is not None
        render = self._render_thread
        if render is not None and render is not threading.current_thread():
            render.join(RENDER_JOIN_TIMEOUT)
        if self.icon is not None:
            close_open_menu(self.icon)
            try:
                self.icon.stop()
            except Exception:
                log.exception("could not stop the tray icon")
            self._nudge_until_loop_ends()

    def _nudge_until_loop_ends(self) -> None:
        """pystray's xorg backend sometimes leaves its DestroyWindow request unsent (a flush race
        in python-xlib between threads), so its loop would wait forever; flushing again sends it.
        """
        for _ in range(STOP_NUDGES):
            if self._loop_done.wait(STOP_GRACE):
                return
            display = getattr(self.icon, "_display", None)  # only the xorg backend has one
            if display is None:
                return
            log.info("tray loop still running after stop; flushing the X connection")
            display.flush()
        log.warning("the tray loop did not end after stop")

    # ---- rendering -----------------------------------------------------------------------

    def _menu_items(self) -> list[pystray.MenuItem]:
        return to_pystray_items(build_menu(self._state, self._actions), self.run_action)

    def _on_state(self, state: AppState) -> None:
        self._state = state
        self._dirty.set()

    def _render_loop(self) -> None:
        while True:
            self._dirty.wait()
            if self._stopping.is_set():
                return
            self._dirty.clear()
            try:
                self._render()
            except Exception:
                log.exception("tray update failed")
            if self._stopping.wait(RENDER_INTERVAL):
                return

    def _render(self) -> None:
        icon = self.icon
        if icon is None:
            return
        state = self._state
        if state.phase is not self._shown_phase:
            icon.icon = self._images[state.phase]
            self._shown_phase = state.phase
        icon.title = title_for_backend(tooltip_text(state), type(icon).__module__)
        icon.update_menu()

    # ---- notifications -------------------------------------------------------------------

    def _on_notify(self, title: str, message: str) -> None:
        with self._lock:
            if not self._visible:
                self._pending_notifications.append((title, message))
                del self._pending_notifications[:-MAX_PENDING_NOTIFICATIONS]
                return
        self._show_notification(title, message)

    def _show_notification(self, title: str, message: str) -> None:
        icon = self.icon
        if icon is None or self._stopping.is_set() or not icon.HAS_NOTIFICATION:
            log.info("notification (no balloon here): %s: %s", title, message)
            return
        title, message = balloon_text(title or APP_TITLE, message)
        try:
            icon.notify(message, title)
        except Exception:
            log.exception("could not show the notification %r", title)
