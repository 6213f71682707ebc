"""A PNG of a model's curves with the advisor's evidence marked, drawn with Pillow.

Top panel: the judged total (`loss/g/total`, Applio's `loss_avg_50/g/total`) raw (light)
and smoothed as TensorBoard shows it (bold), with the run's lowest point (the step the report
gives) and the overtraining onset marked. Bottom panel: raw `loss/g/mel` with the candidate
minima circled and numbered by rank.

The words are in the active language when a font on this machine has all their glyphs
(fonts), else in English.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from launcher.advisor.analysis import MEL_DISPLAY_CLAMP, MEL_TAG, TOTAL_TAG, ModelReport
from launcher.advisor.fonts import PILLOW, Font, FontFile, choose_font, load_font
from launcher.advisor.smoothing import tensorboard_smooth
from launcher.events.reader import ScalarSeries
from launcher.i18n import ENGLISH, Translations, active_language, translations

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 900, 580
MARGIN_LEFT, MARGIN_RIGHT = 70, 20
BACKGROUND = (255, 255, 255)
AXIS = (90, 90, 90)
GRID = (232, 232, 232)
RAW = (250, 190, 150)
SMOOTHED = (230, 100, 20)
MEL = (70, 130, 200)
CANDIDATE = (20, 150, 60)
ONSET = (200, 30, 30)
TEXT = (30, 30, 30)
FONT_SIZE, TITLE_SIZE = 13, 17
TITLE_AT = (MARGIN_LEFT, 8)


@dataclass(frozen=True)
class _Panel:
    left: int
    top: int
    right: int
    bottom: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def x(self, step: float) -> float:
        low, high = self.x_range
        return self.left + (step - low) / (high - low) * (self.right - self.left)

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.bottom - (value - low) / (high - low) * (self.bottom - self.top)


@dataclass(frozen=True)
class Labels:
    """Every word in the picture, in one language."""

    title: str
    top: str
    bottom: str
    lowest: str
    no_total: str
    no_mel: str
    onset: str
    step: str
    legend: tuple[str, ...]

    def text(self) -> str:
        return "".join(part if isinstance(part, str) else "".join(part)
                       for part in astuple(self))


def plot_labels(model: str, report: ModelReport, smoothing: float, tr: Translations) -> Labels:
    tried = report.try_epochs()[:3]
    verdict = report.headline(tr)
    title = tr.ngettext("{model}: try epoch {epochs} - {verdict}",
                        "{model}: try epochs {epochs} - {verdict}", len(tried)).format(
        model=model, epochs=", ".join(tried), verdict=verdict) if tried else (
        tr.gettext("{model}: {verdict}").format(model=model, verdict=verdict))
    legend = tuple(tr.gettext("{rank}: epoch {epoch}, step {step}").format(
        rank=c.rank, step=c.step, epoch="?" if c.epoch is None else (
            f"{'~' if c.epoch_is_estimate else ''}{c.epoch}")) for c in report.candidates)
    no_data = tr.gettext("no {tag} logged yet")
    return Labels(
        title=title,
        top=tr.gettext("{tag}: raw (light), smoothed {smoothing} (bold)").format(
            tag=report.total_tag, smoothing=f"{smoothing:g}"),
        bottom=tr.gettext("{tag} raw, best candidates numbered").format(tag=MEL_TAG),
        lowest=tr.gettext("lowest point"), no_total=no_data.format(tag=TOTAL_TAG),
        no_mel=no_data.format(tag=MEL_TAG), onset=tr.gettext("onset"),
        step=tr.gettext("step"), legend=legend)


def labels_and_font(model: str, report: ModelReport, smoothing: float
                    ) -> tuple[Labels, FontFile]:
    """The words in the active language and a font that has them; else English."""
    labels = plot_labels(model, report, smoothing, translations())
    file = choose_font(labels.text(), active_language())
    if file is None:
        log.debug("no font here has every glyph of the %s plot text; drawing it in English",
                  active_language())
        labels = plot_labels(model, report, smoothing, ENGLISH)
        file = choose_font(labels.text(), "en") or PILLOW
    return labels, file


def write_plot(model: str, scalars: dict[str, ScalarSeries], report: ModelReport, path: Path,
               *, smoothing: float) -> Path:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    labels, file = labels_and_font(model, report, smoothing)
    font = load_font(file, FONT_SIZE)
    draw.text(TITLE_AT, labels.title, fill=TEXT, font=load_font(file, TITLE_SIZE))
    total = _finite(scalars.get(report.total_tag) or scalars.get(TOTAL_TAG))
    mel = _finite(scalars.get(MEL_TAG))
    steps = total.steps + mel.steps
    x_range = _padded((min(steps), max(steps))) if steps else (0.0, 1.0)
    top = _panel(total.values, 56, 280, x_range)  # room for the title above its own
    bottom = _panel([v for v in mel.values if v < MEL_DISPLAY_CLAMP] or mel.values, 320, 500,
                    x_range)
    for panel in (top, bottom):
        _axes(draw, panel, font)
    _title(draw, top, labels.top, font)
    _title(draw, bottom, labels.bottom, font)
    if total.steps:
        _line(draw, top, total.steps, total.values, RAW, 1)
        smoothed = tensorboard_smooth(total.values, smoothing)
        _line(draw, top, total.steps, smoothed, SMOOTHED, 3)
        if report.min_step is not None and report.min_step in total.steps:
            i = total.steps.index(report.min_step)
            x, y = top.x(report.min_step), top.y(smoothed[i])
            _dot(draw, x, y, 5, SMOOTHED)
            draw.text((x, y + 8), labels.lowest, fill=SMOOTHED, font=font, anchor="mt")
    else:
        _note(draw, top, labels.no_total, font)
    if mel.steps:
        shown = [min(v, bottom.y_range[1]) for v in mel.values]
        _line(draw, bottom, mel.steps, shown, MEL, 1)
        for candidate in report.candidates:
            cx, cy = bottom.x(candidate.step), bottom.y(candidate.mel)
            draw.ellipse((cx - 6, cy - 6, cx + 6, cy + 6), outline=CANDIDATE, width=2)
            above = candidate.rank % 2 == 1
            draw.text((cx, cy - 8 if above else cy + 8), str(candidate.rank), fill=CANDIDATE,
                      font=font, anchor="mb" if above else "mt")
        _legend(draw, labels.legend, font)
    else:
        _note(draw, bottom, labels.no_mel, font)
    if report.onset_step is not None:
        for panel in (top, bottom):
            x = panel.x(report.onset_step)
            _dashed_vertical(draw, x, panel.top, panel.bottom, ONSET)
        draw.text((top.x(report.onset_step) + 4, top.top + 2), labels.onset, fill=ONSET, font=font)
    draw.text((MARGIN_LEFT - 6, bottom.bottom + 4), labels.step, fill=AXIS, font=font, anchor="rt")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")
    return path


def _panel(values: Sequence[float], top: int, bottom: int, x_range: tuple[float, float]) -> _Panel:
    low, high = _padded((min(values), max(values))) if values else (0.0, 1.0)
    y_range = (low - (high - low) * 0.08, high)  # room for the labels under the markers
    return _Panel(MARGIN_LEFT, top, WIDTH - MARGIN_RIGHT, bottom, x_range, y_range)


def _padded(bounds: tuple[float, float]) -> tuple[float, float]:
    low, high = bounds
    if high <= low:
        return low - 1, high + 1
    pad = (high - low) * 0.05
    return low - pad, high + pad


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 1)]


def _axes(draw: ImageDraw.ImageDraw, panel: _Panel, font: Font) -> None:
    for value in _ticks(*panel.y_range):
        y = panel.y(value)
        draw.line((panel.left, y, panel.right, y), fill=GRID)
        draw.text((panel.left - 6, y), _label(value), fill=AXIS, font=font, anchor="rm")
    thousands = panel.x_range[1] >= 10000
    for step in _ticks(*panel.x_range, count=8):
        x = panel.x(step)
        draw.line((x, panel.top, x, panel.bottom), fill=GRID)
        text = f"{step / 1000:g}k" if thousands and step else _label(step)
        draw.text((x, panel.bottom + 4), text, fill=AXIS, font=font, anchor="mt")
    draw.rectangle((panel.left, panel.top, panel.right, panel.bottom), outline=AXIS)


def _legend(draw: ImageDraw.ImageDraw, entries: Sequence[str], font: Font) -> None:
    lines = ["   ".join(entries[:3]), "   ".join(entries[3:])]
    for row, text in enumerate(line for line in lines if line):
        draw.text((MARGIN_LEFT, 528 + 18 * row), text, fill=CANDIDATE, font=font)


def _title(draw: ImageDraw.ImageDraw, panel: _Panel, text: str, font: Font) -> None:
    draw.text((panel.right, panel.top - 4), text, fill=TEXT, font=font, anchor="rb")


def _note(draw: ImageDraw.ImageDraw, panel: _Panel, text: str, font: Font) -> None:
    center = ((panel.left + panel.right) / 2, (panel.top + panel.bottom) / 2)
    draw.text(center, text, fill=AXIS, font=font, anchor="mm")


def _line(draw: ImageDraw.ImageDraw, panel: _Panel, steps: Sequence[int],
          values: Sequence[float], color: tuple[int, int, int], width: int) -> None:
    points = [(panel.x(s), panel.y(v)) for s, v in zip(steps, values, strict=True)]
    if len(points) == 1:
        _dot(draw, *points[0], 2, color)
    else:
        draw.line(points, fill=color, width=width, joint="curve")


def _dot(draw: ImageDraw.ImageDraw, x: float, y: float, radius: int,
         color: tuple[int, int, int]) -> None:
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)


def _dashed_vertical(draw: ImageDraw.ImageDraw, x: float, top: int, bottom: int,
                     color: tuple[int, int, int]) -> None:
    for y in range(top, bottom, 8):
        draw.line((x, y, x, min(y + 4, bottom)), fill=color, width=2)


def _label(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.3g}"


def _finite(series: ScalarSeries | None) -> ScalarSeries:
    if series is None:
        return ScalarSeries()
    keep = [i for i, v in enumerate(series.values) if math.isfinite(v)]
    return ScalarSeries([series.steps[i] for i in keep], [series.values[i] for i in keep],
                        [series.wall_times[i] for i in keep])
