"""Stage one of a warm start: TensorBoard spawned before the launcher loads, then adopted.

Real venv, real TensorBoard, real locks and ports; on Windows (the Wine lane) the job object
and the suspended start with NtResumeProcess too.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.cli import build_parser
from launcher.core.app import LauncherCore
from launcher.core.earlystart import SWITCHES, VALUED, EarlyStart, begin, plain_run_folder
from launcher.core.instance import SingleInstance
from launcher.core.settings import Settings
from launcher.core.state import Phase
from launcher.events.demo import create_demo_rvc
from launcher.rvc.folder import RvcFolder
from launcher.tensorboard.process import StartedTensorBoard
from tests.helpers import (
    all_gone,
    held_port,
    lines_until,
    start_headless_launcher,
    stop_gently,
    tree_pids,
    wait_until,
)

SERVING = (Phase.RUNNING, Phase.TRAINING)


@pytest.mark.parametrize(("argv", "expected"), [
    ([], (True, None)),
    (["run"], (True, None)),
    (["--no-tray", "--no-browser"], (True, None)),
    (["run", "--rvc-dir", "D:/RVC", "--lang", "ja"], (True, "D:/RVC")),
    (["--rvc-dir=D:/RVC", "--lang=es", "--no-tray"], (True, "D:/RVC")),
    (["setup"], (False, None)),
    (["report", "--json"], (False, None)),
    (["--demo"], (False, None)),
    (["--python", "C:/Python311/python.exe"], (False, None)),
    (["--help"], (False, None)),
    (["--version"], (False, None)),
    (["--rvc-dir"], (False, None)),
    (["--no-t"], (False, None)),  # argparse would take the abbreviation; stage one does not
    (["D:/RVC"], (False, None)),
])
def test_only_a_plain_run_starts_early(argv: list[str], expected: tuple[bool, str | None]
                                       ) -> None:
    assert plain_run_folder(argv) == expected


def test_the_options_it_knows_are_the_command_line_s() -> None:
    known = {flag for action in build_parser()._actions for flag in action.option_strings}
    assert known >= SWITCHES | VALUED


def test_without_a_built_venv_nothing_starts_and_nothing_is_created(tmp_path: Path) -> None:
    root = create_demo_rvc(tmp_path / "RVC")
    before = sorted(root.rglob("*"))
    assert begin(["--rvc-dir", str(root)]) is None
    assert sorted(root.rglob("*")) == before




def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def save_port(rvc: RvcFolder, port: int) -> None:
    Settings(last_port=port).save(rvc.paths.settings_file)


@pytest.fixture
def early(ready_rvc: RvcFolder) -> Iterator[EarlyStart]:
    save_port(ready_rvc, free_port())
    started = begin(["--rvc-dir", str(ready_rvc.root), "--no-tray"])
    assert started is not None and started.tensorboard is not None
    pids = tree_pids(started.tensorboard.process.pid)
    try:
        yield started
    finally:
        started.abandon()
        assert wait_until(lambda: all_gone(pids), 15)


@pytest.mark.slow
def test_a_built_venv_starts_tensorboard_on_the_saved_port_under_the_lock(
        early: EarlyStart, ready_rvc: RvcFolder) -> None:
    tensorboard = early.tensorboard
    assert tensorboard is not None
    port = Settings.load(ready_rvc.paths.settings_file).last_port
    assert tensorboard.port == port and tensorboard.python == ready_rvc.paths.venv_python
    assert not SingleInstance(ready_rvc.paths).acquire(), "stage one holds the folder's lock"
    assert wait_until(lambda: tensorboard.process.ready_port == port, 90), \
        tensorboard.process.tail()
    pids = tree_pids(tensorboard.process.pid)
    early.abandon()
    assert wait_until(lambda: all_gone(pids), 15)
    other = SingleInstance(ready_rvc.paths)
    assert other.acquire(), "abandon() frees the lock"
    other.release()


@pytest.mark.slow
def test_a_taken_port_or_lock_means_the_normal_start(ready_rvc: RvcFolder) -> None:
    argv = ["--rvc-dir", str(ready_rvc.root)]
    with held_port() as taken:
        save_port(ready_rvc, taken)
        assert begin(argv) is None
    save_port(ready_rvc, free_port())
    other = SingleInstance(ready_rvc.paths)
    assert other.acquire()
    try:
        assert begin(argv) is None
    finally:
        other.release()


@pytest.mark.slow
def test_the_core_adopts_the_early_tensorboard(early: EarlyStart, ready_rvc: RvcFolder
                                               ) -> None:
    tensorboard = early.tensorboard
    assert tensorboard is not None
    core = LauncherCore(ready_rvc, Settings.load(ready_rvc.paths.settings_file),
                        open_url=lambda url: True, early_tensorboard=early.take_tensorboard())
    core.start()
    try:
        assert wait_until(lambda: core.state.phase in SERVING, 90), core.state
        assert core.state.url == f"http://127.0.0.1:{tensorboard.port}/"
        assert core._supervisor is not None and core._supervisor.pid == tensorboard.process.pid
        pids = tree_pids(tensorboard.process.pid)
    finally:
        core.shutdown()
    assert wait_until(lambda: all_gone(pids), 15)


@pytest.mark.slow
def test_the_core_ends_an_early_tensorboard_of_another_python(
        early: EarlyStart, ready_rvc: RvcFolder) -> None:
    started = early.take_tensorboard()
    assert started is not None
    stranger = StartedTensorBoard(Path(sys.executable), started.port, started.process,
                                  started.job)
    core = LauncherCore(ready_rvc, Settings(preferred_port=0), open_url=lambda url: True,
                        early_tensorboard=stranger)
    core.start()
    try:
        assert wait_until(lambda: started.process.exited.is_set(), 30)
        assert wait_until(lambda: core.state.phase in SERVING, 90), core.state
        assert core._supervisor is not None and core._supervisor.pid != started.process.pid
    finally:
        core.shutdown()


@pytest.mark.slow
def test_python_m_launcher_takes_over_the_tensorboard_it_started_first(
        ready_rvc: RvcFolder) -> None:
    port = free_port()
    save_port(ready_rvc, port)
    log_file = ready_rvc.paths.log_file
    log_file.unlink(missing_ok=True)
    proc = start_headless_launcher("--rvc-dir", str(ready_rvc.root))
    try:
        lines = lines_until(proc, "Dashboard:")
        assert f"127.0.0.1:{port}/" in lines[-1], "".join(lines)
        log_text = log_file.read_text(encoding="utf-8")
        assert "Took over TensorBoard pid" in log_text, log_text
        pids = tree_pids(proc.pid)
        assert len(pids) >= 2
        stop_gently(proc)
        assert proc.wait(timeout=20) == 0
        assert wait_until(lambda: all_gone(pids), 15)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
