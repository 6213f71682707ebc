"""Small helpers shared by test files: wait on a condition, find and end processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import psutil


def base_python() -> Path:
    """The interpreter behind the test venv: what the tests build launcher venvs from."""
    return Path(getattr(sys, "_base_executable", sys.executable)).resolve()


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.05) -> bool:
    """Poll `predicate` until it is truthy or `timeout` seconds pass; True if it became truthy."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def is_gone(pid: int) -> bool:
    """A process that no longer exists or is a zombie counts as gone."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def all_gone(pids: Iterable[int]) -> bool:
    return all(is_gone(pid) for pid in pids)


def tree_pids(pid: int) -> list[int]:
    """The process and all its live descendants."""
    try:
        process = psutil.Process(pid)
        return [pid, *(child.pid for child in process.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def kill_pids(pids: Iterable[int]) -> None:
    """SIGKILL whatever of `pids` still runs (test cleanup)."""
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()


@contextlib.contextmanager
def held_port() -> Iterator[int]:
    """A loopback port bound and listening for the duration of the block."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


# Windows has no SIGTERM (Popen.send_signal(SIGTERM) is TerminateProcess, a hard kill): the
# gentle stop there is Ctrl+Break, sent to a child started in a process group of its own.
OWN_GROUP: int = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)


REPO = Path(__file__).resolve().parent.parent


def start_headless_launcher(*args: str) -> subprocess.Popen[str]:
    """`python -m launcher ARGS --no-tray --no-browser` from the repo, its output one text
    stream, in a process group of its own (for stop_gently)."""
    return subprocess.Popen(
        [sys.executable, "-m", "launcher", *args, "--no-tray", "--no-browser"], cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, creationflags=OWN_GROUP)


def lines_until(process: subprocess.Popen[str], prefix: str) -> list[str]:
    """The process's output lines up to and with the first that starts with `prefix` (all of
    them, if it ends before one does)."""
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith(prefix):
            break
    return lines


def stop_gently(process: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    """SIGTERM, or Ctrl+Break on Windows (start the process with creationflags=OWN_GROUP)."""
    if under_wine():
        import pytest

        process.kill()
        pytest.skip("Wine gives its programs no console to send Ctrl+Break to (what came "
                    "before this point passed)")
    process.send_signal(getattr(signal, "CTRL_BREAK_EVENT", signal.SIGTERM) if os.name == "nt"
                        else signal.SIGTERM)


def under_wine() -> bool:
    """Windows CPython running under Wine (the Wine lane), not on a real Windows."""
    if os.name != "nt":
        return False
    import ctypes

    try:
        return hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")
    except OSError:
        return False
