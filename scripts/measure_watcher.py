"""Measure the training watcher's idle cost over a `logs/` of many models.

    python scripts/measure_watcher.py [--models 300] [--seconds 10]

Writes a tree like RVC's (each model: eval/, four data folders, config.json, one event
file) in a temporary folder, then reports the median idle poll and the CPU share of a
running watcher thread at the app's settings (interval 0.5 s, pause 600 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from launcher.core.watcher import TrainingWatcher
from launcher.events.writer import ScalarEventWriter

DATA_FOLDERS = ("0_gt_wavs", "1_16k_wavs", "2a_f0", "3_feature768")


def make_models(logs: Path, count: int) -> None:
    for index in range(count):
        model_dir = logs / f"model{index:03d}"
        for sub in ("eval", *DATA_FOLDERS):
            (model_dir / sub).mkdir(parents=True)
        (model_dir / "config.json").write_text("{}")
        with ScalarEventWriter(model_dir, wall_time=1_700_000_000 + index) as writer:
            writer.add_scalar("loss/g/total", 30.0, 1)
    past = time.time() - 3600  # trained an hour ago, or earlier
    for path in (logs, *logs.iterdir(), *logs.glob("*/eval"), *logs.glob("*/events.*"),
                 *logs.glob("*/config.json")):
        os.utime(path, (past, past))


def idle_poll_ms(poll: Callable[[], object], polls: int) -> tuple[float, float]:
    """Median and mean of `polls` idle polls, in ms."""
    timings = []
    for _ in range(polls):
        started = time.perf_counter()
        poll()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.fmean(timings)


def running_cpu_percent(logs: Path, seconds: float) -> float:
    """CPU time the whole process spends while a started watcher idles, as % of one core."""
    watcher = TrainingWatcher(logs, lambda model: None, pause_for_new_session=600.0)
    watcher.start()
    try:
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        time.sleep(seconds)
        cpu, wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
    finally:
        watcher.stop()
    return 100 * cpu / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=300)
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp) / "logs"
        make_models(logs, args.models)
        watcher = TrainingWatcher(logs, lambda model: None, pause_for_new_session=600.0)
        started = time.perf_counter()
        watcher.poll_once()
        first = (time.perf_counter() - started) * 1000
        print(f"{args.models} models: first poll {first:.1f} ms")
        median, mean = idle_poll_ms(watcher.poll_once, args.polls)
        print(f"poll_once (everything): median {median:.2f} ms, mean {mean:.2f} ms")
        if hasattr(watcher, "_poll"):  # the background thread's poll between sweeps
            median, mean = idle_poll_ms(lambda: watcher._poll(sweep=False), args.polls)
            print(f"background poll without sweep: median {median:.2f} ms, mean {mean:.2f} ms")
        cpu = running_cpu_percent(logs, args.seconds)
        print(f"running watcher (interval 0.5 s): {cpu:.2f}% of one core over {args.seconds:.0f} s")


if __name__ == "__main__":
    main()
