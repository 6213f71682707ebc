"""When a cached folder listing can be trusted by the folder's mtime alone.

Some file systems keep coarse mtimes (FAT: 2 s), so a file added in the same tick as a listing
leaves the folder's mtime unchanged. A listing is trusted by its mtime only if it was taken
after the tick of the folder's last change was surely over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

MTIME_SETTLE_NS = 3_000_000_000


def unsettled_after(now_ns: int | None = None) -> int:
    """Folder mtimes at or after this may still change within their tick."""
    return (time.time_ns() if now_ns is None else now_ns) - MTIME_SETTLE_NS


@dataclass(frozen=True)
class FolderStamp:
    """A folder's mtime when it was listed (None: no folder) and whether that listing is final."""

    mtime_ns: int | None
    settled: bool

    @classmethod
    def taken(cls, mtime_ns: int | None, unsettled_after_ns: int) -> FolderStamp:
        return cls(mtime_ns, mtime_ns is None or mtime_ns < unsettled_after_ns)

    def still_valid(self, mtime_ns: int | None) -> bool:
        """The stamped listing needs no re-reading: the same mtime, and listed after its tick."""
        return self.settled and mtime_ns == self.mtime_ns
