"""The advisor's reports as a text table or JSON, for `python -m launcher report`."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from launcher.advisor.analysis import Candidate, ModelReport
from launcher.i18n import N_, _, translations

_COLUMNS = (N_("Model"), N_("Try epochs"), N_("Verdict"), N_("Lowest at step"), N_("Last step"),
            N_("Points"))


def render_table(reports: Sequence[ModelReport]) -> str:
    """Per model the answer first (the epochs to listen to and their files), then the verdict
    and its evidence, the candidates and warnings; then one line per model."""
    if not reports:
        return _("No models with training logs found.")
    tr = translations()
    lines: list[str] = []
    for report in reports:
        lines += [f"{report.model}: {report.answer(tr)}",
                  "  " + _("verdict: {verdict}").format(verdict=report.headline(tr))]
        if report.evidence():
            lines.append("  " + _("evidence: {evidence}").format(evidence=report.evidence(tr)))
        if report.candidates:
            lines.append("  " + _("candidates (clear dips of raw loss/g/mel, lowest first):"))
            lines += [f"    {_candidate_text(c)}" for c in report.candidates]
        lines += ["  " + _("warning: {message}").format(message=w)
                  for w in report.warning_texts(tr)]
        lines.append("")
    columns = tuple(_(c) for c in _COLUMNS)
    rows = [(r.model, ", ".join(r.try_epochs()) or "-", r.headline(tr), _text(r.min_step),
             _text(r.last_step), str(r.points)) for r in reports]
    widths = [max(_width(c), *(_width(row[i]) for row in rows)) for i, c in enumerate(columns)]
    lines += [_line(columns, widths), _line(tuple("-" * w for w in widths), widths)]
    lines += [_line(row, widths) for row in rows]
    lines += ["", _("Advice only: listen to the candidates before you pick one; the lowest "
                    "loss is not always the best-sounding epoch. A plateau means the loss no "
                    "longer falls: more epochs will not help.")]
    return "\n".join(lines)


def render_json(reports: Sequence[ModelReport]) -> str:
    return json.dumps([_as_dict(r) for r in reports], indent=2, default=_default)


def _as_dict(report: ModelReport) -> dict[str, object]:
    """The answer first (`answer`, `try_epochs`, `try_files`), then the verdict (`headline`,
    `evidence`), then every field of the report, the warnings in words. Keys are only ever
    added."""
    data: dict[str, object] = {
        "model": report.model,
        "answer": report.answer(),
        "try_epochs": [c.epoch for c in report.candidates],
        "try_files": [None if c.weight_file is None else c.weight_file.name
                      for c in report.candidates],
        "headline": report.headline(),
        "evidence": report.evidence(),
    }
    data.update(asdict(report))
    data["warnings"] = report.warning_texts()
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
