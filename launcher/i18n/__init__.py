"""The launcher in its user's language: `_`, `ngettext`, `N_` and `N_plural` (stdlib gettext
over the compiled catalogs in locale/), the choice of language (choice), and argparse's own
words in the active language (argparse_words).

May import: the standard library, launcher.winplatform.
"""

from launcher.i18n.catalog import (
    ENGLISH,
    N_,
    N_plural,
    Translations,
    _,
    active_language,
    install,
    ngettext,
    translations,
)
from launcher.i18n.choice import AVAILABLE, choose_language

__all__ = ["AVAILABLE", "ENGLISH", "N_", "N_plural", "Translations", "_", "active_language",
           "choose_language", "install", "ngettext", "translations"]
