"""TFRecord framing used by TensorBoard event files: length, masked CRC32C, data, masked CRC32C."""

from __future__ import annotations

import functools
import struct


def _make_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _make_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame(data: bytes) -> bytes:
    """One record as it is stored on disk."""
    header = struct.pack("<Q", len(data))
    return (header + struct.pack("<I", masked_crc32c(header)) + data
            + struct.pack("<I", masked_crc32c(data)))


def _update(crc: int, data: bytes) -> int:
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def _times(matrix: list[int], vector: int) -> int:
    """A 32x32 matrix over GF(2) (one int per column) times a 32-bit vector."""
    result = 0
    column = 0
    while vector:
        if vector & 1:
            result ^= matrix[column]
        vector >>= 1
        column += 1
    return result


@functools.lru_cache(maxsize=16)
def _suffix_crc(suffix: bytes) -> tuple[list[int], int]:
    """How a CRC register changes over `suffix`: register -> L(register) ^ constant.

    L is "feed len(suffix) zero bytes", built by squaring the one-zero-byte operator, so a
    large suffix that repeats (the same PNG at every log point) is run through the table once.
    """
    operator = [_TABLE[(1 << bit) & 0xFF] ^ ((1 << bit) >> 8) for bit in range(32)]
    power = [1 << bit for bit in range(32)]  # the identity
    count = len(suffix)
    while count:
        if count & 1:
            power = [_times(operator, column) for column in power]
        operator = [_times(operator, column) for column in operator]
        count >>= 1
    return power, _update(0, suffix)


def frame_parts(prefix: bytes, suffix: bytes) -> bytes:
    """frame(prefix + suffix), fast when the same large `suffix` comes again and again."""
    header = struct.pack("<Q", len(prefix) + len(suffix))
    shift, constant = _suffix_crc(suffix)
    crc = (_times(shift, _update(0xFFFFFFFF, prefix)) ^ constant) ^ 0xFFFFFFFF
    masked = (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF
    return (header + struct.pack("<I", masked_crc32c(header)) + prefix + suffix
            + struct.pack("<I", masked))
