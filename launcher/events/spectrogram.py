"""The spectrogram plots RVC logs with every log point, as PNG bytes like the real ones.

RVC's `plot_spectrogram_to_numpy` draws a mel spectrogram with matplotlib on a 10x2 inch
figure at 100 dpi (1000x200 pixels: the plot, a colour bar, axis labels, white margins), and
SummaryWriter stores it as an RGB PNG of about 75 KB. These are drawn without matplotlib or
numpy (and without axis text): a viridis-like image of harmonics over a noisy floor, encoded
by hand (zlib), seeded so the pixels are the same on every machine. Encoding takes a fraction
of a second, so callers use `rvc_images()`, made once per process.
"""

from __future__ import annotations

import functools
import math
import random
import struct
import zlib

WIDTH, HEIGHT = 1000, 200
IMAGE_TAGS = ("slice/mel_org", "slice/mel_gen", "all/mel")

# The plot's area inside the figure (matplotlib's tight layout of a 10x2 figure with a bar).
_LEFT, _RIGHT, _TOP, _BOTTOM = 62, 860, 8, 160
_BAR_LEFT, _BAR_RIGHT = 890, 905
_CHANNELS, _FRAMES = 80, 490  # mel channels, frames of one segment
_NOISE = 0.35
_WHITE = b"\xff\xff\xff"
_BLACK = b"\x00\x00\x00"


def _viridis(level: float) -> bytes:
    """A close match of matplotlib's viridis map (dark purple, teal, yellow)."""
    red = 0.27 + level * (-0.35 + level * 1.05)
    green = 0.005 + level * 0.9
    blue = 0.33 + level * (1.2 - level * 1.4)
    return bytes(max(0, min(255, int(255 * c))) for c in (red, green, blue))


_PALETTE = [_viridis(i / 255) for i in range(256)]


def _cell_row(channel: float, frames: int, rng: random.Random, variant: int) -> bytes:
    """The pixels of one mel channel across the plot: each frame a few pixels wide."""
    base = 170 - 150 * channel
    width = _RIGHT - _LEFT
    cells = []
    for frame, jitter in enumerate(rng.randbytes(frames)):
        harmonic = 40 * math.sin(channel * (18 + variant) + math.sin(frame / 9) * 2)
        speech = 30 if (frame // 12 + variant) % 4 else -40  # words and pauses
        level = base + harmonic + speech + (jitter - 128) * _NOISE
        cells.append(_PALETTE[max(0, min(255, int(level)))])
    pixels = b"".join(cells[x * frames // width] for x in range(width))
    bar = _PALETTE[max(0, min(255, int(255 * channel)))]
    return (_WHITE * (_LEFT - 1) + _BLACK + pixels + _BLACK
            + _WHITE * (_BAR_LEFT - _RIGHT - 1) + bar * (_BAR_RIGHT - _BAR_LEFT)
            + _WHITE * (WIDTH - _BAR_RIGHT))


def _axis_row() -> bytes:
    return _WHITE * (_LEFT - 1) + _BLACK * (_RIGHT - _LEFT + 2) + _WHITE * (WIDTH - _RIGHT - 1)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def encode_png(rows: list[bytes], width: int, height: int) -> bytes:
    """An 8-bit RGB PNG of `rows` (each width*3 bytes), unfiltered rows, zlib level 6."""
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b""))


def spectrogram_png(seed: int, variant: int = 0) -> bytes:
    """One 1000x200 spectrogram plot as PNG bytes (about 75 KB), the same for the same seed."""
    rng = random.Random(seed)
    height = _BOTTOM - _TOP
    rows_of_channel = {}
    rows = []
    for y in range(HEIGHT):
        if y == _BOTTOM:
            rows.append(_axis_row())
        elif y < _TOP or y > _BOTTOM:
            rows.append(_WHITE * WIDTH)
        else:
            channel = (_BOTTOM - 1 - y) * _CHANNELS // height  # low channels at the bottom
            if channel not in rows_of_channel:
                rows_of_channel[channel] = _cell_row(channel / _CHANNELS, _FRAMES, rng, variant)
            rows.append(rows_of_channel[channel])
    return encode_png(rows, WIDTH, HEIGHT)


@functools.cache
def rvc_images() -> tuple[tuple[str, bytes], ...]:
    """(tag, PNG bytes) for the three images RVC logs at each log point, made once."""
    return tuple((tag, spectrogram_png(seed=11 + k, variant=k)) for k, tag in enumerate(IMAGE_TAGS))
