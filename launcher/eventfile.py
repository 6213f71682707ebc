"""Incremental reader of TensorBoard event files: scalars only, no TensorBoard, no protobuf.

A file is a sequence of TFRecord records (see `launcher.tfrecord`), each an `Event` protobuf.
Three paths read them, fastest first:

- the layout path: writers log the same tags in the same order at every step, so the file
  repeats one cycle of records byte for byte except wall times, steps, values and data
  CRCs. Once seen, that cycle is checked and decoded for a whole span at once with strided
  slices (every constant byte, length CRCs included, at every cycle) and `struct`;
- the general path, a chunk at a time: one regular expression for the layout PyTorch's
  SummaryWriter writes for `add_scalar` (one `simple_value` per event, what RVC writes);
  a run of such records is checked in aggregate (they tile the bytes with no gap, and the
  declared record and tag lengths add up) and decoded in bulk;
- the full path, record by record, between and instead of the others: walks the length
  headers (checking the length CRC), decodes any Event with a small protobuf decoder, and
  also reads the tensor form that `tensorboard.summary.Writer` and TensorFlow write.

The data CRC is not checked (pure-Python CRC32C costs about 100 ns a byte); a record that
fails to decode is skipped with a warning, corrupt bytes are skipped up to the next valid
length header, and a truncated last record is kept for the next read.
"""

from __future__ import annotations

import itertools
import logging
import operator
import re
import struct
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from launcher.tfrecord import masked_crc32c

log = logging.getLogger(__name__)
T = TypeVar("T")

EVENT_FILE_MARKER = "tfevents"
_HEADER = struct.Struct("<QI")
_MAX_RECORD = 1 << 30
_SCALARS_PLUGIN = b"scalars"

# Event{1: wall_time double, 2: step varint (absent when 0), 5: Summary{1: Value{1: tag,
# 2: simple_value float}}} framed as a TFRecord whose length fits in one byte.
_SIMPLE_RECORD = re.compile(
    rb"([\x00-\xff])\x00{7}[\x00-\xff]{4}"  # length (< 256), length CRC
    rb"\x09([\x00-\xff]{8})"  # wall_time
    rb"(?:\x10([\x80-\xff]{0,9}[\x00-\x7f]))?"  # step
    rb"\x2a[\x00-\x7f]\x0a[\x00-\x7f]\x0a([\x01-\x7f][^\x15]+)"  # summary, value, tag
    rb"\x15([\x00-\xff]{4})[\x00-\xff]{4}",  # simple_value, data CRC
    re.DOTALL,
)
_GROUPS = 5  # the number of groups in _SIMPLE_RECORD
_FIXED_RECORD_BYTES = 35  # a simple-value record's size without its tag and step


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


class _VarintCache(dict):
    """Encoded varint -> int; steps repeat once per tag, so most lookups hit."""

    def __missing__(self, key: bytes) -> int:
        value = _decode_varint(key)
        self[key] = value
        return value


def _decode_varint(data: bytes) -> int:
    result = 0
    for shift, byte in enumerate(data):
        result |= (byte & 0x7F) << (7 * shift)
    return result


_STRIDE = _GROUPS + 1  # re.split yields the gap before a match, then the match's groups


def _runs(breaks: list[int], matches: int) -> list[tuple[int, int]]:
    """Index ranges [first, last) of matches with no bytes between them."""
    bounds = [0, *(b for b in breaks if 0 < b < matches), matches]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _positions(tags: list[bytes]) -> list[tuple[bytes, slice | list[int]]]:
    """Where each tag occurs. Writers log the same tags in the same order at each step, so
    the common case is a repeating cycle, answered with slices; anything else by a loop."""
    count = len(tags)
    period = tags.index(tags[0], 1) if tags.count(tags[0]) > 1 else count
    cycle = tags[:period]
    if len(set(cycle)) == period and (cycle * (count // period + 1))[:count] == tags:
        return [(tag, slice(i, None, period)) for i, tag in enumerate(cycle)]
    found: dict[bytes, list[int]] = defaultdict(list)
    for index, tag in enumerate(tags):
        found[tag].append(index)
    return list(found.items())


def _pick(items: Sequence[T], where: slice | list[int]) -> list[T]:
    return list(items[where]) if isinstance(where, slice) else [items[i] for i in where]


class _SimpleRun:
    """Back-to-back simple-value records, as the groups re.split returned for them."""

    def __init__(self, parts: list[bytes | None]) -> None:
        self.count = len(parts) // _STRIDE
        self._parts = parts
        self.steps: list[bytes] = [s or b"" for s in parts[3::_STRIDE]]
        self.sized_tags: list[bytes] = parts[4::_STRIDE]  # type: ignore[assignment]
        with_step = self.count - self.steps.count(b"")
        self.size = (_FIXED_RECORD_BYTES * self.count + sum(map(len, self.sized_tags))
                     + sum(map(len, self.steps)) + with_step)

    def consistent(self) -> bool:
        """Tag lengths agree with the tags, and record lengths, in sum, with the matches."""
        if any(tag[0] != len(tag) - 1 for tag in set(self.sized_tags)):
            return False
        declared_records = sum(b"".join(self._parts[1::_STRIDE]))  # type: ignore[arg-type]
        return declared_records + 16 * self.count == self.size

    def period(self) -> int | None:
        """The number of tags in the repeating cycle, or None if the tags do not cycle."""
        places = _positions(self.sized_tags)
        return places[0][1].step if isinstance(places[0][1], slice) else None

    def tail_size(self, records: int) -> int:
        """Bytes taken by the last `records` records."""
        tags = self.sized_tags[-records:]
        steps = self.steps[-records:]
        return (_FIXED_RECORD_BYTES * records + sum(map(len, tags)) + sum(map(len, steps))
                + records - steps.count(b""))

    def wall_times(self) -> tuple[float, ...]:
        joined = b"".join(self._parts[2::_STRIDE])  # type: ignore[arg-type]
        return struct.unpack(f"<{self.count}d", joined)

    def values(self) -> tuple[float, ...]:
        joined = b"".join(self._parts[5::_STRIDE])  # type: ignore[arg-type]
        return struct.unpack(f"<{self.count}f", joined)


# Bytes the general path takes at a time before the layout path tries again: small once a
# layout is known (so it resumes soon after an image record), larger before.
_CHUNK = 1 << 18
_CHUNK_WITH_LAYOUT = 1 << 14
_LOW7 = bytes(b & 0x7F for b in range(256))
_CONTINUES = bytes(b >> 7 for b in range(256))


@dataclass(frozen=True)
class _CycleField:
    tag: bytes
    wall: int  # offsets inside the cycle
    step: int
    step_length: int  # 0: the step field is absent (step 0)
    value: int


class _CycleLayout:
    """One cycle of simple-value records (a writer logs the same tags in the same order at each
    step), repeated byte for byte except wall times, steps, values and data CRCs.

    Checking a span of cycles compares, for each constant byte of the cycle (length headers,
    their CRCs, field keys, lengths, tags), the bytes at that offset in every cycle at once
    (a strided slice), and decodes each field the same way: C-speed work, no loop per record.
    """

    def __init__(self, sample: bytes) -> None:
        self.size = len(sample)
        self.fields: list[_CycleField] = []
        varying: set[int] = set()
        pos = 0
        while pos < self.size:
            wall = pos + 13
            step = wall + 9
            step_length = 0
            if sample[wall + 8] == 0x10:
                while sample[step + step_length] & 0x80:
                    step_length += 1
                step_length += 1
            summary = step + step_length if step_length else wall + 8
            tag_length = sample[summary + 5]
            value = summary + 6 + tag_length + 1
            self.fields.append(_CycleField(sample[summary + 6: value - 1], wall, step,
                                           step_length, value))
            varying.update(range(wall, wall + 8), range(step, step + step_length),
                           range(value, value + 8))  # the value, then the data CRC
            pos += 16 + sample[pos]
        self.constants = [(o, sample[o: o + 1]) for o in range(self.size) if o not in varying]

    def matching_cycles(self, data: bytes, start: int) -> int:
        """How many whole cycles from `start` follow this layout."""
        count = (len(data) - start) // self.size
        for offset, byte in self.constants:
            if count == 0:
                return 0
            column = data[start + offset: start + count * self.size: self.size]
            count = min(count, len(column) - len(column.lstrip(byte)))
        for field_ in self.fields:
            for k in range(field_.step_length):
                if count == 0:
                    return 0
                first = start + field_.step + k
                flags = data[first: start + count * self.size: self.size].translate(_CONTINUES)
                expected = b"\x01" if k < field_.step_length - 1 else b"\x00"
                count = min(count, len(flags) - len(flags.lstrip(expected)))
        return count

    def decode(self, data: bytes, start: int, count: int,
               ) -> list[tuple[bytes, list[int], tuple[float, ...], tuple[float, ...]]]:
        """(tag, steps, values, wall times) per field for `count` cycles from `start`."""
        stop = start + count * self.size
        decoded_steps: dict[bytes, list[int]] = {}
        result = []
        for f in self.fields:
            walls = struct.unpack(f"<{count}d", self._gather(data, start + f.wall, stop, 8))
            values = struct.unpack(f"<{count}f", self._gather(data, start + f.value, stop, 4))
            raw = bytes(self._gather(data, start + f.step, stop, f.step_length))
            steps = decoded_steps.get(raw)
            if steps is None:
                steps = decoded_steps[raw] = _varints(raw, f.step_length, count)
            result.append((f.tag, steps, values, walls))
        return result

    def _gather(self, data: bytes, first: int, stop: int, width: int) -> bytearray:
        """The `width` bytes at `first` in each cycle, back to back."""
        gathered = bytearray(width * ((stop - first + self.size - 1) // self.size))
        for k in range(width):
            gathered[k::width] = data[first + k: stop: self.size]
        return gathered


def _varints(raw: bytes, width: int, count: int) -> list[int]:
    """Decode `count` varints of `width` bytes each, stored back to back."""
    if width == 0:
        return [0] * count
    result = list(raw[0::width].translate(_LOW7))
    for k in range(1, width):
        shifted = map(operator.lshift, raw[k::width].translate(_LOW7), itertools.repeat(7 * k))
        result = list(map(operator.or_, result, shifted))
    return result


class EventFileReader:
    """One event file, read incrementally: each call decodes only the bytes added since."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.offset = 0
        self.was_reset = False  # set by read_new when the file shrank and was read anew
        self._lost_at: int | None = None  # offset of corrupt bytes being skipped, warned once
        self._plugins: dict[str, bytes] = {}  # tag -> plugin name from the first metadata
        self._steps = _VarintCache()
        self._tags: dict[bytes, str] = {}
        self._layout: _CycleLayout | None = None  # the cycle the writer repeats, once seen
        self._origin = 0  # file offset of the buffer being decoded, for messages

    def read_new(self) -> dict[str, ScalarSeries]:
        """Scalars in the bytes added since the last call; a truncated tail waits for more."""
        self.was_reset = False
        try:
            size = self.path.stat().st_size
            if size < self.offset:
                log.warning("%s shrank; reading it again from the start", self.path)
                self.offset, self._lost_at, self.was_reset = 0, None, True
            if size == self.offset:
                return {}
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except OSError as exc:
            log.warning("cannot read %s: %s", self.path, exc)
            return {}
        out = _Collector()
        self.offset += self._decode(data, out)
        return out.series

    # -- decoding ---------------------------------------------------------------------------

    def _decode(self, data: bytes, out: _Collector) -> int:
        """Decode whole records from `data`; return how many bytes were consumed.

        Spans of repeated cycles go through the layout path; the rest through the general
        path (one regular expression for simple-value records, the full decoder between and
        for anything that fails a check), a chunk at a time.
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
            self._origin = self.offset + pos
            consumed = self._decode_chunk(data[pos: pos + chunk], out)
            if consumed == 0:
                if pos + chunk >= len(data):
                    break  # an incomplete record: wait for the rest
                chunk *= 2  # a record larger than the chunk
                continue
            pos += consumed
            chunk = 0
        return pos

    def _decode_chunk(self, data: bytes, out: _Collector) -> int:
        parts = _SIMPLE_RECORD.split(data)
        gaps = parts[::_STRIDE]
        breaks = list(itertools.compress(range(len(gaps)), gaps))
        cursor = 0
        position = 0
        for first, last in _runs(breaks, len(gaps) - 1):
            run_start = position + len(gaps[first] or b"")
            if run_start > cursor:
                cursor += self._decode_full(data, cursor, run_start, out)
            run = _SimpleRun(parts[first * _STRIDE: last * _STRIDE + 1])
            position = run_start + run.size
            if cursor == run_start and run.consistent():
                self._take(run, out)
                cursor = position
                self._learn_layout(data, run, cursor)
            # else: the full path decodes these bytes on its next call
        return cursor + self._decode_full(data, cursor, len(data), out)

    def _learn_layout(self, data: bytes, run: _SimpleRun, end: int) -> None:
        """Take the run's last cycle of tags as the layout the writer repeats."""
        period = run.period()
        if period is None or run.count < 2 * period:
            return
        size = run.tail_size(period)
        self._layout = _CycleLayout(data[end - size: end])

    def _take(self, run: _SimpleRun, out: _Collector) -> None:
        wall_times = run.wall_times()
        steps = list(map(self._steps.__getitem__, run.steps))
        values = run.values()
        for sized_tag, where in _positions(run.sized_tags):
            self._add_run(out, sized_tag[1:], _pick(steps, where), _pick(values, where),
                          _pick(wall_times, where))

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
        return name if plugin in (None, _SCALARS_PLUGIN) else None

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
            if self._lost_at is not None:
                log.warning("%s: skipped %d corrupt bytes at offset %d", self.path,
                            self._origin + pos - self._lost_at, self._lost_at)
                self._lost_at = None
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
        wall_time = 0.0
        step = 0
        summaries: list[bytes] = []
        for number, wire, value in _fields(event):
            if number == 1 and wire == 1:
                wall_time = struct.unpack("<d", value)[0]
            elif number == 2 and wire == 0:
                step = _signed64(value)
            elif number == 5 and wire == 2:
                summaries.append(value)
        for summary in summaries:
            for number, wire, value in _fields(summary):
                if number == 1 and wire == 2:
                    self._decode_value(value, step, wall_time, out)

    def _decode_value(self, value: bytes, step: int, wall_time: float, out: _Collector) -> None:
        tag = ""
        scalar: float | None = None
        tensor: bytes | None = None
        for number, wire, payload in _fields(value):
            if number == 1 and wire == 2:
                tag = payload.decode("utf-8", errors="replace")
            elif number == 2 and wire == 5:
                scalar = struct.unpack("<f", payload)[0]
            elif number == 8 and wire == 2:
                tensor = payload
            elif number == 9 and wire == 2 and tag and tag not in self._plugins:
                self._plugins[tag] = _plugin_name(payload)
        if scalar is None and tensor is not None:
            if self._plugins.get(tag) not in (None, _SCALARS_PLUGIN):
                return
            scalar = _tensor_scalar(tensor)
        if scalar is not None and tag:
            out.add(tag, step, scalar, wall_time)


# A length below 4 GiB and above 0: where a record could start after corrupt bytes.
_PLAUSIBLE_HEADER = re.compile(rb"(?!\x00{4})[\x00-\xff]{4}\x00{4}", re.DOTALL)

# TensorFlow DataType -> (struct format of one element, field number of its repeated form)
_DTYPES = {1: ("<f", 5), 2: ("<d", 6), 19: ("<e", 13), 3: ("<i", 7), 9: ("<q", 10)}


def _fields(message: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) for each field; value is int or bytes."""
    pos = 0
    end = len(message)
    while pos < end:
        key, pos = _varint_at(message, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint_at(message, pos)
            yield number, wire, value
        elif wire == 1:
            yield number, wire, message[pos:pos + 8]
            pos += 8
        elif wire == 2:
            length, pos = _varint_at(message, pos)
            if pos + length > end:
                raise ValueError("field runs past the end of its message")
            yield number, wire, message[pos:pos + length]
            pos += length
        elif wire == 5:
            yield number, wire, message[pos:pos + 4]
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
    if pos != end:
        raise ValueError("message ends inside a field")


def _varint_at(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _plugin_name(metadata: bytes) -> bytes:
    """SummaryMetadata{1: PluginData{1: plugin_name}}."""
    for number, wire, payload in _fields(metadata):
        if number == 1 and wire == 2:
            for inner, inner_wire, name in _fields(payload):
                if inner == 1 and inner_wire == 2:
                    return name
    return b""


def _tensor_scalar(tensor: bytes) -> float | None:
    """The value of a rank-0 numeric TensorProto, or None for anything else."""
    dtype: int | bytes = 0
    rank = 0
    content = b""
    first: dict[int, int | bytes] = {}
    for number, wire, payload in _fields(tensor):
        if number == 1 and wire == 0:
            dtype = payload
        elif number == 2 and wire == 2 and isinstance(payload, bytes):
            rank = sum(1 for n, _, _ in _fields(payload) if n == 2)
        elif number == 4 and wire == 2 and isinstance(payload, bytes):
            content = payload
        else:
            first.setdefault(number, payload)
    if not isinstance(dtype, int) or dtype not in _DTYPES or rank != 0:
        return None
    fmt, repeated_field = _DTYPES[dtype]
    if content:
        return float(struct.unpack_from(fmt, content)[0])
    item = first.get(repeated_field)
    if item is None:
        return None
    if isinstance(item, bytes):
        if fmt in ("<f", "<d"):  # packed or single, both fixed-size little-endian
            return float(struct.unpack_from(fmt, item)[0])
        item, _ = _varint_at(item, 0)  # packed varints: the first one
    if fmt == "<e":  # half_val holds the 16 bits in an int32
        return float(struct.unpack("<e", struct.pack("<H", item & 0xFFFF))[0])
    return float(_signed64(item))


def is_event_file(path: Path) -> bool:
    return EVENT_FILE_MARKER in path.name and path.is_file()


class LogDirReader:
    """All event files under a model's folder (recursively), read incrementally and merged."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._readers: dict[Path, EventFileReader] = {}
        self._per_file: dict[Path, dict[str, ScalarSeries]] = {}
        self._merged: dict[str, ScalarSeries] = {}

    def refresh(self) -> dict[str, ScalarSeries]:
        """All scalars so far, merged by tag across files and sorted by step."""
        changed = False
        for path in self._event_files():
            reader = self._readers.get(path)
            if reader is None:
                reader = self._readers[path] = EventFileReader(path)
                self._per_file[path] = {}
            new = reader.read_new()
            if reader.was_reset:
                self._per_file[path] = {}
                changed = True
            for tag, series in new.items():
                self._per_file[path].setdefault(tag, ScalarSeries()).extend(series)
                changed = True
        if changed:
            self._merged = self._merge()
        return self._merged

    def _event_files(self) -> list[Path]:
        """Event files in the folder and its subfolders (RVC: eval/), one level down.

        RVC's dataset folders beside them (0_gt_wavs, 1_16k_wavs, 2a_f0, 3_feature768, ...)
        hold thousands of files and never events: they are not listed on every refresh.
        """
        if not self.root.is_dir():
            return []
        try:
            folders = [self.root, *(p for p in self.root.iterdir()
                                    if p.is_dir() and not p.name[:1].isdigit())]
            found = [p for folder in folders for p in folder.glob(f"*{EVENT_FILE_MARKER}*")
                     if p.is_file()]
        except OSError as exc:
            log.warning("cannot list %s: %s", self.root, exc)
            return sorted(self._readers)
        return sorted(found, key=_file_order)

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
