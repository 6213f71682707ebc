"""The advisor on synthetic curves with known answers, the demo folder, and real writers."""

from __future__ import annotations

import json
import math
import os
import random
import time
from pathlib import Path

import pytest
from tensorboard.summary import Writer

from launcher.advisor.analysis import (
    Advisor,
    ModelReport,
    analyze,
    collapse_warnings,
    linear_trend,
    local_minima,
)
from launcher.core.summaries import to_summary
from launcher.events.demo import DemoModel, loss_point
from launcher.events.reader import ScalarSeries
from launcher.events.writer import ScalarEventWriter
from launcher.rvc.checkpoints import CheckpointIndex
from launcher.rvc.folder import RvcFolder


def series(steps: list[int], values: list[float]) -> ScalarSeries:
    return ScalarSeries(list(steps), list(values), [0.0] * len(steps))


def judge(values: list[float], smoothing: float = 0.987, spacing: int = 20,
          mel: list[float] | None = None) -> ModelReport:
    steps = [spacing * (i + 1) for i in range(len(values))]
    scalars = {"loss/g/total": series(steps, values)}
    if mel is not None:
        scalars["loss/g/mel"] = series(steps, mel)
    return analyze("X", scalars, CheckpointIndex(), smoothing=smoothing)


def v_curve(epochs: int, turn: int, seed: int, noise: float = 1.5) -> list[float]:
    """A fall to a minimum at epoch `turn`, then a slow rise, with Gaussian noise."""
    rng = random.Random(seed)
    return [25 + 8 * math.exp(-e / 40) - 0.004 * min(e, turn)
            + 4 * max(0, (e - turn) / 300) ** 1.3 + rng.gauss(0, noise)
            for e in range(1, epochs + 1)]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("smoothing", [0.987, 0.5])
def test_known_onset_is_found(seed: int, smoothing: float) -> None:
    turn = 250 + 60 * seed
    report = judge(v_curve(turn + 450, turn, seed), smoothing=smoothing)
    assert report.verdict == "overtraining", report
    assert report.onset_step is not None
    assert abs(report.onset_step / 20 - turn) <= 60


def test_rise_not_yet_long_enough_is_not_overtraining() -> None:
    report = judge(v_curve(330, 300, seed=1))
    assert report.verdict != "overtraining"


def test_fast_drop_then_flat_is_a_plateau() -> None:
    """Judged over 20 noise draws: a flat tail that still sinks a little can pass the trend
    test by chance (about 3 % in a 100-draw sweep), never the overtraining one."""
    verdicts = {0.987: [], 0.5: []}
    for seed in range(20):
        rng = random.Random(seed)
        values = [22 + 10 * math.exp(-e / 30) + rng.gauss(0, 1.5) for e in range(1, 401)]
        for smoothing, found in verdicts.items():
            found.append(judge(values, smoothing=smoothing).verdict)
    for found in verdicts.values():
        assert "overtraining" not in found
        assert found.count("plateau") >= 18, found


def test_noisy_monotone_fall_is_improving() -> None:
    for seed in range(10):
        rng = random.Random(seed)
        values = [30 - 6 * e / 400 + rng.gauss(0, 1.5) for e in range(1, 401)]
        assert judge(values).verdict == "improving", seed


def test_smooth_curve_uses_the_relative_tolerance() -> None:
    """Without noise only the tolerance (0.2% of the level) stands between a plateau and
    overtraining."""
    fall = [20 - 0.01 * e for e in range(100)]
    tiny_rise = fall + [19 + 0.00005 * e for e in range(300)]
    assert judge(tiny_rise).verdict == "plateau"  # 0.015 over 19 is under 0.2 %
    clear_rise = fall + [19 + 0.0005 * e for e in range(300)]
    assert judge(clear_rise).verdict == "overtraining"  # 0.15 over 19 is 0.8 %


def test_no_data_and_too_few_points() -> None:
    assert analyze("X", {}, CheckpointIndex()).verdict == "no data"
    assert analyze("X", {}, CheckpointIndex()).headline() == "no data"
    few = judge([5.0, 4.0, 3.0])
    assert few.verdict == "improving" and "too early" in few.warnings[0].text()
    nan_only = judge([math.nan] * 5)
    assert nan_only.verdict == "no data"


def test_noisy_mel_minima_found_by_prominence() -> None:
    """Three wells of known depth and place on a noisy flat line: the wells, deepest first."""
    rng = random.Random(11)
    wells = {150: 6.0, 420: 9.0, 700: 4.5}
    mel = [20 + rng.gauss(0, 0.6) - sum(d * math.exp(-((e - c) / 12) ** 2)
                                       for c, d in wells.items()) for e in range(1, 901)]
    report = judge([30.0 - e / 100 for e in range(900)], mel=mel)
    ranked = [c.step / 20 for c in report.candidates]
    assert len(ranked) >= 3
    for expected, found in zip((420, 150, 700), ranked[:3], strict=True):
        assert abs(found - expected) <= 15
    assert [c.rank for c in report.candidates] == list(range(1, len(ranked) + 1))


def test_local_minima_prominence_rule() -> None:
    values = [5, 3, 5, 4.8, 5, 1, 6, 2, 6]
    found = dict(local_minima(values, min_prominence=1.0))
    assert set(found) == {1, 5, 7}  # the 4.8 dip stands only 0.2 below its sides
    assert found[5] == 5  # the lowest point: its whole range
    assert found[7] == 4 and found[1] == 2


def test_clamped_mel_is_not_a_candidate() -> None:
    mel = [75.0] * 30 + [40 - i * 0.1 for i in range(30)] + [75.0] * 10
    report = judge([30 - i * 0.01 for i in range(70)], mel=mel)
    assert all(c.mel < 75 for c in report.candidates)
    assert any("display cap" in w for w in report.warning_texts())


def test_mode_collapse_hints() -> None:
    rng = random.Random(2)
    steps = list(range(0, 2000, 10))
    healthy = [18 + rng.gauss(0, 1) for _ in steps]
    assert collapse_warnings(series(steps, healthy)) == []
    stuck = healthy[:100] + [14.2] * 100
    assert "mode collapse" in collapse_warnings(series(steps, stuck))[0].text()
    silent = healthy[:150] + [1.0 + rng.gauss(0, 0.05) for _ in range(50)]
    assert any("silent segment" in w.text() for w in collapse_warnings(series(steps, silent)))


def test_trend_statistic() -> None:
    assert linear_trend([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]) == (-1.0, -math.inf)
    assert linear_trend([1, 2, 3], [1, 2, 3]) == (0.0, 0.0)  # too few points to say
    slope, t_value = linear_trend([1, 2, 3, 4, 5, 6], [1, 3, 2, 4, 3, 5])
    assert slope == pytest.approx(22 / 35) and t_value > 2


def test_demo_models(demo_rvc: Path) -> None:
    reports = Advisor(RvcFolder.at(demo_rvc)).refresh()
    assert {"Aria", "Ben", "Nova", "Cleo"} <= set(reports)
    aria, ben, nova, cleo = (reports[name] for name in ("Aria", "Ben", "Nova", "Cleo"))
    assert aria.verdict == "overtraining"
    assert aria.onset_epoch is not None and abs(aria.onset_epoch - 380) <= 60
    assert aria.headline().startswith(f"overtraining since step {aria.onset_step} (epoch ")
    assert aria.min_step == aria.onset_step  # one lowest point
    assert ben.verdict == "improving"
    # Nova: 3% over the 20k steps after its turn at step 16000, logged every 200 steps.
    assert nova.verdict == "overtraining" and nova.points == 180
    assert nova.onset_step is not None and abs(nova.onset_step - 16000) <= 4000
    assert nova.rise_percent is not None and 0.5 < nova.rise_percent < 3
    assert nova.answer().startswith("Try epochs ") and "Nova_e" in nova.answer()
    assert aria.points == 900 and aria.last_step == 18000
    for candidate in aria.candidates:
        assert candidate.weight_file is not None and candidate.weight_file.exists()
        assert candidate.weight_file.parent == demo_rvc / "assets" / "weights"
        assert abs(int(candidate.weight_file.name.split("_e")[1].split("_")[0])
                   - (candidate.epoch or 0)) <= 5
    summary = to_summary(aria)
    assert summary.overtraining and summary.verdict == aria.headline()
    assert summary.best_epochs and "Aria_e" in summary.best_epochs[0]
    assert not to_summary(ben).overtraining
    assert cleo.points == 200, "Applio's eval/ run is read, its audio events skipped"
    assert all(c.weight_file and c.weight_file.parent == demo_rvc / "logs" / "Cleo"
               for c in cleo.candidates)
    assert to_summary(aria).best_files == tuple(c.weight_file for c in aria.candidates)


def test_refresh_is_incremental_while_training(tmp_path: Path) -> None:
    """A live run: the verdict moves from improving to overtraining as epochs arrive."""
    root = tmp_path / "RVC"
    (root / "go-web.bat").parent.mkdir(parents=True)
    (root / "go-web.bat").write_text("")
    model = DemoModel("Live", epochs=900, overtrain_epoch=300, seed=4)
    rng = random.Random(model.seed)
    advisor = Advisor(RvcFolder.at(root))
    writer = ScalarEventWriter(root / "logs" / "Live", wall_time=1.7e9)
    verdicts = []
    for epoch in range(1, 901):
        for tag, value in loss_point(model, epoch, rng).items():
            writer.add_scalar(tag, value, epoch * 20, wall_time=1.7e9 + epoch)
        if epoch in (200, 900):
            writer.flush()
            report = advisor.refresh()["Live"]
            assert report.points == epoch
            verdicts.append(report.verdict)
    writer.close()
    assert verdicts == ["improving", "overtraining"]


def test_applio_layout_with_tensorboard_writer(tmp_path: Path) -> None:
    """Applio: scalars only in logs/M/eval/ (written here in the tensor form by TensorBoard's
    own writer), weights named M_<E>e_<S>s.pth in logs/M/, one point per epoch."""
    root = tmp_path / "Applio"
    root.mkdir()
    for marker in ("run-applio.bat", "core.py"):
        (root / marker).write_text("")
    model_dir = root / "logs" / "Voice"
    (model_dir / "eval").mkdir(parents=True)
    turn, steps_per_epoch = 200, 37
    values = v_curve(600, turn, seed=9)
    writer = Writer(str(model_dir / "eval"))
    for epoch, value in enumerate(values, start=1):
        step = epoch * steps_per_epoch
        writer.add_scalar("loss/g/total", value, step, wall_time=1.7e9 + epoch)
        writer.add_scalar("loss/g/mel", value - 10, step, wall_time=1.7e9 + epoch)
        writer.add_scalar("loss/d/adv", 3.0, step, wall_time=1.7e9 + epoch)
        if epoch % 50 == 0:
            (model_dir / f"Voice_{epoch}e_{step}s.pth").write_bytes(b"w")
    writer.close()
    (model_dir / f"Voice_{turn}e_{turn * steps_per_epoch}s_best_epoch.pth").write_bytes(b"w")
    rvc = RvcFolder.at(root)
    assert rvc.distribution.key == "applio"
    report = Advisor(rvc).refresh()["Voice"]
    assert report.smoothing == 0.5
    assert report.verdict == "overtraining"
    assert report.onset_epoch is not None and abs(report.onset_epoch - turn) <= 60
    assert report.candidates and all(c.weight_file is not None for c in report.candidates)
    assert all(c.weight_file.parent == model_dir for c in report.candidates if c.weight_file)
    json.dumps(to_summary(report).best_epochs)


def test_webui_layout_without_weights_estimates_nothing(tmp_path: Path) -> None:
    """Only G_2333333.pth saved and no per-epoch weights: epochs are unknown, and said so."""
    root = tmp_path / "RVC"
    (root / "logs" / "Solo").mkdir(parents=True)
    (root / "go-web.bat").write_text("")
    with ScalarEventWriter(root / "logs" / "Solo", wall_time=1.7e9) as writer:
        for i, value in enumerate(v_curve(500, 200, seed=3), start=1):
            writer.add_scalar("loss/g/total", value, i * 200)
            writer.add_scalar("loss/g/mel", value - 10, i * 200)
    (root / "logs" / "Solo" / "G_2333333.pth").write_bytes(b"w")
    report = Advisor(RvcFolder.at(root)).refresh()["Solo"]
    assert report.verdict == "overtraining"
    assert report.onset_epoch is None
    assert report.headline() == f"overtraining since step {report.onset_step}"
    assert all(c.epoch is None and c.weight_file is None for c in report.candidates)
    assert any("G_2333333" in w for w in report.warning_texts())


def write_epochs(writer: ScalarEventWriter, model: DemoModel, epochs: range,
                 rng: random.Random) -> None:
    for epoch in epochs:
        for tag, value in loss_point(model, epoch, rng).items():
            writer.add_scalar(tag, value, epoch * model.steps_per_epoch,
                              wall_time=1.7e9 + epoch)
    writer.flush()


def test_refresh_analyses_again_only_what_changed(tmp_path: Path) -> None:
    """Unchanged models keep their report object; one that logged new points gets a new one."""
    root = tmp_path / "RVC"
    root.mkdir()
    (root / "go-web.bat").write_text("")
    models = [DemoModel(name, epochs=300, overtrain_epoch=None, seed=i)
              for i, name in enumerate(("A", "B", "C"))]
    writers = {}
    for model in models:
        writers[model.name] = ScalarEventWriter(root / "logs" / model.name, wall_time=1.7e9)
        write_epochs(writers[model.name], model, range(1, 101), random.Random(model.seed))
    advisor = Advisor(RvcFolder.at(root))
    first = advisor.refresh()
    again = advisor.refresh()
    assert all(again[name] is first[name] for name in first)
    write_epochs(writers["B"], models[1], range(101, 121), random.Random(7))
    later = advisor.refresh()
    assert later["A"] is first["A"] and later["C"] is first["C"]
    assert later["B"] is not first["B"] and later["B"].points == 120
    for writer in writers.values():
        writer.close()


def test_weight_files_in_the_shared_folder_are_followed(tmp_path: Path) -> None:
    """A weight file saved, then deleted, within the folder's mtime tick (a coarse-mtime
    filesystem keeps the folder's mtime): the candidates follow both changes."""
    root = tmp_path / "RVC"
    root.mkdir()
    (root / "go-web.bat").write_text("")
    weights = root / "assets" / "weights"
    weights.mkdir(parents=True)
    (weights / "Other_e10_s200.pth").write_bytes(b"w")
    model = DemoModel("A", epochs=300, overtrain_epoch=None, seed=2)
    with ScalarEventWriter(root / "logs" / "A", wall_time=1.7e9) as writer:
        write_epochs(writer, model, range(1, 301), random.Random(2))
    tick = time.time_ns()
    os.utime(weights, ns=(tick, tick))
    advisor = Advisor(RvcFolder.at(root))
    before = advisor.refresh()["A"]
    assert before.candidates and all(c.weight_file is None for c in before.candidates)
    saved = weights / "A_e150_s3000.pth"
    saved.write_bytes(b"w")
    os.utime(weights, ns=(tick, tick))
    after = advisor.refresh()["A"]
    assert after is not before
    assert after.candidates and all(c.weight_file == saved for c in after.candidates)
    saved.unlink()
    os.utime(weights, ns=(tick, tick))
    gone = advisor.refresh()["A"]
    assert gone.candidates and all(c.weight_file is None for c in gone.candidates)
