"""The shared test venv (the `tensorboard_python` fixture's), built ahead of the tests:
`python -m tests.warm_caches`. `scripts/dev wine-prepare` builds the Wine lane's ahead of its
tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from launcher.tensorboard.venv import TensorBoardVenv

REPO = Path(__file__).resolve().parent.parent
# Windows (the Wine lane) keeps its own caches: the venv and virtualenv's app data name the
# interpreter that made them, so sharing them with the Linux suite would rebuild both each run.
CACHE = REPO / ".cache" / "windows" if os.name == "nt" else REPO / ".cache"


def use_test_caches() -> None:
    os.environ.setdefault("PIP_CACHE_DIR", str(CACHE / "pip"))
    os.environ.setdefault("VIRTUALENV_OVERRIDE_APP_DATA", str(CACHE / "virtualenv"))


def build_test_venv() -> TensorBoardVenv:
    """The venv with the locked TensorBoard, built by the launcher's own code once and reused;
    a file lock keeps parallel test sessions from building it at the same time."""
    from filelock import FileLock

    from launcher.tensorboard.venv import TensorBoardVenv

    CACHE.mkdir(parents=True, exist_ok=True)
    venv = TensorBoardVenv(CACHE / "tensorboard-launcher-venv", Path(sys.executable))
    with FileLock(str(CACHE / "tensorboard-launcher-venv.lock"), timeout=600):
        venv.ensure()
    return venv


if __name__ == "__main__":
    use_test_caches()
    print(f"test venv ready: {build_test_venv().python}")
