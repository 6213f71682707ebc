"""The tray icon drawn in code (one colour and glyph per phase), its tooltip, and the exe's .ico."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from launcher.core.state import AppState, Phase
from launcher.i18n import _

TOOLTIP_LIMIT = 127  # Windows NOTIFYICONDATA.szTip holds 128 UTF-16 units with the NUL
BALLOON_TEXT_LIMIT = 255  # szInfo: 256 with the NUL (pystray raises ValueError beyond it)
BALLOON_TITLE_LIMIT = 63  # szInfoTitle: 64 with the NUL
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
APP_TITLE = "RVC TensorBoard"
SUPERSAMPLE = 4
WHITE = (255, 255, 255, 255)

PHASE_COLOURS: dict[Phase, tuple[int, int, int]] = {
    Phase.SETTING_UP: (128, 134, 145),
    Phase.STARTING: (235, 150, 0),
    Phase.RUNNING: (30, 150, 70),
    Phase.TRAINING: (25, 105, 215),
    Phase.STOPPED: (62, 66, 74),
    Phase.ERROR: (210, 40, 40),
}

# A jagged falling loss curve over chart axes, in unit coordinates (0..1, y down).
CURVE = ((0.36, 0.24), (0.50, 0.48), (0.62, 0.40), (0.78, 0.56))
AXES = ((0.20, 0.18), (0.20, 0.80), (0.84, 0.80))


def draw_icon(phase: Phase, size: int = 64) -> Image.Image:
    """A coloured rounded square with a white glyph; drawn large, then scaled down smoothly."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=round(big * 0.22),
                           fill=(*PHASE_COLOURS[phase], 255))
    # Strokes at least ~1.7 px once scaled down, so 16 px icons stay legible.
    stroke = max(round(big * 0.11), round(1.7 * SUPERSAMPLE))
    _GLYPHS[phase](draw, big, stroke)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _points(big: int, unit: tuple[tuple[float, float], ...]) -> list[tuple[float, float]]:
    return [(x * big, y * big) for x, y in unit]


def _curve(draw: ImageDraw.ImageDraw, big: int, stroke: int) -> None:
    draw.line(_points(big, AXES), fill=WHITE, width=stroke, joint="curve")
    draw.line(_points(big, CURVE), fill=WHITE, width=stroke, joint="curve")
    for x, y in (_points(big, CURVE)[0], _points(big, CURVE)[-1]):
        radius = stroke / 2
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=WHITE)


def _glyph_running(draw: ImageDraw.ImageDraw, big: int, stroke: int) -> None:
    _curve(draw, big, stroke)


def _glyph_training(draw: ImageDraw.ImageDraw, big: int, stroke: int) -> None:
    """The curve with a big live dot at its end."""
    _curve(draw, big, stroke)
    x, y = _points(big, CURVE)[-1]
    radius = stroke * 1.1
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=WHITE)


def _glyph_setting_up(draw: ImageDraw.ImageDraw, big: int, stroke: int) -> None:
    """A download arrow over a tray line."""
    mid = big / 2
    draw.line([(mid, big * 0.18), (mid, big * 0.62)], fill=WHITE, width=stroke)
    draw.polygon([(big * 0.28, big * 0.48), (big * 0.72, big * 0.48), (mid, big * 0.72)],
                 fill=WHITE)
    draw.line([(big * 0.22, big * 0.82), (big * 0.78, big * 0.82)], fill=WHITE, width=stroke)


def _glyph_starting(draw: ImageDraw.ImageDraw, big: int, stroke: int) -> None:
    """A play triangle."""
    draw.polygon([(big * 0.34, big * 0.22), (big * 0.34, big * 0.78), (big * 0.78, big * 0.50)],
                 fill=WHITE)


def _glyph_stopped(draw: ImageDraw.ImageDraw, big: int, stroke: int) -> None:
    """A hollow stop square."""
    draw.rectangle((big * 0.28, big * 0.28, big * 0.72, big * 0.72), outline=WHITE, width=stroke)


def _glyph_error(draw: ImageDraw.ImageDraw, big: int, stroke: int) -> None:
    """An exclamation mark."""
    mid = big / 2
    width = max(stroke, round(big * 0.14))
    draw.line([(mid, big * 0.18), (mid, big * 0.60)], fill=WHITE, width=width)
    radius = width * 0.62
    cy = big * 0.78
    draw.ellipse((mid - radius, cy - radius, mid + radius, cy + radius), fill=WHITE)


_GLYPHS = {
    Phase.SETTING_UP: _glyph_setting_up,
    Phase.STARTING: _glyph_starting,
    Phase.RUNNING: _glyph_running,
    Phase.TRAINING: _glyph_training,
    Phase.STOPPED: _glyph_stopped,
    Phase.ERROR: _glyph_error,
}


def utf16_length(text: str) -> int:
    """Windows counts tooltip length in UTF-16 units: an emoji takes two."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-16 units, ending in an ellipsis when cut."""
    text = " ".join(text.split())
    if utf16_length(text) <= limit:
        return text
    if limit <= 0:
        return ""
    kept = ""
    for char in text:
        if utf16_length(kept + char) > limit - 1:
            break
        kept += char
    return kept.rstrip() + "…"


def balloon_text(title: str, message: str) -> tuple[str, str]:
    """A notification's title and message cut to what a Windows balloon holds; the whole
    message stays in the log and the menu."""
    return shorten(title, BALLOON_TITLE_LIMIT), shorten(message, BALLOON_TEXT_LIMIT)


def tooltip_text(state: AppState) -> str:
    """Up to three lines: phase, then the URL (or the latest message), then the model."""
    head = f"{APP_TITLE}: {_(state.phase.value)}"
    serving = state.phase in (Phase.RUNNING, Phase.TRAINING) and state.url
    detail = state.url if serving else state.message
    model = _("Model: {model}").format(model=state.model) if state.model else ""
    model = shorten(model, 40)
    used = utf16_length(head) + (1 + utf16_length(model) if model else 0)
    detail = shorten(detail or "", TOOLTIP_LIMIT - used - 1)
    text = "\n".join(line for line in (head, detail, model) if line)
    return text if utf16_length(text) <= TOOLTIP_LIMIT else shorten(text, TOOLTIP_LIMIT)


def write_ico(path: Path, phase: Phase = Phase.RUNNING) -> Path:
    """A multi-size .ico (16..256 px), each size drawn on its own so small ones stay sharp."""
    path.parent.mkdir(parents=True, exist_ok=True)
    images = [draw_icon(phase, size) for size in ICO_SIZES]
    largest = images[-1]
    largest.save(path, format="ICO", sizes=[(s, s) for s in ICO_SIZES], append_images=images[:-1])
    return path


def contact_sheet(path: Path, sizes: tuple[int, ...] = (16, 32, 64)) -> Path:
    """Every phase at every size on light and dark strips, for a person to look at."""
    scale = 4  # small sizes are blown up with nearest-neighbour so single pixels show
    cell = max(sizes) + 8
    width = len(Phase) * cell
    rows = []
    for background in ((240, 240, 240), (32, 32, 32)):
        for size in sizes:
            row = Image.new("RGB", (width, size + 8), background)
            for index, phase in enumerate(Phase):
                image = draw_icon(phase, size)
                row.paste(image, (index * cell + 4, 4), image)
            rows.append(row)
    sheet = Image.new("RGB", (width, sum(row.height for row in rows)))
    top = 0
    for row in rows:
        sheet.paste(row, (0, top))
        top += row.height
    sheet = sheet.resize((width * scale, sheet.height * scale), Image.Resampling.NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path
