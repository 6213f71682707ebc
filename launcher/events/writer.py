"""A minimal writer of TensorBoard event files: `simple_value` scalars and PNG images.

It writes what PyTorch's SummaryWriter writes during RVC training (`add_scalar`, and
`add_image` of the spectrogram plots), so the demo and the benchmarks need neither torch nor
TensorBoard in the launcher itself.
"""

from __future__ import annotations

import os
import socket
import struct
import time
from pathlib import Path
from types import TracebackType

from launcher.events.spectrogram import HEIGHT, WIDTH, rvc_images
from launcher.events.tfrecord import frame, frame_parts


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _field_bytes(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def encode_scalar_event(tag: str, value: float, step: int, wall_time: float) -> bytes:
    """Event{wall_time, step, summary{value{tag, simple_value}}} as protobuf bytes."""
    summary_value = _field_bytes(1, tag.encode("utf-8")) + b"\x15" + struct.pack("<f", value)
    summary = _field_bytes(1, summary_value)
    return (b"\x09" + struct.pack("<d", wall_time) + b"\x10" + _varint(step)
            + _field_bytes(5, summary))


def _summary_event(summary_value: bytes, step: int, wall_time: float) -> bytes:
    """Event{wall_time, step, summary{value}} around one encoded Summary.Value."""
    return (b"\x09" + struct.pack("<d", wall_time) + b"\x10" + _varint(step)
            + _field_bytes(5, _field_bytes(1, summary_value)))


def encode_audio_event(tag: str, wav: bytes, sample_rate: int, frames: int, step: int,
                       wall_time: float) -> bytes:
    """Event{wall_time, step, summary{value{tag, audio{rate, channels, frames, wav, type}}}}:
    what PyTorch's SummaryWriter.add_audio writes (mono, 16-bit PCM WAV)."""
    audio = (b"\x0d" + struct.pack("<f", float(sample_rate)) + b"\x10" + _varint(1)
             + b"\x18" + _varint(frames) + _field_bytes(4, wav)
             + _field_bytes(5, b"audio/wav"))
    summary_value = _field_bytes(1, tag.encode("utf-8")) + _field_bytes(6, audio)
    return _summary_event(summary_value, step, wall_time)


def encode_image_event(tag: str, png: bytes, width: int, height: int, step: int,
                       wall_time: float) -> bytes:
    """Event{wall_time, step, summary{value{tag, image{height, width, colorspace 3, png}}}}."""
    image = (b"\x08" + _varint(height) + b"\x10" + _varint(width) + b"\x18\x03"
             + _field_bytes(4, png))
    summary_value = _field_bytes(1, tag.encode("utf-8")) + _field_bytes(4, image)
    return _summary_event(summary_value, step, wall_time)


def encode_file_version_event(wall_time: float) -> bytes:
    return b"\x09" + struct.pack("<d", wall_time) + _field_bytes(3, b"brain.Event:2")


def event_file_name(wall_time: float, counter: int = 0) -> str:
    return f"events.out.tfevents.{int(wall_time)}.{socket.gethostname()}.{os.getpid()}.{counter}"


class ScalarEventWriter:
    """Appends scalar events to one event file in `log_dir`, like SummaryWriter.add_scalar."""

    def __init__(self, log_dir: Path, wall_time: float | None = None, counter: int = 0) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        start = time.time() if wall_time is None else wall_time
        self.path = log_dir / event_file_name(start, counter)
        self._file = self.path.open("ab")
        self._file.write(frame(encode_file_version_event(start)))
        self._file.flush()

    def add_scalar(self, tag: str, value: float, step: int, wall_time: float | None = None) -> None:
        when = time.time() if wall_time is None else wall_time
        self._file.write(frame(encode_scalar_event(tag, value, step, when)))

    def add_audio(self, tag: str, wav: bytes, sample_rate: int, frames: int, step: int,
                  wall_time: float | None = None) -> None:
        when = time.time() if wall_time is None else wall_time
        self._file.write(frame(encode_audio_event(tag, wav, sample_rate, frames, step, when)))
    def add_image(self, tag: str, png: bytes, step: int, width: int, height: int,
                  wall_time: float | None = None) -> None:
        """An RGB PNG, as SummaryWriter.add_image stores it (dataformats="HWC")."""
        when = time.time() if wall_time is None else wall_time
        event = encode_image_event(tag, png, width, height, step, when)
        self._file.write(frame_parts(event[: -len(png)], png))  # the PNG ends the event

    def add_rvc_images(self, step: int, wall_time: float | None = None) -> None:
        """The three spectrogram plots RVC logs with every log point."""
        for tag, png in rvc_images():
            self.add_image(tag, png, step, WIDTH, HEIGHT, wall_time)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ScalarEventWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
