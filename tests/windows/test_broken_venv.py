"""A TensorBoard venv whose python.exe cannot start, made the two ways Windows machines make it."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import pytest

from launcher import winplatform
from launcher.core.app import LauncherCore
from launcher.core.settings import Settings
from launcher.core.state import Phase
from launcher.rvc.folder import RvcFolder
from launcher.tensorboard.venv import TensorBoardVenv
from tests.helpers import wait_until

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not winplatform.IS_WINDOWS,
                                 reason="Windows venvs (runs on Windows and under Wine)")]

BASE_PYTHON = Path(sys.executable)
DLL_NAME = f"python{sys.version_info[0]}{sys.version_info[1]}.dll"


def test_a_venv_whose_python_does_not_start_is_made_again_with_copies(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    venv = TensorBoardVenv(tmp_path / "TensorBoardLauncher" / "venv", BASE_PYTHON)
    venv._create(copies=False)
    failure = venv.python_start_failure()
    if failure is None:
        pytest.skip("symlinks work here (real Windows with the symlink privilege)")
    # Under Wine os.symlink reports success and makes nothing: the DLL beside python.exe is
    # missing, as when a symlinked venv is moved to another machine.
    assert "0xC0000135 (a DLL it needs was not found)" in failure
    shutil.rmtree(venv.venv_dir)
    with caplog.at_level(logging.WARNING, logger="launcher.tensorboard.venv"):
        venv._create_and_check(copies=False)
    assert venv.python_start_failure() is None
    assert (venv.python.parent / DLL_NAME).is_file()
    assert any("0xC0000135" in record.getMessage() for record in caplog.records)


def test_a_copied_venv_has_its_own_dll(tmp_path: Path) -> None:
    venv = TensorBoardVenv(tmp_path / "venv", BASE_PYTHON)
    venv._create(copies=True)
    assert (venv.python.parent / DLL_NAME).is_file()
    assert venv.python_start_failure() is None


def test_a_ready_venv_that_lost_its_dll_fails_fast_and_is_rebuilt_on_the_next_start(
        demo_rvc: Path) -> None:
    rvc = RvcFolder.at(demo_rvc)
    venv = TensorBoardVenv(rvc.paths.venv_dir, BASE_PYTHON)
    venv._create(copies=True)  # TensorBoard itself is not needed: python.exe never starts
    venv._write_marker({"base_version": ".".join(map(str, sys.version_info[:3])),
                        "plugin": venv.plugin_version})
    assert venv.is_ready()
    (venv.python.parent / DLL_NAME).unlink()  # what a cleaner or an antivirus may do
    assert venv.is_ready(), "the fast path runs nothing, so it cannot see this"

    core = LauncherCore(rvc, Settings(preferred_port=0), open_url=lambda url: True)
    notes: list[tuple[str, str]] = []
    core.on_notify(lambda title, message: notes.append((title, message)))
    core.start()
    try:
        assert wait_until(lambda: core.state.phase is Phase.ERROR, timeout=60), core.state
        message = core.state.message
    finally:
        core.shutdown()
    assert message.startswith("The TensorBoard environment's python cannot start (TensorBoard "
                              "crashed (exit code 0xC0000135 (a DLL it needs was not found)))")
    assert "rebuilt when the launcher starts again" in message
    assert ("TensorBoard failed", message) in notes
    # The next start takes the build path (tests/tensorboard/test_venv.py builds for real).
    assert not venv.is_ready() and TensorBoardVenv.already_built(rvc.paths.venv_dir) is None
