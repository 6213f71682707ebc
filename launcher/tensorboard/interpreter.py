"""Finding the Python the TensorBoard venv is built from.

Order: the user's override (--python), the RVC distribution's own interpreter, the running
Python (only when not frozen), Windows' registry (PEP 514) and `py` launcher, then PATH.
Each candidate is run once to read its version and real path. When frozen, the launcher's
own exe is never accepted: it looks like an interpreter, and a venv built from it relaunches
the app (see shared/NOTES.md). python_discovery's full search is not used for that reason:
it always runs sys.executable first.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from launcher import winplatform
from launcher.i18n import _
from launcher.rvc import paths
from launcher.rvc.folder import RvcFolder
from launcher.util.errors import SetupError

log = logging.getLogger(__name__)

MINIMUM_VERSION = (3, 9)
PREFERRED_MINORS = (11, 12, 10, 13, 9)  # the versions every locked wheel was checked for
PROBE_TIMEOUT = 20.0
_PROBE = "import sys; print(*sys.version_info[:3]); print(sys.executable)"


class InterpreterNotFound(SetupError):
    """No usable base Python; the message says how to get one."""


@dataclass(frozen=True)
class Interpreter:
    executable: Path
    version: tuple[int, int, int]


def probe(command: Sequence[str], timeout: float = PROBE_TIMEOUT) -> Interpreter | None:
    """Runs a candidate once; its version and real path, or None if it is not a working Python."""
    try:
        done = subprocess.run(
            [*command, "-I", "-c", _PROBE], capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL, creationflags=winplatform.child_creation_flags(),
            env=winplatform.cleaned_child_env(os.environ, frozen=paths.is_frozen()))
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("%s is not a usable Python: %s", command[0], exc)
        return None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or len(lines) != 2:
        log.debug("%s is not a usable Python (exit %s)", command[0], done.returncode)
        return None
    try:
        major, minor, micro = (int(part) for part in lines[0].split())
    except ValueError:
        return None
    return Interpreter(Path(lines[1]), (major, minor, micro))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _registry_pythons() -> list[str]:
    """python.org installs listed in the Windows registry (PEP 514), preferred versions first."""
    try:
        from python_discovery._windows import discover_pythons
    except ImportError:
        return []
    found = [(spec[1], spec[2], spec[5]) for spec in discover_pythons() if spec[5]]
    rank = {minor: i for i, minor in enumerate(PREFERRED_MINORS)}
    found.sort(key=lambda item: (item[0] != 3, rank.get(item[1] or 0, len(rank))))
    return [exe for _, _, exe in found]


def _discovered(windows: bool) -> Iterator[list[str]]:
    if windows:
        yield from ([exe] for exe in _registry_pythons())
        if py := shutil.which("py"):
            yield from ([py, f"-3.{minor}"] for minor in PREFERRED_MINORS)
    names = [f"python3.{minor}" for minor in PREFERRED_MINORS] + ["python3", "python"]
    for name in names:
        if exe := shutil.which(name):
            yield [exe]


def _candidates(rvc: RvcFolder, frozen: bool, executable: str) -> Iterator[tuple[str, list[str]]]:
    for bundled in rvc.bundled_pythons():
        yield f"{rvc.distribution.label}'s Python", [str(bundled)]
    if not frozen:
        yield "the running Python", [executable]
    for command in _discovered(paths.IS_WINDOWS):
        yield "a Python on this computer", command


def _acceptable(found: Interpreter | None, launcher_exe: Path | None) -> bool:
    if found is None or found.version[:2] < MINIMUM_VERSION:
        return False
    return launcher_exe is None or not _same_file(found.executable, launcher_exe)


def find_base_interpreter(rvc: RvcFolder, override: Path | None = None, *,
                          frozen: bool | None = None, executable: str | None = None) -> Path:
    """The absolute path of a working Python >= 3.9 to build the venv from."""
    frozen = paths.is_frozen() if frozen is None else frozen
    executable = executable or sys.executable
    launcher_exe = Path(executable) if frozen else None
    wanted = ".".join(map(str, MINIMUM_VERSION))
    if override is not None:
        override = Path(override).absolute()
        if launcher_exe is not None and _same_file(override, launcher_exe):
            raise InterpreterNotFound(
                _("{path} is the launcher itself, not Python; pass --python with the path "
                  "of a real python.exe, for example C:\\Python311\\python.exe.").format(
                    path=override))
        found = probe([str(override)])
        if not _acceptable(found, launcher_exe):
            raise InterpreterNotFound(
                _("{path} is not a working Python {version} or newer; pass --python with the "
                  "path of one, or install Python 3.11 from python.org.").format(
                    path=override, version=wanted))
        assert found is not None
        return found.executable
    seen: set[Path] = set()
    for source, command in _candidates(rvc, frozen, executable):
        if launcher_exe is not None and _same_file(Path(command[0]), launcher_exe):
            log.info("Skipping %s: it is the launcher itself", command[0])
            continue
        key = Path(command[0]).resolve() if len(command) == 1 else Path(" ".join(command))
        if key in seen:
            continue
        seen.add(key)
        found = probe(command)
        if _acceptable(found, launcher_exe):
            assert found is not None
            log.info("Base Python for TensorBoard: %s (%s, %s)", found.executable, source,
                     ".".join(map(str, found.version)))
            return found.executable
    raise InterpreterNotFound(
        _("No Python {version} or newer was found on this computer; install Python 3.11 from "
          "python.org (tick \"Add python.exe to PATH\") or start the launcher with --python "
          "and the path of a python.exe.").format(version=wanted))
