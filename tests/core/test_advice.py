"""The RVC tab's advice file: exactly report --json's entries plus links and plot names,
rewritten only when a report changed, with plots drawn a few per refresh."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from launcher.advisor.analysis import Advisor
from launcher.advisor.report import render_json
from launcher.core.advice import AdvicePublisher, advice_document, model_links
from launcher.rvc.folder import RvcFolder


def test_links_preset_g_total_at_the_guide_smoothing_and_raw_mel_for_the_model() -> None:
    links = model_links("Aria", 0.987, "g/total")
    total, mel = urlsplit(links["total"]), urlsplit(links["mel"])
    assert total.path == mel.path == "/" and not total.netloc
    assert parse_qs(total.query) == {"smoothing": ["0.987"], "tagFilter": ["g/total"],
                                     "runFilter": ["^Aria(/|$)"]}
    assert parse_qs(mel.query) == {"smoothing": ["0"], "tagFilter": ["loss/g/mel"],
                                   "runFilter": ["^Aria(/|$)"]}


def test_document_is_report_json_plus_links_and_plot(demo_rvc: Path) -> None:
    rvc = RvcFolder.at(demo_rvc)
    reports = Advisor(rvc).refresh()
    reports_dir = rvc.paths.reports_dir
    reports_dir.mkdir(parents=True)
    (reports_dir / "Aria.png").write_bytes(b"png")
    document = advice_document(reports, smoothing=0.987, tag_filter="g/total",
                               rvc_folder=rvc.root, reports_dir=reports_dir)
    expected = json.loads(render_json(list(reports.values())))
    for entry, report_entry in zip(document["models"], expected, strict=True):
        links, plot = entry.pop("links"), entry.pop("plot")
        assert entry == report_entry
        assert links == model_links(report_entry["model"], 0.987, "g/total")
        assert plot == ("Aria.png" if report_entry["model"] == "Aria" else None)


def test_written_on_change_only_and_plots_a_few_per_refresh(demo_rvc: Path,
                                                            tmp_path: Path) -> None:
    reports = Advisor(RvcFolder.at(demo_rvc)).refresh()
    drawn: list[str] = []
    per_refresh = len(reports) - 1
    publisher = AdvicePublisher(tmp_path / "advice.json", plots_per_refresh=per_refresh)

    def update() -> bool:
        return publisher.update(reports, draw_plot=drawn.append,
                                document=lambda: {"models": sorted(reports)})

    assert update() and json.loads(publisher.path.read_text()) == {"models": sorted(reports)}
    assert len(drawn) == per_refresh
    assert update() and len(drawn) == len(reports), "the plot still due, and the file again for it"
    assert set(drawn) == set(reports)
    assert not update(), "nothing changed: nothing written"
    reports = {**reports, "Ben": Advisor(RvcFolder.at(demo_rvc)).refresh()["Ben"]}
    assert update() and drawn[-1] == "Ben"
