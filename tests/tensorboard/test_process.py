"""TensorBoard process pieces: per-OS spawn decisions, command, ready line, ports, info files."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from launcher import winplatform
from launcher.tensorboard import info as tbinfo
from launcher.tensorboard import ports
from launcher.tensorboard.process import (
    SpawnPlan,
    build_command,
    child_env,
    fetch_logdir,
    is_bind_error,
    parse_ready_line,
    spawn,
    spawn_plan,
)
from tests.helpers import all_gone, held_port, kill_pids, tree_pids, wait_until


def test_windows_plan_starts_suspended_in_a_job_with_no_window() -> None:
    plan = spawn_plan("win32")
    assert plan.job_object
    assert plan.creation_flags & winplatform.CREATE_SUSPENDED
    assert plan.creation_flags & winplatform.CREATE_NO_WINDOW
    assert not (plan.pdeathsig or plan.stdin_watchdog or plan.new_session)


def test_linux_plan_uses_pdeathsig_in_its_own_session() -> None:
    assert spawn_plan("linux") == SpawnPlan(pdeathsig=True, new_session=True)


@pytest.mark.parametrize("platform", ["darwin", "freebsd14"])
def test_other_posix_plans_use_the_stdin_watchdog(platform: str) -> None:
    assert spawn_plan(platform) == SpawnPlan(stdin_watchdog=True, new_session=True)


def test_command_is_loopback_with_all_samples_and_extra_args_last() -> None:
    command = build_command(Path("/v/bin/python"), Path("/rvc/logs"), 6006, "RVC TensorBoard",
                            ["--load_fast", "false"])
    assert command[:3] == [str(Path("/v/bin/python")), "-m", "tensorboard.main"]
    text = " ".join(command)
    assert f"--logdir {Path('/rvc/logs')} --host 127.0.0.1 --port 6006" in text
    assert "--samples_per_plugin scalars=100000" in text
    assert "--window_title RVC TensorBoard --reload_interval 5" in text
    assert command[-2:] == ["--load_fast", "false"]
    assert "--bind_all" not in command


def test_watchdog_command_runs_tensorboard_main_through_the_bootstrap() -> None:
    command = build_command(Path("py"), Path("logs"), 0, "T", watchdog=True)
    assert command[1] == "-c"
    assert 'run_module("tensorboard.main"' in command[2]
    assert command[3:5] == ["--logdir", "logs"]


def test_child_env_is_unbuffered_utf8_without_the_bundle_paths() -> None:
    env = child_env({"PATH": "/bin", "PYTHONPATH": "/bundle", "LD_LIBRARY_PATH": "/meipass",
                     "LD_LIBRARY_PATH_ORIG": "/usr/lib"}, frozen=True)
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PYTHONIOENCODING"] == "utf-8"
    assert "PYTHONPATH" not in env
    assert env["PATH"] == "/bin"
    if os.name != "nt":
        assert env["LD_LIBRARY_PATH"] == "/usr/lib"


@pytest.mark.parametrize(("line", "port"), [
    ("TensorBoard 2.21.0 at http://127.0.0.1:45959/ (Press CTRL+C to quit)", 45959),
    ("TensorBoard 2.21.0 at http://127.0.0.1:6006/ (Press CTRL+C to quit)\r\n", 6006),
    ("TensorBoard 2.1.0 at http://localhost:6007/ (Press CTRL+C to quit)", 6007),
    ("TensorFlow installation not found - running with reduced feature set.", None),
    ('    "--load_fast=false" and report issues on GitHub. More details:', None),
    ("Serving TensorBoard on localhost; to expose to the network, use a proxy", None),
    ("", None),
])
def test_ready_line(line: str, port: int | None) -> None:
    assert parse_ready_line(line) == port


def test_bind_error_is_recognised_in_output() -> None:
    assert is_bind_error(["x", "ERROR: TensorBoard could not bind to port 6006, it was already"
                               " in use"])
    assert not is_bind_error(["usage: tensorboard", "error: unrecognized arguments: --x"])


def test_choose_port_skips_a_held_port_and_excluded_ones() -> None:
    with held_port() as taken:
        assert not ports.is_port_free(taken)
        assert ports.choose_port(taken, fallbacks=range(taken, taken + 1)) == 0
        chosen = ports.choose_port(taken)
        assert chosen != taken and chosen in ports.FALLBACK_PORTS
        assert ports.choose_port(taken, exclude={chosen}) not in (taken, chosen)


def _info_file(directory: Path, pid: int, logdir: Path, arguments: list[str]) -> Path:
    key = base64.b64encode(json.dumps({"arguments": arguments, "configure_kwargs": {},
                                       "working_directory": "/"}).encode()).decode()
    path = directory / f"pid-{pid}.info"
    path.write_text(json.dumps({"cache_key": key, "db": "", "logdir": str(logdir),
                                "path_prefix": "", "pid": pid, "port": 1,
                                "start_time": 0, "version": "2.21.0"}))
    return path


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_info_files_of_ours_are_cleaned_and_others_kept(tmp_path: Path) -> None:
    logdir = tmp_path / "logs"
    ours = ["--logdir", str(logdir), "--samples_per_plugin", "scalars=100000"]
    dead = _dead_pid()
    stale = _info_file(tmp_path, dead, logdir, ours)
    reused_pid = _info_file(tmp_path, os.getpid(), logdir, ours)  # pid now runs pytest
    not_ours = _info_file(tmp_path, dead + 1, logdir, ["--logdir", str(logdir)])
    other_logdir = _info_file(tmp_path, dead + 2, tmp_path / "other", ours)
    (tmp_path / "pid-9.info").write_text("{not json")
    lookalike = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)",
                                  "-m", "tensorboard.main"])
    try:
        live = _info_file(tmp_path, lookalike.pid, logdir, ours)
        assert sorted(tbinfo.clean_stale(logdir, directory=tmp_path)) == sorted(
            [stale, reused_pid])
        assert not_ours.exists() and other_logdir.exists() and live.exists()
        # alive and ours by its file, but nothing answers on its port: not reused
        assert tbinfo.find_running(logdir, timeout=0.5, directory=tmp_path) is None
    finally:
        lookalike.kill()
        lookalike.wait()


def test_cache_key_that_cannot_be_read_means_not_ours(tmp_path: Path) -> None:
    info = tbinfo.parse_info(json.dumps({"pid": 5, "port": 6006, "logdir": str(tmp_path),
                                         "cache_key": "%%%"}), tmp_path / "pid-5.info")
    assert info is not None and info.arguments == ()
    assert not tbinfo.is_ours(info, tmp_path)


@pytest.mark.skipif(os.name == "nt", reason="the POSIX stdin watchdog and Rust data server; "
                    "Windows uses the job object (tests/windows/test_winapi.py)")
def test_watchdog_bootstrap_ends_tensorboard_and_data_server_when_its_pipe_closes(
        tensorboard_python: Path, demo_rvc: Path, tmp_path: Path) -> None:
    """The macOS measure, run for real on Linux: EOF on stdin ends the whole tree."""
    plan = SpawnPlan(stdin_watchdog=True, new_session=True)
    logdir = demo_rvc / "logs"
    command = build_command(tensorboard_python, logdir, 0, "T", watchdog=True)
    woke = threading.Event()
    process = spawn(command, child_env(os.environ, frozen=False), tmp_path / "tb.log", plan,
                    woke.set)
    pids: list[int] = []
    try:
        assert wait_until(lambda: process.ready_port is not None, 30), process.tail()
        assert woke.is_set()
        assert fetch_logdir(process.ready_port or 0, 5) == str(logdir)
        pids = tree_pids(process.pid)
        assert len(pids) >= 2, "expected the Rust data server as a child"
        assert process.popen.stdin is not None
        process.popen.stdin.close()
        assert wait_until(lambda: all_gone(pids), 10)
        assert process.exited.wait(5) and process.returncode == 0  # SIGTERM: a clean exit
        assert "TensorBoard 2.21.0 at http://127.0.0.1:" in (tmp_path / "tb.log").read_text()
    finally:
        kill_pids(pids or [process.pid])
        process.kill_tree(1.0)


@pytest.mark.parametrize(("cmdline", "is_tensorboard"), [
    (["python", "-m", "tensorboard.main", "--logdir", "x"], True),
    ([r"C:\RVC\runtime\Scripts\tensorboard.exe", "--logdir", "x"], True),
    (["/venv/bin/python", "/venv/bin/tensorboard", "--logdir", "x"], True),
    (["python", "-m", "pytest", "tests/tensorboard/test_process.py",
      "--ignore=tests/tensorboard/test_dashboard_browser.py"], False),
    (["python", "-m", "pytest", "tests/core", "tests/tensorboard"], False),
    ([r"C:\tensorboard-runs\python.exe", "train.py"], False),
])
def test_a_tensorboard_is_told_from_its_command_line_alone(
        cmdline: list[str], is_tensorboard: bool) -> None:
    assert tbinfo.looks_like_tensorboard(cmdline) is is_tensorboard
