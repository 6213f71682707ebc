"""`python -m launcher` on RVC folders whose own Python is a real embeddable Windows CPython."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from launcher import winplatform
from launcher.events.demo import create_demo_rvc
from launcher.rvc.folder import RvcFolder
from launcher.tensorboard.interpreter import find_base_interpreter
from launcher.tensorboard.venv import MARKER_NAME, TensorBoardVenv
from tests.helpers import all_gone, kill_pids, tree_pids, wait_until
from tests.windows.embedpython import make_rvc_python

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not winplatform.IS_WINDOWS,
                                 reason="Windows CPython as the RVC runtime (Windows, Wine)")]

REPO = Path(__file__).resolve().parents[2]
READY_URL = re.compile(r"http://127\.0\.0\.1:(\d+)/")
ZIPPED_STDLIB_BUG = "'zipimporter' object has no attribute 'exec_module'"
_no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def launcher(*args: str) -> list[str]:
    return [sys.executable, "-m", "launcher", *args]


def test_setup_builds_the_venv_from_the_rvc_runtime_and_a_hard_kill_takes_tensorboard_down(
        tmp_path: Path) -> None:
    rvc_root = create_demo_rvc(tmp_path / "RVC")
    runtime_python = make_rvc_python(rvc_root / "runtime", "3.9")
    assert not (rvc_root / "TensorBoardLauncher").exists(), "setup starts from nothing"

    started = time.monotonic()
    setup = subprocess.run(launcher("setup", "--rvc-dir", str(rvc_root)), cwd=REPO,
                           capture_output=True, text=True, timeout=900,
                           stdin=subprocess.DEVNULL)
    setup_seconds = time.monotonic() - started
    assert setup.returncode == 0, setup.stdout + setup.stderr
    print(f"setup from an empty RVC folder with runtime\\python.exe 3.9: {setup_seconds:.1f} s")
    venv_dir = rvc_root / "TensorBoardLauncher" / "venv"
    assert (venv_dir / "Scripts" / "python.exe").is_file()
    marker = json.loads((venv_dir / MARKER_NAME).read_text(encoding="utf-8"))
    assert Path(marker["base_python"]) == runtime_python
    assert marker["base_version"] == "3.9.13"

    app = subprocess.Popen(launcher("--rvc-dir", str(rvc_root), "--no-tray", "--no-browser"),
                           cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, text=True)
    pids: list[int] = []
    try:
        tensorboard_log = rvc_root / "TensorBoardLauncher" / "tensorboard.log"
        found: list[re.Match[str]] = []

        def ready() -> bool:
            text = tensorboard_log.read_text(encoding="utf-8") if tensorboard_log.exists() else ""
            found[:] = list(READY_URL.finditer(text))
            return bool(found) or app.poll() is not None or ZIPPED_STDLIB_BUG in text

        wait_until(ready, timeout=180, interval=0.2)
        assert ZIPPED_STDLIB_BUG not in tensorboard_log.read_text(encoding="utf-8"), \
            "launcher.tensorboard.zipcompat did not give the 3.9 zipimporter exec_module"
        assert found, "TensorBoard never served"
        port = int(found[-1].group(1))
        with _no_proxy.open(f"http://127.0.0.1:{port}/data/logdir", timeout=10) as response:
            assert response.status == 200
            assert Path(json.loads(response.read())["logdir"]) == rvc_root / "logs"
        pids = tree_pids(app.pid)
        tensorboard = [pid for pid in pids[1:]
                       if "tensorboard.main" in " ".join(psutil.Process(pid).cmdline())]
        assert tensorboard, f"no TensorBoard among {pids}"
        app.kill()  # TerminateProcess: what Task Manager's End task does
        app.wait(30)
        assert wait_until(lambda: all_gone(pids), timeout=30), \
            f"left running after the launcher was killed: {pids}"
    finally:
        app.kill()
        kill_pids(pids)


def test_applio_env_python_312_is_found_and_makes_a_venv_that_starts(tmp_path: Path) -> None:
    root = tmp_path / "Applio"
    (root / "logs").mkdir(parents=True)
    for marker in ("run-applio.bat", "core.py"):
        (root / marker).write_text("")
    env_python = make_rvc_python(root / "env", "3.12", with_pip=False)
    rvc = RvcFolder.at(root)
    assert find_base_interpreter(rvc, frozen=True, executable=str(root / "launcher.exe")) \
        == env_python
    venv = TensorBoardVenv(rvc.paths.venv_dir, env_python)
    venv._create_and_check(copies=True)
    assert venv.python_start_failure() is None
    done = subprocess.run([str(venv.python), "-c", "import sys; print(sys.version)"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("3.12."), done.stdout + done.stderr
