"""Training detection: a writer starts a new run; time until the launcher requests the dashboard."""

from __future__ import annotations

import re
import time

from benchlib.context import BenchContext
from benchlib.procs import DASHBOARD_LINE, LineProcess, bench_env, launcher_argv
from benchlib.stats import summarize
from launcher.events.writer import ScalarEventWriter

READY_TIMEOUT = 90.0
DETECT_TIMEOUT = 15.0
TARGET_SECONDS = 0.1  # median
# With --no-browser the launcher prints the URL it would have opened.
OPEN_LINE = re.compile(r"Open in your browser: (\S+)")


def detect_once(process: LineProcess, ctx: BenchContext, model: str) -> float:
    process.drain()
    started = time.monotonic()
    with ScalarEventWriter(ctx.rvc / "logs" / model) as writer:
        writer.add_scalar("loss/g/total", 42.0, 1)
        writer.flush()
        when, _ = process.wait_for(OPEN_LINE, DETECT_TIMEOUT,
                                   accept=lambda match: model in match.group(1))
    return when - started


def measure(ctx: BenchContext) -> dict[str, object]:
    process = LineProcess(launcher_argv(ctx.rvc, ctx.runtime_python), env=bench_env())
    try:
        process.wait_for(DASHBOARD_LINE, READY_TIMEOUT)
        seconds = []
        for run in range(ctx.start_runs):
            seconds.append(detect_once(process, ctx, f"BenchDetect{run}_{int(time.time())}"))
            time.sleep(0.3)  # let the finished writer's file settle before the next run starts
    finally:
        process.stop()
    result: dict[str, object] = {
        "what": "a ScalarEventWriter creates logs/<new model>/events...; time until the running "
                "launcher requests the dashboard for that model (its --no-browser line)",
        "launcher": summarize(seconds, "s"),
        "target": f"< {TARGET_SECONDS:g} s",
    }
    result["meets_target"] = result["launcher"]["median"] < TARGET_SECONDS  # type: ignore[index]
    return result
