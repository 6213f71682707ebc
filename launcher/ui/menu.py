"""The tray menu as a pure function of the state; the tray only renders what this returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    """"Aria: overtraining since step 7600 (epoch 380)" with its best epochs and the plot."""
    model = summary.model
    best = tuple(MenuEntry(shorten(epoch, ENTRY_LIMIT), enabled=False)
                 for epoch in summary.best_epochs)
    header = MenuEntry(_("Best saved epochs:") if best else _("No saved epochs yet"), enabled=False)
    return MenuEntry(
        shorten(f"{model}: {summary.verdict}", ENTRY_LIMIT),
        submenu=(
            header,
            *best,
            SEPARATOR,
            MenuEntry(_("Open dashboard for {model}").format(model=shorten(model, 40)),
                      lambda: actions.open_dashboard(model), enabled=serving),
            MenuEntry(_("Show curve plot"), lambda: actions.open_report(model)),
        ),
    )
