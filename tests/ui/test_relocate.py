"""Moving the launcher into the RVC folder the user picks: the question loop, the copy and the
detached start, run for real. Only the two dialogs are scripted: Windows' message box and folder
picker cannot run on Linux (the Wine lane drives the real ones)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from launcher.events.demo import create_demo_rvc
from launcher.rvc.paths import LauncherPaths
from launcher.ui.relocate import (
    QUESTION,
    UNUSABLE_QUESTION,
    choose_rvc_folder_and_move,
    copy_launcher,
    relaunch_plan,
)
from tests.helpers import wait_until

SENTENCE = "/home/ann/Downloads is not an RVC folder: ...; choose Yes."
# The started launcher must get past the folder checks and log, then stop at once.
QUICK_ARGV = ["setup", "--python", f"/nonexistent/python-{os.getpid()}"]


class Dialogs:
    """Scripted answers for the message box and the picker, recording what the user saw."""

    def __init__(self, answers: list[bool], picks: list[str | None]) -> None:
        self.answers, self.picks = answers, picks
        self.questions: list[str] = []
        self.alerts: list[str] = []

    def ask(self, text: str) -> bool:
        self.questions.append(text)
        return self.answers.pop(0)

    def pick(self) -> str | None:
        return self.picks.pop(0)

    def alert(self, text: str) -> None:
        self.alerts.append(text)


@pytest.fixture
def no_stray_launchers() -> Iterator[None]:
    """Waits for the launchers this test started (known by their --python) to end by themselves."""
    yield
    for proc in psutil.process_iter(["cmdline"]):
        if QUICK_ARGV[-1] in (proc.info["cmdline"] or []):
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.wait(timeout=20)


def tree(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


def test_frozen_plan_copies_the_exe_and_starts_the_copy(tmp_path: Path) -> None:
    exe = tmp_path / "Downloads" / "RVCTensorBoardLauncher.exe"
    plan = relaunch_plan(tmp_path / "RVC", frozen=True, executable=exe, argv=[])
    assert plan.copy_from == exe
    assert plan.copy_to == tmp_path / "RVC" / "RVCTensorBoardLauncher.exe"
    assert plan.command == (str(plan.copy_to),)


def test_source_plan_starts_python_in_the_folder(tmp_path: Path) -> None:
    plan = relaunch_plan(tmp_path, frozen=False, executable=Path(sys.executable), argv=["run"])
    assert plan.copy_from is None and plan.folder == tmp_path
    assert plan.command == (sys.executable, "-m", "launcher", "run")


def test_copy_then_reuse_then_replace(tmp_path: Path) -> None:
    source = tmp_path / "Downloads" / "RVCTensorBoardLauncher.exe"
    source.parent.mkdir()
    source.write_bytes(b"version 2")
    source.chmod(0o755)
    target = tmp_path / "RVC" / source.name
    target.parent.mkdir()
    assert copy_launcher(source, target) == "copied"
    assert target.read_bytes() == b"version 2" and target.stat().st_mode & 0o111
    assert copy_launcher(source, target) == "same"
    target.write_bytes(b"version 1")
    assert copy_launcher(source, target) == "replaced"
    assert target.read_bytes() == b"version 2"
    assert sorted(p.name for p in target.parent.iterdir()) == [source.name], "no partial file"


def test_saying_no_changes_nothing(tmp_path: Path) -> None:
    dialogs = Dialogs(answers=[False], picks=[])
    code = choose_rvc_folder_and_move(SENTENCE, [], ask=dialogs.ask, pick=dialogs.pick,
                                      alert=dialogs.alert, frozen=False)
    assert code == 2
    assert dialogs.questions == [f"{QUESTION}\n\n{SENTENCE}"]


def test_cancelling_the_picker_changes_nothing(tmp_path: Path) -> None:
    dialogs = Dialogs(answers=[True], picks=[None])
    assert choose_rvc_folder_and_move(SENTENCE, [], ask=dialogs.ask, pick=dialogs.pick,
                                      alert=dialogs.alert, frozen=False) == 2


def test_a_picker_that_fails_is_reported_not_a_crash(tmp_path: Path) -> None:
    def broken_picker() -> str | None:
        raise OSError("the folder picker failed (HRESULT 0x80004005)")

    dialogs = Dialogs(answers=[True], picks=[])
    exe = tmp_path / "RVCTensorBoardLauncher.exe"
    code = choose_rvc_folder_and_move(SENTENCE, [], ask=dialogs.ask, pick=broken_picker,
                                      alert=dialogs.alert, frozen=True, executable=exe)
    assert code == 1
    assert dialogs.alerts == ["The folder picker did not open (the folder picker failed "
                              "(HRESULT 0x80004005)). Move RVCTensorBoardLauncher.exe into "
                              "your RVC folder yourself and start it there."]


def test_a_picked_folder_that_is_not_rvc_gets_the_same_sentence_again(
        tmp_path: Path, demo_rvc: Path, no_stray_launchers: None) -> None:
    wrong = tmp_path / "Music"
    wrong.mkdir()
    dialogs = Dialogs(answers=[True, True], picks=[str(wrong), str(demo_rvc)])
    code = choose_rvc_folder_and_move(SENTENCE, QUICK_ARGV, ask=dialogs.ask, pick=dialogs.pick,
                                      alert=dialogs.alert, frozen=False)
    assert code == 0, dialogs.alerts
    assert len(dialogs.questions) == 2
    assert dialogs.questions[1].startswith(f"{QUESTION}\n\n{wrong} is not an RVC folder")
    assert tree(wrong) == []
    log_file = LauncherPaths(demo_rvc).log_file
    # python -m launcher started in the picked folder takes it as its RVC folder.
    assert wait_until(lambda: log_file.is_file() and f"in {demo_rvc} (RVC WebUI)"
                      in log_file.read_text(), 30), "the started launcher never logged"


def test_a_copy_that_cannot_be_written_is_reported(tmp_path: Path, demo_rvc: Path) -> None:
    exe = tmp_path / "Downloads" / "RVCTensorBoardLauncher.exe"
    exe.parent.mkdir()
    exe.write_bytes(b"launcher")
    (demo_rvc / exe.name).mkdir()  # something in the way that no copy can replace
    dialogs = Dialogs(answers=[True], picks=[str(demo_rvc)])
    code = choose_rvc_folder_and_move(SENTENCE, [], ask=dialogs.ask, pick=dialogs.pick,
                                      alert=dialogs.alert, frozen=True, executable=exe)
    assert code == 1
    assert len(dialogs.alerts) == 1
    assert f"Could not put the launcher into {demo_rvc}" in dialogs.alerts[0]
    assert "copy RVCTensorBoardLauncher.exe into" in dialogs.alerts[0]


def test_a_picked_rvc_folder_whose_path_breaks_batch_files_is_refused(tmp_path: Path) -> None:
    bad = create_demo_rvc(tmp_path / "RVC & co")
    before = tree(bad)
    dialogs = Dialogs(answers=[True, False], picks=[str(bad)])
    assert choose_rvc_folder_and_move(SENTENCE, [], ask=dialogs.ask, pick=dialogs.pick,
                                      alert=dialogs.alert, frozen=False) == 2
    assert dialogs.questions[1].startswith(f"{UNUSABLE_QUESTION}\n\nThe folder path {bad}")
    assert '"&"' in dialogs.questions[1]
    assert tree(bad) == before
