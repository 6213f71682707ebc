"""The headless shell: the same core, with state changes printed to the console."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

from launcher import winplatform
from launcher.core.app import LauncherCore
from launcher.core.state import AppState, Phase
from launcher.tensorboard.dashboard import dashboard_url


class ConsolePrinter:
    """Prints each new phase or message once, and the dashboard URL when TensorBoard serves."""

    def __init__(self, core: LauncherCore, out=None) -> None:
        self._core = core
        self._out = out or sys.stdout
        self._last: tuple[Phase, str, str | None] | None = None
        self._lock = threading.Lock()

    def __call__(self, state: AppState) -> None:
        key = (state.phase, state.message, state.url)
        with self._lock:
            if key == self._last:
                return
            previous_url = self._last[2] if self._last else None
            url_is_new = state.url is not None and state.url != previous_url
            self._last = key
            self.say(f"[{state.phase.value}] {state.message}")
            if url_is_new and state.url is not None:
                full = dashboard_url(state.url, smoothing=self._core.smoothing,
                                     tag_filter=self._core.settings.tag_filter)
                self.say(f"Dashboard: {full}")

    def notify(self, title: str, message: str) -> None:
        with self._lock:
            self.say(f"* {title}: {message}")

    def say(self, line: str) -> None:
        if self._out is not None:
            print(line, file=self._out, flush=True)


def run_headless(core: LauncherCore) -> int:
    """Run until Ctrl+C or SIGTERM; everything is stopped before returning."""
    printer = ConsolePrinter(core)
    core.subscribe(printer)
    core.on_notify(printer.notify)

    def request_quit(signum: int, frame: FrameType | None) -> None:
        core.quit_requested.set()

    for signum in winplatform.stop_signals():
        signal.signal(signum, request_quit)
    core.start()
    while not core.quit_requested.wait(0.5):
        if core.setup_error is not None:
            break
    printer.say("Stopping TensorBoard…")
    core.shutdown()
    printer.say("Stopped.")
    return 1 if core.setup_error is not None else 0
