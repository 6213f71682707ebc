"""Base interpreter discovery against real interpreters, real symlinks and a fake frozen exe."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from launcher.rvc.folder import RvcFolder
from launcher.tensorboard.interpreter import InterpreterNotFound, find_base_interpreter, probe

# The dev .venv's python is itself a venv; link the real installation underneath it.
REAL_PYTHON = Path(getattr(sys, "_base_executable", sys.executable)).resolve()


# These build POSIX-shaped RVC folders from symlinks to this Python. Windows needs a
# privilege for symlinks and Wine makes none; tests/windows/test_rvc_runtime.py finds a real
# runtime\\python.exe and env\\python.exe there instead.
posix_links = pytest.mark.skipif(os.name == "nt", reason="symlinked POSIX pythons; on Windows "
                                 "see tests/windows/test_rvc_runtime.py")


def _link(link: Path, target: Path) -> Path:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    return link


@pytest.fixture
def no_path_pythons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holds only an empty folder; tests put the pythons they want in it."""
    folder = tmp_path / "path-bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def test_probe_reads_version_and_path_of_a_real_python() -> None:
    found = probe([str(REAL_PYTHON)])
    assert found is not None
    assert found.version[:2] == sys.version_info[:2]
    assert found.executable.resolve() == REAL_PYTHON


def test_probe_rejects_a_file_that_is_not_python(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho hello\n")
    fake.chmod(0o755)
    assert probe([str(fake)]) is None
    assert probe([str(tmp_path / "missing")]) is None


@posix_links
def test_the_rvc_bundled_python_comes_first(tmp_path: Path, no_path_pythons: Path) -> None:
    bundled = _link(tmp_path / "RVC" / "runtime" / "bin" / "python3", REAL_PYTHON)
    (tmp_path / "RVC" / "infer-web.py").write_text("")
    rvc = RvcFolder.at(tmp_path / "RVC")
    assert find_base_interpreter(rvc, frozen=False) == bundled


@posix_links
def test_override_beats_the_bundled_python(tmp_path: Path, no_path_pythons: Path) -> None:
    _link(tmp_path / "RVC" / "runtime" / "bin" / "python3", REAL_PYTHON)
    chosen = _link(tmp_path / "elsewhere" / "python3", REAL_PYTHON)
    rvc = RvcFolder.at(tmp_path / "RVC")
    assert find_base_interpreter(rvc, chosen, frozen=False) == chosen


@posix_links
def test_a_broken_override_is_an_error_not_a_silent_fallback(
        tmp_path: Path, no_path_pythons: Path) -> None:
    _link(tmp_path / "RVC" / "runtime" / "bin" / "python3", REAL_PYTHON)
    with pytest.raises(InterpreterNotFound, match=r"is not a working Python 3\.9 or newer"):
        find_base_interpreter(RvcFolder.at(tmp_path / "RVC"), tmp_path / "nope.exe",
                              frozen=False)


@posix_links
def test_path_lookup_when_the_rvc_folder_has_no_python(
        tmp_path: Path, no_path_pythons: Path) -> None:
    on_path = _link(no_path_pythons / "python3", REAL_PYTHON)
    (tmp_path / "RVC").mkdir()
    rvc = RvcFolder.at(tmp_path / "RVC")
    assert find_base_interpreter(rvc, frozen=True, executable=str(tmp_path / "launcher")) == on_path


@posix_links
def test_frozen_launcher_passed_as_override_is_refused(tmp_path: Path) -> None:
    launcher_exe = _link(tmp_path / "RVC" / "launcher.exe", REAL_PYTHON)
    rvc = RvcFolder.at(tmp_path / "RVC")
    with pytest.raises(InterpreterNotFound, match="is the launcher itself"):
        find_base_interpreter(rvc, launcher_exe, frozen=True, executable=str(launcher_exe))
    with pytest.raises(InterpreterNotFound, match="is the launcher itself"):
        find_base_interpreter(rvc, REAL_PYTHON, frozen=True, executable=str(REAL_PYTHON))


@posix_links
def test_frozen_never_picks_its_own_exe_under_any_name(
        tmp_path: Path, no_path_pythons: Path) -> None:
    # The launcher exe "is" this python: the bundled link and PATH link both lead to it.
    launcher_exe = _link(tmp_path / "RVC" / "launcher.exe", REAL_PYTHON)
    _link(tmp_path / "RVC" / "runtime" / "bin" / "python3", REAL_PYTHON)
    _link(no_path_pythons / "python3", REAL_PYTHON)
    rvc = RvcFolder.at(tmp_path / "RVC")
    with pytest.raises(InterpreterNotFound):
        find_base_interpreter(rvc, frozen=True, executable=str(launcher_exe))

    other = Path("/usr/bin/python3.11")
    if not other.exists() or other.resolve() == REAL_PYTHON:
        return
    _link(no_path_pythons / "python3.11", other)
    found = find_base_interpreter(rvc, frozen=True, executable=str(launcher_exe))
    assert found.resolve() == other.resolve()


def test_nothing_found_says_how_to_get_python(tmp_path: Path, no_path_pythons: Path) -> None:
    (tmp_path / "RVC").mkdir()
    with pytest.raises(InterpreterNotFound) as caught:
        find_base_interpreter(RvcFolder.at(tmp_path / "RVC"), frozen=True,
                              executable=str(tmp_path / "launcher"))
    message = str(caught.value)
    assert message.startswith("No Python 3.9 or newer was found on this computer;")
    assert "install Python 3.11 from python.org" in message and "--python" in message


def test_not_frozen_uses_the_running_python(tmp_path: Path, no_path_pythons: Path) -> None:
    (tmp_path / "RVC").mkdir()
    found = find_base_interpreter(RvcFolder.at(tmp_path / "RVC"), frozen=False,
                                  executable=sys.executable)
    assert found == Path(sys.executable)
