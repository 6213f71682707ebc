"""Errors whose message is shown to the user as it is."""

from __future__ import annotations

from launcher.i18n import _


class SetupError(Exception):
    """str(exc) is the plain message shown to the user (what is wrong + what to do)."""


class InternalError(SetupError):
    """The launcher's own code failed: a bug to report, not something the user set up wrong."""


def internal_failure(doing: str, error: BaseException, log_file: object) -> InternalError:
    """The message for a crash inside the launcher: it says whose fault it is and the error.
    `doing` is already translated ("setting up TensorBoard")."""
    # TRANSLATORS: {doing} is what the launcher was doing, such as "setting up TensorBoard" or
    # "creating the TensorBoard environment" (translated separately); {error} is Python's own.
    return InternalError(_(
        "The launcher crashed while {doing} ({error}). This is a bug in the launcher, not a "
        "problem with your Python, your RVC folder or your internet connection; please report "
        "it and attach {log_file}.").format(
            doing=doing, error=f"{type(error).__name__}: {error}", log_file=log_file))
