"""A venv made from python.org's embeddable Python 3.9 (an RVC WebUI `runtime\\`) keeps the
standard library in python39.zip. Markdown (TensorBoard's text plugin) loads `html.parser`
through `spec.loader.exec_module`, which Python 3.9's zipimporter lacks (3.10 added it), so
TensorBoard died at start with "'zipimporter' object has no attribute 'exec_module'".
A .pth file in the venv gives zipimporter the two loader methods on Python < 3.10 only.
"""

from __future__ import annotations

from pathlib import Path

PTH_NAME = "rvc-launcher-zipimport-compat.pth"
# site runs a .pth line that starts with "import"; everything must fit on that one line.
PTH_LINE = (
    "import sys; exec(\"import zipimport\\n"
    "z = zipimport.zipimporter\\n"
    "if not hasattr(z, 'exec_module'):\\n"
    "    z.create_module = lambda self, spec: None\\n"
    "    z.exec_module = lambda self, module: exec(self.get_code(module.__name__), "
    "module.__dict__)\\n\") if sys.version_info < (3, 10) else None\n")


def site_packages(venv_dir: Path) -> Path | None:
    """The venv's site-packages: Lib\\site-packages on Windows, lib/pythonX.Y/... elsewhere."""
    windows = venv_dir / "Lib" / "site-packages"
    if windows.is_dir():
        return windows
    return next(iter(sorted(venv_dir.glob("lib/python*/site-packages"))), None)


def install(venv_dir: Path) -> Path | None:
    """Writes the .pth into the venv; returns its path (None if there is no site-packages)."""
    target = site_packages(venv_dir)
    if target is None:
        return None
    pth = target / PTH_NAME
    pth.write_text(PTH_LINE, encoding="utf-8")
    return pth
