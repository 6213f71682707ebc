"""One TensorBoard process: its command line, how it is spawned on each OS, its output, its end.

Never orphaned, per OS (`spawn_plan`):
- Linux: `prctl(PR_SET_PDEATHSIG, SIGKILL)` in the child. It fires when the *thread* that spawned
  the child ends, so only the supervisor's long-lived thread spawns. SIGKILL rather than SIGTERM
  because a hung TensorBoard may not act on SIGTERM; its stale info file is cleaned on next start.
- Windows: a kill-on-close job object; the child starts suspended, joins the job, then resumes.
- macOS and other POSIX: no pdeathsig, so TensorBoard runs under a tiny bootstrap that exits
  when its stdin, a pipe only the launcher holds, reaches EOF (the launcher died).
In every case the data server grandchild ends by itself: TensorBoard starts it with
`--die-after-stdin`, so it exits once TensorBoard is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from launcher import winplatform
from launcher.util.boundedlog import BoundedLogFile

if TYPE_CHECKING:
    import urllib.request

    import psutil

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
# Every scalar point (the default keeps a random 1000), and 3 of RVC's spectrogram plots per
# tag and model instead of 10: with the Python loader (Windows) that saved 28 MB of 228 for 30
# models. More reload threads made it slower (GIL), so TensorBoard's one thread is kept.
SAMPLES_FLAG = ("--samples_per_plugin", "scalars=100000,images=3")
READY_LINE = re.compile(r"^TensorBoard \S+ at http://[^\s/]+:(\d+)/")
BIND_ERROR = "could not bind"
TAIL_LINES = 30
KILL_WAIT = 5.0  # seconds to wait for a killed process to be gone
# After an exit, how long its last lines may take to arrive (a grandchild can hold the pipe).
OUTPUT_DRAIN_WAIT = 2.0
PR_SET_PDEATHSIG = 1

# Runs TensorBoard's main; on EOF of stdin (the launcher died) ends it as a SIGTERM would.
WATCHDOG_BOOTSTRAP = """\
import os, runpy, signal, sys, threading, time
def _watch():
    while sys.stdin.buffer.read(4096):
        pass
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)
    os._exit(1)
threading.Thread(target=_watch, daemon=True).start()
sys.argv[0] = "tensorboard"
runpy.run_module("tensorboard.main", run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class SpawnPlan:
    """How to start TensorBoard on one OS so it never outlives the launcher."""

    creation_flags: int = 0
    job_object: bool = False  # Windows: start suspended, assign to a kill-on-close job, resume
    pdeathsig: bool = False  # Linux: SIGKILL when the spawning thread dies
    stdin_watchdog: bool = False  # elsewhere: the bootstrap exits on EOF of a pipe we hold
    new_session: bool = False  # POSIX: keep the terminal's Ctrl+C away from TensorBoard


def spawn_plan(platform: str = sys.platform) -> SpawnPlan:
    if platform == "win32":
        return SpawnPlan(creation_flags=winplatform.child_creation_flags(True, suspended=True),
                         job_object=True)
    if platform.startswith("linux"):
        return SpawnPlan(pdeathsig=True, new_session=True)
    return SpawnPlan(stdin_watchdog=True, new_session=True)


def build_command(python: Path, logdir: Path, port: int, window_title: str,
                  extra_args: Sequence[str] = (), watchdog: bool = False) -> list[str]:
    entry = ["-c", WATCHDOG_BOOTSTRAP] if watchdog else ["-m", "tensorboard.main"]
    return [str(python), *entry, "--logdir", str(logdir), "--host", HOST, "--port", str(port),
            *SAMPLES_FLAG, "--window_title", window_title, "--reload_interval", "5",
            *extra_args]


def child_env(base: Mapping[str, str], frozen: bool) -> dict[str, str]:
    env = winplatform.cleaned_child_env(base, frozen=frozen)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def parse_ready_line(line: str) -> int | None:
    """The port from `TensorBoard 2.21.0 at http://127.0.0.1:PORT/ (Press CTRL+C to quit)`."""
    match = READY_LINE.match(line.strip())
    return int(match.group(1)) if match else None


def is_bind_error(lines: Sequence[str]) -> bool:
    return any(BIND_ERROR in line for line in lines)


def url_for(port: int) -> str:
    return f"http://{HOST}:{port}/"


@functools.cache
def no_proxy_opener() -> urllib.request.OpenerDirector:
    import urllib.request  # imported on first use: keeps it off the path to TensorBoard's spawn

    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch_logdir(port: int, timeout: float) -> str | None:
    """What `/data/logdir` reports, or None if nothing answers with HTTP 200 in time."""
    try:
        with no_proxy_opener().open(f"{url_for(port)}data/logdir", timeout=timeout) as response:
            if response.status != 200:
                return None
            return str(json.loads(response.read().decode("utf-8")).get("logdir", ""))
    except (OSError, ValueError):
        return None


def same_path(first: str | Path, second: str | Path) -> bool:
    def norm(path: str | Path) -> str:
        return os.path.normcase(os.path.normpath(os.path.abspath(path)))

    return norm(first) == norm(second)


def _pdeathsig_preexec() -> Callable[[], None]:
    """Runs in the forked child before exec; the libc lookup happens here, in the parent."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != parent:  # the launcher died before prctl took effect
            os._exit(1)

    return preexec


def _is_gone(process: psutil.Process) -> bool:
    import psutil

    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(processes: Sequence[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Poll until all are gone (zombies count); the ones still alive at the deadline."""
    deadline = time.monotonic() + timeout
    alive = list(processes)
    while alive:
        alive = [process for process in alive if not _is_gone(process)]
        if not alive or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    return alive


class TensorBoardProcess:
    """A running TensorBoard, its output teed into a log file and a ring buffer of last lines."""

    def __init__(self, popen: subprocess.Popen[bytes], log_file: Path,
                 on_event: Callable[[], None]) -> None:
        self.popen = popen
        self.started_at = time.monotonic()
        self.ready_port: int | None = None
        self.exited = threading.Event()  # set once its last output has been read, too
        self._output_done = threading.Event()
        self._on_event = on_event
        self._lines: deque[str] = deque(maxlen=TAIL_LINES)
        self._lines_lock = threading.Lock()
        self._log_file = log_file
        threading.Thread(target=self._read_output, name=f"tensorboard-{popen.pid}-output",
                         daemon=True).start()
        threading.Thread(target=self._reap, name=f"tensorboard-{popen.pid}-reaper",
                         daemon=True).start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode if self.exited.is_set() else None

    def lines(self) -> list[str]:
        with self._lines_lock:
            return list(self._lines)

    def listen(self, on_event: Callable[[], None]) -> None:
        """Call `on_event` on output and exit from now on, and once now for what came before
        (a process started before its supervisor existed: see launcher.core.earlystart)."""
        self._on_event = on_event
        on_event()

    def tail(self, count: int = 8) -> str:
        return "\n".join(line for line in self.lines()[-count:] if line.strip())

    def _read_output(self) -> None:
        assert self.popen.stdout is not None
        sink = BoundedLogFile(self._log_file)
        try:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            sink.write_line(f"---- {stamp} TensorBoard started, pid {self.pid} ----")
            for raw in iter(self.popen.stdout.readline, b""):
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                sink.write_line(line)
                with self._lines_lock:
                    self._lines.append(line)
                port = parse_ready_line(line)
                if port is not None and self.ready_port is None:
                    self.ready_port = port
                    self._on_event()
        finally:
            sink.close()
            self._output_done.set()
        self.popen.stdout.close()

    def _reap(self) -> None:
        code = self.popen.wait()
        self._output_done.wait(OUTPUT_DRAIN_WAIT)  # what it printed before it died: the reason
        log.info("TensorBoard (pid %d) exited with code %s", self.pid, code)
        self.exited.set()
        self._on_event()

    def kill_tree(self, grace: float) -> None:
        """End TensorBoard and every descendant: terminate, wait `grace` seconds, then kill."""
        import psutil  # here, not at the top: it stays off the path to TensorBoard's spawn

        descendants: list[psutil.Process] = []
        if not self.exited.is_set():
            with contextlib.suppress(psutil.Error):
                descendants = psutil.Process(self.pid).children(recursive=True)
        for process in descendants:
            with contextlib.suppress(psutil.Error):
                process.terminate()
        if not self.exited.is_set():
            with contextlib.suppress(OSError):
                self.popen.terminate()
        deadline = time.monotonic() + grace
        self.exited.wait(grace)
        alive = _wait_gone(descendants, max(0.0, deadline - time.monotonic()))
        if not self.exited.is_set():
            with contextlib.suppress(OSError):
                self.popen.kill()
        for process in alive:
            with contextlib.suppress(psutil.Error):
                process.kill()
        if not self.exited.wait(KILL_WAIT):
            log.warning("TensorBoard (pid %d) did not exit after a kill", self.pid)
        _wait_gone(alive, KILL_WAIT)
        if self.popen.stdin is not None:
            with contextlib.suppress(OSError):
                self.popen.stdin.close()


def start_child(command: Sequence[str], env: Mapping[str, str], plan: SpawnPlan,
                job: winplatform.KillOnCloseJob | None = None,
                cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """Start a child that dies with the launcher (stdout and stderr piped together); call from
    a thread that outlives it (see PR_SET_PDEATHSIG above)."""
    popen = subprocess.Popen(
        command, env=dict(env), cwd=cwd,
        stdin=subprocess.PIPE if plan.stdin_watchdog else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        creationflags=plan.creation_flags,
        start_new_session=plan.new_session,
        preexec_fn=_pdeathsig_preexec() if plan.pdeathsig else None,
    )
    if plan.job_object:
        try:
            if job is not None:
                job.assign(popen.pid)
        except OSError as error:
            log.warning("Could not put %s in the launcher's job object: %s", command[0], error)
        finally:
            winplatform.resume_process(popen.pid)
    return popen


def window_title_for(rvc_root: Path) -> str:
    return f"RVC TensorBoard - {rvc_root.name}"


@dataclass(frozen=True)
class StartedTensorBoard:
    """A TensorBoard started before its supervisor, for the supervisor to adopt."""

    python: Path
    port: int
    process: TensorBoardProcess
    job: winplatform.KillOnCloseJob | None

    def end(self) -> None:
        self.process.kill_tree(0.0)


def spawn(command: Sequence[str], env: Mapping[str, str], log_file: Path, plan: SpawnPlan,
          on_event: Callable[[], None],
          job: winplatform.KillOnCloseJob | None = None) -> TensorBoardProcess:
    """Start TensorBoard; call from a thread that outlives it (see PR_SET_PDEATHSIG above)."""
    log.info("Starting TensorBoard: %s", subprocess.list2cmdline(command))
    return TensorBoardProcess(start_child(command, env, plan, job), log_file, on_event)
