"""The advisor's reports as the short text the shells show (menu entries, tooltips)."""

from __future__ import annotations

from launcher.advisor.analysis import ModelReport
from launcher.core.state import ModelSummary


def to_summary(report: ModelReport) -> ModelSummary:
    best = []
    for candidate, label in zip(report.candidates, report.try_epochs(), strict=True):
        text = f"e{label} (step {candidate.step})"
        if candidate.weight_file is not None:
            nearest = "nearest: " if candidate.weight_is_nearest else ""
            text = f"e{label} ({nearest}{candidate.weight_file.name})"
        best.append(text)
    return ModelSummary(model=report.model, verdict=report.headline(), best_epochs=tuple(best),
                        best_files=tuple(c.weight_file for c in report.candidates),
                        overtraining=report.verdict == "overtraining",
                        try_epochs=tuple(report.try_epochs()), evidence=report.evidence())


def notification(report: ModelReport) -> str:
    """The message of the "is overtraining" notification: what to try, then why."""
    return f"{report.answer()}. {report.headline()}."
