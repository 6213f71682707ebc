"""Keeps one TensorBoard serving a logdir: start, health checks, restart with backoff, stop.

Shaped like supervisord's process states: one state at a time, every change through
`_change_state` (logs and notifies), fast crashes back off 1, 2, 4 ... s and after
`max_fast_crashes` in a row end in FAILED instead of looping. A crash after `stable_after`
seconds of serving resets the count.

Ports: TensorBoard gets an explicit port (6006 when free). If another program binds it between
our check and TensorBoard's bind, TensorBoard exits with "could not bind" and the supervisor
asks again with that port excluded, without counting a crash.

Reuse: a live TensorBoard of ours for the same logdir (another launcher's) is attached to, not
duplicated; `stop()` then only detaches, so a second launcher never kills the first one's
TensorBoard. If that TensorBoard goes away, the supervisor starts its own.

The logdir need not exist: TensorBoard serves an empty dashboard and picks up runs once
training creates the folder, so nothing is created here.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path

from launcher import winplatform
from launcher.i18n import _
from launcher.rvc import paths
from launcher.tensorboard import info as tbinfo
from launcher.tensorboard import ports
from launcher.tensorboard.exitcodes import cannot_start
from launcher.tensorboard.outcome import Ending, Outcome
from launcher.tensorboard.process import (
    SpawnPlan,
    StartedTensorBoard,
    TensorBoardProcess,
    build_command,
    child_env,
    fetch_logdir,
    is_bind_error,
    same_path,
    spawn,
    spawn_plan,
    url_for,
)

log = logging.getLogger(__name__)

READY, INTERRUPTED = Outcome(Ending.READY), Outcome(Ending.INTERRUPTED)
BIND, HUNG = Outcome(Ending.BIND), Outcome(Ending.HUNG)


class TBState(Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    BACKOFF = "backoff"
    FAILED = "failed"


class TensorBoardSupervisor:
    """Runs TensorBoard for `logdir` from one background thread until `stop()`.

    `url` is set only while RUNNING; `port` keeps the last port served. `reused` is True while
    attached to another launcher's TensorBoard. The keyword options after `ready_timeout` tune
    health checks, backoff and the spawn plan (tests shorten them).
    """

    def __init__(self, python: Path, logdir: Path, *, log_file: Path, preferred_port: int = 6006,
                 window_title: str = "RVC TensorBoard",
                 on_change: Callable[[TBState, str], None] | None = None,
                 extra_args: Sequence[str] = (), ready_timeout: float = 60.0,
                 health_interval: float = 5.0, health_failures: int = 3,
                 http_timeout: float = 2.0, backoff_base: float = 1.0, backoff_cap: float = 30.0,
                 stable_after: float = 30.0, max_fast_crashes: int = 5, stop_grace: float = 3.0,
                 plan: SpawnPlan | None = None, adopt: StartedTensorBoard | None = None
                 ) -> None:
        self.python = python
        self.logdir = Path(os.path.abspath(logdir))
        self.log_file = log_file
        self.preferred_port = preferred_port
        self.window_title = window_title
        self.extra_args = tuple(extra_args)
        self.ready_timeout = ready_timeout
        self.health_interval = health_interval
        self.health_failures = health_failures
        self.http_timeout = http_timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.stable_after = stable_after
        self.max_fast_crashes = max_fast_crashes
        self.stop_grace = stop_grace
        self.plan = plan or spawn_plan()
        self._on_change = on_change
        self._state = self._announced = TBState.STOPPED
        self._changed = threading.Condition()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._process: TensorBoardProcess | None = None
        self._job: winplatform.KillOnCloseJob | None = adopt.job if adopt else None
        self._adopted = adopt  # started before this supervisor: its first start takes it over
        self._stop_requested = False
        self._restart_requested = False
        self._fast_crashes = 0
        self._bad_ports: set[int] = set()
        self.port: int | None = None
        self.last_error = ""
        self.reused = False
        # Set when the venv's python itself cannot start (a DLL missing): restarting cannot
        # help, the environment must be rebuilt (the core does so on the next start).
        self.environment_broken = False

    @property
    def state(self) -> TBState:
        return self._state

    @property
    def pid(self) -> int | None:
        """The pid of the TensorBoard this supervisor started, while it has one."""
        process = self._process
        return process.pid if process is not None else None

    @property
    def url(self) -> str | None:
        return url_for(self.port) if self._state is TBState.RUNNING and self.port else None

    # ---- the caller's side ----------------------------------------------------------------

    def start(self) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            if not self._stop_requested or thread is threading.current_thread():
                return  # already supervising
            # A stop is finishing (its STOPPED is announced from the thread's last steps): let
            # it end, or a Start clicked right after Stop would be lost.
            thread.join(self.stop_grace + 5.0)
            if thread.is_alive():
                log.warning("The stopping supervisor thread did not end; not starting again")
                return
        self._stop_requested = self._restart_requested = self.reused = False
        self._fast_crashes = 0
        self.last_error = ""
        self._wake.clear()
        self._thread = threading.Thread(target=self._run, name="tensorboard-supervisor",
                                        daemon=True)
        self._thread.start()

    def wait_for(self, *states: TBState, timeout: float) -> bool:
        """Until one of `states` has been announced to `on_change` (or the timeout)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._announced in states, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        thread = self._thread
        self._stop_requested = True
        self._wake.set()
        if thread is None:
            self._end_adopted()  # never started
            return
        if thread is threading.current_thread():
            return  # called from on_change: the thread ends by itself
        thread.join(timeout)
        process = self._process
        if thread.is_alive() and process is not None:
            log.warning("The supervisor thread did not stop in %s s; killing TensorBoard", timeout)
            process.kill_tree(self.stop_grace)
        elif not thread.is_alive() and self._state is not TBState.STOPPED:
            self._change_state(TBState.STOPPED, _("TensorBoard stopped"))

    def restart(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self.start()
            return
        self._restart_requested = True
        self._wake.set()

    # ---- the supervisor thread --------------------------------------------------------------

    def _change_state(self, state: TBState, message: str) -> None:
        with self._changed:
            previous, self._state = self._state, state
        log.info("TensorBoard %s -> %s: %s", previous.value, state.value, message)
        if self._on_change is not None:
            try:
                self._on_change(state, message)
            except Exception:
                log.exception("on_change callback failed")
        with self._changed:  # waiters wake once the change is announced, not before
            self._announced = state
            self._changed.notify_all()

    def _run(self) -> None:
        try:
            self._supervise()
        except Exception as error:
            log.exception("TensorBoard supervisor failed")
            self._end_adopted()
            self._end_process()
            self._change_state(TBState.FAILED, _("The TensorBoard supervisor failed: {error}")
                               .format(error=error))
            return
        self._end_adopted()
        self._end_process()
        self._change_state(TBState.STOPPED, _("Detached from the other launcher's TensorBoard")
                           if self.reused else _("TensorBoard stopped"))

    def _supervise(self) -> None:
        tbinfo.clean_stale(self.logdir)
        if self._attach_to_running() == "stop":
            return
        while not self._stop_requested:
            if self._restart_requested:
                self._restart_requested = False
                self._fast_crashes = 0
            failure = self._run_once()
            if failure is not None and not self._back_off(failure):
                return

    def _attach_to_running(self) -> str:
        """Watch another launcher's TensorBoard while it serves; why the watch ended."""
        adopted = self._adopted
        info = tbinfo.find_running(self.logdir, self.http_timeout,
                                   exclude_pid=adopted.process.pid if adopted else None)
        if info is None:
            return "none"
        self._end_adopted()
        self.reused, self.port = True, info.port
        self._change_state(TBState.RUNNING,
                           _("Using the TensorBoard already running at {url}").format(
                               url=url_for(info.port)))
        failures = 0
        while failures < self.health_failures and tbinfo.is_alive(info.pid):
            if self._sleep(self.health_interval):
                if self._stop_requested:
                    return "stop"
                self._restart_requested = False  # not ours to restart: keep watching
            failures = 0 if self._serves_logdir(info.port) else failures + 1
        self.reused = False
        self._change_state(TBState.STARTING, _("The other TensorBoard went away; starting our own"))
        return "gone"

    def _run_once(self) -> Outcome | None:
        """Start TensorBoard and watch it; how it failed, or None after a stop or restart."""
        port, process = self._start_process()
        outcome = self._wait_ready(process)
        if outcome == BIND and port:
            self._bad_ports.add(port)
            outcome = INTERRUPTED
        elif outcome == BIND:
            outcome = Outcome(Ending.NO_PORT)
        elif outcome == READY:
            self.port = served_port = process.ready_port or port
            self._bad_ports.clear()
            self._change_state(TBState.RUNNING, _("TensorBoard is ready at {url}").format(
                url=url_for(served_port)))
            outcome = self._watch(process)
        if outcome == INTERRUPTED or self._stop_requested:
            self._end_process()
            return None
        self.last_error = process.tail()
        if cannot_start(process.returncode):
            self.environment_broken = True
        ran_for = time.monotonic() - process.started_at
        self._end_process(graceful=outcome != HUNG)
        if ran_for >= self.stable_after:
            self._fast_crashes = 0
        self._fast_crashes += 1
        return outcome

    def _start_process(self) -> tuple[int, TensorBoardProcess]:
        adopted, self._adopted = self._adopted, None
        if adopted is not None:
            self._change_state(TBState.STARTING, _("Starting TensorBoard on port {port}").format(
                port=adopted.port))
            log.info("Took over TensorBoard pid %d, started early on port %d",
                     adopted.process.pid, adopted.port)
            self._process = adopted.process
            adopted.process.listen(self._wake.set)
            return adopted.port, adopted.process
        port, port_note = self._pick_port()
        self._change_state(TBState.STARTING,
                           port_note or _("Starting TensorBoard on port {port}").format(port=port))
        return port, self._spawn(port)

    def _end_adopted(self) -> None:
        adopted, self._adopted = self._adopted, None
        if adopted is not None:
            log.info("Ending TensorBoard pid %d, started early: not needed", adopted.process.pid)
            adopted.end()

    def _pick_port(self) -> tuple[int, str]:
        last = self.port if not self.reused else None
        if last and last not in self._bad_ports and ports.is_port_free(last):
            return last, ""
        port = ports.choose_port(self.preferred_port, exclude=self._bad_ports)
        if port == self.preferred_port:
            return port, ""
        using = str(port) if port else _("a port the system picks")
        return port, _("Port {port} is in use by another program; using {using}").format(
            port=self.preferred_port, using=using)

    def _spawn(self, port: int) -> TensorBoardProcess:
        if self.plan.job_object and self._job is None:
            try:
                self._job = winplatform.KillOnCloseJob()
            except OSError as error:
                log.warning("No job object for TensorBoard (%s); it may outlive a crash", error)
        winplatform.reset_dll_directory()
        command = build_command(self.python, self.logdir, port, self.window_title,
                                self.extra_args, watchdog=self.plan.stdin_watchdog)
        env = child_env(os.environ, frozen=paths.is_frozen())
        self._process = spawn(command, env, self.log_file, self.plan, self._wake.set, self._job)
        return self._process

    def _wait_ready(self, process: TensorBoardProcess) -> Outcome:
        """READY once our TensorBoard printed its ready line (it binds the port first; the
        health checks that follow confirm it serves our logdir); INTERRUPTED, BIND or a crash.
        Another HTTP round trip here would only delay the dashboard."""
        deadline = time.monotonic() + self.ready_timeout
        while not (self._stop_requested or self._restart_requested):
            if process.exited.is_set():
                return BIND if is_bind_error(process.lines()) else Outcome.exit(process.returncode)
            if process.ready_port is not None:
                return READY
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Outcome(Ending.TIMED_OUT, seconds=self.ready_timeout)
            self._sleep(min(remaining, 0.1 if process.ready_port is not None else 1.0))
        return INTERRUPTED

    def _watch(self, process: TensorBoardProcess) -> Outcome:
        """Health checks while serving; INTERRUPTED, HUNG or how it exited."""
        failures = 0
        while not (self._stop_requested or self._restart_requested):
            if process.exited.is_set():
                return Outcome.exit(process.returncode)
            if failures >= self.health_failures:
                return HUNG
            if self._sleep(self.health_interval) or process.exited.is_set():
                continue
            failures = 0 if self._serves_logdir(process.ready_port or 0) else failures + 1
        return INTERRUPTED

    def _back_off(self, failure: Outcome) -> bool:
        """Wait before the next start; False once stop is requested."""
        said = self.last_error or _("it printed nothing (its log: {log})").format(
            log=self.log_file)
        if self.environment_broken:
            self._change_state(TBState.FAILED, failure.environment_broken(said))
            return self._wait_for_stop()
        if self._fast_crashes >= self.max_fast_crashes:
            self._change_state(TBState.FAILED, failure.repeated(said))
            return self._wait_for_stop()
        delay = min(self.backoff_base * 2 ** (self._fast_crashes - 1), self.backoff_cap)
        self._change_state(TBState.BACKOFF, failure.restarting(delay))
        self._sleep(delay)
        return not self._stop_requested

    def _wait_for_stop(self) -> bool:
        while not self._sleep(3600):
            pass
        return not self._stop_requested

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless woken early (stop, restart, TensorBoard output or exit); True if woken."""
        woken = self._wake.wait(seconds)
        self._wake.clear()
        return woken and (self._stop_requested or self._restart_requested)

    def _serves_logdir(self, port: int) -> bool:
        served = fetch_logdir(port, self.http_timeout)
        return served is not None and same_path(served, self.logdir)

    def _end_process(self, graceful: bool = True) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if not process.exited.is_set():
            self._change_state(TBState.STOPPING, _("Stopping TensorBoard"))
        process.kill_tree(self.stop_grace if graceful else 0.0)
        tbinfo.clean_stale(self.logdir)
