"""Folder events and their fallback: what makes the watcher poll, and what it costs idle."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from launcher.core.folderevents import fs_type_of, unwatchable_reason
from launcher.core.watcher import TrainingWatcher
from launcher.events.writer import ScalarEventWriter
from tests.core.test_watcher import (
    Recorder,
    Watch,
    age,
    make_many_models,
    mode,  # noqa: F401  (fixture)
    running,  # noqa: F401  (fixture)
    write_epoch,
)
from tests.helpers import wait_until

REPO = Path(__file__).resolve().parents[2]
LINUX = sys.platform.startswith("linux")


def thread_wakeups(names: set[str]) -> dict[str, int]:
    """Context switches so far of this process's threads with those names (Linux /proc)."""
    counts = {}
    for thread in threading.enumerate():
        is_watchdog = type(thread).__module__.startswith("watchdog.")
        if (thread.name in names or is_watchdog) and thread.native_id is not None:
            status = Path(f"/proc/self/task/{thread.native_id}/status").read_text()
            switches = sum(int(line.split()[1]) for line in status.splitlines()
                           if line.endswith("ctxt_switches") or "ctxt_switches:" in line)
            counts[f"{thread.name}/{thread.native_id}"] = switches
    return counts


@pytest.mark.skipif(not LINUX, reason="reads thread counters from /proc")
def test_idle_watcher_with_300_models_is_never_woken(
        tmp_path: Path, running: list[TrainingWatcher]) -> None:  # noqa: F811
    logs = tmp_path / "RVC" / "logs"
    make_many_models(logs, 300)
    watch = Watch(logs, "events", running)
    watch.start()
    assert watch.settle() == []
    before = thread_wakeups({"training-watcher"})
    assert len(before) >= 3  # the watcher, watchdog's reader, emitters and dispatcher
    time.sleep(1.5)  # the idle stretch itself is what is tested
    after = thread_wakeups({"training-watcher"})
    assert after == before  # not one wake-up of any of those threads
    with ScalarEventWriter(logs / "model123", counter=1) as writer:  # and it still works
        write_epoch(writer, 2)
        assert wait_until(lambda: watch.seen.models == ["model123"], 2.0)


def run_in_user_namespace(logs: Path, watch_limit: int) -> list[str]:
    """The watcher in a user namespace whose inotify watch limit is really set low."""
    script = f"""
import sys, time
from pathlib import Path
Path("/proc/sys/user/max_inotify_watches").write_text("{watch_limit}")
from launcher.core.watcher import TrainingWatcher
from launcher.events.writer import ScalarEventWriter
seen = []
watcher = TrainingWatcher(Path({str(logs)!r}), seen.append, interval=0.05)
watcher.start()
print(watcher.mode)
print(watcher.fallback_reason)
with ScalarEventWriter(Path({str(logs)!r}) / "m17", counter=1) as writer:
    writer.add_scalar("loss/g/total", 30.0, 2)
    writer.flush()
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.02)
print(seen)
watcher.stop()
"""
    result = subprocess.run(["unshare", "--user", "--map-root-user", sys.executable, "-c",
                             script], cwd=REPO, capture_output=True, text=True, timeout=60)
    if result.returncode != 0 and "unshare" in result.stderr:
        pytest.skip(f"no user namespaces here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.skipif(not LINUX or shutil.which("unshare") is None, reason="Linux user namespaces")
@pytest.mark.parametrize(("limit", "says"), [
    (1, "inotify watch limit reached"),  # logs/ itself is refused: watchdog raises ENOSPC
    (8, "got no inotify watch"),  # only subfolders are refused: watchdog skips them silently
])
def test_inotify_watch_limit_reached_falls_back_to_polling(
        tmp_path: Path, limit: int, says: str) -> None:
    logs = tmp_path / "RVC" / "logs"
    for index in range(20):
        (logs / f"m{index:02d}" / "eval").mkdir(parents=True)
    mode_line, reason, seen = run_in_user_namespace(logs, limit)
    assert mode_line == "polling"
    assert says in reason and "max_user_watches" in reason
    assert seen == "['m17']"  # the fallback still sees training start


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.skipif(not LINUX, reason="breaks the inotify emitter")
def test_an_observer_that_dies_hands_over_to_polling(
        tmp_path: Path, running: list[TrainingWatcher], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    """Simulated: watchdog's emitter thread raising (as a bug or a vanished handle would)."""
    from watchdog.observers.inotify import InotifyEmitter

    logs = tmp_path / "RVC" / "logs"
    logs.mkdir(parents=True)
    watch = Watch(logs, "events", running, interval=0.05)
    watch.start()

    def broken(self: InotifyEmitter, timeout: float, **_: object) -> None:
        raise RuntimeError("emitter broke")

    monkeypatch.setattr(InotifyEmitter, "queue_events", broken)
    (logs / "poke").mkdir()  # the next event ends the blocked read; the next read raises
    assert wait_until(lambda: watch.watcher.mode == "polling", 5.0)
    assert "emitter broke" in (watch.watcher.fallback_reason or "")
    assert any("by polling" in record.getMessage() for record in caplog.records)
    with ScalarEventWriter(logs / "Rex") as writer:
        write_epoch(writer, 1)
        assert wait_until(lambda: watch.seen.models == ["Rex"], 2.0)


def test_a_synced_folder_is_polled_and_says_why(
        tmp_path: Path, running: list[TrainingWatcher],  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    logs = tmp_path / "OneDrive" / "RVC" / "logs"
    logs.mkdir(parents=True)
    seen = Recorder()
    watcher = TrainingWatcher(logs, seen, interval=0.05)
    running.append(watcher)
    with caplog.at_level(logging.WARNING):
        watcher.start()
    assert watcher.mode == "polling"
    assert "synced folder (OneDrive)" in (watcher.fallback_reason or "")
    assert any("by polling" in r.getMessage() and "OneDrive" in r.getMessage()
               for r in caplog.records)
    with ScalarEventWriter(logs / "Sol") as writer:
        write_epoch(writer, 1)
        assert wait_until(lambda: seen.models == ["Sol"], 2.0)


MOUNTINFO = """\
22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
40 22 0:35 / /mnt/share rw,relatime shared:20 - nfs4 server:/export rw
41 22 0:36 / /mnt/box rw,relatime shared:21 - fuse.rclone remote: rw
42 22 0:37 / /mnt/c rw,relatime - 9p drvfs rw
"""


@pytest.mark.skipif(not LINUX, reason="Linux mount table and paths")
@pytest.mark.parametrize(("path", "fs_type", "unreliable"), [
    ("/home/me/RVC/logs", "ext4", False),
    ("/mnt/share/RVC/logs", "nfs4", True),
    ("/mnt/box/RVC", "fuse.rclone", True),
    ("/mnt/c/RVC/logs", "9p", True),
    ("/mnt/sharethis/RVC", "ext4", False),  # a longer name is not inside /mnt/share
])
def test_network_and_fuse_mounts_are_not_trusted_for_events(
        path: str, fs_type: str, unreliable: bool) -> None:
    assert fs_type_of(Path(path), MOUNTINFO) == fs_type
    reason = unwatchable_reason(Path(path), fs_type=fs_type, env={})
    assert (reason is not None) == unreliable


def test_thousands_of_files_at_once_miss_nothing_and_report_nothing_twice(
        tmp_path: Path, running: list[TrainingWatcher], mode: str) -> None:  # noqa: F811
    """A copied-in logs folder: 100 models, 2,000 files, landing while the watcher runs."""
    source = tmp_path / "backup" / "logs"
    make_many_models(source, 100)
    for model_dir in source.iterdir():
        wavs = model_dir / "0_gt_wavs"
        for index in range(12):
            (wavs / f"{index}_0.wav").write_bytes(b"RIFF" + bytes(64))
        age(next(model_dir.glob("events.out.tfevents.*")), 7200)
    logs = tmp_path / "RVC" / "logs"
    logs.mkdir(parents=True)
    watch = Watch(logs, mode, running, interval=0.05)
    watch.start(background=True)
    copier = ("import shutil, sys, pathlib\n"  # another process, as Explorer or cp would be
              "for model in pathlib.Path(sys.argv[1]).iterdir():\n"
              "    shutil.copytree(model, pathlib.Path(sys.argv[2]) / model.name)\n")
    cpu_before = time.process_time()
    subprocess.run([sys.executable, "-c", copier, str(source), str(logs)], check=True,
                   timeout=120)  # copy2: the old mtimes come along
    assert watch.settle() == []
    print(f"{mode}: {time.process_time() - cpu_before:.2f} s CPU to take in the copy")
    for name in ("model007", "model077", "model099"):
        with ScalarEventWriter(logs / name, counter=1) as writer:
            write_epoch(writer, 2)
    assert wait_until(lambda: len(watch.seen.models) == 3, 3.0)
    watch.news()
    assert watch.settle() == []
    assert sorted(watch.seen.models) == ["model007", "model077", "model099"]


def test_broken_model_folders_do_not_hide_the_others(
        tmp_path: Path, running: list[TrainingWatcher], mode: str) -> None:  # noqa: F811
    """Running as root, permissions cannot be refused: broken shapes stand in for them."""
    logs = tmp_path / "RVC" / "logs"
    logs.mkdir(parents=True)
    (logs / "Dangling").symlink_to(tmp_path / "nowhere")  # a model folder that is not there
    (logs / "Odd").mkdir()
    (logs / "Odd" / "eval").write_text("a file where a folder belongs")
    (logs / "Odd" / "events.out.tfevents.0.host.1.0").mkdir()  # a folder where a file belongs
    (logs / "Odd" / "config.json").write_text("{not json")
    watch = Watch(logs, mode, running)
    assert watch.start() == []
    (logs / "Odd" / "config.json").write_text('{"process_pids": [')  # half-written
    shutil.rmtree(logs / "Odd" / "events.out.tfevents.0.host.1.0")
    with ScalarEventWriter(logs / "Tia") as writer:
        write_epoch(writer, 1)
        assert watch.settle() == ["Tia"]
    assert watch.watcher.mode == (mode if mode == "events" else None)  # None: polled by hand
