"""Exit codes in words: Windows NTSTATUS crashes, POSIX signals, ordinary exits."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from launcher.tensorboard.exitcodes import cannot_start, describe_exit, is_crash

# POSIX: a real abort. Windows: abort() there exits 3 like any program may, so the child ends
# itself with the NTSTATUS a fast-fail abort gives (the code is all a parent ever sees).
WINDOWS_ABORT = ("ctypes.windll.kernel32.TerminateProcess(ctypes.c_void_p(-1), "
                 "ctypes.c_uint(0xC0000409))")
CRASH = f"import ctypes; {WINDOWS_ABORT}" if os.name == "nt" else "import os; os.abort()"


@pytest.mark.parametrize(("code", "words"), [
    (3221225781, "exit code 0xC0000135 (a DLL it needs was not found)"),
    (-1073741819, "exit code 0xC0000005 (access violation: it read or wrote memory it does "
                  "not own)"),
    (0xC0000409, "exit code 0xC0000409 (it aborted: a failed runtime check, abort(), or a "
                 "corrupted stack)"),
    (0xC0001234, "exit code 0xC0001234 (a crash)"),
    (1, "exit code 1"),
    (2, "exit code 2"),
    (None, "no exit code"),
])
def test_codes_in_words(code: int | None, words: str) -> None:
    assert describe_exit(code) == words


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_signals_in_words() -> None:
    assert describe_exit(-11) == ("killed by signal SIGSEGV (segmentation fault: it touched "
                                  "memory it does not own)")
    assert describe_exit(-9).startswith("killed by signal SIGKILL (it was killed")


def test_only_crashes_count_as_crashes() -> None:
    assert is_crash(3221225781) and is_crash(-1073741819) and is_crash(-11)
    assert not any(is_crash(code) for code in (None, 0, 1, 2, 3, 15, 127, 255, 1000000))


def test_cannot_start_is_the_loader_failing() -> None:
    assert cannot_start(0xC0000135) and cannot_start(-1073741515) and cannot_start(0xC000007B)
    assert cannot_start(127)  # ld.so could not load a shared library
    assert not any(cannot_start(code) for code in (None, 0, 1, 0xC0000005, -11))


def test_a_real_crash_is_named() -> None:
    done = subprocess.run([sys.executable, "-c", CRASH], capture_output=True, timeout=60)
    assert is_crash(done.returncode)
    assert describe_exit(done.returncode) in (
        "exit code 0xC0000409 (it aborted: a failed runtime check, abort(), or a corrupted "
        "stack)", "killed by signal SIGABRT (it aborted itself)")


@pytest.fixture
def speak():
    from launcher import i18n

    yield i18n.install
    i18n.install("en")


def test_the_words_follow_the_active_language(speak) -> None:
    speak("fr")
    assert describe_exit(0xC0000135) == ("code de sortie 0xC0000135 (une DLL dont il a besoin "
                                         "est introuvable)")
    assert describe_exit(3) == "code de sortie 3"
    assert describe_exit(0xC0001234) == "code de sortie 0xC0001234 (un plantage)"
    speak("zh_CN")
    assert describe_exit(None) == "无退出代码"


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_signals_follow_the_active_language(speak) -> None:
    speak("ru")
    assert describe_exit(-11) == ("завершён сигналом SIGSEGV (ошибка сегментации: процесс "
                                  "обратился к чужой памяти)")
