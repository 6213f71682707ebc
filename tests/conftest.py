"""Shared fixtures. Caches go under the repo's .cache/ so tests touch nothing outside it and tmp."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.demo import create_demo_rvc

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache"
TENSORBOARD_VERSION = "2.21.0"

os.environ.setdefault("PIP_CACHE_DIR", str(CACHE / "pip"))
os.environ.setdefault("VIRTUALENV_OVERRIDE_APP_DATA", str(CACHE / "virtualenv"))


@pytest.fixture
def demo_rvc(tmp_path: Path) -> Path:
    """A demo RVC WebUI folder with generated logs for two models."""
    return create_demo_rvc(tmp_path / "RVC")


@pytest.fixture(scope="session")
def tensorboard_python() -> Iterator[Path]:
    """A real venv with the pinned TensorBoard, built once and reused across test runs."""
    venv_dir = CACHE / "tensorboard-venv"
    python = venv_dir / "bin" / "python"
    stamp = venv_dir / f".tensorboard-{TENSORBOARD_VERSION}"
    if not stamp.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv_dir)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        f"tensorboard=={TENSORBOARD_VERSION}"], check=True)
        stamp.touch()
    yield python
