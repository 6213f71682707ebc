"""User settings, kept as JSON in the launcher's folder; a damaged file falls back to defaults."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from launcher.util.jsonfile import write_json

log = logging.getLogger(__name__)

DEFAULT_TAG_FILTER = "g/total"
DEFAULT_PORT = 6006


@dataclass
class Settings:
    auto_open: bool = True
    language: str = ""  # "" follows the system; else a locale name such as "ja" or "pt_BR"
    smoothing: float | None = None  # None: the distribution's preset (0.987, Applio 0.5)
    tag_filter: str = DEFAULT_TAG_FILTER
    preferred_port: int = DEFAULT_PORT
    # The port served last time: TensorBoard keeps the dashboard's own settings (Reload data,
    # ignore outliers, anything the user set) per origin, so the same port keeps them.
    last_port: int | None = None
    advisor_tolerance: float = 0.002  # a fitted rise below this share of the level is none
    advisor_patience_fraction: float = 0.15  # no longer used (the rise test needs none)

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("settings file %s unreadable (%s); using defaults", path, exc)
            return cls()
        if not isinstance(raw, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        defaults = cls()
        values = {}
        for key, value in raw.items():
            if key in known and _same_kind(value, getattr(defaults, key), key):
                values[key] = value
        return cls(**values)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, asdict(self))


def _same_kind(value: object, default: object, key: str) -> bool:
    if key == "smoothing":
        return value is None or (isinstance(value, (int, float)) and 0 <= value < 1)
    if key == "last_port":
        return value is None or (isinstance(value, int) and not isinstance(value, bool)
                                 and 0 < value < 65536)
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, type(default))
