"""Routes under /data/plugin/rvc/: the start page, the RVC tab's module, the advice and plots.

The advice is a JSON file the launcher writes atomically into its own folder; the plugin finds
it from the logdir (`<RVC>/logs` -> `<RVC>/TensorBoardLauncher/advice.json`) unless the
RVC_LAUNCHER_ADVICE environment variable names it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import werkzeug
from tensorboard.plugins import base_plugin
from werkzeug import wrappers

PLUGIN_NAME = "rvc"
LAUNCHER_DIR_NAME = "TensorBoardLauncher"
ADVICE_NAME = "advice.json"
ADVICE_ENV = "RVC_LAUNCHER_ADVICE"
STATIC = Path(__file__).with_name("static")
PLOT_NAME = re.compile(r"[^/\\]+\.png")
NO_CACHE = {"Cache-Control": "no-store"}
EMPTY_ADVICE = b'{"models": [], "written_at": null}'


def advice_path(logdir: str, environ: Mapping[str, str] = os.environ) -> Path:
    named = environ.get(ADVICE_ENV)
    if named:
        return Path(named)
    return Path(logdir).absolute().parent / LAUNCHER_DIR_NAME / ADVICE_NAME


class RvcPlugin(base_plugin.TBPlugin):
    plugin_name = PLUGIN_NAME

    def __init__(self, context: base_plugin.TBContext) -> None:
        self._advice = advice_path(context.logdir or "")

    def is_active(self) -> bool:
        return True

    def frontend_metadata(self) -> base_plugin.FrontendMetadata:
        return base_plugin.FrontendMetadata(es_module_path="/index.js", tab_name="RVC",
                                            disable_reload=True)

    def get_plugin_apps(self) -> dict[str, object]:
        return {
            "/start": self._start_page,
            "/start.js": self._static("start.js", "text/javascript"),
            "/index.js": self._static("index.js", "text/javascript"),
            "/advice": self._serve_advice,
            "/plot": self._serve_plot,
        }

    def _static(self, name: str, content_type: str) -> object:
        @wrappers.Request.application
        def serve(request: wrappers.Request) -> werkzeug.Response:
            del request
            return werkzeug.Response((STATIC / name).read_bytes(), content_type=content_type,
                                     headers=NO_CACHE)

        return serve

    @wrappers.Request.application
    def _start_page(self, request: wrappers.Request) -> werkzeug.Response:
        del request
        return werkzeug.Response((STATIC / "start.html").read_bytes(),
                                 content_type="text/html; charset=utf-8", headers=NO_CACHE)

    @wrappers.Request.application
    def _serve_advice(self, request: wrappers.Request) -> werkzeug.Response:
        del request
        try:
            body = self._advice.read_bytes()
        except OSError:
            body = EMPTY_ADVICE
        return werkzeug.Response(body, content_type="application/json", headers=NO_CACHE)

    @wrappers.Request.application
    def _serve_plot(self, request: wrappers.Request) -> werkzeug.Response:
        name = request.args.get("name", "")
        if not PLOT_NAME.fullmatch(name) or name.startswith("."):
            return werkzeug.Response("bad plot name", status=400)
        try:
            body = (self._advice.parent / "reports" / name).read_bytes()
        except OSError:
            return werkzeug.Response("no plot yet", status=404)
        return werkzeug.Response(body, content_type="image/png", headers=NO_CACHE)
