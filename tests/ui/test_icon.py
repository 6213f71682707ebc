"""The icon per phase, the tooltip within the Windows limit, and the exe's .ico."""

from __future__ import annotations

import sys
from itertools import combinations
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from launcher.core.state import AppState, Phase
from launcher.ui.icon import (
    ICO_SIZES,
    PHASE_COLOURS,
    TOOLTIP_LIMIT,
    balloon_text,
    contact_sheet,
    draw_icon,
    shorten,
    tooltip_text,
    utf16_length,
    write_ico,
)

REPO = Path(__file__).resolve().parents[2]


def background_colour(image: Image.Image) -> tuple[int, ...]:
    """The background colour, sampled near the top-right corner, clear of every glyph."""
    side = image.width
    return image.getpixel((int(side * 0.8), int(side * 0.2)))


@pytest.mark.parametrize("size", [16, 32, 64])
def test_every_phase_has_its_own_colour_and_picture(size: int) -> None:
    images = {phase: draw_icon(phase, size) for phase in Phase}
    for phase, image in images.items():
        assert image.size == (size, size)
        assert image.mode == "RGBA"
        red, green, blue, alpha = background_colour(image)
        assert alpha == 255
        assert max(abs(a - b) for a, b in zip((red, green, blue), PHASE_COLOURS[phase],
                                              strict=True)) <= 8, phase
    for first, second in combinations(Phase, 2):
        difference = ImageChops.difference(images[first], images[second]).getbbox(
            alpha_only=False)
        assert difference is not None, (first, second)


@pytest.mark.parametrize("size", [16, 32])
def test_glyphs_differ_in_shape_not_only_colour(size: int) -> None:
    """Masks of the white glyph differ, so the phase reads without colour vision too."""
    def glyph_mask(phase: Phase) -> Image.Image:
        grey = draw_icon(phase, size).convert("L")
        return grey.point(lambda value: 255 if value > 200 else 0)

    masks = {phase: glyph_mask(phase) for phase in Phase}
    for phase, mask in masks.items():
        assert mask.getbbox() is not None, f"{phase} has no visible glyph at {size} px"
    for first, second in combinations(Phase, 2):
        assert ImageChops.difference(masks[first], masks[second]).getbbox() is not None, (
            first, second)


def test_corners_are_transparent() -> None:
    image = draw_icon(Phase.RUNNING, 64)
    assert image.getpixel((0, 0))[3] == 0
    assert image.getpixel((63, 63))[3] == 0


def test_tooltip_names_the_phase_url_and_model() -> None:
    state = AppState(phase=Phase.TRAINING, url="http://127.0.0.1:6006/", model="Aria")
    assert tooltip_text(state) == ("RVC TensorBoard: training detected\n"
                                   "http://127.0.0.1:6006/\nModel: Aria")


def test_tooltip_shows_setup_progress_before_there_is_a_url() -> None:
    state = AppState(phase=Phase.SETTING_UP, message="Installing tensorboard==2.21.0")
    assert tooltip_text(state) == "RVC TensorBoard: setting up\nInstalling tensorboard==2.21.0"


@pytest.mark.parametrize("state", [
    AppState(phase=Phase.RUNNING, url="http://127.0.0.1:6006/" + "a" * 300, model="M" * 300),
    AppState(phase=Phase.ERROR, message="e" * 1000, model="Aria"),
    AppState(phase=Phase.TRAINING, url="http://127.0.0.1:6006/?" + "x" * 200,
             model="🎤" * 100),
    AppState(phase=Phase.SETTING_UP, message="🎤" * 200),
], ids=["long-url-and-model", "long-error", "emoji-model", "emoji-message"])
def test_tooltip_fits_the_windows_limit(state: AppState) -> None:
    text = tooltip_text(state)
    assert utf16_length(text) <= TOOLTIP_LIMIT
    assert text.startswith("RVC TensorBoard: ")
    assert "…" in text


def test_shorten_counts_utf16_units_and_collapses_whitespace() -> None:
    assert shorten("a  b\n c", 10) == "a b c"
    assert shorten("abcdef", 4) == "abc…"
    assert utf16_length(shorten("🎤🎤🎤", 4)) <= 4
    assert shorten("anything", 0) == ""


def test_write_ico_holds_every_size(tmp_path: Path) -> None:
    path = write_ico(tmp_path / "out" / "launcher.ico")
    with Image.open(path) as ico:
        assert ico.format == "ICO"
        assert ico.info["sizes"] == {(size, size) for size in ICO_SIZES}
        ico.size = (16, 16)
        small = ico.convert("RGBA")
    # The 16 px image is the one drawn at 16 px, not a blurred downscale of 256 px.
    assert ImageChops.difference(small, draw_icon(Phase.RUNNING, 16)).getbbox(
        alpha_only=False) is None


def test_contact_sheet_for_people_to_look_at() -> None:
    sheet = contact_sheet(REPO / "artifacts" / "icons.png")
    with Image.open(sheet) as image:
        assert image.width == len(Phase) * (64 + 8) * 4


def test_a_long_setup_error_fits_a_windows_balloon() -> None:
    # Under Wine a 611-character "TensorBoard keeps crashing" message made pystray raise
    # "string too long (611, maximum length 256)" and no balloon showed.
    title, message = balloon_text("TensorBoard failed", "Traceback line\n" * 60)
    assert utf16_length(message) <= 255 and message.endswith("…")
    assert balloon_text("T" * 100, "m")[0].endswith("…")
    if sys.platform == "win32":  # the lane: pystray's own structure takes them
        import ctypes

        from pystray._util import win32

        win32.NOTIFYICONDATAW(cbSize=ctypes.sizeof(win32.NOTIFYICONDATAW), szInfo=message,
                              szInfoTitle=title)
