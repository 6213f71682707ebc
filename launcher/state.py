"""The application state the shells (tray, headless) render; the core is its only writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Phase(Enum):
    SETTING_UP = "setting up"
    STARTING = "starting"
    RUNNING = "running"
    TRAINING = "training detected"
    STOPPED = "stopped"
    ERROR = "error"


@dataclass(frozen=True)
class ModelSummary:
    """One model's advisor verdict, as short text for a menu entry or a tooltip."""

    model: str
    verdict: str  # "improving", "plateau", "overtraining since step S (epoch E)"
    best_epochs: tuple[str, ...] = ()  # e.g. ("e380 (Aria_e380_s7600.pth)", ...)
    overtraining: bool = False


@dataclass(frozen=True)
class AppState:
    phase: Phase = Phase.SETTING_UP
    message: str = ""  # the latest human-readable line: setup step, error, port note
    url: str | None = None  # the dashboard URL when TensorBoard serves
    model: str | None = None  # the model whose training was detected last
    auto_open: bool = True
    models: tuple[ModelSummary, ...] = field(default_factory=tuple)
