"""Realistic RVC and Applio Pythons for Windows tests, made from python.org's embeddable build.

An RVC WebUI `runtime\\` folder is an embeddable CPython 3.9 that its packager opened up: its
`python39._pth` lists `Lib\\site-packages` and has `import site`, and pip is installed there
(RVC's own guides run `runtime\\python.exe -m pip install ...`). Applio's `env\\` is a 3.12.
The Wine lane (scripts/wine/run.sh) hands the untouched embeddable folders and a pip wheel to
the tests through WINE_LANE_EMBED39, WINE_LANE_EMBED312, WINE_LANE_PIP_WHEEL(39).

What virtualenv needs from such a Python, and gets from it: `sys._base_executable`, the
stdlib (here inside `python3X.zip`, which virtualenv's Windows creator copies into the venv),
the DLLs beside python.exe, and `site` enabled so the venv's own site-packages is used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import under_wine

EMBED_VARIABLES = {"3.9": "WINE_LANE_EMBED39", "3.12": "WINE_LANE_EMBED312"}

# Wine 8.0 quirk 4 (Python 3.12+): shutil.copy2 calls kernel32.CopyFile2, which Wine lacks.
# An Applio user on Windows has CopyFile2, so this belongs in the test's Python, never in the
# launcher. (The other half, platform's _wmi.pyd aborting pip, is deleted from the copy.)
WINE_SITECUSTOMIZE = """\
try:
    import _winapi
    if hasattr(_winapi, "CopyFile2"):
        del _winapi.CopyFile2
except Exception:
    pass
"""


def embeddable(version: str) -> Path:
    """The untouched embeddable folder for `version`, or skip the test."""
    folder = os.environ.get(EMBED_VARIABLES[version], "")
    if not folder or not (Path(folder) / "python.exe").is_file():
        pytest.skip(f"needs an embeddable CPython {version} in {EMBED_VARIABLES[version]} "
                    "(scripts/dev wine-test provides it)")
    return Path(folder)


def make_rvc_python(destination: Path, version: str, *, with_pip: bool = True) -> Path:
    """Copy the embeddable `version` to `destination` and open it up as RVC's packagers do;
    returns its python.exe."""
    shutil.copytree(embeddable(version), destination)
    tag = version.replace(".", "")
    (destination / f"python{tag}._pth").write_text(
        f"python{tag}.zip\n.\nLib\\site-packages\n\n# Uncomment to run site.main() "
        "automatically\nimport site\n", encoding="utf-8")
    (destination / "Lib" / "site-packages").mkdir(parents=True)
    if version != "3.9" and under_wine():
        (destination / "_wmi.pyd").unlink(missing_ok=True)
        (destination / "sitecustomize.py").write_text(WINE_SITECUSTOMIZE, encoding="utf-8")
    python = destination / "python.exe"
    if with_pip:
        install_pip(python, version)
    return python


def install_pip(python: Path, version: str) -> None:
    variable = "WINE_LANE_PIP_WHEEL39" if version == "3.9" else "WINE_LANE_PIP_WHEEL"
    wheel = os.environ.get(variable, "")
    if not wheel:
        pytest.skip(f"needs a pip wheel in {variable} (scripts/dev wine-test)")
    bootstrap = ("import sys; sys.path.insert(0, sys.argv[1]); "
                 "from pip._internal.cli.main import main; "
                 "sys.exit(main(['install', '-q', '--no-index', '--no-warn-script-location', "
                 "sys.argv[1]]))")
    done = subprocess.run([str(python), "-c", bootstrap, wheel], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
