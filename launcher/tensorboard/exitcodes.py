"""What a child's exit code says: a normal exit, or a crash named in words.

Windows reports a crash as the NTSTATUS code that ended the process (0xC0000135 when a DLL it
needs is missing); Python's subprocess gives it as an unsigned 32-bit number (3221225781).
POSIX reports a death by signal as a negative return code.
"""

from __future__ import annotations

import signal

from launcher.i18n import N_, _

# ntstatus.h; the ones a Python child really ends with.
NTSTATUS_WORDS: dict[int, str] = {
    0xC0000005: N_("access violation: it read or wrote memory it does not own"),
    0xC000001D: N_("illegal instruction: a library built for a newer processor"),
    0xC0000017: N_("out of memory"),
    0xC000012D: N_("out of memory (the page file is full)"),
    0xC0000135: N_("a DLL it needs was not found"),
    0xC0000139: N_("a DLL it loaded lacks a function it needs"),
    0xC0000142: N_("a DLL it needs failed to initialise"),
    0xC000007B: N_("a DLL or program is for the wrong Windows (32/64-bit mix-up or corrupt)"),
    0xC00000FD: N_("stack overflow"),
    0xC0000409: N_("it aborted: a failed runtime check, abort(), or a corrupted stack"),
    0xC0000374: N_("the heap is corrupted"),
    0xC000013A: N_("it was stopped with Ctrl+C"),
    0x80000100: N_("it called a Windows function that is not implemented (Wine)"),
    0x40010004: N_("it was ended by the debugger or the system"),
}

# The interpreter itself could not start: reinstalling TensorBoard will not help, rebuilding
# the environment from the base Python might.
CANNOT_START = frozenset({0xC0000135, 0xC0000139, 0xC0000142, 0xC000007B})
UNKNOWN_CRASH = N_("a crash")  # an NTSTATUS error code not in the table
POSIX_LOADER_FAILED = 127  # ld.so: "error while loading shared libraries"

# By name: Windows' signal module lacks most of them, and the numbers differ between POSIXes.
SIGNAL_WORDS: dict[str, str] = {
    "SIGSEGV": N_("segmentation fault: it touched memory it does not own"),
    "SIGABRT": N_("it aborted itself"),
    "SIGKILL": N_("it was killed (out of memory, or by another program)"),
    "SIGTERM": N_("it was asked to stop"),
    "SIGILL": N_("illegal instruction: a library built for a newer processor"),
    "SIGBUS": N_("bus error: a damaged file or library"),
    "SIGFPE": N_("arithmetic error"),
}


def _unsigned(code: int) -> int:
    return code & 0xFFFFFFFF


def _is_signal(code: int) -> bool:
    return -64 <= code < 0  # subprocess: -N means killed by signal N


def is_crash(code: int | None) -> bool:
    """A death by signal, or a Windows NTSTATUS error or warning code; not an ordinary exit."""
    if code is None or code == 0:
        return False
    if _is_signal(code):
        return True
    return _unsigned(code) >= 0x80000000 or _unsigned(code) in NTSTATUS_WORDS


def cannot_start(code: int | None) -> bool:
    return code is not None and (_unsigned(code) in CANNOT_START or code == POSIX_LOADER_FAILED)


def describe_exit(code: int | None) -> str:
    """`exit code 1`, `exit code 0xC0000135 (a DLL it needs was not found)`, or
    `killed by signal SIGSEGV (segmentation fault: ...)`, in the active language."""
    if code is None:
        return _("no exit code")
    if _is_signal(code):
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        words = SIGNAL_WORDS.get(name)
        if words is None:
            return _("killed by signal {name}").format(name=name)
        return _("killed by signal {name} ({words})").format(name=name, words=_(words))
    if is_crash(code):
        status = _unsigned(code)
        return _("exit code {code} ({words})").format(
            code=f"0x{status:08X}", words=_(NTSTATUS_WORDS.get(status, UNKNOWN_CRASH)))
    return _("exit code {code}").format(code=code)
