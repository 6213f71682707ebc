"""The preset dashboard URL in a real TensorBoard, seen by a real headless Chromium."""

from __future__ import annotations

import io
import os
import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from launcher.events.demo import create_demo_rvc
from launcher.tensorboard.dashboard import dashboard_url
from tests.helpers import all_gone, kill_pids, tree_pids, wait_until

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
READY_LINE = re.compile(r"TensorBoard \S+ at http://127\.0\.0\.1:(\d+)/")
TIMEOUT_MS = 30_000

SMOOTHING_BOX = ".scalars-smoothing input.slider-input"
TAG_FILTER_BOX = 'input[placeholder="Filter tags (regex)"]'
RUN_FILTER_BOX = 'input[placeholder="Filter runs (regex)"]'
CARD_TITLES = "card-view tb-truncated-path.tag"
RUN_ROWS = "tb-data-table-content-row[data-id]"  # the run selector on the left
CARD_ROWS = "scalar-card tb-data-table-content-row"  # the table under a chart, one row per run


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


def stop_tree(process: subprocess.Popen[str]) -> None:
    """TensorBoard and its data-server child: terminate, then kill whatever is left."""
    pids = tree_pids(process.pid)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    kill_pids(pids[1:])
    assert wait_until(lambda: all_gone(pids), timeout=10)


@pytest.fixture(scope="module")
def tensorboard(chromium: Path, tensorboard_python: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real TensorBoard on a demo RVC folder's logs; yields its base URL.

    Asks for `chromium` first so that a missing browser skips before TensorBoard starts.
    """
    demo_rvc = create_demo_rvc(tmp_path_factory.mktemp("browser") / "RVC")
    process = subprocess.Popen(
        [str(tensorboard_python), "-m", "tensorboard.main", "--logdir", str(demo_rvc / "logs"),
         "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ports: queue.Queue[int] = queue.Queue()

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:  # keep draining so TensorBoard never blocks on a full pipe
            match = READY_LINE.search(line)
            if match:
                ports.put(int(match.group(1)))

    threading.Thread(target=read_stderr, daemon=True).start()
    try:
        port = ports.get(timeout=60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_tree(process)


@pytest.fixture
def new_page(chromium: Path) -> Iterator:
    """Opens pages, each in a fresh browser context (TensorBoard keeps settings in localStorage)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            def open_page(url: str):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.set_default_timeout(TIMEOUT_MS)
                page.goto(url)
                return page

            yield open_page
        finally:
            browser.close()


def card_titles(page) -> list[str]:
    page.locator(CARD_TITLES).first.wait_for()
    return page.locator(CARD_TITLES).evaluate_all("els => els.map(e => e.title)")


def selector_runs(page) -> set[str]:
    ids = page.locator(RUN_ROWS).evaluate_all("els => els.map(e => e.dataset.id)")
    return {run_id.split("/", 1)[1] for run_id in ids}  # "defaultExperimentId/<run>"


def charted_runs(page, count: int) -> set[str]:
    """The runs in the chart's table, once it lists `count` rows (data loaded and drawn)."""
    from playwright.sync_api import expect

    rows = page.locator(CARD_ROWS)
    expect(rows).to_have_count(count, timeout=TIMEOUT_MS)
    names = rows.evaluate_all(
        "els => els.map(e => e.querySelectorAll('tb-data-table-content-cell')[1].innerText)")
    return {name.strip() for name in names}


def chart_is_drawn(page) -> bool:
    """The chart area shows coloured lines, not only its grey grid (which is drawn first)."""
    png = page.locator("scalar-card canvas").first.screenshot()
    colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1_000_000) or []
    coloured = sum(count for count, rgb in colours if max(rgb) - min(rgb) > 40)
    return coloured > 300


def test_other_tag_filter_shows_other_card(tensorboard: str, new_page) -> None:
    """The control: the same page with another filter shows the discriminator card instead."""
    page = new_page(dashboard_url(tensorboard, smoothing=0.987, tag_filter="d/total"))
    assert card_titles(page) == ["loss/d/total"]


def test_preset_url_sets_smoothing_and_tag_filter(tensorboard: str, new_page) -> None:
    from playwright.sync_api import expect

    page = new_page(dashboard_url(tensorboard, smoothing=0.987))
    expect(page.locator(TAG_FILTER_BOX)).to_have_value("g/total")
    expect(page.locator(SMOOTHING_BOX)).to_have_value("0.987")
    assert card_titles(page) == ["loss/g/total"]
    assert charted_runs(page, 4) == {"Aria", "Ben", "Nova", "Cleo/eval"}
    assert selector_runs(page) == {"Aria", "Ben", "Nova", "Cleo/eval"}
    assert wait_until(lambda: chart_is_drawn(page), timeout=20, interval=0.3)
    shot = REPO / "artifacts" / "dashboard.png"
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot))


def test_model_url_shows_only_that_model_with_its_eval_run(tensorboard: str, new_page) -> None:
    from playwright.sync_api import expect

    page = new_page(dashboard_url(tensorboard, smoothing=0.5, model="Cleo"))
    expect(page.locator(RUN_FILTER_BOX)).to_have_value("^Cleo(/|$)")
    expect(page.locator(SMOOTHING_BOX)).to_have_value("0.5")
    assert card_titles(page) == ["loss/g/total"]
    assert charted_runs(page, 1) == {"Cleo/eval"}
    assert selector_runs(page) == {"Cleo/eval"}


def test_legacy_scalars_tab_reads_the_same_presets(tensorboard: str, new_page) -> None:
    from playwright.sync_api import expect

    page = new_page(dashboard_url(tensorboard, smoothing=0.987, model="Aria"))
    page.locator(CARD_TITLES).first.wait_for()
    page.locator("a.mat-mdc-tab-link, [role=tab]").filter(has_text="Scalars").first.click()
    expect(page.locator("tf-smoothing-input input")).to_have_value("0.987")
    expect(page.locator("tf-tag-filterer input")).to_have_value("g/total")
    expect(page.locator("tf-runs-selector input")).to_have_value("^Aria(/|$)")
    runs = page.locator("tf-runs-selector tf-multi-checkbox")
    expect(runs).to_contain_text("Aria")
    expect(runs).not_to_contain_text("Ben")
