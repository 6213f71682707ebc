"""How one start of TensorBoard ended, in words: English as the supervisor always said it, and
in the active language (the words are composed where they are shown, not compared)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from launcher import i18n
from launcher.tensorboard.outcome import Ending, Outcome

MISSING_DLL = 0xC0000135


@pytest.fixture
def speak() -> Iterator:
    yield i18n.install
    i18n.install("en")


def test_a_crash_and_an_exit_are_told_apart_by_the_code() -> None:
    assert Outcome.exit(MISSING_DLL) == Outcome(Ending.CRASHED, exit_code=MISSING_DLL)
    assert Outcome.exit(1) == Outcome(Ending.EXITED, exit_code=1)
    assert Outcome.exit(-11).ending is Ending.CRASHED


@pytest.mark.parametrize(("outcome", "words"), [
    (Outcome.exit(MISSING_DLL),
     "TensorBoard crashed (exit code 0xC0000135 (a DLL it needs was not found))"),
    (Outcome.exit(2), "TensorBoard exited (exit code 2)"),
    (Outcome(Ending.HUNG), "TensorBoard stopped answering"),
    (Outcome(Ending.TIMED_OUT, seconds=60.0), "TensorBoard did not start within 60 s"),
    (Outcome(Ending.NO_PORT), "TensorBoard could not bind a port"),
])
def test_each_failure_in_english(outcome: Outcome, words: str) -> None:
    assert outcome.describe() == words
    assert outcome.restarting(0.5) == f"{words}; restarting in 0.5 s"


def test_the_final_words_name_a_repeated_crash_and_keep_other_problems() -> None:
    assert Outcome.exit(1).repeated("usage: tensorboard") == (
        "TensorBoard keeps crashing (exit code 1): usage: tensorboard")
    assert Outcome(Ending.HUNG).repeated("nothing") == "TensorBoard stopped answering: nothing"
    assert Outcome.exit(MISSING_DLL).environment_broken("").startswith(
        "The TensorBoard environment's python cannot start (TensorBoard crashed (exit code "
        "0xC0000135 (a DLL it needs was not found))); it will be rebuilt")


def test_the_words_follow_the_active_language(speak) -> None:
    speak("es")
    crash = Outcome.exit(MISSING_DLL)
    assert crash.describe() == ("TensorBoard se cerró inesperadamente (código de salida "
                                "0xC0000135 (no se encontró una DLL que necesita))")
    assert crash.repeated("adiós").startswith("TensorBoard se cierra una y otra vez (")
    speak("ja")
    assert Outcome(Ending.HUNG).restarting(2) == (
        "TensorBoard が応答しなくなりました。2 秒後に再起動します")
    assert Outcome(Ending.TIMED_OUT, seconds=5).describe() == (
        "TensorBoard が 5 秒以内に起動しませんでした")
    assert Outcome.exit(1).environment_broken("x").endswith("出力: x")
