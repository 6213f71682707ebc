"""TensorBoard's own records of running servers: `<tempdir>/.tensorboard-info/pid-<PID>.info`.

A TensorBoard is "ours" for a logdir when its info file names that logdir and its arguments
carry the launcher's `--samples_per_plugin` flag (so it serves every point, as the launcher's
would). The arguments come from TensorBoard's `cache_key`, documented as opaque: if it cannot be
read, the server is simply not ours and the launcher starts its own.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

import psutil

from launcher.tensorboard.process import SAMPLES_FLAG, fetch_logdir, same_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TensorBoardInfo:
    path: Path
    pid: int
    port: int
    logdir: str
    version: str
    arguments: tuple[str, ...]


def info_dir() -> Path:
    """Where TensorBoard writes info files; the same temp dir as ours, as it inherits our env."""
    return Path(tempfile.gettempdir()) / ".tensorboard-info"


def decode_arguments(cache_key: str) -> tuple[str, ...]:
    try:
        arguments = json.loads(base64.b64decode(cache_key))["arguments"]
    except (ValueError, TypeError, KeyError):
        return ()
    if not isinstance(arguments, list):
        return ()
    return tuple(str(argument) for argument in arguments)


def parse_info(text: str, path: Path) -> TensorBoardInfo | None:
    try:
        fields = json.loads(text)
        return TensorBoardInfo(path=path, pid=int(fields["pid"]), port=int(fields["port"]),
                               logdir=str(fields.get("logdir", "")),
                               version=str(fields.get("version", "")),
                               arguments=decode_arguments(str(fields.get("cache_key", ""))))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def read_infos(directory: Path | None = None) -> list[TensorBoardInfo]:
    directory = directory or info_dir()
    infos = []
    for path in sorted(directory.glob("pid-*.info")):
        with contextlib.suppress(OSError):
            info = parse_info(path.read_text(encoding="utf-8"), path)
            if info is not None:
                infos.append(info)
    return infos


def is_ours(info: TensorBoardInfo, logdir: Path) -> bool:
    flag, value = SAMPLES_FLAG
    pairs = set(zip(info.arguments, info.arguments[1:], strict=False))
    has_flag = (flag, value) in pairs or f"{flag}={value}" in info.arguments
    return has_flag and bool(info.logdir) and same_path(info.logdir, logdir)


def looks_like_tensorboard(cmdline: Sequence[str]) -> bool:
    """`python -m tensorboard.main ...`, the launcher's bootstrap, or a `tensorboard[.exe]`
    program or script; not any command with a folder named tensorboard in it."""
    if any("tensorboard.main" in argument for argument in cmdline):
        return True
    programs = [PureWindowsPath(argument).name.lower() for argument in cmdline[:2]]
    return any(name.removesuffix(".exe") == "tensorboard" for name in programs)


def is_alive(pid: int) -> bool:
    """The process runs (zombies do not) and, where we may read it, is a TensorBoard.

    Only pid, status and cmdline: under Wine psutil's name() and exe() fail (WinError 87)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return looks_like_tensorboard(process.cmdline())
    except (psutil.AccessDenied, PermissionError):  # Wine: ReadProcessMemory may be denied
        return True
    except psutil.Error:
        return False


def find_running(logdir: Path, timeout: float = 2.0, directory: Path | None = None,
                 exclude_pid: int | None = None) -> TensorBoardInfo | None:
    """A live TensorBoard of ours for `logdir` that answers over HTTP with that logdir (other
    than `exclude_pid`: the one this launcher started itself)."""
    for info in read_infos(directory):
        if info.pid == exclude_pid or not (is_ours(info, logdir) and is_alive(info.pid)):
            continue
        served = fetch_logdir(info.port, timeout)
        if served is not None and same_path(served, logdir):
            return info
    return None


def clean_stale(logdir: Path, directory: Path | None = None) -> list[Path]:
    """Delete info files of ours whose TensorBoard is gone (left behind by a hard kill)."""
    removed = []
    for info in read_infos(directory):
        if is_ours(info, logdir) and not is_alive(info.pid):
            with contextlib.suppress(OSError):
                info.path.unlink()
                removed.append(info.path)
                log.info("Removed stale TensorBoard info file %s", info.path)
    return removed
