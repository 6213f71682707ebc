"""Checks on the RVC folder's location, run before the launcher writes anything.

## Where the RVC folder may live

The launcher checks the folder's path before it creates anything. **Errors** stop it
(nothing is written); **warnings** are logged and shown, and it carries on.

Errors (nothing is created):

- `&` `^` `%` `!` `(` `)` `;` `,` `=` `'` `` ` `` `"` `<` `>` `|` in the path: cmd.exe
  splits, expands or escapes on them, so RVC's `.bat` files, batch-based helpers and
  pip's launchers break.
- On Windows with long paths off, a path so long that the venv's deepest file (measured:
  120 characters below the venv) would pass 259 characters: pip fails half-way.
- A read-only folder: the launcher cannot write its venv, settings or logs.

Warnings (logged and shown, the launcher carries on):

- `[ ] { } $ #` in the path: glob patterns (RVC's checkpoint resume), PowerShell and
  URLs treat them as special.
- Spaces or non-ASCII letters: RVC training and older tools break on them; the
  launcher itself copes.
- Inside OneDrive (an `OneDrive*` folder in the path, or under the `OneDrive`,
  `OneDriveConsumer` or `OneDriveCommercial` folders): syncing locks and uploads the
  venv and training logs while they change.

`@ + ~ - _ .` are fine. The fix is always the same: move the RVC folder to a short,
plain path such as `C:\\RVC`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Literal

from launcher import winplatform
from launcher.rvc.paths import LAUNCHER_DIR_NAME

BREAKING_CHARACTERS = "&^%!();,='`\"<>|"
RISKY_CHARACTERS = "[]{}$#"
MAX_PATH = 259  # Windows MAX_PATH is 260 including the terminating NUL.
# Longest file path inside the venv, measured on a real TensorBoard 2.21.0 install:
# Lib\site-packages\ (18) + tensorboard\_vendor\bleach\_vendor\html5lib\filters\__pycache__\
# alphabeticalattributes.cpython-311.pyc (102); same length for cpython-310..313.
VENV_DEEPEST_RELATIVE = 18 + 102
VENV_SUBPATH = (LAUNCHER_DIR_NAME, "venv")
ONEDRIVE_ENV_VARS = ("OneDrive", "OneDriveConsumer", "OneDriveCommercial")

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str
    message: str


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def _suggested(windows: bool) -> str:
    return "C:\\RVC" if windows else "~/RVC"


def _quoted_list(chars: Iterable[str]) -> str:
    quoted = [f'"{c}"' if c != " " else "a space" for c in chars]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _offending(text: str, alphabet: str) -> list[str]:
    return sorted({c for c in text if c in alphabet}, key=text.index)


def _path_body(path: PurePath) -> str:
    """The path without its anchor, so C: and the root slash are not mistaken for problems."""
    return str(path)[len(path.anchor):]


def deepest_venv_path_length(root: PurePath) -> int:
    """Characters in the longest file path the TensorBoard venv creates under this RVC folder."""
    venv = PureWindowsPath(root, *VENV_SUBPATH)
    return len(str(venv)) + 1 + VENV_DEEPEST_RELATIVE


def check_path_text(path: PurePath, *, windows: bool, long_paths_enabled: bool = False
                    ) -> list[Finding]:
    """Problems visible in the path's text alone; pure, so both OS forms test anywhere."""
    path = PureWindowsPath(path) if windows else PurePosixPath(path)
    body = _path_body(path)
    move = f"move the RVC folder to a short, plain path such as {_suggested(windows)}"
    findings: list[Finding] = []
    if breaking := _offending(body, BREAKING_CHARACTERS):
        findings.append(Finding("error", "breaking-characters", (
            f"The folder path {path} contains {_quoted_list(breaking)}, which break batch files "
            f"and pip; {move}.")))
    if windows and not long_paths_enabled and (
            length := deepest_venv_path_length(path)) > MAX_PATH:
        findings.append(Finding("error", "too-long", (
            f"The folder path {path} is {len(str(path))} characters long, so TensorBoard's files "
            f"would reach {length} characters, past Windows' limit of {MAX_PATH}; {move} "
            "or enable Windows long paths.")))
    if risky := _offending(body, RISKY_CHARACTERS):
        findings.append(Finding("warning", "risky-characters", (
            f"The folder path {path} contains {_quoted_list(risky)}, which some tools read as "
            f"patterns or variables; if anything misbehaves, {move}.")))
    if " " in body:
        findings.append(Finding("warning", "spaces", (
            f"The folder path {path} contains spaces, which break RVC training and older "
            f"tools; {move}.")))
    if non_ascii := sorted({c for c in body if not c.isascii()}, key=body.index):
        findings.append(Finding("warning", "non-ascii", (
            f"The folder path {path} contains the non-ASCII letters {_quoted_list(non_ascii)}, "
            f"which break RVC training and older tools; {move}.")))
    if any(part.lower().startswith("onedrive") for part in path.parts):
        findings.append(_onedrive_finding(path, move))
    return findings


def _onedrive_finding(path: PurePath, move: str) -> Finding:
    return Finding("warning", "onedrive", (
        f"The folder {path} is inside OneDrive, which syncs and locks files while TensorBoard "
        f"and training write them; {move} outside OneDrive."))


def _under(path: Path, folder: str) -> bool:
    try:
        return Path(os.path.normcase(path)).is_relative_to(os.path.normcase(Path(folder)))
    except (OSError, ValueError):
        return False


def is_writable(folder: Path) -> bool:
    """Creates and deletes a file: what the launcher must do there. os.access cannot answer:
    it ignores Windows ACLs, and on Windows it reads the read-only attribute, which Windows
    itself ignores on folders. Not tempfile.mkstemp either: on Windows it takes "access
    denied" for a name clash and tries the next name, for ever, in a folder an ACL closes."""
    probe = folder / f".launcher-write-test-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except OSError:
        return False
    try:
        os.unlink(probe)
    except OSError:
        return False
    return True


def check_location(root: Path, env: Mapping[str, str] | None = None) -> list[Finding]:
    """check_path_text for this OS, plus what only the filesystem knows: OneDrive and read-only."""
    env = os.environ if env is None else env
    root = Path(root).absolute()
    windows = winplatform.IS_WINDOWS
    findings = check_path_text(root, windows=windows,
                               long_paths_enabled=winplatform.long_paths_enabled())
    synced = [env[var] for var in ONEDRIVE_ENV_VARS if env.get(var)]
    if not any(f.code == "onedrive" for f in findings) and any(_under(root, f) for f in synced):
        findings.append(_onedrive_finding(
            root, f"move the RVC folder to a short, plain path such as {_suggested(windows)}"))
    if root.is_dir() and not is_writable(root):
        findings.append(Finding("error", "read-only", (
            f"The folder {root} is read-only, so the launcher cannot set up TensorBoard there; "
            f"move the RVC folder to a writable place such as {_suggested(windows)}.")))
    return findings
