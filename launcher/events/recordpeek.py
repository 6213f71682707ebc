"""Whether a large record can hold a scalar, told from its first bytes.

RVC's event files are mostly spectrogram images (about 75 KB a record) between small scalar
records. An Event's fields are length-prefixed, so walking only the keys and lengths of
Event{5: Summary{1: Value{1: tag, then the value}}} says what each Value holds without
touching its payload: an image (4), a histogram (3, 5) or audio (6) is never a scalar, and
neither is a tensor (8) too long to be a rank-0 number.
"""

from __future__ import annotations

from launcher.events.protowire import varint_at

_NOT_SCALAR_VALUES = frozenset({3, 4, 5, 6})  # old histogram, image, histogram, audio
_SUMMARY = 5
_SIMPLE_VALUE = 2
_TENSOR = 8
MAX_SCALAR_TENSOR = 64  # bytes: dtype, an empty shape and one number take about 20


def holds_no_scalar(data: bytes, start: int, end: int) -> bool | None:
    """For the Event in data[start:end]: True if it cannot hold a scalar, False if it may or
    if its bytes are not a well-formed Event (the full decoder then says what is wrong), None
    if `data` stops before the bytes that would tell (`end` may lie past `len(data)`).
    """
    try:
        pos = start
        while pos < end:
            key, pos = varint_at(data, pos)
            number, wire = key >> 3, key & 7
            if wire != 2:
                pos = _skip_fixed_or_varint(data, pos, wire)
                continue
            length, pos = varint_at(data, pos)
            if number == _SUMMARY and not _values_hold_no_scalar(data, pos, pos + length):
                return False
            pos += length
        return pos == end
    except IndexError:
        return None
    except ValueError:  # a varint too long
        return False


def _values_hold_no_scalar(data: bytes, start: int, end: int) -> bool:
    pos = start
    while pos < end:
        key, pos = varint_at(data, pos)
        if key != 0x0A:  # Summary{1: Value} is all a summary holds
            return False
        length, pos = varint_at(data, pos)
        if not _value_holds_no_scalar(data, pos, pos + length):
            return False
        pos += length
    return True


def _value_holds_no_scalar(data: bytes, start: int, end: int) -> bool:
    pos = start
    while pos < end:
        key, pos = varint_at(data, pos)
        number, wire = key >> 3, key & 7
        if number == _SIMPLE_VALUE or wire != 2:
            return False
        length, pos = varint_at(data, pos)
        if number in _NOT_SCALAR_VALUES or (number == _TENSOR and length > MAX_SCALAR_TENSOR):
            return True
        if number == _TENSOR:
            return False
        pos += length  # the tag, node name or metadata: read on
    return False


def _skip_fixed_or_varint(data: bytes, pos: int, wire: int) -> int:
    if wire == 0:
        return varint_at(data, pos)[1]
    if wire == 1:
        return pos + 8
    if wire == 5:
        return pos + 4
    raise ValueError(f"wire type {wire} is not in an Event")
