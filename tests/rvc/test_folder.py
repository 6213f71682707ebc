"""RVC distribution detection from the marker files each distribution ships."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.rvc.folder import (
    APPLIO,
    MANGIO,
    UNKNOWN,
    WEBUI,
    RvcFolder,
    by_key,
    detect_distribution,
)


def make_tree(root: Path, files: list[str]) -> Path:
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("")
    return root


@pytest.mark.parametrize(("files", "expected"), [
    (["runtime/python.exe", "go-web.bat", "infer-web.py"], WEBUI),
    (["runtime/python.exe", "go-webui.bat", "webui.py"], WEBUI),
    (["infer-web.py"], WEBUI),  # a bare clone: ties go to the original WebUI
    (["runtime/python.exe", "infer-web.py", "Makefile"], MANGIO),
    (["env/python.exe", "run-applio.bat", "core.py"], APPLIO),
    (["core.py"], APPLIO),
    ([], UNKNOWN),
    (["README.md", "logs/mute/.keep"], UNKNOWN),
])
def test_detect_distribution(tmp_path: Path, files: list[str], expected: object) -> None:
    assert detect_distribution(make_tree(tmp_path, files)) is expected


def test_distribution_conventions() -> None:
    assert (WEBUI.smoothing, APPLIO.smoothing) == (0.987, 0.5)
    assert (WEBUI.scalars_subdir, APPLIO.scalars_subdir) == ("", "eval")
    assert by_key("mangio") is MANGIO and by_key("unknown") is UNKNOWN
    with pytest.raises(ValueError, match="unknown RVC distribution"):
        by_key("nope")


def test_folder_paths_follow_the_distribution(tmp_path: Path) -> None:
    applio = RvcFolder.at(make_tree(tmp_path / "Applio", ["core.py", "env/python.exe",
                                                           "logs/Aria/eval/x", "logs/mute/x"]))
    assert applio.distribution is APPLIO
    assert applio.models() == ["Aria"]
    assert applio.scalars_dir("Aria") == applio.root / "logs" / "Aria" / "eval"
    assert applio.weights_dirs("Aria") == [applio.root / "logs" / "Aria"]
    assert applio.bundled_pythons() == [applio.root / "env" / "python.exe"]

    webui = RvcFolder.at(make_tree(tmp_path / "WebUI", ["go-web.bat", "runtime/python.exe"]))
    assert webui.scalars_dir("Ben") == webui.root / "logs" / "Ben"
    assert webui.weights_dirs("Ben")[0] == webui.root / "assets" / "weights"
    assert webui.bundled_pythons() == [webui.root / "runtime" / "python.exe"]
    assert webui.models() == [] and not webui.has_logs()


def test_linux_runtime_layout_is_found_as_a_bundled_python(tmp_path: Path) -> None:
    rvc = RvcFolder.at(make_tree(tmp_path, ["infer-web.py", "runtime/bin/python3"]))
    assert rvc.bundled_pythons() == [tmp_path / "runtime" / "bin" / "python3"]


def test_legacy_tensorboard_venv_is_noticed(tmp_path: Path) -> None:
    rvc = RvcFolder.at(make_tree(tmp_path, ["go-web.bat"]))
    assert not rvc.has_legacy_venv()
    (tmp_path / "tensorboard_venv" / "Scripts").mkdir(parents=True)
    assert rvc.has_legacy_venv()
    assert rvc.paths.venv_dir == tmp_path / "TensorBoardLauncher" / "venv"


def test_demo_folder_is_a_webui_with_models(demo_rvc: Path) -> None:
    rvc = RvcFolder.at(demo_rvc)
    assert rvc.distribution is WEBUI
    assert {"Aria", "Ben"} <= set(rvc.models())
