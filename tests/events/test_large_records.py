"""Event files as RVC writes them, mostly spectrogram images: large records are passed over
by their length, and bad or unfinished ones lose no scalar."""

from __future__ import annotations

import logging
import os
import struct
from pathlib import Path

import pytest
from tensorboard.compat.proto import event_pb2, summary_pb2

from launcher.events.reader import EventFileReader
from launcher.events.recordpeek import holds_no_scalar
from launcher.events.spectrogram import rvc_images
from launcher.events.tfrecord import frame, masked_crc32c
from launcher.events.writer import ScalarEventWriter, encode_image_event, encode_scalar_event
from tests.events.test_reader import as_points, tensorboard_scalars

TAGS = ("loss/g/total", "loss/d/total", "loss/g/mel", "loss/g/kl", "loss/g/fm",
        "learning_rate", "grad_norm_d", "grad_norm_g")
START = 1.7e9


def write_webui_points(writer: ScalarEventWriter, points: range) -> None:
    """What RVC's WebUI logs at each log point: 8 scalars, then its 3 spectrogram plots."""
    for point in points:
        step = point * 200
        for k, tag in enumerate(TAGS):
            writer.add_scalar(tag, 30.0 - point * 0.01 + k, step, START + point)
        writer.add_rvc_images(step, START + point)


def expected_steps(points: range) -> list[int]:
    return [point * 200 for point in points]


def bytes_read_by_this_process() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def test_image_heavy_file_matches_tensorboard(tmp_path: Path) -> None:
    with ScalarEventWriter(tmp_path, wall_time=START) as writer:
        write_webui_points(writer, range(1, 16))
    reader = EventFileReader(writer.path)
    ours = reader.read_new()
    assert as_points(ours) == tensorboard_scalars(writer.path)
    assert ours["loss/g/total"].steps == expected_steps(range(1, 16))
    assert reader.offset == writer.path.stat().st_size


def test_truncated_image_at_the_end_waits_for_the_rest(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A file being written: the last image record is only partly on disk."""
    with ScalarEventWriter(tmp_path / "three", wall_time=START) as writer:
        write_webui_points(writer, range(1, 4))
    three_points = writer.path.stat().st_size
    with ScalarEventWriter(tmp_path / "five", wall_time=START) as writer:
        write_webui_points(writer, range(1, 6))
    whole = writer.path.read_bytes()
    cut = three_points - 40_000  # inside the third point's last image
    writer.path.write_bytes(whole[:cut])
    reader = EventFileReader(writer.path)
    with caplog.at_level(logging.WARNING, logger="launcher.events.reader"):
        assert reader.read_new()["grad_norm_g"].steps == expected_steps(range(1, 4))
        assert reader.read_new() == {}
    assert caplog.text == ""  # unfinished is not corrupt
    assert cut - 80_000 < reader.offset < cut  # at the start of the unfinished image
    with writer.path.open("ab") as handle:
        handle.write(whole[cut:])
    assert reader.read_new()["loss/g/mel"].steps == expected_steps(range(4, 6))
    assert reader.offset == len(whole)


def test_corrupt_length_of_an_image_loses_no_scalar(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with ScalarEventWriter(tmp_path, wall_time=START) as writer:
        write_webui_points(writer, range(1, 7))
    data = bytearray(writer.path.read_bytes())
    png = rvc_images()[1][1]
    image_at = data.rindex(b"\x00\x00\x00\x00\x00", 0, data.index(png)) - 3  # its length
    assert struct.unpack_from("<Q", data, image_at)[0] > 75_000
    data[image_at + 2] ^= 0x10  # the length no longer matches its CRC
    writer.path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="launcher.events.reader"):
        found = EventFileReader(writer.path).read_new()
    assert all(found[tag].steps == expected_steps(range(1, 7)) for tag in TAGS)
    assert f"corrupt record header at offset {image_at}" in caplog.text
    assert "skipped" in caplog.text


def test_large_records_with_a_scalar_are_read(tmp_path: Path) -> None:
    """Other writers put an image and a scalar in one event, or images as string tensors."""
    mixed = summary_pb2.Summary()
    image = mixed.value.add(tag="slice/mel_gen")
    image.image.encoded_image_string = rvc_images()[0][1]
    mixed.value.add(tag="loss/g/total", simple_value=31.5)
    tf_image = summary_pb2.Summary()
    tensor_image = tf_image.value.add(tag="tf/image")
    tensor_image.metadata.plugin_data.plugin_name = "images"
    tensor_image.tensor.dtype = 7
    tensor_image.tensor.string_val.extend([b"1000", b"200", rvc_images()[2][1]])
    big_tensor_scalar = summary_pb2.Summary()
    scalar = big_tensor_scalar.value.add(tag="loss/tensor")
    scalar.metadata.plugin_data.plugin_name = "scalars"
    scalar.metadata.summary_description = "x" * 3000  # a large record, a small tensor
    scalar.tensor.dtype = 1
    scalar.tensor.float_val.append(2.5)
    path = tmp_path / "events.out.tfevents.1700000000.host.1.0"
    with path.open("wb") as handle:
        for step, summary in enumerate((mixed, tf_image, big_tensor_scalar), start=1):
            event = event_pb2.Event(wall_time=START, step=step, summary=summary)
            handle.write(frame(event.SerializeToString()))
    found = EventFileReader(path).read_new()
    assert as_points(found) == tensorboard_scalars(path)
    assert set(found) == {"loss/g/total", "loss/tensor"}
    assert found["loss/g/total"].values == [31.5] and found["loss/tensor"].values == [2.5]


def test_peek_tells_from_the_first_bytes() -> None:
    png = rvc_images()[0][1]
    event = encode_image_event("all/mel", png, 1000, 200, 400, START)
    assert holds_no_scalar(event, 0, len(event)) is True
    assert holds_no_scalar(event[:80], 0, len(event)) is True  # a prefix is enough
    assert holds_no_scalar(event[:20], 0, len(event)) is None
    scalar = encode_scalar_event("loss/g/total", 1.0, 400, START)
    assert holds_no_scalar(scalar, 0, len(scalar)) is False
    two = summary_pb2.Summary()
    two.value.add(tag="a").image.encoded_image_string = png
    two.value.add(tag="b", simple_value=1.0)
    both = event_pb2.Event(step=1, summary=two).SerializeToString()
    assert holds_no_scalar(both[:200], 0, len(both)) is None  # the second value is not here
    assert holds_no_scalar(both, 0, len(both)) is False
    assert holds_no_scalar(b"\x0f" * 2000, 0, 2000) is False  # not an Event: decode it


def sparse_image_record(handle, step: int, payload: int) -> None:  # type: ignore[no-untyped-def]
    """An image record whose PNG bytes are a hole in a sparse file (nothing is written)."""
    prefix = _image_prefix(step, payload)
    header = struct.pack("<Q", len(prefix) + payload)
    handle.write(header + struct.pack("<I", masked_crc32c(header)) + prefix)
    handle.seek(payload, 1)
    handle.write(b"\x00\x00\x00\x00")  # the data CRC: not checked by the launcher


def _image_prefix(step: int, payload: int) -> bytes:
    """encode_image_event's bytes before the PNG, without building the PNG."""
    from launcher.events.writer import _field_bytes, _varint

    image_head = b"\x08" + _varint(200) + b"\x10" + _varint(1000) + b"\x18\x03"
    image_head += b"\x22" + _varint(payload)
    value_head = _field_bytes(1, b"all/mel") + b"\x22" + _varint(len(image_head) + payload)
    value_length = len(value_head) + len(image_head) + payload
    summary_head = b"\x0a" + _varint(value_length)
    return (b"\x09" + struct.pack("<d", START + step) + b"\x10" + _varint(step) + b"\x2a"
            + _varint(len(summary_head) + value_length) + summary_head + value_head + image_head)


def test_image_prefix_helper_is_the_writers() -> None:
    sample = encode_image_event("all/mel", b"\x00" * 5000, 1000, 200, 7, START + 7)
    assert _image_prefix(7, 5000) == sample[:-5000]


@pytest.mark.skipif(os.name == "nt" or not Path("/proc/self/io").exists(),
                    reason="needs Linux's /proc/self/io and sparse files (st_blocks)")
def test_four_gigabyte_file_is_read_by_seeking(tmp_path: Path) -> None:
    """7 images of 600 MB (holes in a sparse file) between scalars, then one cut short:
    every scalar is found, offsets pass 4 GiB, and the images are never read."""
    path = tmp_path / "events.out.tfevents.1700000000.host.1.0"
    with path.open("wb") as handle:
        for step in range(1, 9):
            handle.write(b"".join(frame(encode_scalar_event(tag, float(step), step, START))
                                  for tag in TAGS))
            sparse_image_record(handle, step, 600 << 20)
        handle.write(frame(encode_scalar_event("loss/g/total", 9.0, 9, START)))
        whole = handle.tell()
        sparse_image_record(handle, 9, 600 << 20)
        handle.truncate(handle.tell() - 1000)  # the last image is not all written yet
    assert path.stat().st_size > 4.5 * 2**30
    assert path.stat().st_blocks * 512 < 2**20  # sparse: this test writes almost nothing
    reader = EventFileReader(path)
    before = bytes_read_by_this_process()
    found = reader.read_new()
    read = bytes_read_by_this_process() - before
    assert found["loss/g/total"].steps == list(range(1, 10))
    assert all(found[tag].steps == list(range(1, 9)) for tag in TAGS[1:])
    assert reader.offset == whole > 2**32
    assert read < 64 << 20, f"read {read:,} bytes of a {path.stat().st_size:,}-byte file"


def test_damage_anywhere_in_an_image_heavy_file_never_crashes(tmp_path: Path) -> None:
    import random

    with ScalarEventWriter(tmp_path, wall_time=START) as writer:
        write_webui_points(writer, range(1, 5))
    clean = writer.path.read_bytes()
    rng = random.Random(3)
    for round_ in range(30):
        damaged = bytearray(clean)
        for _ in range(3):
            at = rng.randrange(len(damaged))
            damaged[at: at + 8] = rng.randbytes(8)
        cut = len(damaged) if round_ % 3 else rng.randrange(len(damaged))
        path = tmp_path / f"events.out.tfevents.1700000000.host.1.{round_}"
        path.write_bytes(bytes(damaged[:cut]))
        reader = EventFileReader(path)
        found = reader.read_new()
        assert reader.offset <= cut
        if cut == len(damaged):  # each damaged spot costs at most the two records it spans
            assert sum(len(s) for s in found.values()) >= 4 * len(TAGS) - 6
