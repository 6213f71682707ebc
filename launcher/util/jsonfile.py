"""Files written whole or not at all: a reader never sees half a file."""

from __future__ import annotations

import json
import os
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename over it (atomic on Windows and POSIX)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_json(path: Path, data: object, indent: int | None = 2) -> None:
    write_atomically(path, json.dumps(data, indent=indent).encode("utf-8"))
