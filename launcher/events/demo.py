"""A demo RVC folder (original WebUI layout) with generated, realistic training logs.

Curves follow what RVC training shows in TensorBoard: a fast early drop, a long noisy
slope, and for one model a slow rise after the point where it starts to overtrain.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from launcher.events.writer import ScalarEventWriter

PLACEHOLDER = b"demo placeholder, not a real model\n"
# RVC logs its three spectrogram plots (75 KB each) with every log point; the demo does at
# every 25th, so its folder stays small (11 MB) while its event files have the real shape.
IMAGES_EVERY = 25
LATEST_ONLY_STEP = 2333333


@dataclass(frozen=True)
class DemoModel:
    name: str
    epochs: int
    overtrain_epoch: int | None  # None: still improving at the end
    steps_per_epoch: int = 20
    save_every_epochs: int = 10
    seed: int = 0


DEMO_MODELS = (
    DemoModel("Aria", epochs=900, overtrain_epoch=380, seed=1),
    DemoModel("Ben", epochs=300, overtrain_epoch=None, seed=2),
)


def loss_point(model: DemoModel, epoch: int, rng: random.Random) -> dict[str, float]:
    """The scalars RVC logs at one point of training."""
    progress = 1 - math.exp(-epoch / 45)
    drift = -2.5 * min(epoch, model.overtrain_epoch or epoch) / 400
    rise = 0.0
    if model.overtrain_epoch is not None and epoch > model.overtrain_epoch:
        rise = 4.5 * ((epoch - model.overtrain_epoch) / 400) ** 1.3
    mel = 28 - 11 * progress + drift * 0.8 + rise * 0.9 + rng.gauss(0, 1.4)
    kl = max(0.2, 2.4 - 1.3 * progress + rng.gauss(0, 0.25) + rise * 0.05)
    fm = 3.0 + 4.5 * progress + rng.gauss(0, 0.6)
    adv = 2.4 + rng.gauss(0, 0.25)
    mel = min(mel, 75.0)
    kl = min(kl, 9.0)
    return {
        "loss/g/total": mel + kl + fm + adv,
        "loss/d/total": 3.4 - 0.5 * progress + rng.gauss(0, 0.2),
        "loss/g/mel": mel,
        "loss/g/kl": kl,
        "loss/g/fm": fm,
        "learning_rate": 1e-4 * 0.999875 ** epoch,
        "grad_norm_d": abs(rng.gauss(30, 12)),
        "grad_norm_g": abs(rng.gauss(120, 40)),
    }


def write_model(root: Path, model: DemoModel, start_time: float) -> None:
    model_dir = root / "logs" / model.name
    (model_dir / "eval").mkdir(parents=True, exist_ok=True)
    (model_dir / "config.json").write_text(json.dumps({"train": {"log_interval": 200}}))
    rng = random.Random(model.seed)
    weights = root / "assets" / "weights"
    weights.mkdir(parents=True, exist_ok=True)
    with ScalarEventWriter(model_dir, wall_time=start_time) as writer:
        for epoch in range(1, model.epochs + 1):
            step = epoch * model.steps_per_epoch
            when = start_time + epoch * 6.0
            for tag, value in loss_point(model, epoch, rng).items():
                writer.add_scalar(tag, value, step, wall_time=when)
            if epoch % IMAGES_EVERY == 0:
                writer.add_rvc_images(step, wall_time=when)
            if epoch % model.save_every_epochs == 0:
                (weights / f"{model.name}_e{epoch}_s{step}.pth").write_bytes(PLACEHOLDER)
    for prefix in ("G", "D"):
        (model_dir / f"{prefix}_{LATEST_ONLY_STEP}.pth").write_bytes(PLACEHOLDER)


def create_demo_rvc(root: Path, models: tuple[DemoModel, ...] = DEMO_MODELS) -> Path:
    """Create (or refresh the logs of) a demo RVC WebUI folder at `root`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "go-web.bat").write_text("rem demo RVC folder made by the launcher\r\n")
    (root / "infer-web.py").write_text("# demo RVC folder made by the launcher\n")
    (root / "logs" / "mute").mkdir(parents=True, exist_ok=True)
    start = time.time() - 7 * 24 * 3600
    for model in models:
        model_dir = root / "logs" / model.name
        if model_dir.is_dir() and any(model_dir.glob("events.out.tfevents.*")):
            continue
        write_model(root, model, start)
    return root


def simulate_training(root: Path, name: str, epochs: int, seconds_per_epoch: float,
                      stop: threading.Event | None = None) -> Path:
    """Write a model's logs live, epoch by epoch, as a training run would."""
    model = DemoModel(name, epochs=epochs, overtrain_epoch=None, seed=7)
    rng = random.Random(model.seed)
    model_dir = root / "logs" / name
    with ScalarEventWriter(model_dir) as writer:
        for epoch in range(1, epochs + 1):
            if stop is not None and stop.wait(seconds_per_epoch):
                break
            if stop is None:
                time.sleep(seconds_per_epoch)
            for tag, value in loss_point(model, epoch, rng).items():
                writer.add_scalar(tag, value, epoch * model.steps_per_epoch)
            writer.add_rvc_images(epoch * model.steps_per_epoch)
            writer.flush()
        return writer.path


def default_demo_dir() -> Path:
    """Under the user's data folder: %LOCALAPPDATA% on Windows, XDG data home elsewhere."""
    import os

    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_DATA_HOME")
    data = Path(base) if base else Path.home() / ".local" / "share"
    return data / "RVCTensorBoardLauncher" / "demo" / "RVC"
