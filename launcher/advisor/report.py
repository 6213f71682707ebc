"""The advisor's reports as a text table or JSON, for `python -m launcher report`."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from launcher.advisor.analysis import Candidate, ModelReport
from launcher.i18n import N_, _

_COLUMNS = (N_("Model"), N_("Verdict"), N_("Lowest at step"), N_("Last step"), N_("Points"))
VERDICTS = {"improving": N_("improving"), "plateau": N_("plateau"),
            "overtraining": N_("overtraining"), "no data": N_("no data")}


def headline_text(report: ModelReport) -> str:
    """`report.headline()` in the user's language (the JSON keeps the English one)."""
    if report.verdict == "overtraining" and report.onset_step is not None:
        if report.onset_epoch is None:
            return _("overtraining since step {step}").format(step=report.onset_step)
        epoch = f"~{report.onset_epoch}" if report.epoch_is_estimate else str(report.onset_epoch)
        return _("overtraining since step {step} (epoch {epoch})").format(
            step=report.onset_step, epoch=epoch)
    return _(VERDICTS.get(report.verdict, report.verdict))


def render_table(reports: Sequence[ModelReport]) -> str:
    if not reports:
        return _("No models with training logs found.")
    columns = tuple(_(c) for c in _COLUMNS)
    rows = [(r.model, headline_text(r), _text(r.min_step), _text(r.last_step), str(r.points))
            for r in reports]
    widths = [max(_width(c), *(_width(row[i]) for row in rows)) for i, c in enumerate(columns)]
    lines = [_line(columns, widths), _line(tuple("-" * w for w in widths), widths)]
    lines += [_line(row, widths) for row in rows]
    for report in reports:
        details = [f"  {_candidate_text(c)}" for c in report.candidates]
        details += ["  " + _("warning: {message}").format(message=w) for w in report.warnings]
        if details:
            lines += ["", _("{model}: best candidates (lowest raw loss/g/mel first)").format(
                      model=report.model) if report.candidates else f"{report.model}:", *details]
    lines += ["", _("Advice only: listen to the candidates before you pick one; the lowest "
              "loss is not always the best-sounding epoch.")]
    return "\n".join(lines)


def render_json(reports: Sequence[ModelReport]) -> str:
    return json.dumps([_as_dict(r) for r in reports], indent=2, default=_default)


def _as_dict(report: ModelReport) -> dict[str, object]:
    data = asdict(report)
    data["headline"] = report.headline()
    return data


def _default(value: object) -> str:
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _candidate_text(candidate: Candidate) -> str:
    if candidate.epoch is None:
        epoch = _("epoch unknown")
    else:
        epoch = _("epoch {epoch}").format(
            epoch=f"{'~' if candidate.epoch_is_estimate else ''}{candidate.epoch}")
    text = _("#{rank} step {step} ({epoch}), mel {mel}").format(
        rank=candidate.rank, step=candidate.step, epoch=epoch, mel=f"{candidate.mel:.3f}")
    if candidate.weight_file is not None:
        if candidate.weight_is_nearest:
            text += " -> " + _("nearest saved: {file}").format(file=candidate.weight_file.name)
        else:
            text += f" -> {candidate.weight_file.name}"
    else:
        text += " -> " + _("no saved weight file")
    return text


def _text(value: int | None) -> str:
    return "-" if value is None else str(value)


def _width(text: str) -> int:
    """Columns a terminal gives `text`: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell + " " * (width - _width(cell))
                     for cell, width in zip(cells, widths, strict=True)).rstrip()
