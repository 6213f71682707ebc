"""Frozen binary: file size and start time to ready state.

Read from artifacts/frozen-metrics.json (written by tests/test_frozen.py) when present; else a
full run builds the binary with scripts/build into the temp folder and measures it itself.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

import psutil

from benchlib.context import BenchContext
from benchlib.procs import DASHBOARD_LINE, REPO, BenchError, LineProcess, bench_env
from benchlib.sections.start import first_200, launcher_start
from benchlib.stats import ratio, summarize

METRICS = REPO / "artifacts" / "frozen-metrics.json"
BUILD_SCRIPT = REPO / "scripts" / "build"
EXE_NAME = "RVCTensorBoardLauncher"


def read_metrics() -> dict[str, object]:
    metrics = json.loads(METRICS.read_text(encoding="utf-8"))
    result: dict[str, object] = {"source": str(METRICS.relative_to(REPO)), "metrics": metrics}
    if isinstance(metrics.get("binary_bytes"), int):
        result["size_mb"] = round(metrics["binary_bytes"] / 2**20, 1)
    for key, name in (("ready_seconds", "ready_s"), ("version_seconds", "version_s")):
        if isinstance(metrics.get(key), (int, float)):
            result[name] = summarize([metrics[key]], "s", digits=2)
    return result


def build_and_measure(ctx: BenchContext) -> dict[str, object]:
    out = ctx.scratch("frozen")
    done = subprocess.run([sys.executable, str(BUILD_SCRIPT), "--dist", str(out / "dist"),
                           "--work", str(out / "work")], cwd=REPO, env=bench_env(),
                          capture_output=True, text=True, timeout=1800)
    binary = out / "dist" / EXE_NAME
    if done.returncode != 0 or not binary.is_file():
        tail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-3:])
        raise BenchError(f"scripts/build exited {done.returncode}: {tail}")
    version = []
    for _ in range(ctx.start_runs):
        started = time.monotonic()
        subprocess.run([str(binary), "--version"], capture_output=True, check=True, timeout=60)
        version.append(time.monotonic() - started)
    ready, unpack, unpack_share, python_ready = [], [], [], []
    for _ in range(ctx.start_runs):  # interleaved with `python -m launcher`: the same load
        process = LineProcess([str(binary), "--rvc-dir", str(ctx.rvc), "--no-tray",
                               "--no-browser"], env=bench_env())
        try:
            seconds = first_200(process, DASHBOARD_LINE)
            ready.append(seconds)
            unpacked = unpack_seconds(process.pid)
            if unpacked is not None:
                unpack.append(unpacked)
                unpack_share.append(unpacked / seconds)
        finally:
            process.stop()
        python_ready.append(launcher_start(ctx)[0])
    result: dict[str, object] = {
        "source": "built by scripts/build in this run",
        "size_mb": round(binary.stat().st_size / 2**20, 1),
        "version_s": summarize(version, "s"), "ready_s": summarize(ready, "s"),
        "python_ready_s": summarize(python_ready, "s"),
    }
    result["ratio_frozen_to_python"] = ratio(result["ready_s"], result["python_ready_s"])
    if unpack:
        result["unpack_s"] = summarize(unpack, "s", digits=2)
        result["unpack_share"] = round(statistics.median(unpack_share), 2)
    return result


def unpack_seconds(pid: int) -> float | None:
    """The one-file bootloader unpacks, then starts the app as its child: the child's start
    minus the parent's is the unpacking (10 ms resolution on Linux)."""
    try:
        parent = psutil.Process(pid)
        exe = parent.exe()
        child = next((c for c in parent.children() if c.exe() == exe), None)
        return None if child is None else max(0.0, child.create_time() - parent.create_time())
    except psutil.Error:
        return None


def measure(ctx: BenchContext) -> dict[str, object]:
    if METRICS.is_file() and ctx.quick:
        return {"what": f"one-file PyInstaller binary (Linux), as {METRICS.relative_to(REPO)} "
                        "(tests/test_frozen.py) recorded it: file size, `--version` time, and "
                        "spawn to its `Dashboard:` line with the venv ready (one run each)",
                **read_metrics()}
    what = {"what": "one-file PyInstaller binary (Linux) built in this run: its size, "
                    "`--version` time, and spawn to the dashboard answering HTTP 200 with the "
                    "venv ready, interleaved with `python -m launcher`; the unpacking is the "
                    "bootloader's time before it starts the app as its child process"}
    if ctx.quick:
        return {"status": "not measured",
                "reason": f"{METRICS.relative_to(REPO)} is missing and --quick does not build"}
    if not BUILD_SCRIPT.is_file():
        return {"status": "not measured",
                "reason": f"{METRICS.relative_to(REPO)} is missing and there is no scripts/build"}
    return {**what, **build_and_measure(ctx)}
