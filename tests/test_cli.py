"""The command line as a user runs it: real processes, real venv, real TensorBoard."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest

from launcher.rvc.paths import LAUNCHER_DIR_NAME
from tests.helpers import (
    OWN_GROUP,
    all_gone,
    lines_until,
    start_headless_launcher,
    stop_gently,
    wait_until,
)

REPO = Path(__file__).resolve().parent.parent
BASE_PYTHON = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
URL = re.compile(r"http://127\.0\.0\.1:\d+/")


def launcher(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "launcher", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300)


def test_bad_path_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    rvc = tmp_path / "My RVC (new)"
    rvc.mkdir()
    (rvc / "go-web.bat").write_text("")
    result = launcher("setup", "--rvc-dir", str(rvc))
    assert result.returncode == 2
    assert "space" in result.stderr.lower()
    assert "(" in result.stderr and ")" in result.stderr
    assert list(rvc.iterdir()) == [rvc / "go-web.bat"]


def test_missing_folder_is_named(tmp_path: Path) -> None:
    result = launcher("--no-tray", "--rvc-dir", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "nowhere" in result.stderr


def tree(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


@pytest.mark.parametrize("command", ["run", "setup", "report"])
def test_a_folder_that_is_not_an_rvc_folder_is_refused_and_left_alone(
        tmp_path: Path, command: str) -> None:
    downloads = tmp_path / "Downloads"
    (downloads / "logs" / "2026-11-30").mkdir(parents=True)  # some other app's logs
    (downloads / "setup.exe").write_text("")
    before = tree(downloads)
    result = launcher(command, "--no-tray", "--no-browser", cwd=downloads)
    assert result.returncode == 2, result.stdout + result.stderr
    message = result.stderr.strip()
    assert message.startswith(f"{downloads} is not an RVC folder"), message
    assert "infer-web.py" in message and f"logs{os.sep} folder with trained models" in message
    assert "--rvc-dir" in message
    assert tree(downloads) == before


def test_an_explicit_folder_without_markers_or_logs_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = launcher("setup", "--rvc-dir", str(empty))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{empty} is not an RVC folder")
    assert "pass --rvc-dir with your RVC folder" in result.stderr
    assert tree(empty) == []


def test_an_explicit_custom_install_with_logs_is_used_with_a_warning(tmp_path: Path) -> None:
    custom = tmp_path / "my-rvc"
    (custom / "logs").mkdir(parents=True)
    # Past the folder check, setup fails only on the Python given: no venv is built here (the
    # venv does not depend on markers; tests/tensorboard builds real ones).
    result = launcher("setup", "--rvc-dir", str(custom), "--python", str(tmp_path / "nopython"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "custom RVC install" in result.stderr and "nopython" in result.stderr
    log_text = (custom / LAUNCHER_DIR_NAME / "launcher.log").read_text()
    assert re.search(r"WARNING .*my-rvc has a logs[/\\] folder but none of the known RVC files",
                     log_text)


def test_a_trained_custom_install_is_an_rvc_folder_without_rvc_dir(tmp_path: Path) -> None:
    custom = tmp_path / "my-rvc"
    (custom / "logs" / "Aria").mkdir(parents=True)
    (custom / "logs" / "Aria" / "config.json").write_text("{}")
    result = launcher("report", cwd=custom)
    assert result.returncode == 0, result.stderr
    assert "Aria" in result.stdout


def test_report_table_and_json(demo_rvc: Path) -> None:
    table = launcher("report", "--rvc-dir", str(demo_rvc))
    assert table.returncode == 0, table.stderr
    assert re.search(r"Aria.*overtraining", table.stdout)
    assert re.search(r"Ben.*improving", table.stdout)
    as_json = launcher("report", "--rvc-dir", str(demo_rvc), "--model", "Aria", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert "Aria" in as_json.stdout and "overtraining" in as_json.stdout
    json.loads(as_json.stdout)
    unknown = launcher("report", "--rvc-dir", str(demo_rvc), "--model", "Nobody")
    assert unknown.returncode == 2 and "Aria" in unknown.stderr
    assert not (demo_rvc / LAUNCHER_DIR_NAME / "venv").exists(), "report needs no venv"


@pytest.mark.slow
def test_headless_run_serves_single_instance_and_stops_cleanly(demo_rvc: Path) -> None:
    proc = start_headless_launcher("--rvc-dir", str(demo_rvc), "--python", str(BASE_PYTHON))
    try:
        lines = lines_until(proc, "Dashboard:")
        dashboard = next((ln for ln in lines if ln.startswith("Dashboard:")), "")
        match = URL.search(dashboard)
        assert match, "".join(lines)
        with urllib.request.urlopen(match.group(0) + "data/logdir", timeout=5) as response:
            assert response.status == 200
        assert "smoothing=0.987" in dashboard
        tree = psutil.Process(proc.pid).children(recursive=True)
        assert tree

        second = launcher("--rvc-dir", str(demo_rvc), "--no-tray", "--no-browser")
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout

        stop_gently(proc)
        assert proc.wait(timeout=20) == 0
        assert wait_until(lambda: all_gone(p.pid for p in tree), 10)
        log_text = (demo_rvc / LAUNCHER_DIR_NAME / "launcher.log").read_text()
        assert "open" in log_text.lower()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def pip_processes(root_pid: int) -> list[psutil.Process]:
    found = []
    for process in psutil.Process(root_pid).children(recursive=True):
        try:
            if "pip" in process.cmdline():
                found.append(process)
        except (psutil.Error, OSError):  # under Wine some cmdlines raise PermissionError
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_launcher_stopped_during_pip_install_leaves_no_pip_and_next_run_repairs(
        demo_rvc: Path, how: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "launcher", "--rvc-dir", str(demo_rvc), "--no-tray",
         "--no-browser", "--python", str(BASE_PYTHON)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, creationflags=OWN_GROUP)
    try:
        assert wait_until(lambda: pip_processes(proc.pid), 120), "pip never started"
        pips = [p.pid for p in pip_processes(proc.pid)]
        if how == "SIGKILL":
            proc.kill()  # SIGKILL, or TerminateProcess on Windows
        else:
            stop_gently(proc)
        proc.wait(timeout=20)
        assert wait_until(lambda: all_gone(pips), 3), "pip outlived the launcher"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    rerun = launcher("setup", "--rvc-dir", str(demo_rvc), "--python", str(BASE_PYTHON))
    assert rerun.returncode == 0, rerun.stderr
    assert "TensorBoard environment ready" in rerun.stdout


def test_lang_is_read_before_parsing() -> None:
    from launcher.cli import lang_option

    assert lang_option(["report", "--lang", "ja", "--json"]) == "ja"
    assert lang_option(["--lang=pt_BR"]) == "pt_BR"
    assert lang_option(["--lang"]) is None
    assert lang_option(["--", "--lang", "es"]) is None
    assert lang_option(["--no-tray"]) is None


@pytest.mark.parametrize(("language", "words"), [
    ("es", ["uso: rvc-tensorboard-launcher", "argumentos posicionales:", "opciones:",
            "muestra este mensaje de ayuda y sale", "un TensorBoard preconfigurado",
            "muestra el número de versión del programa y sale"]),
    ("ja", ["使い方: rvc-tensorboard-launcher", "位置引数:", "オプション:",
            "このヘルプを表示して終了します", "ブラウザーを開きません"]),
])
def test_help_speaks_the_language_asked_for(language: str, words: list[str]) -> None:
    result = launcher("--lang", language, "--help")
    assert result.returncode == 0, result.stderr
    for word in words:
        assert word in result.stdout, (word, result.stdout)
    for flag in ("--rvc-dir RVC_DIR", "--no-tray", "{run,setup,report}"):
        assert flag in result.stdout  # flags and choices stay English
    assert "show this help" not in result.stdout and "usage:" not in result.stdout


def test_a_usage_error_speaks_the_language_asked_for() -> None:
    result = launcher("--lang=es", "bogus")
    assert result.returncode == 2
    assert ("rvc-tensorboard-launcher: error: argumento command: opción no válida: 'bogus' "
            "(elige entre 'run', 'setup', 'report')") in result.stderr, result.stderr


def test_argparse_speaks_english_again_after_parsing(tmp_path: Path) -> None:
    import argparse

    from launcher import cli, i18n

    try:
        assert cli.main(["--lang", "fr", "--rvc-dir", str(tmp_path / "nowhere"),
                         "--no-tray"]) == cli.EXIT_BAD_INPUT
    finally:
        i18n.install("en")
    assert argparse._("usage: ") == "usage: "  # its own translator is back
