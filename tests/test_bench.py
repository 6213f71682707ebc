"""scripts/bench --quick still runs end to end and reports a number for every measurement."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SECTIONS = ("cold_setup", "warm_start", "training_detection", "crash_recovery", "idle_cost",
            "advisor", "advisor_accuracy", "event_files", "tensorboard_heavy_logs",
            "frozen_binary")
# Every summary each section must carry: (section, dotted key).
SUMMARIES = (
    ("cold_setup", "warm_cache.launcher"),
    ("cold_setup", "warm_cache.batch_file"),
    ("warm_start", "launcher"),
    ("warm_start", "bare_tensorboard"),
    ("training_detection", "launcher"),
    ("crash_recovery", "launcher"),
    ("idle_cost", "launcher_cpu_percent"),
    ("idle_cost", "launcher_rss_mb"),
    ("idle_cost", "tensorboard_rss_mb"),
    ("advisor", "read_events_per_s"),
    ("advisor", "read_and_analyse_events_per_s"),
    ("event_files", "read_mb_per_s"),
    ("event_files", "restart_with_cache_s"),
)


def lookup(section: dict, dotted: str) -> dict:
    for key in dotted.split("."):
        section = section[key]
    return section


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "bench"), "--quick",
                           "--out", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=280)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return (json.loads((out / "results.json").read_text()),
            (out / "results.md").read_text())


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_quick_run_measures_every_section(quick_results: tuple[dict, str]) -> None:
    results, _ = quick_results
    assert results["mode"] == "quick"
    assert set(results["sections"]) == set(SECTIONS)
    for name, section in results["sections"].items():
        if name == "frozen_binary" and section["status"] == "not measured":
            assert section["reason"]
            continue
        assert section["status"] == "measured", (name, section.get("reason"))
    for name, dotted in SUMMARIES:
        summary = lookup(results["sections"][name], dotted)
        assert summary["runs"] >= 1
        assert 0 <= summary["min"] <= summary["median"] <= summary["max"], (name, dotted, summary)
        if summary["unit"] != "% of one core":  # a CPU slice may see no clock tick at all
            assert summary["min"] > 0, (name, dotted, summary)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_quick_run_records_ratios_machine_and_table(quick_results: tuple[dict, str]) -> None:
    results, markdown = quick_results
    sections = results["sections"]
    assert sections["cold_setup"]["warm_cache"]["ratio_launcher_to_batch"] > 0
    assert sections["warm_start"]["ratio_launcher_to_bare"] > 0
    assert sections["cold_setup"]["cold_cache"]["status"] == "not measured"
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["ram_gb"] > 0 and machine["python"]
    assert machine["cpu"] in markdown
    assert "| Warm start to HTTP 200 (s) |" in markdown
    assert "| Training detected to dashboard request (s) |" in markdown


def test_quick_refuses_to_overwrite_committed_results() -> None:
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "bench"), "--quick"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--out" in done.stderr


def test_summaries_and_table_render_from_measurements() -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    from benchlib.report import render_markdown
    from benchlib.stats import ratio, summarize

    launcher, bare = summarize([1.2, 1.0, 1.1], "s"), summarize([1.0, 0.9, 1.1, 2.0], "s")
    assert (launcher["median"], launcher["min"], launcher["max"]) == (1.1, 1.0, 1.2)
    assert bare["median"] == 1.05
    assert ratio(launcher, bare) == round(1.1 / 1.05, 3)
    with pytest.raises(ValueError):
        summarize([], "s")
    results = {
        "mode": "full", "date": "2026-01-01 00:00 UTC", "note": "Note.",
        "machine": {"platform": "Linux", "cpu": "Some CPU", "cores": 2, "ram_gb": 8.0,
                    "python": "3.11.7"},
        "sections": {
            "warm_start": {"launcher": launcher, "bare_tensorboard": bare,
                           "ratio_launcher_to_bare": 1.048, "target": "overhead < 10%",
                           "meets_target": True},
            "advisor": {"status": "failed", "reason": "ImportError: no advisor"},
        },
    }
    markdown = render_markdown(results)
    assert "Some CPU, 2 cores, 8.0 GB RAM, Python 3.11.7" in markdown
    assert ("| Warm start to HTTP 200 (s) | 1.1 (1–1.2) | bare tensorboard: 1.05 (0.9–2) "
            "| ×1.048; target overhead < 10%: met |") in markdown
    assert "| advisor | failed | – | ImportError: no advisor |" in markdown


def test_corpus_runs_are_real_event_files_with_known_answers(tmp_path: Path) -> None:
    """The accuracy corpus: each logging style writes what it should, the reader reads it
    back (a resumed run's repeated steps once), and a run is scored end to end."""
    sys.path.insert(0, str(REPO / "scripts"))
    from benchlib.corpus import corpus, write_run
    from benchlib.sections.advisor_accuracy import evaluate

    from launcher.events.reader import LogDirReader

    runs = corpus(12, first_seed=42)
    assert {run.style for run in runs} == {"webui", "mangio", "applio"}
    for run in runs:
        scalars = LogDirReader(write_run(run, tmp_path / run.name)).refresh()
        total = scalars["loss/g/total"]
        assert total.steps == sorted(set(total.steps)) == run.log_steps()
        assert ("loss_avg_50/g/total" in scalars) == (run.style == "applio")
        if run.turned:
            assert run.turn_step is not None
            assert run.curve(run.turn_step) <= min(run.curve(s) for s in run.log_steps()
                                                   if s > 5 * run.early_tau) + 1e-3
        if run.nan_from is not None:
            assert any(math.isnan(v) for v in total.values)
        mel = scalars["loss/g/mel"].values
        assert max(v for v in mel if not math.isnan(v)) <= 75.0
    scored = evaluate(runs[0], tmp_path / "scored")
    assert {"false_alarm", "hits", "candidates", "tag"} <= set(scored)
