"""A demo RVC folder (original WebUI layout) with generated, realistic training logs.

Curves follow what RVC training shows in TensorBoard: a fast early drop, a long noisy
slope, and for two models a rise after the point where they start to overtrain: Aria's is
obvious (about 15%), Nova's is what real runs show (the guide's example rises about 1%
on the smoothed chart): 3% over 20k steps, logged every 200 steps as the WebUI does. One model
(Cleo) is written the way Applio writes it: scalars in `logs/<model>/eval/`, weights beside
them as `<model>_<E>e_<S>s.pth`, and a reference clip `gen/audio_<step:07d>` at each save.
"""

from __future__ import annotations

import array
import functools
import io
import json
import math
import random
import threading
import time
import wave
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
    log_interval: int | None = None  # a point every this many steps; None: every epoch
    subtle: bool = False  # the realistic curve (subtle_point) instead of loss_point


DEMO_MODELS = (
    DemoModel("Aria", epochs=900, overtrain_epoch=380, seed=1),
    DemoModel("Ben", epochs=300, overtrain_epoch=None, seed=2),
    DemoModel("Nova", epochs=720, overtrain_epoch=320, steps_per_epoch=50, seed=3,
              log_interval=200, subtle=True),
)
NOVA_DIPS = (6200, 9800, 13400, 15800, 21600, 27000, 31400)  # steps of clear mel dips


def subtle_point(model: DemoModel, step: int, rng: random.Random) -> dict[str, float]:
    """A realistic WebUI point: g/total about 33 after the early drop, per-point noise sd
    about 0.6 (the sum of its parts), rising 3% over the 20k steps after the turn."""
    turn = (model.overtrain_epoch or 0) * model.steps_per_epoch
    z = (step - turn) / 1500
    rise = 1.0 / 20000 * 1500 * (z if z > 30 else math.log1p(math.exp(z)))
    early = math.exp(-step / 800)
    dip = sum(-2.2 * math.exp(-0.5 * ((step - at) / 150) ** 2) for at in NOVA_DIPS)
    mel = 19.0 + 9 * early + 1.1 * math.exp(-step / 6000) + 0.7 * rise + dip + rng.gauss(0, 0.45)
    kl = 1.6 + 5 * early + rng.gauss(0, 0.1)
    fm = 8.8 + 0.3 * rise - 2 * early + rng.gauss(0, 0.35)
    gen = 3.3 + rng.gauss(0, 0.2)
    return {
        "loss/g/total": gen + fm + mel + kl,
        "loss/d/total": 3.9 + rng.gauss(0, 0.2),
        "loss/g/mel": min(mel, 75.0),
        "loss/g/kl": min(kl, 9.0),
        "loss/g/fm": fm,
        "learning_rate": 1e-4 * 0.999875 ** (step // model.steps_per_epoch),
        "grad_norm_d": abs(rng.gauss(30, 12)),
        "grad_norm_g": abs(rng.gauss(120, 40)),
    }


APPLIO_DEMO_MODELS = (
    DemoModel("Cleo", epochs=200, overtrain_epoch=None, save_every_epochs=10, seed=3),
)
CLIP_SAMPLE_RATE = 40000  # Applio's 40k models log their reference audio at this rate
CLIP_SECONDS = 0.3


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


def _points(model: DemoModel, epoch: int,
            rng: random.Random) -> list[tuple[int, dict[str, float]]]:
    """(step, scalars) logged during `epoch`: one point at its end, or, with a log
    interval, one at each multiple of it that falls inside the epoch (the WebUI's way)."""
    last = epoch * model.steps_per_epoch
    if model.log_interval is None:
        return [(last, loss_point(model, epoch, rng))]
    every = model.log_interval
    first = (last - model.steps_per_epoch) // every + 1
    return [(k * every, subtle_point(model, k * every, rng))
            for k in range(first, last // every + 1)]


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
            for logged, point in _points(model, epoch, rng):
                for tag, value in point.items():
                    writer.add_scalar(tag, value, logged, wall_time=when)
            if epoch % IMAGES_EVERY == 0:
                writer.add_rvc_images(step, wall_time=when)
            if epoch % model.save_every_epochs == 0:
                (weights / f"{model.name}_e{epoch}_s{step}.pth").write_bytes(PLACEHOLDER)
    for prefix in ("G", "D"):
        (model_dir / f"{prefix}_{LATEST_ONLY_STEP}.pth").write_bytes(PLACEHOLDER)


@functools.cache
def _voice_and_noise() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """One voiced tone (180 Hz with vibrato and harmonics, faded in and out) and one hiss."""
    frames = int(CLIP_SAMPLE_RATE * CLIP_SECONDS)
    rng = random.Random(0)
    voice, noise = [], []
    for index in range(frames):
        t = index / CLIP_SAMPLE_RATE
        pitch = 2 * math.pi * 180 * (t + 0.004 * math.sin(2 * math.pi * 5 * t))
        envelope = min(1.0, t / 0.05, (CLIP_SECONDS - t) / 0.05)
        voice.append(0.3 * envelope * sum(math.sin(k * pitch) / k for k in (1, 2, 3, 4)))
        noise.append(rng.uniform(-1, 1))
    return tuple(voice), tuple(noise)


def reference_clip(epoch: int) -> tuple[bytes, int]:
    """A short voiced tone (WAV bytes, frames) whose hiss fades as training goes on."""
    voice, noise = _voice_and_noise()
    hiss = 0.25 * math.exp(-epoch / 60)
    # |voice| <= 0.625 and hiss <= 0.25: the sum never clips.
    samples = array.array("h", (int((v + hiss * n) * 32767)
                                for v, n in zip(voice, noise, strict=True)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(CLIP_SAMPLE_RATE)
        clip.writeframes(samples.tobytes())
    return buffer.getvalue(), len(samples)


def write_applio_model(root: Path, model: DemoModel, start_time: float) -> None:
    """Per-epoch scalars and, at each save, a weight file and a reference clip, as Applio."""
    model_dir = root / "logs" / model.name
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "config.json").write_text(json.dumps({"data": {"sample_rate": 40000}}))
    rng = random.Random(model.seed)
    with ScalarEventWriter(model_dir / "eval", wall_time=start_time) as writer:
        for epoch in range(1, model.epochs + 1):
            step = epoch * model.steps_per_epoch
            when = start_time + epoch * 6.0
            for tag, value in loss_point(model, epoch, rng).items():
                writer.add_scalar(tag, value, step, wall_time=when)
            if epoch % model.save_every_epochs == 0:
                wav, frames = reference_clip(epoch)
                writer.add_audio(f"gen/audio_{step:07d}", wav, CLIP_SAMPLE_RATE, frames, step,
                                 wall_time=when)
                (model_dir / f"{model.name}_{epoch}e_{step}s.pth").write_bytes(PLACEHOLDER)
    for prefix in ("G", "D"):
        (model_dir / f"{prefix}_{LATEST_ONLY_STEP}.pth").write_bytes(PLACEHOLDER)


def create_demo_rvc(root: Path, models: tuple[DemoModel, ...] = DEMO_MODELS,
                    applio_models: tuple[DemoModel, ...] = APPLIO_DEMO_MODELS) -> Path:
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
    for model in applio_models:
        if not (root / "logs" / model.name / "eval").is_dir():
            write_applio_model(root, model, start)
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
