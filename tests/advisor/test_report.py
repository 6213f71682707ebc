"""The CLI table and JSON, and the PNG plot."""

from __future__ import annotations

import gettext
import json
import math
from pathlib import Path

import pytest
from PIL import Image

from launcher.advisor.analysis import Advisor, Candidate, ModelReport, Note, analyze
from launcher.advisor.plot import CANDIDATE, ONSET, SMOOTHED, write_plot
from launcher.advisor.report import render_json, render_table
from launcher.events.reader import ScalarSeries
from launcher.i18n import N_
from launcher.i18n.catalog import DOMAIN, LOCALE_DIR
from launcher.rvc.checkpoints import CheckpointIndex
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
    nothing = ModelReport("Empty", "no data",
                          warnings=[Note.of(N_("no {tag} logged yet"), tag="loss/g/total")])
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


def scalars(values: dict[str, list[float]]) -> dict[str, ScalarSeries]:
    return {tag: ScalarSeries([20 * (i + 1) for i in range(len(v))], v, [0.0] * len(v))
            for tag, v in values.items()}


def test_json_warnings_are_english_with_their_counts_agreeing() -> None:
    """Scripts match these strings: the structured warnings write the English they always did,
    except that one point is now "1 point", not "1 points"."""
    few = analyze("Few", scalars({"loss/g/total": [5.0, 4.0, 3.0],
                                  "loss/g/mel": [75.0, 2.0, 3.0]}), CheckpointIndex())
    one = analyze("One", scalars({"loss/g/total": [5.0]}), CheckpointIndex(latest_only=True))
    void = analyze("Void", scalars({"loss/g/total": [math.nan] * 5}), CheckpointIndex())
    data = json.loads(render_json([few, one, void, analyze("None", {}, CheckpointIndex())]))
    assert [entry["warnings"] for entry in data] == [
        ["only 3 points logged; too early to judge",
         "1 loss/g/mel point sits at the display cap of 75 (real value higher); it is not a "
         "candidate"],
        ["only 1 point logged; too early to judge",
         "no loss/g/mel logged, so no best-epoch candidates",
         "only the latest checkpoint (G_2333333.pth) is kept; no per-epoch weights to choose "
         "from"],
        ["loss/g/total holds no finite value"],
        ["no loss/g/total logged yet"]]


def test_warnings_render_in_a_catalog_with_its_plural_forms() -> None:
    notes = analyze("Few", scalars({"loss/g/total": [5.0, 4.0, 3.0],
                                    "loss/g/mel": [75.0, 2.0, 3.0]}), CheckpointIndex()).warnings
    spanish, japanese, russian = (gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
                                  for language in ("es", "ja", "ru"))
    assert [note.text(spanish) for note in notes] == [
        "solo hay 3 puntos registrados; todavía es pronto para juzgar",
        "1 punto de loss/g/mel está en el tope de visualización de 75 (el valor real es mayor); "
        "no es candidato"]
    assert notes[0].text(japanese) == "記録された点はまだ 3 点だけです。判定するには早すぎます"
    assert notes[0].text(russian) == "в логах всего 3 точки; судить пока рано"
    assert str(notes[0]) == notes[0].text() == "only 3 points logged; too early to judge"


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
