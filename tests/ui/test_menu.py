"""The tray menu as a pure function of the state: what is enabled, checked, and what it calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.core.state import AppState, ModelSummary, Phase
from launcher.ui.menu import MenuEntry, build_menu, status_text

S, R, T, ST, X, E = (Phase.SETTING_UP, Phase.STARTING, Phase.RUNNING, Phase.TRAINING,
                     Phase.STOPPED, Phase.ERROR)
ALL = (S, R, T, ST, X, E)

# text -> the phases in which the entry is enabled
ENABLED_IN = {
    "Open dashboard": {R, T, ST},
    "Start TensorBoard": {X, E},
    "Stop TensorBoard": {R, T, ST},
    "Restart TensorBoard": {R, T, ST},
    "Models": set(ALL),
    "Auto-open when training starts": set(ALL),
    "Open logs folder": set(ALL),
    "Open launcher log": set(ALL),
    "Quit": set(ALL),
}

ARIA = ModelSummary("Aria", "overtraining since step 7600 (epoch 380)",
                    best_epochs=("e380 (Aria_e380_s7600.pth)", "e370 (Aria_e370_s7400.pth)"),
                    overtraining=True, try_epochs=("380", "370"),
                    evidence="loss/g/total lowest at step 7600, risen 15% since")
BEN = ModelSummary("Ben", "improving")


class RecordingActions:
    """A CoreActions that records each call as (method, args)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def _record(self, name: str, *args: object) -> None:
        self.calls.append((name, args))

    def start_tensorboard(self) -> None:
        self._record("start_tensorboard")

    def stop_tensorboard(self) -> None:
        self._record("stop_tensorboard")

    def restart_tensorboard(self) -> None:
        self._record("restart_tensorboard")

    def open_dashboard(self, model: str | None = None) -> None:
        self._record("open_dashboard", *(() if model is None else (model,)))

    def open_logs_folder(self) -> None:
        self._record("open_logs_folder")

    def open_launcher_log(self) -> None:
        self._record("open_launcher_log")

    def show_weight_file(self, path: Path) -> None:
        self._record("show_weight_file", path)

    def open_report(self, model: str) -> None:
        self._record("open_report", model)

    def set_auto_open(self, enabled: bool) -> None:
        self._record("set_auto_open", enabled)

    def quit(self) -> None:
        self._record("quit")


def entries_by_text(entries: tuple[MenuEntry, ...]) -> dict[str, MenuEntry]:
    return {entry.text: entry for entry in entries if not entry.separator}


def activate(entry: MenuEntry) -> None:
    assert entry.action is not None, f"{entry.text!r} has no action"
    entry.action()


@pytest.mark.parametrize("phase", ALL, ids=lambda p: p.name)
def test_each_entry_is_enabled_only_in_the_phases_that_allow_it(phase: Phase) -> None:
    menu = entries_by_text(build_menu(AppState(phase=phase), RecordingActions()))
    for text, phases in ENABLED_IN.items():
        assert menu[text].enabled == (phase in phases), (text, phase)


@pytest.mark.parametrize("phase", ALL, ids=lambda p: p.name)
def test_status_line_first_disabled_then_a_separator(phase: Phase) -> None:
    state = AppState(phase=phase, message="Installing tensorboard==2.21.0")
    menu = build_menu(state, RecordingActions())
    assert menu[0] == MenuEntry(status_text(state), enabled=False)
    assert menu[0].text.startswith(phase.value.capitalize())
    assert "Installing tensorboard" in menu[0].text
    assert menu[1].separator


def test_status_line_is_short_even_for_long_messages() -> None:
    state = AppState(phase=Phase.ERROR, message="x" * 500)
    assert len(status_text(state)) <= 64
    assert status_text(state).endswith("…")
    assert status_text(AppState(phase=Phase.STOPPED)) == "Stopped"


@pytest.mark.parametrize("auto_open", [True, False])
def test_auto_open_is_a_checked_toggle_that_flips_the_setting(auto_open: bool) -> None:
    actions = RecordingActions()
    menu = entries_by_text(build_menu(AppState(phase=Phase.RUNNING, auto_open=auto_open),
                                      actions))
    toggle = menu["Auto-open when training starts"]
    assert toggle.checked is auto_open
    activate(toggle)
    assert actions.calls == [("set_auto_open", (not auto_open,))]


def test_only_the_toggle_is_checkable_and_open_dashboard_is_the_one_default() -> None:
    menu = build_menu(AppState(phase=Phase.RUNNING, models=(ARIA,)), RecordingActions())
    flat = list(flatten(menu))
    assert [e.text for e in flat if e.checked is not None] == ["Auto-open when training starts"]
    assert [e.text for e in flat if e.default] == ["Open dashboard"]


def flatten(entries: tuple[MenuEntry, ...]):
    for entry in entries:
        yield entry
        yield from flatten(entry.submenu)


@pytest.mark.parametrize(("text", "expected"), [
    ("Open dashboard", ("open_dashboard", ())),
    ("Start TensorBoard", ("start_tensorboard", ())),
    ("Stop TensorBoard", ("stop_tensorboard", ())),
    ("Restart TensorBoard", ("restart_tensorboard", ())),
    ("Open logs folder", ("open_logs_folder", ())),
    ("Open launcher log", ("open_launcher_log", ())),
    ("Quit", ("quit", ())),
])
def test_each_entry_calls_its_core_action(text: str, expected: tuple[str, tuple[object, ...]]
                                          ) -> None:
    actions = RecordingActions()
    activate(entries_by_text(build_menu(AppState(phase=Phase.RUNNING), actions))[text])
    assert actions.calls == [expected]


def test_models_submenu_lists_each_model_with_its_verdict_best_epochs_and_plot() -> None:
    actions = RecordingActions()
    state = AppState(phase=Phase.TRAINING, model="Aria", models=(ARIA, BEN))
    models = entries_by_text(build_menu(state, actions))["Models"]
    assert [e.text for e in models.submenu] == [
        "Aria: try e380, e370 - overtraining since step 7600 (epoch 380)", "Ben: improving"]

    aria = entries_by_text(models.submenu[0].submenu)
    assert list(aria) == ["Try these epochs first:", "e380 (Aria_e380_s7600.pth)",
                          "e370 (Aria_e370_s7400.pth)",
                          "Verdict: overtraining since step 7600 (epoch 380)",
                          "loss/g/total lowest at step 7600, risen 15% since",
                          "Open dashboard for Aria", "Show curve plot"]
    assert not aria["Verdict: overtraining since step 7600 (epoch 380)"].enabled
    assert not aria["e380 (Aria_e380_s7600.pth)"].enabled
    activate(aria["Show curve plot"])
    activate(aria["Open dashboard for Aria"])
    activate(entries_by_text(models.submenu[1].submenu)["Show curve plot"])
    assert actions.calls == [("open_report", ("Aria",)), ("open_dashboard", ("Aria",)),
                             ("open_report", ("Ben",))]

    ben = entries_by_text(models.submenu[1].submenu)
    assert "No saved epochs yet" in ben


def test_model_dashboard_entry_follows_tensorboard_but_the_plot_does_not() -> None:
    state = AppState(phase=Phase.STOPPED, models=(ARIA,))
    aria = entries_by_text(entries_by_text(build_menu(state, RecordingActions()))["Models"]
                           .submenu[0].submenu)
    assert not aria["Open dashboard for Aria"].enabled
    assert aria["Show curve plot"].enabled


def test_models_submenu_says_so_when_there_are_no_runs() -> None:
    models = entries_by_text(build_menu(AppState(), RecordingActions()))["Models"]
    assert [(e.text, e.enabled) for e in models.submenu] == [("No training runs found yet",
                                                              False)]


def test_long_model_names_are_shortened() -> None:
    long = ModelSummary("V" * 200, "improving", best_epochs=("e10 (" + "V" * 200 + ".pth)",))
    models = entries_by_text(build_menu(AppState(models=(long,)), RecordingActions()))["Models"]
    assert all(len(e.text) <= 80 for e in flatten(models.submenu))


def test_menu_is_a_pure_function_of_the_state() -> None:
    state = AppState(phase=Phase.TRAINING, models=(ARIA,))
    actions = RecordingActions()

    def shape(entries: tuple[MenuEntry, ...]) -> list[tuple[object, ...]]:
        return [(e.text, e.enabled, e.checked, e.default, e.separator, len(e.submenu))
                for e in flatten(entries)]

    assert shape(build_menu(state, actions)) == shape(build_menu(state, actions))
    assert actions.calls == []


def test_a_best_epoch_with_a_saved_file_shows_that_file_when_clicked() -> None:
    weights = Path("/rvc/assets/weights")
    aria = ModelSummary("Aria", "plateau",
                        best_epochs=("e380 (Aria_e380_s7600.pth)", "e~12 (step 240)"),
                        best_files=(weights / "Aria_e380_s7600.pth", None))
    actions = RecordingActions()
    models = entries_by_text(build_menu(AppState(models=(aria,)), actions))["Models"]
    entries = entries_by_text(models.submenu[0].submenu)
    saved, unsaved = entries["e380 (Aria_e380_s7600.pth)"], entries["e~12 (step 240)"]
    assert saved.enabled and not unsaved.enabled and unsaved.action is None
    activate(saved)
    assert actions.calls == [("show_weight_file", (weights / "Aria_e380_s7600.pth",))]
