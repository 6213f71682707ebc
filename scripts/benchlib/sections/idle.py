"""Idle cost: the launcher's own CPU and RSS with TensorBoard running over a logs/ of 300 models."""

from __future__ import annotations

import inspect
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from benchlib.context import BenchContext
from benchlib.procs import DASHBOARD_LINE, LineProcess, bench_env, launcher_argv
from benchlib.stats import summarize
from launcher.events.writer import ScalarEventWriter

MODELS = 300
POINTS = 50
TAGS = ("loss/g/total", "loss/d/total", "loss/g/mel", "loss/g/kl")
READY_TIMEOUT = 180.0
SLICES = 6
TARGET_CPU_PERCENT = 0.1  # and below TensorBoard's own
TARGET_RSS_MB = 60.0


def write_many_models(logs: Path, count: int = MODELS) -> int:
    """`count` small models (POINTS epochs of the main tags each); returns the events written."""
    rng = random.Random(3)
    start = time.time() - 3 * 24 * 3600
    events = 0
    for index in range(count):
        with ScalarEventWriter(logs / f"Voice{index:03d}", wall_time=start) as writer:
            for epoch in range(1, POINTS + 1):
                for tag in TAGS:
                    writer.add_scalar(tag, 30 - epoch * 0.1 + rng.gauss(0, 1), epoch * 20,
                                      wall_time=start + epoch * 6)
                    events += 1
    return events


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for proc in processes:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue
    return total


def rss_mb(processes: list[psutil.Process]) -> float:
    total = 0
    for proc in processes:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


def cpu_of(action: Callable[[], object]) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


def default_of(callable_: Callable[..., object], parameter: str) -> float:
    return float(inspect.signature(callable_).parameters[parameter].default)


def watcher_cpu_percent(root: Path, seconds: float, use_events: bool) -> tuple[float, str]:
    """The watcher's own threads in this otherwise idle process, over `seconds` after its
    first full scan; and the path it took (events or polling)."""
    from launcher.core.watcher import TrainingWatcher

    watcher = TrainingWatcher(root / "logs", lambda model: None, use_events=use_events)
    watcher.start()
    try:
        time.sleep(1.0)  # the baseline scan at start is not idle cost
        started, cpu_before = time.monotonic(), time.process_time()
        time.sleep(seconds)
        mode = watcher.mode or "?"
    finally:
        watcher.stop()
    return 100 * (time.process_time() - cpu_before) / (time.monotonic() - started), mode


def breakdown(root: Path, watcher_seconds: float) -> dict[str, object]:
    """Where the launcher's idle CPU goes, measured in-process on the same logs: one advisor
    refresh (it runs only after event files change) and the watcher on each of its paths."""
    from launcher.advisor.analysis import Advisor
    from launcher.core.app import LauncherCore
    from launcher.rvc.folder import RvcFolder

    advisor = Advisor(RvcFolder.at(root))
    advisor.refresh()  # the first refresh reads everything; later ones are the idle cost
    refreshes = [cpu_of(advisor.refresh) for _ in range(3)]
    on_events, mode = watcher_cpu_percent(root, watcher_seconds, use_events=True)
    polling, _ = watcher_cpu_percent(root, watcher_seconds, use_events=False)
    return {
        "advisor_refresh_cpu": summarize(refreshes, "s"),
        "advisor_delay_s": default_of(LauncherCore, "advice_delay"),
        "advisor_cpu_percent": 0.0,  # no refresh while no event file changes
        "watcher_window_s": watcher_seconds,
        "watcher_mode": mode,
        "watcher_cpu_percent": round(on_events, 3),
        "watcher_polling_cpu_percent": round(polling, 3),
    }


@dataclass
class Window:
    """CPU (% of one core) per slice and RSS (MB) per slice, for the launcher and TensorBoard."""

    seconds: float = 0.0
    own_total: float = 0.0
    tb_total: float = 0.0
    own_cpu: list[float] = field(default_factory=list)
    tb_cpu: list[float] = field(default_factory=list)
    own_rss: list[float] = field(default_factory=list)
    tb_rss: list[float] = field(default_factory=list)


def sample_window(launcher: psutil.Process, length: float) -> Window:
    tensorboard = launcher.children(recursive=True)
    window = Window()
    slice_seconds = length / SLICES
    started = time.monotonic()
    own_first, tb_first = cpu_seconds([launcher]), cpu_seconds(tensorboard)
    own_before, tb_before = own_first, tb_first
    for _ in range(SLICES):
        time.sleep(slice_seconds)
        own_now, tb_now = cpu_seconds([launcher]), cpu_seconds(tensorboard)
        window.own_cpu.append(100 * (own_now - own_before) / slice_seconds)
        window.tb_cpu.append(100 * (tb_now - tb_before) / slice_seconds)
        own_before, tb_before = own_now, tb_now
        window.own_rss.append(rss_mb([launcher]))
        window.tb_rss.append(rss_mb(tensorboard))
    window.seconds = time.monotonic() - started
    window.own_total = 100 * (own_before - own_first) / window.seconds
    window.tb_total = 100 * (tb_before - tb_first) / window.seconds
    return window


def measure(ctx: BenchContext) -> dict[str, object]:
    logs = ctx.rvc / "logs"
    events = write_many_models(logs)
    models = sum(1 for p in logs.iterdir() if p.is_dir() and p.name != "mute")
    settle = 5.0 if ctx.quick else 20.0
    process = LineProcess(launcher_argv(ctx.rvc, ctx.runtime_python), env=bench_env())
    try:
        process.wait_for(DASHBOARD_LINE, READY_TIMEOUT)
        time.sleep(settle)  # a fixed settling time: TensorBoard's first load of 300 runs
        window = sample_window(psutil.Process(process.pid), ctx.idle_window)
        tensorboard_processes = len(psutil.Process(process.pid).children(recursive=True))
    finally:
        process.stop()
    result: dict[str, object] = {
        "what": f"`python -m launcher --no-tray --no-browser` on logs/ with {models} models "
                f"({events:,} extra scalar events), TensorBoard serving; after ready plus "
                f"{settle:g} s, CPU over a {window.seconds:.0f} s window in {SLICES} slices "
                "(percent of one core) and RSS; TensorBoard = all the launcher's descendants",
        "models": models,
        "window_s": round(window.seconds, 1),
        "launcher_cpu_percent_window": round(window.own_total, 3),
        "launcher_cpu_percent": summarize(window.own_cpu, "% of one core"),
        "launcher_rss_mb": summarize(window.own_rss, "MB", digits=1),
        "tensorboard_cpu_percent_window": round(window.tb_total, 3),
        "tensorboard_cpu_percent": summarize(window.tb_cpu, "% of one core"),
        "tensorboard_rss_mb": summarize(window.tb_rss, "MB", digits=1),
        "tensorboard_processes": tensorboard_processes,
        "cpu_target": f"<= {TARGET_CPU_PERCENT:g}% of one core and below TensorBoard's own",
        "rss_target": f"< {TARGET_RSS_MB:g} MB",
    }
    result["breakdown"] = breakdown(ctx.rvc, 3.0 if ctx.quick else 15.0)
    result["meets_cpu_target"] = window.own_total < min(TARGET_CPU_PERCENT, window.tb_total)
    result["meets_rss_target"] = max(window.own_rss) < TARGET_RSS_MB
    return result
