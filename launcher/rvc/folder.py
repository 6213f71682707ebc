"""Recognising an RVC folder, which distribution it is, and that distribution's conventions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from launcher.rvc.paths import LauncherPaths


@dataclass(frozen=True)
class Distribution:
    """What the launcher needs to know about one RVC distribution (see shared/NOTES.md)."""

    key: str
    label: str
    markers: tuple[str, ...]
    bundled_pythons: tuple[str, ...]
    smoothing: float
    scalars_subdir: str  # "" = logs/<model>/, "eval" = logs/<model>/eval/
    weights_dirs: tuple[str, ...]  # relative to the RVC root; Applio keeps weights in logs/<model>/


_WINDOWS_RUNTIME = ("runtime/python.exe", "runtime/bin/python3", "runtime/bin/python")

WEBUI = Distribution(
    key="webui",
    label="RVC WebUI",
    markers=("runtime/python.exe", "go-web.bat", "go-webui.bat", "infer-web.py", "webui.py"),
    bundled_pythons=_WINDOWS_RUNTIME,
    smoothing=0.987,
    scalars_subdir="",
    weights_dirs=("assets/weights", "weights"),
)
MANGIO = Distribution(
    key="mangio",
    label="Mangio-RVC-Fork",
    markers=("runtime/python.exe", "infer-web.py", "Makefile"),
    bundled_pythons=_WINDOWS_RUNTIME,
    smoothing=0.987,
    scalars_subdir="",
    weights_dirs=("weights", "assets/weights"),
)
APPLIO = Distribution(
    key="applio",
    label="Applio",
    markers=("env/python.exe", "run-applio.bat", "core.py"),
    bundled_pythons=("env/python.exe", "env/bin/python3", "env/bin/python", ".venv/bin/python"),
    smoothing=0.5,
    scalars_subdir="eval",
    weights_dirs=(),
)
UNKNOWN = Distribution(
    key="unknown",
    label="unrecognised RVC folder",
    markers=(),
    bundled_pythons=(*_WINDOWS_RUNTIME, "env/python.exe"),
    smoothing=0.987,
    scalars_subdir="",
    weights_dirs=("assets/weights", "weights"),
)
DISTRIBUTIONS = (WEBUI, MANGIO, APPLIO)
# A marker only Mangio has beats the WebUI's overlapping ones; on a tie the WebUI wins.
_DISTINCTIVE = {"Makefile": MANGIO, "go-web.bat": WEBUI, "go-webui.bat": WEBUI, "webui.py": WEBUI}


def detect_distribution(root: Path) -> Distribution:
    """The distribution whose markers best match the folder, or UNKNOWN if none match."""
    present = {m for d in DISTRIBUTIONS for m in d.markers if (root / m).exists()}
    if not present:
        return UNKNOWN
    scores = {d.key: sum(m in present for m in d.markers) for d in DISTRIBUTIONS}
    for marker, dist in _DISTINCTIVE.items():
        if marker in present:
            scores[dist.key] += 0.5
    best = max(DISTRIBUTIONS, key=lambda d: (scores[d.key], d is WEBUI))
    return best if scores[best.key] > 0 else UNKNOWN


def by_key(key: str) -> Distribution:
    for dist in (*DISTRIBUTIONS, UNKNOWN):
        if dist.key == key:
            return dist
    raise ValueError(f"unknown RVC distribution {key!r}")


@dataclass(frozen=True)
class RvcFolder:
    """An RVC installation as the launcher sees it."""

    paths: LauncherPaths
    distribution: Distribution

    @classmethod
    def at(cls, root: Path) -> RvcFolder:
        root = Path(root).absolute()
        return cls(LauncherPaths(root), detect_distribution(root))

    @property
    def root(self) -> Path:
        return self.paths.rvc_root

    @property
    def logs_dir(self) -> Path:
        return self.paths.logs_dir

    def has_logs(self) -> bool:
        return self.logs_dir.is_dir()

    def has_legacy_venv(self) -> bool:
        """A tensorboard_venv/ left by TensorVENV.bat (it pins TensorBoard 2.1.0)."""
        return self.paths.legacy_venv_dir.is_dir()

    def bundled_pythons(self) -> list[Path]:
        """The distribution's own interpreters that exist, most likely first."""
        return [self.root / rel for rel in self.distribution.bundled_pythons
                if (self.root / rel).is_file()]

    def models(self) -> list[str]:
        """Model folders under logs/ (RVC keeps mute/ and other non-model folders there too)."""
        if not self.has_logs():
            return []
        return sorted(
            p.name for p in self.logs_dir.iterdir()
            if p.is_dir() and p.name not in {"mute", "eval"} and not p.name.startswith(".")
        )

    def scalars_dir(self, model: str) -> Path:
        base = self.logs_dir / model
        return base / self.distribution.scalars_subdir if self.distribution.scalars_subdir else base

    def weights_dirs(self, model: str) -> list[Path]:
        """Folders where this distribution saves small per-epoch weight files for a model."""
        dirs = [self.root / rel for rel in self.distribution.weights_dirs]
        return [*dirs, self.logs_dir / model]
