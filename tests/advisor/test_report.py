"""The CLI table and JSON, and the PNG plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from launcher.advisor.analysis import Advisor, Candidate, ModelReport
from launcher.advisor.plot import CANDIDATE, ONSET, SMOOTHED, write_plot
from launcher.advisor.report import render_json, render_table
from launcher.rvc.folder import RvcFolder


@pytest.fixture
def demo_reports(demo_rvc: Path) -> tuple[Advisor, dict[str, ModelReport]]:
    advisor = Advisor(RvcFolder.at(demo_rvc))
    return advisor, advisor.refresh()


def test_table_lists_models_candidates_and_warnings(
        demo_reports: tuple[Advisor, dict[str, ModelReport]]) -> None:
    """Each model leads with the epochs to try and their files, then the verdict and its
    evidence; the table's lowest step is the headline's."""
    _, reports = demo_reports
    aria = reports["Aria"]
    nothing = ModelReport("Empty", "no data", warnings=["no loss/g/total logged yet"])
    table = render_table([aria, reports["Ben"], nothing])
    lines = table.splitlines()
    epochs = ", ".join(aria.try_epochs())
    assert lines[0].startswith(f"Aria: Try epochs {epochs}: files Aria_e")
    assert lines[1] == f"  verdict: {aria.headline()}"
    assert lines[2].startswith(f"  evidence: loss/g/total lowest at step {aria.onset_step}, risen")
    header = next(i for i, line in enumerate(lines) if line.startswith("Model "))
    assert lines[header].split()[:4] == ["Model", "Try", "epochs", "Verdict"]
    aria_row = next(line for line in lines[header:] if line.startswith("Aria "))
    assert aria.headline() in aria_row and "18000" in aria_row
    assert f"  {aria.onset_step}  " in aria_row  # "Lowest at step" is the onset
    assert "improving" in next(line for line in lines[header:] if line.startswith("Ben "))
    assert "#1 step" in table and "Aria_e" in table
    assert "Empty: Nothing logged yet" in table
    assert "warning: no loss/g/total logged yet" in table
    assert "more epochs will not help" in table
    assert render_table([]) == "No models with training logs found."


def test_json_round_trips(demo_reports: tuple[Advisor, dict[str, ModelReport]]) -> None:
    _, reports = demo_reports
    data = json.loads(render_json(list(reports.values())))
    aria = next(d for d in data if d["model"] == "Aria")
    assert aria["verdict"] == "overtraining"
    assert aria["headline"].startswith("overtraining since step")
    assert Path(aria["candidates"][0]["weight_file"]).is_file()
    assert {"onset_step", "onset_epoch", "epoch_is_estimate", "min_step", "points",
            "warnings"} <= set(aria)
    assert list(aria)[:6] == ["model", "answer", "try_epochs", "try_files", "headline",
                              "evidence"]
    assert aria["answer"].startswith("Try epochs ")
    assert aria["try_epochs"] == [c["epoch"] for c in aria["candidates"]]
    assert aria["try_files"][0] == Path(aria["candidates"][0]["weight_file"]).name
    assert aria["min_step"] == aria["onset_step"]
    assert aria["total_tag"] == "loss/g/total" and aria["rise_percent"] > 5


def colors(path: Path) -> set[tuple[int, int, int]]:
    with Image.open(path) as image:
        assert image.size == (900, 580)
        return {rgb for _, rgb in image.convert("RGB").getcolors(900 * 580)}


def test_plot_marks_curve_onset_and_candidates(
        demo_reports: tuple[Advisor, dict[str, ModelReport]], tmp_path: Path) -> None:
    advisor, reports = demo_reports
    target = tmp_path / "reports" / "Aria.png"
    assert write_plot("Aria", advisor.scalars("Aria"), reports["Aria"], target,
                      smoothing=0.987) == target
    found = colors(target)
    assert {SMOOTHED, ONSET, CANDIDATE} <= found
    ben = tmp_path / "Ben.png"
    write_plot("Ben", advisor.scalars("Ben"), reports["Ben"], ben, smoothing=0.987)
    assert ONSET not in colors(ben)  # improving: no onset line


def test_plot_without_data_still_draws(tmp_path: Path) -> None:
    report = ModelReport("New", "no data")
    path = write_plot("New", {}, report, tmp_path / "New.png", smoothing=0.5)
    assert path.stat().st_size > 1000


def test_candidate_without_weight_file_is_said(tmp_path: Path) -> None:
    report = ModelReport("M", "plateau", candidates=[
        Candidate(step=500, epoch=None, epoch_is_estimate=True, mel=14.5, weight_file=None,
                  rank=1)])
    table = render_table([report])
    assert "#1 step 500 (epoch unknown), mel 14.500 -> no saved weight file" in table
