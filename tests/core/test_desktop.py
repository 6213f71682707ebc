"""Showing a saved weight file: Explorer's /select on Windows (its command line is tested in
test_winplatform), the file's folder elsewhere. A stand-in `xdg-open` on PATH records what the
real one would have been asked to open."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from launcher.core.desktop import show_in_folder
from tests.helpers import wait_until

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the folder opener off Windows (xdg-open); "
                                "Windows selects the file in Explorer (tests/test_winplatform.py)")


@pytest.fixture
def opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "opened.txt"
    opener = bin_dir / "xdg-open"
    opener.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{record}"\n')
    opener.chmod(opener.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return record


def test_a_weight_file_opens_its_folder_off_windows(tmp_path: Path, opened: Path) -> None:
    weights = tmp_path / "RVC" / "assets" / "weights"
    weights.mkdir(parents=True)
    weight = weights / "Aria_e270_s5400.pth"
    weight.write_bytes(b"weights")
    show_in_folder(weight, platform="linux")
    assert wait_until(lambda: opened.exists() and opened.read_text(), 10)
    assert opened.read_text().splitlines() == [str(weights)]


def test_a_deleted_weight_file_still_opens_its_folder(tmp_path: Path, opened: Path) -> None:
    show_in_folder(tmp_path / "gone_e10_s200.pth", platform="linux")
    assert wait_until(lambda: opened.exists() and opened.read_text(), 10)
    assert opened.read_text().splitlines() == [str(tmp_path)]
