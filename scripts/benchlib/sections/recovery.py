"""Crash recovery: TensorBoard SIGKILLed under a running launcher, until it serves again."""

from __future__ import annotations

import time

import psutil

from benchlib.context import BenchContext
from benchlib.procs import (
    DASHBOARD_LINE,
    BenchError,
    LineProcess,
    bench_env,
    http_ok,
    launcher_argv,
    wait_until,
)
from benchlib.stats import summarize

READY_TIMEOUT = 90.0
RECOVER_TIMEOUT = 60.0


def tensorboard_child(launcher_pid: int) -> psutil.Process:
    """The TensorBoard the launcher started (its direct child running tensorboard)."""
    for child in psutil.Process(launcher_pid).children():
        try:
            if any("tensorboard" in part for part in child.cmdline()):
                return child
        except psutil.Error:
            continue
    raise BenchError("no TensorBoard child under the launcher")


def recover_once(ctx: BenchContext) -> float:
    """A fresh launcher each run, so every kill is its first crash (backoff starts at 1 s)."""
    process = LineProcess(launcher_argv(ctx.rvc, ctx.runtime_python), env=bench_env())
    try:
        _, match = process.wait_for(DASHBOARD_LINE, READY_TIMEOUT)
        url = match.group(1)
        victim = tensorboard_child(process.pid)
        process.drain()
        started = time.monotonic()
        victim.kill()
        victim.wait(10)

        def serving_again() -> bool:
            nonlocal url
            for line in process.lines[-5:]:
                found = DASHBOARD_LINE.search(line)
                if found:
                    url = found.group(1)
            return http_ok(url, timeout=1.0)

        if not wait_until(serving_again, RECOVER_TIMEOUT, interval=0.02):
            raise BenchError(f"TensorBoard did not serve again within {RECOVER_TIMEOUT:g} s; "
                             f"last lines: {process.tail()}")
        return time.monotonic() - started
    finally:
        process.stop()


def measure(ctx: BenchContext) -> dict[str, object]:
    seconds = [recover_once(ctx) for _ in range(ctx.start_runs)]
    return {
        "what": "SIGKILL of the TensorBoard process under a running launcher, until the "
                "dashboard answers HTTP 200 again (first crash: the supervisor waits 1 s, then "
                "restarts; fast crashes in a row back off 1, 2, 4 ... s)",
        "launcher": summarize(seconds, "s"),
    }
