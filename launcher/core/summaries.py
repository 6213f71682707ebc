"""The advisor's reports as the short text the shells show (menu entries, tooltips)."""

from __future__ import annotations

from launcher.advisor.analysis import ModelReport
from launcher.core.state import ModelSummary
from launcher.i18n import _, translations


def to_summary(report: ModelReport) -> ModelSummary:
    best = []
    for candidate, label in zip(report.candidates, report.try_epochs(), strict=True):
        text = _("e{epoch} (step {step})").format(epoch=label, step=candidate.step)
        if candidate.weight_file is not None:
            name = candidate.weight_file.name
            text = (_("e{epoch} (nearest: {file})") if candidate.weight_is_nearest
                    else "e{epoch} ({file})").format(epoch=label, file=name)
        best.append(text)
    tr = translations()
    return ModelSummary(model=report.model, verdict=report.headline(tr), best_epochs=tuple(best),
                        best_files=tuple(c.weight_file for c in report.candidates),
                        overtraining=report.verdict == "overtraining",
                        try_epochs=tuple(report.try_epochs()), evidence=report.evidence(tr))


def notification(report: ModelReport) -> str:
    """The message of the "is overtraining" notification: what to try, then why."""
    tr = translations()
    return f"{report.answer(tr)}. {report.headline(tr)}."
