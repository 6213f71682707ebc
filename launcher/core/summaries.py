"""The advisor's reports as the short text the shells show (menu entries, tooltips)."""

from __future__ import annotations

from launcher.advisor.analysis import ModelReport
from launcher.advisor.report import headline_text
from launcher.core.state import ModelSummary
from launcher.i18n import _


def to_summary(report: ModelReport) -> ModelSummary:
    best = []
    for candidate in report.candidates:
        label = "?" if candidate.epoch is None else (
            f"~{candidate.epoch}" if candidate.epoch_is_estimate else str(candidate.epoch))
        text = _("e{epoch} (step {step})").format(epoch=label, step=candidate.step)
        if candidate.weight_file is not None:
            name = candidate.weight_file.name
            text = (_("e{epoch} (nearest: {file})") if candidate.weight_is_nearest
                    else "e{epoch} ({file})").format(epoch=label, file=name)
        best.append(text)
    return ModelSummary(model=report.model, verdict=headline_text(report), best_epochs=tuple(best),
                        overtraining=report.verdict == "overtraining")
