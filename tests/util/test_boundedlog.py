"""tensorboard.log stays bounded: it rotates into .1, .2 and drops the oldest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from launcher.util.boundedlog import BoundedLogFile


def sizes(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_size for path in sorted(folder.iterdir())}


@pytest.mark.skipif(os.name == "nt", reason="its byte counts assume \\n line ends; Windows "
                    "writes \\r\\n (rotation at open is checked below on every OS)")
def test_rotates_past_the_bound_and_keeps_only_the_backups(tmp_path: Path) -> None:
    log = BoundedLogFile(tmp_path / "tensorboard.log", max_bytes=1000, backups=2)
    for number in range(100):  # 100 lines of 50 bytes: 5000 bytes written in all
        log.write_line(f"{number:04d} " + "x" * 44)
    log.close()
    found = sizes(tmp_path)
    assert set(found) == {"tensorboard.log", "tensorboard.log.1", "tensorboard.log.2"}
    assert all(size <= 1000 for size in found.values())
    assert (tmp_path / "tensorboard.log.1").read_text().startswith("0080 ")
    assert (tmp_path / "tensorboard.log").read_text() == ""  # 0099 filled .1 to the bound


def test_an_oversized_log_from_before_is_rotated_at_open(tmp_path: Path) -> None:
    old = tmp_path / "tensorboard.log"
    old.write_bytes(b"old line\n" * 300)  # 2700 bytes: older launchers never rotated
    log = BoundedLogFile(old, max_bytes=1000, backups=1)
    log.write_line("new start")
    log.close()
    assert old.read_text() == "new start\n"
    assert (tmp_path / "tensorboard.log.1").stat().st_size == 2700


def test_appends_to_a_small_log(tmp_path: Path) -> None:
    path = tmp_path / "tensorboard.log"
    path.write_text("earlier\n")
    log = BoundedLogFile(path, max_bytes=1000)
    log.write_line("later")
    log.close()
    assert path.read_text() == "earlier\nlater\n"
