"""The general path of the event file reader: runs of simple-value records, in bulk.

One regular expression finds the layout PyTorch's SummaryWriter writes for `add_scalar` (one
`simple_value` per event, what RVC writes); a run of such records with no bytes between them
is checked in aggregate (they tile the bytes, and the declared record and tag lengths add
up) and decoded with a few joins and `struct` calls.
"""

from __future__ import annotations

import itertools
import re
import struct
from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar

from launcher.events.protowire import decode_varint

T = TypeVar("T")

# Event{1: wall_time double, 2: step varint (absent when 0), 5: Summary{1: Value{1: tag,
# 2: simple_value float}}} framed as a TFRecord whose length fits in one byte.
SIMPLE_RECORD = re.compile(
    rb"([\x00-\xff])\x00{7}[\x00-\xff]{4}"  # length (< 256), length CRC
    rb"\x09([\x00-\xff]{8})"  # wall_time
    rb"(?:\x10([\x80-\xff]{0,9}[\x00-\x7f]))?"  # step
    rb"\x2a[\x00-\x7f]\x0a[\x00-\x7f]\x0a([\x01-\x7f][^\x15]+)"  # summary, value, tag
    rb"\x15([\x00-\xff]{4})[\x00-\xff]{4}",  # simple_value, data CRC
    re.DOTALL,
)
_GROUPS = 5  # the number of groups in SIMPLE_RECORD
_FIXED_RECORD_BYTES = 35  # a simple-value record's size without its tag and step
STRIDE = _GROUPS + 1  # re.split yields the gap before a match, then the match's groups


class VarintCache(dict):
    """Encoded varint -> int; steps repeat once per tag, so most lookups hit."""

    def __missing__(self, key: bytes) -> int:
        value = decode_varint(key)
        self[key] = value
        return value


def runs(breaks: list[int], matches: int) -> list[tuple[int, int]]:
    """Index ranges [first, last) of matches with no bytes between them."""
    bounds = [0, *(b for b in breaks if 0 < b < matches), matches]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def positions(tags: list[bytes]) -> list[tuple[bytes, slice | list[int]]]:
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


def pick(items: Sequence[T], where: slice | list[int]) -> list[T]:
    return list(items[where]) if isinstance(where, slice) else [items[i] for i in where]


class SimpleRun:
    """Back-to-back simple-value records, as the groups re.split returned for them."""

    def __init__(self, parts: list[bytes | None]) -> None:
        self.count = len(parts) // STRIDE
        self._parts = parts
        self.steps: list[bytes] = [s or b"" for s in parts[3::STRIDE]]
        self.sized_tags: list[bytes] = parts[4::STRIDE]  # type: ignore[assignment]
        with_step = self.count - self.steps.count(b"")
        self.size = (_FIXED_RECORD_BYTES * self.count + sum(map(len, self.sized_tags))
                     + sum(map(len, self.steps)) + with_step)

    def consistent(self) -> bool:
        """Tag lengths agree with the tags, and record lengths, in sum, with the matches."""
        if any(tag[0] != len(tag) - 1 for tag in set(self.sized_tags)):
            return False
        declared_records = sum(b"".join(self._parts[1::STRIDE]))  # type: ignore[arg-type]
        return declared_records + 16 * self.count == self.size

    def period(self) -> int | None:
        """The number of tags in the repeating cycle, or None if the tags do not cycle."""
        places = positions(self.sized_tags)
        return places[0][1].step if isinstance(places[0][1], slice) else None

    def tail_size(self, records: int) -> int:
        """Bytes taken by the last `records` records."""
        tags = self.sized_tags[-records:]
        steps = self.steps[-records:]
        return (_FIXED_RECORD_BYTES * records + sum(map(len, tags)) + sum(map(len, steps))
                + records - steps.count(b""))

    def wall_times(self) -> tuple[float, ...]:
        joined = b"".join(self._parts[2::STRIDE])  # type: ignore[arg-type]
        return struct.unpack(f"<{self.count}d", joined)

    def values(self) -> tuple[float, ...]:
        joined = b"".join(self._parts[5::STRIDE])  # type: ignore[arg-type]
        return struct.unpack(f"<{self.count}f", joined)
