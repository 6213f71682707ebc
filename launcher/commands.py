"""What each CLI command does, over the core modules."""

from __future__ import annotations

import logging
import sys
import threading
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

from launcher import APP_NAME
from launcher.core.settings import Settings
from launcher.i18n import _
from launcher.rvc.folder import RvcFolder

if TYPE_CHECKING:
    from launcher.core.app import LauncherCore
    from launcher.core.earlystart import EarlyStart

log = logging.getLogger(__name__)


def _say(line: str) -> None:
    log.info(line)
    if sys.stdout is not None:
        print(line, flush=True)


def report(rvc: RvcFolder, model: str | None, as_json: bool) -> int:
    from launcher.advisor.analysis import Advisor
    from launcher.advisor.report import render_json, render_table

    settings = Settings.load(rvc.paths.settings_file)
    reports = Advisor(rvc, tolerance=settings.advisor_tolerance,
                      patience_fraction=settings.advisor_patience_fraction,
                      smoothing=settings.smoothing).refresh()
    if model is not None:
        if model not in reports:
            known = ", ".join(sorted(reports)) or _("none")
            print(_("No model named {model!r} in {folder} (models found: {known}).").format(
                  model=model, folder=rvc.logs_dir, known=known), file=sys.stderr)
            return 2
        reports = {model: reports[model]}
    chosen = list(reports.values())
    print(render_json(chosen) if as_json else render_table(chosen))
    return 0


def setup(rvc: RvcFolder, python: Path | None) -> int:
    from launcher.core.app import LauncherCore, legacy_venv_message
    from launcher.util.errors import SetupError

    if rvc.has_legacy_venv():
        _say(legacy_venv_message(rvc))
    core = LauncherCore(rvc, Settings.load(rvc.paths.settings_file), base_python=python)
    core.subscribe(lambda state: _say(state.message) if state.message else None)
    try:
        venv_python = core.prepare_venv()
    except SetupError as exc:
        print(str(exc), file=sys.stderr)
        log.error("setup failed: %s", exc)
        return 1
    _say(_("TensorBoard environment ready: {python}").format(python=venv_python))
    return 0


def run(rvc: RvcFolder, python: Path | None, tray: bool, browser: bool, windowed: bool,
        demo_training: bool = False, early: EarlyStart | None = None) -> int:
    """`early`: the lock and the TensorBoard that `python -m launcher` took and started before
    loading the rest (launcher.core.earlystart), for this folder."""
    from launcher.core.app import LauncherCore
    from launcher.core.bootloader import watch_bootloader
    from launcher.core.instance import SingleInstance, request_open_dashboard
    from launcher.ui.messages import show_error

    if early is not None and early.root != rvc.root:
        early.abandon()
        early = None
    instance = early.instance if early is not None else SingleInstance(rvc.paths)
    if not instance.acquire():
        if request_open_dashboard(rvc.paths):
            _say(_("{app} is already running for {folder}; asked it to open the dashboard.").format(
                app=APP_NAME, folder=rvc.root))
            return 0
        show_error(_("Another {app} holds {file} but does not answer. "
                   "Close it (or end it in Task Manager) and try again.").format(
                   app=APP_NAME, file=rvc.paths.lock_file), windowed)
        return 1
    settings = Settings.load(rvc.paths.settings_file)
    open_url = webbrowser.open if browser else _log_url
    core = LauncherCore(rvc, settings, base_python=python, open_url=open_url,
                        open_on_ready=browser and tray,
                        early_tensorboard=early.take_tensorboard() if early else None)
    instance.serve(core.open_dashboard)
    watch_bootloader(core.quit_requested)
    if demo_training:
        _start_demo_training(core)
    try:
        if tray and _tray_available():
            return _run_tray(core)
        if tray:
            log.info("no system tray available here; running headless")
        from launcher.ui.headless import run_headless

        return run_headless(core)
    finally:
        core.shutdown()
        instance.release()


def _start_demo_training(core: LauncherCore, delay: float = 8.0) -> None:
    """In the demo, a model starts "training" a little after TensorBoard is up."""
    from launcher.events.demo import simulate_training

    def train() -> None:
        while core.state.url is None:
            if core.quit_requested.wait(0.5):
                return
        _say(_("Demo: model 'Live' starts training in {seconds} s").format(seconds=f"{delay:.0f}"))
        if not core.quit_requested.wait(delay):
            simulate_training(core.rvc.root, "Live", epochs=3000, seconds_per_epoch=1.0,
                              stop=core.quit_requested)

    threading.Thread(target=train, name="demo-training", daemon=True).start()


def _log_url(url: str) -> bool:
    _say(_("Open in your browser: {url}").format(url=url))
    return True


def _tray_available() -> bool:
    from launcher.ui.tray import tray_available

    return tray_available()


def _run_tray(core: LauncherCore) -> int:
    import signal

    from launcher import winplatform
    from launcher.ui.tray import TrayShell

    shell = TrayShell(core)

    def stop_on_quit() -> None:
        core.quit_requested.wait()
        shell.stop()

    threading.Thread(target=stop_on_quit, name="tray-quit", daemon=True).start()
    if threading.current_thread() is threading.main_thread():
        for signum in winplatform.stop_signals():
            signal.signal(signum, lambda *_: core.quit_requested.set())
    core.start()
    shell.run()
    return 1 if core.setup_error is not None else 0
