"""The protobuf wire format, decoded by hand for the few messages an event file holds.

Event{1: wall_time double, 2: step int64, 5: Summary{1: Value{1: tag, 2: simple_value float,
8: tensor TensorProto, 9: metadata SummaryMetadata}}}: enough to read scalars in both the
`simple_value` form PyTorch's SummaryWriter writes and the tensor form TensorBoard's own
writer and TensorFlow write, with no protobuf library.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

SCALARS_PLUGIN = b"scalars"

# TensorFlow DataType -> (struct format of one element, field number of its repeated form)
_DTYPES = {1: ("<f", 5), 2: ("<d", 6), 19: ("<e", 13), 3: ("<i", 7), 9: ("<q", 10)}


def event_scalars(event: bytes, plugins: dict[str, bytes],
                  ) -> Iterator[tuple[str, int, float, float]]:
    """(tag, step, value, wall time) for each scalar in an Event.

    `plugins` maps tags to the plugin their first metadata named; it is filled in here, and
    tensors of tags that belong to another plugin (text, histograms...) are not scalars.
    Raises ValueError, IndexError or struct.error for bytes that are not such an Event.
    """
    wall_time = 0.0
    step = 0
    summaries: list[bytes] = []
    for number, wire, value in fields(event):
        if number == 1 and wire == 1:
            wall_time = struct.unpack("<d", value)[0]
        elif number == 2 and wire == 0:
            step = signed64(value)
        elif number == 5 and wire == 2:
            summaries.append(value)
    for summary in summaries:
        for number, wire, value in fields(summary):
            if number == 1 and wire == 2:
                found = _value_scalar(value, plugins)
                if found is not None:
                    yield found[0], step, found[1], wall_time


def _value_scalar(value: bytes, plugins: dict[str, bytes]) -> tuple[str, float] | None:
    """(tag, scalar) of a Summary.Value, or None if it holds no scalar."""
    tag = ""
    scalar: float | None = None
    tensor: bytes | None = None
    for number, wire, payload in fields(value):
        if number == 1 and wire == 2:
            tag = payload.decode("utf-8", errors="replace")
        elif number == 2 and wire == 5:
            scalar = struct.unpack("<f", payload)[0]
        elif number == 8 and wire == 2:
            tensor = payload
        elif number == 9 and wire == 2 and tag and tag not in plugins:
            plugins[tag] = plugin_name(payload)
    if scalar is None and tensor is not None:
        if plugins.get(tag) not in (None, SCALARS_PLUGIN):
            return None
        scalar = tensor_scalar(tensor)
    if scalar is not None and tag:
        return tag, scalar
    return None


def fields(message: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) for each field; value is int or bytes."""
    pos = 0
    end = len(message)
    while pos < end:
        key, pos = varint_at(message, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint_at(message, pos)
            yield number, wire, value
        elif wire == 1:
            yield number, wire, message[pos:pos + 8]
            pos += 8
        elif wire == 2:
            length, pos = varint_at(message, pos)
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


def varint_at(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at `pos`, and the position after it."""
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


def decode_varint(data: bytes) -> int:
    """A varint that is the whole of `data` (its continuation bits are not checked)."""
    result = 0
    for shift, byte in enumerate(data):
        result |= (byte & 0x7F) << (7 * shift)
    return result


def signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def plugin_name(metadata: bytes) -> bytes:
    """SummaryMetadata{1: PluginData{1: plugin_name}}."""
    for number, wire, payload in fields(metadata):
        if number == 1 and wire == 2:
            for inner, inner_wire, name in fields(payload):
                if inner == 1 and inner_wire == 2:
                    return name
    return b""


def tensor_scalar(tensor: bytes) -> float | None:
    """The value of a rank-0 numeric TensorProto, or None for anything else."""
    dtype: int | bytes = 0
    rank = 0
    content = b""
    first: dict[int, int | bytes] = {}
    for number, wire, payload in fields(tensor):
        if number == 1 and wire == 0:
            dtype = payload
        elif number == 2 and wire == 2 and isinstance(payload, bytes):
            rank = sum(1 for n, _, _ in fields(payload) if n == 2)
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
        item, _ = varint_at(item, 0)  # packed varints: the first one
    if fmt == "<e":  # half_val holds the 16 bits in an int32
        return float(struct.unpack("<e", struct.pack("<H", item & 0xFFFF))[0])
    return float(signed64(item))
