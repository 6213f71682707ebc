"""The tray menu as a pure function of the state; the tray only renders what this returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from launcher.core.state import AppState, CoreActions, ModelSummary, Phase
from launcher.i18n import _
from launcher.ui.icon import shorten

STATUS_LIMIT = 64
ENTRY_LIMIT = 80
SERVING = frozenset({Phase.STARTING, Phase.RUNNING, Phase.TRAINING})
STARTABLE = frozenset({Phase.STOPPED, Phase.ERROR})

StateListener = Callable[[AppState], None]
NotifyListener = Callable[[str, str], None]


class CoreView(CoreActions, Protocol):
    """What a shell sees of the core: the state, its changes, notifications, and the actions."""

    @property
    def state(self) -> AppState: ...
    def subscribe(self, callback: StateListener) -> None: ...
    def on_notify(self, callback: NotifyListener) -> None: ...


@dataclass(frozen=True)
class MenuEntry:
    text: str
    action: Callable[[], None] | None = None
    enabled: bool = True
    checked: bool | None = None
    default: bool = False
    submenu: tuple[MenuEntry, ...] = ()
    separator: bool = False


SEPARATOR = MenuEntry("", enabled=False, separator=True)


def status_text(state: AppState) -> str:
    label = _(state.phase.value).capitalize()
    return shorten(f"{label}: {state.message}" if state.message else label, STATUS_LIMIT)


def build_menu(state: AppState, actions: CoreActions) -> tuple[MenuEntry, ...]:
    """Every entry and whether it is enabled or checked, from the state alone."""
    serving = state.phase in SERVING
    return (
        MenuEntry(status_text(state), enabled=False),
        SEPARATOR,
        MenuEntry(_("Open dashboard"), actions.open_dashboard, enabled=serving, default=True),
        MenuEntry(_("Start TensorBoard"), actions.start_tensorboard,
                  enabled=state.phase in STARTABLE),
        MenuEntry(_("Stop TensorBoard"), actions.stop_tensorboard, enabled=serving),
        MenuEntry(_("Restart TensorBoard"), actions.restart_tensorboard, enabled=serving),
        SEPARATOR,
        models_entry(state, actions),
        SEPARATOR,
        MenuEntry(_("Auto-open when training starts"),
                  lambda: actions.set_auto_open(not state.auto_open), checked=state.auto_open),
        MenuEntry(_("Open logs folder"), actions.open_logs_folder),
        MenuEntry(_("Open launcher log"), actions.open_launcher_log),
        SEPARATOR,
        MenuEntry(_("Quit"), actions.quit),
    )


def models_entry(state: AppState, actions: CoreActions) -> MenuEntry:
    if not state.models:
        return MenuEntry(_("Models"), submenu=(MenuEntry(_("No training runs found yet"),
                                                      enabled=False),))
    serving = state.phase in SERVING
    return MenuEntry(_("Models"), submenu=tuple(model_entry(summary, actions, serving)
                                             for summary in state.models))


def model_entry(summary: ModelSummary, actions: CoreActions, serving: bool) -> MenuEntry:
    """"Aria: try e380, e370, e410 - overtraining since step 7600" and in its submenu the
    epochs to listen to first, then the verdict and its evidence, the dashboard and the plot."""
    model = summary.model
    files = (*summary.best_files, *([None] * len(summary.best_epochs)))
    best = tuple(best_epoch_entry(epoch, file, actions)
                 for epoch, file in zip(summary.best_epochs, files, strict=False))
    header = MenuEntry(_("Try these epochs first:") if best else _("No saved epochs yet"),
                       enabled=False)
    answer = ", ".join(f"e{label}" for label in summary.try_epochs[:3])
    title = _("{model}: try {epochs} - {verdict}").format(
        model=model, epochs=answer, verdict=summary.verdict) if answer else (
        f"{model}: {summary.verdict}")
    verdict = (MenuEntry(shorten(_("Verdict: {verdict}").format(verdict=summary.verdict),
                                 ENTRY_LIMIT), enabled=False),)
    if summary.evidence:
        verdict += (MenuEntry(shorten(summary.evidence, ENTRY_LIMIT), enabled=False),)
    return MenuEntry(
        shorten(title, ENTRY_LIMIT),
        submenu=(
            header,
            *best,
            SEPARATOR,
            *verdict,
            SEPARATOR,
            MenuEntry(_("Open dashboard for {model}").format(model=shorten(model, 40)),
                      lambda: actions.open_dashboard(model), enabled=serving),
            MenuEntry(_("Show curve plot"), lambda: actions.open_report(model)),
        ),
    )


def best_epoch_entry(text: str, weight_file: Path | None, actions: CoreActions) -> MenuEntry:
    """A best epoch; clicking it shows its saved weight file in the file manager."""
    if weight_file is None:
        return MenuEntry(shorten(text, ENTRY_LIMIT), enabled=False)
    return MenuEntry(shorten(text, ENTRY_LIMIT), lambda: actions.show_weight_file(weight_file))
