"""The advisor keeps what it read in the launcher's folder, and a restart gives the same advice."""

from __future__ import annotations

from pathlib import Path

from launcher.advisor.analysis import Advisor
from launcher.rvc.folder import RvcFolder
from launcher.rvc.paths import LauncherPaths


def test_restart_uses_the_cache_in_the_launcher_folder(demo_rvc: Path) -> None:
    rvc = RvcFolder.at(demo_rvc)
    first = Advisor(rvc).refresh()
    entries = list(LauncherPaths(demo_rvc).scalar_cache_dir.iterdir())
    event_files = list((demo_rvc / "logs").rglob("events.out.tfevents.*"))
    assert len(entries) == len(event_files) == len(first)  # one per demo model's event file
    again = Advisor(rvc).refresh()
    uncached = Advisor(rvc, cache_scalars=False).refresh()
    assert again == first == uncached
    assert sorted(e.stat().st_mtime_ns for e in entries) == sorted(
        e.stat().st_mtime_ns for e in LauncherPaths(demo_rvc).scalar_cache_dir.iterdir())
