"""The core with everything real (venv, TensorBoard, watcher, advisor); the browser is recorded."""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from launcher.core.app import LauncherCore
from launcher.core.settings import Settings
from launcher.core.state import Phase
from launcher.events.demo import simulate_training
from launcher.rvc.folder import RvcFolder
from launcher.ui.menu import MenuEntry, build_menu
from tests.helpers import all_gone, base_python, wait_until

pytestmark = pytest.mark.slow




# Serving, whether or not a training run was seen (the previous test's run may count as new:
# it was written within the watcher's mtime margin of this core's start).
SERVING = (Phase.RUNNING, Phase.TRAINING)


class Recorder:
    def __init__(self) -> None:
        self.urls: list[str] = []
        self.files: list[Path] = []
        self.notes: list[tuple[str, str]] = []

    def open_url(self, url: str) -> bool:
        self.urls.append(url)
        return True


@pytest.fixture
def core(ready_rvc: RvcFolder) -> Iterator[tuple[LauncherCore, Recorder]]:
    recorder = Recorder()
    settings = Settings(preferred_port=0)
    core = LauncherCore(ready_rvc, settings, base_python=base_python(),
                        open_url=recorder.open_url, open_file=recorder.files.append,
                        advice_delay=0.2)
    core.on_notify(lambda title, message: recorder.notes.append((title, message)))
    core.start()
    try:
        yield core, recorder
    finally:
        core.shutdown()


def tensorboard_tree(core: LauncherCore) -> list[psutil.Process]:
    """Live (non-zombie) TensorBoard processes below this test process."""
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if "tensorboard" in " ".join(process.cmdline()):
                found.append(process)
        except psutil.Error:  # gone, or a zombie waiting to be reaped
            continue
    return found


def test_core_serves_and_opens_dashboard_once(core: tuple[LauncherCore, Recorder]) -> None:
    app, recorder = core
    assert wait_until(lambda: app.state.phase is Phase.RUNNING, 90), app.state
    assert app.state.url and app.state.url.startswith("http://127.0.0.1:")
    assert wait_until(lambda: len(recorder.urls) == 1, 5)
    assert "smoothing=0.987" in recorder.urls[0] and "tagFilter=g%2Ftotal" in recorder.urls[0]
    assert "/data/plugin/rvc/start?" in recorder.urls[0], "the venv has the plugin: its page"
    with urllib.request.urlopen(recorder.urls[0], timeout=10) as response:
        assert response.status == 200
    app.open_dashboard()
    app.open_dashboard()
    assert len(recorder.urls) == 1, "a double click must not open a second tab"
    assert any("ready" in message for _, message in recorder.notes)


def test_training_start_opens_filtered_dashboard(
        core: tuple[LauncherCore, Recorder], ready_rvc: RvcFolder) -> None:
    app, recorder = core
    assert wait_until(lambda: app.state.phase is Phase.RUNNING, 90), app.state
    stop = threading.Event()
    trainer = threading.Thread(target=simulate_training,
                               args=(ready_rvc.root, "Dana", 200, 0.1, stop))
    trainer.start()
    try:
        assert wait_until(lambda: app.state.phase is Phase.TRAINING, 10), app.state
        assert app.state.model == "Dana"
        assert wait_until(lambda: any("runFilter=" in u and "Dana" in u for u in recorder.urls), 5)
    finally:
        stop.set()
        trainer.join()


def test_menu_actions_drive_the_real_core(core: tuple[LauncherCore, Recorder]) -> None:
    app, recorder = core
    assert wait_until(lambda: app.state.phase in SERVING, 90), app.state

    def item(label: str) -> MenuEntry:
        entries = build_menu(app.state, app)
        return next(e for e in entries if e.text.startswith(label))

    first_tree = {p.pid for p in tensorboard_tree(app)}
    assert first_tree
    item("Stop").action()
    assert wait_until(lambda: app.state.phase is Phase.STOPPED, 20), app.state
    assert wait_until(lambda: not tensorboard_tree(app), 10)
    assert item("Start").enabled and not item("Stop").enabled
    item("Start").action()
    assert wait_until(lambda: app.state.phase in SERVING, 60), app.state
    auto = item("Auto-open")
    assert auto.checked is True
    auto.action()
    assert app.state.auto_open is False
    assert Settings.load(app.rvc.paths.settings_file).auto_open is False
    item("Open logs folder").action()
    assert recorder.files[-1] == app.rvc.logs_dir


def test_advisor_reaches_state_and_plot(core: tuple[LauncherCore, Recorder]) -> None:
    app, recorder = core
    assert wait_until(lambda: len(app.state.models) >= 2, 30), app.state
    summaries = {m.model: m for m in app.state.models}
    assert summaries["Aria"].overtraining
    assert not summaries["Ben"].overtraining
    assert any("Aria" in title for title, _ in recorder.notes)
    app.open_report("Aria")
    plot = recorder.files[-1]
    assert plot.suffix == ".png" and plot.stat().st_size > 1000
    assert plot.parent == app.rvc.paths.reports_dir


def test_advice_follows_new_events_without_a_timer(
        core: tuple[LauncherCore, Recorder]) -> None:
    from launcher.events.writer import ScalarEventWriter

    app, _ = core
    assert wait_until(lambda: len(app.state.models) >= 2, 30), app.state
    assert wait_until(lambda: app._watcher.mode is not None, 5)
    assert "Newcomer" not in {m.model for m in app.state.models}
    with ScalarEventWriter(app.rvc.logs_dir / "Newcomer") as writer:
        for step in range(200, 4200, 200):
            writer.add_scalar("loss/g/total", 40.0 - step / 1000, step)
            writer.add_scalar("loss/g/mel", 22.0, step)
        writer.flush()
        assert wait_until(lambda: "Newcomer" in {m.model for m in app.state.models}, 10)


def test_quit_leaves_no_process(ready_rvc: RvcFolder) -> None:
    app = LauncherCore(ready_rvc, Settings(preferred_port=0), base_python=base_python(),
                       open_url=lambda url: True)
    app.start()
    assert wait_until(lambda: app.state.phase in SERVING, 90), app.state
    tree = tensorboard_tree(app)
    assert tree
    app.quit()
    assert app.quit_requested.is_set()
    assert wait_until(lambda: all_gone(p.pid for p in tree), 15)


def test_warm_start_uses_the_built_venv_without_probing_for_python(
        ready_rvc: RvcFolder, monkeypatch: pytest.MonkeyPatch) -> None:
    from launcher.tensorboard.venv import TensorBoardVenv

    built = TensorBoardVenv.already_built(ready_rvc.paths.venv_dir)
    assert built is not None and built.is_ready()

    def no_probe(*args: object, **kwargs: object) -> Path:
        raise AssertionError("a ready venv must not start a base-Python probe")

    monkeypatch.setattr("launcher.tensorboard.interpreter.find_base_interpreter", no_probe)
    core = LauncherCore(ready_rvc, Settings())
    assert core.prepare_venv() == built.python


def test_already_built_refuses_a_venv_without_a_good_marker(tmp_path: Path) -> None:
    from launcher.tensorboard.venv import MARKER_NAME, TensorBoardVenv

    venv_dir = tmp_path / "TensorBoardLauncher" / "venv"
    assert TensorBoardVenv.already_built(venv_dir) is None
    venv_dir.mkdir(parents=True)
    (venv_dir / MARKER_NAME).write_text("{not json")
    assert TensorBoardVenv.already_built(venv_dir) is None
    (venv_dir / MARKER_NAME).write_text('{"base_python": "/nowhere/python", "tensorboard": "x"}')
    assert TensorBoardVenv.already_built(venv_dir) is None


def test_the_port_served_last_time_is_reused_and_a_move_is_announced(
        ready_rvc: RvcFolder) -> None:
    from tests.helpers import held_port

    settings_file = ready_rvc.paths.settings_file
    settings_file.unlink(missing_ok=True)

    def serve(settings: Settings, notes: list[tuple[str, str]]) -> str | None:
        core = LauncherCore(ready_rvc, settings, base_python=base_python(),
                            open_url=lambda url: True)
        core.on_notify(lambda title, message: notes.append((title, message)))
        core.start()
        try:
            assert wait_until(lambda: core.state.phase in SERVING, 90), core.state
            return core.state.url
        finally:
            core.shutdown()

    notes: list[tuple[str, str]] = []
    first_url = serve(Settings(preferred_port=0), notes)
    port = Settings.load(settings_file).last_port
    assert port is not None and first_url == f"http://127.0.0.1:{port}/"
    assert serve(Settings.load(settings_file), notes) == first_url, "the same port again"
    assert not [title for title, _ in notes if "port" in title]

    with held_port() as taken:
        settings = Settings.load(settings_file)
        settings.last_port = taken
        moved_url = serve(settings, notes)
    served = Settings.load(settings_file).last_port
    assert served not in (None, taken) and moved_url == f"http://127.0.0.1:{served}/"
    moves = [message for title, message in notes if title == "TensorBoard moved to another port"]
    assert len(moves) == 1
    assert f"Port {taken}, used last time, is taken" in moves[0] and f"port {served}" in moves[0]


def test_settings_keep_a_valid_last_port_only(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    for stored, loaded in ((6012, 6012), (None, None), ("6012", None), (True, None), (70000, None)):
        path.write_text(json.dumps({"last_port": stored}))
        assert Settings.load(path).last_port == loaded


def test_a_venv_from_before_the_plugin_is_upgraded_on_the_next_start(
        ready_rvc: RvcFolder, monkeypatch: pytest.MonkeyPatch) -> None:
    from launcher.tensorboard.venv import TensorBoardVenv

    venv = TensorBoardVenv.already_built(ready_rvc.paths.venv_dir)
    assert venv is not None
    subprocess.run([str(venv.python), "-m", "pip", "uninstall", "--yes", "--quiet",
                    "rvc_tensorboard_plugin"], check=True, timeout=120, capture_output=True)
    marker = json.loads(venv.marker_file.read_text())
    del marker["plugin"]  # as a launcher from before the plugin left it
    venv.marker_file.write_text(json.dumps(marker))

    def no_probe(*args: object, **kwargs: object) -> Path:
        raise AssertionError("TensorBoard is there: no base-Python probe, no rebuild")

    monkeypatch.setattr("launcher.tensorboard.interpreter.find_base_interpreter", no_probe)
    core = LauncherCore(ready_rvc, Settings())
    notes: list[tuple[str, str]] = []
    messages: list[str] = []
    core.on_notify(lambda title, message: notes.append((title, message)))
    core.subscribe(lambda state: messages.append(state.message))
    assert core.prepare_venv() == venv.python
    assert notes == [], "no 'this takes a minute' for a one-second update"
    assert messages[:2] == ["Updating the launcher's TensorBoard plugin",
                            "Installing the launcher's TensorBoard plugin…"]
    assert venv.is_ready()
    version = subprocess.run(
        [str(venv.python), "-c", "import importlib.metadata as m; "
         "print(m.version('rvc_tensorboard_plugin'))"],
        capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    assert version == venv.plugin_version
