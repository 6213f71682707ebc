"""The preset dashboard URL and the once-per-request browser opener."""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from launcher.tensorboard.dashboard import (
    BrowserOpener,
    dashboard_url,
    format_smoothing,
    model_run_regex,
    plugin_listed,
    start_page_url,
)

BASE = "http://127.0.0.1:45959/"


def query_and_hash(url: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    parts = urlsplit(url)
    hash_params = parts.fragment.split("&", 1)[1]
    return parse_qs(parts.query), parse_qs(hash_params)


def test_url_matches_the_verified_form() -> None:
    assert dashboard_url(BASE, smoothing=0.987) == (
        "http://127.0.0.1:45959/?smoothing=0.987&tagFilter=g%2Ftotal"
        "#timeseries&_smoothingWeight=0.987&tagFilter=g%2Ftotal"
    )


def test_base_without_slash_and_other_filter() -> None:
    url = dashboard_url("http://127.0.0.1:6006", smoothing=0.5, tag_filter="loss/d")
    assert url == ("http://127.0.0.1:6006/?smoothing=0.5&tagFilter=loss%2Fd"
                   "#timeseries&_smoothingWeight=0.5&tagFilter=loss%2Fd")


def test_empty_tag_filter_is_left_out() -> None:
    url = dashboard_url(BASE, smoothing=0.6, tag_filter="")
    assert "tagFilter" not in url


@pytest.mark.parametrize(("value", "text"), [
    (0.987, "0.987"), (0.1 + 0.2, "0.3"), (0.98699999999, "0.987"), (0.5, "0.5"),
    (0, "0"), (1.0, "0.999"), (-3, "0"), (0.6, "0.6"),
])
def test_smoothing_has_no_float_noise(value: float, text: str) -> None:
    assert format_smoothing(value) == text


def test_model_filter_in_both_tabs_keeps_eval_run() -> None:
    query, hashed = query_and_hash(dashboard_url(BASE, smoothing=0.987, model="Aria"))
    assert query["runFilter"] == ["^Aria(/|$)"]
    assert hashed["regexInput"] == ["^Aria(/|$)"]
    pattern = re.compile(query["runFilter"][0], re.IGNORECASE)
    assert pattern.search("Aria") and pattern.search("Aria/eval")
    assert not pattern.search("Aria2") and not pattern.search("Ben")


def test_model_names_with_regex_characters_are_escaped_and_percent_encoded() -> None:
    url = dashboard_url(BASE, smoothing=0.987, model="v1+(take 2).final")
    assert "+" not in url and " " not in url
    query, _ = query_and_hash(url)
    regex = query["runFilter"][0]
    assert regex == r"^v1\+\(take 2\)\.final(/|$)"
    assert re.search(regex, "v1+(take 2).final/eval")
    assert not re.search(regex, "v1+(take 2)Xfinal")


def test_non_ascii_model_name_round_trips() -> None:
    query, _ = query_and_hash(dashboard_url(BASE, smoothing=0.987, model="Лиза 歌"))
    assert query["runFilter"] == [model_run_regex("Лиза 歌")] == ["^Лиза 歌(/|$)"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opener_opens_once_per_double_click() -> None:
    opened: list[str] = []
    clock = FakeClock()
    opener = BrowserOpener(opened.append, min_interval=2.0, clock=clock)
    assert opener.open("u1") is True
    clock.now += 0.3
    assert opener.open("u1") is False
    assert opened == ["u1"]
    assert opener.open("u2") is True  # another model's dashboard is a new request
    clock.now += 2.5
    assert opener.open("u2") is True
    assert opened == ["u1", "u2", "u2"]


def test_opener_reports_failure_and_allows_retry() -> None:
    calls: list[str] = []

    def broken(url: str) -> bool:
        calls.append(url)
        raise OSError("no browser")

    opener = BrowserOpener(broken, clock=FakeClock())
    assert opener.open("u") is False
    assert opener.open("u") is False
    assert calls == ["u", "u"]
    assert BrowserOpener(lambda url: False).open("u") is False
    assert BrowserOpener(lambda url: None).open("u") is True


def test_start_page_url_keeps_the_preset_query_and_hash() -> None:
    preset = dashboard_url(BASE, smoothing=0.5, model="Cleo")
    start = start_page_url(preset)
    assert start.startswith("http://127.0.0.1:45959/data/plugin/rvc/start?")
    assert urlsplit(start)[3:] == urlsplit(preset)[3:]


@pytest.fixture
def listing_server() -> Iterator[tuple[str, dict[str, object]]]:
    """A local HTTP server answering /data/plugins_listing with what the test puts in."""
    listing: dict[str, object] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(listing).encode() if self.path == "/data/plugins_listing" else b""
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", listing
    finally:
        server.shutdown()
        server.server_close()


def test_the_start_page_is_used_only_when_tensorboard_lists_the_plugin(
        listing_server: tuple[str, dict[str, object]]) -> None:
    url, listing = listing_server
    listing["scalars"] = {"enabled": True}
    assert not plugin_listed(url), "a TensorBoard without the plugin: the plain URL"
    listing["rvc"] = {"enabled": False}
    assert not plugin_listed(url)
    listing["rvc"] = {"enabled": True, "tab_name": "RVC"}
    assert plugin_listed(url)


def test_no_answer_means_the_plain_url(listing_server: tuple[str, dict[str, object]]) -> None:
    url, _ = listing_server
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    assert not plugin_listed(f"http://127.0.0.1:{closed}/", timeout=1)  # nothing listens
    assert not plugin_listed(url + "elsewhere/")  # a 404
