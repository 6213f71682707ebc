"""Which process has a one-file bootloader to watch."""

from __future__ import annotations

import threading

from launcher.core.bootloader import is_onefile_child, watch_bootloader


def test_only_a_onefile_child_watches_its_bootloader() -> None:
    assert is_onefile_child(True, r"C:\Users\me\AppData\Local\Temp\_MEI123456")
    assert is_onefile_child(True, "/tmp/_MEIa1b2c3")
    assert not is_onefile_child(True, r"C:\RVC\RVCTensorBoardLauncher\_internal")  # one folder
    assert not is_onefile_child(False, None)  # python -m launcher


def test_python_m_launcher_starts_no_watch() -> None:
    assert watch_bootloader(threading.Event()) is None
