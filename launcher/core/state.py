"""The application state the shells (tray, headless) render; the core is its only writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Protocol

from launcher.i18n import N_


class Phase(Enum):
    SETTING_UP = N_("setting up")
    STARTING = N_("starting")
    RUNNING = N_("running")
    TRAINING = N_("training detected")
    STOPPED = N_("stopped")
    ERROR = N_("error")


@dataclass(frozen=True)
class ModelSummary:
    """One model's advisor verdict, as short text for a menu entry or a tooltip."""

    model: str
    verdict: str  # "improving", "plateau", "overtraining since step S (epoch E)"
    best_epochs: tuple[str, ...] = ()  # e.g. ("e380 (Aria_e380_s7600.pth)", ...)
    best_files: tuple[Path | None, ...] = ()  # each best epoch's weight file, if one was saved
    overtraining: bool = False
    try_epochs: tuple[str, ...] = ()  # the epochs to listen to first: ("380", "~370", ...)
    evidence: str = ""  # why the verdict, in one line


@dataclass(frozen=True)
class AppState:
    phase: Phase = Phase.SETTING_UP
    message: str = ""  # the latest human-readable line: setup step, error, port note
    url: str | None = None  # the dashboard URL when TensorBoard serves
    model: str | None = None  # the model whose training was detected last
    auto_open: bool = True
    models: tuple[ModelSummary, ...] = field(default_factory=tuple)


class CoreActions(Protocol):
    """What the shells may ask of the core; the tray menu and the headless CLI call only these."""

    def start_tensorboard(self) -> None: ...
    def stop_tensorboard(self) -> None: ...
    def restart_tensorboard(self) -> None: ...
    def open_dashboard(self, model: str | None = None) -> None: ...
    def open_logs_folder(self) -> None: ...
    def open_launcher_log(self) -> None: ...
    def open_report(self, model: str) -> None: ...
    def show_weight_file(self, path: Path) -> None: ...
    def set_auto_open(self, enabled: bool) -> None: ...
    def quit(self) -> None: ...
