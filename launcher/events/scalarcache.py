"""What was read from each event file, kept on disk so a restart reads only what is new.

One small binary file per event file: a JSON header (the file's path, size, mtime, where
reading stopped, fingerprints of its first bytes and of the bytes just before that offset,
the plugin of each tag) and then each tag's steps, values and wall times as packed arrays.
An entry is used only if the event file still starts with the same bytes, still holds the
same bytes before the offset, is not shorter than it, and did not change without growing;
anything else (a rewritten or truncated file, a damaged or foreign entry) means a fresh read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
import sys
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from launcher.util.jsonfile import write_atomically

log = logging.getLogger(__name__)

MAGIC = b"RVC-TBL scalar cache 1\n"
_FINGERPRINT_BYTES = 4096
_HEADER_LENGTH = struct.Struct("<I")


@dataclass
class CachedRead:
    """Where reading an event file stopped, and what it had found by then."""

    offset: int
    plugins: dict[str, bytes]
    series: dict[str, tuple[list[int], list[float], list[float]]]


def _fingerprint(handle: BinaryIO, start: int, length: int) -> int:
    handle.seek(start)
    return zlib.crc32(handle.read(length))


class ScalarCache:
    """Cache entries for event files, in one folder (the launcher's, in the RVC folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._write_failed = False

    def entry_path(self, event_file: Path) -> Path:
        key = hashlib.sha1(str(Path(event_file).absolute()).encode("utf-8")).hexdigest()
        return self.folder / f"{key[:20]}.bin"

    def load(self, event_file: Path) -> CachedRead | None:
        """The cached read of `event_file`, or None if there is none that can be trusted."""
        try:
            blob = self.entry_path(event_file).read_bytes()
        except OSError:
            return None
        try:
            header, arrays = _split(blob)
            if header["path"] != str(Path(event_file).absolute()):
                return None
            if not self._matches(event_file, header):
                log.info("%s changed since it was cached (rewritten or truncated); "
                         "reading it again", event_file)
                return None
            return CachedRead(header["offset"],
                              {tag: name.encode("latin-1")
                               for tag, name in header["plugins"].items()},
                              _unpack_series(header["tags"], arrays))
        except (ValueError, KeyError, TypeError, struct.error) as exc:
            log.warning("ignoring the unreadable cache entry %s (%s)",
                        self.entry_path(event_file), exc)
            return None

    def save(self, event_file: Path, offset: int, plugins: dict[str, bytes],
             series: dict[str, tuple[list[int], list[float], list[float]]]) -> None:
        """Remember that `event_file` was read up to `offset` and what it held."""
        try:
            status = os.stat(event_file)
            with open(event_file, "rb") as handle:
                head_length = min(_FINGERPRINT_BYTES, status.st_size)
                tail_length = min(_FINGERPRINT_BYTES, offset)
                header = {
                    "path": str(Path(event_file).absolute()),
                    "size": status.st_size,
                    "mtime_ns": status.st_mtime_ns,
                    "offset": offset,
                    "head": [head_length, _fingerprint(handle, 0, head_length)],
                    "tail": [tail_length, _fingerprint(handle, offset - tail_length, tail_length)],
                    "plugins": {tag: name.decode("latin-1") for tag, name in plugins.items()},
                    "tags": [[tag, len(steps)] for tag, (steps, _, _) in series.items()],
                }
            encoded = json.dumps(header).encode("utf-8")
            parts = [MAGIC, _HEADER_LENGTH.pack(len(encoded)), encoded]
            for steps, values, walls in series.values():
                parts += [_packed("q", steps), _packed("d", values), _packed("d", walls)]
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self.entry_path(event_file), b"".join(parts))
        except (OSError, OverflowError) as exc:
            if not self._write_failed:  # once: a read-only folder would say it every refresh
                log.warning("cannot cache what was read from %s in %s: %s", event_file,
                            self.folder, exc)
            self._write_failed = True

    @staticmethod
    def _matches(event_file: Path, header: dict[str, Any]) -> bool:
        try:
            status = os.stat(event_file)
            if status.st_size < header["offset"] or status.st_size < header["size"]:
                return False
            if status.st_size == header["size"] and status.st_mtime_ns != header["mtime_ns"]:
                return False  # changed without growing: rewritten in place
            with open(event_file, "rb") as handle:
                head_length, head = header["head"]
                tail_length, tail = header["tail"]
                return (_fingerprint(handle, 0, head_length) == head
                        and _fingerprint(handle, header["offset"] - tail_length,
                                         tail_length) == tail)
        except OSError:
            return False


def _packed(code: str, items: list[int] | list[float]) -> bytes:
    packed = array(code, items)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def _unpacked(code: str, data: memoryview) -> list[Any]:
    items = array(code)
    items.frombytes(data)
    if sys.byteorder != "little":
        items.byteswap()
    return items.tolist()


def _split(blob: bytes) -> tuple[dict[str, Any], memoryview]:
    if not blob.startswith(MAGIC):
        raise ValueError("not a scalar cache entry")
    start = len(MAGIC) + _HEADER_LENGTH.size
    (length,) = _HEADER_LENGTH.unpack_from(blob, len(MAGIC))
    header = json.loads(blob[start: start + length].decode("utf-8"))
    return header, memoryview(blob)[start + length:]


def _unpack_series(tags: list[list[Any]], arrays: memoryview,
                   ) -> dict[str, tuple[list[int], list[float], list[float]]]:
    series = {}
    pos = 0
    for tag, count in tags:
        width = 8 * count
        if pos + 3 * width > len(arrays):
            raise ValueError("the entry is shorter than its header says")
        steps = _unpacked("q", arrays[pos: pos + width])
        values = _unpacked("d", arrays[pos + width: pos + 2 * width])
        walls = _unpacked("d", arrays[pos + 2 * width: pos + 3 * width])
        series[tag] = (steps, values, walls)
        pos += 3 * width
    if pos != len(arrays):
        raise ValueError("the entry is longer than its header says")
    return series
