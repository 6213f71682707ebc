"""Smoke: the whole app with its real tray (xorg backend) on Xvfb, as a user starts it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest

from launcher.rvc.paths import LauncherPaths
from tests.helpers import all_gone, wait_until
from tests.ui.test_tray import pytestmark  # noqa: F401 - the same Xvfb skip

REPO = Path(__file__).resolve().parent.parent
BASE_PYTHON = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
READY = re.compile(r"TensorBoard is ready at (http://127\.0\.0\.1:\d+/)")


@pytest.mark.slow
def test_tray_app_reaches_running_and_quits_on_signal(display: str, demo_rvc: Path) -> None:
    env = {**os.environ, "DISPLAY": display, "PYSTRAY_BACKEND": "xorg"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "launcher", "--rvc-dir", str(demo_rvc), "--no-browser",
         "--python", str(BASE_PYTHON)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log_file = LauncherPaths(demo_rvc).log_file

    def ready_url() -> str | None:
        text = log_file.read_text() if log_file.exists() else ""
        match = READY.search(text)
        return match.group(1) if match else None

    try:
        assert wait_until(lambda: ready_url() or proc.poll() is not None, 180)
        url = ready_url()
        assert url, proc.stderr.read() if proc.poll() is not None else "not ready"
        with urllib.request.urlopen(url + "data/logdir", timeout=5) as response:
            assert response.status == 200
        tree = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
        assert tree
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert wait_until(lambda: all_gone(tree), 10)
        assert "running headless" not in log_file.read_text(), "the tray must have been used"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
