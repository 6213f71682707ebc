"""How one start of TensorBoard ended, as data: the supervisor decides on the kind and puts it
in words (in the active language) only where it tells the user."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from launcher.i18n import _
from launcher.tensorboard.exitcodes import describe_exit, is_crash


class Ending(Enum):
    READY = "ready"  # serving: the health checks take over
    INTERRUPTED = "interrupted"  # stop or restart requested
    BIND = "bind"  # its port was taken after we chose it
    NO_PORT = "no port"  # it could not bind even a port the system picks
    TIMED_OUT = "timed out"  # no ready line within the start timeout
    HUNG = "hung"  # it stopped answering the health checks
    CRASHED = "crashed"  # it died of a crash (signal, NTSTATUS)
    EXITED = "exited"  # it ended with an ordinary exit code


@dataclass(frozen=True)
class Outcome:
    ending: Ending
    exit_code: int | None = None  # CRASHED and EXITED
    seconds: float = 0.0  # TIMED_OUT: the start timeout

    @classmethod
    def exit(cls, code: int | None) -> Outcome:
        return cls(Ending.CRASHED if is_crash(code) else Ending.EXITED, exit_code=code)

    def describe(self) -> str:
        """What happened, for the user: "TensorBoard crashed (exit code 0xC0000135 (...))"."""
        if self.ending is Ending.CRASHED:
            return _("TensorBoard crashed ({exit})").format(exit=describe_exit(self.exit_code))
        if self.ending is Ending.EXITED:
            return _("TensorBoard exited ({exit})").format(exit=describe_exit(self.exit_code))
        if self.ending is Ending.HUNG:
            return _("TensorBoard stopped answering")
        if self.ending is Ending.TIMED_OUT:
            return _("TensorBoard did not start within {seconds} s").format(
                seconds=f"{self.seconds:g}")
        if self.ending is Ending.NO_PORT:
            return _("TensorBoard could not bind a port")
        return self.ending.value  # not a failure: never shown

    def repeated(self, output: str) -> str:
        """The final word after too many fast failures in a row, with TensorBoard's output."""
        if self.ending in (Ending.CRASHED, Ending.EXITED):
            return _("TensorBoard keeps crashing ({exit}): {output}").format(
                exit=describe_exit(self.exit_code), output=output)
        return _("{problem}: {output}").format(problem=self.describe(), output=output)

    def environment_broken(self, output: str) -> str:
        return _("The TensorBoard environment's python cannot start ({problem}); it will be "
                 "rebuilt when the launcher starts again. Its output: {output}").format(
                     problem=self.describe(), output=output)

    def restarting(self, delay: float) -> str:
        return _("{problem}; restarting in {seconds} s").format(problem=self.describe(),
                                                                 seconds=f"{delay:g}")
