"""The one-file binary built by scripts/build, run for real on a demo RVC folder.

One build per session. The binary sets up its venv with the machine's real Python (never
itself), serves TensorBoard headless, and on SIGTERM stops it and exits 0 leaving no process.
Its size and start times go to artifacts/frozen-metrics.json for the benchmark.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import psutil
import pytest

from launcher import __version__
from launcher.events.demo import create_demo_rvc
from launcher.rvc.paths import LauncherPaths
from launcher.tensorboard.pluginwheel import plugin_version


def frozen(test: Callable) -> Callable:
    """Builds and runs the binary: slow, and on Windows the windowed exe has no console."""
    for mark in (pytest.mark.frozen, pytest.mark.timeout(900),
                 pytest.mark.skipif(sys.platform == "win32",
                                    reason="the windowed exe has no console; windows.yml "
                                           "smoke-tests it")):
        test = mark(test)
    return test


REPO = Path(__file__).resolve().parent.parent
METRICS_FILE = REPO / "artifacts" / "frozen-metrics.json"
READY_PATTERN = re.compile(r"http://127\.0\.0\.1:(\d+)/")


def load_module(path: Path, name: str) -> ModuleType:
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


build_script = load_module(REPO / "scripts" / "build", "launcher_build_script")
version_info = load_module(REPO / "build" / "version_info.py", "launcher_version_info")


def real_python() -> Path:
    """The machine's interpreter behind the dev venv: what a user's RVC runtime would be."""
    return Path(getattr(sys, "_base_executable", sys.executable)).resolve()


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def record_metrics(**values: float | int | str) -> None:
    METRICS_FILE.parent.mkdir(parents=True, exist_ok=True)
    metrics = json.loads(METRICS_FILE.read_text()) if METRICS_FILE.exists() else {}
    metrics.update(values)
    METRICS_FILE.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@dataclass
class RunningBinary:
    """The binary with its merged output read line by line on a thread."""

    process: subprocess.Popen[str]
    started: float
    lines: list[str] = field(default_factory=list)
    url: str | None = None
    ready_at: float | None = None

    @classmethod
    def start(cls, command: list[str]) -> RunningBinary:
        started = time.monotonic()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                                   errors="replace")
        running = cls(process, started)
        threading.Thread(target=running._read, daemon=True).start()
        return running

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            match = READY_PATTERN.search(line)
            if match and self.url is None:
                self.ready_at = time.monotonic()
                self.url = match.group(0)

    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> None:
        """Last resort for a failed test: kill the whole tree."""
        try:
            tree = [psutil.Process(self.process.pid),
                    *psutil.Process(self.process.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for proc in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def frozen_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pyinstaller")
    started = time.monotonic()
    binary = build_script.build(dist_dir=out / "dist", work_dir=out / "work",
                                log_file=out / "build.log")
    record_metrics(binary_bytes=binary.stat().st_size, build_seconds=round(
        time.monotonic() - started, 1), platform=sys.platform, version=__version__)
    return binary


@pytest.fixture(scope="module")
def prepared_rvc(frozen_binary: Path, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tuple[Path, subprocess.CompletedProcess[str], float]]:
    """A demo RVC folder whose venv the binary itself set up (cold: a fresh venv)."""
    root = create_demo_rvc(tmp_path_factory.mktemp("frozen-rvc") / "RVC")
    started = time.monotonic()
    result = subprocess.run([str(frozen_binary), "setup", "--rvc-dir", str(root),
                             "--python", str(real_python())], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=600)
    yield root, result, time.monotonic() - started


# ---- the build's pure parts (fast, every OS) ---------------------------------------------

@pytest.mark.parametrize(("version", "numbers"), [
    ("0.1.0", (0, 1, 0, 0)), ("1.2.3.4", (1, 2, 3, 4)), ("2.0rc1", (2, 0, 0, 0)),
    ("1.4.0+local", (1, 4, 0, 0)), ("3", (3, 0, 0, 0))])
def test_version_resource_numbers(version: str, numbers: tuple[int, ...]) -> None:
    assert version_info.version_tuple(version) == numbers


def test_version_resource_text_is_the_structure_pyinstaller_reads() -> None:
    # PyInstaller eval()s this text with its versioninfo classes; stand-ins record the arguments.
    def record(kind: str) -> Callable[..., dict]:
        return lambda *args, **kwargs: {"kind": kind, "args": args, **kwargs}

    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct",
             "VarFileInfo", "VarStruct")
    text = version_info.version_info_text(__version__, build_script.EXE_NAME)
    info = eval(text, {name: record(name) for name in names})
    assert info["ffi"]["filevers"] == version_info.version_tuple(__version__)
    strings = {s["args"][0]: s["args"][1] for s in info["kids"][0]["args"][0][0]["args"][1]}
    assert strings["ProductVersion"] == __version__
    assert strings["OriginalFilename"] == "RVCTensorBoardLauncher.exe"


def test_pyinstaller_output_stays_out_of_the_tracked_build_folder(tmp_path: Path) -> None:
    assert REPO / "build" not in (build_script.DEFAULT_WORK, build_script.DEFAULT_DIST)
    assert REPO / "build" not in build_script.DEFAULT_WORK.parents
    command = build_script.pyinstaller_command(tmp_path / "work", tmp_path / "dist",
                                               tmp_path / "x.ico", tmp_path / "v.txt")
    assert command[command.index("--workpath") + 1] == str(tmp_path / "work")
    assert command[command.index("--distpath") + 1] == str(tmp_path / "dist")
    spec_args = command[command.index("--") + 1:]
    assert spec_args[spec_args.index("--icon") + 1] == str(tmp_path / "x.ico")


def test_artefact_name_per_os(tmp_path: Path) -> None:
    assert build_script.artefact_path(tmp_path, windows=True).name == "RVCTensorBoardLauncher.exe"
    assert build_script.artefact_path(tmp_path, windows=False).name == "RVCTensorBoardLauncher"


# ---- the binary, built once per session ---------------------------------------------------

@frozen
def test_binary_reports_its_version_quickly(frozen_binary: Path) -> None:
    started = time.monotonic()
    result = subprocess.run([str(frozen_binary), "--version"], capture_output=True, text=True,
                            timeout=60)
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert __version__ in result.stdout
    record_metrics(version_seconds=round(seconds, 2))


@frozen
def test_binary_carries_the_catalogs(frozen_binary: Path, tmp_path: Path) -> None:
    """The compiled catalogs are inside the one-file binary: its report speaks Japanese."""
    root = create_demo_rvc(tmp_path / "RVC")
    result = subprocess.run([str(frozen_binary), "report", "--rvc-dir", str(root), "--lang",
                             "ja"], capture_output=True, text=True, encoding="utf-8",
                            timeout=60)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("Aria: まずエポック") and "過学習" in text, text


@frozen
def test_binary_sets_up_the_venv_with_the_given_python(
        prepared_rvc: tuple[Path, subprocess.CompletedProcess[str], float]) -> None:
    root, result, seconds = prepared_rvc
    assert result.returncode == 0, result.stdout + result.stderr
    venv_python = LauncherPaths(root).venv_python
    check = subprocess.run([str(venv_python), "-c",
                            "import sys, tensorboard, importlib.metadata as m; "
                            "print(sys._base_executable); print(tensorboard.__version__); "
                            "print(m.version('rvc_tensorboard_plugin'))"],
                           capture_output=True, text=True, timeout=60, check=True)
    base, version, plugin = check.stdout.split()
    assert Path(base).resolve() == real_python()  # the real interpreter, never the binary
    assert version == "2.21.0"
    assert plugin == plugin_version(), "the plugin's source travels in the binary as data"
    assert LauncherPaths(root).log_file.is_file()  # logs in the launcher's own folder
    record_metrics(setup_seconds=round(seconds, 1))


def start_headless(frozen_binary: Path, root: Path) -> RunningBinary:
    return RunningBinary.start([str(frozen_binary), "--rvc-dir", str(root), "--no-tray",
                                "--no-browser", "--python", str(real_python())])


def wait_serving(running: RunningBinary) -> None:
    assert wait_until(lambda: running.url is not None or running.process.poll() is not None,
                      timeout=120), running.output()
    assert running.url is not None, f"exited {running.process.poll()}:\n{running.output()}"


def process_tree(running: RunningBinary) -> list[int]:
    tree = [running.process.pid,
            *(p.pid for p in psutil.Process(running.process.pid).children(recursive=True))]
    assert len(tree) >= 3, "expected the bootloader, the app and TensorBoard"
    return tree


@frozen
def test_binary_serves_tensorboard_and_stops_cleanly_on_sigterm(
        frozen_binary: Path,
        prepared_rvc: tuple[Path, subprocess.CompletedProcess[str], float]) -> None:
    root, setup_result, _ = prepared_rvc
    assert setup_result.returncode == 0, setup_result.stdout + setup_result.stderr
    running = start_headless(frozen_binary, root)
    try:
        wait_serving(running)
        assert running.ready_at is not None
        with urllib.request.urlopen(f"{running.url}data/logdir", timeout=10) as response:
            assert response.status == 200
            assert Path(json.load(response)["logdir"]).resolve() == (root / "logs").resolve()
        with urllib.request.urlopen(f"{running.url}data/plugins_listing", timeout=10) as response:
            assert json.load(response)["rvc"]["enabled"] is True
        assert "data/plugin/rvc/start?" in running.output(), "the dashboard goes through it"

        tree = process_tree(running)
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=15) == 0, running.output()
        assert wait_until(lambda: not any(alive(pid) for pid in tree), timeout=5), (
            [pid for pid in tree if alive(pid)])
    finally:
        if running.process.poll() is None:
            running.stop()
    record_metrics(ready_seconds=round(running.ready_at - running.started, 2))


@frozen
def test_a_hard_kill_of_the_bootloader_takes_the_app_and_tensorboard_down(
        frozen_binary: Path,
        prepared_rvc: tuple[Path, subprocess.CompletedProcess[str], float]) -> None:
    root, setup_result, _ = prepared_rvc
    assert setup_result.returncode == 0, setup_result.stdout + setup_result.stderr
    running = start_headless(frozen_binary, root)
    try:
        wait_serving(running)
        tree = process_tree(running)
        running.process.kill()  # SIGKILL of the process the user started: the bootloader
        running.process.wait(timeout=10)
        assert wait_until(lambda: not any(alive(pid) for pid in tree), timeout=20), (
            [pid for pid in tree if alive(pid)], running.output())
    finally:
        for pid in tree if "tree" in locals() else []:
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(pid).kill()


@frozen
def test_binary_refuses_itself_as_the_python(frozen_binary: Path, tmp_path: Path) -> None:
    root = create_demo_rvc(tmp_path / "RVC")
    result = subprocess.run([str(frozen_binary), "setup", "--rvc-dir", str(root),
                             "--python", str(frozen_binary)], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode in (1, 2), result.stdout + result.stderr
    message = result.stderr.strip()
    assert message, "expected an explanation on stderr"
    assert str(frozen_binary) in message or frozen_binary.name in message, message
    assert not LauncherPaths(root).venv_python.exists()
    # Nothing may have relaunched the binary in the background (a detached copy is re-parented,
    # so look for any process running it).
    assert not wait_until(lambda: bool(processes_running(frozen_binary)), timeout=2)


def processes_running(binary: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["exe", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["exe"] == str(binary) or (cmdline and cmdline[0] == str(binary)):
            found.append(proc)
    return found


# ---- started in the wrong place (issue 17) ------------------------------------------------

def folder_tree(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


def copy_binary(frozen_binary: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / frozen_binary.name
    shutil.copy2(frozen_binary, exe)
    return exe


@frozen
def test_binary_started_from_a_temporary_folder_says_extract_the_zip(
        frozen_binary: Path, tmp_path: Path) -> None:
    # tmp_path is under the system temp folder, where a zip viewer extracts what it opens.
    exe = copy_binary(frozen_binary, tmp_path / "Temp1_RVCTensorBoardLauncher.zip")
    before = folder_tree(tmp_path)
    result = subprocess.run([str(exe)], stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Extract the zip first, then move the exe into your RVC folder" in result.stderr
    assert str(exe.parent) in result.stderr
    assert folder_tree(tmp_path) == before
    # Given a folder explicitly, the same exe works from there.
    rvc = create_demo_rvc(tmp_path / "RVC")
    report = subprocess.run([str(exe), "report", "--rvc-dir", str(rvc)], capture_output=True,
                            stdin=subprocess.DEVNULL, text=True, timeout=60)
    assert report.returncode == 0, report.stderr
    assert "Aria" in report.stdout


@frozen
def test_binary_in_a_folder_that_is_not_rvc_says_so_and_creates_nothing(
        frozen_binary: Path, tmp_path: Path) -> None:
    exe = copy_binary(frozen_binary, tmp_path / "Downloads")
    system_temp = tmp_path / "system-temp"  # so Downloads is not under the temp folder
    system_temp.mkdir()
    before = folder_tree(exe.parent)
    result = subprocess.run([str(exe)], stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=60, cwd=tmp_path,
                            env={**os.environ, "TMPDIR": str(system_temp)})
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"{exe.parent} is not an RVC folder"), result.stderr
    assert "move the launcher into your RVC folder" in result.stderr
    assert folder_tree(exe.parent) == before


@frozen
def test_binary_copies_itself_into_the_picked_rvc_folder_and_starts_there(
        frozen_binary: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from launcher.ui.relocate import choose_rvc_folder_and_move

    exe = copy_binary(frozen_binary, tmp_path / "Downloads")
    rvc = create_demo_rvc(tmp_path / "RVC")
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(system_temp))  # the started copy's temp folder
    answers = iter([True])
    code = choose_rvc_folder_and_move(
        "not an RVC folder", ["setup", "--python", str(tmp_path / "nopython")],
        ask=lambda _text: next(answers), pick=lambda: str(rvc), alert=pytest.fail,
        frozen=True, executable=exe)
    assert code == 0
    copy = rvc / exe.name
    assert copy.read_bytes() == exe.read_bytes() and os.access(copy, os.X_OK)
    log_file = LauncherPaths(rvc).log_file
    # With no --rvc-dir the copy takes its own folder as the RVC folder.
    assert wait_until(lambda: log_file.is_file() and f"in {rvc} (RVC WebUI)"
                      in log_file.read_text(), timeout=60), "the copy never started"
    # It ends by itself on the missing --python (a zombie until this process reaps it).
    assert wait_until(lambda: not any(alive(p.pid) for p in processes_running(copy)), timeout=30)
