"""Real-sized logs: event files that are mostly spectrogram images, as RVC's WebUI writes them.

Measures, from the page cache, how fast the launcher's reader gets the scalars out of them
(MB of event file a second; target 1 GB/s), the advisor's whole refresh on them, a restart
that finds the read cache, and (full runs) TensorBoard's own Python loader on one model's
file, the loader TensorBoard uses on Windows.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from benchlib.context import BenchContext
from benchlib.stats import summarize
from launcher.events.demo import DemoModel, loss_point
from launcher.events.writer import ScalarEventWriter

TARGET_MB_PER_S = 1000.0


def write_webui_logs(root: Path, models: int, points: int) -> Path:
    """An RVC WebUI folder whose models log 8 scalars and 3 PNG plots at each log point."""
    (root / "go-web.bat").write_text("rem bench\r\n")
    start = time.time() - 30 * 24 * 3600
    for index in range(models):
        model = DemoModel(f"Voice{index}", epochs=points, overtrain_epoch=points // 2,
                          seed=index)
        rng = random.Random(index)
        with ScalarEventWriter(root / "logs" / model.name, wall_time=start) as writer:
            for point in range(1, points + 1):
                step = point * 200
                for tag, value in loss_point(model, point, rng).items():
                    writer.add_scalar(tag, value, step, wall_time=start + point)
                writer.add_rvc_images(step, wall_time=start + point)
    return root


def timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def tensorboard_python_loader_mb_per_s(path: Path) -> float | None:
    """TensorBoard's pure-Python loader (no data server: as on Windows) on one file."""
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        return None
    accumulator = EventAccumulator(str(path.parent))
    return path.stat().st_size / 2**20 / timed(accumulator.Reload)


def measure(ctx: BenchContext) -> dict[str, object]:
    from launcher.advisor.analysis import Advisor
    from launcher.events.reader import LogDirReader
    from launcher.rvc.folder import RvcFolder

    models, points = (2, 40) if ctx.quick else (5, 200)
    root = write_webui_logs(ctx.scratch("eventfiles/RVC"), models, points)
    rvc = RvcFolder.at(root)
    files = sorted((root / "logs").rglob("events.*"))
    size_mb = sum(p.stat().st_size for p in files) / 2**20
    model_dirs = sorted(p for p in (root / "logs").iterdir() if p.is_dir())

    def read_all() -> None:
        for model_dir in model_dirs:
            LogDirReader(model_dir).refresh()

    read_all()  # untimed: the same page-cache state for every run
    Advisor(rvc).refresh()  # untimed: fills the read cache in TensorBoardLauncher/cache
    read: list[float] = []
    analysed: list[float] = []
    restart: list[float] = []
    for _ in range(ctx.setup_runs):  # interleaved, so machine load hits all alike
        read.append(size_mb / timed(read_all))
        analysed.append(size_mb / timed(lambda: Advisor(rvc, cache_scalars=False).refresh()))
        restart.append(timed(lambda: Advisor(rvc).refresh()))
    result: dict[str, object] = {
        "what": f"{models} models x {points} log points of 8 scalars and 3 PNG plots "
                f"(75 KB each), {size_mb:.0f} MB in all, from the page cache; a fresh reader "
                "each run: LogDirReader.refresh() of every model, Advisor.refresh() without "
                "and with the read cache",
        "size_mb": round(size_mb, 1),
        "read_mb_per_s": summarize(read, "MB/s", digits=0),
        "read_and_analyse_mb_per_s": summarize(analysed, "MB/s", digits=0),
        "restart_with_cache_s": summarize(restart, "s", digits=4),
        "target": f">= {TARGET_MB_PER_S:g} MB/s read",
    }
    result["meets_target"] = read and sorted(read)[len(read) // 2] >= TARGET_MB_PER_S
    if not ctx.quick:
        rate = tensorboard_python_loader_mb_per_s(files[0])
        if rate is not None:
            result["tensorboard_python_loader_mb_per_s"] = round(rate, 1)
    return result
