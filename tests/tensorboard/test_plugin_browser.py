"""The launcher's TensorBoard plugin, end to end: the real core starts a real TensorBoard from a
venv the launcher's own code built (with the plugin), and a real headless Chromium opens the
URL the launcher opens. One core, one TensorBoard and one browser serve the whole module."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from launcher.core.app import LauncherCore
from launcher.core.settings import Settings
from launcher.events.demo import CLIP_SECONDS, DemoModel, create_demo_rvc, loss_point
from launcher.events.writer import ScalarEventWriter
from launcher.rvc.folder import RvcFolder
from tests.helpers import wait_until
from tests.tensorboard import test_dashboard_browser
from tests.tensorboard.test_dashboard_browser import (
    CARD_ROWS,
    CHROMIUM_ARGS,
    SMOOTHING_BOX,
    TAG_FILTER_BOX,
    TIMEOUT_MS,
    card_titles,
)

pytestmark = pytest.mark.slow
chromium = test_dashboard_browser.chromium  # the fixture: skips, or fails in CI, without it

REPO = Path(__file__).resolve().parents[2]
SETTINGS_BUTTON = "settings-button button"
RELOAD_BOX = "settings-dialog .reload-toggle input[type=checkbox]"
RELOAD_PERIOD = "settings-dialog input.reload-period"
IGNORE_OUTLIERS = ".scalars-ignore-outliers input[type=checkbox]"
LIMIT_TOOLTIP_ROWS = ".scalars-limit-tooltip-rows input[type=checkbox]"  # off by default
LIVE = DemoModel("Dana", epochs=400, overtrain_epoch=None, seed=11)
LIVE_START_EPOCHS = 50


@dataclass
class Running:
    core: LauncherCore
    rvc: RvcFolder
    opened: list[str]
    live: ScalarEventWriter
    rng: random.Random
    written: int = 0  # the live model's last epoch written


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_live_epochs(running: Running, first: int, last: int) -> None:
    for epoch in range(first, last + 1):
        for tag, value in loss_point(LIVE, epoch, running.rng).items():
            running.live.add_scalar(tag, value, epoch * LIVE.steps_per_epoch)
    running.live.flush()
    running.written = last


@pytest.fixture(scope="module")
def running(chromium: Path, tensorboard_python: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The launcher's core on a demo folder plus a model still training (Dana)."""
    rvc = RvcFolder.at(create_demo_rvc(tmp_path_factory.mktemp("plugin") / "RVC"))
    rvc.paths.launcher_dir.mkdir()
    rvc.paths.venv_dir.symlink_to(tensorboard_python.parent.parent)  # the session's venv
    live = ScalarEventWriter(rvc.logs_dir / LIVE.name)
    opened: list[str] = []
    core = LauncherCore(rvc, Settings(preferred_port=free_port()), open_url=opened.append,
                        advice_delay=0.2)
    state = Running(core, rvc, opened, live, random.Random(LIVE.seed))
    write_live_epochs(state, 1, LIVE_START_EPOCHS)
    core.start()
    try:
        assert wait_until(lambda: opened, 90), core.state
        assert wait_until(lambda: rvc.paths.advice_file.is_file(), 30)
        yield state
    finally:
        core.shutdown()
        live.close()


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser) -> Iterator:
    """A fresh browser profile: TensorBoard's stored settings start empty."""
    created = browser.new_context(viewport={"width": 1400, "height": 900})
    created.set_default_timeout(TIMEOUT_MS)
    try:
        yield created
    finally:
        created.close()


def open_settings(page) -> None:
    page.locator(SETTINGS_BUTTON).first.click()
    page.locator(RELOAD_PERIOD).wait_for()


def stored_settings(page) -> dict[str, object]:
    return json.loads(page.evaluate("localStorage.getItem('_tb_global_settings') || '{}'"))


def test_launcher_url_turns_on_reload_and_keeps_the_users_settings(
        running: Running, context) -> None:
    from playwright.sync_api import expect

    base = running.core.state.url
    assert base is not None
    launcher_url = running.opened[0]
    assert launcher_url.startswith(f"{base}data/plugin/rvc/start?smoothing=0.987&")

    page = context.new_page()
    page.goto(base)  # the plain dashboard, as the user knew it: Reload data is off
    expect(page.locator(LIMIT_TOOLTIP_ROWS)).not_to_be_checked()
    page.locator(LIMIT_TOOLTIP_ROWS).click(force=True)  # a setting the user changed beforehand
    assert wait_until(lambda: stored_settings(page).get("isTooltipRowsLimitEnabled"), 10)
    open_settings(page)
    expect(page.locator(RELOAD_BOX)).not_to_be_checked()

    page.goto(launcher_url)
    page.wait_for_url(lambda url: url.startswith(f"{base}?") and "smoothing=0.987" in url)
    expect(page.locator(TAG_FILTER_BOX)).to_have_value("g/total")
    expect(page.locator(SMOOTHING_BOX)).to_have_value("0.987")
    assert card_titles(page) == ["loss/g/total"]
    expect(page.locator(IGNORE_OUTLIERS)).to_be_checked()
    expect(page.locator(LIMIT_TOOLTIP_ROWS)).to_be_checked()
    open_settings(page)
    expect(page.locator(RELOAD_BOX)).to_be_checked()
    expect(page.locator(RELOAD_PERIOD)).to_have_value("30")
    stored = stored_settings(page)
    assert stored["autoReload"] is True and stored["autoReloadPeriodInMs"] == 30000
    assert stored["ignoreOutliers"] is True and stored["isTooltipRowsLimitEnabled"] is True


def last_step(page) -> int | None:
    rows = page.locator(CARD_ROWS)
    if rows.count() != 1:
        return None
    text = rows.first.locator("tb-data-table-content-cell").nth(4).inner_text()
    return int(text.replace(",", "").strip() or 0)


def test_open_dashboard_follows_training_without_a_reload(running: Running, context) -> None:
    page = context.new_page()
    page.goto(running.core.dashboard_link(running.core.state.url or "", LIVE.name))
    page.wait_for_url(lambda url: "/data/plugin/" not in url)
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    first = LIVE_START_EPOCHS * LIVE.steps_per_epoch
    assert wait_until(lambda: last_step(page) == first, 30), last_step(page)
    write_live_epochs(running, LIVE_START_EPOCHS + 1, LIVE_START_EPOCHS + 20)
    later = (LIVE_START_EPOCHS + 20) * LIVE.steps_per_epoch
    assert wait_until(lambda: last_step(page) == later, 40, interval=0.5), last_step(page)
    assert loads == [], "the page was reloaded"


def report_json(rvc: RvcFolder) -> dict[str, dict]:
    done = subprocess.run([sys.executable, "-m", "launcher", "report", "--rvc-dir",
                           str(rvc.root), "--json"], capture_output=True, text=True,
                          timeout=120, check=True, cwd=REPO)
    return {entry["model"]: entry for entry in json.loads(done.stdout)}


def rvc_tab(context, running: Running):
    page = context.new_page()
    page.goto(f"{running.core.state.url}#rvc")
    frame = page.frame_locator("iframe")
    frame.locator("section.model").first.wait_for()
    return page, frame


def test_rvc_tab_shows_what_report_json_says_and_links_to_the_dashboard(
        running: Running, context) -> None:
    from playwright.sync_api import expect

    expected = report_json(running.rvc)
    page, frame = rvc_tab(context, running)
    for name in ("Aria", "Ben", "Nova", "Cleo"):
        card = frame.locator(f'section.model[data-model="{name}"]')
        expect(card.locator(".answer")).to_have_text(expected[name]["answer"])  # answer first
        assert card.locator("h2 + p").get_attribute("class") == "answer"
        expect(card.locator(".verdict")).to_have_text(expected[name]["headline"])
        expect(card.locator(".evidence")).to_have_text(expected[name]["evidence"])
        epochs = [str(c["epoch"]) for c in expected[name]["candidates"]]
        expect(card.locator("tr.candidate")).to_have_count(len(epochs))
        assert card.locator("tr.candidate").evaluate_all(
            "rows => rows.map(r => r.dataset.epoch)") == epochs
        first = expected[name]["candidates"][0]
        expect(card.locator("tr.candidate .path").first).to_have_text(first["weight_file"])
        assert card.locator("a.total-link").get_attribute("target") == "_top"
        assert "tagFilter=loss%2Fg%2Fmel" in (card.locator("a.mel-link").get_attribute("href")
                                               or "")
        expect(card.locator("img.plot")).to_have_js_property("complete", True)
        assert card.locator("img.plot").evaluate("img => img.naturalWidth") > 100
    aria = frame.locator('section.model[data-model="Aria"]')
    expect(aria.locator(".since")).to_contain_text("Since epoch")
    page.set_viewport_size({"width": 1400, "height": 1500})
    shot = REPO / "artifacts" / "rvc-tab.png"
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot))

    frame.locator('section.model[data-model="Ben"] a.mel-link').click()  # the guide's 2nd look
    page.wait_for_url(lambda url: "#rvc" not in url and "tagFilter=loss%2Fg%2Fmel" in url)
    expect(page.locator(TAG_FILTER_BOX)).to_have_value("loss/g/mel")
    assert card_titles(page) == ["loss/g/mel"]


def test_rvc_tab_plays_applio_reference_clips(running: Running, context) -> None:
    page, frame = rvc_tab(context, running)
    clips = frame.locator('section.model[data-model="Cleo"] tr.candidate audio')
    clips.first.wait_for()
    with page.expect_response(lambda r: "individualAudio" in r.url) as answered:
        clips.first.evaluate("audio => audio.load()")
    assert answered.value.status == 200
    assert answered.value.headers["content-type"] == "audio/wav"
    clips.first.evaluate("audio => new Promise(done => audio.readyState >= 1 ? done() : "
                         "audio.addEventListener('loadedmetadata', done, {once: true}))")
    duration = clips.first.evaluate("audio => audio.duration")
    assert duration == pytest.approx(CLIP_SECONDS, abs=0.01)


def test_rvc_tab_follows_training_by_itself(running: Running, context) -> None:
    page, frame = rvc_tab(context, running)
    card = frame.locator(f'section.model[data-model="{LIVE.name}"]')
    card.wait_for()
    newest = running.written + 10
    write_live_epochs(running, running.written + 1, newest)
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    expected = str(newest * LIVE.steps_per_epoch)
    assert wait_until(lambda: card.get_attribute("data-last-step") == expected, 30, 0.5), (
        card.get_attribute("data-last-step"), expected)
    assert loads == []
