"""The isolated venv running the pinned TensorBoard: built once, checked fast, rebuilt if broken.

A marker JSON inside the venv is written last, only after TensorBoard imported from it, so an
install cut short never looks done. Anything that does not match the marker is deleted and
built again; the folder is only ever deleted when it carries the launcher's own tag file.

The launcher's own TensorBoard plugin (pluginwheel) is installed after TensorBoard, from a
wheel built on the spot, offline. Its version is in the marker too: a venv whose TensorBoard
matches but whose plugin is missing or older (a venv from an older launcher) only gets the
plugin installed, without touching TensorBoard. A plugin that fails to install is logged and
left out (the dashboard works without it) and tried again on the next start.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import traceback
from collections.abc import Callable
from pathlib import Path

from launcher import winplatform
from launcher.i18n import _
from launcher.rvc import paths
from launcher.rvc.paths import LAUNCHER_DIR_NAME, LAUNCHER_LOG_NAME, VENV_MARKER_NAME
from launcher.tensorboard import pluginwheel, zipcompat
from launcher.tensorboard.exitcodes import describe_exit, is_crash
from launcher.tensorboard.process import spawn_plan, start_child
from launcher.util.errors import SetupError, internal_failure
from launcher.util.jsonfile import write_json

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

DEFAULT_REQUIREMENTS = Path(__file__).with_name("tensorboard-requirements.txt")
MARKER_NAME = VENV_MARKER_NAME
OWNER_TAG_NAME = ".created-by-rvc-tensorboard-launcher"
PIP_ERROR_LINES = 5
VERIFY_TIMEOUT = 120.0
START_CHECK_TIMEOUT = 60.0
_PINNED_TENSORBOARD = re.compile(r"^tensorboard==([^\s;\\]+)", re.MULTILINE)


# pip's own lines that show progress; the rest (index notes, marker skips) only go to the log.
PIP_PROGRESS_PREFIXES = ("Collecting", "Downloading", "Installing", "Successfully", "ERROR")


def _no_progress(_line: str) -> None:
    pass


def pinned_tensorboard_version(requirements_text: str) -> str:
    match = _PINNED_TENSORBOARD.search(requirements_text)
    if match is None:
        raise ValueError("the requirements file pins no tensorboard version")
    return match.group(1)


def is_interpreter_rejected(error: BaseException) -> bool:
    """virtualenv found the base Python unusable: its discovery raised, or said it found none."""
    if isinstance(error, RuntimeError) and str(error).startswith("failed to find interpreter"):
        return True
    return any("python_discovery" in Path(frame.f_code.co_filename).parts
               for frame, _ in traceback.walk_tb(error.__traceback__))


def _pyvenv_home(venv_dir: Path) -> Path | None:
    """The base interpreter's folder recorded by the venv, or None if unreadable."""
    try:
        text = (venv_dir / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip().lower() == "home":
            return Path(value.strip())
    return None


def _plugin_version() -> str | None:
    try:
        return pluginwheel.plugin_version()
    except (OSError, ValueError) as exc:  # a build that left the plugin's source out
        log.warning("The launcher's TensorBoard plugin is missing from this build (%s)", exc)
        return None


class TensorBoardVenv:
    """One venv folder holding exactly the locked TensorBoard, built from one base Python."""

    def __init__(self, venv_dir: Path, base_python: Path, *, requirements: Path | None = None
                 ) -> None:
        self.venv_dir = Path(venv_dir).absolute()
        self.base_python = Path(base_python)
        self.requirements = Path(requirements or DEFAULT_REQUIREMENTS)
        text = self.requirements.read_text(encoding="utf-8")
        self.tensorboard_version = pinned_tensorboard_version(text)
        self.lock_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.plugin_version = _plugin_version()
        self._pip: subprocess.Popen[bytes] | None = None
        self._job: winplatform.KillOnCloseJob | None = None
        self._cancelled = False

    @property
    def python(self) -> Path:
        return Path(paths.venv_python(self.venv_dir))

    @property
    def marker_file(self) -> Path:
        return self.venv_dir / MARKER_NAME

    def _expected_marker(self) -> dict[str, str]:
        return {"tensorboard": self.tensorboard_version, "lock_sha256": self.lock_sha256,
                "base_python": str(self.base_python)}

    @classmethod
    def already_built(cls, venv_dir: Path) -> TensorBoardVenv | None:
        """The venv as its marker describes it, if its TensorBoard is ready (its plugin may
        still be due: see `is_ready`): a warm start need not probe for a base Python."""
        marker = cls.__new__(cls)
        marker.venv_dir = Path(venv_dir).absolute()
        recorded = cls.read_marker(marker)
        base = recorded.get("base_python") if recorded else None
        if not isinstance(base, str):
            return None
        venv = cls(venv_dir, Path(base))
        return venv if venv.tensorboard_ready() else None

    def read_marker(self) -> dict[str, object] | None:
        try:
            data = json.loads(self.marker_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def tensorboard_ready(self) -> bool:
        """Marker matches this lock and base, and the interpreters exist; runs nothing."""
        marker = self.read_marker()
        if marker is None or any(marker.get(k) != v for k, v in self._expected_marker().items()):
            return False
        home = _pyvenv_home(self.venv_dir)
        return self.python.is_file() and home is not None and home.is_dir()

    def is_ready(self) -> bool:
        """TensorBoard is ready and the marker records this launcher's plugin; runs nothing."""
        marker = self.read_marker() or {}
        return marker.get("plugin") == self.plugin_version and self.tensorboard_ready()

    def has_plugin(self) -> bool:
        """The marker records this launcher's plugin as installed."""
        marker = self.read_marker() or {}
        return self.plugin_version is not None and marker.get("plugin") == self.plugin_version

    def mark_broken(self) -> None:
        """Its python was seen not to start: the next `ensure` or `already_built` rebuilds."""
        log.warning("Marking the TensorBoard environment %s for a rebuild", self.venv_dir)
        with contextlib.suppress(OSError):
            self.marker_file.unlink()

    def ensure(self, progress: Progress | None = None) -> Path:
        """Creates, repairs or just confirms the venv; returns its python. Raises SetupError."""
        say = progress or _no_progress
        if self.is_ready():
            say(_("TensorBoard {version} is ready").format(version=self.tensorboard_version))
            return self.python
        if not self.tensorboard_ready():
            self._remove_old()
            say(_("Creating the TensorBoard environment…"))
            self._create_and_check(copies=winplatform.IS_WINDOWS)
            zipcompat.install(self.venv_dir)
            say(_("Installing TensorBoard {version}…").format(version=self.tensorboard_version))
            self._install(say)
            say(_("Checking TensorBoard {version}…").format(version=self.tensorboard_version))
            self._write_marker({"base_version": self._verify()})
        if self.plugin_version is not None:
            say(_("Installing the launcher's TensorBoard plugin…"))
            self._install_plugin(self.plugin_version)
        say(_("TensorBoard {version} is ready").format(version=self.tensorboard_version))
        return self.python

    def cancel(self) -> None:
        """Stop an install under way (the launcher is quitting); `ensure` then raises."""
        self._cancelled = True
        process = self._pip
        if process is not None and process.poll() is None:
            process.kill()

    # ---- steps -------------------------------------------------------------------------

    def _child_env(self) -> dict[str, str]:
        env = winplatform.cleaned_child_env(os.environ, frozen=paths.is_frozen())
        env["PYTHONIOENCODING"] = "utf-8"
        env.pop("VIRTUAL_ENV", None)
        return env

    def _remove_old(self) -> None:
        if not self.venv_dir.exists():
            return
        # virtualenv empties the folder it creates in, so a creation cut short leaves no tag;
        # a venv inside the launcher's own folder is the launcher's whatever it holds.
        owned = ((self.venv_dir / OWNER_TAG_NAME).exists() or self.marker_file.exists()
                 or self.venv_dir.parent.name == LAUNCHER_DIR_NAME)
        if self.venv_dir.is_symlink() or not self.venv_dir.is_dir() or not owned:
            raise SetupError(
                _("{folder} exists but was not made by the launcher, so it will not delete "
                  "it; move or delete that folder and start the launcher again.").format(
                    folder=self.venv_dir))
        log.info("Rebuilding the TensorBoard environment in %s", self.venv_dir)
        try:
            shutil.rmtree(self.venv_dir)
        except OSError as exc:
            raise SetupError(
                _("Could not delete the broken TensorBoard environment {folder} ({error}); "
                  "close any TensorBoard still running from it, or delete the folder, and try "
                  "again.").format(folder=self.venv_dir, error=exc)) from exc

    def _create_and_check(self, copies: bool) -> None:
        """Create the venv and make sure its python starts; if it does not, build it once more
        with copies (symlinks fail silently under Wine and need a privilege on Windows)."""
        self._create(copies)
        failure = self.python_start_failure()
        if failure is None:
            return
        log.warning("The new environment's python does not start (%s)", failure)
        if not copies:
            shutil.rmtree(self.venv_dir, ignore_errors=True)
            self._create(copies=True)
            failure = self.python_start_failure()
            if failure is None:
                return
        raise SetupError(
            _("The TensorBoard environment made from {python} has a python that does "
              "not start ({failure}); install Python 3.11 from python.org and pass --python with "
              "its python.exe, or repair the RVC folder's own Python.").format(
                python=self.base_python, failure=failure))

    def python_start_failure(self) -> str | None:
        """None if the venv's python runs a trivial program, else what went wrong, in words."""
        try:
            done = subprocess.run(
                [str(self.python), "-c", "import sys, encodings; print(sys.prefix)"],
                capture_output=True, text=True, errors="replace", timeout=START_CHECK_TIMEOUT,
                stdin=subprocess.DEVNULL, env=self._child_env(),
                creationflags=winplatform.child_creation_flags())
        except (OSError, subprocess.SubprocessError) as exc:
            return str(exc)
        if done.returncode == 0:
            return None
        output = (done.stderr.strip() or done.stdout.strip()).splitlines()
        if not output:
            return describe_exit(done.returncode)
        return _("{exit}; it printed: {output}").format(exit=describe_exit(done.returncode),
                                                         output=output[-1])

    def _create(self, copies: bool) -> None:
        from virtualenv import cli_run

        self.venv_dir.mkdir(parents=True)
        (self.venv_dir / OWNER_TAG_NAME).write_text(
            "Made by RVC TensorBoard Launcher; safe to delete.\n", encoding="utf-8")
        args = [str(self.venv_dir), "-p", str(self.base_python), "--no-periodic-update",
                "--no-download", "--no-setuptools", "--no-vcs-ignore", "--activators", ""]
        if copies:
            args.append("--copies")
        log.info("virtualenv %s", " ".join(args))
        try:
            cli_run(args, setup_logging=False, env=self._child_env())
        except (Exception, SystemExit) as exc:
            log.exception("virtualenv failed")
            if is_interpreter_rejected(exc):
                raise SetupError(
                    _("Could not create the TensorBoard environment: virtualenv cannot use "
                      "{python} ({error}); install Python 3.11 from python.org or pass "
                      "--python with another python.exe.").format(
                          python=self.base_python, error=exc)) from exc
            # The base Python answered the launcher's probe, so anything else is ours.
            raise internal_failure(_("creating the TensorBoard environment"), exc,
                                   self.venv_dir.parent / LAUNCHER_LOG_NAME) from exc
        if not self.python.is_file():
            raise SetupError(
                _("Creating the TensorBoard environment with {base} made no {python}; install "
                  "Python 3.11 from python.org or pass --python with another python.exe.").format(
                      base=self.base_python, python=self.python))

    def pip_command(self) -> list[str]:
        return [str(self.python), "-m", "pip", "install", "--require-hashes",
                "--only-binary=:all:", "--no-input", "--disable-pip-version-check",
                "--no-warn-script-location", "--progress-bar", "off", "-r", str(self.requirements)]

    def _run_pip(self, command: list[str], say: Progress) -> tuple[int, list[str]]:
        """Run pip so it dies with the launcher, streaming its progress lines to `say`; its
        exit code and last lines. Raises OSError if it cannot start."""
        log.info("Running %s", " ".join(command))
        last_lines: collections.deque[str] = collections.deque(maxlen=PIP_ERROR_LINES)
        plan = dataclasses.replace(spawn_plan(), stdin_watchdog=False)
        if plan.job_object and self._job is None:
            self._job = winplatform.KillOnCloseJob()
        process = start_child(command, self._child_env(), plan, self._job, cwd=self.venv_dir)
        assert process.stdout is not None
        self._pip = process
        with process:
            for raw in process.stdout:
                line = raw.decode("utf-8", errors="replace").rstrip()
                if not line.strip():
                    continue
                log.info("pip: %s", line)
                last_lines.append(line.strip())
                if line.lstrip().startswith(PIP_PROGRESS_PREFIXES):
                    say(line.strip())
        self._pip = None
        return process.returncode, list(last_lines)

    def _install(self, say: Progress) -> None:
        try:
            code, last_lines = self._run_pip(self.pip_command(), say)
        except OSError as exc:
            raise SetupError(_("Could not start pip in {folder} ({error}); delete that "
                               "folder and start the launcher again.").format(
                                 folder=self.venv_dir, error=exc)) from exc
        if self._cancelled:
            raise SetupError(_("Setup was stopped before TensorBoard was installed; start the "
                               "launcher again to finish it."))
        if code != 0:
            said = " | ".join(last_lines) or _("nothing")
            if is_crash(code):
                raise SetupError(
                    _("Installing TensorBoard {version} failed: pip crashed "
                      "({reason}); start the launcher again to "
                      "retry. Its last output: {output}").format(
                        version=self.tensorboard_version, reason=describe_exit(code),
                        output=said))
            raise SetupError(
                _("Installing TensorBoard {version} failed (pip exit code "
                  "{code}); check the internet connection and start the launcher "
                  "again. pip said: {output}").format(
                    version=self.tensorboard_version, code=code, output=said))

    def _verify(self) -> str:
        """Imports TensorBoard from the venv; returns the venv's Python version."""
        probe = ("import sys, tensorboard; print(tensorboard.__version__); "
                 "print('.'.join(map(str, sys.version_info[:3])))")
        try:
            done = subprocess.run(
                [str(self.python), "-I", "-c", probe], capture_output=True, text=True,
                timeout=VERIFY_TIMEOUT, stdin=subprocess.DEVNULL, env=self._child_env(),
                creationflags=winplatform.child_creation_flags())
        except (OSError, subprocess.SubprocessError) as exc:
            raise SetupError(_("TensorBoard was installed but could not be started ({error}); "
                               "start the launcher again to rebuild it.").format(
                                 error=exc)) from exc
        lines = done.stdout.split()
        if done.returncode != 0 or not lines or lines[0] != self.tensorboard_version:
            error = (done.stderr.strip().splitlines() or [_("no output")])[-1]
            if is_crash(done.returncode):
                error = _("{exit}; last output: {output}").format(
                    exit=describe_exit(done.returncode), output=error)
            raise SetupError(
                _("TensorBoard {version} does not import in {folder} "
                  "({error}); start the launcher again to rebuild it.").format(
                    version=self.tensorboard_version, folder=self.venv_dir, error=error))
        return lines[1] if len(lines) > 1 else "unknown"

    def plugin_command(self, wheel: Path) -> list[str]:
        return [str(self.python), "-m", "pip", "install", "--no-deps", "--no-index",
                "--force-reinstall", "--no-input", "--disable-pip-version-check",
                "--no-warn-script-location", "--progress-bar", "off", str(wheel)]

    def _install_plugin(self, version: str) -> None:
        """Install the plugin's wheel; on failure log it and leave the marker without it."""
        wheel_dir = self.venv_dir / "plugin-wheel"
        try:
            shutil.rmtree(wheel_dir, ignore_errors=True)
            command = self.plugin_command(pluginwheel.build_wheel(wheel_dir))
            code, last_lines = self._run_pip(command, _no_progress)
        except OSError as exc:
            code, last_lines = None, [str(exc)]
        finally:
            shutil.rmtree(wheel_dir, ignore_errors=True)
        if code == 0 and not self._cancelled:
            self._write_marker({"plugin": version})
        elif not self._cancelled:
            log.warning("Installing the launcher's TensorBoard plugin failed (pip exit code %s: "
                        "%s); the dashboard opens without its start page and RVC tab, and the "
                        "launcher tries again next start", code, " | ".join(last_lines))

    def _write_marker(self, changes: dict[str, str]) -> None:
        """The expected TensorBoard keys plus what the marker recorded before, plus `changes`."""
        kept = {key: value for key, value in (self.read_marker() or {}).items()
                if key in ("base_version", "plugin")}
        write_json(self.marker_file, {**self._expected_marker(), **kept, **changes})
