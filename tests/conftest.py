"""Shared fixtures. Caches go under the repo's .cache/ so tests touch nothing outside it and tmp."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.events.demo import create_demo_rvc

REPO = Path(__file__).resolve().parent.parent
# Windows (the Wine lane) keeps its own caches: the venv and virtualenv's app data name the
# interpreter that made them, so sharing them with the Linux suite would rebuild both each run.
CACHE = REPO / ".cache" / "windows" if os.name == "nt" else REPO / ".cache"
TENSORBOARD_VERSION = "2.21.0"

os.environ.setdefault("PIP_CACHE_DIR", str(CACHE / "pip"))
os.environ.setdefault("VIRTUALENV_OVERRIDE_APP_DATA", str(CACHE / "virtualenv"))


@pytest.fixture
def demo_rvc(tmp_path: Path) -> Path:
    """A demo RVC WebUI folder with generated logs for two models."""
    return create_demo_rvc(tmp_path / "RVC")


@pytest.fixture(scope="session")
def tensorboard_python() -> Iterator[Path]:
    """A real venv with the locked TensorBoard, built by the launcher's own code once and reused.

    A file lock keeps parallel test sessions from building it at the same time.
    """
    from filelock import FileLock

    from launcher.tensorboard.venv import TensorBoardVenv

    CACHE.mkdir(parents=True, exist_ok=True)
    venv = TensorBoardVenv(CACHE / "tensorboard-launcher-venv", Path(sys.executable))
    with FileLock(str(CACHE / "tensorboard-launcher-venv.lock"), timeout=600):
        python = venv.ensure()
    assert venv.tensorboard_version == TENSORBOARD_VERSION
    yield python


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """A private X server; its number is picked by Xvfb itself (-displayfd)."""
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-nolisten", "tcp",
                               "-screen", "0", "640x480x24"], pass_fds=(write_fd,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not report a display number"
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)
