"""Is this an RVC folder, and is the exe running from a temporary folder: real folders, and the
pure path rules in both OS forms."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from launcher import winplatform
from launcher.rvc.folder import APPLIO, UNKNOWN, WEBUI
from launcher.rvc.placement import (
    examine,
    not_rvc_sentence,
    resolved,
    temp_folder_holding,
    temp_roots,
    zip_refusal,
)
from tests.rvc.test_folder import make_tree


@pytest.mark.parametrize(("files", "distribution", "models"), [
    (["runtime/python.exe", "go-web.bat", "infer-web.py"], WEBUI, ()),
    # With markers the models are not listed: the markers decide, and the start stays quick.
    (["env/python.exe", "run-applio.bat", "core.py", "logs/Aria/eval/x"], APPLIO, ()),
    (["logs/Aria/events.out.tfevents.1.host", "logs/Ben/G_2333333.pth",
      "logs/Cleo/0_gt_wavs/0_0.wav", "logs/mute/0_gt_wavs/mute.wav"], UNKNOWN,
     ("Aria", "Ben", "Cleo")),
    (["logs/2026-11-30/app.txt", "logs/.hidden/config.json"], UNKNOWN, ()),
    (["setup.exe", "notes.txt"], UNKNOWN, ()),
])
def test_examine_finds_markers_and_model_folders(tmp_path: Path, files: list[str],
                                                 distribution: object,
                                                 models: tuple[str, ...]) -> None:
    placement = examine(make_tree(tmp_path, files))
    assert placement.distribution is distribution
    assert placement.models == models


def test_what_counts_as_an_rvc_folder(tmp_path: Path) -> None:
    markers = examine(make_tree(tmp_path / "webui", ["go-web.bat"]))
    trained = examine(make_tree(tmp_path / "custom", ["logs/Aria/config.json"]))
    bare_logs = examine(make_tree(tmp_path / "bare", ["logs/readme.txt"]))
    other_logs = examine(make_tree(tmp_path / "other", ["logs/2026-11-30/app.txt"]))
    downloads = examine(make_tree(tmp_path / "Downloads", ["setup.exe"]))
    for explicit in (False, True):
        assert markers.accepted(explicit) and trained.accepted(explicit)
        assert not downloads.accepted(explicit)
    # A folder given with --rvc-dir needs only logs/ (a custom install before any training).
    assert bare_logs.accepted(explicit=True) and other_logs.accepted(explicit=True)
    assert not bare_logs.accepted(explicit=False) and not other_logs.accepted(explicit=False)
    assert trained.custom_install and bare_logs.custom_install
    assert not markers.custom_install and not downloads.custom_install


def test_examine_writes_nothing(tmp_path: Path) -> None:
    make_tree(tmp_path, ["logs/Aria/config.json", "notes.txt"])
    before = sorted(tmp_path.rglob("*"))
    examine(tmp_path)
    assert sorted(tmp_path.rglob("*")) == before


def test_sentence_names_the_folder_what_was_looked_for_and_the_fix() -> None:
    text = not_rvc_sentence(PureWindowsPath(r"C:\Users\Ann\Downloads"), "choose Yes", True)
    assert text.startswith(r"C:\Users\Ann\Downloads is not an RVC folder")
    assert r"runtime\python.exe" in text and "core.py" in text and r"logs\ folder" in text
    assert text.endswith("; choose Yes.")
    assert text.count(". ") == 0, "one sentence"


@pytest.mark.parametrize(("folder", "roots", "hit"), [
    (r"C:\Users\Ann\AppData\Local\Temp\Temp1_RVCTensorBoardLauncher.zip",
     [r"C:\Users\Ann\AppData\Local\Temp"], r"C:\Users\Ann\AppData\Local\Temp"),
    (r"c:\users\ann\appdata\local\temp\7zO84C2\x", [r"C:\Users\Ann\AppData\Local\Temp"],
     r"C:\Users\Ann\AppData\Local\Temp"),  # Windows paths compare case-insensitively
    (r"C:\Users\Ann\AppData\Local\Temp", [r"C:\Users\Ann\AppData\Local\Temp"],
     r"C:\Users\Ann\AppData\Local\Temp"),
    (r"C:\RVC", [r"C:\Users\Ann\AppData\Local\Temp", r"C:\Windows\Temp"], None),
    (r"C:\Users\Ann\AppData\Local\Temporary Projects\RVC",
     [r"C:\Users\Ann\AppData\Local\Temp"], None),  # a prefix of the name is not inside it
])
def test_temp_folder_rule_on_windows_paths(folder: str, roots: list[str],
                                           hit: str | None) -> None:
    assert temp_folder_holding(PureWindowsPath(folder), roots, windows=True) == hit


def test_temp_folder_rule_on_posix_paths_is_case_sensitive() -> None:
    assert temp_folder_holding(PurePosixPath("/tmp/x/RVC"), ["/tmp"], windows=False) == "/tmp"
    assert temp_folder_holding(PurePosixPath("/TMP/x"), ["/tmp"], windows=False) is None
    assert temp_folder_holding(PurePosixPath("/home/ann/RVC"), ["/tmp"], windows=False) is None


def test_windows_temp_roots_come_from_the_environment() -> None:
    env = {"TEMP": r"C:\Users\Ann\AppData\Local\Temp", "TMP": r"D:\Tmp",
           "LOCALAPPDATA": r"C:\Users\Ann\AppData\Local", "SystemRoot": r"C:\Windows"}
    roots = temp_roots(env, windows=True)
    assert {r"C:\Users\Ann\AppData\Local\Temp", r"D:\Tmp", r"C:\Windows\Temp"} <= set(roots)


def test_zip_refusal_for_an_exe_in_the_system_temp_folder(tmp_path: Path) -> None:
    # pytest's tmp_path is under the system temp folder, as a zip viewer's extraction is.
    exe = tmp_path / "Temp1_RVCTensorBoardLauncher.zip" / "RVCTensorBoardLauncher.exe"
    message = zip_refusal(exe, os.environ, windows=winplatform.IS_WINDOWS)
    assert message is not None
    assert "Extract the zip first, then move the exe into your RVC folder" in message
    assert str(exe.parent) in message


def test_no_zip_refusal_outside_the_temp_folders() -> None:
    exe = Path.home() / "RVC" / "RVCTensorBoardLauncher"
    assert zip_refusal(exe, {}, windows=winplatform.IS_WINDOWS) is None


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows (and Wine fakes "
                                           "them); 8.3 short names are Windows' own case")
def test_a_temp_folder_reached_through_a_symlink_still_matches(tmp_path: Path) -> None:
    # /tmp as a symlink, or %TEMP% in its short 8.3 form: compare real paths as well.
    real = tmp_path / "real-temp"
    (real / "extracted").mkdir(parents=True)
    link = tmp_path / "temp-link"
    link.symlink_to(real, target_is_directory=True)
    roots = resolved([str(link)])
    assert temp_folder_holding(PurePosixPath(real / "extracted"), roots, windows=False)
    assert not temp_folder_holding(PurePosixPath(tmp_path), roots, windows=False)
