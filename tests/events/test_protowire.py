"""The hand-written protobuf decoding against messages serialized by protobuf itself."""

from __future__ import annotations

import struct

import pytest
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2

from launcher.events.protowire import event_scalars, fields, tensor_scalar, varint_at


def event_bytes(step: int, *values: summary_pb2.Summary.Value) -> bytes:
    event = event_pb2.Event(wall_time=1.7e9 + 0.25, step=step)
    event.summary.value.extend(values)
    return event.SerializeToString()


def tensor_value(tag: str, tensor: tensor_pb2.TensorProto,
                 plugin: str = "scalars") -> summary_pb2.Summary.Value:
    value = summary_pb2.Summary.Value(tag=tag, tensor=tensor)
    value.metadata.plugin_data.plugin_name = plugin
    return value


def test_simple_values_with_negative_and_large_steps() -> None:
    for step in (0, 1, 300, 2**40, -5):
        event = event_bytes(step, summary_pb2.Summary.Value(tag="loss/g/total", simple_value=1.5),
                            summary_pb2.Summary.Value(tag="lr", simple_value=-0.5))
        assert list(event_scalars(event, {})) == [("loss/g/total", step, 1.5, 1.7e9 + 0.25),
                                                  ("lr", step, -0.5, 1.7e9 + 0.25)]


@pytest.mark.parametrize(("tensor", "expected"), [
    (tensor_pb2.TensorProto(dtype=1, float_val=[0.75]), 0.75),
    (tensor_pb2.TensorProto(dtype=2, double_val=[0.1]), 0.1),
    (tensor_pb2.TensorProto(dtype=1, tensor_content=struct.pack("<f", 2.5)), 2.5),
    (tensor_pb2.TensorProto(dtype=19, half_val=[struct.unpack("<H", struct.pack("<e", 1.5))[0]]),
     1.5),
    (tensor_pb2.TensorProto(dtype=3, int_val=[-7]), -7.0),
    (tensor_pb2.TensorProto(dtype=9, int64_val=[2**40]), float(2**40)),
])
def test_rank_zero_tensors_are_scalars(tensor: tensor_pb2.TensorProto, expected: float) -> None:
    assert tensor_scalar(tensor.SerializeToString()) == expected
    event = event_bytes(3, tensor_value("t", tensor))
    assert list(event_scalars(event, {})) == [("t", 3, expected, 1.7e9 + 0.25)]


def test_vectors_strings_and_other_plugins_are_not_scalars() -> None:
    vector = tensor_pb2.TensorProto(dtype=1, float_val=[1.0, 2.0])
    vector.tensor_shape.dim.add(size=2)
    text = tensor_pb2.TensorProto(dtype=7, string_val=[b"hi"])
    assert tensor_scalar(vector.SerializeToString()) is None
    assert tensor_scalar(text.SerializeToString()) is None
    plugins: dict[str, bytes] = {}
    histogram_like = tensor_value("h", tensor_pb2.TensorProto(dtype=1, float_val=[1.0]), "hist")
    assert list(event_scalars(event_bytes(1, histogram_like), plugins)) == []
    assert plugins == {"h": b"hist"}
    # Later events of a tag carry no metadata: the plugin seen first still decides.
    bare = summary_pb2.Summary.Value(tag="h", tensor=tensor_pb2.TensorProto(dtype=1,
                                                                              float_val=[1.0]))
    assert list(event_scalars(event_bytes(2, bare), plugins)) == []


def test_fields_and_varints() -> None:
    message = b"\x08\x96\x01\x12\x03abc\x1d\x00\x00\x80\x3f"
    assert list(fields(message)) == [(1, 0, 150), (2, 2, b"abc"), (3, 5, b"\x00\x00\x80\x3f")]
    assert varint_at(b"\xff\xff\xff\xff\x0f", 0) == (2**32 - 1, 5)


@pytest.mark.parametrize("broken", [b"\x12\x05abc", b"\x08\x96", b"\x0b", b"\x08" + b"\xff" * 11])
def test_broken_messages_raise(broken: bytes) -> None:
    with pytest.raises((ValueError, IndexError)):
        list(fields(broken))
