"""The plugin's wheel, built in pure Python: a valid, reproducible wheel whose version follows
its source."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import shutil
import zipfile
from pathlib import Path

from launcher.tensorboard.pluginwheel import (
    DISTRIBUTION,
    PLUGIN_SOURCE,
    build_wheel,
    package_files,
    plugin_version,
)


def test_wheel_has_the_package_the_entry_point_and_a_true_record(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    version = plugin_version()
    assert wheel.name == f"{DISTRIBUTION}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = f"{DISTRIBUTION}-{version}.dist-info"
        assert {f"{DISTRIBUTION}/__init__.py", f"{DISTRIBUTION}/plugin.py",
                f"{DISTRIBUTION}/static/index.js", f"{DISTRIBUTION}/static/start.js",
                f"{DISTRIBUTION}/static/start.html"} <= set(names)
        assert not any("__pycache__" in name for name in names)
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
        assert entry_points.splitlines() == [
            "[tensorboard_plugins]", "rvc = rvc_tensorboard_plugin.plugin:RvcPlugin"]
        assert f"Version: {version}\n" in archive.read(f"{info}/METADATA").decode()
        rows = list(csv.reader(io.StringIO(archive.read(f"{info}/RECORD").decode())))
        assert sorted(row[0] for row in rows) == sorted(names)
        for name, digest, size in rows:
            if name.endswith("RECORD"):
                assert digest == size == ""
                continue
            data = archive.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == f"sha256={expected.decode()}" and int(size) == len(data)


def test_same_source_same_bytes_and_a_change_changes_the_version(tmp_path: Path) -> None:
    first = build_wheel(tmp_path / "a").read_bytes()
    assert build_wheel(tmp_path / "b").read_bytes() == first
    copy = tmp_path / "source"
    shutil.copytree(PLUGIN_SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    index = copy / DISTRIBUTION / "static" / "index.js"
    index.write_text(index.read_text() + "\n// changed\n")
    assert plugin_version(copy) != plugin_version()
    assert plugin_version(copy).split("+")[0] == plugin_version().split("+")[0]
    assert set(package_files(copy)) == set(package_files())
