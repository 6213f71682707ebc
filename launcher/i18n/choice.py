"""Which language to speak: `--lang`, else settings.json's "language", else the system's
(the Windows UI language, or LANGUAGE / LC_ALL / LC_MESSAGES / LANG); English when the one
chosen has no catalog."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from launcher import winplatform

AVAILABLE = ("en", "es", "fr", "it", "ja", "ko", "pt_BR", "ru", "tr", "zh_CN", "zh_TW")
ALIASES = {
    "zh_HK": "zh_TW", "zh_MO": "zh_TW", "zh_Hant": "zh_TW",
    "zh_SG": "zh_CN", "zh_Hans": "zh_CN", "zh": "zh_CN",
    "pt": "pt_BR", "pt_PT": "pt_BR",
}
ENV_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def match_language(name: str) -> str | None:
    """The catalog for a locale name such as "pt-BR", "es_MX.UTF-8" or "zh_Hant_HK"; None if
    there is none."""
    name = name.split(".")[0].split("@")[0].replace("-", "_").strip()
    if not name or name in ("C", "POSIX"):
        return None
    parts = name.split("_")
    parts[0] = parts[0].lower()
    parts[1:] = [p.title() if len(p) == 4 else p.upper() for p in parts[1:]]
    for candidate in ("_".join(parts), "_".join(parts[:2]), "_".join(parts[::2]), parts[0]):
        found = ALIASES.get(candidate, candidate)
        if found in AVAILABLE:
            return found
    return None


def system_languages(env: Mapping[str, str] | None = None,
                     windows: bool = winplatform.IS_WINDOWS) -> list[str]:
    """The system's preferred locale names, best first."""
    if windows:
        name = winplatform.ui_language_name()
        return [name] if name else []
    env = os.environ if env is None else env
    names: list[str] = []
    for variable in ENV_VARIABLES:
        names += [n for n in env.get(variable, "").split(":") if n]
    return names


def choose_language(cli: str | None = None, setting: str | None = None,
                    system: Iterable[str] | None = None) -> str:
    """`cli`, else `setting`, else the first of the system's languages that has a catalog; a
    language asked for by name that has no catalog means English."""
    asked = cli or setting
    if asked:
        return match_language(asked) or "en"
    for name in system_languages() if system is None else system:
        found = match_language(name)
        if found is not None:
            return found
    return "en"
