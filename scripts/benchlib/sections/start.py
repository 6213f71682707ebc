"""Warm start: launcher command to the dashboard's first HTTP 200, vs bare TensorBoard."""

from __future__ import annotations

import re
import time

from benchlib.context import BenchContext
from benchlib.procs import (
    DASHBOARD_LINE,
    TENSORBOARD_READY,
    BenchError,
    LineProcess,
    bench_env,
    http_ok,
    launcher_argv,
    wait_until,
)
from benchlib.stats import ratio, summarize

READY_TIMEOUT = 90.0
TARGET_OVERHEAD = 0.10


def first_200(process: LineProcess, pattern: re.Pattern[str]) -> float:
    """Seconds from spawn until the URL the process printed answers HTTP 200."""
    _, match = process.wait_for(pattern, READY_TIMEOUT)
    url = match.group(1)
    if not wait_until(lambda: http_ok(url, timeout=1.0), READY_TIMEOUT, interval=0.005):
        raise BenchError(f"{url} printed but never answered HTTP 200")
    return time.monotonic() - process.started


def launcher_start(ctx: BenchContext) -> float:
    process = LineProcess(launcher_argv(ctx.rvc, ctx.runtime_python), env=bench_env())
    try:
        return first_200(process, DASHBOARD_LINE)
    finally:
        process.stop()


def bare_start(ctx: BenchContext) -> float:
    tensorboard = ctx.venv_python.parent / "tensorboard"
    process = LineProcess([str(tensorboard), "--logdir", str(ctx.rvc / "logs"), "--port", "0"],
                          env=bench_env())
    try:
        return first_200(process, TENSORBOARD_READY)
    finally:
        process.stop()


def measure(ctx: BenchContext) -> dict[str, object]:
    launcher_start(ctx)  # one untimed start each so both read warm files from the page cache
    bare_start(ctx)
    launcher: list[float] = []
    bare: list[float] = []
    for _ in range(ctx.start_runs):  # interleaved, so machine load hits both alike
        launcher.append(launcher_start(ctx))
        bare.append(bare_start(ctx))
    result: dict[str, object] = {
        "what": "spawn to first HTTP 200 on the printed URL: `python -m launcher --no-tray "
                "--no-browser` (venv ready) vs the same venv's `tensorboard --logdir logs "
                "--port 0`, on the demo logs (2 models, 9.6k scalar events)",
        "launcher": summarize(launcher, "s"),
        "bare_tensorboard": summarize(bare, "s"),
    }
    result["ratio_launcher_to_bare"] = ratio(result["launcher"], result["bare_tensorboard"])
    overhead = result["ratio_launcher_to_bare"] - 1  # type: ignore[operator]
    result["overhead"] = round(overhead, 3)
    result["target"] = f"overhead < {TARGET_OVERHEAD:.0%}"
    result["meets_target"] = overhead < TARGET_OVERHEAD
    return result
