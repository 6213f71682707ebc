"""Weight file names of each fork, and the epoch <-> step mapping they give."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from launcher.rvc import checkpoints
from launcher.rvc.checkpoints import (
    CheckpointIndex,
    CheckpointScanner,
    WeightFile,
    parse_weight_name,
    scan_checkpoints,
)


@pytest.mark.parametrize(("name", "expected"), [
    ("Aria_e380_s7600.pth", (380, 7600, False)),  # WebUI, Mangio
    ("Aria_e40.pth", (40, None, False)),  # oldest WebUI builds
    ("Aria_380e_7600s.pth", (380, 7600, False)),  # Applio
    ("Aria_380e_7600s_best_epoch.pth", (380, 7600, True)),
    ("Aria_v2_e10_s200.pth", None),  # another model whose name starts the same
    ("Aria_e380_s7600.pth.bak", None),
    ("G_7600.pth", None),
])
def test_parse_weight_name(name: str, expected: tuple[int, int | None, bool] | None) -> None:
    assert parse_weight_name("Aria", name) == expected


def test_model_names_with_regex_characters() -> None:
    assert parse_weight_name("my+voice (v2)", "my+voice (v2)_e5_s100.pth") == (5, 100, False)


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_scan_finds_both_naming_styles_and_full_checkpoints(tmp_path: Path) -> None:
    model_dir = tmp_path / "logs" / "M"
    touch(tmp_path / "assets" / "weights" / "M_e10_s200.pth")
    touch(tmp_path / "weights" / "M_e20_s400.pth")
    touch(model_dir / "M_30e_600s.pth")
    touch(model_dir / "M_30e_600s_best_epoch.pth")
    touch(model_dir / "G_800.pth")
    touch(model_dir / "D_800.pth")
    touch(model_dir / "G_2333333.pth")
    touch(tmp_path / "assets" / "weights" / "Other_e10_s200.pth")
    index = scan_checkpoints("M", [tmp_path / "assets" / "weights", tmp_path / "weights",
                                   tmp_path / "missing", model_dir], model_dir)
    assert [(w.epoch, w.step, w.best_epoch) for w in index.weights] == [
        (10, 200, False), (20, 400, False), (30, 600, False), (30, 600, True)]
    assert index.full_checkpoint_steps == [800]
    assert index.latest_only
    assert index.steps_per_epoch() == 20


def index_of(*pairs: tuple[int, int | None]) -> CheckpointIndex:
    return CheckpointIndex(weights=[WeightFile(Path(f"M_e{e}.pth"), e, s) for e, s in pairs])


def test_epoch_for_step_exact_and_estimated() -> None:
    index = index_of((10, 200), (20, 400), (30, 600))
    assert index.epoch_for_step(400) == (20, False)
    assert index.epoch_for_step(420) == (21, True)  # logged during epoch 21
    assert index.epoch_for_step(399) == (20, True)
    assert index.epoch_for_step(20) == (1, True)
    assert index.epoch_for_step(1000) == (50, True)


def test_epoch_for_step_follows_a_changed_batch_size() -> None:
    # 20 steps an epoch up to epoch 10, then 10 (resumed with a bigger batch).
    index = index_of((10, 200), (20, 300))
    assert index.epoch_for_step(290) == (19, True)


def test_epoch_unknown_without_pairs_unless_a_spacing_is_given() -> None:
    index = index_of((40, None))
    assert index.epoch_for_step(777) == (None, True)
    assert index.epoch_for_step(777, fallback_steps_per_epoch=7) == (111, True)


def test_logged_epochs_are_exact() -> None:
    index = CheckpointIndex(logged_epochs={105: 3, 140: 4})
    assert index.epoch_for_step(140) == (4, False)
    assert index.epoch_for_step(175) == (5, True)


def test_weight_for_epoch_exact_or_nearest() -> None:
    index = index_of((10, 200), (20, 400), (30, 600))
    assert index.weight_for_epoch(20) == (index.weights[1], True)
    assert index.weight_for_epoch(24) == (index.weights[1], False)
    assert index.weight_for_epoch(26) == (index.weights[2], False)
    assert index.weight_for_epoch(25)[0] is index.weights[2]  # a tie goes to the later one
    assert CheckpointIndex().weight_for_epoch(5) == (None, False)


def test_plain_weight_preferred_over_best_epoch_copy(tmp_path: Path) -> None:
    best = WeightFile(tmp_path / "M_30e_600s_best_epoch.pth", 30, 600, True)
    plain = WeightFile(tmp_path / "M_30e_600s.pth", 30, 600, False)
    assert CheckpointIndex(weights=[best, plain]).weight_for_epoch(30) == (plain, True)


def test_scanner_lists_a_shared_folder_once_per_refresh_and_reuses_indexes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weights = tmp_path / "assets" / "weights"
    for model in ("A", "B"):
        touch(weights / f"{model}_e10_s200.pth")
    listed: list[Path] = []
    real_listing = checkpoints._pth_names
    monkeypatch.setattr(checkpoints, "_pth_names",
                        lambda folder: listed.append(folder) or real_listing(folder))
    scanner = CheckpointScanner()

    def scan_all() -> dict[str, CheckpointIndex]:
        scanner.start_refresh()
        return {m: scanner.scan(m, [weights, tmp_path / "logs" / m], tmp_path / "logs" / m)
                for m in ("A", "B")}

    first = scan_all()
    assert listed.count(weights) == 1
    settle(weights)
    again = scan_all()
    assert listed.count(weights) == 2  # listed soon after a change: checked once more
    assert again["A"] is first["A"] and again["B"] is first["B"]
    third = scan_all()
    assert third["A"] is first["A"] and listed.count(weights) == 2  # settled: not listed
    touch(weights / "B_e20_s400.pth")
    changed = scan_all()
    assert listed.count(weights) == 3
    assert changed["A"] is first["A"]
    assert [w.epoch for w in changed["B"].weights] == [10, 20]


def settle(folder: Path, age: float = 60.0) -> None:
    """Date the folder's mtime back, as if its last change were long past."""
    past = time.time() - age
    os.utime(folder, (past, past))


class Clock:
    """Stands in for the `time` module in launcher.checkpoints."""

    def __init__(self) -> None:
        self.now_ns = time.time_ns()

    def time_ns(self) -> int:
        return self.now_ns


def test_a_change_within_the_same_mtime_tick_is_seen(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A coarse-mtime filesystem (FAT: 2 s) may not move a folder's mtime when a file is added
    soon after the listing; a listing taken that soon is not trusted."""
    clock = Clock()
    monkeypatch.setattr(checkpoints, "time", clock)
    weights = tmp_path / "weights"
    touch(weights / "M_e10_s200.pth")
    tick = clock.now_ns - 1_000_000_000  # changed a second before the listing
    os.utime(weights, ns=(tick, tick))
    scanner = CheckpointScanner()
    scanner.start_refresh()
    assert [w.epoch for w in scanner.scan("M", [weights], tmp_path).weights] == [10]
    touch(weights / "M_e20_s400.pth")
    os.utime(weights, ns=(tick, tick))  # the same tick: the mtime did not move
    clock.now_ns += 10_000_000_000  # by now that mtime looks settled
    scanner.start_refresh()
    assert [w.epoch for w in scanner.scan("M", [weights], tmp_path).weights] == [10, 20]
    (weights / "M_e10_s200.pth").unlink()
    os.utime(weights, ns=(tick, tick))  # listed long after the tick: trusted from now on
    scanner.start_refresh()
    assert [w.epoch for w in scanner.scan("M", [weights], tmp_path).weights] == [10, 20]


def test_parse_any_name_once_per_folder(tmp_path: Path) -> None:
    weights = tmp_path / "weights"
    for name in ("A_e1_s20.pth", "A_v2_e1_s20.pth", "A_3e_60s_best_epoch.pth", "G_100.pth",
                 "notes.txt"):
        touch(weights / name)
    index = scan_checkpoints("A", [weights], weights)
    assert [(w.path.name, w.epoch) for w in index.weights] == [
        ("A_e1_s20.pth", 1), ("A_3e_60s_best_epoch.pth", 3)]
    assert [w.path.name for w in scan_checkpoints("A_v2", [weights], weights).weights] == [
        "A_v2_e1_s20.pth"]
    assert index.full_checkpoint_steps == [100]
