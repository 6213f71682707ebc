"""The command line as a user runs it: real processes, real venv, real TensorBoard."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest

from launcher.rvc.paths import LAUNCHER_DIR_NAME
from tests.helpers import OWN_GROUP, all_gone, stop_gently, wait_until

REPO = Path(__file__).resolve().parent.parent
BASE_PYTHON = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
URL = re.compile(r"http://127\.0\.0\.1:\d+/")


def launcher(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "launcher", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300)


def test_bad_path_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    rvc = tmp_path / "My RVC (new)"
    rvc.mkdir()
    result = launcher("setup", "--rvc-dir", str(rvc))
    assert result.returncode == 2
    assert "space" in result.stderr.lower()
    assert "(" in result.stderr and ")" in result.stderr
    assert list(rvc.iterdir()) == []


def test_missing_folder_is_named(tmp_path: Path) -> None:
    result = launcher("--no-tray", "--rvc-dir", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "nowhere" in result.stderr


def test_report_table_and_json(demo_rvc: Path) -> None:
    table = launcher("report", "--rvc-dir", str(demo_rvc))
    assert table.returncode == 0, table.stderr
    assert re.search(r"Aria.*overtraining", table.stdout)
    assert re.search(r"Ben.*improving", table.stdout)
    as_json = launcher("report", "--rvc-dir", str(demo_rvc), "--model", "Aria", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert "Aria" in as_json.stdout and "overtraining" in as_json.stdout
    json.loads(as_json.stdout)
    unknown = launcher("report", "--rvc-dir", str(demo_rvc), "--model", "Nobody")
    assert unknown.returncode == 2 and "Aria" in unknown.stderr
    assert not (demo_rvc / LAUNCHER_DIR_NAME / "venv").exists(), "report needs no venv"


@pytest.mark.slow
def test_headless_run_serves_single_instance_and_stops_cleanly(demo_rvc: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "launcher", "--rvc-dir", str(demo_rvc), "--no-tray",
         "--no-browser", "--python", str(BASE_PYTHON)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        creationflags=OWN_GROUP)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Dashboard:"):
                break
        dashboard = next((ln for ln in lines if ln.startswith("Dashboard:")), "")
        match = URL.search(dashboard)
        assert match, "".join(lines)
        with urllib.request.urlopen(match.group(0) + "data/logdir", timeout=5) as response:
            assert response.status == 200
        assert "smoothing=0.987" in dashboard
        tree = psutil.Process(proc.pid).children(recursive=True)
        assert tree

        second = launcher("--rvc-dir", str(demo_rvc), "--no-tray", "--no-browser")
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout

        stop_gently(proc)
        assert proc.wait(timeout=20) == 0
        assert wait_until(lambda: all_gone(p.pid for p in tree), 10)
        log_text = (demo_rvc / LAUNCHER_DIR_NAME / "launcher.log").read_text()
        assert "open" in log_text.lower()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def pip_processes(root_pid: int) -> list[psutil.Process]:
    found = []
    for process in psutil.Process(root_pid).children(recursive=True):
        try:
            if "pip" in process.cmdline():
                found.append(process)
        except (psutil.Error, OSError):  # under Wine some cmdlines raise PermissionError
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_launcher_stopped_during_pip_install_leaves_no_pip_and_next_run_repairs(
        demo_rvc: Path, how: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "launcher", "--rvc-dir", str(demo_rvc), "--no-tray",
         "--no-browser", "--python", str(BASE_PYTHON)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, creationflags=OWN_GROUP)
    try:
        assert wait_until(lambda: pip_processes(proc.pid), 120), "pip never started"
        pips = [p.pid for p in pip_processes(proc.pid)]
        if how == "SIGKILL":
            proc.kill()  # SIGKILL, or TerminateProcess on Windows
        else:
            stop_gently(proc)
        proc.wait(timeout=20)
        assert wait_until(lambda: all_gone(pips), 3), "pip outlived the launcher"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    rerun = launcher("setup", "--rvc-dir", str(demo_rvc), "--python", str(BASE_PYTHON))
    assert rerun.returncode == 0, rerun.stderr
    assert "TensorBoard environment ready" in rerun.stdout
