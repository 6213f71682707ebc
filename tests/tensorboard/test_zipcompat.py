"""The zipimporter fix for venvs of embeddable Python 3.9, run by a real interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from launcher.tensorboard import zipcompat


def interpreters() -> list[str]:
    """This Python, and in the Wine lane the embeddable 3.9 whose zipimporter needs the fix."""
    found = [sys.executable]
    embed39 = os.environ.get("WINE_LANE_EMBED39")  # untouched: stdlib in python39.zip
    if os.name == "nt" and embed39:
        found.append(str(Path(embed39) / "python.exe"))
    return found


PROBE = ("import site, sys, importlib.util; site.addsitedir(sys.argv[1]); "
         "sys.path.insert(0, sys.argv[2]); spec = importlib.util.find_spec('zipped_mod'); "
         "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); "
         "print(type(spec.loader).__name__, module.VALUE)")


@pytest.mark.parametrize("python", interpreters())
def test_the_pth_line_runs_and_a_module_loads_from_a_zip_the_way_markdown_loads_it(
        python: str, tmp_path: Path) -> None:
    archive = tmp_path / "stdlib.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped_mod.py", "VALUE = 42\n")
    site = tmp_path / "site"
    site.mkdir()
    (site / zipcompat.PTH_NAME).write_text(zipcompat.PTH_LINE, encoding="utf-8")
    # markdown/htmlparser.py's own steps: find_spec, module_from_spec, loader.exec_module
    done = subprocess.run([python, "-I", "-c", PROBE, str(site), str(archive)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["zipimporter", "42"]
    if "python.exe" in python and python != sys.executable:  # 3.9: without the fix it fails
        (site / zipcompat.PTH_NAME).unlink()
        bare = subprocess.run([python, "-I", "-c", PROBE, str(site), str(archive)],
                              capture_output=True, text=True, timeout=60)
        assert "has no attribute 'exec_module'" in bare.stderr


def test_install_writes_into_the_venvs_site_packages(tmp_path: Path) -> None:
    site = tmp_path / "venv" / "Lib" / "site-packages"
    site.mkdir(parents=True)
    assert zipcompat.install(tmp_path / "venv") == site / zipcompat.PTH_NAME
    assert zipcompat.install(tmp_path / "empty") is None
