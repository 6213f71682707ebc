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

# Windows LANGID -> locale name for the languages with catalogs: full LANGIDs first
# (the sublanguage matters for Chinese and Portuguese), then the primary language alone.
UI_LANGIDS = {
    0x0404: "zh_TW", 0x0804: "zh_CN", 0x0C04: "zh_HK", 0x1004: "zh_SG", 0x1404: "zh_MO",
    0x0416: "pt_BR", 0x0816: "pt_PT", 0x0409: "en_US", 0x0809: "en_GB", 0x0C0A: "es_ES",
    0x040A: "es_ES", 0x080A: "es_MX", 0x040C: "fr_FR", 0x0410: "it_IT", 0x0411: "ja_JP",
    0x0412: "ko_KR", 0x0419: "ru_RU", 0x041F: "tr_TR",
}
UI_PRIMARY_LANGUAGES = {
    0x04: "zh", 0x09: "en", 0x0A: "es", 0x0C: "fr", 0x10: "it", 0x11: "ja", 0x12: "ko",
    0x16: "pt", 0x19: "ru", 0x1F: "tr",
}


def locale_name_for_langid(langid: int) -> str | None:
    """"zh_TW" for 0x0404; the primary language ("fr") for a sublanguage not listed."""
    return UI_LANGIDS.get(langid) or UI_PRIMARY_LANGUAGES.get(langid & 0x3FF)


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
        langid = winplatform.ui_language_id()
        name = None if langid is None else locale_name_for_langid(langid)
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
