"""Incremental reader of TensorBoard event files: scalars only, no TensorBoard, no protobuf.

A file is a sequence of TFRecord records (see `launcher.tfrecord`), each an `Event` protobuf.
It is read a block at a time (a few pages after a large record, doubling up to 4 MB while
records are small). RVC's files are mostly spectrogram images: a record longer than a scalar
can be is peeked at (`launcher.recordpeek`: the keys and lengths of its first fields) and,
when it cannot hold a scalar, passed over by its length (a seek) without being read or
scanned. Three paths read the rest, fastest first:

- the layout path (`launcher.scalarcycles`): writers log the same tags in the same order at
  every step, so the file repeats one cycle of records byte for byte except wall times,
  steps, values and data CRCs. Once seen, that cycle is checked and decoded for a whole span
  at once with strided slices (every constant byte, length CRCs included) and `struct`;
- the general path (`launcher.scalarruns`), a chunk at a time: one regular expression for
  the layout PyTorch's SummaryWriter writes for `add_scalar` (one `simple_value` per event,
  what RVC writes); a run of such records is checked in aggregate and decoded in bulk;
- the full path, record by record, between and instead of the others: walks the length
  headers (checking the length CRC) and decodes any Event with `launcher.protowire`, which
  also reads the tensor form that `tensorboard.summary.Writer` and TensorFlow write.

The data CRC is not checked (pure-Python CRC32C costs about 100 ns a byte); a record that
fails to decode is skipped with a warning, corrupt bytes are skipped up to the next valid
length header, and a truncated last record is kept for the next read.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import stat
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from launcher.events.protowire import SCALARS_PLUGIN, event_scalars
from launcher.events.recordpeek import holds_no_scalar
from launcher.events.scalarcache import ScalarCache
from launcher.events.scalarcycles import CycleLayout
from launcher.events.scalarruns import (
    SIMPLE_RECORD,
    STRIDE,
    SimpleRun,
    VarintCache,
    pick,
    positions,
    runs,
)
from launcher.events.tfrecord import masked_crc32c
from launcher.util.folderstamp import FolderStamp, unsettled_after

log = logging.getLogger(__name__)

EVENT_FILE_MARKER = "tfevents"
_HEADER = struct.Struct("<QI")
_MAX_RECORD = 1 << 30
# A folder changed this recently may change again within the same mtime tick (FAT: 2 s).


@dataclass
class ScalarSeries:
    steps: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    wall_times: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.steps)

    def extend(self, other: ScalarSeries) -> None:
        self.steps.extend(other.steps)
        self.values.extend(other.values)
        self.wall_times.extend(other.wall_times)


class _Collector:
    """Scalars found in one read, per tag, in file order."""

    def __init__(self) -> None:
        self.series: dict[str, ScalarSeries] = {}

    def add(self, tag: str, step: int, value: float, wall_time: float) -> None:
        series = self.series.get(tag)
        if series is None:
            series = self.series[tag] = ScalarSeries()
        series.steps.append(step)
        series.values.append(value)
        series.wall_times.append(wall_time)

    def add_many(self, tag: str, steps: list[int], values: list[float],
                 wall_times: list[float]) -> None:
        series = self.series.get(tag)
        if series is None:
            series = self.series[tag] = ScalarSeries()
        series.extend(ScalarSeries(steps, values, wall_times))


# Bytes the general path takes at a time before the layout path tries again: small once a
# layout is known (so it resumes soon after an image record), larger before.
_CHUNK = 1 << 18
_CHUNK_WITH_LAYOUT = 1 << 14
# Bytes read from the file at a time: a few pages after a record was passed over (the next
# one may be an image too: read its first bytes only), doubling while records are small.
_MIN_BLOCK = 1 << 13
_BLOCK = 1 << 22
# Records longer than this are first peeked at (recordpeek) and passed over by their length
# when they cannot hold a scalar; shorter ones (scalars are about 60 bytes) are decoded.
_SMALL_RECORD = 1 << 10
_LENGTH = struct.Struct("<Q")


class EventFileReader:
    """One event file, read incrementally: each call decodes only the bytes added since."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.offset = 0
        self.was_reset = False  # set by read_new when the file shrank and was read anew
        self._lost_at: int | None = None  # offset of corrupt bytes being skipped, warned once
        self._plugins: dict[str, bytes] = {}  # tag -> plugin name from the first metadata
        self._steps = VarintCache()
        self._tags: dict[bytes, str] = {}
        self._layout: CycleLayout | None = None  # the cycle the writer repeats, once seen
        self._origin = 0  # file offset of the buffer being decoded, for messages
        self._waiting = False  # the record at the stop is not all written yet

    def read_new(self) -> dict[str, ScalarSeries]:
        """Scalars in the bytes added since the last call; a truncated tail waits for more."""
        self.was_reset = False
        out = _Collector()
        try:
            size = self.path.stat().st_size
            if size < self.offset:
                log.warning("%s shrank; reading it again from the start", self.path)
                self.restart()
                self.was_reset = True
            if size > self.offset:
                with self.path.open("rb") as handle:
                    self._read_blocks(handle, size, out)
        except OSError as exc:
            log.warning("cannot read %s: %s", self.path, exc)
        return out.series

    def resume(self, offset: int, plugins: dict[str, bytes]) -> None:
        """Carry on from an earlier read (a cache) that stopped at `offset`."""
        self.offset = offset
        self._plugins = dict(plugins)

    @property
    def plugins(self) -> dict[str, bytes]:
        """Tag -> the plugin its first metadata named, as far as read."""
        return self._plugins

    def restart(self) -> None:
        """Forget what was read: the next read_new starts at the beginning."""
        self.offset, self._lost_at, self._layout = 0, None, None
        self._plugins.clear()

    def _read_blocks(self, handle: BinaryIO, size: int, out: _Collector) -> None:
        """Decode from self.offset to `size` a block at a time; records that hold no scalar
        are passed over by their length (a seek), never read."""
        block = _MIN_BLOCK
        while self.offset < size:
            handle.seek(self.offset)
            data = handle.read(min(block, size - self.offset))
            self._waiting = False
            consumed = self._decode(data, out, size - self.offset)
            if consumed == 0:
                if self._waiting or len(data) >= size - self.offset or not data:
                    return  # an incomplete record: wait for the rest
                block *= 2  # a record that may hold a scalar and is longer than a block
                continue
            self.offset += consumed
            block = _MIN_BLOCK if consumed > len(data) else min(2 * block, _BLOCK)

    # -- decoding ---------------------------------------------------------------------------

    def _decode(self, data: bytes, out: _Collector, on_disk: int) -> int:
        """Decode whole records from `data` (the first bytes of the `on_disk` ones from here
        on); return how many bytes were consumed, which may pass the end of `data` when the
        last record is passed over unread.

        Spans of repeated cycles go through the layout path; records too large to be a
        scalar are peeked at and skipped; the small ones between through the general path
        (one regular expression for simple-value records, the full decoder between and for
        anything that fails a check), a chunk at a time.
        """
        pos = 0
        chunk = 0
        while pos < len(data):
            if self._layout is not None:
                cycles = self._layout.matching_cycles(data, pos)
                if cycles:
                    for tag, steps, values, walls in self._layout.decode(data, pos, cycles):
                        self._add_run(out, tag, steps, list(values), list(walls))
                    pos += cycles * self._layout.size
                    continue
            chunk = chunk or (_CHUNK if self._layout is None else _CHUNK_WITH_LAYOUT)
            stop = _small_records_end(data, pos, pos + chunk)
            if stop == pos:
                end = self._large_record(data, pos, on_disk, out)
                if end == pos:
                    break
                pos = end
                chunk = 0
                continue
            self._origin = self.offset + pos
            consumed = self._decode_chunk(data[pos: stop], out)
            if consumed == 0:
                if stop >= len(data):
                    break  # an incomplete record: wait for the rest
                chunk *= 2
                continue
            pos += consumed
            chunk = 0
        return pos

    def _large_record(self, data: bytes, pos: int, on_disk: int, out: _Collector) -> int:
        """Pass over or decode the record at `pos`, too large for the general path; return
        where the next record starts, or `pos` if this one is not all at hand."""
        self._origin = self.offset
        if len(data) - pos < _HEADER.size:
            return pos
        length, length_crc = _HEADER.unpack_from(data, pos)
        if length > _MAX_RECORD or masked_crc32c(data[pos:pos + 8]) != length_crc:
            return pos + self._decode_full(data, pos, pos + 1, out)  # finds the next record
        body = pos + _HEADER.size
        record_end = body + length + 4
        if holds_no_scalar(data, body, body + length):
            self._found_record(pos)
            if record_end > on_disk:
                self._waiting = True
                return pos
            return record_end
        if record_end > len(data):
            self._waiting = record_end > on_disk
            return pos
        return pos + self._decode_full(data, pos, pos + 1, out)

    def _decode_chunk(self, data: bytes, out: _Collector) -> int:
        parts = SIMPLE_RECORD.split(data)
        gaps = parts[::STRIDE]
        breaks = list(itertools.compress(range(len(gaps)), gaps))
        cursor = 0
        position = 0
        for first, last in runs(breaks, len(gaps) - 1):
            run_start = position + len(gaps[first] or b"")
            if run_start > cursor:
                cursor += self._decode_full(data, cursor, run_start, out)
            run = SimpleRun(parts[first * STRIDE: last * STRIDE + 1])
            position = run_start + run.size
            if cursor == run_start and run.consistent():
                self._take(run, out)
                cursor = position
                self._learn_layout(data, run, cursor)
            # else: the full path decodes these bytes on its next call
        return cursor + self._decode_full(data, cursor, len(data), out)

    def _learn_layout(self, data: bytes, run: SimpleRun, end: int) -> None:
        """Take the run's last cycle of tags as the layout the writer repeats."""
        period = run.period()
        if period is None or run.count < 2 * period:
            return
        size = run.tail_size(period)
        self._layout = CycleLayout(data[end - size: end])

    def _take(self, run: SimpleRun, out: _Collector) -> None:
        wall_times = run.wall_times()
        steps = list(map(self._steps.__getitem__, run.steps))
        values = run.values()
        for sized_tag, where in positions(run.sized_tags):
            self._add_run(out, sized_tag[1:], pick(steps, where), pick(values, where),
                          pick(wall_times, where))

    def _add_run(self, out: _Collector, raw_tag: bytes, steps: list[int],
                 values: list[float], wall_times: list[float]) -> None:
        tag = self._tag_name(raw_tag)
        if tag is not None:
            out.add_many(tag, steps, values, wall_times)

    def _tag_name(self, raw: bytes) -> str | None:
        name = self._tags.get(raw)
        if name is None:
            name = self._tags[raw] = raw.decode("utf-8", errors="replace")
        plugin = self._plugins.get(name)
        return name if plugin in (None, SCALARS_PLUGIN) else None

    def _decode_full(self, data: bytes, start: int, stop: int, out: _Collector) -> int:
        """Decode records that start before `stop`; return bytes consumed from `start`."""
        pos = start
        end = len(data)
        while pos < stop:
            if end - pos < _HEADER.size:
                break  # header not all written yet
            length, length_crc = _HEADER.unpack_from(data, pos)
            if length > _MAX_RECORD or masked_crc32c(data[pos:pos + 8]) != length_crc:
                pos = self._resync(data, pos)
                continue
            self._found_record(pos)
            record_end = pos + _HEADER.size + length + 4
            if record_end > end:
                break  # record not all written yet
            try:
                self._decode_event(data[pos + _HEADER.size: record_end - 4], out)
            except (ValueError, IndexError, struct.error, UnicodeDecodeError) as exc:
                log.warning("%s: skipped an undecodable record at offset %d (%s)", self.path,
                            self._origin + pos, exc)
            pos = record_end
        return pos - start

    def _found_record(self, pos: int) -> None:
        """A valid record header at `pos` ends a stretch of corrupt bytes, if in one."""
        if self._lost_at is not None:
            log.warning("%s: skipped %d corrupt bytes at offset %d", self.path,
                        self._origin + pos - self._lost_at, self._lost_at)
            self._lost_at = None

    def _resync(self, data: bytes, pos: int) -> int:
        """After a bad length header, move to the next offset that looks like a record."""
        if self._lost_at is None:
            self._lost_at = self._origin + pos
            log.warning("%s: corrupt record header at offset %d; looking for the next record",
                        self.path, self._lost_at)
        candidate = pos + 1
        while True:
            found = _PLAUSIBLE_HEADER.search(data, candidate)
            if found is None:
                # Nothing plausible yet; keep the last bytes, a header may be half written.
                return max(pos + 1, len(data) - _HEADER.size + 1)
            candidate = found.start()
            _, length_crc = _HEADER.unpack_from(data, candidate)
            if masked_crc32c(data[candidate:candidate + 8]) == length_crc:
                return candidate
            candidate += 1

    def _decode_event(self, event: bytes, out: _Collector) -> None:
        for tag, step, value, wall_time in event_scalars(event, self._plugins):
            out.add(tag, step, value, wall_time)


def _small_records_end(data: bytes, start: int, limit: int) -> int:
    """Where, walking record lengths from `start` up to `limit`, the first record longer than
    _SMALL_RECORD starts (or the walk passes `limit` or the end of `data`)."""
    pos = start
    end = len(data) - _LENGTH.size
    length_of = _LENGTH.unpack_from
    while pos < limit and pos <= end:
        length = length_of(data, pos)[0]
        if length > _SMALL_RECORD:
            return pos
        pos += length + 16
    return min(pos, len(data))


# A length below 4 GiB and above 0: where a record could start after corrupt bytes.
_PLAUSIBLE_HEADER = re.compile(rb"(?!\x00{4})[\x00-\xff]{4}\x00{4}", re.DOTALL)


def is_event_file(path: Path) -> bool:
    return EVENT_FILE_MARKER in path.name and path.is_file()


_CACHE_INTERVAL = 60.0  # seconds
_CACHE_BYTES = 1 << 26  # read since the last save


@dataclass(eq=False)
class _FolderListing:
    path: Path
    stamp: FolderStamp
    event_files: list[str]
    subdirs: list[str]


class LogDirReader:
    """All event files under a model's folder (recursively), read incrementally and merged.

    With a `cache`, what was read from each file is kept on disk, so a new reader (the next
    launcher start) reads only what the files gained since.
    """

    def __init__(self, root: Path, cache: ScalarCache | None = None) -> None:
        self.root = Path(root)
        self._cache = cache
        self._saved: dict[Path, tuple[float, int]] = {}  # when and at what offset last cached
        self._readers: dict[Path, EventFileReader] = {}
        self._per_file: dict[Path, dict[str, ScalarSeries]] = {}
        self._merged: dict[str, ScalarSeries] = {}
        self._folders: dict[Path, _FolderListing] = {}
        self._listed: list[_FolderListing] = []  # the listings self._files was made from
        self._files: list[Path] = []

    def refresh(self) -> dict[str, ScalarSeries]:
        """All scalars so far, merged by tag across files and sorted by step."""
        changed = False
        for path in self._event_files():
            reader = self._readers.get(path)
            if reader is None:
                reader = self._readers[path] = EventFileReader(path)
                self._per_file[path] = self._restored(path, reader)
                changed = changed or bool(self._per_file[path])
            offset = reader.offset
            new = reader.read_new()
            if reader.was_reset:
                self._per_file[path] = {}
                changed = True
            for tag, series in new.items():
                self._per_file[path].setdefault(tag, ScalarSeries()).extend(series)
                changed = True
            if reader.offset != offset or reader.was_reset:
                self._save(path, reader)
        if changed:
            self._merged = self._merge()
        return self._merged

    def _restored(self, path: Path, reader: EventFileReader) -> dict[str, ScalarSeries]:
        cached = self._cache.load(path) if self._cache is not None else None
        if cached is None:
            return {}
        reader.resume(cached.offset, cached.plugins)
        return {tag: ScalarSeries(*points) for tag, points in cached.series.items()}

    def _save(self, path: Path, reader: EventFileReader) -> None:
        """Cache the file's read when this reader first reads from it, then at most once a
        minute while it grows (a training run appends every few seconds) unless much was
        read since."""
        if self._cache is None:
            return
        now = time.monotonic()
        last = self._saved.get(path)
        if (last is not None and now - last[0] < _CACHE_INTERVAL
                and reader.offset - last[1] < _CACHE_BYTES):
            return
        series = {tag: (s.steps, s.values, s.wall_times)
                  for tag, s in self._per_file[path].items()}
        self._cache.save(path, reader.offset, reader.plugins, series)
        self._saved[path] = (now, reader.offset)

    def _event_files(self) -> list[Path]:
        """Event files in the folder and its subfolders (RVC: eval/), one level down.

        RVC's dataset folders beside them (0_gt_wavs, 1_16k_wavs, 2a_f0, 3_feature768, ...)
        hold thousands of files and never events: they are not listed. A folder is listed
        again only when its mtime changed (or may have within its mtime tick).
        """
        unsettled_after_ns = unsettled_after()
        try:
            root = self._listing(self.root, unsettled_after_ns)
            if root is None:
                return []
            listings = [root, *filter(None, (self._listing(self.root / name, unsettled_after_ns)
                                             for name in root.subdirs))]
        except OSError as exc:
            log.warning("cannot list %s: %s", self.root, exc)
            return sorted(self._readers)
        if listings != self._listed:
            self._listed = listings
            found = [folder.path / name for folder in listings for name in folder.event_files]
            self._files = sorted(found, key=_file_order)
        return self._files

    def _listing(self, folder: Path, unsettled_after_ns: int) -> _FolderListing | None:
        """The folder's event files and subfolders; the same object while it is unchanged."""
        try:
            status = os.stat(folder)
        except (FileNotFoundError, NotADirectoryError):
            status = None
        if status is None or not stat.S_ISDIR(status.st_mode):
            self._folders.pop(folder, None)
            return None
        mtime_ns = status.st_mtime_ns
        cached = self._folders.get(folder)
        if cached is not None and cached.stamp.still_valid(mtime_ns):
            return cached
        event_files, subdirs = [], []
        with os.scandir(folder) as entries:
            for entry in entries:
                if EVENT_FILE_MARKER in entry.name and entry.is_file():
                    event_files.append(entry.name)
                elif (folder == self.root and entry.is_dir()
                      and not entry.name[:1].isdigit()):
                    subdirs.append(entry.name)
        listing = _FolderListing(folder, FolderStamp.taken(mtime_ns, unsettled_after_ns),
                                 sorted(event_files), sorted(subdirs))
        if cached is not None and (cached.event_files, cached.subdirs) == (
                listing.event_files, listing.subdirs):
            cached.stamp = listing.stamp
            return cached
        self._folders[folder] = listing
        return listing

    def _merge(self) -> dict[str, ScalarSeries]:
        """Files in the order they were started; a later file that starts at an earlier step
        (training resumed from an older checkpoint) replaces the points from that step on,
        as TensorBoard's purge of orphaned data does."""
        pieces: dict[str, list[ScalarSeries]] = {}
        for path in sorted(self._per_file, key=_file_order):
            for tag, series in self._per_file[path].items():
                if series.steps:
                    kept = pieces.setdefault(tag, [])
                    kept[:] = [_before(piece, series.steps[0]) for piece in kept]
                    kept.append(series)
        return {tag: _sorted_by_step(parts) for tag, parts in pieces.items()}


def _before(series: ScalarSeries, step: int) -> ScalarSeries:
    if not series.steps or series.steps[-1] < step:
        return series
    keep = [i for i, s in enumerate(series.steps) if s < step]
    return ScalarSeries([series.steps[i] for i in keep], [series.values[i] for i in keep],
                        [series.wall_times[i] for i in keep])


def _sorted_by_step(parts: list[ScalarSeries]) -> ScalarSeries:
    merged = ScalarSeries()
    for part in parts:
        merged.extend(part)
    if merged.steps != sorted(merged.steps):
        order = sorted(range(len(merged.steps)), key=merged.steps.__getitem__)
        merged = ScalarSeries([merged.steps[i] for i in order], [merged.values[i] for i in order],
                              [merged.wall_times[i] for i in order])
    return merged


def _file_order(path: Path) -> tuple[int, str]:
    """Event file names carry their start time: events.out.tfevents.<seconds>.<host>..."""
    parts = path.name.split(".")
    try:
        started = int(parts[parts.index(EVENT_FILE_MARKER) + 1])
    except (ValueError, IndexError):
        started = 0
    return started, str(path)
