"""Cold setup: empty folder to a working TensorBoard venv, launcher vs TensorVENV.bat's recipe."""

from __future__ import annotations

import shutil
import subprocess
import sys

from benchlib.context import BenchContext
from benchlib.procs import REPO, BenchError, bench_env, launcher_argv, run_timed
from benchlib.stats import ratio, summarize

# What TensorVENV.bat does after `pip install tensorboard` (see shared/NOTES.md).
BATCH_DOWNGRADES = ("markdown==3.0", "tensorboard==2.1.0", "protobuf==3.11.0", "numpy==1.19.5")


def launcher_setup(ctx: BenchContext, name: str, caches: str) -> float:
    root = ctx.scratch(f"setup/{name}")
    (root / "go-web.bat").write_text("rem bench\r\n")
    (root / "logs").mkdir()
    seconds = run_timed(launcher_argv(root, ctx.runtime_python, "setup"),
                        env=bench_env(**ctx.caches(caches)))
    ctx.notes["launcher_tensorboard"] = check_tensorboard(
        root / "TensorBoardLauncher" / "venv" / "bin" / "python")
    shutil.rmtree(root, ignore_errors=True)
    return seconds


def batch_setup(ctx: BenchContext, name: str, caches: str) -> float:
    """The batch file's three steps, in a fresh runtime (made untimed) as RVC's runtime\\python."""
    root = ctx.scratch(f"setup/{name}")
    runtime = ctx.make_runtime(root / "runtime")
    env = bench_env(**ctx.caches(caches))
    venv = root / "tensorboard_venv"
    seconds = run_timed([str(runtime), "-m", "pip", "install", "-q", "virtualenv"], env=env)
    seconds += run_timed([str(runtime), "-m", "virtualenv", str(venv)], env=env)
    seconds += run_timed([str(venv / "bin" / "pip"), "install", "-q", "tensorboard"], env=env)
    ctx.notes["batch_file_tensorboard"] = check_tensorboard(venv / "bin" / "python")
    shutil.rmtree(root, ignore_errors=True)
    return seconds


def check_tensorboard(python: object) -> str:
    """The venv's TensorBoard version; BenchError if it does not import."""
    done = subprocess.run([str(python), "-c", "import tensorboard; print(tensorboard.__version__)"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"the venv's TensorBoard does not import: {done.stderr.strip()[-200:]}")
    return done.stdout.strip()


def has_wheel(ctx: BenchContext, requirement: str) -> bool:
    """Whether pip finds a wheel of `requirement` for this Python (a dry run; installs nothing)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--only-binary=:all:",
         "--ignore-installed", "-q", requirement],
        capture_output=True, text=True, env=bench_env(**ctx.caches("warm")), timeout=300)
    return done.returncode == 0


def downgrade_check(ctx: BenchContext) -> dict[str, object]:
    """Which of the batch file's pinned downgrades have a wheel for this Python."""
    wheels = {requirement: has_wheel(ctx, requirement) for requirement in BATCH_DOWNGRADES}
    python = ".".join(map(str, sys.version_info[:2]))
    missing = [name for name, found in wheels.items() if not found]
    if not missing:
        note = f"all of the batch file's downgrades have wheels for Python {python}"
    else:
        note = (f"on Python {python} pip finds no wheel for {', '.join(missing)} and would "
                "try to build it from source, which fails (numpy 1.19.5 supports Python "
                "<= 3.9), so the batch file's downgrade step errors out; "
                f"{', '.join(n for n, found in wheels.items() if found) or 'nothing'} "
                "would still resolve as pure-Python wheels")
    return {"python": python, "wheel_available": wheels, "note": note}


def wheels_mb(ctx: BenchContext) -> float:
    """Megabytes of wheels the launcher installs: what a cold cache has to download."""
    dest = ctx.scratch("setup/wheels")
    requirements = REPO / "launcher" / "tensorboard-requirements.txt"
    run_timed([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
               "--require-hashes", "-r", str(requirements), "-d", str(dest)],
              env=bench_env(**ctx.caches("warm")))
    size = sum(path.stat().st_size for path in dest.iterdir()) / 2**20
    shutil.rmtree(dest, ignore_errors=True)
    return round(size, 1)


def pip_sources() -> list[str]:
    """Where pip installs from on this machine (its index and find-links settings)."""
    done = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True,
                          text=True)
    sources: list[str] = []
    for line in done.stdout.splitlines():
        key, _, value = line.partition("=")
        if key.endswith(("index-url", "find-links")):
            sources += [v for v in value.strip("'\"").split() if v not in sources]
    return sources


def measure_row(ctx: BenchContext, caches: str, warm: bool) -> dict[str, object]:
    launcher: list[float] = []
    batch: list[float] = []
    for run in range(ctx.setup_runs):
        # Cold: each run gets its own empty caches; warm: all runs share the pre-warmed set.
        launcher_caches = caches if warm else f"cold-launcher-{run}"
        batch_caches = caches if warm else f"cold-batch-{run}"
        launcher.append(launcher_setup(ctx, f"{caches}-launcher-{run}", launcher_caches))
        batch.append(batch_setup(ctx, f"{caches}-batch-{run}", batch_caches))
    row = {"launcher": summarize(launcher, "s"), "batch_file": summarize(batch, "s")}
    row["ratio_launcher_to_batch"] = ratio(row["launcher"], row["batch_file"])
    return row


def measure(ctx: BenchContext) -> dict[str, object]:
    _ = ctx.rvc  # preparing it runs the launcher setup, which fills the warm cache
    batch_setup(ctx, "warmup-batch", "warm")
    result: dict[str, object] = {
        "what": "empty folder to a venv whose TensorBoard imports: `python -m launcher setup` vs "
                "`pip install virtualenv`, `python -m virtualenv tensorboard_venv`, "
                "`pip install tensorboard` (same base Python, same cache state)",
        "warm_cache": measure_row(ctx, "warm", warm=True),
    }
    result["tensorboard_versions"] = {key: ctx.notes[key] for key in
                                      ("launcher_tensorboard", "batch_file_tensorboard")}
    if ctx.quick:
        result["cold_cache"] = {"status": "not measured", "reason": "skipped in --quick"}
        result["batch_downgrades"] = {"status": "not measured", "reason": "skipped in --quick"}
    else:
        result["cold_cache"] = measure_row(ctx, "cold", warm=False)
        result["tensorboard_wheels_mb"] = wheels_mb(ctx)
        result["pip_sources"] = pip_sources()
        result["batch_downgrades"] = downgrade_check(ctx)
    return result
