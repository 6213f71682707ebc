"""The layout path of the event file reader: whole spans of repeated cycles at C speed.

Writers log the same tags in the same order at every step, so a file repeats one cycle of
simple-value records byte for byte except wall times, steps, values and data CRCs. Once one
cycle is known, a span of them is checked and decoded with strided slices and `struct`.
"""

from __future__ import annotations

import itertools
import operator
import struct
from dataclasses import dataclass

_LOW7 = bytes(b & 0x7F for b in range(256))
_CONTINUES = bytes(b >> 7 for b in range(256))


@dataclass(frozen=True)
class _CycleField:
    tag: bytes
    wall: int  # offsets inside the cycle
    step: int
    step_length: int  # 0: the step field is absent (step 0)
    value: int


class CycleLayout:
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
