"""Starting, watching and ending the processes the bench measures."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
DASHBOARD_LINE = re.compile(r"Dashboard: (http://127\.0\.0\.1:\d+/)")
TENSORBOARD_READY = re.compile(r"TensorBoard \S+ at (http://[^ ]+/) ")


class BenchError(RuntimeError):
    """A measurement could not be taken; the message says which and why."""


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def tree(pid: int) -> list[psutil.Process]:
    """The process and its live descendants (children first taken, then the parent)."""
    try:
        parent = psutil.Process(pid)
        return [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return []


def kill_tree(pid: int, timeout: float = 5.0) -> None:
    """Terminate a process tree, then kill whatever is left."""
    procs = tree(pid)
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=timeout)


class LineProcess:
    """A child process whose merged stdout/stderr lines are collected by a reader thread."""

    def __init__(self, argv: Sequence[str], *, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        self.argv = list(argv)
        self.started = time.monotonic()
        self.popen = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, cwd=cwd, text=True, encoding="utf-8", errors="replace", bufsize=1,
        )
        self.lines: list[str] = []
        self.timed_lines: list[tuple[float, str]] = []
        self._queue: queue.Queue[tuple[float, str] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for raw in self.popen.stdout:
            when, line = time.monotonic(), raw.rstrip("\n")
            self.lines.append(line)
            self.timed_lines.append((when, line))
            self._queue.put((when, line))
        self._queue.put(None)

    def drain(self) -> None:
        """Forget lines already read, so the next wait sees only what comes after."""
        with contextlib.suppress(queue.Empty):
            while True:
                item = self._queue.get_nowait()
                if item is None:
                    self._queue.put(None)
                    return

    def wait_for(self, pattern: re.Pattern[str], timeout: float,
                 accept: Callable[[re.Match[str]], bool] = lambda match: True,
                 ) -> tuple[float, re.Match[str]]:
        """The time a line matching `pattern` (and `accept`) arrived, and its match."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if item is None:
                raise BenchError(f"{self.argv[0]} exited ({self.popen.wait()}) before printing "
                                 f"{pattern.pattern!r}; last lines: {self.tail()}")
            when, line = item
            match = pattern.search(line)
            if match and accept(match):
                return when, match
        raise BenchError(f"no line matching {pattern.pattern!r} within {timeout:.0f} s; "
                         f"last lines: {self.tail()}")

    def tail(self, count: int = 6) -> str:
        return " | ".join(self.lines[-count:])

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait, then end whatever of the tree is left; the exit code if it exited."""
        procs = tree(self.pid)
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        code: int | None
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        for proc in procs:
            if proc.pid != self.pid and proc.is_running():
                kill_tree(proc.pid)
        if self.popen.poll() is None:
            kill_tree(self.pid)
            self.popen.wait(timeout=timeout)
        return code


def launcher_argv(rvc_root: Path, python: Path, command: str = "run") -> list[str]:
    """Setup builds the venv from `python`; a run is what a double-click does: no --python,
    so a built venv is used without probing any interpreter."""
    args = [sys.executable, "-m", "launcher", command, "--rvc-dir", str(rvc_root)]
    if command == "run":
        args += ["--no-tray", "--no-browser"]
    else:
        args += ["--python", str(python)]
    return args


def bench_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def run_timed(argv: Sequence[str], *, env: dict[str, str], cwd: Path | None = None,
              timeout: float = 900.0) -> float:
    """Seconds `argv` took; BenchError with its output's tail if it failed."""
    start = time.monotonic()
    done = subprocess.run(list(argv), env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    elapsed = time.monotonic() - start
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise BenchError(f"{' '.join(map(str, argv[:4]))} failed ({done.returncode}): "
                         + " | ".join(tail))
    return elapsed
