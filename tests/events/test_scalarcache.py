"""The read cache: a restart reads only what is new, and a changed file is read afresh."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from launcher.events.reader import LogDirReader, ScalarSeries
from launcher.events.scalarcache import ScalarCache
from launcher.events.writer import ScalarEventWriter
from tests.events.test_large_records import (
    bytes_read_by_this_process,
    expected_steps,
    write_webui_points,
)

START = 1.7e9


def model_with_points(folder: Path, points: range) -> ScalarEventWriter:
    writer = ScalarEventWriter(folder, wall_time=START)
    write_webui_points(writer, points)
    writer.flush()
    return writer


def same_series(a: dict[str, ScalarSeries], b: dict[str, ScalarSeries]) -> bool:
    return a.keys() == b.keys() and all(
        (a[t].steps, a[t].values, a[t].wall_times) == (b[t].steps, b[t].values, b[t].wall_times)
        for t in a)


needs_proc_io = pytest.mark.skipif(not Path("/proc/self/io").exists(),
                                   reason="needs Linux's /proc/self/io")


@needs_proc_io
def test_restart_reads_only_what_is_new(tmp_path: Path) -> None:
    model, cache = tmp_path / "logs" / "M", ScalarCache(tmp_path / "cache")
    writer = model_with_points(model, range(1, 41))
    first = LogDirReader(model, cache=cache).refresh()
    assert first["loss/g/total"].steps == expected_steps(range(1, 41))
    assert len(list((tmp_path / "cache").iterdir())) == 1
    write_webui_points(writer, range(41, 46))  # training went on while the launcher was off
    writer.close()
    before = bytes_read_by_this_process()
    restarted = LogDirReader(model, cache=cache).refresh()
    read = bytes_read_by_this_process() - before
    assert same_series(restarted, LogDirReader(model).refresh())  # as a read from scratch
    assert restarted["loss/g/total"].steps == expected_steps(range(1, 46))
    grown = 5 * (8 * 70 + 3 * 75_300)
    assert read < grown + 200_000, f"read {read:,} bytes; the file grew by about {grown:,}"


def test_rewritten_or_truncated_file_is_read_afresh(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    model, cache = tmp_path / "M", ScalarCache(tmp_path / "cache")
    writer = model_with_points(model, range(1, 11))
    writer.close()
    LogDirReader(model, cache=cache).refresh()
    original = writer.path.read_bytes()

    writer.path.write_bytes(original[: len(original) // 2])  # truncated
    with caplog.at_level(logging.INFO, logger="launcher.events.scalarcache"):
        half = LogDirReader(model, cache=cache).refresh()
    assert same_series(half, LogDirReader(model).refresh())
    assert "reading it again" in caplog.text

    stat = writer.path.stat()
    rewritten = bytearray(original)
    last_value = original.rindex(b"grad_norm_g\x15") + len(b"grad_norm_g\x15")
    rewritten[last_value + 2] ^= 0x40  # same size, start and end: only one value differs
    writer.path.write_bytes(original)
    cached_whole = LogDirReader(model, cache=cache).refresh()  # cached whole again
    writer.path.write_bytes(bytes(rewritten))
    os.utime(writer.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    changed = LogDirReader(model, cache=cache).refresh()
    assert same_series(changed, LogDirReader(model).refresh())
    assert changed["grad_norm_g"].values[-1] != cached_whole["grad_norm_g"].values[-1]

    with ScalarEventWriter(tmp_path / "other", wall_time=START + 9) as replaced:
        for point in range(1, 30):  # another run: larger, other values
            replaced.add_scalar("loss/g/total", 100.0, point * 200, START + point)
            replaced.add_rvc_images(point * 200, START + point)
    writer.path.write_bytes(replaced.path.read_bytes())
    other = LogDirReader(model, cache=cache).refresh()
    assert other["loss/g/total"].steps == expected_steps(range(1, 30))
    assert set(other["loss/g/total"].values) == {100.0} and "loss/g/mel" not in other


def test_damaged_cache_entry_is_ignored(tmp_path: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    model, cache = tmp_path / "M", ScalarCache(tmp_path / "cache")
    model_with_points(model, range(1, 6)).close()
    expected = LogDirReader(model, cache=cache).refresh()
    entry = next((tmp_path / "cache").iterdir())
    entry.write_bytes(entry.read_bytes()[:-5])
    with caplog.at_level(logging.WARNING, logger="launcher.events.scalarcache"):
        assert same_series(LogDirReader(model, cache=cache).refresh(), expected)
    assert "unreadable cache entry" in caplog.text
    entry.write_bytes(b"garbage")
    assert same_series(LogDirReader(model, cache=cache).refresh(), expected)


def test_unwritable_cache_folder_only_warns(tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    model = tmp_path / "M"
    model_with_points(model, range(1, 4)).close()
    (tmp_path / "cache").write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING, logger="launcher.events.scalarcache"):
        found = LogDirReader(model, cache=ScalarCache(tmp_path / "cache")).refresh()
    assert found["loss/g/total"].steps == expected_steps(range(1, 4))
    assert "cannot cache" in caplog.text
