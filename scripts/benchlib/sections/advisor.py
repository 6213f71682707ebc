"""Advisor throughput: scalar events per second read (and analysed) from one big event file."""

from __future__ import annotations

import random
import time
from pathlib import Path

from benchlib.context import BenchContext
from benchlib.stats import summarize
from launcher.events.demo import DemoModel, loss_point
from launcher.events.writer import ScalarEventWriter

MODEL_NAME = "Big"


def write_big_log(root: Path, events: int) -> Path:
    """An RVC WebUI folder whose one model has `events` scalar events (8 RVC tags per step)."""
    (root / "go-web.bat").write_text("rem bench\r\n")
    model = DemoModel(MODEL_NAME, epochs=events // 8, overtrain_epoch=events // 8 // 2)
    rng = random.Random(5)
    start = time.time() - 30 * 24 * 3600
    written = 0
    with ScalarEventWriter(root / "logs" / model.name, wall_time=start) as writer:
        epoch = 0
        while written < events:
            epoch += 1
            for tag, value in loss_point(model, epoch, rng).items():
                if written == events:
                    break
                writer.add_scalar(tag, value, epoch * 20, wall_time=start + epoch)
                written += 1
    return root


def timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(ctx: BenchContext) -> dict[str, object]:
    from launcher.advisor.analysis import Advisor
    from launcher.events.reader import LogDirReader
    from launcher.rvc.folder import RvcFolder

    events = ctx.advisor_events
    root = write_big_log(ctx.scratch("advisor/RVC"), events)
    rvc = RvcFolder.at(root)
    runs = ctx.setup_runs
    model_dir = rvc.logs_dir / MODEL_NAME
    LogDirReader(model_dir).refresh()  # untimed: the same page-cache state for every run
    read: list[float] = []
    full: list[float] = []
    for _ in range(runs):  # interleaved, so machine load hits both alike
        read.append(events / timed(lambda: LogDirReader(model_dir).refresh()))
        full.append(events / timed(lambda: Advisor(rvc, cache_scalars=False).refresh()))
    size_mb = sum(p.stat().st_size for p in (root / "logs").rglob("events.*")) / 2**20
    return {
        "what": f"one event file of {events:,} scalar events ({size_mb:.0f} MB, 8 RVC tags); "
                "a fresh reader each run: LogDirReader.refresh() alone, and Advisor.refresh() "
                "(read, smooth, verdict, best epochs)",
        "events": events,
        "read_events_per_s": summarize(read, "events/s", digits=0),
        "read_and_analyse_events_per_s": summarize(full, "events/s", digits=0),
    }
