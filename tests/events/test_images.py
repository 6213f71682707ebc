"""RVC's spectrogram images as the writer stores them, checked with Pillow and TensorBoard."""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New

from launcher.events.spectrogram import IMAGE_TAGS, rvc_images, spectrogram_png
from launcher.events.tfrecord import frame, frame_parts
from launcher.events.writer import ScalarEventWriter


def test_plots_are_real_pngs_of_rvcs_size() -> None:
    images = rvc_images()
    assert [tag for tag, _ in images] == list(IMAGE_TAGS)
    for _, png in images:
        picture = Image.open(io.BytesIO(png))
        assert (picture.size, picture.mode) == ((1000, 200), "RGB")
        assert 65_000 < len(png) < 85_000  # matplotlib's plots of RVC's mels: about 75 KB
        colours = picture.crop((100, 20, 800, 150)).getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 100  # a spectrogram, not a flat fill
    assert len({png for _, png in images}) == 3
    assert spectrogram_png(seed=11) == images[0][1]  # seeded: the same bytes every time


def test_frame_parts_is_frame_of_the_whole() -> None:
    png = rvc_images()[0][1]
    for prefix in (b"", b"x", os.urandom(61)):
        for suffix in (b"", b"\x00", os.urandom(300), png):
            assert frame_parts(prefix, suffix) == frame(prefix + suffix)


def test_tensorboard_reads_the_images_and_their_crcs(tmp_path: Path) -> None:
    with ScalarEventWriter(tmp_path, wall_time=1.7e9) as writer:
        for point in range(1, 4):
            writer.add_scalar("loss/g/total", 30.0 - point, point * 200, 1.7e9 + point)
            writer.add_rvc_images(point * 200, 1.7e9 + point)
    records = PyRecordReader_New(str(writer.path).encode())  # checks both CRCs of each record
    count = 0
    while True:
        try:
            records.GetNext()
        except Exception as exc:
            assert type(exc).__name__ == "OutOfRangeError"
            break
        count += 1
    assert count == 1 + 3 * 4
    accumulator = EventAccumulator(str(tmp_path), size_guidance={"images": 0})
    accumulator.Reload()
    assert sorted(accumulator.Tags()["images"]) == sorted(IMAGE_TAGS)
    mel = accumulator.Images("all/mel")
    assert [(e.step, e.width, e.height) for e in mel] == [(200, 1000, 200), (400, 1000, 200),
                                                          (600, 1000, 200)]
    assert mel[0].encoded_image_string == dict(rvc_images())["all/mel"]
    assert [e.value for e in accumulator.Scalars("loss/g/total")] == [29.0, 28.0, 27.0]


def test_demo_logs_carry_the_three_plots(demo_rvc: Path) -> None:
    from tensorboard.compat.proto import event_pb2

    from launcher.events.demo import DEMO_MODELS, IMAGES_EVERY

    model = DEMO_MODELS[0]
    path = next((demo_rvc / "logs" / model.name).glob("events.out.tfevents.*"))
    data = path.read_bytes()
    images: dict[str, list[int]] = {}
    pos = 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        event = event_pb2.Event.FromString(data[pos + 12: pos + 12 + length])
        for value in event.summary.value:
            if value.HasField("image"):
                assert (value.image.width, value.image.height) == (1000, 200)
                images.setdefault(value.tag, []).append(event.step)
        pos += length + 16
    steps = [e * model.steps_per_epoch for e in range(IMAGES_EVERY, model.epochs + 1,
                                                       IMAGES_EVERY)]
    assert images == {tag: steps for tag in IMAGE_TAGS}
