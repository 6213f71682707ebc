"""The active catalog: one process-wide language, looked up at call time so a string
translated after `install()` comes out in the new language."""

from __future__ import annotations

import gettext
from pathlib import Path

DOMAIN = "launcher"
LOCALE_DIR = Path(__file__).with_name("locale")

Translations = gettext.NullTranslations  # what `translations()` gives: gettext, ngettext
ENGLISH = gettext.NullTranslations()  # the words as written: for JSON and logs
_translations: Translations = ENGLISH
_language = "en"


def install(language: str) -> str:
    """Use `language`'s catalog (a name from choice.AVAILABLE); English when it has none."""
    global _translations, _language
    try:
        _translations = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
        _language = language
    except OSError:
        _translations = ENGLISH
        _language = "en"
    return _language


def active_language() -> str:
    return _language


def translations() -> Translations:
    """The active catalog, for code that formats both for people and for JSON (pass ENGLISH)."""
    return _translations


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; `_()` translates it where it is shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular and plural pair like `N_`; `ngettext()` picks the form where it is shown."""
    return singular, plural
