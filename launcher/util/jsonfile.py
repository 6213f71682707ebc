"""JSON files written whole or not at all: a reader never sees half a file."""

from __future__ import annotations

import json
import os
from pathlib import Path


def write_json(path: Path, data: object, indent: int | None = 2) -> None:
    """Write beside the target, then rename over it (atomic on Windows and POSIX)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=indent), encoding="utf-8")
    os.replace(temporary, path)
