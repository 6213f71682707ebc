"""A crash of the launcher's own code during setup is reported as one, with the error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from launcher.core.app import LauncherCore
from launcher.core.settings import Settings
from launcher.core.state import Phase
from launcher.rvc.folder import RvcFolder
from launcher.util.errors import InternalError
from tests.helpers import wait_until


def test_a_bundle_without_its_lock_is_reported_as_a_crash(
        demo_rvc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a one-file exe built without the package data did: the lock file is not there.
    missing = tmp_path / "bundle" / "tensorboard-requirements.txt"
    monkeypatch.setattr("launcher.tensorboard.venv.DEFAULT_REQUIREMENTS", missing)
    rvc = RvcFolder.at(demo_rvc)
    core = LauncherCore(rvc, Settings(), base_python=Path(sys.executable))
    with pytest.raises(InternalError) as caught:
        core.prepare_venv()
    message = str(caught.value)
    assert "FileNotFoundError" in message and missing.name in message
    assert "bug in the launcher" in message and str(rvc.paths.log_file) in message

    core.start()  # the tray's path: the error state carries the same message, not a silent stop
    assert wait_until(lambda: core.state.phase is Phase.ERROR, 30), core.state
    assert "bug in the launcher" in core.state.message
    core.shutdown()
