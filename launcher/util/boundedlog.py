"""A log file that never grows past a bound: past `max_bytes` it moves to `<name>.1` (the older
`.1` to `.2`, and so on up to `backups`) and starts again, like logging's RotatingFileHandler
but for a child's raw output lines."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TextIO

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_BACKUPS = 2


class BoundedLogFile:
    def __init__(self, path: Path, max_bytes: int = DEFAULT_MAX_BYTES,
                 backups: int = DEFAULT_BACKUPS) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._size = path.stat().st_size
        except OSError:
            self._size = 0
        if self._size >= max_bytes:
            self._rotate()
        self._file: TextIO = self._open()

    def _open(self) -> TextIO:
        return open(self.path, "a", encoding="utf-8", errors="replace")

    def backup(self, number: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{number}")

    def _rotate(self) -> None:
        try:
            for number in range(self.backups - 1, 0, -1):
                if self.backup(number).exists():
                    os.replace(self.backup(number), self.backup(number + 1))
            if self.backups > 0:
                os.replace(self.path, self.backup(1))
            else:
                self.path.unlink()
            self._size = 0
        except OSError as exc:  # Windows: another handle still has it open; try again later
            log.warning("could not rotate %s: %s", self.path, exc)

    def write_line(self, line: str) -> None:
        data = line + "\n"
        self._file.write(data)
        self._file.flush()
        self._size += len(data.encode("utf-8", errors="replace"))
        if self._size >= self.max_bytes:
            self._file.close()
            self._rotate()
            self._file = self._open()

    def close(self) -> None:
        self._file.close()
