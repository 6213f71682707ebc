"""The launcher's own crash, in the user's language."""

from __future__ import annotations

import pytest

from launcher import i18n
from launcher.i18n import _
from launcher.util.errors import InternalError, internal_failure


@pytest.fixture
def speak():
    yield i18n.install
    i18n.install("en")


def test_the_crash_message_names_the_step_the_error_and_the_log() -> None:
    failure = internal_failure("setting up TensorBoard", KeyError("x"), "C:\\RVC\\launcher.log")
    assert isinstance(failure, InternalError)
    assert str(failure) == (
        "The launcher crashed while setting up TensorBoard (KeyError: 'x'). This is a bug in the "
        "launcher, not a problem with your Python, your RVC folder or your internet connection; "
        "please report it and attach C:\\RVC\\launcher.log.")


def test_the_crash_message_follows_the_active_language(speak) -> None:
    speak("ja")
    failure = internal_failure(_("creating the TensorBoard environment"), OSError("disk"),
                               "launcher.log")
    assert str(failure).startswith("TensorBoard 環境の作成中にランチャーがクラッシュしました "
                                   "(OSError: disk)。")
    assert "launcher.log" in str(failure)
