"""The bench run's shared state: mode, run counts, temp folders, and the prepared RVC folder."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from benchlib.procs import BenchError, bench_env, launcher_argv, run_timed
from launcher.events.demo import create_demo_rvc
from launcher.rvc.paths import LauncherPaths


@dataclass
class BenchContext:
    quick: bool
    work: Path  # a temp folder; everything the bench creates goes under it
    _runtime: Path | None = field(default=None, init=False)
    _rvc: Path | None = field(default=None, init=False)
    _rvc_error: BenchError | None = field(default=None, init=False)
    notes: dict[str, str] = field(default_factory=dict, init=False)  # facts seen on the way

    @property
    def setup_runs(self) -> int:
        return 1 if self.quick else 3

    @property
    def start_runs(self) -> int:
        return 1 if self.quick else 5

    @property
    def idle_window(self) -> float:
        return 5.0 if self.quick else 60.0

    @property
    def advisor_events(self) -> int:
        return 100_000 if self.quick else 1_000_000

    def caches(self, name: str) -> dict[str, str]:
        """Environment that points pip and virtualenv at the cache set `name` under work/."""
        base = self.work / "caches" / name
        return {"PIP_CACHE_DIR": str(base / "pip"),
                "VIRTUALENV_OVERRIDE_APP_DATA": str(base / "virtualenv"),
                "PIP_DISABLE_PIP_VERSION_CHECK": "1"}

    def make_runtime(self, dest: Path) -> Path:
        """A fresh interpreter with pip, standing in for RVC's runtime\\python.exe."""
        run_timed([sys.executable, "-m", "virtualenv", "--no-periodic-update", "-q", str(dest)],
                  env=bench_env(**self.caches("runtime")))
        return dest / "bin" / "python"

    @property
    def runtime_python(self) -> Path:
        """A shared stand-in runtime for the launcher's --python (the launcher never changes it)."""
        if self._runtime is None:
            self._runtime = self.make_runtime(self.work / "runtime")
        return self._runtime

    @property
    def rvc(self) -> Path:
        """A demo RVC folder whose TensorBoard venv is ready (set up once, with the warm cache)."""
        if self._rvc_error is not None:  # one failed setup fails every section that needs it
            raise self._rvc_error
        if self._rvc is None:
            root = create_demo_rvc(self.work / "RVC")
            try:
                run_timed(launcher_argv(root, self.runtime_python, "setup"),
                          env=bench_env(**self.caches("warm")))
                if not LauncherPaths(root).venv_python.is_file():
                    raise BenchError("launcher setup finished but left no venv python")
            except BenchError as error:
                self._rvc_error = error
                raise
            self._rvc = root
        return self._rvc

    @property
    def venv_python(self) -> Path:
        return LauncherPaths(self.rvc).venv_python

    def scratch(self, name: str) -> Path:
        path = self.work / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path
