"""One launcher per RVC folder, checked with real processes, a real lock and real sockets."""

from __future__ import annotations

import json
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.core.instance import (
    SingleInstance,
    encode_request,
    read_instance_file,
    request_open_dashboard,
)
from launcher.rvc.paths import LauncherPaths
from tests.helpers import kill_pids, wait_until

REPO = Path(__file__).resolve().parent.parent

# What commands.run does, minus the app: take the lock or ask the running launcher.
LAUNCHER_SCRIPT = """
import sys
from pathlib import Path
from launcher.core.instance import SingleInstance, request_open_dashboard
from launcher.rvc.paths import LauncherPaths

paths = LauncherPaths(Path(sys.argv[1]))
instance = SingleInstance(paths)
if not instance.acquire():
    sys.exit(0 if request_open_dashboard(paths) else 3)
instance.serve(lambda: print("open-request", flush=True))
print("serving", flush=True)
sys.stdin.readline()  # runs until the test closes stdin
instance.release()
print("released", flush=True)
"""


class Launcher:
    """A launcher-like child process whose stdout lines the test can wait for."""

    def __init__(self, rvc: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER_SCRIPT, str(rvc)], cwd=REPO,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def expect(self, line: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                if self.lines.get(timeout=remaining) == line:
                    return
            except queue.Empty:
                break
        pytest.fail(f"launcher {self.process.pid} did not print {line!r} in {timeout} s")

    def close(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        return self.process.wait(timeout=10)


@pytest.fixture
def launchers() -> Iterator[list[Launcher]]:
    started: list[Launcher] = []
    yield started
    kill_pids(launcher.process.pid for launcher in started)
    for launcher in started:
        launcher.process.wait(timeout=10)


def start(rvc: Path, started: list[Launcher]) -> Launcher:
    launcher = Launcher(rvc)
    started.append(launcher)
    return launcher


def run_second(rvc: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", LAUNCHER_SCRIPT, str(rvc)], cwd=REPO,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)


def test_second_launcher_asks_the_first_and_exits_0(
        tmp_path: Path, launchers: list[Launcher]) -> None:
    first = start(tmp_path, launchers)
    first.expect("serving")
    info = read_instance_file(LauncherPaths(tmp_path).instance_file)
    assert info is not None and info.pid == first.process.pid
    second = run_second(tmp_path)
    assert second.returncode == 0, second.stderr
    first.expect("open-request", timeout=3)
    assert first.close() == 0
    first.expect("released")
    assert not LauncherPaths(tmp_path).instance_file.exists()


def test_a_killed_launcher_frees_the_folder(tmp_path: Path, launchers: list[Launcher]) -> None:
    first = start(tmp_path, launchers)
    first.expect("serving")
    stale = read_instance_file(LauncherPaths(tmp_path).instance_file)
    first.process.kill()  # SIGKILL, or TerminateProcess on Windows
    first.process.wait(timeout=10)
    replacement = start(tmp_path, launchers)
    replacement.expect("serving")  # took the lock the killed one held
    fresh = read_instance_file(LauncherPaths(tmp_path).instance_file)
    assert stale is not None and fresh is not None
    assert fresh.pid == replacement.process.pid and fresh.token != stale.token
    assert run_second(tmp_path).returncode == 0
    replacement.expect("open-request", timeout=3)


def test_no_running_launcher_means_no_answer(tmp_path: Path) -> None:
    paths = LauncherPaths(tmp_path)
    started = time.monotonic()
    assert request_open_dashboard(paths, timeout=0.3) is False
    paths.launcher_dir.mkdir()
    with socket.socket() as closed:  # a port nobody listens on any more
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    paths.instance_file.write_text(json.dumps({"pid": 1, "port": port, "token": "x"}))
    assert request_open_dashboard(paths, timeout=0.3) is False
    assert time.monotonic() - started < 3


def test_wrong_token_is_refused(tmp_path: Path) -> None:
    paths = LauncherPaths(tmp_path)
    instance = SingleInstance(paths)
    requests: list[str] = []
    assert instance.acquire()
    try:
        instance.serve(lambda: requests.append("open"))
        info = read_instance_file(paths.instance_file)
        assert info is not None and info.port == instance.port
        with socket.create_connection(("127.0.0.1", info.port), timeout=2) as connection:
            connection.sendall(encode_request("not-the-token"))
            assert connection.recv(100) == b"denied\n"
        assert request_open_dashboard(paths, timeout=2)
        assert wait_until(lambda: requests == ["open"], timeout=2)
    finally:
        instance.release()
    assert not paths.instance_file.exists()


def test_request_waits_for_a_launcher_that_is_still_starting(tmp_path: Path) -> None:
    """The lock is taken first; the answer comes once the new launcher serves."""
    paths = LauncherPaths(tmp_path)
    instance = SingleInstance(paths)
    assert instance.acquire()
    requests: list[str] = []
    timer = threading.Timer(0.5, instance.serve, args=(lambda: requests.append("open"),))
    timer.start()
    try:
        assert request_open_dashboard(paths, timeout=3)
        assert wait_until(lambda: requests == ["open"], timeout=2)
    finally:
        timer.join()
        instance.release()


def test_lock_is_not_inherited_by_children(tmp_path: Path, launchers: list[Launcher]) -> None:
    """TensorBoard, started by the launcher, must not keep the folder locked after a crash."""
    script = LAUNCHER_SCRIPT.replace(
        'print("serving", flush=True)',
        'import subprocess; child = subprocess.Popen([sys.executable, "-c", '
        '"import time; time.sleep(60)"]); print("child", child.pid, flush=True)\n'
        'print("serving", flush=True)')
    process = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], cwd=REPO,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    child_pid = int(process.stdout.readline().split()[1])
    try:
        assert process.stdout.readline().strip() == "serving"
        process.kill()  # SIGKILL, or TerminateProcess on Windows
        process.wait(timeout=10)
        replacement = start(tmp_path, launchers)
        replacement.expect("serving")
    finally:
        kill_pids([process.pid, child_pid])
        process.wait(timeout=10)
