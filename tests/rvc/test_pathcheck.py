"""The path check: which locations are refused, which only warned about, and what each says."""

from __future__ import annotations

import os
import subprocess
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


def chattr(path: Path, flag: str) -> bool:
    try:
        return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0
    except OSError:
        return False


def assert_refused_as_read_only(root: Path) -> None:
    findings = check_location(root, env={})
    assert codes(findings) == {"read-only": "error"}
    assert "is read-only" in findings[0].message and "move the RVC folder" in findings[0].message


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions; a Windows folder is made "
                                            "read-only by its ACL (the tests below)")
def test_check_location_refuses_a_read_only_folder(tmp_path: Path) -> None:
    root = tmp_path / "RVC"
    root.mkdir()
    root.chmod(0o555)
    # root writes through permissions; an immutable folder refuses even root, as a
    # read-only mount does.
    immutable = os.geteuid() == 0 and chattr(root, "+i")
    if os.geteuid() == 0 and not immutable:
        pytest.skip("running as root on a filesystem without chattr +i")
    try:
        assert_refused_as_read_only(root)
    finally:
        if immutable:
            chattr(root, "-i")
        root.chmod(0o755)
    assert list(root.iterdir()) == []


@pytest.mark.skipif(os.name != "nt", reason="Windows ACLs")
def test_a_windows_folder_whose_acl_denies_writing_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "RVC"
    root.mkdir()
    everyone = "*S-1-1-0"
    subprocess.run(["icacls", str(root), "/deny", f"{everyone}:(OI)(CI)(W)"], check=True,
                   capture_output=True)
    try:
        try:
            (root / "probe.txt").write_text("x")
        except PermissionError:
            pass
        else:
            pytest.skip("this Windows does not enforce NTFS ACLs (Wine); the lane's "
                        "read-only folder test stands in")
        assert_refused_as_read_only(root)
    finally:
        subprocess.run(["icacls", str(root), "/remove:d", everyone], capture_output=True)


@pytest.mark.skipif(os.name != "nt", reason="the Windows read-only attribute")
def test_the_read_only_attribute_does_not_make_a_windows_folder_read_only(
        tmp_path: Path) -> None:
    import ctypes

    root = tmp_path / "RVC"
    root.mkdir()
    file_attribute_readonly = 0x1
    assert ctypes.windll.kernel32.SetFileAttributesW(str(root), file_attribute_readonly)
    try:
        (root / "created.txt").write_text("Windows ignores the attribute on folders")
        assert "read-only" not in codes(check_location(root, env={}))
    finally:
        ctypes.windll.kernel32.SetFileAttributesW(str(root), 0x80)  # FILE_ATTRIBUTE_NORMAL


@pytest.mark.skipif(not os.environ.get("WINE_LANE_READONLY_DIR"),
                    reason="the Wine lane's read-only folder (scripts/wine/run.sh)")
def test_a_folder_windows_cannot_write_to_is_refused_under_wine() -> None:
    root = Path(os.environ["WINE_LANE_READONLY_DIR"])
    with pytest.raises(PermissionError):
        (root / "probe.txt").write_text("x")
    assert_refused_as_read_only(root)
