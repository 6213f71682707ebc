"""TensorBoard itself on real-sized, image-heavy logs, with the Python loader it uses on
Windows (`--load_fast=false`: the data server wheel has no Windows binary).

For each set of flags: spawn to the ready line, to the first scalars of any run, to some
scalars in every run, to every run fully loaded; the process tree's peak memory; and how
long `/data/runs` takes to answer while it loads (is the dashboard responsive?).
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

from benchlib.context import BenchContext
from benchlib.procs import TENSORBOARD_READY, BenchError, LineProcess, bench_env, tree
from benchlib.sections.eventfiles import write_webui_logs
from launcher.tensorboard.process import build_command

TAG = "loss/g/total"
POLL_S = 1.0


def _get(url: str, timeout: float = 30.0) -> object | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _points(url: str, run: str) -> int:
    query = urllib.parse.urlencode({"run": run, "tag": TAG})
    found = _get(f"{url}data/plugin/scalars/scalars?{query}")
    return len(found) if isinstance(found, list) else 0


def watch_load(argv: list[str], runs: int, points: int, timeout: float) -> dict[str, object]:
    """Start TensorBoard and poll it until every run has all its points of TAG."""
    process = LineProcess(argv, env=bench_env())
    try:
        when, match = process.wait_for(TENSORBOARD_READY, 120.0)
        url = match.group(1)
        result: dict[str, object] = {"ready_s": round(when - process.started, 2)}
        marks = {"first_scalars_s": None, "all_runs_some_scalars_s": None,
                 "all_loaded_s": None}
        latencies: list[float] = []
        peak = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            asked = time.monotonic()
            names = _get(f"{url}data/runs")
            latencies.append(time.monotonic() - asked)
            counts = [_points(url, name) for name in names] if isinstance(names, list) else []
            peak = max(peak, sum(p.memory_info().rss for p in tree(process.pid)))
            elapsed = round(time.monotonic() - process.started, 1)
            if marks["first_scalars_s"] is None and any(counts):
                marks["first_scalars_s"] = elapsed
            if (marks["all_runs_some_scalars_s"] is None and len(counts) == runs
                    and all(counts)):
                marks["all_runs_some_scalars_s"] = elapsed
            if len(counts) == runs and all(count >= points for count in counts):
                marks["all_loaded_s"] = elapsed
                break
            time.sleep(POLL_S)
        result.update(marks)
        result["peak_rss_mb"] = round(peak / 2**20, 1)
        result["runs_latency_median_s"] = round(statistics.median(latencies), 3)
        result["runs_latency_max_s"] = round(max(latencies), 3)
        result["cpu_s"] = round(sum(_cpu(p) for p in tree(process.pid)), 1)
        return result
    finally:
        process.stop()


def _cpu(proc: psutil.Process) -> float:
    try:
        times = proc.cpu_times()
        return times.user + times.system
    except psutil.Error:
        return 0.0


def flag_sets(python: Path, logdir: Path) -> dict[str, list[str]]:
    """Bare TensorBoard as a user would start it, and the launcher's own command line."""
    bare = [str(python), "-m", "tensorboard.main", "--logdir", str(logdir), "--port", "0",
            "--load_fast=false"]
    launcher = build_command(python, logdir, 0, "bench", extra_args=["--load_fast=false"])
    return {"bare_tensorboard": bare, "launcher": launcher}


def measure(ctx: BenchContext) -> dict[str, object]:
    models, points = (2, 15) if ctx.quick else (10, 900)
    root = write_webui_logs(ctx.scratch("heavylogs/RVC"), models, points)
    logdir = root / "logs"
    size_mb = sum(p.stat().st_size for p in logdir.rglob("events.*")) / 2**20
    timeout = 120.0 if ctx.quick else 1800.0
    result: dict[str, object] = {
        "what": f"{models} models x {points} log points of 8 scalars and 3 PNG plots, "
                f"{size_mb:.0f} MB, from the page cache; TensorBoard with --load_fast=false "
                f"(its Windows loader), polled every {POLL_S:g} s: /data/runs and each run's "
                f"{TAG}",
        "size_mb": round(size_mb, 1),
    }
    for name, argv in flag_sets(ctx.venv_python, logdir).items():
        if ctx.quick and name != "launcher":
            continue  # the smoke run checks the section works; the comparison is for full runs
        loaded = watch_load(argv, models, points, timeout)
        if loaded["all_loaded_s"] is None:
            raise BenchError(f"{name}: not all runs loaded within {timeout:g} s: {loaded}")
        result[name] = loaded
    return result
