"""The core's tests share one demo RVC folder whose launcher venv is really built, once."""

from __future__ import annotations

import pytest

from launcher.core.app import LauncherCore
from launcher.core.settings import Settings
from launcher.events.demo import create_demo_rvc
from launcher.rvc.folder import RvcFolder
from tests.helpers import base_python


@pytest.fixture(scope="session")
def ready_rvc(tmp_path_factory: pytest.TempPathFactory) -> RvcFolder:
    """A demo RVC folder whose launcher venv is built once (a minute under Wine)."""
    rvc = RvcFolder.at(create_demo_rvc(tmp_path_factory.mktemp("ready") / "RVC"))
    LauncherCore(rvc, Settings(), base_python=base_python()).prepare_venv()
    return rvc
