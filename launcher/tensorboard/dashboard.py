"""The preset dashboard URL, and opening it in the browser once per request.

One URL presets both TensorBoard tabs: the Time Series tab reads the query string
(`smoothing`, `tagFilter`, `runFilter`), the legacy Scalars tab reads the hash
(`_smoothingWeight`, `tagFilter`, `regexInput`).

What no URL key can set (Reload data every 30 s, ignore outliers) lives in the browser's
storage for TensorBoard's origin: the launcher's plugin serves a start page on that origin
that stores them and then goes on to the preset URL (`start_page_url`). It is used only once
TensorBoard lists the plugin (`plugin_listed`); without it the plain preset URL still works.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import webbrowser
from collections.abc import Callable
from urllib.parse import quote, urlsplit, urlunsplit

from launcher.tensorboard.process import no_proxy_opener

log = logging.getLogger(__name__)

MAX_SMOOTHING = 0.999
PLUGIN_NAME = "rvc"
START_PATH = f"data/plugin/{PLUGIN_NAME}/start"
MEL_TAG_FILTER = "loss/g/mel"
# Characters with a meaning in a JavaScript RegExp. Escaping only these keeps the pattern
# valid with or without the `u` flag (a needless escape like `\ ` is an error under `u`).
REGEX_SYNTAX = frozenset("^$\\.*+?()[]{}|/")


def format_smoothing(smoothing: float) -> str:
    """0.987 -> "0.987", 0.5 -> "0.5", 0 -> "0": at most 3 decimals, no float noise."""
    clamped = min(max(float(smoothing), 0.0), MAX_SMOOTHING)
    return f"{clamped:.3f}".rstrip("0").rstrip(".") or "0"


def escape_regex(text: str) -> str:
    return "".join("\\" + char if char in REGEX_SYNTAX else char for char in text)


def model_run_regex(model: str) -> str:
    """Matches the run `model` and its sub-runs (`model/eval`), not `model2`."""
    return f"^{escape_regex(model)}(/|$)"


def _param(key: str, value: str) -> str:
    return f"{key}={quote(value, safe='')}"


def dashboard_url(base_url: str, *, smoothing: float, tag_filter: str = "g/total",
                  model: str | None = None) -> str:
    """The TensorBoard URL with smoothing, tag filter and (optionally) one model's runs preset."""
    parts = urlsplit(base_url)
    smooth = format_smoothing(smoothing)
    query = [_param("smoothing", smooth)]
    fragment = ["timeseries", _param("_smoothingWeight", smooth)]
    if tag_filter:
        query.append(_param("tagFilter", tag_filter))
        fragment.append(_param("tagFilter", tag_filter))
    if model:
        runs = model_run_regex(model)
        query.append(_param("runFilter", runs))
        fragment.append(_param("regexInput", runs))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "&".join(query),
                       "&".join(fragment)))


def start_page_url(preset_url: str) -> str:
    """The preset URL routed through the plugin's start page (same query and hash)."""
    parts = urlsplit(preset_url)
    root = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, root + START_PATH, parts.query,
                       parts.fragment))


def plugin_listed(base_url: str, timeout: float = 2.0) -> bool:
    """True if the TensorBoard at `base_url` lists the launcher's plugin as enabled."""
    try:
        with no_proxy_opener().open(f"{base_url.rstrip('/')}/data/plugins_listing",
                                    timeout=timeout) as response:
            listing = json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        log.info("could not read TensorBoard's plugin list (%s); using the plain URL", exc)
        return False
    entry = listing.get(PLUGIN_NAME) if isinstance(listing, dict) else None
    return isinstance(entry, dict) and entry.get("enabled") is True


class BrowserOpener:
    """Opens URLs, but the same URL only once within `min_interval` seconds (double clicks)."""

    def __init__(self, open_func: Callable[[str], object] = webbrowser.open,
                 min_interval: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._open_func = open_func
        self._min_interval = min_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._last_url: str | None = None
        self._last_time = float("-inf")

    def open(self, url: str) -> bool:
        """True if the URL was handed to the browser; False if just opened, or opening failed."""
        with self._lock:
            now = self._clock()
            if url == self._last_url and now - self._last_time < self._min_interval:
                log.debug("not opening %s again within %.1f s", url, self._min_interval)
                return False
            self._last_url, self._last_time = url, now
        try:
            result = self._open_func(url)
        except Exception:
            log.exception("could not open %s", url)
            with self._lock:
                self._last_url = None
            return False
        return result is not False
