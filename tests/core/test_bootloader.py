"""Which process has a one-file bootloader to watch."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from launcher.core.bootloader import is_onefile_child, watch_bootloader

REPO = Path(__file__).resolve().parents[2]


def test_only_a_onefile_child_watches_its_bootloader() -> None:
    assert is_onefile_child(True, r"C:\Users\me\AppData\Local\Temp\_MEI123456")
    assert is_onefile_child(True, "/tmp/_MEIa1b2c3")
    assert not is_onefile_child(True, r"C:\RVC\RVCTensorBoardLauncher\_internal")  # one folder
    assert not is_onefile_child(False, None)  # python -m launcher


def test_python_m_launcher_starts_no_watch() -> None:
    assert watch_bootloader(threading.Event()) is None


def test_the_forced_exit_fires_even_while_python_is_stuck() -> None:
    # On Windows the main thread holds the GIL in a regex that never ends (a Python timer
    # could not run); the native timer's TerminateProcess needs no Python. Elsewhere it sleeps.
    stuck = ("re.match(r'(a+)+$', 'a' * 60 + 'b')" if os.name == "nt" else "time.sleep(60)")
    code = ("import re, time; from launcher import winplatform; "
            f"winplatform.end_this_process_after(0.5); {stuck}")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=30,
                          capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert time.monotonic() - started < 20
