"""The launcher's core: setup, TensorBoard, training watch and advice, with no UI of its own.

The tray and the headless CLI are thin shells: they render `state` and call the CoreActions.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from launcher import APP_NAME
from launcher.core.advice import AdvicePublisher, advice_document
from launcher.core.desktop import open_path, show_in_folder
from launcher.core.settings import Settings
from launcher.core.state import AppState, Phase
from launcher.core.watcher import TrainingWatcher
from launcher.i18n import _
from launcher.rvc.folder import RvcFolder
from launcher.tensorboard.dashboard import (
    BrowserOpener,
    dashboard_url,
    plugin_listed,
    start_page_url,
)
from launcher.tensorboard.process import StartedTensorBoard, same_path, window_title_for
from launcher.tensorboard.supervisor import TBState, TensorBoardSupervisor
from launcher.tensorboard.venv import TensorBoardVenv
from launcher.util.errors import SetupError, internal_failure

if TYPE_CHECKING:
    from launcher.advisor.analysis import Advisor, ModelReport

log = logging.getLogger(__name__)

StateListener = Callable[[AppState], None]
NotifyListener = Callable[[str, str], None]

_PHASE_OF = {
    TBState.STOPPED: Phase.STOPPED,
    TBState.STARTING: Phase.STARTING,
    TBState.BACKOFF: Phase.STARTING,
    TBState.RUNNING: Phase.RUNNING,
    TBState.STOPPING: Phase.STOPPED,
    TBState.FAILED: Phase.ERROR,
}


def legacy_venv_message(rvc: RvcFolder) -> str:
    return (_("Found {folder}\\ from TensorVENV.bat: the launcher does "
            "not use it (its TensorBoard 2.1.0 shows a blank page on some Windows machines); "
            "you can delete that folder.").format(folder=rvc.paths.legacy_venv_dir.name))


class LauncherCore:
    """Owns every moving part; shells see only `state`, `subscribe`, `on_notify`, the actions."""

    def __init__(
        self,
        rvc: RvcFolder,
        settings: Settings,
        *,
        base_python: Path | None = None,
        open_url: Callable[[str], object] = webbrowser.open,
        open_file: Callable[[Path], None] = open_path,
        open_on_ready: bool = True,
        advice_delay: float = 2.0,
        early_tensorboard: StartedTensorBoard | None = None,
    ) -> None:
        self.rvc = rvc
        self.settings = settings
        self._base_python_override = base_python
        self._open_file = open_file
        self._opener = BrowserOpener(open_url)
        self._open_on_ready = open_on_ready
        self._advice_delay = advice_delay  # after a change, to take a burst of writes at once
        self._lock = threading.RLock()
        self._state = AppState(auto_open=settings.auto_open)
        self._state_listeners: list[StateListener] = []
        self._notify_listeners: list[NotifyListener] = []
        self._supervisor: TensorBoardSupervisor | None = None
        self._venv: TensorBoardVenv | None = None
        self._early = early_tensorboard  # started by launcher.core.earlystart: adopt or end it
        # PyTorch's writer flushes every 120 s and the WebUI logs every 200 steps, so only a
        # long silence on the same event file counts as a new training session.
        self._watcher = TrainingWatcher(rvc.logs_dir, self._on_training_started,
                                        pause_for_new_session=600.0,
                                        on_files_changed=self._on_files_changed,
                                        new_since=time.time())
        self._advice_due = threading.Event()  # some model's event files changed
        self._advisor: Advisor | None = None
        self._tensorboard_settled = threading.Event()  # first RUNNING or FAILED
        self._reports: dict[str, ModelReport] = {}
        self._advice = AdvicePublisher(rvc.paths.advice_file)
        self._plugin_listed = False  # whether the serving TensorBoard has the launcher's plugin
        self._warned_overtraining: set[str] = set()
        self._pending_open: list[str | None] = []
        self._ever_ready = False
        self._quit = threading.Event()
        self.setup_error: str | None = None

    # ---- observation -------------------------------------------------------------------

    @property
    def state(self) -> AppState:
        return self._state

    @property
    def smoothing(self) -> float:
        chosen = self.settings.smoothing
        return self.rvc.distribution.smoothing if chosen is None else chosen

    @property
    def quit_requested(self) -> threading.Event:
        return self._quit

    def subscribe(self, callback: StateListener) -> None:
        self._state_listeners.append(callback)

    def on_notify(self, callback: NotifyListener) -> None:
        self._notify_listeners.append(callback)

    def _update(self, **changes: object) -> None:
        with self._lock:
            self._state = dataclasses.replace(self._state, **changes)  # type: ignore[arg-type]
            state = self._state
        if changes.get("message"):
            log.info("%s: %s", state.phase.value, state.message)
        for listener in list(self._state_listeners):
            try:
                listener(state)
            except Exception:
                log.exception("state listener failed")

    def _notify(self, title: str, message: str) -> None:
        log.info("notification: %s: %s", title, message)
        for listener in list(self._notify_listeners):
            try:
                listener(title, message)
            except Exception:
                log.exception("notify listener failed")

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Set up (in the background) and start everything; returns at once."""
        self._spawn(self._bootstrap, "launcher-setup")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        threading.Thread(target=target, name=name, daemon=True).start()

    def _bootstrap(self) -> None:
        if self.rvc.has_legacy_venv():
            self._notify(APP_NAME, legacy_venv_message(self.rvc))
        if not self.rvc.has_logs():
            log.info("%s does not exist yet; waiting for training to create it", self.rvc.logs_dir)
        try:
            python = self.prepare_venv()
        except SetupError as exc:
            self._end_early()
            self.setup_error = str(exc)
            self._update(phase=Phase.ERROR, message=str(exc))
            self._notify(_("Setup failed"), str(exc))
            return
        with self._lock:  # shutdown() may run at any moment; it takes this lock too
            if self._quit.is_set():
                self._end_early()
                return
            self._supervisor = TensorBoardSupervisor(
                python, self.rvc.logs_dir,
                log_file=self.rvc.paths.tensorboard_log_file,
                preferred_port=self.settings.last_port or self.settings.preferred_port,
                window_title=window_title_for(self.rvc.root),
                on_change=self._on_tensorboard_change,
                adopt=self._take_early(python),
            )
            self._supervisor.start()
            self._spawn(self._watch_training, "launcher-watch")
            self._spawn(self._advisor_loop, "launcher-advisor")

    def _take_early(self, python: Path) -> StartedTensorBoard | None:
        """The early TensorBoard, if it runs the venv's python; else it is ended."""
        with self._lock:
            early, self._early = self._early, None
        if early is not None and not same_path(early.python, python):
            log.info("The early TensorBoard runs %s, not %s: ending it", early.python, python)
            early.end()
            return None
        return early

    def _end_early(self) -> None:
        """Before the venv is touched (Windows cannot replace files a running python holds)."""
        with self._lock:
            early, self._early = self._early, None
        if early is not None:
            log.info("Ending the early TensorBoard (pid %d): not wanted now", early.process.pid)
            early.end()

    def _watch_training(self) -> None:
        """Start the watcher once TensorBoard is up: its first scan stays off TensorBoard's
        start (training already running then is still caught: its file keeps growing)."""
        self._tensorboard_settled.wait(5.0)
        if not self._quit.is_set():
            self._watcher.start()
            if self._quit.is_set():  # shutdown() ran meanwhile and may have missed it
                self._watcher.stop()

    def prepare_venv(self) -> Path:
        """Find a base Python and make sure the TensorBoard venv is ready; raises SetupError,
        an InternalError for a crash of the launcher's own code."""
        try:
            return self._prepare_venv()
        except SetupError:
            raise
        except Exception as exc:
            log.exception("setup crashed")
            raise internal_failure(_("setting up TensorBoard"), exc,
                                   self.rvc.paths.log_file) from exc

    def _prepare_venv(self) -> Path:
        venv_dir = self.rvc.paths.venv_dir
        built = None
        if self._base_python_override is None:
            built = TensorBoardVenv.already_built(venv_dir)
        if built is None:
            self._end_early()
            from launcher.tensorboard.interpreter import find_base_interpreter

            built = TensorBoardVenv(venv_dir,
                                    find_base_interpreter(self.rvc, self._base_python_override))
        venv = self._venv = built
        if venv.is_ready():
            return venv.python
        self._end_early()
        if venv.tensorboard_ready():  # a venv from an older launcher: only the plugin is due
            self._update(phase=Phase.SETTING_UP,
                         message=_("Updating the launcher's TensorBoard plugin"))
            return venv.ensure(progress=self._show_progress)
        self._update(phase=Phase.SETTING_UP, message=_("Preparing TensorBoard (first run only)"))
        self._notify(APP_NAME, _("Setting up TensorBoard; this takes a minute the first time."))
        python = venv.ensure(progress=self._show_progress)
        self._notify(APP_NAME, _("TensorBoard is installed."))
        return python

    def _show_progress(self, line: str) -> None:
        self._update(message=line)

    def shutdown(self) -> None:
        self._quit.set()
        self._advice_due.set()
        self._end_early()
        if self._venv is not None:
            self._venv.cancel()
        with self._lock:
            supervisor = self._supervisor
        self._watcher.stop()
        if supervisor is not None:
            supervisor.stop()

    # ---- TensorBoard and training events -----------------------------------------------

    def _on_tensorboard_change(self, tb_state: TBState, message: str) -> None:
        phase = _PHASE_OF[tb_state]
        url = self._supervisor.url if self._supervisor else None
        if tb_state is TBState.RUNNING:  # before the state goes out: shells show dashboard_link
            self._plugin_listed = url is not None and self._serves_plugin(url)
        if phase is Phase.RUNNING and self._state.model is not None:
            phase = Phase.TRAINING
        self._update(phase=phase, message=message, url=url if phase in
                     (Phase.RUNNING, Phase.TRAINING) else None)
        if tb_state in (TBState.RUNNING, TBState.FAILED):
            self._tensorboard_settled.set()
        if tb_state is TBState.FAILED:
            if self._supervisor is not None and self._supervisor.environment_broken \
                    and self._venv is not None:
                self._venv.mark_broken()
            self._notify(_("TensorBoard failed"), message)
        if tb_state is TBState.RUNNING:
            self._remember_port()
            self._on_ready()

    def _serves_plugin(self, url: str) -> bool:
        """Our own TensorBoard loads every plugin installed in its venv, and the launcher's is
        always active: the marker says, with no round trip while the dashboard waits. Another
        launcher's TensorBoard is asked."""
        supervisor, venv = self._supervisor, self._venv
        if supervisor is not None and not supervisor.reused and venv is not None:
            return venv.has_plugin()
        return plugin_listed(url)

    def _remember_port(self) -> None:
        """Keep the served port for next time; say so when last time's port was taken."""
        port = self._supervisor.port if self._supervisor else None
        last = self.settings.last_port
        if port is None or port == last:
            return
        if last is not None:
            self._notify(_("TensorBoard moved to another port"),
                         _("Port {last}, used last time, is taken by another program, so "
                           "TensorBoard now runs on port {port}. The dashboard's own settings "
                           "belong to the old port: the launcher sets Reload data and ignore "
                           "outliers again; anything else you changed there starts fresh.").format(
                               last=last, port=port))
        self.settings.last_port = port
        try:
            self.settings.save(self.rvc.paths.settings_file)
        except OSError as exc:
            log.warning("could not remember port %s in %s: %s", port,
                        self.rvc.paths.settings_file, exc)

    def _on_ready(self) -> None:
        first = not self._ever_ready
        self._ever_ready = True
        with self._lock:
            pending, self._pending_open = self._pending_open, []
        if first:
            self._notify(APP_NAME, _("TensorBoard is ready at {url}").format(url=self._state.url))
            if self._open_on_ready and not pending:
                pending = [None]
        for model in dict.fromkeys(pending):
            self.open_dashboard(model)

    def _on_training_started(self, model: str) -> None:
        phase = Phase.TRAINING if self._state.phase is Phase.RUNNING else self._state.phase
        self._update(model=model, phase=phase,
                     message=_("Training detected: {model}").format(model=model))
        self._notify(_("Training started"), _("{model} is training.").format(model=model))
        tb_state = self._supervisor.state if self._supervisor else None
        if tb_state in (TBState.STOPPED, TBState.FAILED):
            self.start_tensorboard()
        if self.settings.auto_open:
            self.open_dashboard(model)

    @property
    def advisor(self) -> Advisor:
        """Built on first use: its imports and first read stay off TensorBoard's start."""
        with self._lock:
            if self._advisor is None:
                from launcher.advisor.analysis import Advisor

                self._advisor = Advisor(
                    self.rvc, tolerance=self.settings.advisor_tolerance,
                    patience_fraction=self.settings.advisor_patience_fraction,
                    smoothing=self.settings.smoothing)
            return self._advisor

    def _on_files_changed(self, models: set[str]) -> None:
        self._advice_due.set()

    def _advisor_loop(self) -> None:
        """Advise once at start, then only when the watcher saw event files change."""
        self._tensorboard_settled.wait(5.0)
        while not self._quit.is_set():
            self.refresh_advice()
            self._advice_due.wait()
            if self._quit.wait(self._advice_delay):
                return
            self._advice_due.clear()

    def refresh_advice(self) -> dict[str, ModelReport]:
        try:
            reports = self.advisor.refresh()
        except Exception:
            log.exception("advisor refresh failed")
            return self._reports
        self._reports = reports
        self._publish_advice(reports)
        from launcher.core.summaries import notification, to_summary

        self._update(models=tuple(to_summary(r) for r in reports.values()))
        for name, report in reports.items():
            if report.verdict == "overtraining" and name not in self._warned_overtraining:
                self._warned_overtraining.add(name)
                self._notify(_("{model} is overtraining").format(model=name),
                             notification(report))
        return reports

    def _publish_advice(self, reports: dict[str, ModelReport]) -> None:
        """The RVC tab's advice file and plots, brought up to date with `reports`."""
        paths = self.rvc.paths
        try:
            self._advice.update(
                reports, draw_plot=self.write_plot,
                document=lambda: advice_document(
                    reports, smoothing=self.smoothing, tag_filter=self.settings.tag_filter,
                    rvc_folder=self.rvc.root, reports_dir=paths.reports_dir))
        except OSError as exc:
            log.warning("could not write the advice for the RVC tab to %s: %s",
                        paths.advice_file, exc)

    # ---- actions (CoreActions) ---------------------------------------------------------

    def start_tensorboard(self) -> None:
        if self._supervisor is not None:
            self._supervisor.start()

    def stop_tensorboard(self) -> None:
        if self._supervisor is not None:
            self._spawn(self._supervisor.stop, "launcher-stop")

    def restart_tensorboard(self) -> None:
        if self._supervisor is not None:
            self._spawn(self._supervisor.restart, "launcher-restart")

    def open_dashboard(self, model: str | None = None) -> None:
        url = self._state.url
        if url is None:
            with self._lock:
                self._pending_open.append(model)
            log.info("dashboard requested before TensorBoard is ready; opening when it is")
            return
        full = self.dashboard_link(url, model)
        if self._opener.open(full):
            log.info("opened %s", full)

    def dashboard_link(self, url: str, model: str | None = None) -> str:
        """The preset dashboard URL for TensorBoard at `url`, through the plugin's start page
        (which also turns on Reload data) when that TensorBoard has the plugin."""
        full = dashboard_url(url, smoothing=self.smoothing, tag_filter=self.settings.tag_filter,
                             model=model)
        return start_page_url(full) if self._plugin_listed else full

    def open_logs_folder(self) -> None:
        folder = self.rvc.logs_dir if self.rvc.has_logs() else self.rvc.root
        self._open_file(folder)

    def open_launcher_log(self) -> None:
        self._open_file(self.rvc.paths.log_file)

    def show_weight_file(self, path: Path) -> None:
        show_in_folder(path)

    def open_report(self, model: str) -> None:
        path = self.write_plot(model)
        if path is not None:
            self._open_file(path)

    def write_plot(self, model: str) -> Path | None:
        from launcher.advisor.plot import write_plot

        report = self._reports.get(model) or self.refresh_advice().get(model)
        if report is None:
            return None
        scalars = self.advisor.scalars(model)
        target = self.rvc.paths.reports_dir / f"{model}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        # Drawn beside it and renamed over it: the RVC tab may be reading the old one.
        drawn = write_plot(model, scalars, report, target.with_name(f".{model}.tmp.png"),
                           smoothing=self.smoothing)
        os.replace(drawn, target)
        return target

    def set_auto_open(self, enabled: bool) -> None:
        self.settings.auto_open = enabled
        self.settings.save(self.rvc.paths.settings_file)
        self._update(auto_open=enabled)

    def quit(self) -> None:
        self._update(message=_("Quitting"))
        self.shutdown()
