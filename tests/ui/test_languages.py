"""The tray's tooltip and menu in every language, rendered by the real functions with
worst-case inputs: the 127-unit tooltip limit and the menu lengths hold, nothing is cut that
should not be, and the text really is translated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher import i18n
from launcher.advisor.analysis import Candidate, ModelReport
from launcher.core.state import AppState, Phase
from launcher.core.summaries import to_summary
from launcher.ui.icon import APP_TITLE, TOOLTIP_LIMIT, tooltip_text, utf16_length
from launcher.ui.menu import ENTRY_LIMIT, STATUS_LIMIT, MenuEntry, build_menu
from tests.ui.test_menu import RecordingActions

STATIC_LIMIT = 40  # a fixed menu label no longer than this reads well in a tray menu
LONG_NAME = "Voice_🎤_" + "x" * 70  # emoji: two UTF-16 units each
URL = "http://127.0.0.1:65535/"


@pytest.fixture(params=i18n.AVAILABLE)
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    i18n.install(request.param)
    yield request.param
    i18n.install("en")


def worst_report(name: str) -> ModelReport:
    weight = Path("assets/weights") / f"{name}_e123456_s987654321.pth"
    candidates = [Candidate(step=987654321, epoch=123456, epoch_is_estimate=True, mel=12.3,
                            weight_file=weight, rank=rank, weight_is_nearest=True)
                  for rank in range(1, 6)]
    return ModelReport(model=name, verdict="overtraining", onset_step=987654321,
                       onset_epoch=123456, epoch_is_estimate=True, candidates=candidates)


def worst_states() -> Iterator[AppState]:
    models = (to_summary(worst_report(LONG_NAME)), to_summary(worst_report("Aria")))
    long_message = i18n._("The folder path {path} contains spaces, which break RVC training "
                          "and older tools; {move}.").format(path="C:\\" + "x" * 200,
                                                             move="y" * 80)
    for phase in Phase:
        for message in ("", long_message):
            yield AppState(phase=phase, message=message, url=URL, model=LONG_NAME,
                           models=models)


def walk(entries: tuple[MenuEntry, ...]) -> Iterator[MenuEntry]:
    for entry in entries:
        if not entry.separator:
            yield entry
            yield from walk(entry.submenu)


def test_the_tooltip_fits_windows_in_every_language(language: str) -> None:
    for state in worst_states():
        text = tooltip_text(state)
        assert utf16_length(text) <= TOOLTIP_LIMIT, (language, text)
        head = text.splitlines()[0]
        assert head == f"{APP_TITLE}: {i18n._(state.phase.value)}", (language, head)


def test_menu_entries_fit_and_fixed_labels_are_whole(language: str) -> None:
    english_models = i18n._("Models") == "Models"
    for state in worst_states():
        entries = build_menu(state, RecordingActions())
        status = entries[0].text
        assert utf16_length(status) <= STATUS_LIMIT, (language, status)
        for entry in walk(entries):
            assert utf16_length(entry.text) <= ENTRY_LIMIT, (language, entry.text)
            dynamic = any(part in entry.text for part in (LONG_NAME[:8], "Aria", "987654321"))
            if not dynamic and entry is not entries[0]:
                assert utf16_length(entry.text) <= STATIC_LIMIT, (language, entry.text)
                assert not entry.text.endswith("…"), (language, entry.text)
        texts = {entry.text for entry in walk(entries)}
        assert i18n._("Quit") in texts and i18n._("Models") in texts
    assert english_models == (language == "en"), f"{language}: the menu is not translated"


def test_the_verdict_and_best_epochs_in_the_menu_are_translated(language: str) -> None:
    summary = to_summary(worst_report("Aria"))
    expected = i18n._("overtraining since step {step} (epoch {epoch})").format(
        step=987654321, epoch="~123456")
    assert summary.verdict == expected
    assert summary.best_epochs[0] == i18n._("e{epoch} (nearest: {file})").format(
        epoch="~123456", file="Aria_e123456_s987654321.pth")
