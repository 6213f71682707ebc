"""The advisor's reports as a text table or JSON, for `python -m launcher report`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from launcher.advisor.analysis import Candidate, ModelReport

_COLUMNS = ("Model", "Try epochs", "Verdict", "Lowest at step", "Last step", "Points")


def render_table(reports: Sequence[ModelReport]) -> str:
    """Per model the answer first (the epochs to listen to and their files), then the verdict
    and its evidence, the candidates and warnings; then one line per model."""
    if not reports:
        return "No models with training logs found."
    lines: list[str] = []
    for report in reports:
        lines += [f"{report.model}: {report.answer()}", f"  verdict: {report.headline()}"]
        if report.evidence():
            lines.append(f"  evidence: {report.evidence()}")
        if report.candidates:
            lines.append("  candidates (clear dips of raw loss/g/mel, lowest first):")
            lines += [f"    {_candidate_text(c)}" for c in report.candidates]
        lines += [f"  warning: {w}" for w in report.warnings]
        lines.append("")
    rows = [(r.model, ", ".join(r.try_epochs()) or "-", r.headline(), _text(r.min_step),
             _text(r.last_step), str(r.points)) for r in reports]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(_COLUMNS)]
    lines += [_line(_COLUMNS, widths), _line(tuple("-" * w for w in widths), widths)]
    lines += [_line(row, widths) for row in rows]
    lines += ["", "Advice only: listen to the candidates before you pick one; the lowest "
              "loss is not always the best-sounding epoch. A plateau means the loss no longer "
              "falls: more epochs will not help."]
    return "\n".join(lines)


def render_json(reports: Sequence[ModelReport]) -> str:
    return json.dumps([_as_dict(r) for r in reports], indent=2, default=_default)


def _as_dict(report: ModelReport) -> dict[str, object]:
    """The answer first (`answer`, `try_epochs`, `try_files`), then the verdict (`headline`,
    `evidence`), then every field of the report. Keys are only ever added."""
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
    return data


def _default(value: object) -> str:
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _candidate_text(candidate: Candidate) -> str:
    if candidate.epoch is None:
        epoch = "epoch unknown"
    else:
        epoch = f"epoch {'~' if candidate.epoch_is_estimate else ''}{candidate.epoch}"
    text = f"#{candidate.rank} step {candidate.step} ({epoch}), mel {candidate.mel:.3f}"
    if candidate.weight_file is not None:
        nearest = "nearest saved: " if candidate.weight_is_nearest else ""
        text += f" -> {nearest}{candidate.weight_file.name}"
    else:
        text += " -> no saved weight file"
    return text


def _text(value: int | None) -> str:
    return "-" if value is None else str(value)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
