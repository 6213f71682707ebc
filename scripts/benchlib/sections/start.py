"""Warm start: launcher command to the dashboard's first HTTP 200, vs bare TensorBoard."""

from __future__ import annotations

import contextlib
import re
import shutil
import time

import psutil

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
STAGE_ONE_MODULE = "launcher.core.earlystart"
TARGET_OVERHEAD = 0.10


def first_200(process: LineProcess, pattern: re.Pattern[str]) -> float:
    """Seconds from spawn until the URL the process printed answers HTTP 200."""
    _, match = process.wait_for(pattern, READY_TIMEOUT)
    url = match.group(1)
    if not wait_until(lambda: http_ok(url, timeout=1.0), READY_TIMEOUT, interval=0.005):
        raise BenchError(f"{url} printed but never answered HTTP 200")
    return time.monotonic() - process.started


def launcher_start(ctx: BenchContext) -> tuple[float, float]:
    """Seconds to the first HTTP 200, and from the launcher's start to TensorBoard's (the
    processes' own start times: the kernel's clock ticks, 10 ms on Linux)."""
    process = LineProcess(launcher_argv(ctx.rvc, ctx.runtime_python), env=bench_env())
    try:
        total = first_200(process, DASHBOARD_LINE)
        launcher = psutil.Process(process.pid)
        tensorboard = next((child for child in launcher.children()
                            if "tensorboard" in " ".join(child.cmdline())), None)
        if tensorboard is None:
            raise BenchError(f"no TensorBoard below the launcher: {process.tail()}")
        return total, tensorboard.create_time() - launcher.create_time()
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
    before_spawn: list[float] = []
    bare: list[float] = []
    for _ in range(ctx.start_runs):  # interleaved, so machine load hits both alike
        total, starting = launcher_start(ctx)
        launcher.append(total)
        before_spawn.append(starting)
        bare.append(bare_start(ctx))
    result: dict[str, object] = {
        "what": "spawn to first HTTP 200 on the printed URL: `python -m launcher --no-tray "
                "--no-browser` (venv ready) vs the same venv's `tensorboard --logdir logs "
                "--port 0`, on the demo logs (2 models, 9.6k scalar events)",
        "launcher": summarize(launcher, "s"),
        "bare_tensorboard": summarize(bare, "s"),
        "launcher_until_tensorboard_spawned": summarize(before_spawn, "s"),
    }
    result["ratio_launcher_to_bare"] = ratio(result["launcher"], result["bare_tensorboard"])
    overhead = result["ratio_launcher_to_bare"] - 1  # type: ignore[operator]
    result["overhead"] = round(overhead, 3)
    result["target"] = f"overhead < {TARGET_OVERHEAD:.0%}"
    result["meets_target"] = overhead < TARGET_OVERHEAD
    try:
        result["profile"] = profile_start(ctx)
    except (BenchError, StopIteration, OSError, IndexError) as error:
        result["profile"] = {"status": "failed", "reason": f"{type(error).__name__}: {error}"}
    return result


STRACE_LINE = re.compile(r"^(\d+)\s+(\d+):(\d+):([\d.]+) (execve|write)\((.*)$")


def _stamp(match: re.Match[str]) -> float:
    return int(match.group(2)) * 3600 + int(match.group(3)) * 60 + float(match.group(4))


def profile_start(ctx: BenchContext) -> dict[str, object]:
    """One warm start under `strace -f` (execve and write only, seccomp-filtered: little
    overhead): where the time goes before TensorBoard is spawned and after its ready line;
    and the launcher's slowest imports (-X importtime) before the spawn."""
    if shutil.which("strace") is None:
        return {"status": "not measured", "reason": "no strace on this machine"}
    trace = ctx.scratch("profile") / "strace.txt"
    argv = launcher_argv(ctx.rvc, ctx.runtime_python)
    process = LineProcess(["strace", "-f", "-tt", "-qq", "--seccomp-bpf", "-s", "80",
                           "-e", "trace=execve,write", "-o", str(trace),
                           argv[0], "-X", "importtime", *argv[1:]], env=bench_env())
    try:
        first_200(process, DASHBOARD_LINE)
    finally:
        with contextlib.suppress(psutil.Error):  # the launcher first, so it stops cleanly
            launcher = psutil.Process(process.pid).children()
            for child in launcher:
                child.terminate()
            psutil.wait_procs(launcher, timeout=15)
        process.stop()
    events = [m for m in map(STRACE_LINE.match, trace.read_text().splitlines()) if m]
    launched = _stamp(events[0])
    spawn = next(_stamp(m) for m in events
                 if m.group(5) == "execve" and "tensorboard.main" in m.group(6))
    ready = next(_stamp(m) for m in events
                 if m.group(5) == "write" and "TensorBoard 2." in m.group(6) and " at http" in
                 m.group(6))
    url = next(_stamp(m) for m in events if m.group(5) == "write" and "Dashboard: " in m.group(6))
    imports = []
    for _, line in process.timed_lines:  # stderr in order, up to stage one's own import
        if not (line.startswith("import time:") and "|" in line):
            continue
        _, cumulative, raw_name = line[12:].split("|")
        name = raw_name.strip()
        depth = (len(raw_name) - len(raw_name.lstrip()) - 1) // 2
        if cumulative.strip().isdigit() and depth <= 1:
            imports.append((int(cumulative), name))
        if name == STAGE_ONE_MODULE:  # printed once it is imported: then it spawns
            break
    top = sorted(imports, reverse=True)[:8]
    return {
        "launcher_before_spawn_s": round(spawn - launched, 3),
        "tensorboard_spawn_to_ready_line_s": round(ready - spawn, 3),
        "ready_line_to_dashboard_line_s": round(url - ready, 3),
        "slowest_imports_before_spawn_ms": {name: round(us / 1000, 1) for us, name in top},
        "note": "one traced run; -X importtime adds its own overhead to the imports",
    }
