"""Where the launcher was started: an RVC folder, a folder that is not one, or a temporary
folder (the exe opened straight from its zip). Decided before anything is written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from launcher.i18n import _
from launcher.rvc.folder import DISTRIBUTIONS, UNKNOWN, Distribution, detect_distribution

# Signs that a folder under logs/ is a model RVC trained or prepared (not some other app's logs).
MODEL_FILE_PATTERNS = ("events.out.tfevents.*", "G_*.pth", "D_*.pth", "config.json",
                       "filelist.txt", "*.index")
MODEL_SUBFOLDERS = ("0_gt_wavs", "1_16k_wavs", "eval")
# The markers users recognise, for the sentence; detection uses every distribution's markers.
MARKER_EXAMPLES = ("runtime/python.exe", "infer-web.py", "go-web.bat", "env/python.exe",
                   "core.py")


@dataclass(frozen=True)
class Placement:
    """What the folder is: found by its distribution's markers, by its models, or neither."""

    root: Path
    distribution: Distribution
    models: tuple[str, ...]  # model folders in logs/, looked for only when no markers match
    has_logs: bool

    @property
    def by_markers(self) -> bool:
        return self.distribution is not UNKNOWN

    def accepted(self, explicit: bool) -> bool:
        """Markers, or logs/ with models; a folder given with --rvc-dir needs only logs/."""
        return self.by_markers or bool(self.models) or (explicit and self.has_logs)

    @property
    def custom_install(self) -> bool:
        return not self.by_markers and self.has_logs


def is_model_folder(folder: Path) -> bool:
    if folder.name in {"mute", "eval"} or folder.name.startswith("."):
        return False
    try:
        return (any(next(folder.glob(pattern), None) for pattern in MODEL_FILE_PATTERNS)
                or any((folder / sub).is_dir() for sub in MODEL_SUBFOLDERS))
    except OSError:
        return False


def examine(root: Path) -> Placement:
    """Reads the folder (never writes): its distribution, and without one the model folders in
    logs/ (not listed when markers already tell, to keep the warm start quick)."""
    root = Path(root).absolute()
    logs = root / "logs"
    distribution = detect_distribution(root)
    models: tuple[str, ...] = ()
    if distribution is UNKNOWN and logs.is_dir():
        try:
            models = tuple(p.name for p in sorted(logs.iterdir())
                           if p.is_dir() and is_model_folder(p))
        except OSError:
            models = ()
    return Placement(root, distribution, models, logs.is_dir())


def _shown(relative: str, windows: bool) -> str:
    return relative.replace("/", "\\") if windows else relative


def not_rvc_sentence(root: PurePath, fix: str, windows: bool) -> str:
    """One sentence: the folder looked at, what was looked for, and the fix."""
    examples = [_shown(m, windows) for m in MARKER_EXAMPLES]
    looked_for = _("{items} or {last}").format(items=", ".join(examples[:-1]), last=examples[-1])
    return _("{root} is not an RVC folder: it has none of the RVC WebUI, Mangio or Applio files "
             "(such as {examples}) and no {logs} folder with trained models; {fix}.").format(
                 root=root, examples=looked_for, logs=_shown("logs/", windows), fix=fix)


def custom_install_warning(placement: Placement, windows: bool) -> str:
    known = ", ".join(sorted({m for d in DISTRIBUTIONS for m in d.markers}))
    return _("{root} has a {logs} folder but none of the known RVC files ({known}); treating "
             "it as a custom RVC install, with RVC WebUI conventions.").format(
                 root=placement.root, logs=_shown("logs/", windows), known=_shown(known, windows))


def temp_roots(env: Mapping[str, str], windows: bool) -> list[str]:
    """The system's temporary folders: where zip viewers extract a file opened from a zip."""
    roots = [tempfile.gettempdir()]
    if windows:
        roots += [env[var] for var in ("TEMP", "TMP") if env.get(var)]
        if env.get("LOCALAPPDATA"):
            roots.append(str(PureWindowsPath(env["LOCALAPPDATA"], "Temp")))
        if env.get("SystemRoot"):
            roots.append(str(PureWindowsPath(env["SystemRoot"], "Temp")))
    return roots


def temp_folder_holding(folder: PurePath, roots: Iterable[str], windows: bool) -> str | None:
    """The temporary folder that `folder` is in (or is), if any; pure, both OS forms."""
    pure = PureWindowsPath if windows else PurePosixPath

    def key(path: str) -> PurePath:
        return pure(path.lower() if windows else path)

    target = key(str(folder))
    for root in roots:
        if root and (target == key(root) or key(root) in target.parents):
            return root
    return None


def resolved(paths: Iterable[str]) -> list[str]:
    """Each path and its real form: a short 8.3 %TEMP% or a symlinked /tmp still matches."""
    found: list[str] = []
    for path in paths:
        for form in (path, os.path.realpath(path)):
            if form not in found:
                found.append(form)
    return found


def zip_sentence(exe: PurePath, temp_folder: str) -> str:
    return _("{exe} is running from the temporary folder {folder} (inside {temp}), which is "
             "where a zip viewer puts a file opened straight from the zip. Extract the zip "
             "first, then move the exe into your RVC folder (the one with logs, runtime or env) "
             "and start it there.").format(exe=exe.name, folder=exe.parent, temp=temp_folder)


def zip_refusal(executable: Path, env: Mapping[str, str], windows: bool) -> str | None:
    """The zip sentence when the exe runs from a temporary folder; None when it does not."""
    roots = resolved(temp_roots(env, windows))
    for folder in resolved([str(executable.parent)]):
        if (hit := temp_folder_holding(PurePath(folder), roots, windows)) is not None:
            return zip_sentence(executable, hit)
    return None
