"""The TensorBoard venv: a real build from the lock, then repairs of the ways it breaks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from launcher.tensorboard.venv import MARKER_NAME, TensorBoardVenv
from launcher.util.errors import SetupError
from tests.helpers import under_wine, wait_until

TENSORBOARD_VERSION = "2.21.0"
BASE_PYTHON = Path(sys.executable)

pytestmark = pytest.mark.slow

# Under Wine each install takes a minute or two: the lane keeps the build, the fast path, the
# failures and pip killed mid-install, and leaves these repairs (the same code on every OS)
# to the Linux suite, to stay within its 20 minutes.
linux_covers_it = pytest.mark.skipif(under_wine(), reason="the same repair on every OS; "
                                     "a full reinstall under Wine costs minutes (Linux runs it)")


def site_packages(venv: TensorBoardVenv) -> Path:
    if os.name == "nt":
        return venv.venv_dir / "Lib" / "site-packages"
    return next(venv.venv_dir.glob("lib/python*/site-packages"))


def tensorboard_version_from(venv: TensorBoardVenv) -> str:
    done = subprocess.run([str(venv.python), "-m", "tensorboard.main", "--version_tb"],
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[TensorBoardVenv, list[str]]:
    """One real build in a launcher folder, shared by the read-only tests."""
    venv_dir = tmp_path_factory.mktemp("rvc") / "TensorBoardLauncher" / "venv"
    venv = TensorBoardVenv(venv_dir, BASE_PYTHON)
    lines: list[str] = []
    assert venv.ensure(lines.append) == venv.python
    return venv, lines


@pytest.fixture
def copied(built: tuple[TensorBoardVenv, list[str]], tmp_path: Path) -> TensorBoardVenv:
    """A private copy of the built venv for tests that break it."""
    target = tmp_path / "TensorBoardLauncher" / "venv"
    shutil.copytree(built[0].venv_dir, target, symlinks=True)
    venv = TensorBoardVenv(target, BASE_PYTHON)
    assert venv.is_ready()
    return venv


def test_build_installs_the_pinned_tensorboard(built: tuple[TensorBoardVenv, list[str]]) -> None:
    venv, lines = built
    expected = ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    assert venv.python == venv.venv_dir / expected
    assert tensorboard_version_from(venv) == TENSORBOARD_VERSION
    assert lines[:2] == ["Creating the TensorBoard environment…",
                         f"Installing TensorBoard {TENSORBOARD_VERSION}…"]
    assert any(line.startswith("Successfully installed") and "tensorboard-2.21.0" in line
               for line in lines), "pip's own output is streamed"
    assert lines[-1] == f"TensorBoard {TENSORBOARD_VERSION} is ready"
    marker = json.loads((venv.venv_dir / MARKER_NAME).read_text())
    assert marker["tensorboard"] == TENSORBOARD_VERSION
    assert marker["base_python"] == str(BASE_PYTHON)
    assert marker["lock_sha256"] == venv.lock_sha256
    assert marker["base_version"].startswith(f"{sys.version_info[0]}.{sys.version_info[1]}.")
    assert not list(venv.venv_dir.glob("bin/activate*")), "no activation scripts"


def test_second_ensure_is_fast_and_runs_nothing(
        built: tuple[TensorBoardVenv, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    venv = TensorBoardVenv(built[0].venv_dir, BASE_PYTHON)
    marker_before = venv.marker_file.stat().st_mtime_ns

    def no_subprocess(*args: object, **kwargs: object) -> None:
        raise AssertionError("a ready venv must not start a process")

    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    started = time.perf_counter()
    assert venv.is_ready()
    lines: list[str] = []
    assert venv.ensure(lines.append) == venv.python
    elapsed = time.perf_counter() - started
    print(f"is_ready + ensure on a ready venv: {elapsed * 1000:.2f} ms")
    assert lines == [f"TensorBoard {TENSORBOARD_VERSION} is ready"]
    assert venv.marker_file.stat().st_mtime_ns == marker_before


def test_other_base_or_lock_is_not_ready(built: tuple[TensorBoardVenv, list[str]],
                                         tmp_path: Path) -> None:
    venv_dir = built[0].venv_dir
    assert not TensorBoardVenv(venv_dir, Path("/usr/bin/python3.99")).is_ready()
    changed_lock = tmp_path / "lock.txt"
    changed_lock.write_text(built[0].requirements.read_text() + "\n# changed\n")
    assert not TensorBoardVenv(venv_dir, BASE_PYTHON, requirements=changed_lock).is_ready()


@linux_covers_it
def test_missing_python_is_rebuilt(copied: TensorBoardVenv) -> None:
    copied.python.unlink()
    assert not copied.is_ready()
    copied.ensure()
    assert copied.is_ready()
    assert tensorboard_version_from(copied) == TENSORBOARD_VERSION


@linux_covers_it
def test_corrupt_marker_is_rebuilt(copied: TensorBoardVenv) -> None:
    copied.marker_file.write_text('{"tensorboard": "2.21')
    shutil.rmtree(site_packages(copied) / "tensorboard")
    assert not copied.is_ready()
    copied.ensure()
    assert copied.is_ready()
    assert tensorboard_version_from(copied) == TENSORBOARD_VERSION


def test_pip_killed_mid_install_leaves_no_marker_and_the_rerun_repairs(tmp_path: Path) -> None:
    venv = TensorBoardVenv(tmp_path / "TensorBoardLauncher" / "venv", BASE_PYTHON)
    installing = threading.Event()
    outcome: list[BaseException] = []

    def watch(line: str) -> None:
        if line.startswith(("Collecting", "Processing", "Downloading", "Using cached")):
            installing.set()

    def run() -> None:
        try:
            venv.ensure(watch)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert installing.wait(120), "pip never started installing"

    def pip_child() -> psutil.Process | None:
        return next((child for child in psutil.Process().children(recursive=True)
                     if "pip" in child.cmdline()), None)

    assert wait_until(pip_child, 30)
    pip = pip_child()
    assert pip is not None
    pip.kill()
    worker.join(60)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], SetupError)
    assert f"Installing TensorBoard {TENSORBOARD_VERSION} failed" in str(outcome[0])
    if os.name != "nt":  # Windows has no signals: TerminateProcess sets an ordinary exit code
        assert "pip crashed (killed by signal SIGKILL" in str(outcome[0])
        assert "internet" not in str(outcome[0])
    assert not venv.marker_file.exists()
    assert not venv.is_ready()

    venv.ensure()
    assert venv.is_ready()
    assert tensorboard_version_from(venv) == TENSORBOARD_VERSION


def test_pip_failure_quotes_pip_and_leaves_no_marker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # offline and fast: only the empty folder below
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "no-wheels"))
    lock = tmp_path / "lock.txt"
    lock.write_text("tensorboard==0.0.0 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    venv = TensorBoardVenv(tmp_path / "TensorBoardLauncher" / "venv", BASE_PYTHON,
                           requirements=lock)
    with pytest.raises(SetupError) as caught:
        venv.ensure()
    message = str(caught.value)
    assert message.startswith("Installing TensorBoard 0.0.0 failed (pip exit code 1); check the "
                              "internet connection")
    assert "No matching distribution found for tensorboard==0.0.0" in message
    assert venv.python.is_file() and not venv.marker_file.exists()


def test_a_folder_not_made_by_the_launcher_is_never_deleted(tmp_path: Path) -> None:
    foreign = tmp_path / "venv"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    with pytest.raises(SetupError, match="was not made by the launcher"):
        TensorBoardVenv(foreign, BASE_PYTHON).ensure()
    assert (foreign / "precious.txt").read_text() == "keep me"


@linux_covers_it
def test_launcher_killed_while_virtualenv_creates_the_venv_is_repaired(tmp_path: Path) -> None:
    venv_dir = tmp_path / "TensorBoardLauncher" / "venv"
    script = ("import sys; from pathlib import Path; "
              "from launcher.tensorboard.venv import TensorBoardVenv; "
              "TensorBoardVenv(Path(sys.argv[1]), Path(sys.argv[2])).ensure()")
    child = subprocess.Popen([sys.executable, "-c", script, str(venv_dir), str(BASE_PYTHON)])
    try:
        assert wait_until(lambda: (venv_dir / "lib").exists() or (venv_dir / "Lib").exists(), 60)
    finally:
        child.kill()
        child.wait()
    venv = TensorBoardVenv(venv_dir, BASE_PYTHON)
    assert not venv.is_ready()
    venv.ensure()
    assert venv.is_ready()
    assert tensorboard_version_from(venv) == TENSORBOARD_VERSION


@linux_covers_it
def test_leftover_of_an_interrupted_rebuild_is_rebuilt(tmp_path: Path) -> None:
    """A rebuild killed mid-delete leaves a venv folder with neither tag nor marker."""
    venv_dir = tmp_path / "TensorBoardLauncher" / "venv"
    for part in ("bin", "include", "lib/python3.11/site-packages"):
        (venv_dir / part).mkdir(parents=True)
    venv = TensorBoardVenv(venv_dir, BASE_PYTHON)
    venv.ensure()
    assert venv.is_ready()
    assert tensorboard_version_from(venv) == TENSORBOARD_VERSION


PLUGIN_PROBE = ("import importlib.metadata as m, sys; "
                "[entry] = m.entry_points(group='tensorboard_plugins', name='rvc'); "
                "plugin = entry.load(); "
                "print(m.version('rvc_tensorboard_plugin'), plugin.plugin_name)")


def installed_plugin(venv: TensorBoardVenv) -> str:
    done = subprocess.run([str(venv.python), "-I", "-c", PLUGIN_PROBE], capture_output=True,
                          text=True, timeout=120)
    return done.stdout.strip() if done.returncode == 0 else f"failed: {done.stderr.strip()}"


def test_build_installs_the_launchers_plugin(built: tuple[TensorBoardVenv, list[str]]) -> None:
    venv, lines = built
    assert "Installing the launcher's TensorBoard plugin…" in lines
    assert installed_plugin(venv) == f"{venv.plugin_version} rvc"
    assert json.loads(venv.marker_file.read_text())["plugin"] == venv.plugin_version


def test_a_venv_from_before_the_plugin_gets_it_without_reinstalling_tensorboard(
        copied: TensorBoardVenv) -> None:
    subprocess.run([str(copied.python), "-m", "pip", "uninstall", "--yes", "--quiet",
                    "rvc_tensorboard_plugin"], check=True, timeout=120, capture_output=True)
    marker = json.loads(copied.marker_file.read_text())
    del marker["plugin"]  # what a launcher from before the plugin wrote
    copied.marker_file.write_text(json.dumps(marker))
    assert installed_plugin(copied).startswith("failed")
    site = next(path for pattern in ("lib/python*/site-packages", "Lib/site-packages")
                for path in copied.venv_dir.glob(pattern))
    tensorboard_file = site / "tensorboard" / "version.py"
    before = tensorboard_file.stat()

    upgraded = TensorBoardVenv.already_built(copied.venv_dir)
    assert upgraded is not None and not upgraded.is_ready()
    lines: list[str] = []
    upgraded.ensure(lines.append)
    assert lines == ["Installing the launcher's TensorBoard plugin…",
                     f"TensorBoard {TENSORBOARD_VERSION} is ready"]
    assert upgraded.is_ready()
    assert installed_plugin(upgraded) == f"{upgraded.plugin_version} rvc"
    after = tensorboard_file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert json.loads(copied.marker_file.read_text())["base_version"] == marker["base_version"]


def test_an_older_plugin_is_replaced(copied: TensorBoardVenv) -> None:
    marker = json.loads(copied.marker_file.read_text())
    marker["plugin"] = "0.9.0+000000000000"
    copied.marker_file.write_text(json.dumps(marker))
    assert not copied.is_ready() and copied.tensorboard_ready()
    copied.ensure()
    assert copied.is_ready()
    assert installed_plugin(copied) == f"{copied.plugin_version} rvc"


def test_a_plugin_that_fails_to_install_leaves_tensorboard_working_and_is_retried(
        copied: TensorBoardVenv, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    marker = json.loads(copied.marker_file.read_text())
    del marker["plugin"]
    copied.marker_file.write_text(json.dumps(marker))

    def broken_wheel(target_dir: Path) -> Path:
        target_dir.mkdir(parents=True, exist_ok=True)
        wheel = target_dir / "rvc_tensorboard_plugin-1.0.0-py3-none-any.whl"
        wheel.write_bytes(b"not a zip")
        return wheel

    monkeypatch.setattr("launcher.tensorboard.pluginwheel.build_wheel", broken_wheel)
    with caplog.at_level("WARNING"):
        assert copied.ensure() == copied.python
    assert "Installing the launcher's TensorBoard plugin failed (pip exit code 1" in caplog.text
    assert copied.tensorboard_ready() and not copied.is_ready(), "tried again next start"
    assert tensorboard_version_from(copied) == TENSORBOARD_VERSION
    monkeypatch.undo()
    copied.ensure()
    assert copied.is_ready()
