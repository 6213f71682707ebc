"""The advisor's reports as the JSON file the RVC tab in TensorBoard reads.

Written atomically into the launcher's folder (`advice.json`), only when a report changed.
Each model is exactly `report.render_json`'s entry, plus the two dashboard links the guide
asks for and the name of its plot in `reports/`, so what the advisor says flows through.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from launcher.tensorboard.dashboard import MEL_TAG_FILTER, dashboard_url
from launcher.util.jsonfile import write_json

if TYPE_CHECKING:
    from launcher.advisor.analysis import ModelReport

log = logging.getLogger(__name__)


def model_links(model: str, smoothing: float, tag_filter: str) -> dict[str, str]:
    """Root-relative links to this model's g/total at the guide's smoothing and its raw mel."""
    return {
        "total": dashboard_url("/", smoothing=smoothing, tag_filter=tag_filter, model=model),
        "mel": dashboard_url("/", smoothing=0, tag_filter=MEL_TAG_FILTER, model=model),
    }


def plot_name(model: str) -> str:
    return f"{model}.png"


def advice_document(reports: Mapping[str, ModelReport], *, smoothing: float, tag_filter: str,
                    rvc_folder: Path, reports_dir: Path) -> dict[str, object]:
    from launcher.advisor.report import render_json

    models = json.loads(render_json(list(reports.values())))
    for entry in models:
        name = str(entry["model"])
        entry["links"] = model_links(name, smoothing, tag_filter)
        entry["plot"] = plot_name(name) if (reports_dir / plot_name(name)).is_file() else None
    written_at = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    return {"written_at": written_at, "rvc_folder": str(rvc_folder),
            "smoothing": smoothing, "models": models}


class AdvicePublisher:
    """Keeps `advice.json` and the plots in step with the advisor, doing work only on change.

    The advisor keeps an unchanged model's report as the same object, so identity says what
    changed. Plots cost about 40 ms each: at most `plots_per_refresh` are drawn per call, the
    rest on later calls, so a folder of 300 models does not stall the first refresh.
    """

    def __init__(self, path: Path, plots_per_refresh: int = 5) -> None:
        self.path = path
        self.plots_per_refresh = plots_per_refresh
        self._published: dict[str, ModelReport] = {}
        self._plots_due: dict[str, None] = {}  # ordered: oldest first

    def update(self, reports: Mapping[str, ModelReport], *,
               draw_plot: Callable[[str], object],
               document: Callable[[], dict[str, object]]) -> bool:
        """Draw due plots and rewrite the file if anything changed; True if it was written."""
        changed = [name for name, report in reports.items()
                   if self._published.get(name) is not report]
        for name in changed:
            self._plots_due.pop(name, None)
            self._plots_due[name] = None
        for name in list(self._plots_due):
            if name not in reports:
                del self._plots_due[name]
        drawn = 0
        for name in list(self._plots_due)[-self.plots_per_refresh:]:  # the newest changes
            del self._plots_due[name]
            try:
                draw_plot(name)
                drawn += 1
            except Exception:
                log.exception("could not draw the plot of %s", name)
        if not changed and not drawn and set(reports) == set(self._published):
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_json(self.path, document(), indent=None)
        self._published = dict(reports)
        return True
