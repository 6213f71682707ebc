"""Whose fault a failed venv creation is: the user's Python, or the launcher's own code."""

from __future__ import annotations

import sys
from pathlib import Path

import distlib
import pytest

from launcher.tensorboard.venv import TensorBoardVenv
from launcher.util.errors import InternalError, SetupError


def test_a_python_virtualenv_cannot_use_gets_the_install_python_advice(tmp_path: Path) -> None:
    not_python = tmp_path / "python"
    not_python.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    not_python.chmod(0o755)
    venv = TensorBoardVenv(tmp_path / "TensorBoardLauncher" / "venv", not_python)
    with pytest.raises(SetupError) as caught:
        venv._create(copies=False)
    assert not isinstance(caught.value, InternalError)
    message = str(caught.value)
    assert str(not_python) in message and "python.org" in message


def test_a_crash_inside_virtualenv_is_reported_as_the_launchers_bug(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The real failure (distlib's resource finder inside the Windows one-file exe) happens only
    # in that build; tests/windows/test_exe.py runs it under Wine. Here virtualenv raises it.
    def seeder_crash(*_args: object, **_kwargs: object) -> None:
        raise distlib.DistlibException("Unable to locate finder for 'distlib'")

    monkeypatch.setattr("virtualenv.cli_run", seeder_crash)
    venv = TensorBoardVenv(tmp_path / "TensorBoardLauncher" / "venv", Path(sys.executable))
    with pytest.raises(InternalError) as caught:
        venv._create(copies=False)
    message = str(caught.value)
    assert "DistlibException: Unable to locate finder for 'distlib'" in message
    assert "bug in the launcher" in message
    assert str(tmp_path / "TensorBoardLauncher" / "launcher.log") in message
    assert "python.org" not in message and "check the internet" not in message
