"""Shared fixtures. Caches go under the repo's .cache/ so tests touch nothing outside it and tmp."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.events.demo import create_demo_rvc
from tests.warm_caches import build_test_venv, use_test_caches

TENSORBOARD_VERSION = "2.21.0"

use_test_caches()
# The launchers the tests start speak English whatever the machine's locale; the language
# tests (tests/i18n) choose theirs explicitly.
os.environ["LANGUAGE"] = "en"


@pytest.fixture
def demo_rvc(tmp_path: Path) -> Path:
    """A demo RVC WebUI folder with generated logs for two models."""
    return create_demo_rvc(tmp_path / "RVC")


@pytest.fixture(scope="session")
def tensorboard_python() -> Iterator[Path]:
    """A real venv with the locked TensorBoard, built by the launcher's own code once and reused
    (tests/warm_caches.py)."""
    venv = build_test_venv()
    assert venv.tensorboard_version == TENSORBOARD_VERSION
    yield venv.python


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
