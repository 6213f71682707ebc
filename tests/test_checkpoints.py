"""Weight file names of each fork, and the epoch <-> step mapping they give."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.checkpoints import CheckpointIndex, WeightFile, parse_weight_name, scan_checkpoints


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
