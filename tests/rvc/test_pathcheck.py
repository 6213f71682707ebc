"""The path check: which locations are refused, which only warned about, and what each says."""

from __future__ import annotations

import os
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

import pytest

from launcher.rvc.pathcheck import (
    MAX_PATH,
    Finding,
    check_location,
    check_path_text,
    deepest_venv_path_length,
    has_errors,
)


def codes(findings: list[Finding]) -> dict[str, str]:
    return {f.code: f.severity for f in findings}


@pytest.mark.parametrize("path", [
    PureWindowsPath(r"C:\RVC"),
    PureWindowsPath(r"D:\AI\Retrieval-based-Voice-Conversion-WebUI_v2.2.231006"),
    PureWindowsPath(r"E:\voice_models\rvc-1.0\user@home+v2~old"),
    PurePosixPath("/home/ana/RVC"),
])
def test_plain_paths_pass(path: PurePath) -> None:
    assert check_path_text(path, windows=isinstance(path, PureWindowsPath)) == []


@pytest.mark.parametrize(("path", "windows", "named"), [
    (PureWindowsPath(r"C:\Tom & Jerry\RVC"), True, '"&"'),
    (PureWindowsPath(r"C:\RVC (1)\RVC"), True, '"(" and ")"'),
    (PureWindowsPath(r"C:\100%\RVC!"), True, '"%" and "!"'),
    (PureWindowsPath(r"C:\a;b,c=d\RVC"), True, '";", "," and "="'),
    (PureWindowsPath(r"C:\it's\R^VC"), True, "\"'\" and \"^\""),
    (PurePosixPath("/home/ana/`RVC`"), False, '"`"'),
    (PurePosixPath('/home/ana/R"V|C'), False, '""" and "|"'),
])
def test_batch_breaking_characters_are_errors_naming_them(
        path: PurePath, windows: bool, named: str) -> None:
    findings = check_path_text(path, windows=windows)
    assert codes(findings)["breaking-characters"] == "error"
    message = next(f.message for f in findings if f.code == "breaking-characters")
    assert f"contains {named}, which break batch files and pip" in message
    assert str(path) in message
    assert ("C:\\RVC" if windows else "~/RVC") in message
    assert has_errors(findings)


@pytest.mark.parametrize(("path", "named"), [
    (PureWindowsPath(r"C:\models[old]\RVC"), '"[" and "]"'),
    (PureWindowsPath(r"C:\RVC#2\{x}$"), '"#", "{", "}" and "$"'),
])
def test_pattern_characters_are_warnings(path: PurePath, named: str) -> None:
    findings = check_path_text(path, windows=True)
    assert codes(findings) == {"risky-characters": "warning"}
    assert f"contains {named}, which some tools read as patterns" in findings[0].message
    assert not has_errors(findings)


def test_spaces_and_non_ascii_letters_are_warnings_naming_the_letters() -> None:
    findings = check_path_text(PureWindowsPath(r"C:\Users\José Müller\RVC"), windows=True)
    assert codes(findings) == {"spaces": "warning", "non-ascii": "warning"}
    by_code = {f.code: f.message for f in findings}
    assert "contains spaces, which break RVC training" in by_code["spaces"]
    assert 'non-ASCII letters "é" and "ü"' in by_code["non-ascii"]
    assert not has_errors(findings)


def test_cyrillic_posix_path_warns() -> None:
    findings = check_path_text(PurePosixPath("/home/голос/RVC"), windows=False)
    assert codes(findings) == {"non-ascii": "warning"}
    assert '"г", "о", "л" and "с"' in findings[0].message


def test_drive_colon_and_unc_prefix_are_not_problems() -> None:
    assert check_path_text(PureWindowsPath(r"\\nas\share\RVC"), windows=True) == []


def test_onedrive_path_component_warns() -> None:
    findings = check_path_text(PureWindowsPath(r"C:\Users\ana\OneDrive - Contoso\RVC"),
                               windows=True)
    assert codes(findings) == {"spaces": "warning", "onedrive": "warning"}
    message = next(f.message for f in findings if f.code == "onedrive")
    assert "is inside OneDrive" in message and "outside OneDrive" in message


def test_deepest_venv_path_is_counted_from_the_rvc_folder() -> None:
    # <root>\TensorBoardLauncher\venv\ + Lib\site-packages\ + the 102-char TensorBoard file
    assert deepest_venv_path_length(PureWindowsPath(r"C:\RVC")) == 6 + 25 + 1 + 120


def test_long_windows_path_is_an_error_unless_long_paths_are_on() -> None:
    one_letter = deepest_venv_path_length(PureWindowsPath("C:\\a"))
    longest_ok = "C:\\" + "a" * (1 + MAX_PATH - one_letter)
    assert deepest_venv_path_length(PureWindowsPath(longest_ok)) == MAX_PATH
    assert check_path_text(PureWindowsPath(longest_ok), windows=True) == []

    too_long = PureWindowsPath(longest_ok + "b")
    findings = check_path_text(too_long, windows=True)
    assert codes(findings) == {"too-long": "error"}
    assert f"is {len(str(too_long))} characters long" in findings[0].message
    assert f"would reach {MAX_PATH + 1} characters" in findings[0].message
    assert "enable Windows long paths" in findings[0].message
    assert check_path_text(too_long, windows=True, long_paths_enabled=True) == []
    assert check_path_text(PurePosixPath("/" + "a" * 300), windows=False) == []


def test_check_location_accepts_a_writable_plain_folder(tmp_path: Path) -> None:
    root = tmp_path / "RVC"
    root.mkdir()
    assert check_location(root, env={}) == []
    assert list(root.iterdir()) == []  # the write test leaves nothing behind


def test_check_location_warns_under_the_onedrive_variable(tmp_path: Path) -> None:
    synced = tmp_path / "Sync"
    root = synced / "RVC"
    root.mkdir(parents=True)
    findings = check_location(root, env={"OneDriveConsumer": str(synced)})
    assert codes(findings) == {"onedrive": "warning"}
    assert check_location(root, env={"OneDrive": str(tmp_path / "Elsewhere")}) == []


def test_check_location_refuses_a_read_only_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "RVC"
    root.mkdir()
    root.chmod(0o555)
    if os.name != "nt" and os.geteuid() == 0:  # root writes anywhere

        def refuse(**_: object) -> None:
            raise PermissionError(13, "Read-only file system")

        monkeypatch.setattr("launcher.rvc.pathcheck.tempfile.mkstemp", refuse)
    try:
        findings = check_location(root, env={})
    finally:
        root.chmod(0o755)
    assert codes(findings) == {"read-only": "error"}
    assert "is read-only" in findings[0].message and "move the RVC folder" in findings[0].message
