"""The launcher's TensorBoard plugin (source in `plugin/`) packed as a wheel, in pure Python.

The frozen exe carries the plugin's source as data and has neither setuptools nor a build
backend, so the wheel is zipped here: the files, a METADATA, a WHEEL, the `tensorboard_plugins`
entry point and a RECORD of hashes. Its version is the package's `__version__` plus a digest
of the source (`1.0.0+<12 hex>`), so any change to the plugin changes the version and the venv
marker, and an updated launcher reinstalls it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from pathlib import Path

PLUGIN_SOURCE = Path(__file__).with_name("plugin")
DISTRIBUTION = "rvc_tensorboard_plugin"
PACKAGE = "rvc_tensorboard_plugin"
ENTRY_POINT = "rvc = rvc_tensorboard_plugin.plugin:RvcPlugin"
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed: the same source gives the same wheel bytes
_VERSION = re.compile(r'^__version__ = "([^"]+)"', re.MULTILINE)


def package_files(source: Path = PLUGIN_SOURCE) -> dict[str, bytes]:
    """Archive name -> bytes of every file of the plugin package (no caches)."""
    root = source / PACKAGE
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files[path.relative_to(source).as_posix()] = path.read_bytes()
    if f"{PACKAGE}/__init__.py" not in files:
        raise FileNotFoundError(f"the plugin source is missing from {root}")
    return files


def plugin_version(source: Path = PLUGIN_SOURCE) -> str:
    files = package_files(source)
    match = _VERSION.search(files[f"{PACKAGE}/__init__.py"].decode("utf-8"))
    if match is None:
        raise ValueError(f"{PACKAGE}/__init__.py sets no __version__")
    digest = hashlib.sha256()
    for name, data in files.items():
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    return f"{match.group(1)}+{digest.hexdigest()[:12]}"


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode('ascii')}"


def build_wheel(target_dir: Path, source: Path = PLUGIN_SOURCE) -> Path:
    """Write the plugin's wheel into `target_dir`; returns its path."""
    version = plugin_version(source)
    info = f"{DISTRIBUTION}-{version}.dist-info"
    files = dict(package_files(source))
    files[f"{info}/METADATA"] = (
        "Metadata-Version: 2.1\n"
        f"Name: {DISTRIBUTION}\n"
        f"Version: {version}\n"
        "Summary: RVC TensorBoard Launcher's start page and RVC tab (installed by the launcher)\n"
        "License: MIT\n").encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: rvc-tensorboard-launcher\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n")
    files[f"{info}/entry_points.txt"] = f"[tensorboard_plugins]\n{ENTRY_POINT}\n".encode()
    record = [f"{name},{_record_hash(data)},{len(data)}" for name, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode("utf-8")
    target_dir.mkdir(parents=True, exist_ok=True)
    wheel = target_dir / f"{DISTRIBUTION}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return wheel
